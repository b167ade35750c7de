//! The object-store blob store against a real S3-compatible server (moto, started by
//! each test on loopback): the blob store contract's conformance checks, large blobs
//! in parts, failures that must leave nothing, seeks, listing by pages, leftovers, and
//! the bucket's checks; and faults in the middle of an upload (errors, a cut
//! connection, a store that stops answering), injected by a proxy in front of moto.

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use sealroom_engine::digest::{hex, sha256};
use sealroom_engine::store::blobs::{BlobStore, ListedKind, StoredBlob};
use sealroom_engine::store::conformance;
use sealroom_engine::store::s3::{S3Blobs, S3Credentials, S3Location, PART_LEN};
use sealroom_engine::{Error, ErrorKind, Result};
use sealroom_testsupport::proxy::{Fault, FaultProxy};
use sealroom_testsupport::s3::{Moto, ACCESS_KEY, REGION, SECRET_KEY};

/// A store in a new bucket of `moto`, under `prefix` (explicit values, not the
/// process's variables: tests run in parallel).
fn store(moto: &Moto, bucket: &str, prefix: &str) -> S3Blobs {
    moto.create_bucket(bucket).unwrap();
    store_in(moto, bucket, prefix)
}

/// A store in an existing bucket (or a missing one).
fn store_in(moto: &Moto, bucket: &str, prefix: &str) -> S3Blobs {
    store_at(&moto.endpoint(), bucket, prefix)
}

/// A store in `bucket` of the server at `endpoint` (moto, or a proxy in front of it).
fn store_at(endpoint: &str, bucket: &str, prefix: &str) -> S3Blobs {
    let location = S3Location::new(
        &format!("s3://{bucket}/{prefix}"),
        Some(endpoint),
        Some(REGION),
        S3Credentials::new(ACCESS_KEY, SECRET_KEY),
    )
    .unwrap();
    S3Blobs::new(location).unwrap()
}

/// Deterministic bytes that no two parts share.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 4093) as u8).collect()
}

/// Write `data` in pieces of an odd size, as the body pipeline does.
fn write_in_pieces(blobs: &dyn BlobStore, data: &[u8]) -> Result<StoredBlob> {
    blobs
        .write(|w| {
            for piece in data.chunks(1_000_003) {
                w.write_all(piece)
                    .map_err(|e| sealroom_engine::error::io_error("writing", e))?;
            }
            Ok(())
        })
        .map(|(blob, ())| blob)
}

#[test]
fn the_object_store_keeps_the_blob_store_contract() {
    let Some(moto) = Moto::start_or_skip() else {
        return;
    };
    let s = store(&moto, "conformance", "vaults/one");
    s.check().unwrap();
    conformance::run(&s).unwrap();
    // Also at the bucket's top, without a prefix.
    conformance::run(&store(&moto, "conformance-top", "")).unwrap();
}

#[test]
fn a_blob_larger_than_a_part_is_whole_named_by_its_hash_and_seekable() {
    let Some(moto) = Moto::start_or_skip() else {
        return;
    };
    let s = store(&moto, "large", "p");
    let blobs: &dyn BlobStore = &s;
    let data = pattern(2 * PART_LEN + 4 * 1024 * 1024 + 12_345);
    let blob = write_in_pieces(blobs, &data).unwrap();
    assert_eq!(blob.sha256, hex(&sha256(&data)));
    assert_eq!(blob.size, data.len() as u64);

    // One blob, no temp object, no pending upload.
    let listed = blobs.list().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].kind, ListedKind::Blob);
    assert_eq!(listed[0].name, blob.sha256);
    assert_eq!(listed[0].location, format!("s3://large/p/{}", blob.sha256));
    let (_, uploads) = moto.request("GET", "/large?uploads", &[]).unwrap();
    assert!(!uploads.contains("<Upload>"), "{uploads}");

    // Read back whole.
    let mut back = Vec::new();
    let mut reader = blobs.get(&blob.sha256).unwrap();
    assert_eq!(reader.size().unwrap(), data.len() as u64);
    reader.read_to_end(&mut back).unwrap();
    assert!(
        back == data,
        "the blob read back differs from what was written"
    );

    // Seeks: across a part's end, from the end, relative, and back to the start.
    let mut reader = blobs.get(&blob.sha256).unwrap();
    let mut buf = vec![0u8; 100_000];
    let at = PART_LEN as u64 - 50_000;
    assert_eq!(reader.seek(SeekFrom::Start(at)).unwrap(), at);
    reader.read_exact(&mut buf).unwrap();
    assert!(buf[..] == data[at as usize..at as usize + buf.len()]);
    let end = reader.seek(SeekFrom::End(-10)).unwrap();
    assert_eq!(end, data.len() as u64 - 10);
    let mut tail = Vec::new();
    reader.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, data[data.len() - 10..]);
    reader.seek(SeekFrom::Start(1000)).unwrap();
    reader.seek(SeekFrom::Current(-500)).unwrap();
    let mut head = [0u8; 16];
    reader.read_exact(&mut head).unwrap();
    assert_eq!(head[..], data[500..516]);
    assert!(reader.seek(SeekFrom::Current(-10_000)).is_err());
    // Past the end reads nothing.
    reader.seek(SeekFrom::Start(data.len() as u64 + 5)).unwrap();
    assert_eq!(reader.read(&mut head).unwrap(), 0);

    // The same bytes again are the same blob (the copy may be skipped), and still
    // leave no leftover.
    let again = write_in_pieces(blobs, &data).unwrap();
    assert_eq!(again.sha256, blob.sha256);
    assert_eq!(blobs.list().unwrap().len(), 1);
}

#[test]
fn a_producer_failing_mid_way_through_a_large_blob_leaves_nothing() {
    let Some(moto) = Moto::start_or_skip() else {
        return;
    };
    let s = store(&moto, "failing", "p");
    let blobs: &dyn BlobStore = &s;
    let data = pattern(3 * PART_LEN + 1);
    let res: Result<(StoredBlob, ())> = blobs.write(|w| {
        w.write_all(&data)
            .map_err(|e| sealroom_engine::error::io_error("writing", e))?;
        Err(Error::io("the document could not be read to its end"))
    });
    assert_eq!(
        res.unwrap_err().message(),
        "the document could not be read to its end"
    );
    let listed = blobs.list().unwrap();
    assert!(listed.is_empty(), "{listed:?}");
    // Seen by the server itself: no object, no pending multipart upload.
    let (_, objects) = moto.request("GET", "/failing?list-type=2", &[]).unwrap();
    assert!(!objects.contains("<Key>"), "{objects}");
    let (_, uploads) = moto.request("GET", "/failing?uploads", &[]).unwrap();
    assert!(!uploads.contains("<Upload>"), "{uploads}");
}

#[test]
fn missing_blobs_bad_names_and_missing_buckets_are_told_apart() {
    let Some(moto) = Moto::start_or_skip() else {
        return;
    };
    let s = store(&moto, "names", "p");
    let blobs: &dyn BlobStore = &s;
    let absent = "0".repeat(64);
    let err = blobs
        .get(&absent)
        .err()
        .expect("a missing blob must not open");
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err:?}");
    assert!(err.message().contains("missing"), "{err:?}");
    assert_eq!(blobs.measure(&absent).unwrap(), None);
    blobs.remove(&absent).unwrap();

    let (blob, ()) = blobs
        .write(|w| {
            w.write_all(b"ciphertext")
                .map_err(|e| sealroom_engine::error::io_error("writing", e))
        })
        .unwrap();
    for bad in [
        "../sealroom.db".to_owned(),
        blob.sha256.to_uppercase(),
        format!("{}/x", &blob.sha256[..62]),
        String::new(),
    ] {
        assert!(blobs.get(&bad).is_err(), "{bad} was looked up");
        assert!(blobs.remove(&bad).is_err(), "{bad} was removed");
    }
    assert!(blobs.get(&blob.sha256).is_ok());

    // The bucket's checks.
    let missing = store_in(&moto, "no-such-bucket", "p");
    let err = missing.check().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
    assert!(err.message().contains("no-such-bucket"), "{err:?}");
    let nobody = S3Blobs::new(
        S3Location::new(
            "s3://names/p",
            Some("http://127.0.0.1:1"),
            None,
            S3Credentials::new(ACCESS_KEY, "a-secret-never-shown"),
        )
        .unwrap(),
    )
    .unwrap();
    let err = nobody.check().unwrap_err();
    assert!(
        err.message()
            .contains("cannot reach the object store at http://127.0.0.1:1"),
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains("a-secret-never-shown"));
    assert!(!format!("{err:?}").contains("X-Amz"), "{err:?}");
}

#[test]
fn versioning_is_reported() {
    let Some(moto) = Moto::start_or_skip() else {
        return;
    };
    let s = store(&moto, "versions", "");
    assert!(!s.versioning_enabled().unwrap());
    moto.enable_versioning("versions").unwrap();
    assert!(s.versioning_enabled().unwrap());
}

#[test]
fn listing_pages_and_leftovers() {
    let Some(moto) = Moto::start_or_skip() else {
        return;
    };
    // Pages of two keys, so that five blobs take three requests.
    let s = store(&moto, "listing", "vault").with_list_page(2);
    let blobs: &dyn BlobStore = &s;
    let mut names = Vec::new();
    for i in 0..5u8 {
        let (blob, ()) = blobs
            .write(|w| {
                w.write_all(&[i; 10])
                    .map_err(|e| sealroom_engine::error::io_error("writing", e))
            })
            .unwrap();
        names.push(blob.sha256);
    }
    names.sort();
    // Beside the prefix, never listed: another vault's blob.
    moto.request("PUT", &format!("/listing/vault2/{}", names[0]), b"x")
        .unwrap();
    // Under it: a foreign object, and an upload an interrupted put left.
    moto.request("PUT", "/listing/vault/notes.txt", b"x")
        .unwrap();
    let (status, started) = moto
        .request("POST", "/listing/vault/.tmp-0123abcd?uploads", &[])
        .unwrap();
    assert_eq!(status, 200, "{started}");

    let listed = blobs.list().unwrap();
    let of = |kind| {
        listed
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(of(ListedKind::Blob), names);
    assert_eq!(of(ListedKind::Foreign), ["notes.txt"]);
    assert_eq!(of(ListedKind::Unfinished), [".tmp-0123abcd"]);

    // Foreign entries are never removed; leftovers are, uploads aborted.
    let foreign: Vec<_> = listed
        .iter()
        .filter(|l| l.kind == ListedKind::Foreign)
        .collect();
    assert!(blobs.remove_listed(&foreign).is_err());
    let leftovers: Vec<_> = listed
        .iter()
        .filter(|l| l.kind == ListedKind::Unfinished || l.name == names[0])
        .collect();
    blobs.remove_listed(&leftovers).unwrap();
    let after = blobs.list().unwrap();
    assert_eq!(after.len(), listed.len() - 2, "{after:?}");
    assert!(after.iter().all(|l| l.kind != ListedKind::Unfinished));
    assert!(after.iter().all(|l| l.name != names[0]));
    let (_, uploads) = moto.request("GET", "/listing?uploads", &[]).unwrap();
    assert!(!uploads.contains("<Upload>"), "{uploads}");
}

/// The size of the blob a fault interrupts: over two parts, so that parts are under
/// way on the upload's thread when the fault comes.
const FAULTED_LEN: usize = 20 * 1024 * 1024;
/// How much the producer has written when it sets the fault: the first part is full
/// and on its way, the upload begun.
const FAULT_AT: usize = 9 * 1024 * 1024;

/// Put `data` through `blobs`, setting `fault` on `proxy` once [`FAULT_AT`] bytes are
/// written (the producer runs on the test's thread, the parts are sent by another).
fn put_faulted(
    blobs: &dyn BlobStore,
    proxy: &FaultProxy,
    fault: Fault,
    data: &[u8],
) -> Result<StoredBlob> {
    const PIECE: usize = 1024 * 1024;
    blobs.put(&mut |w| {
        for (i, piece) in data.chunks(PIECE).enumerate() {
            if i * PIECE == FAULT_AT {
                proxy.set(fault);
            }
            w.write_all(piece)
                .map_err(|e| sealroom_engine::error::io_error("writing", e))?;
        }
        Ok(())
    })
}

/// A large put meets `fault` in its middle, through a proxy in front of moto (with
/// the client's time-out `timeout`, if given): the put fails in one sentence about the
/// object store (`expect` checks it further), leaves no blob anyone could read, and
/// the same put after the fault is lifted stores the blob whole, the failed try's
/// leftovers removable as such.
fn a_fault_mid_upload_fails_whole_and_a_retry_succeeds(
    bucket: &str,
    fault: Fault,
    timeout: Option<Duration>,
    expect: impl Fn(&str) -> bool,
) {
    let Some(moto) = Moto::start_or_skip() else {
        return;
    };
    // What the server holds, seen without the proxy.
    let direct = store(&moto, bucket, "p");
    let proxy = FaultProxy::start(moto.port());
    let mut faulty = store_at(&proxy.endpoint(), bucket, "p");
    if let Some(t) = timeout {
        faulty = faulty.with_timeout(t);
    }
    let data = pattern(FAULTED_LEN);
    let sha = hex(&sha256(&data));

    let err = put_faulted(&faulty, &proxy, fault, &data)
        .expect_err("a put through a failing object store must fail");
    let message = err.message();
    assert_eq!(err.kind(), ErrorKind::Io, "{err:?}");
    assert!(!message.contains('\n'), "not one sentence: {message}");
    assert!(message.contains("object store"), "{message}");
    assert!(expect(message), "{message}");
    assert!(proxy.accepted() > 0);

    // Nothing readable: no object under a hash's name, the blob's least of all.
    let listed = direct.list().unwrap();
    assert!(
        listed.iter().all(|l| l.kind != ListedKind::Blob),
        "a failed put left a blob: {listed:?}"
    );
    let missing = direct
        .get(&sha)
        .err()
        .expect("the failed blob must not be readable");
    assert_eq!(missing.kind(), ErrorKind::Integrity, "{missing:?}");

    // Lifted, the same put stores the blob whole.
    proxy.set(Fault::Pass);
    let blob = put_faulted(&faulty, &proxy, Fault::Pass, &data).unwrap();
    assert_eq!(
        (blob.sha256.as_str(), blob.size),
        (sha.as_str(), data.len() as u64)
    );
    let mut back = Vec::new();
    direct.get(&sha).unwrap().read_to_end(&mut back).unwrap();
    assert!(
        back == data,
        "the blob read back differs from what was written"
    );

    // What the failed try left is listed as unfinished, and removable as such.
    let listed = direct.list().unwrap();
    let leftovers: Vec<_> = listed
        .iter()
        .filter(|l| l.kind == ListedKind::Unfinished)
        .collect();
    direct.remove_listed(&leftovers).unwrap();
    let after = direct.list().unwrap();
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(
        (after[0].kind, after[0].name.as_str()),
        (ListedKind::Blob, sha.as_str())
    );
    let (_, uploads) = moto
        .request("GET", &format!("/{bucket}?uploads"), &[])
        .unwrap();
    assert!(!uploads.contains("<Upload>"), "{uploads}");
}

#[test]
fn errors_from_the_object_store_mid_upload_fail_the_put_whole_and_a_retry_succeeds() {
    a_fault_mid_upload_fails_whole_and_a_retry_succeeds(
        "fault-error",
        Fault::Error { status: 500 },
        None,
        |m| m.contains("HTTP 500") && m.contains("InternalError"),
    );
}

#[test]
fn a_connection_cut_mid_upload_fails_the_put_whole_and_a_retry_succeeds() {
    a_fault_mid_upload_fails_whole_and_a_retry_succeeds(
        "fault-cut",
        Fault::Cut { after: 1024 * 1024 },
        None,
        |m| m.contains("cannot reach the object store"),
    );
}

#[test]
fn an_object_store_that_stops_answering_mid_upload_fails_the_put_whole_and_a_retry_succeeds() {
    // A short time-out: every request of the failed try waits it out, TRIES times with
    // pauses (4 × 2 s + 2.6 s per request), so the test stays well under a minute.
    a_fault_mid_upload_fails_whole_and_a_retry_succeeds(
        "fault-stall",
        Fault::Stall,
        Some(Duration::from_secs(2)),
        |m| {
            m.contains("cannot reach the object store")
                && (m.contains("timed out") || m.contains("time-out"))
        },
    );
}

//! Blobs in an S3-compatible object store ([`S3Blobs`]): one object per blob, named
//! `PREFIX/<sha256>` in a bucket, for a vault service that runs on more than one
//! machine. Requests are signed by rusty-s3 (SigV4 presigned URLs, so the secret key
//! never travels) and sent with the same blocking ureq client the engine uses for a
//! vault service.
//!
//! How the contract of [`super::blobs`] is kept on a store without renames or fsync:
//!
//! - A blob smaller than one part ([`PART_LEN`]) is hashed in memory and sent with one
//!   PUT straight to its final name: S3 writes an object whole or not at all, and a
//!   PUT that returned is durable.
//! - A larger blob is streamed as a multipart upload to a temporary key
//!   (`PREFIX/.tmp-<random>`), hashed as it goes, and only once it is complete copied
//!   on the server to its hash's name (CopyObject) and the temporary key deleted. So
//!   a name always holds the bytes that hash to it, and a producer or connection that
//!   fails leaves at most a leftover that [`BlobStore::list`] names as unfinished (the
//!   multipart upload is aborted and the temp key deleted on the way out, best effort).
//! - Memory stays bounded: the part being filled and the part being sent.
//! - A read streams the object and seeks by asking again for a range from the new
//!   position.

use std::collections::HashSet;
use std::fmt;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use ring::digest::{Context, SHA256};
use rusty_s3::actions::{
    AbortMultipartUpload, CompleteMultipartUpload, CreateMultipartUpload, DeleteObject, GetObject,
    HeadBucket, HeadObject, ListObjectsV2, PutObject, UploadPart,
};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use zeroize::Zeroizing;

use super::blobs::{BlobRead, BlobStore, Listed, ListedKind, StoredBlob, TEMP_PREFIX};
use crate::crypto::digest::{hex, parse_hex32};
use crate::error::{Error, Result};

/// Size of the parts a large blob is uploaded in (S3 wants at least 5 MiB but the
/// last, and at most 10,000 of them: 8 MiB parts carry blobs up to 78 GiB, while
/// keeping two parts in memory stays small).
pub const PART_LEN: usize = 8 * 1024 * 1024;
/// The most parts a multipart upload may have (S3's limit).
const MAX_PARTS: usize = 10_000;
/// The largest object a single CopyObject may copy (S3's limit).
const COPY_LIMIT: u64 = 5 * 1024 * 1024 * 1024;
/// How long a signed request stays valid: each is signed just before it is sent, so
/// this only has to cover the clock's drift and the time it takes to start.
const SIGNED_FOR: Duration = Duration::from_secs(15 * 60);
/// Tries of a request that met a transient failure (a broken connection, 5xx, 503
/// SlowDown), with a growing pause between them.
const TRIES: u32 = 4;
/// The first pause before a request is tried again (then three times longer each).
const FIRST_PAUSE: Duration = Duration::from_millis(200);
/// Times a read of a blob opens the object again after its stream broke.
const READ_RETRIES: u32 = 3;
/// Keys asked for per listing request (S3's own maximum).
const LIST_PAGE: u16 = 1000;
/// Bytes of an error answer kept to find its code and message.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// The keys that open an object store: an access key, its secret and, for temporary
/// credentials, a session token. Its `Debug` shows none of them.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Credentials {
    access_key: String,
    secret_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
}

impl S3Credentials {
    /// An access key and its secret.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        S3Credentials {
            access_key: access_key.into(),
            secret_key: Zeroizing::new(secret_key.into()),
            session_token: None,
        }
    }

    /// The same keys with the session token of temporary credentials (an empty token
    /// is none).
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        let token = token.into();
        self.session_token = (!token.is_empty()).then(|| Zeroizing::new(token));
        self
    }

    /// The access key's id (not a secret, but kept out of messages all the same).
    pub fn access_key(&self) -> &str {
        &self.access_key
    }
}

impl fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("S3Credentials(hidden)")
    }
}

/// Where blobs are kept in an object store: the endpoint, bucket, key prefix and
/// region, and the credentials to sign with. Its `Debug` shows no credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Location {
    endpoint: String,
    bucket: String,
    prefix: String,
    region: String,
    credentials: S3Credentials,
    path_style: bool,
}

impl S3Location {
    /// `s3://BUCKET/PREFIX` (the prefix may be empty), with the endpoint, region and
    /// credentials taken from the usual variables: `AWS_ENDPOINT_URL_S3` or
    /// `AWS_ENDPOINT_URL` (none: AWS itself), `AWS_REGION` or `AWS_DEFAULT_REGION`
    /// (none: us-east-1), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
    /// `AWS_SESSION_TOKEN`. Only keys given in variables are used (no profiles, no
    /// instance roles).
    pub fn parse(url: &str) -> Result<S3Location> {
        Self::from_vars(url, |name| std::env::var(name).ok())
    }

    /// `s3://BUCKET/PREFIX` with values given explicitly (by flags, or by a test):
    /// an endpoint such as `http://127.0.0.1:9000` for MinIO or moto (none: AWS,
    /// `https://s3.REGION.amazonaws.com`), a region (none: us-east-1) and the keys.
    /// Path-style addresses (`ENDPOINT/BUCKET/KEY`) are used when an endpoint is
    /// given, since S3-compatible servers seldom have a name per bucket;
    /// virtual-host ones (`BUCKET.s3.REGION.amazonaws.com/KEY`) for AWS.
    pub fn new(
        url: &str,
        endpoint: Option<&str>,
        region: Option<&str>,
        credentials: S3Credentials,
    ) -> Result<S3Location> {
        let (bucket, prefix) = split_url(url)?;
        let region = match region.filter(|r| !r.is_empty()) {
            Some(r) => {
                if !r
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                {
                    return Err(Error::usage(format!(
                        "`{r}` is not an object store region (like us-east-1)"
                    )));
                }
                r.to_owned()
            }
            None => "us-east-1".to_owned(),
        };
        if credentials.access_key.is_empty() || credentials.secret_key.is_empty() {
            return Err(Error::usage(
                "no credentials for the object store: give an access key and its secret (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
            ));
        }
        let (endpoint, path_style) = match endpoint.filter(|e| !e.is_empty()) {
            Some(e) => (check_endpoint(e)?, true),
            None => (format!("https://s3.{region}.amazonaws.com"), false),
        };
        Ok(S3Location {
            endpoint,
            bucket,
            prefix,
            region,
            credentials,
            path_style,
        })
    }

    /// [`S3Location::parse`] with the variables looked up by `var`.
    fn from_vars(url: &str, var: impl Fn(&str) -> Option<String>) -> Result<S3Location> {
        let get = |name: &str| var(name).filter(|v| !v.is_empty());
        let endpoint = get("AWS_ENDPOINT_URL_S3").or_else(|| get("AWS_ENDPOINT_URL"));
        let region = get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION"));
        let (Some(key), Some(secret)) = (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"))
        else {
            // Checked first for its own sentence; the address is checked by `new`.
            split_url(url)?;
            return Err(Error::usage(
                "no credentials for the object store: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            ));
        };
        let mut credentials = S3Credentials::new(key, secret);
        if let Some(token) = get("AWS_SESSION_TOKEN") {
            credentials = credentials.with_session_token(token);
        }
        Self::new(url, endpoint.as_deref(), region.as_deref(), credentials)
    }

    /// The same location, with path-style addresses or not (for an S3-compatible
    /// endpoint that wants virtual-host ones).
    pub fn with_path_style(mut self, path_style: bool) -> Self {
        self.path_style = path_style;
        self
    }

    /// The endpoint, such as `https://s3.eu-west-1.amazonaws.com`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The prefix of every key, without slashes at either end (empty: the bucket's top).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Whether addresses are path-style (`ENDPOINT/BUCKET/KEY`).
    pub fn path_style(&self) -> bool {
        self.path_style
    }

    /// `s3://BUCKET/PREFIX`, for people.
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

impl fmt::Debug for S3Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Location")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("region", &self.region)
            .field("path_style", &self.path_style)
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// Bucket and prefix of `s3://BUCKET/PREFIX`. The address is not repeated in the
/// messages: one with a user part (`s3://key:secret@…`) would show a secret.
fn split_url(url: &str) -> Result<(String, String)> {
    let bad = |why: &str| {
        Error::usage(format!(
            "the object store address is not s3://BUCKET/PREFIX: {why}"
        ))
    };
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| bad("it must begin with s3://"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(bad("it names no bucket"));
    }
    if !(3..=63).contains(&bucket.len())
        || !bucket.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        })
        || bucket.starts_with(['.', '-'])
        || bucket.ends_with(['.', '-'])
    {
        return Err(bad(
            "a bucket's name is 3 to 63 lowercase letters, digits, dots and hyphens",
        ));
    }
    let prefix = prefix.trim_matches('/');
    if !prefix.is_empty()
        && (prefix
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
            || prefix
                .chars()
                .any(|c| c.is_control() || c == '?' || c == '#'))
    {
        return Err(bad(
            "the prefix must be names separated by single slashes, without `.`, `..`, `?` or `#`",
        ));
    }
    Ok((bucket.to_owned(), prefix.to_owned()))
}

/// An endpoint as `scheme://host[:port]`, without a trailing slash. Plain `http://`
/// is allowed only to this machine (a test server, or a local gateway), like the
/// vault service's address: signed URLs and ciphertexts do not cross a network in
/// the clear.
fn check_endpoint(text: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::usage(format!(
            "`{text}` is not an object store endpoint ({why}); write https://HOST[:PORT]"
        ))
    };
    let (tls, rest) = if let Some(rest) = text.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = text.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(Error::usage(
            "the object store endpoint must begin with https:// (or http:// to this machine)",
        ));
    };
    let host_port = rest.strip_suffix('/').unwrap_or(rest);
    if host_port.contains('@') {
        // Never repeated: a user part may hold a secret.
        return Err(Error::usage(
            "the object store endpoint must not hold a user name or password: give the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        ));
    }
    if host_port.is_empty() || host_port.contains(['/', '?', '#', ' ']) || !host_port.is_ascii() {
        return Err(bad("it must be a host and an optional port, nothing else"));
    }
    let host = match host_port.rsplit_once(':') {
        Some((h, p)) if !host_port.ends_with(']') => {
            if p.parse::<u16>().is_err() {
                return Err(bad("the port is not a number"));
            }
            h
        }
        _ => host_port,
    };
    if !tls && !is_loopback(host) {
        return Err(bad(
            "plain http:// is allowed only to this machine (127.0.0.1, ::1, localhost); use https://",
        ));
    }
    Ok(format!(
        "{}://{host_port}",
        if tls { "https" } else { "http" }
    ))
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The HTTP agent of a store, giving up after `connect` to open a connection and after
/// `read_write` on a read or write of a request.
fn agent(connect: Duration, read_write: Duration) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(connect)
        .timeout_read(read_write)
        .timeout_write(read_write)
        // A signed URL is good for its own host only; a redirect (another region) is
        // reported, not followed.
        .redirects(0)
        .user_agent(concat!("sealroom/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Whether `name` is a blob's name: 64 lowercase hex digits (keys are case-sensitive,
/// so an uppercase spelling would be another object).
fn is_blob_name(name: &str) -> bool {
    parse_hex32(name).is_some() && !name.bytes().any(|b| b.is_ascii_uppercase())
}

/// Whether `name` is one this store gives a temporary key.
fn is_temp_name(name: &str) -> bool {
    name.strip_prefix(TEMP_PREFIX)
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}

/// Blobs in an S3-compatible object store (see the module's doc).
pub struct S3Blobs {
    client: Arc<Client>,
    list_page: u16,
}

impl fmt::Debug for S3Blobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Blobs")
            .field("location", &self.client.location)
            .finish()
    }
}

impl S3Blobs {
    /// The store at `location` (nothing is sent yet: see [`S3Blobs::check`]).
    pub fn new(location: S3Location) -> Result<S3Blobs> {
        let style = if location.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let endpoint = location.endpoint.parse().map_err(|_| {
            Error::usage(format!(
                "`{}` is not an object store endpoint; write https://HOST[:PORT]",
                location.endpoint
            ))
        })?;
        let bucket = Bucket::new(
            endpoint,
            style,
            location.bucket.clone(),
            location.region.clone(),
        )
        .map_err(|_| {
            Error::usage(format!(
                "bucket `{}` cannot be addressed at {}",
                location.bucket, location.endpoint
            ))
        })?;
        let keys = &location.credentials;
        let credentials = match &keys.session_token {
            Some(token) => Credentials::new_with_token(
                keys.access_key.as_str(),
                keys.secret_key.as_str(),
                token.as_str(),
            ),
            None => Credentials::new(keys.access_key.as_str(), keys.secret_key.as_str()),
        };
        let agent = agent(Duration::from_secs(10), Duration::from_secs(60));
        Ok(S3Blobs {
            client: Arc::new(Client {
                location,
                bucket,
                credentials,
                agent,
            }),
            list_page: LIST_PAGE,
        })
    }

    /// The same store, giving up on connecting, or on a read or write of a request that
    /// makes no progress, after `timeout` (10 s to connect and 60 s otherwise unless
    /// told; shorter ones are for tests of a store that stops answering).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        let c = &self.client;
        self.client = Arc::new(Client {
            location: c.location.clone(),
            bucket: c.bucket.clone(),
            credentials: c.credentials.clone(),
            agent: agent(timeout, timeout),
        });
        self
    }

    /// The same store, listing this many keys per request (S3's maximum, 1000, unless
    /// told otherwise; smaller pages are for tests of the listing's pagination).
    pub fn with_list_page(mut self, keys: u16) -> Self {
        self.list_page = keys.clamp(1, LIST_PAGE);
        self
    }

    /// Where the store is.
    pub fn location(&self) -> &S3Location {
        &self.client.location
    }

    /// Fail early, in one sentence, if the bucket cannot be reached, does not exist
    /// or refuses these credentials (HEAD of the bucket).
    pub fn check(&self) -> Result<()> {
        let c = &self.client;
        let sent = c.send(None, || {
            let url = HeadBucket::new(&c.bucket, Some(&c.credentials)).sign(SIGNED_FOR);
            c.agent.head(url.as_str())
        });
        match sent {
            Ok(_) => Ok(()),
            Err(Failure::Status { status: 404, .. }) => Err(Error::not_found(format!(
                "bucket `{}` does not exist at {} (create it, or check its name and region)",
                c.location.bucket, c.location.endpoint
            ))),
            Err(Failure::Status {
                status: 401 | 403, ..
            }) => Err(Error::io(format!(
                "the object store at {} refuses these credentials for bucket `{}` (check the access key, its permissions and the region)",
                c.location.endpoint, c.location.bucket
            ))),
            Err(f) => Err(c.error("reach the bucket", f)),
        }
    }

    /// Whether the bucket keeps old versions of objects (GetBucketVersioning says
    /// `Enabled`): then a removed blob is kept as an old version until a lifecycle
    /// rule expires it, which `doctor` warns about. A bucket whose versioning was
    /// suspended answers false, though versions made before stay.
    pub fn versioning_enabled(&self) -> Result<bool> {
        let c = &self.client;
        let body = c
            .send(None, || c.agent.get(&c.bucket_url(&[("versioning", "")])))
            .and_then(Client::body)
            .map_err(|f| c.error("read the bucket's versioning", f))?;
        Ok(xml_text(&body, "Status").as_deref() == Some("Enabled"))
    }

    /// The key of a blob, after checking its name.
    fn blob_key(&self, sha256: &str) -> Result<String> {
        if !is_blob_name(sha256) {
            return Err(Error::integrity(format!("`{sha256}` is not a blob hash")));
        }
        Ok(self.client.key(sha256))
    }
}

impl BlobStore for S3Blobs {
    fn put(&self, fill: &mut dyn FnMut(&mut dyn Write) -> Result<()>) -> Result<StoredBlob> {
        let mut upload = Upload::new(self.client.clone());
        match fill(&mut upload) {
            Ok(()) => upload.finish(),
            Err(e) => {
                // The store's own failure, if the producer failed on it, is the cause.
                let own = upload.failed.take();
                // Dropping the upload aborts it (see `Multipart`'s drop).
                drop(upload);
                Err(own.unwrap_or(e))
            }
        }
    }

    fn get(&self, sha256: &str) -> Result<Box<dyn BlobRead>> {
        let key = self.blob_key(sha256)?;
        let c = &self.client;
        // A GET rather than a HEAD first: the body starts streaming at once, so a
        // read begun before the blob is removed keeps going.
        let response = match c.send(None, || {
            let url = GetObject::new(&c.bucket, Some(&c.credentials), &key).sign(SIGNED_FOR);
            c.agent.get(url.as_str())
        }) {
            Ok(r) => r,
            Err(f) if f.is_missing() => {
                return Err(Error::integrity(format!(
                    "the document's ciphertext (blob {}) is missing from the object store {}",
                    &sha256[..12],
                    c.location.url()
                )))
            }
            Err(f) => return Err(c.error(&format!("read blob {}", &sha256[..12]), f)),
        };
        let size = match content_length(&response) {
            Some(n) => n,
            None => match c.head(&key) {
                Ok(Some(n)) => n,
                Ok(None) => {
                    return Err(Error::integrity(format!(
                        "the document's ciphertext (blob {}) is missing from the object store {}",
                        &sha256[..12],
                        c.location.url()
                    )))
                }
                Err(f) => return Err(c.error(&format!("read blob {}", &sha256[..12]), f)),
            },
        };
        Ok(Box::new(S3Read {
            client: self.client.clone(),
            key,
            short: sha256[..12].to_owned(),
            size,
            pos: 0,
            body: Some(response.into_reader()),
        }))
    }

    fn remove(&self, sha256: &str) -> Result<()> {
        let key = self.blob_key(sha256)?;
        self.client.delete(&key).map_err(|f| {
            self.client
                .error(&format!("remove blob {}", &sha256[..12]), f)
        })
    }

    fn list(&self) -> Result<Vec<Listed>> {
        let c = &self.client;
        let prefix = c.key_prefix();
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut token: Option<String> = None;
        loop {
            let body = c
                .send(None, || {
                    let mut action = ListObjectsV2::new(&c.bucket, Some(&c.credentials));
                    if !prefix.is_empty() {
                        action.with_prefix(prefix.as_str());
                    }
                    action.with_max_keys(usize::from(self.list_page));
                    if let Some(t) = &token {
                        action.with_continuation_token(t.as_str());
                    }
                    c.agent.get(action.sign(SIGNED_FOR).as_str())
                })
                .and_then(Client::body)
                .map_err(|f| c.error("list the blobs", f))?;
            let page = ListObjectsV2::parse_response(&body).map_err(|_| {
                Error::io(format!(
                    "the object store at {} answered a listing of bucket `{}` that is not S3's",
                    c.location.endpoint, c.location.bucket
                ))
            })?;
            for object in page.contents {
                let Some(name) = object.key.strip_prefix(prefix.as_str()) else {
                    continue;
                };
                let kind = if is_blob_name(name) {
                    ListedKind::Blob
                } else if is_temp_name(name) {
                    ListedKind::Unfinished
                } else {
                    ListedKind::Foreign
                };
                seen.insert(name.to_owned());
                out.push(Listed {
                    location: format!("s3://{}/{}", c.location.bucket, object.key),
                    name: name.to_owned(),
                    kind,
                    modified: object.last_modified.as_deref().and_then(s3_time),
                });
            }
            match page.next_continuation_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        // Uploads that were never completed nor aborted: their parts are kept (and
        // billed) until aborted.
        for upload in c
            .list_uploads(&prefix)
            .map_err(|f| c.error("list unfinished uploads", f))?
        {
            let Some(name) = upload.key.strip_prefix(prefix.as_str()) else {
                continue;
            };
            if !seen.insert(name.to_owned()) {
                continue;
            }
            out.push(Listed {
                location: format!(
                    "s3://{}/{} (an unfinished multipart upload)",
                    c.location.bucket, upload.key
                ),
                name: name.to_owned(),
                kind: if is_temp_name(name) {
                    ListedKind::Unfinished
                } else {
                    ListedKind::Foreign
                },
                modified: upload.initiated.as_deref().and_then(s3_time),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn remove_listed(&self, entries: &[&Listed]) -> Result<()> {
        let c = &self.client;
        // Every entry is checked before any is removed. A `Listed` can be made by
        // anyone, so its name is checked again against its kind.
        for e in entries {
            let ours = match e.kind {
                ListedKind::Blob => is_blob_name(&e.name),
                ListedKind::Unfinished => is_temp_name(&e.name),
                ListedKind::Foreign => false,
            };
            if !ours {
                return Err(Error::usage(format!(
                    "{} is not the store's to remove",
                    e.location
                )));
            }
        }
        let unfinished = entries
            .iter()
            .any(|e| e.kind == ListedKind::Unfinished)
            .then(|| c.list_uploads(&c.key_prefix()))
            .transpose()
            .map_err(|f| c.error("list unfinished uploads", f))?
            .unwrap_or_default();
        for e in entries {
            let key = c.key(&e.name);
            c.delete(&key)
                .map_err(|f| c.error(&format!("remove {}", e.location), f))?;
            if e.kind == ListedKind::Unfinished {
                for upload in unfinished.iter().filter(|u| u.key == key) {
                    c.abort(&key, &upload.upload_id)
                        .map_err(|f| c.error(&format!("abort the upload {}", e.location), f))?;
                }
            }
        }
        Ok(())
    }

    fn cautions(&self) -> Result<Vec<String>> {
        Ok(if self.versioning_enabled()? {
            vec![format!(
                "bucket `{}` keeps old versions of objects (versioning is enabled): a body that seal, destroy or a re-keying removes stays readable as an old version until a lifecycle rule expires it (see \"Erasure\" in docs/security.md)",
                self.client.location.bucket
            )]
        } else {
            Vec::new()
        })
    }
}

/// What a request to the object store met, other than success.
enum Failure {
    /// An answer other than 2xx: its status, and the code and message of its body.
    Status {
        status: u16,
        code: String,
        message: String,
    },
    /// No answer (the connection failed or broke), described without the URL (which
    /// carries the signature and any session token).
    Transport(String),
}

impl Failure {
    /// Whether the object (or upload) is not there.
    fn is_missing(&self) -> bool {
        matches!(self, Failure::Status { status: 404, .. })
    }

    /// Whether trying again may succeed.
    fn is_transient(&self) -> bool {
        match self {
            Failure::Status { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
            Failure::Transport(_) => true,
        }
    }
}

/// An unfinished multipart upload.
struct PendingUpload {
    key: String,
    upload_id: String,
    /// When it began (RFC 3339), as the store says.
    initiated: Option<String>,
}

/// The signing keys, the bucket and the HTTP agent, shared by the store, its uploads'
/// threads and its readers.
struct Client {
    location: S3Location,
    bucket: Bucket,
    credentials: Credentials,
    agent: ureq::Agent,
}

impl Client {
    /// The key of `name` under the prefix.
    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.key_prefix())
    }

    /// What every key of the store begins with: `PREFIX/`, or nothing.
    fn key_prefix(&self) -> String {
        if self.location.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.location.prefix)
        }
    }

    /// The one sentence for a failure to `what` (a verb phrase).
    fn error(&self, what: &str, failure: Failure) -> Error {
        let l = &self.location;
        match failure {
            Failure::Status {
                status,
                code,
                message,
            } => {
                let detail = match (code.is_empty(), message.is_empty()) {
                    (true, _) => String::new(),
                    (false, true) => format!(" {code}"),
                    (false, false) => format!(" {code}: {}", message.trim_end_matches('.')),
                };
                Error::io(format!(
                    "the object store at {} refused to {what} in bucket `{}` (HTTP {status}{detail})",
                    l.endpoint, l.bucket
                ))
            }
            Failure::Transport(why) => Error::io(format!(
                "cannot reach the object store at {} to {what} in bucket `{}`: {why}",
                l.endpoint, l.bucket
            )),
        }
    }

    /// Send a request with `body` (none: no body, not even an empty one), trying
    /// again after transient failures with a growing pause; `request` signs it afresh
    /// each time.
    fn send(
        &self,
        body: Option<&[u8]>,
        mut request: impl FnMut() -> ureq::Request,
    ) -> std::result::Result<ureq::Response, Failure> {
        let mut pause = FIRST_PAUSE;
        let mut tries = 0;
        loop {
            tries += 1;
            let sent = match body {
                Some(bytes) => request().send_bytes(bytes),
                None => request().call(),
            };
            let failure = match sent {
                Ok(r) if r.status() < 300 => return Ok(r),
                // Redirects are not followed: a bucket in another region says so.
                Ok(r) => failure_of(r),
                Err(ureq::Error::Status(_, r)) => failure_of(r),
                Err(ureq::Error::Transport(t)) => Failure::Transport(transport_detail(&t)),
            };
            if tries >= TRIES || !failure.is_transient() {
                return Err(failure);
            }
            thread::sleep(pause);
            pause *= 3;
        }
    }

    /// The body of an answer, as text.
    fn body(response: ureq::Response) -> std::result::Result<String, Failure> {
        response
            .into_string()
            .map_err(|e| Failure::Transport(format!("its answer could not be read ({e})")))
    }

    /// A request on the bucket itself with `query` (for the actions rusty-s3 has no
    /// type for: ListMultipartUploads, GetBucketVersioning), signed as a GET of the
    /// bucket: a listing's action with its own parameters swapped for these.
    fn bucket_url(&self, query: &[(&str, &str)]) -> String {
        let mut action = ListObjectsV2::new(&self.bucket, Some(&self.credentials));
        let q = action.query_mut();
        q.remove("list-type");
        q.remove("encoding-type");
        for (k, v) in query {
            q.insert(k.to_string(), v.to_string());
        }
        action.sign(SIGNED_FOR).to_string()
    }

    /// The size of the object at `key`, or `None` if there is none.
    fn head(&self, key: &str) -> std::result::Result<Option<u64>, Failure> {
        match self.send(None, || {
            let url = HeadObject::new(&self.bucket, Some(&self.credentials), key).sign(SIGNED_FOR);
            self.agent.head(url.as_str())
        }) {
            Ok(r) => Ok(content_length(&r)),
            Err(f) if f.is_missing() => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// Store `bytes` as the object at `key`, whole.
    fn put_object(&self, key: &str, bytes: &[u8]) -> std::result::Result<(), Failure> {
        self.send(Some(bytes), || {
            let url = PutObject::new(&self.bucket, Some(&self.credentials), key).sign(SIGNED_FOR);
            self.agent
                .put(url.as_str())
                .set("content-type", "application/octet-stream")
        })
        .map(drop)
    }

    /// Delete the object at `key`; nothing if it is not there.
    fn delete(&self, key: &str) -> std::result::Result<(), Failure> {
        match self.send(None, || {
            let url =
                DeleteObject::new(&self.bucket, Some(&self.credentials), key).sign(SIGNED_FOR);
            self.agent.delete(url.as_str())
        }) {
            Ok(_) => Ok(()),
            Err(f) if f.is_missing() => Ok(()),
            Err(f) => Err(f),
        }
    }

    /// Start a multipart upload to `key`: its id.
    fn create_multipart(&self, key: &str) -> std::result::Result<String, Failure> {
        let body = self
            .send(Some(&[]), || {
                let url = CreateMultipartUpload::new(&self.bucket, Some(&self.credentials), key)
                    .sign(SIGNED_FOR);
                self.agent
                    .post(url.as_str())
                    .set("content-type", "application/octet-stream")
            })
            .and_then(Client::body)?;
        CreateMultipartUpload::parse_response(&body)
            .map(|r| r.upload_id().to_owned())
            .map_err(|_| not_s3("starting an upload"))
    }

    /// Send part `number` (from 1) of an upload: its ETag.
    fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u16,
        bytes: &[u8],
    ) -> std::result::Result<String, Failure> {
        let response = self.send(Some(bytes), || {
            let url = UploadPart::new(
                &self.bucket,
                Some(&self.credentials),
                key,
                number,
                upload_id,
            )
            .sign(SIGNED_FOR);
            self.agent.put(url.as_str())
        })?;
        response
            .header("etag")
            .map(str::to_owned)
            .ok_or_else(|| not_s3("sending part of an upload (no ETag)"))
    }

    /// Join the parts of an upload into its object.
    fn complete(
        &self,
        key: &str,
        upload_id: &str,
        etags: &[String],
    ) -> std::result::Result<(), Failure> {
        let body = CompleteMultipartUpload::new(
            &self.bucket,
            Some(&self.credentials),
            key,
            upload_id,
            etags.iter().map(String::as_str),
        )
        .body();
        let answer = self
            .send(Some(body.as_bytes()), || {
                let url = CompleteMultipartUpload::new(
                    &self.bucket,
                    Some(&self.credentials),
                    key,
                    upload_id,
                    etags.iter().map(String::as_str),
                )
                .sign(SIGNED_FOR);
                self.agent
                    .post(url.as_str())
                    .set("content-type", "application/xml")
            })
            .and_then(Client::body)?;
        // S3 may answer 200 and only then find that the upload failed.
        error_in_body(&answer)
    }

    /// Give up an upload (its parts are deleted); nothing if it is gone.
    fn abort(&self, key: &str, upload_id: &str) -> std::result::Result<(), Failure> {
        match self.send(None, || {
            let url =
                AbortMultipartUpload::new(&self.bucket, Some(&self.credentials), key, upload_id)
                    .sign(SIGNED_FOR);
            self.agent.delete(url.as_str())
        }) {
            Ok(_) => Ok(()),
            Err(f) if f.is_missing() => Ok(()),
            Err(f) => Err(f),
        }
    }

    /// Copy the object at `from` to `to`, on the server (CopyObject: a PUT naming its
    /// source in a signed `x-amz-copy-source` header).
    fn copy(&self, from: &str, to: &str) -> std::result::Result<(), Failure> {
        let source = format!("/{}/{}", self.location.bucket, encode_key(from));
        let answer = self
            .send(Some(&[]), || {
                let mut action = PutObject::new(&self.bucket, Some(&self.credentials), to);
                action
                    .headers_mut()
                    .insert("x-amz-copy-source", source.as_str());
                let url = action.sign(SIGNED_FOR);
                self.agent
                    .put(url.as_str())
                    .set("x-amz-copy-source", &source)
            })
            .and_then(Client::body)?;
        // Like CompleteMultipartUpload, a copy may fail after its 200.
        error_in_body(&answer)
    }

    /// The unfinished multipart uploads whose keys begin with `prefix`
    /// (ListMultipartUploads, page by page).
    fn list_uploads(&self, prefix: &str) -> std::result::Result<Vec<PendingUpload>, Failure> {
        let mut out = Vec::new();
        let mut markers: Option<(String, String)> = None;
        loop {
            let mut query = vec![("uploads", ""), ("prefix", prefix)];
            if let Some((key, id)) = &markers {
                query.push(("key-marker", key.as_str()));
                query.push(("upload-id-marker", id.as_str()));
            }
            // The signer wants the parameters sorted.
            query.sort();
            let body = self
                .send(None, || self.agent.get(&self.bucket_url(&query)))
                .and_then(Client::body)?;
            if !body.contains("ListMultipartUploadsResult") {
                return Err(not_s3("listing unfinished uploads"));
            }
            for upload in xml_elements(&body, "Upload") {
                if let (Some(key), Some(upload_id)) =
                    (xml_text(upload, "Key"), xml_text(upload, "UploadId"))
                {
                    out.push(PendingUpload {
                        key,
                        upload_id,
                        initiated: xml_text(upload, "Initiated"),
                    });
                }
            }
            let truncated = xml_text(&body, "IsTruncated").as_deref() == Some("true");
            let next = (
                xml_text(&body, "NextKeyMarker"),
                xml_text(&body, "NextUploadIdMarker"),
            );
            match next {
                (Some(key), Some(id))
                    if truncated && markers.as_ref() != Some(&(key.clone(), id.clone())) =>
                {
                    markers = Some((key, id));
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// A stream of the object at `key` from byte `from` on.
    fn open_from(
        &self,
        key: &str,
        from: u64,
    ) -> std::result::Result<Box<dyn Read + Send + Sync>, Failure> {
        let range = format!("bytes={from}-");
        let response = self.send(None, || {
            let url = GetObject::new(&self.bucket, Some(&self.credentials), key).sign(SIGNED_FOR);
            self.agent.get(url.as_str()).set("range", &range)
        })?;
        let partial = response.status() == 206;
        let mut reader = response.into_reader();
        if !partial && from > 0 {
            // The server ignored the range and sent the whole object: skip to `from`.
            let skipped = io::copy(&mut (&mut reader).take(from), &mut io::sink())
                .map_err(|e| Failure::Transport(format!("the connection broke ({e})")))?;
            if skipped < from {
                return Err(Failure::Transport(
                    "the object ended before the position read from".to_owned(),
                ));
            }
        }
        Ok(reader)
    }
}

/// The failure an answer other than 2xx says (its code and message, from its XML).
fn failure_of(response: ureq::Response) -> Failure {
    let status = response.status();
    let region = response.header("x-amz-bucket-region").map(str::to_owned);
    let mut body = String::new();
    let _ = response
        .into_reader()
        .take(ERROR_BODY_LIMIT)
        .read_to_string(&mut body);
    let code = xml_text(&body, "Code").unwrap_or_default();
    let mut message = xml_text(&body, "Message").unwrap_or_default();
    if let Some(region) = region.filter(|_| (300..400).contains(&status)) {
        message = format!("the bucket is in region {region}");
    }
    Failure::Status {
        status,
        code,
        message,
    }
}

/// A 200 answer whose body is an S3 error (CompleteMultipartUpload, CopyObject).
fn error_in_body(body: &str) -> std::result::Result<(), Failure> {
    if body.contains("<Error>") {
        return Err(Failure::Status {
            status: 200,
            code: xml_text(body, "Code").unwrap_or_default(),
            message: xml_text(body, "Message").unwrap_or_default(),
        });
    }
    Ok(())
}

/// The failure of an answer that is not what S3 sends.
fn not_s3(doing: &str) -> Failure {
    Failure::Transport(format!(
        "it answered {doing} with something that is not S3's"
    ))
}

/// What broke a connection, in words, without the URL ureq's own message starts with.
fn transport_detail(t: &ureq::Transport) -> String {
    use ureq::ErrorKind as K;
    // A time-out is said as one: ureq reports it as an I/O error deep in its chain.
    let timed_out = {
        let mut source = std::error::Error::source(t);
        let mut found = false;
        while let Some(cause) = source {
            if cause.downcast_ref::<io::Error>().is_some_and(|e| {
                matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                )
            }) {
                found = true;
            }
            source = cause.source();
        }
        found || t.to_string().contains("timed out")
    };
    if timed_out {
        return "it stopped answering (timed out)".to_owned();
    }
    let what = match t.kind() {
        K::Dns => "its name does not resolve".to_owned(),
        K::ConnectionFailed => "the connection failed".to_owned(),
        K::Io => "the connection broke".to_owned(),
        K::BadStatus | K::BadHeader => "its answer is not HTTP".to_owned(),
        other => other.to_string(),
    };
    match std::error::Error::source(t) {
        Some(source) => format!("{what} ({source})"),
        None => what,
    }
}

/// The `Content-Length` of an answer.
fn content_length(response: &ureq::Response) -> Option<u64> {
    response
        .header("content-length")
        .and_then(|v| v.trim().parse().ok())
}

/// A key percent-encoded for `x-amz-copy-source` (slashes kept).
fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inner text of each `<tag>…</tag>` in `xml` (S3's answers are plain enough for
/// this: no attributes on the elements read, no CDATA).
fn xml_elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let inner = &rest[start + open.len()..];
        let Some(end) = inner.find(&close) else {
            break;
        };
        out.push(&inner[..end]);
        rest = &inner[end + close.len()..];
    }
    out
}

/// An object store's time (`LastModified`, `Initiated`: RFC 3339, UTC).
fn s3_time(text: &str) -> Option<std::time::SystemTime> {
    humantime::parse_rfc3339_weak(text.trim()).ok()
}

/// The text of the first `<tag>…</tag>` in `xml`, unescaped.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    xml_elements(xml, tag).first().map(|t| xml_unescape(t))
}

/// `text` with XML's entities replaced.
fn xml_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            out.push_str(&rest[amp..]);
            return out;
        };
        let entity = &after[..semi];
        let c = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A blob being written: hashed as it comes, kept in memory while it fits in one part,
/// then sent part by part to a multipart upload.
struct Upload {
    client: Arc<Client>,
    context: Context,
    size: u64,
    /// The part being filled (never empty once a multipart upload has begun, as a
    /// full part is handed on only when more bytes come).
    buf: Vec<u8>,
    multipart: Option<Multipart>,
    /// What stopped the upload, told to the producer as an I/O error and returned by
    /// `put` in its own words.
    failed: Option<Error>,
}

impl Upload {
    fn new(client: Arc<Client>) -> Upload {
        Upload {
            client,
            context: Context::new(&SHA256),
            size: 0,
            // Grows by doubling to exactly one part: small blobs stay small.
            buf: Vec::with_capacity(64 * 1024),
            multipart: None,
            failed: None,
        }
    }

    /// Hand the full part on to the upload (starting it the first time).
    fn hand_on(&mut self) -> Result<()> {
        let multipart = match &mut self.multipart {
            Some(m) => m,
            None => self
                .multipart
                .insert(Multipart::start(self.client.clone())?),
        };
        let next = multipart.spare();
        let full = std::mem::replace(&mut self.buf, next);
        multipart.send(full)
    }

    /// Store what was written under its hash.
    fn finish(mut self) -> Result<StoredBlob> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let context = std::mem::replace(&mut self.context, Context::new(&SHA256));
        let sha256 = hex(context.finish().as_ref());
        let size = self.size;
        let c = self.client.clone();
        match self.multipart.take() {
            None => {
                c.put_object(&c.key(&sha256), &self.buf)
                    .map_err(|f| c.error(&format!("store blob {}", &sha256[..12]), f))?;
            }
            Some(mut multipart) => {
                multipart.send(std::mem::take(&mut self.buf))?;
                let etags = multipart.join()?;
                multipart.complete(&etags, size)?;
                multipart.publish(&sha256, size)?;
                multipart.clean_up();
            }
        }
        Ok(StoredBlob { sha256, size })
    }
}

impl Write for Upload {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if let Some(e) = &self.failed {
            return Err(io::Error::other(e.message().to_owned()));
        }
        if data.is_empty() {
            return Ok(0);
        }
        if self.buf.len() == PART_LEN {
            if let Err(e) = self.hand_on() {
                let told = io::Error::other(e.message().to_owned());
                self.failed = Some(e);
                return Err(told);
            }
        }
        let n = data.len().min(PART_LEN - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        self.context.update(&data[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How far a multipart upload got, for what dropping it must undo.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Parts are being sent: dropping aborts the upload.
    Uploading,
    /// The temp object exists: dropping deletes it.
    Completed,
    /// Published and cleaned up: nothing to undo.
    Done,
}

/// A multipart upload to a temporary key, its parts sent by a thread of its own so
/// that the producer fills the next part while one travels. The channel to the thread
/// holds nothing (a rendezvous): at most two parts are in memory, the one being
/// filled and the one being sent.
struct Multipart {
    client: Arc<Client>,
    key: String,
    upload_id: String,
    parts: Option<SyncSender<Vec<u8>>>,
    /// Buffers the thread is done with, to fill again.
    spares: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<Result<Vec<String>>>>,
    stage: Stage,
}

impl Multipart {
    /// Start an upload to a fresh temporary key, and its sending thread.
    fn start(client: Arc<Client>) -> Result<Multipart> {
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(|_| Error::io("the system's random source failed"))?;
        let key = client.key(&format!("{TEMP_PREFIX}{}", hex(&random)));
        let upload_id = client
            .create_multipart(&key)
            .map_err(|f| client.error("start uploading a blob", f))?;
        let (parts_tx, parts_rx) = mpsc::sync_channel::<Vec<u8>>(0);
        let (spares_tx, spares_rx) = mpsc::channel::<Vec<u8>>();
        let thread = {
            let (client, key, upload_id) = (client.clone(), key.clone(), upload_id.clone());
            thread::Builder::new()
                .name("sealroom-s3-upload".to_owned())
                .spawn(move || send_parts(&client, &key, &upload_id, parts_rx, spares_tx))
        };
        let mut multipart = Multipart {
            client,
            key,
            upload_id,
            parts: Some(parts_tx),
            spares: spares_rx,
            thread: None,
            stage: Stage::Uploading,
        };
        // On failure, dropping `multipart` aborts the upload just started.
        multipart.thread = Some(thread.map_err(|_| Error::io("cannot start a thread"))?);
        Ok(multipart)
    }

    /// A buffer to fill: one the thread gave back, or a new one.
    fn spare(&self) -> Vec<u8> {
        match self.spares.try_recv() {
            Ok(mut buf) => {
                buf.clear();
                buf
            }
            Err(_) => Vec::with_capacity(PART_LEN),
        }
    }

    /// Hand a part to the thread (waiting while it sends the one before).
    fn send(&mut self, part: Vec<u8>) -> Result<()> {
        let sent = self.parts.as_ref().is_some_and(|tx| tx.send(part).is_ok());
        if sent {
            return Ok(());
        }
        // The thread stopped: its error.
        Err(match self.join() {
            Err(e) => e,
            Ok(_) => Error::io("the upload to the object store stopped early"),
        })
    }

    /// Wait for the thread to send every part: their ETags, or its error.
    fn join(&mut self) -> Result<Vec<String>> {
        self.parts = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(outcome)) => outcome,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Err(Error::io("the upload to the object store has stopped")),
        }
    }

    /// Join the parts into the temp object. A retried request that finds the upload
    /// gone (the first one completed it but its answer was lost) is a success if the
    /// object is there whole.
    fn complete(&mut self, etags: &[String], size: u64) -> Result<()> {
        let c = &self.client;
        if let Err(f) = c.complete(&self.key, &self.upload_id, etags) {
            if !(f.is_missing() && matches!(c.head(&self.key), Ok(Some(n)) if n == size)) {
                return Err(c.error("finish uploading a blob", f));
            }
        }
        self.stage = Stage::Completed;
        Ok(())
    }

    /// Copy the temp object to its hash's name, unless a blob of that name and size is
    /// already there (the same bytes: a name is its bytes' hash).
    fn publish(&mut self, sha256: &str, size: u64) -> Result<()> {
        let c = &self.client;
        let target = c.key(sha256);
        if matches!(c.head(&target), Ok(Some(n)) if n == size) {
            return Ok(());
        }
        if size > COPY_LIMIT {
            return Err(Error::io(format!(
                "blob {} is larger than 5 GiB, the most an object store copies in one request",
                &sha256[..12]
            )));
        }
        c.copy(&self.key, &target)
            .map_err(|f| c.error(&format!("name blob {}", &sha256[..12]), f))
    }

    /// Delete the temp object, best effort: the blob is stored already, and a temp
    /// key left behind is listed as unfinished for `doctor --repair`.
    fn clean_up(&mut self) {
        if self.client.delete(&self.key).is_ok() {
            self.stage = Stage::Done;
        }
    }
}

impl Drop for Multipart {
    /// An upload given up (its producer or a request failed): let the thread end, then
    /// abort the upload or delete the temp object, best effort.
    fn drop(&mut self) {
        self.parts = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        match self.stage {
            Stage::Uploading => {
                let _ = self.client.abort(&self.key, &self.upload_id);
            }
            Stage::Completed => {
                let _ = self.client.delete(&self.key);
            }
            Stage::Done => {}
        }
    }
}

/// The upload's thread: send each part, give its buffer back; the parts' ETags.
fn send_parts(
    client: &Client,
    key: &str,
    upload_id: &str,
    parts: Receiver<Vec<u8>>,
    spares: Sender<Vec<u8>>,
) -> Result<Vec<String>> {
    let mut etags = Vec::new();
    for part in parts {
        let number = u16::try_from(etags.len() + 1)
            .ok()
            .filter(|n| usize::from(*n) <= MAX_PARTS)
            .ok_or_else(|| {
                Error::io("the blob is too large for the object store (more than 10,000 parts)")
            })?;
        let etag = client
            .upload_part(key, upload_id, number, &part)
            .map_err(|f| client.error("upload part of a blob", f))?;
        etags.push(etag);
        // The producer may have finished and gone: nothing to give back to.
        let _ = spares.send(part);
    }
    Ok(etags)
}

/// A blob being read: the object streamed from `pos`, asked for again from a new
/// position after a seek or a broken connection.
struct S3Read {
    client: Arc<Client>,
    key: String,
    /// The hash's first 12 digits, for messages.
    short: String,
    size: u64,
    pos: u64,
    body: Option<Box<dyn Read + Send + Sync>>,
}

impl Read for S3Read {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.pos >= self.size {
            return Ok(0);
        }
        let want = usize::try_from(self.size - self.pos)
            .unwrap_or(usize::MAX)
            .min(out.len());
        let mut broken = 0;
        loop {
            let body = match &mut self.body {
                Some(b) => b,
                None => {
                    let opened = self.client.open_from(&self.key, self.pos).map_err(|f| {
                        if f.is_missing() {
                            io::Error::new(
                                io::ErrorKind::NotFound,
                                format!(
                                    "blob {} was removed from the object store while it was read",
                                    self.short
                                ),
                            )
                        } else {
                            io::Error::other(
                                self.client
                                    .error(&format!("read blob {}", self.short), f)
                                    .message()
                                    .to_owned(),
                            )
                        }
                    })?;
                    self.body.insert(opened)
                }
            };
            let failure = match body.read(&mut out[..want]) {
                Ok(0) => io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the object store ended blob {} early", self.short),
                ),
                Ok(n) => {
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => io::Error::new(
                    e.kind(),
                    format!(
                        "reading blob {} from the object store at {}: {e}",
                        self.short, self.client.location.endpoint
                    ),
                ),
            };
            // Open the object again from where the stream broke.
            self.body = None;
            broken += 1;
            if broken > READ_RETRIES {
                return Err(failure);
            }
        }
    }
}

impl Seek for S3Read {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        }
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "a seek before the start of a blob",
            )
        })?;
        if target != self.pos {
            // The stream is at the old position: the next read asks for a range.
            self.body = None;
            self.pos = target;
        }
        Ok(target)
    }
}

impl BlobRead for S3Read {
    fn size(&self) -> Result<u64> {
        Ok(self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    const KEYS: [(&str, &str); 2] = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "very-secret-value"),
    ];

    #[test]
    fn an_address_and_the_usual_variables_make_a_location() {
        let mut env = KEYS.to_vec();
        env.push(("AWS_REGION", "eu-west-1"));
        let l = S3Location::from_vars("s3://my-bucket/vaults/one/", vars(&env)).unwrap();
        assert_eq!(
            (l.bucket(), l.prefix(), l.region(), l.path_style()),
            ("my-bucket", "vaults/one", "eu-west-1", false)
        );
        assert_eq!(l.endpoint(), "https://s3.eu-west-1.amazonaws.com");
        assert_eq!(l.url(), "s3://my-bucket/vaults/one");

        env.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/"));
        let l = S3Location::from_vars("s3://my-bucket", vars(&env)).unwrap();
        assert_eq!(
            (l.endpoint(), l.prefix(), l.path_style()),
            ("http://127.0.0.1:9000", "", true)
        );
        let l = S3Location::from_vars("s3://my-bucket", vars(&KEYS)).unwrap();
        assert_eq!(l.region(), "us-east-1");
    }

    #[test]
    fn a_bad_address_or_missing_keys_are_refused_in_a_sentence_without_secrets() {
        let refuse = |url: &str, env: &[(&str, &str)]| {
            S3Location::from_vars(url, vars(env))
                .unwrap_err()
                .message()
                .to_owned()
        };
        assert!(refuse("s3:///prefix", &KEYS).contains("no bucket"));
        assert!(refuse("https://bucket/prefix", &KEYS).contains("s3://"));
        assert!(refuse("s3://bucket/a/../b", &KEYS).contains("prefix"));
        assert!(refuse("s3://bucket", &[]).contains("AWS_ACCESS_KEY_ID"));
        let m = refuse("s3://key:hunter2@bucket", &KEYS);
        assert!(!m.contains("hunter2"), "{m}");
        let mut env = KEYS.to_vec();
        env.push(("AWS_ENDPOINT_URL", "http://user:hunter2@10.0.0.1:9000"));
        let m = refuse("s3://bucket", &env);
        assert!(!m.contains("hunter2"), "{m}");
        env.pop();
        env.push(("AWS_ENDPOINT_URL", "http://10.0.0.1:9000"));
        assert!(refuse("s3://bucket", &env).contains("only to this machine"));
    }

    #[test]
    fn debug_shows_no_credentials() {
        let mut env = KEYS.to_vec();
        env.push(("AWS_SESSION_TOKEN", "token-value"));
        let l = S3Location::from_vars("s3://bucket/p", vars(&env)).unwrap();
        let store = S3Blobs::new(l.clone()).unwrap();
        for shown in [format!("{l:?}"), format!("{store:?}")] {
            for secret in ["very-secret-value", "token-value", "AKIDEXAMPLE"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }

    #[test]
    fn names_are_sorted_into_blobs_leftovers_and_the_rest() {
        let hash = "ab".repeat(32);
        assert!(is_blob_name(&hash));
        assert!(!is_blob_name(&hash.to_uppercase()));
        assert!(is_temp_name(".tmp-0123"));
        assert!(!is_temp_name(".tmp-"));
        assert!(!is_temp_name(".tmp-a/b"));
    }

    #[test]
    fn xml_text_is_found_and_unescaped() {
        let xml = "<R><Upload><Key>a&amp;b&#x2F;c</Key></Upload><Upload><Key>d</Key></Upload><KeyMarker/></R>";
        assert_eq!(xml_elements(xml, "Upload").len(), 2);
        assert_eq!(xml_text(xml, "Key").as_deref(), Some("a&b/c"));
        assert_eq!(xml_text(xml, "KeyMarker"), None);
        assert_eq!(encode_key("p/.tmp-x y"), "p/.tmp-x%20y");
    }
}

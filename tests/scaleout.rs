//! The scale-out vault (issue 18) driven as a user drives it: `sealroom init` on a real
//! PostgreSQL database and a real S3-compatible bucket (both started by the test), a
//! case run on it with the ordinary commands, `doctor` finding it whole, and two
//! `sealroom serve` processes on the one database and bucket serving members at once.

mod common;

use common::backends::Backends;
use common::server::Server;
use common::*;

/// A fixture whose vault is a scale-out one made by `sealroom init`.
fn scaleout_fixture(b: &Backends) -> Fixture {
    let mut fx = Fixture::without_case();
    let dir = fx.sandbox.join("scale");
    fx.sandbox.ok(&[
        "init",
        "--vault",
        &path_arg(&dir),
        "--database",
        &b.database,
        "--blobs",
        &b.blobs,
    ]);
    assert!(dir.join("backends.toml").is_file() && dir.join("log.key").is_file());
    fx.vault = dir;
    fx
}

#[test]
fn a_scale_out_vault_runs_a_case_and_serves_it_from_two_processes() {
    let Some(b) = Backends::start("scaleout") else {
        return;
    };
    let fx = scaleout_fixture(&b);

    // A case, run directly on the scale-out vault by the operator's tools.
    fx.ok_as("registrar", &fx.case_open_args());
    let body = b"PLAINTEXT-MARKER: the claimant's position\n".repeat(1000);
    let num = fx.deposit_bytes("claimant", "brief.txt", &body, &[]);
    let out = fx.run_as("claimant", &["read", CASE, &num.to_string()]);
    assert_same_bytes("read back from the scale-out vault", &out.stdout, &body);
    fx.fails_as("respondent", &["read", CASE, &num.to_string()], 1);
    let verified = fx.ok_as("mediator", &["log", CASE, "--verify"]);
    assert!(verified.starts_with("OK: case C-1"), "{verified}");
    fx.sandbox.ok(&["doctor", "--vault", &path_arg(&fx.vault)]);

    // The body is in the bucket, under its hash, and no plaintext is.
    let (status, listing) = b.moto.request("GET", "/scaleout?list-type=2", b"").unwrap();
    assert_eq!(status, 200, "{listing}");
    assert!(listing.contains("<Key>vault/"), "{listing}");
    assert!(!listing.contains("PLAINTEXT-MARKER"));

    // A second folder on "another machine" names the same database and bucket: both
    // processes serve the one vault, and members' acts through either land in one log.
    let other = fx.sandbox.join("scale-copy");
    std::fs::create_dir(&other).unwrap();
    for file in ["log.key", "backends.toml"] {
        std::fs::copy(fx.vault.join(file), other.join(file)).unwrap();
    }
    let registrar = fx.card("registrar");
    let one = Server::start(
        &fx.vault,
        std::slice::from_ref(&registrar),
        &["--plain-http"],
    );
    let two = Server::start(&other, std::slice::from_ref(&registrar), &["--plain-http"]);
    let urls = [
        format!("http://127.0.0.1:{}", one.port()),
        format!("http://127.0.0.1:{}", two.port()),
    ];
    let mut nums = Vec::new();
    for (i, url) in urls.iter().chain(urls.iter()).enumerate() {
        let file = fx.write(
            &format!("in/remote-{i}.txt"),
            format!("deposit {i}").as_bytes(),
        );
        let id = fx.id("claimant");
        let out = fx
            .sandbox
            .run(&["--vault", url, "-i", &id, "deposit", CASE, &file]);
        let out = expect_ok(&format!("deposit {i} through {url}"), &out);
        nums.push(first_line_num(&out));
    }
    nums.sort_unstable();
    nums.dedup();
    assert_eq!(
        nums.len(),
        4,
        "two processes numbered documents twice: {nums:?}"
    );
    for url in &urls {
        let id = fx.id("mediator");
        let out = fx
            .sandbox
            .run(&["--vault", url, "-i", &id, "log", CASE, "--verify"]);
        expect_ok(&format!("log --verify through {url}"), &out);
    }
    fx.sandbox.ok(&["doctor", "--vault", &path_arg(&other)]);
}

/// Every row of a vault folder's database that a copy must carry, as text: the tables
/// in key order, all columns (the vault's facts but `created_at`, which is the copy's).
fn database_rows(vault: &std::path::Path) -> Vec<String> {
    let db = rusqlite::Connection::open_with_flags(
        vault.join("sealroom.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the vault's database");
    let tables = [
        "SELECT * FROM meta WHERE key <> 'created_at' ORDER BY key",
        "SELECT * FROM cases ORDER BY id",
        "SELECT * FROM members ORDER BY case_id, role, label, fingerprint",
        "SELECT * FROM statements ORDER BY case_id, seq",
        "SELECT * FROM checkpoints ORDER BY case_id, size",
        "SELECT * FROM documents ORDER BY case_id, num",
        "SELECT * FROM wraps ORDER BY case_id, num, reader",
        "SELECT * FROM consents ORDER BY case_id, num, to_label",
        "SELECT * FROM escrow_shares ORDER BY case_id, custodian",
        "SELECT * FROM refusals ORDER BY case_id, seq",
    ];
    let mut out = Vec::new();
    for sql in tables {
        let mut stmt = db.prepare(sql).expect(sql);
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect(sql);
        while let Some(row) = rows.next().expect(sql) {
            let values: Vec<String> = (0..columns)
                .map(|i| match row.get::<_, rusqlite::types::Value>(i).unwrap() {
                    rusqlite::types::Value::Blob(b) => {
                        format!("{} bytes, sha256 {}", b.len(), sha256_hex(&b))
                    }
                    other => format!("{other:?}"),
                })
                .collect();
            out.push(format!("{sql}: {}", values.join(" | ")));
        }
    }
    out
}

/// `sealroom vault copy --from FROM --to TO` onto the backends `b`.
fn copy_to(
    fx: &Fixture,
    from: &std::path::Path,
    to: &std::path::Path,
    b: &Backends,
) -> std::process::Output {
    fx.sandbox.run(&[
        "vault",
        "copy",
        "--from",
        &path_arg(from),
        "--to",
        &path_arg(to),
        "--database",
        &b.database,
        "--blobs",
        &b.blobs,
    ])
}

#[test]
fn a_vault_copies_to_postgres_and_s3_and_back_byte_for_byte() {
    let Some(b) = Backends::start("copied") else {
        return;
    };
    let mut fx = Fixture::new();
    let source = fx.vault.clone();

    // A case with some history: deposits, a consent and a disclosure, a refused
    // attempt (a signed refusal record), receipts in the members' state.
    let brief = b"PLAINTEXT-MARKER: the claimant's brief\n".repeat(2000);
    let n1 = fx.deposit_bytes("claimant", "brief.txt", &brief, &[]);
    let n2 = fx.deposit_bytes("respondent", "answer.txt", b"the respondent's answer", &[]);
    fx.ok_as(
        "claimant",
        &["consent", CASE, &n1.to_string(), "--to", "respondent"],
    );
    fx.ok_as(
        "mediator",
        &["disclose", CASE, &n1.to_string(), "--to", "respondent"],
    );
    fx.fails_as("claimant", &["read", CASE, &n2.to_string()], 1);
    let log_before = fx.ok_as("mediator", &["--json", "log", CASE]);
    let refusals_before = fx.ok_as("mediator", &["--json", "log", CASE, "--refusals"]);
    let rows_before = database_rows(&source);
    let blobs_before = fx.blob_names();

    // Folder → PostgreSQL + S3.
    let scale = fx.sandbox.join("scale");
    let out = expect_ok(
        "vault copy to PostgreSQL + S3",
        &copy_to(&fx, &source, &scale, &b),
    );
    assert!(out.contains("Copied the vault into"), "{out}");
    assert!(scale.join("backends.toml").is_file() && !scale.join("sealroom.db").exists());
    let objects: std::collections::BTreeSet<String> = b.object_names().into_iter().collect();
    assert_eq!(objects, blobs_before, "the bucket holds exactly the bodies");

    // The copy is the same vault: the same log, refusals and bodies (and copied back
    // to a folder, the same rows), and the members' pins (made on the folder) accept
    // it.
    fx.vault = scale.clone();
    assert_eq!(fx.ok_as("mediator", &["--json", "log", CASE]), log_before);
    assert_eq!(
        fx.ok_as("mediator", &["--json", "log", CASE, "--refusals"]),
        refusals_before
    );
    // PostgreSQL + S3 → a folder: the round trip gives back the source's rows and
    // bodies byte for byte.
    let back = fx.sandbox.join("back");
    fx.sandbox.ok(&[
        "vault",
        "copy",
        "--from",
        &path_arg(&scale),
        "--to",
        &path_arg(&back),
    ]);
    let rows_back = database_rows(&back);
    for (got, want) in rows_back.iter().zip(&rows_before) {
        assert_eq!(got, want, "a row differs after the round trip");
    }
    assert_eq!(rows_back.len(), rows_before.len());
    fx.vault = back.clone();
    assert_eq!(fx.blob_names(), blobs_before);
    fx.vault = scale.clone();
    for name in &blobs_before {
        assert_eq!(
            std::fs::read(back.join("blobs").join(name)).unwrap(),
            std::fs::read(source.join("blobs").join(name)).unwrap()
        );
    }
    assert_eq!(
        std::fs::read(back.join("log.key")).unwrap(),
        std::fs::read(source.join("log.key")).unwrap()
    );

    let read = fx.run_as("respondent", &["read", CASE, &n1.to_string()]);
    assert_same_bytes(
        "the disclosed brief read from the copy",
        &read.stdout,
        &brief,
    );
    fx.sandbox.ok(&["doctor", "--vault", &path_arg(&scale)]);

    // Refusals: a destination that exists, and a database that already holds a vault.
    let err = fx.sandbox.fails(
        &[
            "vault",
            "copy",
            "--from",
            &path_arg(&source),
            "--to",
            &path_arg(&scale),
        ],
        1,
    );
    assert!(err.contains("already exists"), "{err}");
    let again = fx.sandbox.join("again");
    let err = copy_to(&fx, &source, &again, &b);
    assert!(!err.status.success());
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(stderr.contains("already holds"), "{stderr}");
    assert!(!again.exists(), "a refused copy left its folder");
    // A scale-out vault is not backed up as a folder.
    let err = fx.sandbox.fails(
        &[
            "vault",
            "backup",
            &fx.sandbox.arg("backup"),
            "--vault",
            &path_arg(&scale),
        ],
        1,
    );
    assert!(err.contains("vault copy"), "{err}");

    // The copy lives on: a new act on the scale-out copy, seen whole by `doctor`.
    let n3 = fx.deposit_bytes("claimant", "later.txt", b"after the move", &[]);
    assert_eq!(n3, n2 + 1);

    // Doctor on the object store: a stray body is kept while young, removed with
    // --grace 0; a bucket that keeps old versions is a caution, not a failure.
    let stray = "cd".repeat(32);
    let (status, answer) = b
        .moto
        .request("PUT", &format!("/copied/vault/{stray}"), b"left by a crash")
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    let v =
        parse_json(
            &fx.sandbox
                .ok(&["--json", "doctor", "--repair", "--vault", &path_arg(&scale)]),
        );
    assert_eq!(v["removed"], serde_json::json!([]), "{v:#}");
    assert_eq!(v["kept"].as_array().map(Vec::len), Some(1), "{v:#}");
    assert!(b.object_names().contains(&stray));
    let v = parse_json(&fx.sandbox.ok(&[
        "--json",
        "doctor",
        "--repair",
        "--grace",
        "0",
        "--vault",
        &path_arg(&scale),
    ]));
    assert_eq!(v["removed"].as_array().map(Vec::len), Some(1), "{v:#}");
    assert!(!b.object_names().contains(&stray));
    assert_eq!(v["cautions"], serde_json::json!([]));
    b.moto.enable_versioning("copied").unwrap();
    let out = fx.sandbox.ok(&["doctor", "--vault", &path_arg(&scale)]);
    assert!(
        out.contains("CAUTION") && out.contains("versioning is enabled"),
        "{out}"
    );
}

//! The scale-out vault (issue 18) driven as a user drives it: `sealroom init` on a real
//! PostgreSQL database and a real S3-compatible bucket (both started by the test), a
//! case run on it with the ordinary commands, `doctor` finding it whole, and two
//! `sealroom serve` processes on the one database and bucket serving members at once.

mod common;

use common::server::Server;
use common::*;
use sealroom_testsupport::{postgres::Cluster, s3::Moto};

/// A database, a bucket, and the environment that names the object store.
struct Backends {
    _pg: Cluster,
    moto: Moto,
    database: String,
    blobs: String,
}

fn backends(name: &str) -> Option<Backends> {
    let pg = Cluster::start_or_skip()?;
    let moto = Moto::start_or_skip()?;
    let database = pg.create_database(name).expect("create a database");
    moto.create_bucket(name).expect("create a bucket");
    // The object store's address and credentials, as `AWS_*` variables, reach every
    // command this test runs (one test per process section: see the note below).
    for (k, v) in moto.env() {
        std::env::set_var(k, v);
    }
    Some(Backends {
        _pg: pg,
        blobs: format!("s3://{name}/vault"),
        database,
        moto,
    })
}

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

// Both scenarios share one process's environment (the AWS_* variables), so they run
// in one test, one after the other.
#[test]
fn a_scale_out_vault_runs_a_case_and_serves_it_from_two_processes() {
    let Some(b) = backends("scaleout") else {
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

//! A real PostgreSQL database and S3-compatible bucket for the scale-out tests, both
//! started by the test (see `sealroom-testsupport`), with the `AWS_*` variables that
//! name the object store set for every command the test runs.
//!
//! The variables are the process's, so the tests of one binary that use backends run
//! one at a time: [`Backends::start`] holds a lock until the backends are dropped.

use std::sync::{Mutex, MutexGuard};

use sealroom_testsupport::{postgres::Cluster, s3::Moto};

/// A database, a bucket, and the environment that names the object store.
pub struct Backends {
    pub pg: Cluster,
    pub moto: Moto,
    /// The database's `postgres://` URL.
    pub database: String,
    /// `s3://NAME/vault`.
    pub blobs: String,
    /// The bucket's name.
    pub bucket: String,
    _one_at_a_time: MutexGuard<'static, ()>,
}

impl Backends {
    /// A cluster with database `name` and a moto server with bucket `name`, or `None`
    /// (the reason said) when either is not installed and this is not CI.
    pub fn start(name: &str) -> Option<Backends> {
        static ENVIRONMENT: Mutex<()> = Mutex::new(());
        let guard = ENVIRONMENT.lock().unwrap_or_else(|p| p.into_inner());
        let pg = Cluster::start_or_skip()?;
        let moto = Moto::start_or_skip()?;
        let database = pg.create_database(name).expect("create a database");
        moto.create_bucket(name).expect("create a bucket");
        for (k, v) in moto.env() {
            std::env::set_var(k, v);
        }
        Some(Backends {
            pg,
            moto,
            database,
            blobs: format!("s3://{name}/vault"),
            bucket: name.to_owned(),
            _one_at_a_time: guard,
        })
    }

    /// The keys (names inside the prefix) of the bucket's objects.
    pub fn object_names(&self) -> Vec<String> {
        let (status, listing) = self
            .moto
            .request("GET", &format!("/{}?list-type=2", self.bucket), b"")
            .expect("list the bucket");
        assert_eq!(status, 200, "{listing}");
        listing
            .split("<Key>vault/")
            .skip(1)
            .filter_map(|s| s.split("</Key>").next())
            .map(str::to_owned)
            .collect()
    }
}

//! Real servers for sealroom's tests, started by the tests themselves on loopback: a
//! PostgreSQL cluster from Debian's package ([`postgres`]) and an S3-compatible object
//! server, moto's server mode from PyPI ([`s3`]). Each lives in a temp folder on a free
//! port and is stopped when dropped. In front of either, a [`proxy::FaultProxy`] cuts,
//! fails or stalls connections on demand, for the faults a real server will not make.
//!
//! When a server's program is not installed, `start` says so in one sentence naming
//! the package; under CI (`CI` set) that is a failure, since `.ci/run` installs both.

pub mod postgres;
pub mod proxy;
pub mod s3;

//! A vault across the network (`--vault https://HOST[:PORT]`): the records and blobs
//! of a `sealroom serve` instance behind the engine's storage traits. The client does
//! all cryptography and verifies the log against its pins exactly as on a folder; the
//! service stores, checks each act's signatures and rules in its own transaction,
//! signs checkpoints, and serves a case's data only to that case's members.

pub mod blobs;
pub mod client;
pub mod records;
pub mod signing;
pub mod tls;
pub mod wire;

pub use blobs::RemoteBlobs;
pub use client::{Connection, Location};
pub use records::RemoteRecords;

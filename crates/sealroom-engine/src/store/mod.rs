//! Storage, behind one narrow interface: [`records`] (cases, statements, checkpoints,
//! documents, wraps, consents, shares, with a per-case exclusive transaction) and
//! [`blobs`] (ciphertexts named by their SHA-256). The embedded default implements
//! both in one vault [`folder`] (SQLite and `blobs/`); the engine reaches storage only
//! through the traits, so another backend can stand in for it.

pub mod blobs;
pub mod conformance;
pub mod folder;
pub mod fsutil;
pub mod records;
pub mod remote;
pub mod s3;
pub mod scaleout;

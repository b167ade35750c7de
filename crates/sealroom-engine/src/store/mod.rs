//! Storage: the SQLite database (schema, pragmas, format version) and the blob store of
//! ciphertext files named by their SHA-256, plus the file-system care both need.

pub mod blobs;
pub mod conformance;
pub mod db;
pub mod fsutil;

//! The case log: every state change (and every read) is a statement signed by its
//! actor; the statements of a case are the leaves of an RFC 6962 Merkle tree whose
//! root the vault signs as a checkpoint after each append; receipts prove inclusion.

// The Merkle tree and the signed checkpoints are a crate of their own (no sealroom in
// them); their paths here stay as they were.
pub use sealroom_tlog::{checkpoint, merkle};
pub mod receipt;
pub mod replay;
pub mod statement;

//! Cryptographic building blocks, each a thin layer over age, ring or vsss-rs:
//! hashing, document bodies, document-key wraps, and the escrow key's shares.
//!
//! Nothing here invents a primitive; the modules only choose, combine and check.

pub mod body;
pub mod digest;
pub mod escrow;
pub mod wrap;

//! Cryptographic building blocks, each a thin layer over age, ring or vsss-rs:
//! hashing, document bodies, the age payload on every core, document-key wraps, the escrow key's shares, and the
//! bounds every age header sealroom reads for itself must keep.
//!
//! Nothing here invents a primitive; the modules only choose, combine and check.

pub mod body;
pub mod digest;
pub mod escrow;
pub mod header;
pub mod recipient;
pub mod stream;
pub mod wrap;

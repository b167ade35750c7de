//! The case log: every state change (and every read) is a statement signed by its
//! actor, stored in order per case.

pub mod statement;

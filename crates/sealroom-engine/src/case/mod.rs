//! Cases: the charter that fixes who is in a case and under which rules, and the pure
//! policy that decides who may do what.

pub mod charter;
pub mod policy;

//! Entry points for fuzzing every parser of outside input (hidden from the docs).
//! Each function takes arbitrary bytes and must never panic; errors are expected.

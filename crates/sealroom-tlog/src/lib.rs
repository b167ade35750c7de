//! A transparency log's two building blocks, with nothing of sealroom in them:
//!
//! - [`merkle`]: RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency
//!   proofs, on leaf hashes (so a large log keeps only 32 bytes per entry in memory);
//!   checked against the transparency-dev/merkle test vectors.
//! - [`checkpoint`]: signed tree heads as C2SP `tlog-checkpoint` notes in the C2SP
//!   `signed-note` format, signed and verified with Ed25519.
//!
//! ```
//! use sealroom_tlog::checkpoint::{Checkpoint, LogKey};
//! use sealroom_tlog::merkle::{leaf_hash, RootBuilder};
//!
//! let mut tree = RootBuilder::new();
//! for entry in [&b"first"[..], b"second", b"third"] {
//!     tree.push(leaf_hash(entry));
//! }
//! let (key, _pkcs8) = LogKey::generate("example.org/log").unwrap();
//! let head = Checkpoint::new("example.org/log", tree.size(), tree.root()).unwrap();
//! let note = key.sign(&head).unwrap();
//! let checked = key.public().verify(&note.text).unwrap();
//! assert_eq!(checked.size, 3);
//! assert_eq!(checked.root, tree.root());
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod checkpoint;
pub mod merkle;

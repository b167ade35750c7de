//! The sealroom engine: the confidentiality vault for mediation cases without its
//! command line. The `sealroom` binary (the workspace's root package) is one front end
//! of it; the network service is to be another.
//!
//! Parties deposit confidential submissions, each encrypted under its own document key
//! and wrapped only for the readers the case's rules allow; every act is a statement
//! signed by its actor and kept in order per case.
//!
//! Which type for which job:
//! - [`Identity`] and [`Card`]: a person's secret keys and their public card.
//! - [`Vault`]: a vault; open cases, deposit, list, read, disclose, seal; its
//!   operations' inputs and results are in [`vault`].
//! - [`policy`]: the pure rules of who may do what, and the case's vocabulary
//!   ([`policy::Category`], [`policy::Role`], [`policy::Policy`]).
//! - [`archive`]: sealed archives, verified, released, opened and destroyed without a
//!   vault; [`receipt`]: the receipt every act hands its actor.
//! - [`member`]: a member's own state (the cases they joined, pinned).
//! - [`store`]: the storage interface, for another backend than the embedded folder.
//! - [`Error`]: what failed, of which [`ErrorKind`], with a [`Hint`] of what to do
//!   and the [`Input`] it is about.
//!
//! ```
//! use sealroom_engine::{Card, Identity, Vault};
//! use sealroom_engine::policy::Category;
//! use sealroom_engine::vault::{CaseSpec, DepositSpec};
//!
//! # fn main() -> sealroom_engine::Result<()> {
//! let dir = tempfile::tempdir().unwrap();
//! let mut vault = Vault::init(&dir.path().join("vault"))?;
//! let [registrar, mediator, claimant, respondent, archivist] =
//!     ["Registrar", "Mediator", "Claimant", "Respondent", "Archivist"]
//!         .map(|n| Identity::generate(n).unwrap());
//! vault.open_case(
//!     &registrar,
//!     CaseSpec::new("IOMed-2026-001", archivist.card())
//!         .mediator(mediator.card())
//!         .party("claimant", claimant.card())
//!         .party("respondent", respondent.card()),
//! )?;
//! let spec = DepositSpec::new("caucus.txt")
//!     .category(Category::Caucus)
//!     .title("Our bottom line");
//! let deposited = vault.deposit(&claimant, "IOMed-2026-001", spec, &b"we would settle at 4m"[..])?;
//! let mut out = Vec::new();
//! vault.read(&mediator, "IOMed-2026-001", deposited.num, &mut out)?;
//! assert_eq!(out, b"we would settle at 4m");
//! assert!(vault.read(&respondent, "IOMed-2026-001", deposited.num, &mut Vec::new()).is_err());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(unreachable_pub)]

pub mod archive;
mod case;
mod crypto;
mod date;
pub mod error;
/// Fixed keys and builders for the fuzz targets and their corpus (feature `fuzzing`,
/// which only the fuzz crate and the test suites enable: never in a shipped build).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod identity;
mod log;
pub mod member;
pub(crate) mod pool;
mod signed;
pub mod store;
pub mod vault;

pub use case::policy;
pub use crypto::digest;
pub use crypto::recipient::ExportRecipient;
pub use error::{Error, ErrorKind, Hint, Input, Result};
pub use identity::{Card, Fingerprint, Identity};
pub use log::receipt;
pub use vault::Vault;

/// The engine's insides, reachable for its own tests, benchmarks and fuzz targets
/// (as rustls keeps its `internal`): not part of the API, and may change in any
/// release. Nothing a front end needs is only here.
#[doc(hidden)]
pub mod internal {
    pub use crate::archive::format;
    /// The case's charter and rules.
    pub mod case {
        pub use crate::case::{charter, policy};
    }
    /// Document bodies, keys, wraps, escrow shares and hashes.
    pub mod crypto {
        pub use crate::crypto::{body, digest, escrow, header, recipient, stream, wrap};
    }
    /// Dates as days.
    pub mod date {
        pub use crate::date::*;
    }
    /// Identities, cards and fingerprints.
    pub mod identity {
        pub use crate::identity::*;
    }
    /// Statements, their replay, the Merkle log, checkpoints and receipts.
    pub mod log {
        pub use crate::log::{checkpoint, merkle, receipt, replay, statement};
    }
    /// The signing envelope.
    pub mod signed {
        pub use crate::signed::*;
    }
}

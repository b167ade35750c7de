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
//! - [`Vault`]: a vault directory; open cases, deposit, list and read documents.
//! - [`case::policy`]: the pure rules of who may do what.
//!
//! ```
//! use sealroom_engine::{Card, Identity, Vault};
//! use sealroom_engine::case::policy::Category;
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
pub mod case;
pub mod crypto;
pub mod date;
pub mod error;
/// Fixed keys and builders for the fuzz targets and their corpus (feature `fuzzing`,
/// which only the fuzz crate and the test suites enable: never in a shipped build).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod log;
pub mod member;
pub(crate) mod pool;
pub mod signed;
pub mod store;
pub mod vault;

pub use error::{Error, ErrorKind, Hint, Result};
pub use identity::{Card, Identity};
pub use vault::Vault;

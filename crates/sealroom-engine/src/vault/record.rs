//! The one path every act of a case takes: take the case's lock, load the case
//! as its signed log says (checking the member's pin), let the act check its rules and
//! append its statement, write the caches, commit, and remember what was verified.
//!
//! Nothing an act decides on can change between its checks and its commit (the lock is
//! taken before anything is read), and an act that fails at any point leaves nothing
//! behind (the transaction is dropped uncommitted).

use super::authority::{append_statement, Joined};
use super::{CaseContext, LogSigner, Vault};
use crate::error::Result;
use crate::identity::Identity;
use crate::log::statement::{Act, SignedStatement};
use crate::store::records::RecordsTx;

/// An act in progress: its transaction and the case as its log says.
pub(crate) struct Recording<'a> {
    /// The act's transaction, holding the case's lock.
    pub(crate) tx: &'a dyn RecordsTx,
    /// The case, replayed from its verified log; [`Recording::append`] keeps it current.
    pub(crate) ctx: &'a mut CaseContext,
    signer: &'a LogSigner,
}

impl Recording<'_> {
    /// Append `act` by `actor` and the checkpoint after it; the statement is replayed
    /// first, so an act the case's rules reject is never recorded. Its sequence number.
    pub(crate) fn append(&mut self, actor: &Identity, act: Act) -> Result<u64> {
        self.append_signed(actor, act).map(|(seq, _)| seq)
    }

    /// [`Recording::append`], also returning the signed statement.
    pub(crate) fn append_signed(
        &mut self,
        actor: &Identity,
        act: Act,
    ) -> Result<(u64, SignedStatement)> {
        append_statement(self.tx, self.signer, self.ctx, actor, act)
    }
}

impl Vault {
    /// Run one act on case `reference`: `act` checks and appends through the
    /// [`Recording`] it is given; its result is returned once the transaction has
    /// committed. Work that must follow the commit (streaming a document out) is done
    /// by the caller with what `act` returned.
    pub(crate) fn record<T>(
        &self,
        reference: &str,
        act: impl FnMut(&mut Recording<'_>) -> Result<T>,
    ) -> Result<T> {
        self.record_from(reference, None, act)
    }

    /// [`Vault::record`], resuming the case's replay from `prior` (a look taken before
    /// the lock, so that the work under the lock is only the statements since).
    ///
    /// On a vault across the network the lock is optimistic: when another member's
    /// act landed between this act's look and its commit, the service refuses the
    /// commit as a conflict and the act runs again, from its checks, on the new
    /// state (a few times at most).
    pub(crate) fn record_from<T>(
        &self,
        reference: &str,
        mut prior: Option<CaseContext>,
        mut act: impl FnMut(&mut Recording<'_>) -> Result<T>,
    ) -> Result<T> {
        let signer = self.log_signer()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let tx = self.write_tx(reference)?;
            let mut ctx = self.load_from(&*tx, reference, Joined::Required, prior.take())?;
            let out = act(&mut Recording {
                tx: &*tx,
                ctx: &mut ctx,
                signer: &signer,
            })?;
            match tx.commit() {
                Ok(()) => {
                    self.remember(&ctx);
                    return Ok(out);
                }
                Err(e)
                    if matches!(e.hint(), Some(crate::error::Hint::Conflict))
                        && attempt < MAX_ATTEMPTS =>
                {
                    // Back off a random while that grows with each attempt, so that
                    // writers who collided do not collide again in step.
                    let mut r = [0u8; 2];
                    let _ = getrandom::fill(&mut r);
                    let ceiling = (10u64 << attempt.min(7)).min(1000);
                    let jitter = u64::from(u16::from_le_bytes(r)) % ceiling;
                    std::thread::sleep(std::time::Duration::from_millis(5 + jitter));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// How many times an act is prepared before a conflict is reported.
const MAX_ATTEMPTS: u64 = 40;

//! The records of a vault across the network, behind the same traits as the embedded
//! store: reads go to the service; an act's writes are kept on the client and sent
//! as one commit, which the service checks (signatures, the case's rules, the log
//! head each new statement names) and applies in its own transaction.
//!
//! Differences from the embedded store that the engine allows for:
//! - a transaction's reads show the state when it began, not its own writes (acts
//!   keep what they wrote in their [`crate::vault`] context);
//! - the case lock is optimistic: a commit whose first statement is not at the end of
//!   the log is refused as a conflict, and the act runs again on the new state;
//! - `bodies` (the whole vault's blobs, for `doctor`) is the operator's, not served.
//!
//! A snapshot is one state per case: the case's view ([`CaseView`]) is read once, in
//! one request, and the log and checkpoints up to its size (a log only grows, so the
//! same range reads the same at any time).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::client::Connection;
use super::wire::{CaseView, Commit, ReadCall, WriteOp};
use crate::error::{Error, Result};
use crate::store::records::*;

/// The key a case being opened has inside its own transaction (the service gives it
/// its real key at commit).
const OPENING: CaseKey = -1;

/// A vault service's records.
pub struct RemoteRecords {
    conn: Arc<Connection>,
    now: RemoteView,
}

impl RemoteRecords {
    /// The records behind `conn`.
    pub fn new(conn: Arc<Connection>) -> Self {
        RemoteRecords {
            now: RemoteView::new(conn.clone(), false),
            conn,
        }
    }
}

impl RecordStore for RemoteRecords {
    fn now(&self) -> &dyn Records {
        &self.now
    }

    fn snapshot(&self) -> Result<Box<dyn Records + '_>> {
        Ok(Box::new(RemoteView::new(self.conn.clone(), true)))
    }

    fn write(&self, reference: &str) -> Result<Box<dyn RecordsTx + '_>> {
        // Wait for the case's writer lease first, as a folder's writer waits for its
        // lock: the act is then prepared on a state nobody else is about to change.
        // (Someone the service does not know gets none, and goes on to be told
        // why by the act itself.)
        let lease = match self.conn.lock(reference) {
            Ok(lease) => Some(lease),
            Err(e) if e.kind() == crate::error::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        Ok(Box::new(RemoteTx {
            lease,
            view: RemoteView::new(self.conn.clone(), true),
            reference: reference.to_owned(),
            ops: Mutex::new(Vec::new()),
            opening: Mutex::new(None),
        }))
    }

    fn self_check(&self) -> Result<Vec<String>> {
        Err(operator_only())
    }
}

fn operator_only() -> Error {
    Error::refused(
        "checking the whole vault is the operator's: run `sealroom doctor` on the server's vault folder",
    )
}

/// Reads from the service; with `consistent`, each case's view is read once.
struct RemoteView {
    conn: Arc<Connection>,
    consistent: bool,
    views: Mutex<HashMap<CaseKey, Arc<CaseView>>>,
    facts: std::sync::OnceLock<super::wire::VaultFacts>,
}

impl RemoteView {
    fn new(conn: Arc<Connection>, consistent: bool) -> Self {
        RemoteView {
            conn,
            consistent,
            views: Mutex::new(HashMap::new()),
            facts: std::sync::OnceLock::new(),
        }
    }

    fn view(&self, case: CaseKey) -> Result<Arc<CaseView>> {
        if case == OPENING {
            return Ok(Arc::new(CaseView::default()));
        }
        let mut views = self
            .views
            .lock()
            .map_err(|_| Error::io("a records view failed"))?;
        if let Some(v) = views.get(&case) {
            return Ok(v.clone());
        }
        let v: Arc<CaseView> = Arc::new(self.conn.read(&ReadCall::CaseView { case })?);
        if self.consistent {
            views.insert(case, v.clone());
        }
        Ok(v)
    }

    fn log_size(&self, case: CaseKey) -> Result<u64> {
        Ok(self.view(case)?.log_size)
    }
}

impl Records for RemoteView {
    fn meta(&self, key: &str) -> Result<Option<String>> {
        let facts = match self.facts.get() {
            Some(f) => f,
            None => {
                let f = self.conn.facts()?;
                self.facts.get_or_init(|| f)
            }
        };
        Ok(match key {
            "vault_id" => Some(facts.vault_id.clone()),
            "log_verifier" => Some(facts.log_verifier.clone()),
            _ => None,
        })
    }

    fn case_references(&self) -> Result<Vec<String>> {
        self.conn.read(&ReadCall::CaseReferences)
    }

    fn case(&self, reference: &str) -> Result<Option<(CaseKey, CaseRow)>> {
        self.conn.read(&ReadCall::Case {
            reference: reference.to_owned(),
        })
    }

    fn members(&self, case: CaseKey) -> Result<Vec<MemberRow>> {
        Ok(self.view(case)?.members.clone())
    }

    fn leaf_hashes(&self, case: CaseKey) -> Result<Vec<(u64, Vec<u8>)>> {
        if case == OPENING {
            return Ok(Vec::new());
        }
        let upto = self.log_size(case)?;
        self.conn.read(&ReadCall::LeafHashes { case, upto })
    }

    fn statements(
        &self,
        case: CaseKey,
        from: u64,
        each: &mut dyn FnMut(StatementRow) -> Result<()>,
    ) -> Result<()> {
        if case == OPENING {
            return Ok(());
        }
        let upto = self.log_size(case)?;
        if from >= upto {
            return Ok(());
        }
        let rows: Vec<StatementRow> = self.conn.read(&ReadCall::Statements { case, from, upto })?;
        for row in rows {
            each(row)?;
        }
        Ok(())
    }

    fn checkpoint(&self, case: CaseKey, size: u64) -> Result<Option<CheckpointRow>> {
        if case == OPENING {
            return Ok(None);
        }
        self.conn.read(&ReadCall::Checkpoint { case, size })
    }

    fn latest_checkpoint(&self, case: CaseKey) -> Result<Option<CheckpointRow>> {
        Ok(self.view(case)?.latest_checkpoint.clone())
    }

    fn checkpoints(&self, case: CaseKey) -> Result<Vec<CheckpointRow>> {
        if case == OPENING {
            return Ok(Vec::new());
        }
        let upto = self.log_size(case)?;
        self.conn.read(&ReadCall::Checkpoints { case, upto })
    }

    fn document(&self, case: CaseKey, num: u64) -> Result<Option<DocumentRow>> {
        Ok(self
            .view(case)?
            .documents
            .iter()
            .find(|d| d.num == num)
            .cloned())
    }

    fn documents(&self, case: CaseKey) -> Result<Vec<DocumentRow>> {
        Ok(self.view(case)?.documents.clone())
    }

    fn wraps(&self, case: CaseKey) -> Result<Vec<WrapRow>> {
        if case == OPENING {
            return Ok(Vec::new());
        }
        self.conn.read(&ReadCall::Wraps { case })
    }

    fn document_wraps(&self, case: CaseKey, num: u64) -> Result<Vec<WrapRow>> {
        if case == OPENING {
            return Ok(Vec::new());
        }
        self.conn.read(&ReadCall::DocumentWraps { case, num })
    }

    fn wrap(&self, case: CaseKey, num: u64, reader: &str) -> Result<Option<WrapRow>> {
        if case == OPENING {
            return Ok(None);
        }
        self.conn.read(&ReadCall::Wrap {
            case,
            num,
            reader: reader.to_owned(),
        })
    }

    fn reader_wraps(&self, case: CaseKey, reader: &str) -> Result<Vec<WrapRow>> {
        if case == OPENING {
            return Ok(Vec::new());
        }
        self.conn.read(&ReadCall::ReaderWraps {
            case,
            reader: reader.to_owned(),
        })
    }

    fn consents(&self, case: CaseKey) -> Result<Vec<ConsentRow>> {
        Ok(self.view(case)?.consents.clone())
    }

    fn document_consents(&self, case: CaseKey, num: u64) -> Result<Vec<ConsentRow>> {
        Ok(self
            .view(case)?
            .consents
            .iter()
            .filter(|c| c.num == num)
            .cloned()
            .collect())
    }

    fn escrow_shares(&self, case: CaseKey) -> Result<Vec<ShareRow>> {
        if case == OPENING {
            return Ok(Vec::new());
        }
        self.conn.read(&ReadCall::EscrowShares { case })
    }

    fn escrow_share(&self, case: CaseKey, custodian: &str) -> Result<Option<ShareRow>> {
        Ok(self
            .escrow_shares(case)?
            .into_iter()
            .find(|s| s.custodian == custodian))
    }

    fn refusals(&self, case: CaseKey) -> Result<Vec<RefusalRow>> {
        Ok(self.view(case)?.refusals.clone())
    }

    fn last_refusal(&self, case: CaseKey) -> Result<Option<RefusalRow>> {
        Ok(self.view(case)?.refusals.last().cloned())
    }

    fn bodies(&self) -> Result<Vec<BodyUse>> {
        Err(operator_only())
    }
}

/// An act's transaction: reads from the state when it began, writes kept for the
/// commit.
struct RemoteTx {
    /// The writer lease (given back if the act is dropped without a commit).
    lease: Option<String>,
    view: RemoteView,
    reference: String,
    ops: Mutex<Vec<WriteOp>>,
    /// The case being opened by this transaction, if it is one.
    opening: Mutex<Option<CaseRow>>,
}

impl RemoteTx {
    fn push(&self, case: CaseKey, op: WriteOp) -> Result<()> {
        // Every write of an act is on its one case: the commit names it by reference.
        let ours = if case == OPENING {
            self.opening.lock().is_ok_and(|o| o.is_some())
        } else {
            self.view
                .case(&self.reference)?
                .is_some_and(|(key, _)| key == case)
        };
        if !ours {
            return Err(Error::io(format!(
                "an act on case {} tried to write another case",
                self.reference
            )));
        }
        self.ops
            .lock()
            .map_err(|_| Error::io("an act's writes were lost"))?
            .push(op);
        Ok(())
    }
}

impl Drop for RemoteTx {
    fn drop(&mut self) {
        if let Some(lease) = self.lease.take() {
            self.view.conn.unlock(&lease);
        }
    }
}

macro_rules! forward_reads {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(fn $name(&self, $($arg: $ty),*) -> Result<$ret> { self.view.$name($($arg),*) })*
    };
}

impl Records for RemoteTx {
    forward_reads! {
        meta(key: &str) -> Option<String>;
        case_references() -> Vec<String>;
        members(case: CaseKey) -> Vec<MemberRow>;
        leaf_hashes(case: CaseKey) -> Vec<(u64, Vec<u8>)>;
        checkpoint(case: CaseKey, size: u64) -> Option<CheckpointRow>;
        latest_checkpoint(case: CaseKey) -> Option<CheckpointRow>;
        checkpoints(case: CaseKey) -> Vec<CheckpointRow>;
        document(case: CaseKey, num: u64) -> Option<DocumentRow>;
        documents(case: CaseKey) -> Vec<DocumentRow>;
        wraps(case: CaseKey) -> Vec<WrapRow>;
        document_wraps(case: CaseKey, num: u64) -> Vec<WrapRow>;
        wrap(case: CaseKey, num: u64, reader: &str) -> Option<WrapRow>;
        reader_wraps(case: CaseKey, reader: &str) -> Vec<WrapRow>;
        consents(case: CaseKey) -> Vec<ConsentRow>;
        document_consents(case: CaseKey, num: u64) -> Vec<ConsentRow>;
        escrow_shares(case: CaseKey) -> Vec<ShareRow>;
        escrow_share(case: CaseKey, custodian: &str) -> Option<ShareRow>;
        refusals(case: CaseKey) -> Vec<RefusalRow>;
        last_refusal(case: CaseKey) -> Option<RefusalRow>;
        bodies() -> Vec<BodyUse>;
    }

    fn case(&self, reference: &str) -> Result<Option<(CaseKey, CaseRow)>> {
        if reference == self.reference {
            if let Some(row) = self.opening.lock().ok().and_then(|o| o.clone()) {
                return Ok(Some((OPENING, row)));
            }
        }
        self.view.case(reference)
    }

    fn statements(
        &self,
        case: CaseKey,
        from: u64,
        each: &mut dyn FnMut(StatementRow) -> Result<()>,
    ) -> Result<()> {
        self.view.statements(case, from, each)
    }
}

impl RecordsTx for RemoteTx {
    fn insert_case(&self, row: &CaseRow) -> Result<CaseKey> {
        if row.reference != self.reference {
            return Err(Error::io("an act tried to open a case it does not hold"));
        }
        if self.view.case(&row.reference)?.is_some() {
            return Err(Error::refused(format!(
                "case {} already exists",
                row.reference
            )));
        }
        *self
            .opening
            .lock()
            .map_err(|_| Error::io("an act's writes were lost"))? = Some(row.clone());
        self.push(OPENING, WriteOp::InsertCase(row.clone()))?;
        Ok(OPENING)
    }

    fn set_case_state(&self, case: CaseKey, state: &str) -> Result<()> {
        self.push(
            case,
            WriteOp::SetCaseState {
                state: state.to_owned(),
            },
        )
    }

    fn insert_member(&self, case: CaseKey, row: &MemberRow) -> Result<()> {
        self.push(case, WriteOp::InsertMember(row.clone()))
    }

    fn delete_member(
        &self,
        case: CaseKey,
        role: &str,
        label: &str,
        fingerprint: &str,
    ) -> Result<()> {
        self.push(
            case,
            WriteOp::DeleteMember {
                role: role.to_owned(),
                label: label.to_owned(),
                fingerprint: fingerprint.to_owned(),
            },
        )
    }

    fn insert_statement(&self, case: CaseKey, row: &StatementRow) -> Result<()> {
        self.push(case, WriteOp::InsertStatement(row.clone()))
    }

    fn insert_checkpoint(&self, _case: CaseKey, _row: &CheckpointRow) -> Result<()> {
        Err(Error::io(
            "a client cannot sign checkpoints: the vault service signs them at commit",
        ))
    }

    fn insert_document(&self, case: CaseKey, row: &DocumentRow) -> Result<()> {
        self.push(case, WriteOp::InsertDocument(row.clone()))
    }

    fn replace_body(&self, case: CaseKey, num: u64, body: &BodyRow) -> Result<()> {
        self.push(
            case,
            WriteOp::ReplaceBody {
                num,
                body: body.clone(),
            },
        )
    }

    fn retire_body(&self, case: CaseKey, num: u64, body_state: &str) -> Result<()> {
        self.push(
            case,
            WriteOp::RetireBody {
                num,
                body_state: body_state.to_owned(),
            },
        )
    }

    fn insert_wrap(&self, case: CaseKey, row: &WrapRow) -> Result<()> {
        self.push(case, WriteOp::InsertWrap(row.clone()))
    }

    fn delete_wrap(&self, case: CaseKey, num: u64, reader: &str) -> Result<()> {
        self.push(
            case,
            WriteOp::DeleteWrap {
                num,
                reader: reader.to_owned(),
            },
        )
    }

    fn delete_document_wraps(&self, case: CaseKey, num: u64) -> Result<()> {
        self.push(case, WriteOp::DeleteDocumentWraps { num })
    }

    fn insert_consent(&self, case: CaseKey, row: &ConsentRow) -> Result<()> {
        self.push(case, WriteOp::InsertConsent(row.clone()))
    }

    fn delete_consent(&self, case: CaseKey, num: u64, to_label: &str) -> Result<()> {
        self.push(
            case,
            WriteOp::DeleteConsent {
                num,
                to_label: to_label.to_owned(),
            },
        )
    }

    fn delete_consents(&self, case: CaseKey) -> Result<()> {
        self.push(case, WriteOp::DeleteConsents)
    }

    fn insert_escrow_share(&self, case: CaseKey, row: &ShareRow) -> Result<()> {
        self.push(case, WriteOp::InsertEscrowShare(row.clone()))
    }

    fn delete_escrow_shares(&self, case: CaseKey) -> Result<()> {
        self.push(case, WriteOp::DeleteEscrowShares)
    }

    fn insert_refusal(&self, case: CaseKey, row: &RefusalRow) -> Result<()> {
        self.push(case, WriteOp::InsertRefusal(row.clone()))
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        let ops = std::mem::take(
            &mut *self
                .ops
                .lock()
                .map_err(|_| Error::io("an act's writes were lost"))?,
        );
        if ops.is_empty() {
            return Ok(());
        }
        // The commit gives the lease back, whatever its outcome.
        let lease = self.lease.take();
        self.view.conn.commit(&Commit {
            reference: self.reference.clone(),
            lease,
            ops,
        })?;
        Ok(())
    }
}

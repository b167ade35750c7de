//! The one error type of sealroom: every failure is a sentence a person can act on,
//! and belongs to a kind that decides the process exit code.

use std::fmt;

/// What kind of failure an [`Error`] is; the command line maps each kind to an exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The case's rules (role, category, policy, case state) do not allow the act.
    Refused,
    /// The arguments or input are malformed.
    Usage,
    /// A signature, hash or authenticated ciphertext did not verify.
    Integrity,
    /// A vault, case, document, member or file does not exist.
    NotFound,
    /// The secret key or passphrase given does not open what it was asked to open.
    WrongKey,
    /// The operating system or the database failed (disk full, permissions, …).
    Io,
    /// An archive's key material was destroyed: it is intact otherwise, and its
    /// destruction certificate is needed to verify the destruction.
    Destroyed,
}

impl ErrorKind {
    /// The process exit code for this kind (documented in `docs/formats.md` and `--help`).
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Refused => 1,
            ErrorKind::Usage => 2,
            ErrorKind::Integrity => 3,
            ErrorKind::NotFound => 4,
            ErrorKind::WrongKey => 5,
            ErrorKind::Io => 6,
            ErrorKind::Destroyed => 7,
        }
    }
}

/// What the person could do next, which each front end says in its own words (the
/// command line names its commands; a library user may do it by a call). The engine's
/// messages say what failed and why; the advice lives here.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hint {
    /// The case's log grew between the look an act was prepared on and its commit (on
    /// a vault across the network): the act is prepared again on the new state.
    Conflict,
    /// Check the whole vault for damage or tampering (`doctor`).
    CheckVault,
    /// Join the case first, with the charter fingerprint its registrar gives out.
    JoinCase {
        /// The case.
        case: String,
    },
    /// See which cases the vault holds.
    ListCases,
    /// See the documents of the case one can read.
    ListDocuments {
        /// The case.
        case: String,
    },
    /// See the case's parties and members.
    ShowCase {
        /// The case.
        case: String,
    },
    /// Make a vault at this folder, or point at an existing vault.
    MakeVault {
        /// The folder.
        folder: std::path::PathBuf,
    },
    /// Replace the member instead (the last of their role cannot be removed).
    ReplaceMember,
    /// A member of the owner party may give the consent that is missing.
    Consent {
        /// The owner party.
        owner: String,
        /// The case.
        case: String,
        /// The document.
        num: u64,
        /// The party the consent is for.
        to: String,
    },
    /// Make an identity file (a card or a plain age key was given instead).
    MakeIdentity,
    /// Verify a destroyed archive with its destruction certificate.
    GiveCertificate,
    /// Re-encrypt the document anyway (revoke with a new key).
    RekeyAnyway,
    /// Name the vault the receipt comes from.
    OtherVault,
}

/// The input of an operation that an error is about, so that a front end can name it
/// the way its user gave it (a command-line flag, a form field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// The mediators of a new case.
    Mediators,
    /// The parties of a new case (label and card each).
    Parties,
    /// The archivist of a new case.
    Archivist,
    /// How many custodians it takes to open the escrow key.
    Threshold,
    /// The party a member of several parties acts for.
    AsParty,
    /// Sharing a deposit with every party.
    ShareWithAll,
    /// The old and new card of a member being replaced.
    Cards,
    /// The start of a period.
    Since,
    /// The end of a period.
    Until,
    /// An export's recipient.
    Recipient,
}

/// A failure with a message that says what failed and why, and perhaps a [`Hint`]
/// and the [`Input`] it is about.
pub struct Error {
    kind: ErrorKind,
    message: String,
    input: Option<Input>,
    // Boxed: errors travel in every `Result`, and most have no hint.
    hint: Option<Box<Hint>>,
    cause: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// `Result` with sealroom's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a complete, human-readable `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            input: None,
            hint: None,
            cause: None,
        }
    }

    /// The rules of the case refuse the act.
    pub fn refused(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Refused, message)
    }

    /// Malformed input or arguments.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }

    /// Something failed to verify.
    pub fn integrity(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Integrity, message)
    }

    /// Something does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// The key or passphrase does not fit.
    pub fn wrong_key(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::WrongKey, message)
    }

    /// The system failed.
    pub fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Io, message)
    }

    /// The same failure (kind, hint, cause) told with another message, e.g. one that
    /// names the file it was about.
    pub fn reword(mut self, f: impl FnOnce(&str) -> String) -> Self {
        self.message = f(&self.message);
        self
    }

    /// Say what the person could do next.
    pub fn with_hint(mut self, hint: Hint) -> Self {
        self.hint = Some(Box::new(hint));
        self
    }

    /// What the person could do next, if the engine knows.
    pub fn hint(&self) -> Option<&Hint> {
        self.hint.as_deref()
    }

    /// Say which input the failure is about.
    pub fn about(mut self, input: Input) -> Self {
        self.input = Some(input);
        self
    }

    /// The input the failure is about, if it is about one.
    pub fn input(&self) -> Option<Input> {
        self.input
    }

    /// Attach the underlying cause (shown with `-v`).
    pub fn with_cause(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.cause = Some(Box::new(cause));
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The sentence for the user.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The chain of underlying causes, outermost first.
    pub fn causes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> = self
            .cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static));
        while let Some(err) = next {
            out.push(err.to_string());
            next = err.source();
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)?;
        for cause in self.causes() {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// Wrap an I/O error with what was being done, e.g. `io_context("reading", path)`.
pub fn io_error(what: impl fmt::Display, err: std::io::Error) -> Error {
    use std::io::ErrorKind as Io;
    let kind = match err.kind() {
        Io::NotFound => ErrorKind::NotFound,
        // sealroom never overwrites; meeting an existing file is a refusal, not a fault.
        Io::AlreadyExists => ErrorKind::Refused,
        // A folder where a file belongs is a mistake in the command, not a system fault.
        Io::IsADirectory => ErrorKind::Usage,
        _ => ErrorKind::Io,
    };
    let reason = match err.kind() {
        Io::NotFound => "it does not exist".to_string(),
        Io::PermissionDenied => "permission denied".to_string(),
        Io::IsADirectory => "it is a folder, not a file".to_string(),
        Io::StorageFull | Io::FileTooLarge | Io::QuotaExceeded => {
            "the disk is full or a file size limit was reached; free some space and try again"
                .to_string()
        }
        Io::AlreadyExists => "it already exists".to_string(),
        _ => err.to_string(),
    };
    Error::new(kind, format!("{what} failed: {reason}")).with_cause(err)
}

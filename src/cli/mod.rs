//! The command line: parse with clap ([`args`]), run one handler per command family,
//! print text or JSON. Handlers only translate between the user and the library.

mod archive;
pub mod args;
mod cases;
mod disclosure;
mod documents;
mod identity;
mod log;
mod passphrase;
mod progress;
mod serve;
mod unlock;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use args::Cli;
use args::Command;

use crate::error::{io_error, Error, Result};
use crate::vault::Vault;
use crate::{Card, Identity};

/// Write one line to standard error, ignoring failure: a closed stderr (`2>&1 | head`)
/// must not turn a message into a panic.
pub fn say_on_stderr(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", terminal_safe(line));
}

/// Whether `c` reorders or hides text on a terminal: the Unicode bidirectional
/// controls (embeddings, overrides, isolates, marks).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character (but line feeds and tabs) and every bidi
/// control written as an escape (`\u{202e}`), so that a title such as
/// "invoice\u{202e}fdp.exe" cannot disguise itself or drive the terminal.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c);
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Everything a handler needs from the global options.
pub(crate) struct Context {
    vault: Option<PathBuf>,
    server_pin: Option<String>,
    identity: Option<PathBuf>,
    /// The identity, once loaded (its passphrase is asked for once per command).
    loaded: std::cell::OnceCell<std::sync::Arc<Identity>>,
    json: bool,
    receipt: Option<PathBuf>,
    /// Who the identity loaded for this command is (fingerprint, name), so that a
    /// refused attempt can be recorded without asking for the passphrase again.
    acted_as: std::cell::RefCell<Option<(String, String)>>,
}

/// A receipt written for an act, as reported to the user.
#[derive(Serialize)]
pub(crate) struct IssuedReceipt {
    /// Where the receipt was written.
    path: PathBuf,
    /// The receipt itself.
    #[serde(flatten)]
    receipt: crate::receipt::Receipt,
}

impl IssuedReceipt {
    pub fn path_display(&self) -> std::path::Display<'_> {
        self.path.display()
    }
}

#[derive(Serialize)]
struct WithReceipt<'a, T: Serialize> {
    #[serde(flatten)]
    result: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<&'a IssuedReceipt>,
}

impl Context {
    /// The vault folder: `--vault`, `SEALROOM_VAULT`, or `$XDG_DATA_HOME/sealroom`.
    pub fn vault_dir(&self) -> Result<PathBuf> {
        if let Some(v) = &self.vault {
            if crate::store::remote::Location::is_remote(&v.to_string_lossy()) {
                return Err(Error::usage(format!(
                    "this command works on a vault folder, not a vault service ({}); run it where the vault's folder is",
                    v.display()
                )));
            }
            return Ok(v.clone());
        }
        default_vault_dir().ok_or_else(|| {
            Error::usage("no vault given and no home folder to find the default; use --vault DIR")
        })
    }

    /// The vault, acting as a member who keeps their own state (pins, receipts) in
    /// `$XDG_STATE_HOME/sealroom`.
    pub fn open_vault(&self) -> Result<Vault> {
        match &self.vault {
            Some(v) if crate::store::remote::Location::is_remote(&v.to_string_lossy()) => {
                self.connect(&v.to_string_lossy(), None)
            }
            _ => self.open_vault_at(&self.vault_dir()?),
        }
    }

    /// The vault service at `url`, acting as the identity given with -i. Its key pin
    /// is `--server-pin`, else `pin` (from an invitation, kept by the caller once the
    /// join succeeds), else the one kept in the member state; a `--server-pin` not yet
    /// kept is kept.
    pub fn connect(&self, url: &str, pin: Option<&str>) -> Result<Vault> {
        let location = crate::store::remote::Location::parse(url)?;
        let state = default_state_dir().map(crate::member::MemberState::new);
        let kept = match &state {
            Some(s) => s.server_pin(&location.url)?,
            None => None,
        };
        let given = self.server_pin.as_deref();
        let pin = given.or(pin).map(str::to_owned).or(kept.clone());
        if let (Some(state), Some(given), None) = (&state, given, &kept) {
            if location.tls {
                state.save_server_pin(
                    &location.url,
                    &crate::store::remote::tls::parse_pin(given)?,
                )?;
            }
        }
        let vault = Vault::connect(location, pin.as_deref(), self.identity()?)?;
        Ok(match state {
            Some(s) => vault.with_member_state(s),
            None => vault,
        })
    }

    /// The vault in folder `dir`, as [`Context::open_vault`] opens it.
    pub fn open_vault_at(&self, dir: &Path) -> Result<Vault> {
        let vault = Vault::open(dir)?;
        Ok(match default_state_dir() {
            Some(dir) => vault.with_member_state(crate::member::MemberState::new(dir)),
            None => vault,
        })
    }

    /// The identity file given with -i (or SEALROOM_IDENTITY).
    pub fn identity_path(&self) -> Result<&Path> {
        self.identity.as_deref().ok_or_else(|| {
            Error::usage("say which identity file with -i FILE (or SEALROOM_IDENTITY)")
        })
    }

    /// The acting identity, loaded (asking for its passphrase if needed).
    pub fn identity(&self) -> Result<std::sync::Arc<Identity>> {
        if let Some(id) = self.loaded.get() {
            return Ok(id.clone());
        }
        let path = self
            .identity
            .as_ref()
            .ok_or_else(|| Error::usage("say who is acting with -i FILE (or SEALROOM_IDENTITY)"))?;
        let identity = std::sync::Arc::new(load_identity(path)?);
        *self.acted_as.borrow_mut() =
            Some((identity.fingerprint().to_hex(), identity.name().to_owned()));
        Ok(self.loaded.get_or_init(|| identity).clone())
    }

    /// Record, in the vault's refusal records, that the case's rules refused what the
    /// loaded identity attempted. Best effort: the refusal itself is what the user
    /// must see, so a failure to record it is only a warning.
    fn record_refusal(&self, attempt: &Attempt, refusal: &Error) {
        let Some((actor, actor_name)) = self.acted_as.borrow().clone() else {
            return;
        };
        let recorded = self.open_vault().and_then(|vault| {
            vault.record_refusal(&crate::vault::Attempt {
                case: &attempt.reference,
                actor: &actor,
                actor_name: &actor_name,
                act: attempt.act,
                num: attempt.num,
                reason: refusal.message(),
            })
        });
        match recorded {
            Ok(_) => {}
            Err(e) if e.kind() == crate::error::ErrorKind::NotFound => {}
            Err(e) => say_on_stderr(&format!(
                "sealroom: warning: the vault could not record this refusal: {}",
                e.message()
            )),
        }
    }

    /// Write the receipt of statement `seq` (to `--receipt FILE`, or the caller's own
    /// receipts folder). The act already happened, so a failure here is a warning.
    pub fn issue_receipt(&self, vault: &Vault, reference: &str, seq: u64) -> Option<IssuedReceipt> {
        let result = (|| {
            let receipt = vault.receipt(reference, seq)?;
            let path = match &self.receipt {
                Some(p) => p.clone(),
                None => {
                    let dir = default_state_dir()
                        .ok_or_else(|| {
                            Error::usage("no home folder for receipts; use --receipt FILE")
                        })?
                        .join(crate::member::RECEIPTS_DIR);
                    std::fs::create_dir_all(&dir)
                        .map_err(|e| io_error(format!("creating {}", dir.display()), e))?;
                    let act = receipt_act(&receipt);
                    let case: String = reference
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                                c
                            } else {
                                '_'
                            }
                        })
                        .collect();
                    dir.join(format!("{}-{case}-{seq:06}-{act}.json", receipt.vault))
                }
            };
            crate::store::fsutil::write_new_private(&path, receipt.to_text().as_bytes())
                .map_err(|e| io_error(format!("writing the receipt {}", path.display()), e))?;
            Ok::<_, Error>(IssuedReceipt { path, receipt })
        })();
        match result {
            Ok(r) => Some(r),
            Err(e) => {
                say_on_stderr(&format!(
                    "sealroom: warning: the act is recorded (entry {seq} of case {reference}) but its receipt was not written: {}; fetch it with `sealroom receipt get {reference} {seq}`",
                    e.message()
                ));
                None
            }
        }
    }

    /// Print the result of an act that added statement `seq` (if any), with its receipt.
    pub fn emit_act<T: Serialize>(
        &self,
        vault: &Vault,
        reference: &str,
        seq: Option<u64>,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> Result<()> {
        let issued = seq.and_then(|s| self.issue_receipt(vault, reference, s));
        let with = WithReceipt {
            result: value,
            receipt: issued.as_ref(),
        };
        self.emit(&with, || {
            let mut t = text();
            if let Some(r) = &issued {
                t.push_str(&format!("Receipt: {}\n", r.path.display()));
            }
            t
        })
    }

    /// Print `value` as JSON, or `text` for a person.
    pub fn emit<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) -> Result<()> {
        let out = if self.json {
            let mut s = serde_json::to_string_pretty(value)
                .map_err(|e| Error::io(format!("encoding JSON failed: {e}")))?;
            s.push('\n');
            s
        } else {
            // Names, titles and file names come from other people: no control or bidi
            // character of theirs reaches the terminal as itself (JSON keeps them exact).
            terminal_safe(&text()).into_owned()
        };
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(out.as_bytes())
            .and_then(|_| stdout.flush())
        {
            // A reader that stopped early (`| head`) is not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(|e| io_error("writing to standard output", e)),
        }
    }
}

/// The act a receipt records (for its file name).
fn receipt_act(receipt: &crate::receipt::Receipt) -> String {
    receipt
        .verify()
        .map(|v| v.statement.act.name().to_owned())
        .unwrap_or_else(|_| "act".to_owned())
}

/// `$XDG_STATE_HOME/sealroom`, or `~/.local/state/sealroom`: a member's own state
/// (pinned cases and receipts), never inside a vault.
pub fn default_state_dir() -> Option<PathBuf> {
    crate::member::default_dir()
}

/// `$XDG_DATA_HOME/sealroom`, or `~/.local/share/sealroom`.
pub fn default_vault_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("sealroom"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".local/share/sealroom"))
}

/// Load an identity file, asking for its passphrase only if it has one.
pub(crate) fn load_identity(path: &Path) -> Result<Identity> {
    // An identity kept open by `unlock` needs no passphrase (nor its scrypt work).
    if let Ok(bytes) = std::fs::read(path) {
        let bytes = zeroize::Zeroizing::new(bytes);
        if bytes.starts_with(b"age-encryption.org/v1") {
            if let Some(identity) = unlock::cached(&bytes) {
                return Ok(identity);
            }
        }
    }
    Identity::load(path, || passphrase::for_identity(path))
}

/// Load a card file.
/// The most a small signed text (a receipt, a share release, a certificate, an
/// invitation, an e-mail holding a checkpoint) may be: they are a few KiB, and they
/// come from other people.
pub(crate) const MAX_SMALL_TEXT: u64 = 1 << 20;

/// Read the small text file `path` (`-`: standard input) that `what` names, refusing
/// one over [`MAX_SMALL_TEXT`] before holding it in memory.
pub(crate) fn read_small_text(path: &Path, what: &str) -> Result<String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_SMALL_TEXT + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error("reading standard input", e))
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SMALL_TEXT + 1).read_to_end(&mut bytes))
            .map_err(|e| io_error(format!("reading {}", path.display()), e))
    };
    read?;
    let shown = if path.as_os_str() == "-" {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    };
    if bytes.len() as u64 > MAX_SMALL_TEXT {
        return Err(Error::usage(format!(
            "{shown} is larger than 1 MiB, far more than {what} can be: give the file {what} is in"
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| Error::usage(format!("{shown} is not text, so it cannot hold {what}")))
}

pub(crate) fn load_card(path: &Path) -> Result<Card> {
    Card::load(path)
}

/// An act in a case that the case's rules may refuse (and the vault then records).
struct Attempt {
    reference: String,
    act: &'static str,
    num: Option<u64>,
}

impl Command {
    /// The case act this command attempts, if it is one.
    fn attempt(&self) -> Option<Attempt> {
        use args::CaseCommand as C;
        let num = |n: &str| crate::vault::parse_num(n).ok();
        let (reference, act, num) = match self {
            Command::Deposit { reference, .. } => (reference, "deposit", None),
            Command::List { reference, .. } => (reference, "list", None),
            Command::Read {
                reference, num: n, ..
            } => (reference, "read", num(n)),
            Command::Consent {
                reference, num: n, ..
            } => (reference, "consent", num(n)),
            Command::Disclose {
                reference, num: n, ..
            } => (reference, "disclose", num(n)),
            Command::Revoke {
                reference, num: n, ..
            } => (reference, "revoke", num(n)),
            Command::Export {
                reference, num: n, ..
            } => (reference, "export", num(n)),
            Command::Grant { reference, .. } => (reference, "grant", None),
            Command::Rekey { reference, .. } => (reference, "rekey", None),
            Command::Seal { reference, .. } => (reference, "seal", None),
            Command::Case(C::AddMember(a)) => (&a.reference, "add-member", None),
            Command::Case(C::RemoveMember(a)) => (&a.reference, "remove-member", None),
            Command::Case(C::ReplaceMember { reference, .. }) => {
                (reference, "replace-member", None)
            }
            Command::Case(C::Close { reference }) => (reference, "close", None),
            _ => return None,
        };
        Some(Attempt {
            reference: reference.clone(),
            act,
            num,
        })
    }
}

/// A failure as the command line says it: the engine's sentence, then what to do next
/// in this command line's words.
pub fn error_text(err: &Error) -> String {
    let said = match err.input().map(input_flag) {
        Some(flag) if !flag.is_empty() => format!("{flag}: {}", err.message()),
        _ => err.message().to_owned(),
    };
    match err.hint() {
        Some(hint) => format!("{said}; {}", hint_text(hint)),
        None => said,
    }
}

/// The flag that gives the engine's [`Input`](crate::error::Input).
fn input_flag(input: crate::error::Input) -> &'static str {
    use crate::error::Input;
    match input {
        Input::Mediators => "--mediator",
        Input::Parties => "--party LABEL=CARD",
        Input::Archivist => "--archivist",
        Input::Threshold => "--threshold",
        Input::AsParty => "--as-party LABEL",
        Input::ShareWithAll => "--share-with-all",
        Input::Cards => "--old/--new",
        Input::Since => "--since",
        Input::Until => "--until",
        Input::Recipient => "--recipient",
        _ => "",
    }
}

/// The engine's [`Hint`](crate::error::Hint) as a command to run.
fn hint_text(hint: &crate::error::Hint) -> String {
    use crate::error::Hint;
    match hint {
        Hint::CheckVault => "run `sealroom doctor`".to_owned(),
        Hint::JoinCase { case } => format!(
            "ask the registrar for the case's charter fingerprint and run `sealroom case join {case} --charter FINGERPRINT` (or `--trust-on-first-use` if you accept the risk)"
        ),
        Hint::ListCases => "`sealroom case list` shows the cases".to_owned(),
        Hint::ListDocuments { case } => {
            format!("`sealroom list {case}` shows the documents you can read")
        }
        Hint::ShowCase { case } => format!("`sealroom case show {case}` lists its parties and members"),
        Hint::MakeVault { folder } => format!(
            "create one with `sealroom init --vault {}` or point --vault (or SEALROOM_VAULT) at an existing vault",
            folder.display()
        ),
        Hint::ReplaceMember => "replace them instead (`sealroom case replace-member`)".to_owned(),
        Hint::Consent {
            owner,
            case,
            num,
            to,
        } => format!("a {owner} member can run `sealroom consent {case} {num} --to {to}`"),
        Hint::MakeIdentity => {
            "give -i the identity file `sealroom keygen -o FILE` wrote (a card goes where a CARD is asked)"
                .to_owned()
        }
        Hint::GiveCertificate => {
            "if it was destroyed, verify it with its destruction certificate (--certificate)"
                .to_owned()
        }
        Hint::OtherVault => "name the vault it comes from with --vault".to_owned(),
        Hint::RekeyAnyway => "add --rekey to re-encrypt it anyway".to_owned(),
        _ => String::new(),
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    if let Some(path) = &cli.receipt {
        documents::check_output_free(path)?;
    }
    let ctx = Context {
        vault: cli.vault,
        server_pin: cli.server_pin,
        identity: cli.identity,
        loaded: std::cell::OnceCell::new(),
        json: cli.json,
        receipt: cli.receipt,
        acted_as: std::cell::RefCell::new(None),
    };
    let attempt = cli.command.attempt();
    let result = dispatch(&ctx, cli.command);
    if let (Err(e), Some(attempt)) = (&result, &attempt) {
        if e.kind() == crate::error::ErrorKind::Refused {
            ctx.record_refusal(attempt, e);
        }
    }
    result
}

/// Run one command.
fn dispatch(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Init { database, blobs } => {
            let dir = ctx.vault_dir()?;
            let vault = match (database, blobs) {
                (Some(database), Some(blobs)) => Vault::init_scaleout(
                    &dir,
                    &sealroom_engine::store::scaleout::Backends { database, blobs },
                )?,
                _ => Vault::init(&dir)?,
            };
            let public = vault.log_verifier()?.to_verifier_string();
            ctx.emit(
                &serde_json::json!({ "vault": dir, "vault_id": vault.vault_id()?, "log_key": public }),
                || {
                    format!(
                        "Made a new vault at {}.\nIts log key (public): {public}\nNext: make identities with `sealroom keygen` and open a case with `sealroom case open`.\n",
                        dir.display()
                    )
                },
            )
        }
        Command::Keygen {
            name,
            output,
            no_passphrase,
            allow_weak_passphrase,
        } => identity::keygen(ctx, &name, &output, no_passphrase, allow_weak_passphrase),
        Command::Passwd {
            no_passphrase,
            allow_weak_passphrase,
        } => identity::passwd(ctx, no_passphrase, allow_weak_passphrase),
        Command::Card => {
            let id = ctx.identity()?;
            let card = id.card();
            ctx.emit(&card_json(&card), || card.to_text())
        }
        Command::Unlock { duration } => {
            let path = ctx
                .identity
                .clone()
                .ok_or_else(|| Error::usage("say which identity to unlock with -i FILE"))?;
            let span = humantime::parse_duration(&duration)
                .ok()
                .filter(|d| d.as_secs() >= 1 && d.as_secs() <= 24 * 3600)
                .ok_or_else(|| {
                    Error::usage(format!(
                        "`{duration}` is not a duration between 1s and 24h (write e.g. 15m or 1h)"
                    ))
                })?;
            let id = unlock::unlock(&path, span.as_secs())?;
            ctx.emit(
                &serde_json::json!({ "name": id.name(), "fingerprint": id.fingerprint().to_string(), "seconds": span.as_secs() }),
                || {
                    format!(
                        "Unlocked {} ({}) for {}: commands with -i {} will not ask for its passphrase until then, or until `sealroom lock -i {}`.\n",
                        id.name(),
                        id.fingerprint(),
                        humantime::format_duration(span),
                        path.display(),
                        path.display()
                    )
                },
            )
        }
        Command::Lock => {
            let path = ctx
                .identity
                .clone()
                .ok_or_else(|| Error::usage("say which identity to lock with -i FILE"))?;
            let was = unlock::lock(&path)?;
            ctx.emit(&serde_json::json!({ "was_unlocked": was }), || {
                if was {
                    format!(
                        "Locked {}: its passphrase is asked for again.\n",
                        path.display()
                    )
                } else {
                    format!("{} was not unlocked; nothing changed.\n", path.display())
                }
            })
        }
        Command::Case(cmd) => cases::run(ctx, cmd),
        Command::Deposit {
            reference,
            file,
            category,
            title,
            confidential,
            share_with_all,
            as_party,
        } => documents::deposit(
            ctx,
            documents::DepositArgs {
                reference,
                file,
                category,
                title,
                confidential,
                share_with_all,
                as_party,
            },
        ),
        Command::List { reference, filter } => documents::list(ctx, &reference, &filter),
        Command::Read {
            reference,
            num,
            output,
            force,
            sync,
        } => documents::read(ctx, &reference, &num, output.as_deref(), force, sync),
        Command::Completions { shell } => {
            let mut cmd = args::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "sealroom", &mut out);
            let script = String::from_utf8_lossy(&out).into_owned();
            ctx.emit(
                &serde_json::json!({ "shell": shell.to_string(), "script": script }),
                || script.clone(),
            )
        }
        Command::Man => {
            let page = man_page()?;
            ctx.emit(&serde_json::json!({ "man": page }), || page.clone())
        }
        Command::Consent { reference, num, to } => disclosure::consent(ctx, &reference, &num, &to),
        Command::Disclose { reference, num, to } => {
            disclosure::disclose(ctx, &reference, &num, &to)
        }
        Command::Revoke {
            reference,
            num,
            from,
            rekey,
        } => disclosure::revoke(ctx, &reference, &num, &from, rekey),
        Command::Export {
            reference,
            num,
            recipient,
            output,
            force,
            sync,
        } => disclosure::export(ctx, &reference, &num, &recipient, &output, force, sync),
        Command::Grant {
            reference,
            nums,
            to_member,
            all,
        } => cases::grant(ctx, &reference, &nums, all, &to_member),
        Command::Rekey {
            reference,
            nums,
            all,
        } => cases::rekey(ctx, &reference, &nums, all),
        Command::Seal {
            reference,
            retain_until,
            output,
        } => archive::seal(ctx, &reference, &retain_until, &output),
        Command::Archive(cmd) => archive::run(ctx, cmd),
        Command::Log {
            reference,
            verify,
            refusals,
            filter,
        } => log::log(ctx, &reference, verify, refusals, &filter),
        Command::Receipt(cmd) => log::receipt(ctx, cmd),
        Command::Checkpoint(cmd) => log::checkpoint(ctx, cmd),
        Command::Vault(cmd) => {
            let (verb, report) = match cmd {
                args::VaultCommand::Backup { dir } => {
                    let vault = Vault::open(&ctx.vault_dir()?)?;
                    let spinner = progress::working("copying and checking the vault", ctx.json);
                    let r = vault.backup_to(&dir);
                    spinner.finish_and_clear();
                    ("Backed up", r?)
                }
                args::VaultCommand::Restore { backup } => {
                    let dest = ctx.vault_dir()?;
                    let spinner =
                        progress::working("checking, copying and checking again", ctx.json);
                    let r = crate::vault::restore(&backup, &dest);
                    spinner.finish_and_clear();
                    ("Restored", r?)
                }
                args::VaultCommand::Copy {
                    from,
                    to,
                    database,
                    blobs,
                } => {
                    let backends = database.zip(blobs).map(|(database, blobs)| {
                        sealroom_engine::store::scaleout::Backends { database, blobs }
                    });
                    let spinner = progress::working("copying and checking the vault", ctx.json);
                    let r = crate::vault::copy_vault(&from, &to, backends.as_ref());
                    spinner.finish_and_clear();
                    ("Copied", r?)
                }
            };
            ctx.emit(&report, || {
                format!(
                    "{verb} the vault into {}: {} case(s), {} bodies ({}); every body's hash and every case log checked in the copy.\n",
                    report.path.display(),
                    report.cases,
                    report.blobs,
                    documents::human_size(report.blob_bytes)
                )
            })
        }
        Command::Serve {
            listen,
            config,
            registrars,
            tls_cert,
            tls_key,
            plain_http,
            database,
            blobs,
        } => serve::serve(
            ctx,
            serve::ServeArgs {
                listen,
                config,
                registrars,
                tls_cert,
                tls_key,
                plain_http,
                database,
                blobs,
            },
        ),
        Command::Doctor { repair, grace } => {
            let vault = ctx.open_vault()?;
            let report = vault.doctor(repair.then_some(grace))?;
            ctx.emit(&report, || {
                let mut t = format!(
                    "Checked {} case log(s) and {} blob(s).\n",
                    report.cases, report.blobs_checked
                );
                for f in &report.problems {
                    t.push_str(&format!("  PROBLEM  {}: {}\n", f.kind, f.detail));
                }
                for f in &report.leftovers {
                    t.push_str(&format!("  leftover {}: {}\n", f.kind, f.detail));
                }
                for r in &report.removed {
                    t.push_str(&format!("  removed  {r}\n"));
                }
                for r in &report.kept {
                    t.push_str(&format!(
                        "  kept     {r} (younger than --grace: an act may still be under way)\n"
                    ));
                }
                for f in &report.cautions {
                    t.push_str(&format!("  CAUTION  {}\n", f.detail));
                }
                if report.healthy() {
                    t.push_str(if report.leftovers.len() == report.removed.len() {
                        "The vault is consistent.\n"
                    } else if !report.kept.is_empty() {
                        "The vault is consistent; a later `sealroom doctor --repair` removes the leftovers kept.\n"
                    } else {
                        "The vault is consistent; `sealroom doctor --repair` removes the leftovers.\n"
                    });
                }
                t
            })?;
            if report.healthy() {
                Ok(())
            } else {
                Err(crate::vault::unhealthy(&report))
            }
        }
        Command::Demo { dir, remote } => {
            let report = if ctx.json {
                let mut narration = Vec::new();
                let report = crate::demo::run(dir.as_deref(), remote, &mut narration)?;
                let lines: Vec<String> = String::from_utf8_lossy(&narration)
                    .lines()
                    .map(str::to_owned)
                    .collect();
                ctx.emit(
                    &serde_json::json!({ "steps": report.steps, "failures": report.failures, "narration": lines }),
                    String::new,
                )?;
                report
            } else {
                crate::demo::run(dir.as_deref(), remote, &mut std::io::stdout())?
            };
            if report.failures > 0 {
                return Err(Error::integrity(format!(
                    "the demo found {} step(s) that did not do what they say",
                    report.failures
                )));
            }
            Ok(())
        }
    }
}

/// The manual page: the main page followed by one section per command, all generated
/// from the clap definitions.
pub fn man_page() -> Result<String> {
    let cmd = args::command();
    let mut out = Vec::new();
    let fail = |e: std::io::Error| io_error("generating the manual page", e);
    clap_mangen::Man::new(cmd.clone())
        .render(&mut out)
        .map_err(fail)?;
    fn walk(cmd: &clap::Command, prefix: &str, out: &mut Vec<u8>) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = format!("{prefix} {}", sub.get_name());
            out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
            let sub = sub.clone().bin_name(name.clone());
            clap_mangen::Man::new(sub.clone()).render_description_section(out)?;
            clap_mangen::Man::new(sub.clone()).render_synopsis_section(out)?;
            clap_mangen::Man::new(sub.clone()).render_options_section(out)?;
            if let Some(after) = sub.get_after_help() {
                out.extend_from_slice(
                    format!(
                        ".PP\n.nf\n{}\n.fi\n",
                        after.to_string().replace('\\', "\\\\")
                    )
                    .as_bytes(),
                );
            }
            walk(&sub, &name, out)?;
        }
        Ok(())
    }
    walk(&cmd, "sealroom", &mut out).map_err(fail)?;
    String::from_utf8(out).map_err(|_| Error::io("the manual page is not UTF-8"))
}

fn card_json(card: &Card) -> serde_json::Value {
    serde_json::json!({
        "name": card.name(),
        "age": card.recipient(),
        "ed25519": card.verifying_key_b64(),
        "fingerprint": card.fingerprint().short(),
        "card": card.to_text(),
    })
}

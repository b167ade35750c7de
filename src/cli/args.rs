//! The command-line grammar (clap). Names and flags follow DESIGN.md's contract.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// sealroom: a confidentiality vault for mediation cases.
#[derive(Debug, Parser)]
#[command(
    name = "sealroom",
    version,
    about = "A confidentiality vault for mediation cases",
    long_about = "sealroom keeps a mediation's confidential documents: each deposit is encrypted \
under its own key and readable only by the people the case's rules allow; every act is signed \
and recorded in the case log.",
    after_help = "Start here:\n  sealroom demo                                  run a whole case end to end\n  sealroom init                                  make a vault\n  sealroom keygen --name 'Ana Ruiz' -o ana.id    make your identity\n\nThe vault is --vault DIR, SEALROOM_VAULT, or $XDG_DATA_HOME/sealroom.\nPassphrases: SEALROOM_PASSPHRASE when it is set (even on a terminal), else a prompt.\nExit codes: 0 ok, 1 refused by the case's rules, 2 bad usage, 3 integrity failure,\n4 not found, 5 wrong key or passphrase, 6 system error,\n7 archive destroyed (verify it with its certificate)."
)]
pub struct Cli {
    /// The vault: a folder, or a vault service's address (https://HOST[:PORT]).
    #[arg(long, global = true, env = "SEALROOM_VAULT", value_name = "DIR|URL")]
    pub vault: Option<PathBuf>,

    /// The key pin of the vault service (sha256//…, as `sealroom serve` prints it);
    /// needed once, until it is kept in your member state (joining from an invitation
    /// keeps it).
    #[arg(long, global = true, env = "SEALROOM_SERVER_PIN", value_name = "PIN")]
    pub server_pin: Option<String>,

    /// Your identity file: who is acting.
    #[arg(
        short = 'i',
        long,
        global = true,
        env = "SEALROOM_IDENTITY",
        value_name = "FILE"
    )]
    pub identity: Option<PathBuf>,

    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// Write the receipt of this act to FILE (default: your receipts folder,
    /// $XDG_STATE_HOME/sealroom/receipts/).
    #[arg(long, global = true, value_name = "FILE")]
    pub receipt: Option<PathBuf>,

    /// On failure, also print the chain of causes.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a new, empty vault (never touches an existing one).
    #[command(after_help = "Examples:\n  sealroom init --vault /srv/sealroom\n  \
AWS_ENDPOINT_URL=https://s3.example.org sealroom init --vault /etc/sealroom/vault \\\n      \
--database postgres://sealroom@db.example.org/sealroom --blobs s3://sealroom-vault/bodies\n\n\
With --database and --blobs the vault is a scale-out one, for `sealroom serve` on several\n\
machines: its records go to an empty PostgreSQL database, its bodies to an existing bucket\n\
of an S3-compatible object store (endpoint, region and credentials from the usual AWS_*\n\
variables), and the folder keeps only its log key and backends.toml, which names the two;\n\
copy that folder to every machine that serves the vault. See docs/deploy.md.")]
    Init {
        /// A scale-out vault's records: an empty PostgreSQL database
        /// (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE).
        #[arg(long, value_name = "URL", requires = "blobs")]
        database: Option<String>,
        /// A scale-out vault's bodies: s3://BUCKET[/PREFIX] (the bucket must exist).
        #[arg(long, value_name = "URL", requires = "database")]
        blobs: Option<String>,
    },

    /// Make a new identity file and print its card.
    #[command(
        after_help = "Examples:\n  sealroom keygen --name 'Ana Ruiz' -o ana.id > ana.card\n  \
SEALROOM_PASSPHRASE=... sealroom keygen --name 'Ana Ruiz' -o ana.id   (no terminal)\n  \
sealroom keygen --name 'Batch robot' -o robot.id --no-passphrase\n\n\
The passphrase is checked for strength (zxcvbn): one that could be guessed in fewer than\n\
about 10^10 tries is refused, or asked again at a terminal, unless --allow-weak-passphrase.\n\
The identity file is secret: keep it, and its passphrase, to yourself.\n\
The card it prints is public: send it to the case's registrar."
    )]
    Keygen {
        /// Your name as it will appear in cases.
        #[arg(long)]
        name: String,
        /// Where to write the identity (must not exist).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Write the identity unencrypted (for automation, like `age-keygen`).
        #[arg(long)]
        no_passphrase: bool,
        /// Accept a passphrase the strength check finds easy to guess.
        #[arg(long, conflicts_with = "no_passphrase")]
        allow_weak_passphrase: bool,
    },

    /// Change, add or remove the passphrase of an identity file (-i FILE), in place.
    #[command(after_help = "Examples:\n  sealroom passwd -i ana.id\n  \
SEALROOM_PASSPHRASE=old SEALROOM_NEW_PASSPHRASE=new sealroom passwd -i ana.id   (no terminal)\n\n\
The old passphrase is asked for (or SEALROOM_PASSPHRASE), then the new one twice (or\n\
SEALROOM_NEW_PASSPHRASE); a weak one is refused unless --allow-weak-passphrase. The new\n\
file is written beside the old one, read back and opened with the new passphrase, and\n\
only then replaces it in one step: an interruption leaves the old file as it was. The\n\
identity itself (keys, card) does not change, nor do the cases it belongs to. Backups of\n\
the old file still open with the old passphrase.")]
    Passwd {
        /// Remove the passphrase (the file is then readable by anyone who can read it).
        #[arg(long)]
        no_passphrase: bool,
        /// Accept a new passphrase the strength check finds easy to guess.
        #[arg(long, conflicts_with = "no_passphrase")]
        allow_weak_passphrase: bool,
    },

    /// Print the card (public half) of an identity.
    #[command(after_help = "Example:\n  sealroom card -i ana.id > ana.card")]
    Card,

    /// Keep a passphrase-protected identity open for a while (in the kernel keyring,
    /// never on disk), so later commands do not ask for the passphrase.
    #[command(
        after_help = "Example:\n  sealroom unlock -i ana.id --for 30m\n  sealroom list IOMed-2026-014 -i ana.id      (no passphrase asked)\n  sealroom lock -i ana.id\n\n\
Opening a passphrase-protected identity costs about a second and 256 MiB (age's scrypt\n\
work factor 2^18); unlock pays it once. The opened identity is kept in your user's\n\
kernel keyring (Linux), readable by your own processes only, until --for runs out or\n\
`sealroom lock` removes it. Changing or replacing the identity file ends its use."
    )]
    Unlock {
        /// How long to keep it open (e.g. 15m, 1h; at most 24h).
        #[arg(long = "for", value_name = "DURATION", default_value = "15m")]
        duration: String,
    },

    /// Forget an identity kept open by `unlock`.
    #[command(after_help = "Example:\n  sealroom lock -i ana.id")]
    Lock,

    /// Open, inspect, change and close cases.
    #[command(subcommand)]
    Case(CaseCommand),

    /// Deposit a document in a case; prints its number `#N`.
    #[command(
        after_help = "Examples:\n  sealroom deposit IOMed-2026-014 brief.pdf -i ana.id\n  \
sealroom deposit IOMed-2026-014 offer.docx --category caucus --title 'Settlement range' -i ana.id\n  \
sealroom deposit IOMed-2026-014 notes.txt --category mediator-note -i mediator.id\n\n\
Who can read it follows the category: caucus, brief and evidence reach your party and the\n\
mediators; settlement also every party and the archivist; procedural everyone in the case;\n\
mediator-note only the mediators."
    )]
    Deposit {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// The file to deposit (`-` for standard input).
        file: PathBuf,
        /// caucus, brief, evidence, settlement, procedural or mediator-note.
        #[arg(long, default_value = "brief", value_parser = categories())]
        category: String,
        /// A title (encrypted; defaults to the file name).
        #[arg(long)]
        title: Option<String>,
        /// Disclosure always needs your party's consent, whatever the case policy.
        #[arg(long)]
        confidential: bool,
        /// Briefs and evidence: readable by every party at once.
        #[arg(long)]
        share_with_all: bool,
        /// The party you deposit for, if you belong to several.
        #[arg(long, value_name = "LABEL")]
        as_party: Option<String>,
    },

    /// List the documents of a case you can read, titles decrypted.
    #[command(after_help = "Examples:\n  sealroom list IOMed-2026-014 -i ana.id\n  \
sealroom list IOMed-2026-014 --party respondent --category evidence -i mediator.id\n  \
sealroom list IOMed-2026-014 --actor 'Chen Wei' --since 2026-11-01 --until 2026-11-30 -i mediator.id\n\n\
Filters combine (a document must match all of them); they use only the public facts of\n\
the log, so documents left out are never decrypted.")]
    List {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// Which documents or entries to show.
        #[command(flatten)]
        filter: FilterArgs,
    },

    /// Read a document: checks the depositor's signature and the body's hash.
    #[command(
        after_help = "Examples:\n  sealroom read IOMed-2026-014 '#3' -o brief.pdf -i ana.id\n  \
sealroom read IOMed-2026-014 3 -i ana.id | less\n\n\
With -o the file appears only when every check passed; without -o the document goes to\n\
standard output and a failed check ends in an error and a non-zero exit. A document that\n\
is not text is not written to a terminal unless you add --force."
    )]
    Read {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// Document number, `4` or `#4`.
        #[arg(value_name = "NUM")]
        num: String,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace an existing -o FILE; without -o, write a document that is not text
        /// to the terminal anyway.
        #[arg(long)]
        force: bool,
        /// Flush -o FILE to the disk before giving it its name, so that it survives a
        /// power cut (slower; the vault keeps the document either way).
        #[arg(long, requires = "output")]
        sync: bool,
    },

    /// Consent, as a member of the owner party, to a document going to another party
    /// (or, with `--to external`, leaving the case by export).
    #[command(
        after_help = "Examples:\n  sealroom consent IOMed-2026-014 4 --to respondent -i ana.id\n  \
sealroom consent IOMed-2026-014 4 --to external -i ana.id       (a mediator may export it)\n\n\
Consent is per document and per receiving party. It lets a mediator disclose the document\n\
to that party (under the consent policy, and for caucus or confidential documents under any\n\
policy); `--to external` lets a mediator export it out of the case on the same terms. A\n\
later `revoke --from` that party (or `--from external`) withdraws it."
    )]
    Consent {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// Document number, `4` or `#4`.
        #[arg(value_name = "NUM")]
        num: String,
        /// The party the document may go to, or `external` for an export.
        #[arg(long, value_name = "LABEL")]
        to: String,
    },

    /// Give every member of a party access to a document, as the case's rules allow.
    #[command(
        after_help = "Examples:\n  sealroom disclose IOMed-2026-014 4 --to respondent -i mediator.id\n  \
sealroom disclose IOMed-2026-014 2 --to respondent -i ana.id      (an owner discloses its own)\n\n\
Who may disclose: a member of the owner party, always; a mediator under the consent policy\n\
only with the owner party's consent for that party, under the discretion policy freely\n\
except caucus and confidential documents, which always need consent. A mediator-note is\n\
never disclosed to a party."
    )]
    Disclose {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// Document number, `4` or `#4`.
        #[arg(value_name = "NUM")]
        num: String,
        /// The receiving party.
        #[arg(long, value_name = "LABEL")]
        to: String,
    },

    /// Remove a party's access to a document (an owner-party member or a mediator).
    #[command(
        after_help = "Examples:\n  sealroom revoke IOMed-2026-014 4 --from respondent -i ana.id\n  \
sealroom revoke IOMed-2026-014 4 --from respondent --rekey -i mediator.id\n\n\
Revoking removes future access only: what was already read cannot be unread. With --rekey\n\
the document is re-encrypted under a new key, so a copy of an old key wrap opens nothing."
    )]
    Revoke {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// Document number, `4` or `#4`.
        #[arg(value_name = "NUM")]
        num: String,
        /// The party whose access is removed (`external`: withdraw a consent to export).
        #[arg(long, value_name = "LABEL")]
        from: String,
        /// Also re-encrypt the document under a new key for those who keep access.
        #[arg(long)]
        rekey: bool,
    },

    /// Export a document as a standard age file for an outside recipient (its owner
    /// party, or a mediator as the case's rules allow).
    #[command(
        after_help = "Examples:\n  sealroom export IOMed-2026-014 4 --recipient age1... -o brief.pdf.age -i ana.id\n  \
age -d -i court.key brief.pdf.age > brief.pdf\n  \
sealroom export IOMed-2026-014 4 --recipient \"$(cat counsel_ed25519.pub)\" -o brief.pdf.age -i ana.id\n  \
age -d -i ~/.ssh/id_ed25519 brief.pdf.age > brief.pdf\n\n\
The file holds the original bytes (not compressed), encrypted with age to the recipient.\n\
Each export is a signed act in the case log that names the recipient. Export is\n\
disclosure outside the case: members of the owner party may export its documents; a\n\
mediator needs the owner's consent (`sealroom consent REF NUM --to external`) wherever a\n\
disclosure to a party would need it; a mediator-note is exported only by its author;\n\
nobody else exports."
    )]
    Export {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// Document number, `4` or `#4`.
        #[arg(value_name = "NUM")]
        num: String,
        /// The recipient to encrypt to: an age recipient (`age1…`) or an SSH public key
        /// line (`ssh-ed25519 …`, `ssh-rsa …`).
        #[arg(long, value_name = "AGE_RECIPIENT")]
        recipient: String,
        /// Where to write the age file.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
        /// Flush FILE to the disk before giving it its name, so that it survives a
        /// power cut (slower).
        #[arg(long)]
        sync: bool,
    },

    /// Give one member access to documents they are entitled to (a current reader):
    /// later co-counsel, a replacement identity, a newcomer to a party that was
    /// disclosed a document.
    #[command(
        after_help = "Examples:\n  sealroom grant IOMed-2026-014 2 4 --to-member dana.card -i ana.id\n  \
sealroom grant IOMed-2026-014 --all --to-member dana.card -i ana.id\n\n\
A member is entitled to their own party's documents, to documents disclosed to their\n\
party, and to what their role reads by the category table; anything else needs a\n\
disclosure (and consent where the rules ask). --all grants every document you can read\n\
that they are entitled to and cannot read yet. Each grant is a signed act in the log."
    )]
    Grant {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// Document numbers, `4` or `#4`.
        #[arg(
            value_name = "NUM",
            required_unless_present = "all",
            conflicts_with = "all"
        )]
        nums: Vec<String>,
        /// The member's card.
        #[arg(long, value_name = "CARD")]
        to_member: PathBuf,
        /// Every document you can read that they are entitled to.
        #[arg(long)]
        all: bool,
    },

    /// Re-encrypt documents under new keys for their readers who are still members, so
    /// keys kept by removed members open nothing current (a current reader).
    #[command(
        after_help = "Examples:\n  sealroom rekey IOMed-2026-014 --all -i mediator.id\n  \
sealroom rekey IOMed-2026-014 3 -i ana.id\n\n\
--all re-keys every document you can read that a removed member could read. What was\n\
already read cannot be unread."
    )]
    Rekey {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// Document numbers, `4` or `#4`.
        #[arg(
            value_name = "NUM",
            required_unless_present = "all",
            conflicts_with = "all"
        )]
        nums: Vec<String>,
        /// Every document you can read that a removed member could read.
        #[arg(long)]
        all: bool,
    },

    /// Seal a closed case into one archive file (the archivist).
    #[command(
        after_help = "Example:\n  sealroom seal IOMed-2026-014 --retain-until 2036-12-31 -o IOMed-2026-014.sealed -i archivist.id\n\n\
The archive holds the charter, the whole signed log, every surviving ciphertext, the escrow\n\
wraps and the custodians' encrypted shares, with a manifest you sign. It is verified before\n\
anything changes in the vault; then live access is shredded: party and mediator key wraps\n\
go, mediator notes are destroyed (their hashes stay in the log), and only settlement and\n\
procedural documents stay readable (by the parties and you). Copy the archive to the\n\
institution's records storage."
    )]
    Seal {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// Last day the archive must be kept (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        retain_until: String,
        /// Where to write the archive (must not exist).
        #[arg(short, long, value_name = "ARCHIVE")]
        output: PathBuf,
    },

    /// Verify, show, release, open and destroy sealed archives.
    #[command(subcommand)]
    Archive(ArchiveCommand),

    /// Show a case's history; with --verify, check the whole log.
    #[command(
        after_help = "Examples:\n  sealroom log IOMed-2026-014\n  sealroom log IOMed-2026-014 --verify\n  \
sealroom log IOMed-2026-014 --party claimant --since 2026-11-01\n  \
sealroom log IOMed-2026-014 --refusals\n\n\
Filters combine: --party keeps entries by that party's members or about its documents,\n\
--category entries about documents of that category, --actor one member's entries.\n\
--refusals lists the attempts the vault refused (who tried what, and why), which the\n\
members' log cannot hold: each is signed by the vault's operator key, not by a member.\n\n\
--verify checks every statement's signature against the charter, replays every act against\n\
the case's rules (consent where needed), compares every key wrap in the vault with what the\n\
log authorised, and checks the Merkle root against the vault's signed checkpoint. It says\n\
OK or names the first bad entry."
    )]
    Log {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// Verify the whole log instead of printing it.
        #[arg(long, conflicts_with = "refusals")]
        verify: bool,
        /// List the refused attempts recorded for this case instead of its history.
        #[arg(long)]
        refusals: bool,
        /// Which documents or entries to show.
        #[command(flatten)]
        filter: FilterArgs,
    },

    /// Check or fetch receipts.
    #[command(subcommand)]
    Receipt(ReceiptCommand),

    /// Show or check a case's checkpoint: what members compare to catch a vault that
    /// shows them different histories.
    #[command(subcommand)]
    Checkpoint(CheckpointCommand),

    /// Check the whole vault: database, every blob's hash, references, every case log
    /// and the vault's records of refused attempts.
    #[command(
        after_help = "Examples:\n  sealroom doctor\n  sealroom doctor --repair\n  sealroom doctor --repair --grace 0   # the service is stopped\n\n\
Exits 3 if it finds damage or tampering, naming each. Bodies and temp files that nothing\n\
refers to are leftovers of interrupted commands: harmless, reported, and removed by\n\
--repair (which removes nothing else) once they are older than the grace period. An act\n\
stores its body before its record commits, so on a vault in use a young leftover may be\n\
an act under way; give --grace 0 only when nothing is running. Cautions (a bucket that\n\
keeps old versions, so erasure is not erasure) are printed, not failed."
    )]
    Doctor {
        /// Remove unreferenced blobs and temp files (and nothing else).
        #[arg(long)]
        repair: bool,
        /// With --repair: leave leftovers younger than this alone (`30m`, `2h`, `1d`;
        /// `0` removes all).
        #[arg(long, value_name = "AGE", default_value = "1d", value_parser = parse_grace, requires = "repair")]
        grace: std::time::Duration,
    },

    /// Back up or restore a whole vault (the operator).
    #[command(subcommand)]
    Vault(VaultCommand),

    /// Serve the vault (--vault DIR) to members across the network, over HTTPS.
    #[command(
        after_help = "Examples:\n  sealroom serve --vault /srv/sealroom --listen 0.0.0.0:8443 --registrar registrar.card\n  sealroom serve --config /etc/sealroom/serve.toml\n\n\
Members then use --vault https://HOST:8443 with every command, and the key pin this prints\n\
(once: their member state keeps it; invitations carry it). The service is trusted only to\n\
keep the vault available: members encrypt, sign and verify on their own machines; the\n\
service checks each act's signatures and the case's rules, appends, signs the checkpoint,\n\
and serves a case's data only to that case's members. Only the registrars named here (or\n\
in the configuration) may open cases.\n\n\
Without --tls-cert/--tls-key it makes a self-signed certificate once, keeps it in the\n\
vault's service/ folder, and prints its key pin. --json prints one status line (listen\n\
address, url, pin, vault_id, log_verifier) when it is ready. It stops on SIGINT or SIGTERM.\n\
See docs/deploy.md."
    )]
    Serve {
        /// Where to listen (HOST:PORT; port 0 picks a free one) [default: 127.0.0.1:8443].
        #[arg(long, value_name = "HOST:PORT")]
        listen: Option<String>,
        /// A configuration file (TOML: listen, vault, registrars, tls_cert, tls_key,
        /// database, blobs, [limits]); flags override it.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The card of a registrar of the institution, who may open cases (repeatable).
        #[arg(long = "registrar", value_name = "CARD")]
        registrars: Vec<PathBuf>,
        /// The certificate chain (PEM) to serve.
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The key (PEM) of --tls-cert.
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve plain HTTP, only on a loopback address (behind a TLS-terminating proxy on
        /// the same machine).
        #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
        plain_http: bool,
        /// Serve a scale-out vault whose records are in this PostgreSQL database (in
        /// place of what the vault folder's backends.toml names).
        #[arg(long, value_name = "URL", requires = "blobs")]
        database: Option<String>,
        /// ... and whose bodies are in this bucket: s3://BUCKET[/PREFIX].
        #[arg(long, value_name = "URL", requires = "database")]
        blobs: Option<String>,
    },

    /// Print shell completions, generated from this command line's own definition.
    #[command(
        after_help = "Examples:\n  sealroom completions bash > /etc/bash_completion.d/sealroom\n  sealroom completions zsh > ~/.zfunc/_sealroom\n  sealroom completions fish > ~/.config/fish/completions/sealroom.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the manual page (roff), generated from this command line's own definition.
    #[command(after_help = "Example:\n  sealroom man > sealroom.1 && man ./sealroom.1")]
    Man,

    /// Run a whole small case end to end in a fresh vault, narrating each step.
    #[command(
        after_help = "Examples:\n  sealroom demo --dir /tmp/sealroom-demo\n  sealroom demo --remote"
    )]
    Demo {
        /// Folder for the demo's vault and identities (default: a temporary folder).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Serve the vault on 127.0.0.1 (HTTPS, a self-signed key pinned) and have every
        /// person reach it across the network, as members abroad do.
        #[arg(long)]
        remote: bool,
    },
}

/// The commands acting as someone: they take `-i/--identity`.
const TAKES_IDENTITY: &[&str] = &[
    "card",
    "unlock",
    "lock",
    "passwd",
    "deposit",
    "list",
    "read",
    "consent",
    "disclose",
    "revoke",
    "export",
    "grant",
    "rekey",
    "seal",
    "case open",
    "case add-member",
    "case remove-member",
    "case replace-member",
    "case close",
    "case invite",
    "archive release",
    "archive open",
    "archive destroy",
];

/// The commands that add to a case log and so write a receipt (`--receipt`).
const WRITES_RECEIPT: &[&str] = &[
    "deposit",
    "read",
    "consent",
    "disclose",
    "revoke",
    "export",
    "grant",
    "rekey",
    "seal",
    "case open",
    "case add-member",
    "case remove-member",
    "case replace-member",
    "case close",
    "archive destroy",
];

/// The commands that need no vault (`--vault` and `--server-pin` do not apply).
const NO_VAULT: &[&str] = &[
    "keygen",
    "card",
    "unlock",
    "lock",
    "passwd",
    "completions",
    "man",
    "demo",
    "archive verify",
    "archive show",
    "archive release",
    "archive open",
];

/// The commands that need a vault folder, not a service (the operator's).
const LOCAL_ONLY: &[&str] = &["init", "doctor", "vault backup", "vault restore", "serve"];

/// The command line as `sealroom` parses, documents and completes it: the derived
/// definition, with each global option hidden from the help of the commands it does
/// not apply to (so `keygen --help` shows no `-i` or `--receipt`).
pub fn command() -> clap::Command {
    let cmd = <Cli as clap::CommandFactory>::command();
    // clap copies each global option into every subcommand when it builds the command
    // line, unless the subcommand has it already: so copy them first, hidden where they
    // do not apply.
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    fn applies(id: &str, command: &str) -> bool {
        match id {
            "identity" => TAKES_IDENTITY.contains(&command),
            "receipt" => WRITES_RECEIPT.contains(&command),
            "vault" => !NO_VAULT.contains(&command),
            "server_pin" => !NO_VAULT.contains(&command) && !LOCAL_ONLY.contains(&command),
            _ => true,
        }
    }
    fn walk(cmd: clap::Command, path: &str, globals: &[clap::Arg]) -> clap::Command {
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        let mut cmd = cmd;
        for name in names {
            let full = if path.is_empty() {
                name.clone()
            } else {
                format!("{path} {name}")
            };
            cmd = cmd.mut_subcommand(&name, |sub| {
                let leaf = sub.get_subcommands().next().is_none();
                let mut sub = sub;
                for (k, g) in globals.iter().enumerate() {
                    let id = g.get_id().as_str();
                    if sub.get_arguments().all(|a| a.get_id() != id) {
                        let shown = !leaf || applies(id, &full);
                        // After the command's own options, in their usual order.
                        sub = sub.arg(g.clone().hide(!shown).display_order(1000 + k));
                    }
                }
                walk(sub, &full, globals)
            });
        }
        cmd
    }
    walk(cmd, "", &globals)
}

/// `--category` values, with what each means (shown by shell completion).
pub fn categories() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("caucus")
            .help("your party and the mediators; disclosed only with consent"),
        PossibleValue::new("brief").help("your party and the mediators"),
        PossibleValue::new("evidence").help("your party and the mediators"),
        PossibleValue::new("settlement").help("every party, the mediators and the archivist"),
        PossibleValue::new("procedural").help("everyone in the case"),
        PossibleValue::new("mediator-note").help("the mediators only"),
    ])
}

/// The filters of `list` and `log`.
#[derive(Debug, Default, Args)]
pub struct FilterArgs {
    /// Only this party's documents (log: entries by its members or about its documents).
    #[arg(long, value_name = "LABEL")]
    pub party: Option<String>,
    /// Only documents of this category (log: entries about them).
    #[arg(long, value_parser = categories())]
    pub category: Option<String>,
    /// Only what this member did: their name, or the start of their fingerprint (hex).
    #[arg(long, value_name = "NAME|FPR")]
    pub actor: Option<String>,
    /// Only from this day (YYYY-MM-DD) or time (RFC 3339) on.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only up to this day (included) or time.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

impl FilterArgs {
    /// The library's filter.
    pub fn to_filter(&self) -> crate::error::Result<crate::vault::Filter> {
        crate::vault::Filter::parse(
            self.party.as_deref(),
            self.category.as_deref(),
            self.actor.as_deref(),
            self.since.as_deref(),
            self.until.as_deref(),
        )
    }
}

/// The archive commands.
#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Check an archive with no vault and no key: every member, every signature, the log.
    #[command(
        after_help = "Examples:\n  sealroom archive verify IOMed-2026-014.sealed\n  sealroom archive verify IOMed-2026-014.sealed --certificate destroyed.cert\n\n\
Exit codes: 0 the archive is intact (with --certificate: destroyed exactly as certified);\n\
3 it is damaged or was tampered with (the message names the first problem); 7 its key\n\
material was destroyed on the date given and the rest is intact: verify the destruction\n\
with the certificate the archivist wrote (--certificate)."
    )]
    Verify {
        /// The archive file.
        archive: PathBuf,
        /// A destruction certificate: its key material may then be absent.
        #[arg(long, value_name = "CERTIFICATE")]
        certificate: Option<PathBuf>,
    },
    /// Describe an archive: parties, dates, retention, documents (no confidential data);
    /// with --ledger, also who released shares, opened it or destroyed it.
    #[command(
        after_help = "Examples:\n  sealroom archive show IOMed-2026-014.sealed\n  sealroom archive show IOMed-2026-014.sealed --ledger\n\n\
The ledger (ARCHIVE.ledger beside the archive, or --ledger FILE) holds one line per share\n\
release, opening and destruction, each signed by whoever acted and chained to the line\n\
before it; --ledger checks every line and prints them, or names the first bad one."
    )]
    Show {
        /// The archive file.
        archive: PathBuf,
        /// A destruction certificate, for a destroyed archive.
        #[arg(long, value_name = "CERTIFICATE")]
        certificate: Option<PathBuf>,
        /// Also check and print the archive's ledger (default file: ARCHIVE.ledger).
        #[arg(
            long,
            value_name = "FILE",
            num_args = 0..=1,
            default_missing_value = "",
            value_parser = clap::value_parser!(std::ffi::OsString)
        )]
        ledger: Option<std::ffi::OsString>,
    },
    /// Release your escrow share (as a custodian, -i) to a requester's card.
    #[command(
        after_help = "Example:\n  sealroom archive release IOMed-2026-014.sealed --to court-clerk.card -o share-c1.release -i c1.id\n\n\
The release is recorded first, signed by you, in the archive's ledger (ARCHIVE.ledger, or\n\
--ledger FILE): no share leaves unrecorded. Send the ledger line to the institution with\n\
the release if your copy of the archive is not theirs."
    )]
    Release {
        /// The archive file.
        archive: PathBuf,
        /// The requester's card.
        #[arg(long, value_name = "CARD")]
        to: PathBuf,
        /// Where to write the release (must not exist).
        #[arg(short, long, value_name = "SHARE")]
        output: PathBuf,
        /// The archive's ledger, where the release is recorded (default: ARCHIVE.ledger).
        #[arg(long, value_name = "FILE")]
        ledger: Option<PathBuf>,
    },
    /// Open an archive with enough released shares (you, -i, are the requester).
    #[command(
        after_help = "Example:\n  sealroom archive open IOMed-2026-014.sealed --share s1.release --share s3.release -o opened/ -i clerk.id\n\n\
Writes every escrowed and retained document, named by its title, and INDEX.txt/INDEX.json\n\
into a new folder, only if every check passed, and records the opening (you, the shares\n\
used) in the archive's ledger (ARCHIVE.ledger, or --ledger FILE), signed by you; if it\n\
cannot be recorded, the folder is removed again."
    )]
    Open {
        /// The archive file.
        archive: PathBuf,
        /// A share release made out to you (repeat).
        #[arg(long = "share", value_name = "SHARE", required = true)]
        shares: Vec<PathBuf>,
        /// The folder to create.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// The archive's ledger, where the opening is recorded (default: ARCHIVE.ledger).
        #[arg(long, value_name = "FILE")]
        ledger: Option<PathBuf>,
    },
    /// Destroy an archive's key material after its retention date (the archivist).
    #[command(
        after_help = "Example:\n  sealroom archive destroy IOMed-2026-014.sealed -o IOMed-2026-014.destroyed.cert -i archivist.id\n\n\
Refused before the retention date. Writes a signed certificate, then rewrites the archive\n\
without the custodians' shares and key wraps, so nothing in it can be opened again. Copies\n\
of the archive elsewhere must be disposed of by the institution (see docs/guide-archivist.md)."
    )]
    Destroy {
        /// The archive file (rewritten in place).
        archive: PathBuf,
        /// Where to write the certificate (must not exist).
        #[arg(short, long, value_name = "CERTIFICATE")]
        output: PathBuf,
        /// The archive's ledger, where the destruction is recorded (default:
        /// ARCHIVE.ledger).
        #[arg(long, value_name = "FILE")]
        ledger: Option<PathBuf>,
    },
}

/// The vault commands.
#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Copy the vault (--vault) to a new folder, consistently, and check the copy.
    #[command(
        after_help = "Example:\n  sealroom vault backup /backup/sealroom-2026-11-30 --vault /srv/sealroom\n\n\
The copy is taken while the vault runs: acts wait for the moment it takes (reads of the\n\
database and bodies go on). It holds the database (SQLite's online backup), every body\n\
the database refers to and the log key, is checked in full like `sealroom doctor`, and\n\
only then appears under DIR. Everything in it stays encrypted, but the log key signs\n\
the vault's checkpoints: keep backups as safe as the vault."
    )]
    Backup {
        /// The new folder for the copy (must not exist, or be empty).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Make a vault (--vault) from a backup, checking the backup first and the result
    /// after.
    #[command(
        after_help = "Example:\n  sealroom vault restore /backup/sealroom-2026-11-30 --vault /srv/sealroom\n\n\
Refuses to overwrite: the destination must not exist (or be an empty folder). A backup\n\
older than the vault it replaces rolls the case logs back; members who acted since then\n\
will find their pins refuse the older history, as they should: tell them what happened."
    )]
    Restore {
        /// The backup folder.
        #[arg(value_name = "BACKUP")]
        backup: PathBuf,
    },
    /// Copy a whole vault to other storage: a vault folder, or PostgreSQL and an
    /// S3-compatible bucket (a scale-out vault), either way.
    #[command(
        after_help = "Examples:\n  sealroom vault copy --from /srv/sealroom --to /srv/sealroom-pg \\\n      --database postgres://sealroom@db.internal/sealroom --blobs s3://sealroom-vault/bodies\n  sealroom vault copy --from /srv/sealroom-pg --to /srv/sealroom-folder\n\n\
A scale-out vault is named by its folder, which keeps its log key and backends.toml;\n\
--database and --blobs make the copy a scale-out vault on that empty database and\n\
existing bucket (endpoint, region and credentials from AWS_*), without them it is a vault\n\
folder. Every statement, checkpoint, refusal record and body is copied byte for byte\n\
with the same log key, so members' pins and receipts stay good; the copy is then checked\n\
like `sealroom doctor` and its logs compared with the source's before DIR appears.\n\
Each case is copied under its own lock; to move a vault in service, stop the service\n\
first, copy, then serve the copy."
    )]
    Copy {
        /// The vault to copy (a vault folder, or a scale-out vault's folder).
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// The new folder for the copy (must not exist, or be empty).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// Make the copy a scale-out vault with its records in this empty PostgreSQL
        /// database.
        #[arg(long, value_name = "URL", requires = "blobs")]
        database: Option<String>,
        /// ...and its bodies in this bucket (s3://BUCKET[/PREFIX]).
        #[arg(long, value_name = "URL", requires = "database")]
        blobs: Option<String>,
    },
}

/// The checkpoint commands.
#[derive(Debug, Subcommand)]
pub enum CheckpointCommand {
    /// Print the case's checkpoint as you verify it now, signed by the vault's log key:
    /// send it to the other members (it holds no confidential data).
    #[command(
        after_help = "Example:\n  sealroom checkpoint show IOMed-2026-014 > checkpoint.txt\n\nThe checkpoint is a few lines of text: paste it into an e-mail as it is. Each member who\nreceives it runs `sealroom checkpoint check REF FILE`."
    )]
    Show {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
    },
    /// Check a checkpoint another member sent you against the log the vault shows you:
    /// it must be signed by the vault's log key and be a prefix of your log.
    #[command(
        after_help = "Example:\n  sealroom checkpoint check IOMed-2026-014 mail-from-the-respondent.txt\n\nThe file may be the whole e-mail; the checkpoint is found in it. Exits 3 if the vault has\nshown the two of you different histories (a fork) or withholds entries from you: then do\nnot act in the case, keep both checkpoints and tell the registrar."
    )]
    Check {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// The text holding the other member's checkpoint (`-` for standard input).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// The receipt commands.
#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Check a receipt: its inclusion proof and checkpoint signature, and that the
    /// vault's current log still contains it, unrewritten (consistency proof).
    #[command(
        after_help = "Example:\n  sealroom receipt verify ~/.local/state/sealroom/receipts/….json --vault /srv/sealroom\n\nA bare file name not in the current folder is looked for in your receipts folder\n($XDG_STATE_HOME/sealroom/receipts), then in the one used before it\n($XDG_DATA_HOME/sealroom/receipts)."
    )]
    Verify {
        /// The receipt file.
        #[arg(value_name = "RECEIPT")]
        file: PathBuf,
        /// Check only the receipt itself, without a vault.
        #[arg(long)]
        offline: bool,
    },
    /// Fetch the receipt of a log entry again (e.g. if writing it failed).
    #[command(
        after_help = "Example:\n  sealroom receipt get IOMed-2026-014 4 -o deposit-4.json\n\nA receipt fetched today proves today's log only: keep the ones written at the time."
    )]
    Get {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// The entry's position in the case log.
        #[arg(value_name = "INDEX")]
        index: u64,
        /// Where to write it (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// The case commands.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a case; you (-i) become its registrar and sign its charter.
    #[command(
        after_help = "Example:\n  sealroom case open IOMed-2026-014 -i registrar.id \\\n    \
--mediator mediator.card --party claimant=ana.card --party claimant=ben.card \\\n    \
--party respondent=chen.card --archivist archivist.card \\\n    \
--custodian c1.card --custodian c2.card --custodian c3.card --threshold 2\n\n\
The case escrow key is made, split so that --threshold custodians together can open the\n\
sealed archive, each share encrypted to its custodian, and the whole key wiped. With no\n\
custodians the archivist alone holds it."
    )]
    Open {
        /// Case reference (letters, digits, - _ . / :).
        #[arg(value_name = "REF")]
        reference: String,
        /// A mediator's card (repeat for co-mediators).
        #[arg(long, value_name = "CARD", required = true)]
        mediator: Vec<PathBuf>,
        /// A party member: LABEL=CARD (repeat a label for co-counsel).
        #[arg(long, value_name = "LABEL=CARD", required = true)]
        party: Vec<String>,
        /// The archivist's card.
        #[arg(long, value_name = "CARD")]
        archivist: PathBuf,
        /// A custodian's card (repeat; holds one share of the escrow key).
        #[arg(long, value_name = "CARD")]
        custodian: Vec<PathBuf>,
        /// How many custodians must join to open the archive.
        #[arg(long, value_name = "M")]
        threshold: Option<u32>,
        /// Disclosure policy.
        #[arg(long, value_enum, default_value_t = PolicyArg::Consent)]
        policy: PolicyArg,
        /// A public title for the case.
        #[arg(long)]
        title: Option<String>,
    },
    /// Show a case: state, policy, members.
    #[command(after_help = "Example:\n  sealroom case show IOMed-2026-014")]
    Show {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
    },
    /// List the cases in the vault.
    #[command(after_help = "Example:\n  sealroom case list --vault /srv/sealroom")]
    List,
    /// Join a case: check its charter against the fingerprint the registrar gave you
    /// (or against the invitation the registrar signed), and pin it on this machine.
    #[command(
        after_help = "Examples:\n  sealroom case join IOMed-2026-014 --charter '3f2a 91c0 … 7d41'\n  sealroom case join IOMed-2026-014.invite --registrar iomed-registrar.card\n\n\
Every act in a case you have not joined is refused. Joining verifies the whole log and\n\
pins the vault's log key, the charter and the last checkpoint in your own state folder\n\
($XDG_STATE_HOME/sealroom, default ~/.local/state/sealroom); before each later act your\n\
copy of sealroom checks that the vault's log still extends what you verified, so a\n\
rewritten or truncated history is refused. The registrar's `case open` pins the case\n\
for the registrar and prints the fingerprint to pass on (by a channel other than the\n\
vault: read it out on the phone, or send it signed). An invitation file (`case invite`)\n\
carries it signed by the registrar: give --registrar the registrar's card as the\n\
institution publishes it, or compare the fingerprint `case join` prints."
    )]
    Join {
        /// Case reference, or an invitation file from the registrar.
        #[arg(value_name = "REF|INVITATION")]
        reference: String,
        /// The charter fingerprint from the registrar (64 hex digits; spaces allowed).
        #[arg(long, value_name = "FP", conflicts_with = "registrar")]
        charter: Option<String>,
        /// With an invitation: the registrar's card you trust; the invitation must be
        /// signed by it.
        #[arg(long, value_name = "CARD")]
        registrar: Option<PathBuf>,
        /// Pin whatever charter the vault shows now, unchecked (a warning is printed):
        /// only if you cannot get the fingerprint and accept that a vault operator
        /// could have replaced the case.
        #[arg(long, conflicts_with_all = ["charter", "registrar"])]
        trust_on_first_use: bool,
    },
    /// Invite a member to a case (registrar only): a signed file with everything their
    /// machine pins when they join.
    #[command(
        after_help = "Example:\n  sealroom case invite IOMed-2026-014 --to dana.card -o dana.invite -i registrar.id\n\n\
The member must already be in the case (named at `case open` or added with\n\
`case add-member`). Send the file any way you like: it holds the vault's identity and\n\
log key and the charter fingerprint, nothing confidential, and it is signed by you. The\n\
member runs `sealroom case join FILE --registrar YOUR.card`."
    )]
    Invite {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// The member's card.
        #[arg(long, value_name = "CARD")]
        to: PathBuf,
        /// Where to write the invitation (never overwritten).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
        /// Where members reach the vault, as the invitation names it (default: this
        /// vault's folder).
        #[arg(long, value_name = "LOCATION")]
        location: Option<String>,
    },
    /// Add a party member or a mediator (registrar only).
    #[command(
        after_help = "Example:\n  sealroom case add-member IOMed-2026-014 --party respondent=dana.card -i registrar.id"
    )]
    AddMember(AddMemberArgs),
    /// Remove a party member or a mediator (registrar only): no new wraps, grants or
    /// acts for them from now on.
    #[command(
        after_help = "Examples:\n  sealroom case remove-member IOMed-2026-014 --party respondent=chen.card -i registrar.id\n  \
sealroom case remove-member IOMed-2026-014 --mediator m2.card --rekey -i registrar.id\n\n\
The removed member keeps the keys of what they could read: the command lists those\n\
documents. --rekey re-encrypts the ones you can read away from their key; any current\n\
reader re-keys the rest with `sealroom rekey REF --all`. The last member of a party and\n\
the last mediator cannot be removed: replace them (`case replace-member`)."
    )]
    RemoveMember(RemoveMemberArgs),
    /// Replace a lost or compromised identity by a new one in the same role (registrar
    /// only).
    #[command(
        after_help = "Example:\n  sealroom case replace-member IOMed-2026-014 --old ana-lost.card --new ana-2027.card -i registrar.id\n\n\
The new card gets the old one's role and party. What the old identity could read reaches\n\
the new one by grants: this command grants the documents you can read yourself and\n\
lists the rest; a member of the same party (or a mediator) then runs\n\
`sealroom grant REF --all --to-member NEW.card`, and any reader runs\n\
`sealroom rekey REF --all` so the old key opens nothing current."
    )]
    ReplaceMember {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
        /// The card of the identity to replace.
        #[arg(long, value_name = "CARD")]
        old: PathBuf,
        /// The card of the new identity.
        #[arg(long, value_name = "CARD")]
        new: PathBuf,
    },
    /// Close a case: no new deposits; reading still works (mediator or registrar).
    #[command(
        after_help = "Example:\n  sealroom case close IOMed-2026-014 -i mediator.id\n\nThe archivist can then seal it (sealroom seal)."
    )]
    Close {
        /// Case reference.
        #[arg(value_name = "REF")]
        reference: String,
    },
}

/// Arguments of `case add-member`.
#[derive(Debug, Args)]
pub struct AddMemberArgs {
    /// Case reference.
    #[arg(value_name = "REF")]
    pub reference: String,
    /// A new party member: LABEL=CARD.
    #[arg(long, value_name = "LABEL=CARD")]
    pub party: Option<String>,
    /// A new mediator's card.
    #[arg(long, value_name = "CARD")]
    pub mediator: Option<PathBuf>,
}

/// Arguments of `case remove-member`.
#[derive(Debug, Args)]
pub struct RemoveMemberArgs {
    /// Case reference.
    #[arg(value_name = "REF")]
    pub reference: String,
    /// The party member to remove: LABEL=CARD.
    #[arg(long, value_name = "LABEL=CARD")]
    pub party: Option<String>,
    /// The mediator to remove (their card).
    #[arg(long, value_name = "CARD")]
    pub mediator: Option<PathBuf>,
    /// Also re-encrypt the documents they could read (those you can read) away from
    /// their key.
    #[arg(long)]
    pub rekey: bool,
}

/// `--policy` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    /// Disclosure by a mediator needs the owner party's signed consent (ICSID r.17(4)).
    Consent,
    /// The mediator may disclose except caucus and confidential deposits (UNCITRAL art. 8).
    Discretion,
}

/// A grace period as `doctor --grace` takes it: `0`, or a number with a unit.
fn parse_grace(text: &str) -> Result<std::time::Duration, String> {
    if text.trim() == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    humantime::parse_duration(text)
        .map_err(|_| format!("`{text}` is not a duration; write e.g. 30m, 2h or 1d (0 for none)"))
}

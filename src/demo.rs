//! `sealroom demo`: a whole small case, end to end, in a fresh vault, narrated.
//!
//! Every step states what it does and is checked; the demo fails (non-zero exit) if any
//! step did not do what it says. It uses the same library calls the commands use, and
//! leaves identity files and cards behind so a person can carry on by hand.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{io_error, Error, ErrorKind, Result};
use crate::member::MemberState;
use crate::policy::{Category, Policy};
use crate::vault::{CaseSpec, DepositSpec, Vault};
use crate::Identity;

/// The case reference the demo uses.
pub const REFERENCE: &str = "DEMO-2026-001";

/// How the demo went.
#[derive(Debug, Default)]
pub struct Report {
    /// Steps checked.
    pub steps: usize,
    /// Steps that did not do what they said.
    pub failures: usize,
}

struct Narrator<'a> {
    out: &'a mut dyn Write,
    report: Report,
}

impl Narrator<'_> {
    fn say(&mut self, text: &str) -> Result<()> {
        writeln!(self.out, "{text}").map_err(|e| io_error("writing the demo's narration", e))
    }

    /// Record a step: `Ok(detail)` if it did what it says, `Err(why)` if not.
    fn check(&mut self, what: &str, outcome: std::result::Result<String, String>) -> Result<()> {
        self.report.steps += 1;
        let line = match outcome {
            Ok(detail) if detail.is_empty() => format!("  ok   {what}"),
            Ok(detail) => format!("  ok   {what}: {detail}"),
            Err(why) => {
                self.report.failures += 1;
                format!("  FAIL {what}: {why}")
            }
        };
        self.say(&line)
    }
}

fn expect_refusal<T>(res: Result<T>, kind: ErrorKind) -> std::result::Result<String, String> {
    match res {
        Ok(_) => Err("it was allowed".to_owned()),
        Err(e) if e.kind() == kind => Ok(format!("refused: \"{}\"", e.message())),
        Err(e) => Err(format!("refused for the wrong reason: {}", e.message())),
    }
}

fn spec(category: Category, title: &str, file_name: &str) -> DepositSpec {
    DepositSpec::new(file_name).category(category).title(title)
}

/// Run the demo in `dir` (a fresh temporary folder when `None`), narrating to `out`.
/// Where the demo's people reach the vault: its folder, or (with `--remote`) a vault
/// service on 127.0.0.1 that each person connects to as themselves.
struct Room {
    folder: PathBuf,
    state: PathBuf,
    /// The folder's one vault, shared by everyone (on one machine).
    local: Option<Vault>,
    /// The service, and each person's connection to it (by fingerprint).
    service: Option<sealroom_server::Running>,
    connections: std::collections::HashMap<String, Vault>,
}

impl Room {
    fn new(folder: &Path, state: PathBuf, remote: bool, registrar: &Identity) -> Result<Room> {
        let service = if remote {
            let config = sealroom_server::Config {
                listen: "127.0.0.1:0".to_owned(),
                vault: folder.to_owned(),
                registrars: vec![registrar.fingerprint()],
                tls: None,
                plain_http: false,
                limits: sealroom_server::Limits::default(),
                backends: None,
            };
            Some(sealroom_server::spawn(config).map_err(|why| {
                Error::io(format!("the demo's vault service did not start: {why}"))
            })?)
        } else {
            None
        };
        let local = match service {
            Some(_) => None,
            None => Some(Vault::open(folder)?.with_member_state(MemberState::new(&state))),
        };
        Ok(Room {
            folder: folder.to_owned(),
            state,
            local,
            service,
            connections: std::collections::HashMap::new(),
        })
    }

    /// The vault as `who` reaches it from the demo's machine.
    fn by(&mut self, who: &Identity) -> Result<&mut Vault> {
        if self.local.is_some() {
            return self
                .local
                .as_mut()
                .ok_or_else(|| Error::io("the demo's vault was lost"));
        }
        let key = who.fingerprint().to_hex();
        if !self.connections.contains_key(&key) {
            let v = self.machine(who, self.state.clone())?;
            self.connections.insert(key.clone(), v);
        }
        self.connections
            .get_mut(&key)
            .ok_or_else(|| Error::io("a demo connection was lost"))
    }

    /// The vault as `who` reaches it from another machine, whose member state is `state`.
    fn machine(&self, who: &Identity, state: PathBuf) -> Result<Vault> {
        let vault = match &self.service {
            None => Vault::open(&self.folder)?,
            Some(s) => {
                let location = crate::store::remote::Location::parse(&s.started.url)?;
                // The demo's people hold the key the service was started with; an
                // identity is reloaded for each connection (connections own theirs).
                let copy = Identity::from_file_bytes(&who.to_file_bytes(None)?, || {
                    Err(Error::usage("the demo's identities have no passphrase"))
                })?;
                Vault::connect(
                    location,
                    s.started.pin.as_deref(),
                    std::sync::Arc::new(copy),
                )?
            }
        };
        Ok(vault.with_member_state(MemberState::new(state)))
    }
}

pub fn run(dir: Option<&Path>, remote: bool, out: &mut dyn Write) -> Result<Report> {
    if let Some(d) = dir {
        let used = d
            .read_dir()
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(d.exists());
        if used {
            return Err(Error::refused(format!(
                "{} already exists and is not empty; the demo needs a new or empty folder so it never touches your files",
                d.display()
            )));
        }
    }
    let temp = match dir {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("sealroom-demo-")
                .tempdir()
                .map_err(|e| io_error("making a temporary folder for the demo", e))?,
        ),
    };
    let dir: PathBuf = match (&temp, dir) {
        (Some(t), _) => t.path().to_owned(),
        (None, Some(d)) => d.to_owned(),
        (None, None) => unreachable!("a folder is either given or made"),
    };
    let mut n = Narrator {
        out,
        report: Report::default(),
    };
    n.say(&format!(
        "sealroom demo: one mediation, from opening to close, in {}",
        dir.display()
    ))?;

    n.say("\n1. People make their identities (secret) and cards (public).")?;
    let ids_dir = dir.join("identities");
    std::fs::create_dir_all(&ids_dir).map_err(|e| io_error("creating the identities folder", e))?;
    let names = [
        ("registrar", "Rhea Okafor (IOMed registry)"),
        ("mediator", "Mateo Lindqvist"),
        ("claimant", "Ana Ruiz (for Claimant Ltd)"),
        ("respondent", "Chen Wei (for the Republic)"),
        ("archivist", "Ada Mensah (records office)"),
        ("custodian-1", "Custodian One"),
        ("custodian-2", "Custodian Two"),
        ("custodian-3", "Custodian Three"),
    ];
    let mut ids = Vec::new();
    for (file, name) in names {
        let id = Identity::generate(name)?;
        id.save(&ids_dir.join(format!("{file}.id")), None)?;
        std::fs::write(ids_dir.join(format!("{file}.card")), id.card().to_text())
            .map_err(|e| io_error("writing a card", e))?;
        ids.push(id);
    }
    let [registrar, mediator, claimant, respondent, archivist, c1, c2, c3]: [Identity; 8] = ids
        .try_into()
        .map_err(|_| Error::io("the demo's identities were not all made"))?;
    n.check(
        "eight identities and cards written",
        Ok(format!("{}", ids_dir.display())),
    )?;

    n.say("\n2. The registrar makes a vault and opens the case (consent policy, escrow 2 of 3).")?;
    let vault_dir = dir.join("vault");
    Vault::init(&vault_dir)?;
    // Each person's copy of sealroom keeps its own state (pins, receipts) on their
    // machine; in this demo the people share one machine, whose state is here.
    let mut room = Room::new(&vault_dir, dir.join("state"), remote, &registrar)?;
    if let Some(service) = &room.service {
        n.say(&format!(
            "   The institution serves the vault at {} (its key pin {}); every person reaches it\n   across the network and does all cryptography on their own side.",
            service.started.url,
            service.started.pin.as_deref().unwrap_or("none")
        ))?;
    }
    let summary = room.by(&registrar)?.open_case(
        &registrar,
        CaseSpec::new(REFERENCE, archivist.card())
            .title("Claimant Ltd v. the Republic (demo)")
            .policy(Policy::Consent)
            .threshold(2)
            .mediator(mediator.card())
            .party("claimant", claimant.card())
            .party("respondent", respondent.card())
            .custodians([c1.card(), c2.card(), c3.card()]),
    )?;
    n.check(
        "case opened with its charter signed by the registrar",
        if summary.members.len() == 8 && summary.state == "open" {
            Ok(format!("{} members", summary.members.len()))
        } else {
            Err(format!("unexpected case: {summary:?}"))
        },
    )?;

    n.say(&format!(
        "   Charter fingerprint, read out by the registrar to every member: {}",
        summary.charter_fingerprint
    ))?;
    // The respondent's counsel works from another machine, with a state of his own.
    let abroad = room.machine(&respondent, dir.join("state-abroad"))?;
    n.check(
        "on his own machine the respondent cannot act before joining the case",
        expect_refusal(
            abroad.list(&respondent, REFERENCE).map(|_| ()),
            ErrorKind::Refused,
        ),
    )?;
    let wrong = "0".repeat(64);
    n.check(
        "joining with a fingerprint other than the registrar's is refused and pins nothing",
        expect_refusal(
            abroad.join_case(REFERENCE, Some(&wrong)).map(|_| ()),
            ErrorKind::Integrity,
        ),
    )?;
    n.check(
        "he joins with the registrar's fingerprint: the whole log verified and pinned",
        abroad
            .join_case(REFERENCE, Some(&summary.charter_fingerprint))
            .and_then(|_| abroad.list(&respondent, REFERENCE))
            .map(|l| format!("{} document(s) he can read", l.readable.len()))
            .map_err(|e| e.message().to_owned()),
    )?;

    n.say("\n3. The claimant deposits a caucus statement for the mediator's eyes only.")?;
    let caucus = b"Caucus: we would accept 4.2m if the respondent withdraws the counterclaim.";
    let d1 = room.by(&claimant)?.deposit(
        &claimant,
        REFERENCE,
        spec(Category::Caucus, "Settlement range", "caucus.txt"),
        &caucus[..],
    )?;
    n.check(
        "deposited as #1",
        if d1.num == 1 {
            Ok(format!("readable by {}", d1.readers))
        } else {
            Err(format!("got #{}", d1.num))
        },
    )?;
    let mut got = Vec::new();
    let res = room.by(&mediator)?.read(&mediator, REFERENCE, 1, &mut got);
    n.check(
        "the mediator reads #1, signature and hash checked",
        match res {
            Ok(_) if got == caucus => Ok(String::new()),
            Ok(_) => Err("the bytes differ".to_owned()),
            Err(e) => Err(e.message().to_owned()),
        },
    )?;
    n.check(
        "the respondent cannot read #1",
        expect_refusal(
            room.by(&respondent)?
                .read(&respondent, REFERENCE, 1, &mut Vec::new()),
            ErrorKind::Refused,
        ),
    )?;

    n.say("\n4. The claimant files its brief for every party; the respondent files evidence.")?;
    let mut brief_spec = spec(Category::Brief, "Statement of position", "position.md");
    brief_spec.share_with_all = true;
    let brief =
        "# Statement of position\n\nThe contract was terminated without cause.\n".repeat(200);
    let d2 = room
        .by(&claimant)?
        .deposit(&claimant, REFERENCE, brief_spec, brief.as_bytes())?;
    let mut got = Vec::new();
    let res = room
        .by(&respondent)?
        .read(&respondent, REFERENCE, d2.num, &mut got);
    n.check(
        "the respondent reads the shared brief #2",
        match res {
            Ok(_) if got == brief.as_bytes() => {
                Ok(format!("{} bytes, compressed inside age", got.len()))
            }
            Ok(_) => Err("the bytes differ".to_owned()),
            Err(e) => Err(e.message().to_owned()),
        },
    )?;
    let mut evidence = vec![0u8; 256 * 1024];
    getrandom::fill(&mut evidence).map_err(|_| Error::io("the system random generator failed"))?;
    let d3 = room.by(&respondent)?.deposit(
        &respondent,
        REFERENCE,
        spec(Category::Evidence, "Site photographs", "photos.bin"),
        &evidence[..],
    )?;
    let mut got = Vec::new();
    let res = room
        .by(&mediator)?
        .read(&mediator, REFERENCE, d3.num, &mut got);
    n.check(
        "the mediator reads the respondent's binary evidence #3 byte for byte",
        match res {
            Ok(_) if got == evidence => Ok(format!("encoding {}", d3.encoding)),
            Ok(_) => Err("the bytes differ".to_owned()),
            Err(e) => Err(e.message().to_owned()),
        },
    )?;
    n.check(
        "the claimant cannot read the respondent's evidence",
        expect_refusal(
            room.by(&claimant)?
                .read(&claimant, REFERENCE, d3.num, &mut Vec::new()),
            ErrorKind::Refused,
        ),
    )?;

    n.say("\n5. Disclosure follows the consent policy.")?;
    n.check(
        "the mediator cannot pass the caucus #1 to the respondent without consent",
        expect_refusal(
            room.by(&mediator)?
                .disclose(&mediator, REFERENCE, 1, "respondent"),
            ErrorKind::Refused,
        ),
    )?;
    let consent = room
        .by(&claimant)?
        .consent(&claimant, REFERENCE, 1, "respondent")?;
    let disclosed = room
        .by(&mediator)?
        .disclose(&mediator, REFERENCE, 1, "respondent")?;
    let mut got = Vec::new();
    let res = room
        .by(&respondent)?
        .read(&respondent, REFERENCE, 1, &mut got);
    n.check(
        "after the claimant's signed consent the mediator discloses #1 and the respondent reads it",
        match res {
            Ok(_) if got == caucus && consent.new => Ok(format!("basis: {}", disclosed.basis)),
            Ok(_) => Err("the bytes differ".to_owned()),
            Err(e) => Err(e.message().to_owned()),
        },
    )?;
    let revoked = room
        .by(&claimant)?
        .revoke(&claimant, REFERENCE, 1, "respondent", true)?;
    n.check(
        "the claimant revokes it with a new key: the respondent is refused again",
        expect_refusal(
            room.by(&respondent)?
                .read(&respondent, REFERENCE, 1, &mut Vec::new()),
            ErrorKind::Refused,
        )
        .and_then(|r| {
            if revoked.rekeyed && revoked.consent_withdrawn {
                Ok(r)
            } else {
                Err("the revocation did not rekey or withdraw consent".to_owned())
            }
        }),
    )?;
    n.check(
        "the mediator still reads the re-keyed #1",
        room.by(&mediator)?
            .read(&mediator, REFERENCE, 1, &mut Vec::new())
            .map(|_| String::new())
            .map_err(|e| e.message().to_owned()),
    )?;
    let court = age::x25519::Identity::generate();
    let mut exported = Vec::new();
    room.by(&claimant)?.export(
        &claimant,
        REFERENCE,
        d2.num,
        &court.to_public().into(),
        &mut exported,
    )?;
    // Opened with the age crate alone, as the outside recipient would.
    let opened = (|| -> std::result::Result<Vec<u8>, String> {
        let decryptor = age::Decryptor::new(&exported[..]).map_err(|e| e.to_string())?;
        let mut reader = decryptor
            .decrypt(std::iter::once(&court as &dyn age::Identity))
            .map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut reader, &mut bytes).map_err(|e| e.to_string())?;
        Ok(bytes)
    })();
    n.check(
        "the claimant exports its brief #2 as a standard age file for an outside recipient",
        match opened {
            Ok(bytes) if bytes.as_slice() == brief.as_bytes() => {
                Ok(format!("{} bytes", exported.len()))
            }
            Ok(_) => Err("the export does not decrypt to the brief".to_owned()),
            Err(e) => Err(e),
        },
    )?;

    n.say("\n6. The mediator keeps a note; mediators may not file briefs.")?;
    let d4 = room.by(&mediator)?.deposit(
        &mediator,
        REFERENCE,
        spec(
            Category::MediatorNote,
            "Impressions after caucus",
            "note.txt",
        ),
        &b"Both sides are closer than they say."[..],
    )?;
    n.check(
        "the archivist cannot read the mediator's note",
        expect_refusal(
            room.by(&archivist)?
                .read(&archivist, REFERENCE, d4.num, &mut Vec::new()),
            ErrorKind::Refused,
        ),
    )?;
    n.check(
        "a mediator's brief is refused",
        expect_refusal(
            room.by(&mediator)?.deposit(
                &mediator,
                REFERENCE,
                spec(Category::Brief, "x", "x.txt"),
                &b"x"[..],
            ),
            ErrorKind::Refused,
        ),
    )?;

    n.say("\n7. The registrar issues a procedural order, which everyone can read.")?;
    let d5 = room.by(&registrar)?.deposit(
        &registrar,
        REFERENCE,
        spec(Category::Procedural, "Procedural order no. 1", "po1.txt"),
        &b"The mediation session is fixed for 3 December."[..],
    )?;
    let everyone = [&mediator, &claimant, &respondent, &archivist];
    let mut all_read = true;
    for who in everyone {
        all_read &= room
            .by(who)?
            .read(who, REFERENCE, d5.num, &mut Vec::new())
            .is_ok();
    }
    n.check(
        "parties, mediator and archivist all read #5",
        if all_read {
            Ok(String::new())
        } else {
            Err("someone could not".to_owned())
        },
    )?;

    n.say("\n8. What each side sees.")?;
    let listing = room.by(&respondent)?.list(&respondent, REFERENCE)?;
    n.check(
        "the respondent lists 3 readable documents and is told of 2 others",
        if listing.readable.len() == 3 && listing.unreadable == 2 {
            Ok(listing
                .readable
                .iter()
                .map(|d| format!("#{} {}", d.num, d.title))
                .collect::<Vec<_>>()
                .join(", "))
        } else {
            Err(format!(
                "{} readable, {} others",
                listing.readable.len(),
                listing.unreadable
            ))
        },
    )?;

    n.say("\n9. Membership changes: co-counsel joins late, loses a laptop, and leaves.")?;
    let ben = Identity::generate("Ben Adeyemi (for Claimant Ltd)")?;
    room.by(&registrar)?.add_member(
        &registrar,
        REFERENCE,
        crate::policy::Role::Party("claimant".into()),
        &ben.card(),
    )?;
    let granted = room
        .by(&claimant)?
        .grant(&claimant, REFERENCE, None, &ben.card());
    let mut got = Vec::new();
    n.check(
        "co-counsel added later is granted the claimant's earlier documents by the claimant",
        granted
            .and_then(|g| {
                room.by(&ben)?.read(&ben, REFERENCE, 1, &mut got)?;
                Ok(g)
            })
            .map(|g| format!("{} grant(s), one signed statement each", g.granted.len()))
            .map_err(|e| e.message().to_owned()),
    )?;
    let ben2 = Identity::generate("Ben Adeyemi (new laptop)")?;
    let replaced = room
        .by(&registrar)?
        .replace_member(&registrar, REFERENCE, &ben.card(), &ben2.card())
        .and_then(|_| {
            room.by(&claimant)?
                .grant(&claimant, REFERENCE, None, &ben2.card())
        })
        .and_then(|_| room.by(&claimant)?.rekey(&claimant, REFERENCE, None));
    n.check(
        "his identity is replaced; the claimant grants the new one and re-keys away from the old",
        match replaced {
            Ok(r) => match room.by(&ben)?.read(&ben, REFERENCE, 1, &mut Vec::new()) {
                Err(e) if e.kind() == ErrorKind::Refused => Ok(format!(
                    "{} document(s) re-keyed; the old identity is refused",
                    r.rekeyed.len()
                )),
                _ => Err("the old identity could still act".to_owned()),
            },
            Err(e) => Err(e.message().to_owned()),
        },
    )?;
    let removed = room
        .by(&registrar)?
        .remove_member(
            &registrar,
            REFERENCE,
            crate::policy::Role::Party("claimant".into()),
            &ben2.card(),
            false,
        )
        .and_then(|change| {
            room.by(&mediator)?.rekey(&mediator, REFERENCE, None)?;
            Ok(change)
        });
    n.check(
        "he leaves the case: removed by the registrar, his documents re-keyed by the mediator",
        match removed {
            Ok(change) => expect_refusal(
                room.by(&ben2)?.read(&ben2, REFERENCE, 1, &mut Vec::new()),
                ErrorKind::Refused,
            )
            .map(|_| format!("he could read {} document(s)", change.could_read.len())),
            Err(e) => Err(e.message().to_owned()),
        },
    )?;

    n.say("\n10. The mediator closes the case: reading goes on, deposits stop.")?;
    room.by(&mediator)?.close_case(&mediator, REFERENCE)?;
    n.check(
        "a deposit after closing is refused",
        expect_refusal(
            room.by(&claimant)?.deposit(
                &claimant,
                REFERENCE,
                spec(Category::Brief, "Late brief", "late.txt"),
                &b"late"[..],
            ),
            ErrorKind::Refused,
        ),
    )?;
    n.check(
        "the claimant still reads the procedural order",
        room.by(&claimant)?
            .read(&claimant, REFERENCE, d5.num, &mut Vec::new())
            .map(|_| String::new())
            .map_err(|e| e.message().to_owned()),
    )?;

    n.say("\n11. Every act is a signed statement in the case log, a leaf of its Merkle tree.")?;
    let checked = room.by(&registrar)?.verify_log(REFERENCE);
    n.check(
        "the whole log verifies: signatures, every act's authority, every wrap, the Merkle root",
        checked
            .map(|r| {
                format!(
                    "{} statements, {} wraps, root {}…",
                    r.statements,
                    r.wraps,
                    &r.root[..16]
                )
            })
            .map_err(|e| e.message().to_owned()),
    )?;
    let receipt = room.by(&claimant)?.receipt(REFERENCE, d1.statement)?;
    n.check(
        "the claimant's receipt for #1 proves it is in today's log, unrewritten",
        room.by(&claimant)?
            .check_receipt(&receipt)
            .map(|r| format!("entry {} of {}, {}", r.index, r.current_size, r.act))
            .map_err(|e| e.message().to_owned()),
    )?;

    n.say("\n12. The archivist seals the case; two of three custodians open the archive.")?;
    let archive = dir.join(format!("{REFERENCE}.sealed"));
    let sealed = room
        .by(&archivist)?
        .seal(&archivist, REFERENCE, "2036-12-31", &archive)?;
    let verified = std::fs::File::open(&archive)
        .map_err(|e| io_error("reading the archive", e))
        .and_then(|f| crate::archive::verify::verify_archive(std::io::BufReader::new(f), None));
    n.check(
        "the archive verifies with no vault and no key",
        verified
            .map(|r| {
                format!(
                    "{} files, {} log entries; mediator note #{} destroyed",
                    r.files, r.entries, d4.num
                )
            })
            .map_err(|e| e.message().to_owned()),
    )?;
    n.check(
        "the mediator can no longer read the caucus #1 from the vault",
        expect_refusal(
            room.by(&mediator)?
                .read(&mediator, REFERENCE, 1, &mut Vec::new()),
            ErrorKind::Refused,
        ),
    )?;
    n.check(
        "the claimant still reads the retained procedural order",
        room.by(&claimant)?
            .read(&claimant, REFERENCE, d5.num, &mut Vec::new())
            .map(|_| format!("retained: {:?}", sealed.retained))
            .map_err(|e| e.message().to_owned()),
    )?;
    let clerk = Identity::generate("Court clerk")?;
    let release = |c: &Identity| -> Result<crate::archive::release::Release> {
        let f = std::fs::File::open(&archive).map_err(|e| io_error("reading the archive", e))?;
        crate::archive::release::release(std::io::BufReader::new(f), c, &clerk.card())
    };
    let releases = vec![release(&c1)?, release(&c3)?];
    n.check(
        "one custodian's share alone opens nothing",
        expect_refusal(
            crate::archive::release::open(&archive, &releases[..1], &clerk, &dir.join("opened-1")),
            ErrorKind::Refused,
        ),
    )?;
    let opened = crate::archive::release::open(&archive, &releases, &clerk, &dir.join("opened"));
    n.check(
        "custodians 1 and 3 release their shares to the court clerk, who opens the archive",
        opened.map_err(|e| e.message().to_owned()).and_then(|o| {
            let first = o.documents.first().ok_or("no document came out")?;
            let bytes =
                std::fs::read(dir.join("opened").join(&first.file)).map_err(|e| e.to_string())?;
            if bytes == caucus {
                Ok(format!("{} documents, #1 byte for byte", o.documents.len()))
            } else {
                Err("#1 came out different".to_owned())
            }
        }),
    )?;

    let hint = if temp.is_some() {
        "\nThe demo's temporary folder is removed now; run `sealroom demo --dir DIR` to keep it."
            .to_owned()
    } else {
        format!(
            "\nCarry on by hand (join the case once on this machine, then act):\n  sealroom --vault {} case join {REFERENCE} --charter '{}'\n  sealroom --vault {} list {REFERENCE} -i {}",
            vault_dir.display(),
            summary.charter_fingerprint,
            vault_dir.display(),
            ids_dir.join("claimant.id").display()
        )
    };
    n.say(&format!(
        "\n{} of {} steps did what they say.{hint}",
        n.report.steps - n.report.failures,
        n.report.steps,
    ))?;
    Ok(n.report)
}

//! A vault across the network: a real `sealroom serve` on 127.0.0.1, and every member
//! on their own machine (a separate member state) reaching it with `--vault URL`.
//! The whole lifecycle; a recording proxy that proves the service never receives a
//! plaintext, a title or a key; forged, replayed, stale and non-member requests
//! refused; many clients at once; the service killed mid-upload; and a service that
//! forks its log caught at the next act.

mod common;

use std::path::Path;
use std::process::Output;
use std::sync::atomic::Ordering;

use common::server::{machine, Recorder, Server};
use common::*;

/// A fixture whose vault is served, and whose members join from invitations.
struct Net {
    fx: Fixture,
    server: Server,
    /// What members put in `--vault` (the server, or a proxy in front of it).
    url: String,
}

impl Net {
    /// Serve the fixture's vault (registrar: the fixture's registrar) and open [`CASE`]
    /// across the network; every member joins from their invitation.
    fn new(extra: &[&str]) -> Net {
        let fx = Fixture::without_case();
        let server = Server::start(&fx.vault, &[fx.card("registrar")], extra);
        let url = server.url.clone();
        let net = Net { fx, server, url };
        net.open_and_join();
        net
    }

    /// [`Net::new`] with plain HTTP behind a recording proxy.
    fn recorded() -> (Net, Recorder) {
        let fx = Fixture::without_case();
        let server = Server::start(&fx.vault, &[fx.card("registrar")], &["--plain-http"]);
        let recorder = Recorder::start(format!("127.0.0.1:{}", server.port()));
        let net = Net {
            fx,
            server,
            url: recorder.url.clone(),
        };
        net.open_and_join();
        (net, recorder)
    }

    fn open_and_join(&self) {
        let mut open = vec!["--server-pin".to_owned(), self.pin_arg()];
        open.extend(self.fx.case_open_args());
        if self.server.pin.is_none() {
            open.drain(..2);
        }
        let open: Vec<&str> = open.iter().map(String::as_str).collect();
        expect_ok("case open across the network", &self.on("registrar", &open));
        for who in [
            "mediator",
            "claimant",
            "cocounsel",
            "respondent",
            "archivist",
            "custodian1",
            "custodian2",
            "custodian3",
        ] {
            let invitation = self.fx.arg(format!("{who}.invite"));
            expect_ok(
                "invite",
                &self.on(
                    "registrar",
                    &[
                        "case",
                        "invite",
                        CASE,
                        "--to",
                        &self.fx.card(who),
                        "-o",
                        &invitation,
                    ],
                ),
            );
            // Joining needs no --vault: the invitation names the service and its pin.
            let out = self.fx.run_on(
                &machine(who),
                None,
                Some(who),
                &[
                    "case",
                    "join",
                    &invitation,
                    "--registrar",
                    &self.fx.card("registrar"),
                ],
            );
            expect_ok(&format!("{who} joins"), &out);
        }
    }

    fn pin_arg(&self) -> String {
        self.server.pin.clone().unwrap_or_default()
    }

    /// `sealroom --vault URL -i WHO ARGS` on WHO's machine.
    fn on(&self, who: &str, args: &[&str]) -> Output {
        self.fx
            .run_on(&machine(who), Some(Path::new(&self.url)), Some(who), args)
    }

    fn ok(&self, who: &str, args: &[&str]) -> String {
        expect_ok(&format!("{who}: {}", args.join(" ")), &self.on(who, args))
    }

    fn fails(&self, who: &str, args: &[&str], code: i32) -> String {
        expect_failure(
            &format!("{who}: {}", args.join(" ")),
            &self.on(who, args),
            code,
        )
    }

    /// `who` deposits `bytes` as `name` with `extra` flags; the new number.
    fn deposit(&self, who: &str, name: &str, bytes: &[u8], extra: &[&str]) -> u64 {
        let path = self.fx.write(&format!("in/{who}/{name}"), bytes);
        let mut args = vec!["deposit", CASE, &path];
        args.extend_from_slice(extra);
        first_line_num(&self.ok(who, &args))
    }

    fn read(&self, who: &str, num: u64) -> Vec<u8> {
        let out = self.on(who, &["read", CASE, &num.to_string()]);
        expect_ok(&format!("{who} reads #{num}"), &out);
        out.stdout
    }
}

const BRIEF: &[u8] = b"PLAINTEXT-MARKER-7f3a: the claimant would settle at 4.2m\n";
const TITLE: &str = "TITLE-MARKER-91c2 settlement position";

#[test]
fn the_whole_case_runs_across_the_network() {
    let net = Net::new(&[]);
    assert!(net.url.starts_with("https://127.0.0.1:"), "{}", net.url);
    let pin = net.server.pin.clone().expect("a TLS service has a key pin");
    assert!(pin.starts_with("sha256//"), "{pin}");

    // Deposit, read within the party, refused to the other side.
    let num = net.deposit(
        "claimant",
        "brief.txt",
        BRIEF,
        &["--title", TITLE, "--confidential"],
    );
    assert_eq!(num, 1);
    assert_same_bytes("cocounsel reads", &net.read("cocounsel", num), BRIEF);
    assert_same_bytes("the mediator reads", &net.read("mediator", num), BRIEF);
    let err = net.fails("respondent", &["read", CASE, "1"], 1);
    assert!(err.contains("cannot read #1"), "{err}");
    let listing = parse_json(&net.ok("cocounsel", &["--json", "list", CASE]));
    assert_eq!(listing["readable"][0]["title"], TITLE, "{listing}");

    // Disclosure needs the owner's consent; then the respondent reads.
    let err = net.fails(
        "mediator",
        &["disclose", CASE, "1", "--to", "respondent"],
        1,
    );
    assert!(err.contains("consent"), "{err}");
    net.ok("claimant", &["consent", CASE, "1", "--to", "respondent"]);
    net.ok("mediator", &["disclose", CASE, "1", "--to", "respondent"]);
    assert_same_bytes("the respondent reads", &net.read("respondent", num), BRIEF);

    // Revoked with a new key: refused again.
    net.ok(
        "claimant",
        &["revoke", CASE, "1", "--from", "respondent", "--rekey"],
    );
    net.fails("respondent", &["read", CASE, "1"], 1);
    assert_same_bytes("after the rekey", &net.read("claimant", num), BRIEF);

    // Export to an outside age recipient: a standard age file.
    let key = age::x25519::Identity::generate();
    let exported = net.fx.arg("exported.age");
    net.ok(
        "claimant",
        &[
            "export",
            CASE,
            "1",
            "--recipient",
            &key.to_public().to_string(),
            "-o",
            &exported,
        ],
    );
    let decrypted =
        age::decrypt(&key, &std::fs::read(&exported).unwrap()).expect("decrypt the export");
    assert_same_bytes("the export", &decrypted, BRIEF);

    // Every member's log verifies against their own pin; the receipts too.
    for who in ["claimant", "respondent", "mediator", "registrar"] {
        let out = net.ok(who, &["log", CASE, "--verify"]);
        assert!(
            out.contains("verified") || out.contains("OK"),
            "{who}: {out}"
        );
    }
    let receipts = net
        .fx
        .sandbox
        .join(machine("claimant"))
        .join("sealroom/receipts");
    let receipt = std::fs::read_dir(&receipts)
        .expect("the claimant's receipts")
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("deposit"))
        .expect("a deposit receipt");
    net.ok("claimant", &["receipt", "verify", &path_arg(&receipt)]);

    // Close, seal, release, open.
    net.ok("mediator", &["case", "close", CASE]);
    net.fails(
        "claimant",
        &["deposit", CASE, &net.fx.write("late.txt", b"late")],
        1,
    );
    let archive = net.fx.arg("case.sealed");
    net.ok(
        "archivist",
        &["seal", CASE, "--retain-until", "2040-01-01", "-o", &archive],
    );
    let verified = net.fx.sandbox.ok(&["archive", "verify", &archive]);
    assert!(verified.contains(CASE), "{verified}");
    for who in ["custodian1", "custodian2"] {
        net.ok(
            who,
            &[
                "archive",
                "release",
                &archive,
                "--to",
                &net.fx.card("archivist"),
                "-o",
                &net.fx.arg(format!("{who}.release")),
            ],
        );
    }
    let opened = net.fx.arg("opened");
    net.ok(
        "archivist",
        &[
            "archive",
            "open",
            &archive,
            "--share",
            &net.fx.arg("custodian1.release"),
            "--share",
            &net.fx.arg("custodian2.release"),
            "-o",
            &opened,
        ],
    );
    let index =
        parse_json(&std::fs::read_to_string(Path::new(&opened).join("INDEX.json")).unwrap());
    let file = index["documents"][0]["file"].as_str().unwrap();
    assert_same_bytes(
        "the opened archive",
        &std::fs::read(Path::new(&opened).join(file)).unwrap(),
        BRIEF,
    );

    // The operator's check of the served folder finds it whole.
    net.fx
        .sandbox
        .ok(&["doctor", "--vault", &path_arg(&net.fx.vault)]);
}

#[test]
fn the_service_never_receives_a_plaintext_a_title_or_a_key() {
    let (net, recorder) = Net::recorded();
    let num = net.deposit("claimant", "brief.txt", BRIEF, &["--title", TITLE]);
    net.ok(
        "claimant",
        &["consent", CASE, &num.to_string(), "--to", "respondent"],
    );
    net.ok(
        "mediator",
        &["disclose", CASE, &num.to_string(), "--to", "respondent"],
    );
    assert_same_bytes(
        "read through the proxy",
        &net.read("respondent", num),
        BRIEF,
    );
    net.ok(
        "claimant",
        &["revoke", CASE, "1", "--from", "respondent", "--rekey"],
    );
    net.ok("cocounsel", &["list", CASE]);
    net.ok("mediator", &["case", "close", CASE]);
    net.ok(
        "archivist",
        &[
            "seal",
            CASE,
            "--retain-until",
            "2040-01-01",
            "-o",
            &net.fx.arg("a.sealed"),
        ],
    );

    let sent = recorder.to_server.lock().unwrap().clone();
    let received = recorder.to_clients.lock().unwrap().clone();
    // The proxy saw the traffic (it is not vacuous): signed requests, statements.
    assert!(
        contains_bytes(&sent, b"signature-input"),
        "no signed request went through the proxy"
    );
    assert!(
        contains_bytes(&sent, b"PUT /v1/blobs"),
        "no upload went through the proxy"
    );
    let mut secrets: Vec<Vec<u8>> = vec![
        b"PLAINTEXT-MARKER-7f3a".to_vec(),
        b"TITLE-MARKER-91c2".to_vec(),
    ];
    // Every member's secret keys, as their identity files hold them.
    for (who, _) in PEOPLE {
        let text = std::fs::read_to_string(net.fx.id(who)).unwrap();
        for line in text.lines() {
            if let Some(secret) = line
                .strip_prefix("age: ")
                .or_else(|| line.strip_prefix("ed25519: "))
            {
                secrets.push(secret.as_bytes().to_vec());
            }
        }
    }
    assert!(
        secrets.len() >= 2 + 2 * PEOPLE.len(),
        "the identity files were not read"
    );
    for secret in &secrets {
        let shown = String::from_utf8_lossy(&secret[..secret.len().min(24)]).into_owned();
        assert!(
            !contains_bytes(&sent, secret),
            "the service received {shown}…"
        );
        assert!(
            !contains_bytes(&received, secret),
            "the service sent {shown}…"
        );
    }
}

/// One raw HTTP/1.1 request to `127.0.0.1:port`; the status and body.
fn raw(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn identity(fx: &Fixture, who: &str) -> sealroom_engine::Identity {
    sealroom_engine::Identity::load(
        Path::new(&fx.id(who)),
        || -> sealroom_engine::Result<age::secrecy::SecretString> {
            panic!("the fixture's identities have no passphrase")
        },
    )
    .expect("load an identity")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The headers of a request signed by `who` (created `created`, nonce `nonce`).
fn signed(
    who: &sealroom_engine::Identity,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    created: u64,
    nonce: &str,
) -> Vec<(&'static str, String)> {
    use sealroom_engine::store::remote::signing;
    let digest = body.map(sealroom_engine::digest::sha256);
    let h = signing::sign(who, method, path, digest.as_ref(), created, nonce);
    let mut out = vec![
        ("sealroom-card", h.card),
        ("signature-input", h.signature_input),
        ("signature", h.signature),
    ];
    if let Some(d) = h.content_digest {
        out.push(("content-digest", d));
    }
    out
}

#[test]
fn forged_replayed_stale_and_non_member_requests_are_refused() {
    let net = Net::new(&["--plain-http"]);
    let port = net.server.port();
    let num = net.deposit("claimant", "brief.txt", BRIEF, &[]);
    let ana = identity(&net.fx, "claimant");
    let olaf = identity(&net.fx, "outsider");
    let list = br#"{"call":"case_references"}"#;

    // A member's signed read is answered (so the refusals below are not vacuous).
    let headers = signed(
        &ana,
        "POST",
        "/v1/read",
        Some(list),
        now(),
        "00000000000000000000000000000001",
    );
    let (status, body) = raw(port, "POST", "/v1/read", &headers, list);
    assert_eq!((status, body.as_str()), (200, r#"["C-1"]"#));

    // The very same request again: a replay.
    let (status, body) = raw(port, "POST", "/v1/read", &headers, list);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("replayed"), "{body}");

    // Unsigned; a body changed after signing; stale; a signature by someone else
    // under the member's card.
    let (status, _) = raw(port, "POST", "/v1/read", &[], list);
    assert_eq!(status, 401);
    let other = br#"{"call":"case","reference":"C-1"}"#;
    let headers = signed(
        &ana,
        "POST",
        "/v1/read",
        Some(list),
        now(),
        "00000000000000000000000000000002",
    );
    let (status, body) = raw(port, "POST", "/v1/read", &headers, other);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("digest"), "{body}");
    let headers = signed(
        &ana,
        "POST",
        "/v1/read",
        Some(list),
        now() - 1000,
        "00000000000000000000000000000003",
    );
    let (status, body) = raw(port, "POST", "/v1/read", &headers, list);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("clock"), "{body}");
    let mut forged = signed(
        &olaf,
        "POST",
        "/v1/read",
        Some(list),
        now(),
        "00000000000000000000000000000004",
    );
    forged[0].1 = signed(
        &ana,
        "POST",
        "/v1/read",
        Some(list),
        now(),
        "00000000000000000000000000000005",
    )[0]
    .1
    .clone();
    let (status, body) = raw(port, "POST", "/v1/read", &forged, list);
    assert_eq!(status, 401, "{body}");

    // A non-member sees no case, no case's data, no body, and may not upload.
    let headers = signed(
        &olaf,
        "POST",
        "/v1/read",
        Some(list),
        now(),
        "00000000000000000000000000000006",
    );
    assert_eq!(
        raw(port, "POST", "/v1/read", &headers, list),
        (200, "[]".to_owned())
    );
    let headers = signed(
        &olaf,
        "POST",
        "/v1/read",
        Some(other),
        now(),
        "00000000000000000000000000000007",
    );
    assert_eq!(
        raw(port, "POST", "/v1/read", &headers, other),
        (200, "null".to_owned())
    );
    let view = br#"{"call":"case_view","case":1}"#;
    let headers = signed(
        &olaf,
        "POST",
        "/v1/read",
        Some(view),
        now(),
        "00000000000000000000000000000008",
    );
    assert_eq!(raw(port, "POST", "/v1/read", &headers, view).0, 404);
    let listing = parse_json(&net.ok("claimant", &["--json", "list", CASE]));
    let blob = listing["readable"][0]["blob"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| {
            // The listing does not show the body's hash: take it from the served folder.
            let v: Vec<String> = net
                .fx
                .blob_names()
                .into_iter()
                .filter(|n| n.len() == 64)
                .collect();
            v[0].clone()
        });
    let path = format!("/v1/blobs/{blob}");
    let headers = signed(
        &olaf,
        "GET",
        &path,
        None,
        now(),
        "00000000000000000000000000000009",
    );
    assert_eq!(raw(port, "GET", &path, &headers, b"").0, 404);
    // A reader of the document is handed its body only against a read of theirs on
    // the record: a request without one is refused as if the body did not exist.
    let headers = signed(
        &ana,
        "GET",
        &path,
        None,
        now(),
        "0000000000000000000000000000000a",
    );
    assert_eq!(raw(port, "GET", &path, &headers, b"").0, 404);
    net.read("claimant", num);
    let headers = signed(
        &ana,
        "GET",
        &path,
        None,
        now(),
        "0000000000000000000000000000000c",
    );
    assert_eq!(raw(port, "GET", &path, &headers, b"").0, 200);
    let headers = signed(
        &olaf,
        "PUT",
        "/v1/blobs",
        None,
        now(),
        "0000000000000000000000000000000b",
    );
    assert_eq!(raw(port, "PUT", "/v1/blobs", &headers, b"junk").0, 403);

    // Through the command line: the outsider is told the case is not theirs; a
    // member who is not a configured registrar cannot open a case.
    let out = net.fx.run_on(
        &machine("outsider"),
        Some(Path::new(&net.url)),
        Some("outsider"),
        &["case", "show", CASE],
    );
    let err = expect_failure("the outsider shows the case", &out, 4);
    assert!(err.contains("no case `C-1`"), "{err}");
    let mut open = net.fx.case_open_args();
    open[2] = "C-2".to_owned();
    let open: Vec<&str> = open.iter().map(String::as_str).collect();
    let err = net.fails("claimant", &open, 1);
    assert!(err.contains("registrars"), "{err}");
    // The registrar may; with no custodians the archivist holds the escrow share.
    let (m, c, r, a) = (
        net.fx.card("mediator"),
        format!("claimant={}", net.fx.card("claimant")),
        format!("respondent={}", net.fx.card("respondent")),
        net.fx.card("archivist"),
    );
    net.ok(
        "registrar",
        &[
            "case",
            "open",
            "C-2",
            "--mediator",
            &m,
            "--party",
            &c,
            "--party",
            &r,
            "--archivist",
            &a,
        ],
    );
    assert_same_bytes("the member still reads", &net.read("claimant", num), BRIEF);
}

#[test]
fn sixteen_clients_deposit_twenty_five_documents_each_at_once() {
    const CLIENTS: usize = 16;
    const EACH: usize = 25;
    let net = Net::new(&[]);
    let people = ["claimant", "cocounsel", "respondent", "mediator"];
    // Four machines for each of four members: sixteen member states, each joined.
    let mut clients = Vec::new();
    for k in 0..CLIENTS / people.len() {
        for who in people {
            let state = format!("{}-{k}", machine(who));
            let invitation = net.fx.arg(format!("{who}.invite"));
            expect_ok(
                "join",
                &net.fx.run_on(
                    &state,
                    None,
                    Some(who),
                    &[
                        "case",
                        "join",
                        &invitation,
                        "--registrar",
                        &net.fx.card("registrar"),
                    ],
                ),
            );
            clients.push((who, state));
        }
    }
    let numbers = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for (c, (who, state)) in clients.iter().enumerate() {
            let (net, numbers) = (&net, &numbers);
            scope.spawn(move || {
                for i in 0..EACH {
                    let file = net.fx.write(
                        &format!("in/{c}/{i}.txt"),
                        format!("client {c} document {i}\n").as_bytes(),
                    );
                    let out = net.fx.run_on(
                        state,
                        Some(Path::new(&net.url)),
                        Some(who),
                        &[
                            "deposit",
                            CASE,
                            &file,
                            "--title",
                            &format!("c{c}-d{i}"),
                            "--category",
                            if *who == "mediator" {
                                "procedural"
                            } else {
                                "brief"
                            },
                        ],
                    );
                    let text = expect_ok(&format!("client {c} deposit {i}"), &out);
                    numbers.lock().unwrap().push(first_line_num(&text));
                }
            });
        }
    });
    let mut numbers = numbers.into_inner().unwrap();
    numbers.sort_unstable();
    let want: Vec<u64> = (1..=(CLIENTS * EACH) as u64).collect();
    assert_eq!(numbers, want, "every deposit got its own number, none lost");

    // Every document is there, readable by the mediators, and the log verifies.
    let listing = parse_json(&net.ok("mediator", &["--json", "list", CASE]));
    let titles: std::collections::BTreeSet<String> = listing["readable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles.len(), CLIENTS * EACH);
    for c in 0..CLIENTS {
        for i in 0..EACH {
            assert!(
                titles.contains(&format!("c{c}-d{i}")),
                "c{c}-d{i} is missing"
            );
        }
    }
    net.ok("respondent", &["log", CASE, "--verify"]);
    net.fx
        .sandbox
        .ok(&["doctor", "--vault", &path_arg(&net.fx.vault)]);
}

#[test]
fn a_service_killed_mid_upload_loses_nothing_acknowledged_and_the_retry_succeeds() {
    let mut net = Net::new(&[]);
    let first = net.deposit("claimant", "first.txt", BRIEF, &[]);
    let big = pseudo_random(160 << 20, 17);
    let big_path = net.fx.write("in/big.bin", &big);
    let deposit_big = |net: &Net| {
        let mut cmd = net.fx.sandbox.std_cmd();
        cmd.env("XDG_STATE_HOME", net.fx.sandbox.join(machine("claimant")))
            .args([
                "--vault",
                &net.url,
                "-i",
                &net.fx.id("claimant"),
                "deposit",
                CASE,
                &big_path,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().expect("start the deposit")
    };

    // The service dies (SIGKILL) while the body streams in.
    let child = deposit_big(&net);
    let blobs = net.fx.vault.join("blobs");
    let streaming = common::server::wait_for(std::time::Duration::from_secs(60), || {
        std::fs::read_dir(&blobs)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                e.file_name().to_string_lossy().starts_with(".tmp-")
                    && e.metadata().map(|m| m.len() > 8 << 20).unwrap_or(false)
            })
    });
    assert!(
        streaming,
        "the upload never reached the service's blob store"
    );
    let (port, pin) = (net.server.port(), net.server.pin.clone());
    net.server.kill();
    let out = child.wait_with_output().unwrap();
    let err = expect_failure("the deposit whose service died", &out, 6);
    assert!(err.contains("vault service"), "{err}");

    // Restarted on the same address with the same key: nothing of the interrupted
    // deposit is visible, the acknowledged one is intact.
    net.server = Server::start_on(
        &net.fx.vault,
        &[net.fx.card("registrar")],
        &[],
        &format!("127.0.0.1:{port}"),
    );
    assert_eq!(
        net.server.pin, pin,
        "the service's key changed across a restart"
    );
    let listing = parse_json(&net.ok("claimant", &["--json", "list", CASE]));
    assert_eq!(
        listing["readable"].as_array().unwrap().len(),
        1,
        "{listing}"
    );
    assert_same_bytes(
        "the acknowledged document",
        &net.read("claimant", first),
        BRIEF,
    );
    net.ok("claimant", &["log", CASE, "--verify"]);
    let doctor = net
        .fx
        .sandbox
        .ok(&["doctor", "--vault", &path_arg(&net.fx.vault)]);
    assert!(
        doctor.contains("leftover"),
        "the interrupted upload left no trace for doctor: {doctor}"
    );

    // The retry succeeds and reads back whole.
    let out = deposit_big(&net).wait_with_output().unwrap();
    let num = first_line_num(&expect_ok("the retried deposit", &out));
    assert_eq!(num, first + 1);
    let back = net.fx.arg("big.back");
    net.ok("claimant", &["read", CASE, &num.to_string(), "-o", &back]);
    assert_eq!(sha256_hex(&std::fs::read(&back).unwrap()), sha256_hex(&big));
    net.fx.sandbox.ok(&[
        "doctor",
        "--repair",
        "--grace",
        "0",
        "--vault",
        &path_arg(&net.fx.vault),
    ]);
    let doctor = net
        .fx
        .sandbox
        .ok(&["doctor", "--vault", &path_arg(&net.fx.vault)]);
    assert!(!doctor.contains("leftover"), "{doctor}");
}

#[test]
fn a_service_that_forks_the_log_is_caught_at_the_next_act_of_either_member() {
    let mut net = Net::new(&[]);
    net.deposit("claimant", "brief.txt", BRIEF, &[]);
    // The service forks: it keeps two branches of the vault (a copy of its folder),
    // serving one to the claimant and the other to the respondent, under one key.
    let (port, pin) = (net.server.port(), net.server.pin.clone().unwrap());
    net.server.kill();
    let fork = net.fx.sandbox.join("fork");
    common::crash::copy_tree(&net.fx.vault, &fork);
    let registrars = [net.fx.card("registrar")];
    net.server = Server::start_on(
        &net.fx.vault,
        &registrars,
        &[],
        &format!("127.0.0.1:{port}"),
    );
    let other = Server::start(&fork, &registrars, &[]);
    assert_eq!(other.pin.as_deref(), Some(pin.as_str()));
    let on = |server: &Server, who: &str, args: &[&str]| {
        let mut all = vec!["--server-pin", &pin];
        all.extend_from_slice(args);
        net.fx
            .run_on(&machine(who), Some(Path::new(&server.url)), Some(who), &all)
    };
    let a = net.fx.write("a.txt", b"branch A");
    let b = net.fx.write("b.txt", b"branch B");
    expect_ok(
        "deposit on branch A",
        &on(&net.server, "claimant", &["deposit", CASE, &a]),
    );
    expect_ok(
        "deposit on branch B",
        &on(&other, "respondent", &["deposit", CASE, &b]),
    );
    // Alone, each sees a sound log.
    expect_ok(
        "log on A",
        &on(&net.server, "claimant", &["log", CASE, "--verify"]),
    );
    expect_ok(
        "log on B",
        &on(&other, "respondent", &["log", CASE, "--verify"]),
    );

    // The next act of either member that meets the other branch fails, exit 3.
    let err = expect_failure(
        "the respondent on branch A",
        &on(&net.server, "respondent", &["list", CASE]),
        3,
    );
    assert!(err.contains("fork") || err.contains("rewr"), "{err}");
    let err = expect_failure(
        "the claimant on branch B",
        &on(&other, "claimant", &["list", CASE]),
        3,
    );
    assert!(err.contains("fork") || err.contains("rewr"), "{err}");

    // And their checkpoints, compared by e-mail, prove it.
    let shown = net.fx.arg("a.checkpoint");
    let out = on(&net.server, "claimant", &["checkpoint", "show", CASE]);
    std::fs::write(&shown, expect_ok("checkpoint show", &out)).unwrap();
    let err = expect_failure(
        "the respondent checks the claimant's checkpoint",
        &on(&other, "respondent", &["checkpoint", "check", CASE, &shown]),
        3,
    );
    assert!(err.contains("forked"), "{err}");
}

#[test]
fn a_configured_service_enforces_its_limits() {
    let config = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(
        config.path(),
        "[limits]\nmax_request_bytes = 65536\nmax_blob_bytes = 65536\nrequests_per_minute = 200\nidle_timeout_secs = 1\n",
    )
    .unwrap();
    let net = Net::new(&["--plain-http", "--config", &path_arg(config.path())]);
    let port = net.server.port();

    // A document over the size limit: one sentence, exit 2, nothing recorded.
    let big = pseudo_random(200_000, 3);
    let path = net.fx.write("in/big.bin", &big);
    let err = net.fails("claimant", &["deposit", CASE, &path], 2);
    assert!(err.contains("larger than this service accepts"), "{err}");
    let listing = parse_json(&net.ok("claimant", &["--json", "list", CASE]));
    assert_eq!(
        listing["readable"].as_array().unwrap().len(),
        0,
        "{listing}"
    );

    // A records request over the limit.
    let olaf = identity(&net.fx, "outsider");
    let padded = format!(r#"{{"call":"case","reference":"{}"}}"#, "x".repeat(70_000));
    let headers = signed(
        &olaf,
        "POST",
        "/v1/read",
        Some(padded.as_bytes()),
        now(),
        "10000000000000000000000000000001",
    );
    assert_eq!(
        raw(port, "POST", "/v1/read", &headers, padded.as_bytes()).0,
        413
    );

    // Over the identity's rate: refused with 429 (others are not affected).
    let list = br#"{"call":"case_references"}"#;
    let mut statuses = Vec::new();
    for i in 0..260u32 {
        let nonce = format!("2{i:031x}");
        let headers = signed(&olaf, "POST", "/v1/read", Some(list), now(), &nonce);
        statuses.push(raw(port, "POST", "/v1/read", &headers, list).0);
    }
    assert_eq!(statuses[0], 200);
    assert!(
        statuses.contains(&429),
        "no request was refused for its rate: {statuses:?}"
    );
    net.ok("claimant", &["list", CASE]);

    // A client that connects and says nothing is disconnected.
    use std::io::Read;
    let mut idle = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    idle.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let start = std::time::Instant::now();
    let mut buf = Vec::new();
    let _ = idle.read_to_end(&mut buf);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(15),
        "an idle connection was kept open"
    );
}

#[test]
fn a_seal_whose_archive_fails_after_the_commit_is_finished_by_running_it_again() {
    let (net, recorder) = Net::recorded();
    let num = net.deposit("claimant", "brief.txt", BRIEF, &[]);
    net.ok("mediator", &["case", "close", CASE]);
    let archive = net.fx.arg("case.sealed");
    let seal = ["seal", CASE, "--retain-until", "2040-01-01", "-o", &archive];

    // The network fails as the archivist's client fetches the bodies, after the
    // service recorded the seal: the command says so and how to finish.
    recorder.cut_downloads.store(true, Ordering::SeqCst);
    let err = net.fails("archivist", &seal, 6);
    assert!(
        err.contains("is sealed, but its archive could not be written")
            && err.contains("run the same command again"),
        "{err}"
    );
    assert!(!Path::new(&archive).exists(), "a partial archive was left");
    let shown = parse_json(&net.ok("archivist", &["--json", "case", "show", CASE]));
    assert_eq!(shown["state"], "sealed", "{shown}");

    // Asked with another retention date, it names the one the seal recorded.
    let err = net.fails(
        "archivist",
        &["seal", CASE, "--retain-until", "2041-01-01", "-o", &archive],
        2,
    );
    assert!(err.contains("--retain-until 2040-01-01"), "{err}");

    // With the network back, the same command writes the archive the seal signed.
    recorder.cut_downloads.store(false, Ordering::SeqCst);
    let done = parse_json(&net.ok(
        "archivist",
        &[
            "--json",
            "seal",
            CASE,
            "--retain-until",
            "2040-01-01",
            "-o",
            &archive,
        ],
    ));
    assert_eq!(done["escrowed"], serde_json::json!([num]), "{done}");
    let verified = net.fx.sandbox.ok(&["archive", "verify", &archive]);
    assert!(verified.contains(CASE), "{verified}");
    // And then it is done: a third run refuses as for any sealed case.
    net.fails(
        "archivist",
        &[
            "seal",
            CASE,
            "--retain-until",
            "2040-01-01",
            "-o",
            &net.fx.arg("again.sealed"),
        ],
        1,
    );
}

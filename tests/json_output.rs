//! `--json` outputs, parsed and checked field by field against `docs/json.md`.
//!
//! For every command that prints JSON: standard output holds exactly one JSON document
//! (and nothing else), standard error is empty on success, every documented field is
//! present with its documented type, no undocumented field appears (a new field must be
//! added to `docs/json.md` too), and values are checked wherever they are deterministic.
//! A command that fails under `--json` prints nothing on standard output and one
//! `sealroom: ` line on standard error.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use std::sync::OnceLock;

use common::*;
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// The JSON type a field must have.
#[derive(Clone, Copy, Debug)]
enum T {
    Str,
    /// A string, or `null`.
    OptStr,
    /// A non-negative integer.
    Int,
    /// A non-negative integer, or `null`.
    OptInt,
    Bool,
    Arr,
    Obj,
}

fn has_type(v: &Value, t: T) -> bool {
    match t {
        T::Str => v.is_string(),
        T::OptStr => v.is_string() || v.is_null(),
        T::Int => v.is_u64(),
        T::OptInt => v.is_u64() || v.is_null(),
        T::Bool => v.is_boolean(),
        T::Arr => v.is_array(),
        T::Obj => v.is_object(),
    }
}

/// The text of `docs/json.md`.
fn json_doc() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json.md"))
            .expect("read docs/json.md")
    })
}

/// `v` is an object with exactly the fields `fields`, each of its type, and each named
/// in `docs/json.md`.
fn fields<'a>(what: &str, v: &'a Value, fields: &[(&str, T)]) -> &'a Map<String, Value> {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what}: expected a JSON object, got {v}"));
    let want: BTreeSet<&str> = fields.iter().map(|(k, _)| *k).collect();
    let got: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(
        got, want,
        "{what}: the fields differ from docs/json.md (a new field must be documented there)\n{v:#}"
    );
    for (key, t) in fields {
        assert!(
            json_doc().contains(&format!("`{key}`")),
            "{what}: field `{key}` is not documented in docs/json.md"
        );
        assert!(
            has_type(&obj[*key], *t),
            "{what}: field `{key}` should be {t:?}, got {}",
            obj[*key]
        );
    }
    obj
}

/// Standard output must be exactly one JSON document followed by a newline.
fn one_document(what: &str, stdout: &[u8]) -> Value {
    let text = std::str::from_utf8(stdout)
        .unwrap_or_else(|_| panic!("{what}: standard output is not UTF-8"));
    assert!(
        text.ends_with('\n') && !text.ends_with("\n\n"),
        "{what}: the JSON document should end with one newline:\n{text}"
    );
    let mut docs = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let first = match docs.next() {
        Some(Ok(v)) => v,
        other => panic!("{what}: standard output is not JSON ({other:?}):\n{text}"),
    };
    assert!(
        docs.next().is_none(),
        "{what}: standard output holds more than one JSON document:\n{text}"
    );
    assert!(
        first.is_object() || first.is_array(),
        "{what}: the document should be an object or an array: {first}"
    );
    first
}

/// A `--json` command that must succeed: one document on stdout, nothing on stderr.
fn json_ok(what: &str, out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{what}: exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{what}: under --json a success writes nothing on stderr, got:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    one_document(what, &out.stdout)
}

/// A `--json` command that must fail with `code`: nothing on stdout, one `sealroom: `
/// line on stderr (returned).
fn json_fails(what: &str, out: &Output, code: i32) -> String {
    assert!(
        out.stdout.is_empty(),
        "{what}: a failure under --json prints nothing on stdout, got:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    expect_failure(what, out, code)
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v}"))
}

fn int_of(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not an integer in {v}"))
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn is_timestamp(s: &str) -> bool {
    humantime::parse_rfc3339(s).is_ok()
}

/// The value of `key: …` in a card's text.
fn card_field(card: &str, key: &str) -> String {
    card.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key} in card:\n{card}"))
        .to_owned()
}

/// The fields of a receipt (`receipt get`, the file) and, with `path`, of the
/// `receipt` object an act prints.
const RECEIPT: [(&str, T); 9] = [
    ("format", T::Str),
    ("vault", T::Str),
    ("log_key", T::Str),
    ("case", T::Str),
    ("index", T::Int),
    ("entry", T::Str),
    ("leaf_hash", T::Str),
    ("inclusion_proof", T::Arr),
    ("checkpoint", T::Str),
];

/// Check a receipt document for entry `index` of `case`.
fn check_receipt(what: &str, r: &Value, case: &str, index: u64, with_path: bool) {
    let mut want = RECEIPT.to_vec();
    if with_path {
        want.push(("path", T::Str));
    }
    fields(what, r, &want);
    assert_eq!(str_of(r, "format"), "sealroom-receipt-v1", "{what}");
    assert_eq!(str_of(r, "case"), case, "{what}");
    assert_eq!(int_of(r, "index"), index, "{what}");
    let vault = str_of(r, "vault");
    assert!(is_hex(vault, 16), "{what}: vault id {vault}");
    assert!(
        str_of(r, "log_key").starts_with(&format!("sealroom-{vault}+")),
        "{what}: log_key {}",
        str_of(r, "log_key")
    );
    assert!(is_hex(str_of(r, "leaf_hash"), 64), "{what}");
    for h in r["inclusion_proof"].as_array().unwrap() {
        assert!(h.as_str().is_some_and(|h| is_hex(h, 64)), "{what}: {h}");
    }
    assert!(
        str_of(r, "checkpoint").starts_with(&format!("sealroom/{vault}/{case}\n")),
        "{what}: checkpoint {}",
        str_of(r, "checkpoint")
    );
    if with_path {
        // The file at `path` is the receipt itself.
        let path = Path::new(str_of(r, "path"));
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{what}: receipt file {}: {e}", path.display()));
        let mut without_path = r.clone();
        without_path.as_object_mut().unwrap().remove("path");
        assert_eq!(
            one_document(what, text.as_bytes()),
            without_path,
            "{what}: the receipt file differs from the printed receipt"
        );
    }
}

/// The result of an act that added entry `index`: its fields plus `receipt`.
fn check_act(what: &str, v: &Value, act_fields: &[(&str, T)], case: &str, index: u64) {
    let mut want = act_fields.to_vec();
    want.push(("receipt", T::Obj));
    fields(what, v, &want);
    check_receipt(&format!("{what} receipt"), &v["receipt"], case, index, true);
}

const CASE_SUMMARY: [(&str, T); 10] = [
    ("case", T::Str),
    ("title", T::OptStr),
    ("state", T::Str),
    ("policy", T::Str),
    ("threshold", T::Int),
    ("custodians", T::Int),
    ("opened_at", T::Str),
    ("documents", T::Int),
    ("members", T::Arr),
    ("charter_fingerprint", T::Str),
];

/// The `readers` array (one object per member and role: `role`, `label` for party
/// members, `name`, `fingerprint`) said as the text output says it.
fn readers_sentence(v: &Value) -> String {
    let mut groups = BTreeSet::new();
    for m in v
        .as_array()
        .unwrap_or_else(|| panic!("readers is not an array: {v}"))
    {
        let obj = fields(
            "a reader",
            m,
            if m.get("label").is_some() {
                &[
                    ("role", T::Str),
                    ("label", T::Str),
                    ("name", T::Str),
                    ("fingerprint", T::Str),
                ][..]
            } else {
                &[("role", T::Str), ("name", T::Str), ("fingerprint", T::Str)][..]
            },
        );
        groups.insert(match (obj["role"].as_str().unwrap(), obj.get("label")) {
            ("party", Some(l)) => format!("the {} party", l.as_str().unwrap()),
            ("mediator", _) => "the mediators".to_owned(),
            (role, _) => format!("the {role}"),
        });
    }
    groups.into_iter().collect::<Vec<_>>().join(", ")
}

fn with(base: &[(&'static str, T)], extra: &[(&'static str, T)]) -> Vec<(&'static str, T)> {
    base.iter().chain(extra).copied().collect()
}

/// Check a case summary's values; `members` as (role, label, stem of PEOPLE or a new one).
fn check_case_summary(
    what: &str,
    fx: &Fixture,
    v: &Value,
    state: &str,
    documents: u64,
    members: &[(&str, Option<&str>, &str, &str)],
) {
    assert_eq!(str_of(v, "case"), CASE, "{what}");
    assert_eq!(
        str_of(v, "title"),
        "Harbour Works v. City of Lindau",
        "{what}"
    );
    assert_eq!(str_of(v, "state"), state, "{what}");
    assert_eq!(str_of(v, "policy"), "consent", "{what}");
    assert_eq!(int_of(v, "threshold"), 2, "{what}");
    assert_eq!(int_of(v, "custodians"), 3, "{what}");
    assert!(is_timestamp(str_of(v, "opened_at")), "{what}");
    assert_eq!(int_of(v, "documents"), documents, "{what}");
    let got = v["members"].as_array().unwrap();
    assert_eq!(got.len(), members.len(), "{what}: members {got:?}");
    for (m, (role, label, stem, name)) in got.iter().zip(members) {
        let mut want = vec![("role", T::Str), ("name", T::Str), ("fingerprint", T::Str)];
        if label.is_some() {
            want.push(("label", T::Str));
        }
        fields(&format!("{what} member {stem}"), m, &want);
        assert_eq!(str_of(m, "role"), *role, "{what}");
        assert_eq!(m["label"].as_str(), *label, "{what}");
        assert_eq!(str_of(m, "name"), *name, "{what}");
        let card = std::fs::read_to_string(fx.card(stem)).unwrap();
        assert_eq!(
            str_of(m, "fingerprint"),
            card_field(&card, "fingerprint"),
            "{what}"
        );
    }
}

const DOCUMENT_VIEW: [(&str, T); 11] = [
    ("num", T::Int),
    ("owner", T::Str),
    ("category", T::Str),
    ("confidential", T::Bool),
    ("title", T::Str),
    ("file_name", T::Str),
    ("media_type", T::Str),
    ("size", T::Int),
    ("depositor", T::Str),
    ("deposited_at", T::Str),
    ("readers", T::Arr),
];

/// (num, owner, category, title, file name, media type, size, depositor, readers)
type Doc<'a> = (
    u64,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    u64,
    &'a str,
    &'a str,
);

fn check_document(what: &str, v: &Value, d: Doc) {
    fields(what, v, &DOCUMENT_VIEW);
    let (num, owner, category, title, file_name, media_type, size, depositor, readers) = d;
    assert_eq!(int_of(v, "num"), num, "{what}");
    assert_eq!(str_of(v, "owner"), owner, "{what}");
    assert_eq!(str_of(v, "category"), category, "{what}");
    assert_eq!(v["confidential"], false, "{what}");
    assert_eq!(str_of(v, "title"), title, "{what}");
    assert_eq!(str_of(v, "file_name"), file_name, "{what}");
    assert_eq!(str_of(v, "media_type"), media_type, "{what}");
    assert_eq!(int_of(v, "size"), size, "{what}");
    assert_eq!(str_of(v, "depositor"), depositor, "{what}");
    assert!(is_timestamp(str_of(v, "deposited_at")), "{what}");
    assert_eq!(readers_sentence(&v["readers"]), readers, "{what}");
}

const CARD: [(&str, T); 5] = [
    ("name", T::Str),
    ("age", T::Str),
    ("ed25519", T::Str),
    ("fingerprint", T::Str),
    ("card", T::Str),
];

// ---------------------------------------------------------------------------------
// Commands that need no case
// ---------------------------------------------------------------------------------

#[test]
fn init_keygen_card_completions_and_man() {
    let sb = Sandbox::new();

    let v = json_ok(
        "init",
        &sb.run(&["--json", "init", "--vault", &sb.arg("v")]),
    );
    fields(
        "init",
        &v,
        &[("vault", T::Str), ("vault_id", T::Str), ("log_key", T::Str)],
    );
    assert_eq!(str_of(&v, "vault"), sb.arg("v"));
    let id = str_of(&v, "vault_id");
    assert!(is_hex(id, 16), "vault_id {id}");
    assert!(str_of(&v, "log_key").starts_with(&format!("sealroom-{id}+")));

    let keygen = sb.run(&[
        "--json",
        "keygen",
        "--name",
        "Ana Ruiz",
        "-o",
        &sb.arg("ana.id"),
        "--no-passphrase",
    ]);
    let k = json_ok("keygen", &keygen);
    fields("keygen", &k, &CARD);
    assert_eq!(str_of(&k, "name"), "Ana Ruiz");
    assert!(str_of(&k, "age").starts_with("age1"));
    let card = str_of(&k, "card");
    assert!(card.starts_with("sealroom card v1\n") && card.ends_with('\n'));
    for key in ["name", "age", "ed25519", "fingerprint"] {
        assert_eq!(card_field(card, key), str_of(&k, key), "card text vs {key}");
    }
    // `card` is the text printed without --json.
    assert_eq!(card, sb.ok(&["card", "-i", &sb.arg("ana.id")]));

    let c = json_ok(
        "card",
        &sb.run(&["--json", "card", "-i", &sb.arg("ana.id")]),
    );
    assert_eq!(c, k, "card prints what keygen printed");

    let bash = sb.ok(&["completions", "bash"]);
    let v = json_ok("completions", &sb.run(&["--json", "completions", "bash"]));
    fields("completions", &v, &[("shell", T::Str), ("script", T::Str)]);
    assert_eq!(str_of(&v, "shell"), "bash");
    assert_eq!(str_of(&v, "script"), bash);

    let page = sb.ok(&["man"]);
    let v = json_ok("man", &sb.run(&["--json", "man"]));
    fields("man", &v, &[("man", T::Str)]);
    assert_eq!(str_of(&v, "man"), page);
}

// ---------------------------------------------------------------------------------
// A whole case, every act in JSON
// ---------------------------------------------------------------------------------

#[test]
fn a_whole_case_in_json() {
    let fx = Fixture::without_case();
    let json = |who: Option<&str>, args: &[&str]| {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let what = all.join(" ");
        let out = match who {
            Some(who) => fx.run_as(who, &all),
            None => fx.run(&all),
        };
        json_ok(&what, &out)
    };
    let people = |stems: &[&str]| -> Vec<String> { stems.iter().map(|s| fx.card(s)).collect() };
    let cards = people(&[
        "mediator",
        "claimant",
        "cocounsel",
        "respondent",
        "archivist",
        "custodian1",
        "custodian2",
        "custodian3",
    ]);
    let [med, cla, coc, res, arc, c1, c2, c3] = [0, 1, 2, 3, 4, 5, 6, 7].map(|i| &cards[i]);
    let members: Vec<(&str, Option<&str>, &str, &str)> = vec![
        ("registrar", None, "registrar", fx.name("registrar")),
        ("mediator", None, "mediator", fx.name("mediator")),
        ("party", Some("claimant"), "claimant", fx.name("claimant")),
        ("party", Some("claimant"), "cocounsel", fx.name("cocounsel")),
        (
            "party",
            Some("respondent"),
            "respondent",
            fx.name("respondent"),
        ),
        ("archivist", None, "archivist", fx.name("archivist")),
        ("custodian", None, "custodian1", fx.name("custodian1")),
        ("custodian", None, "custodian2", fx.name("custodian2")),
        ("custodian", None, "custodian3", fx.name("custodian3")),
    ];

    // case open
    let claimant_arg = format!("claimant={cla}");
    let cocounsel_arg = format!("claimant={coc}");
    let respondent_arg = format!("respondent={res}");
    let v = json(
        Some("registrar"),
        &[
            "case",
            "open",
            CASE,
            "--title",
            "Harbour Works v. City of Lindau",
            "--mediator",
            med,
            "--party",
            &claimant_arg,
            "--party",
            &cocounsel_arg,
            "--party",
            &respondent_arg,
            "--archivist",
            arc,
            "--custodian",
            c1,
            "--custodian",
            c2,
            "--custodian",
            c3,
            "--threshold",
            "2",
        ],
    );
    check_act(
        "case open",
        &v,
        &with(&CASE_SUMMARY, &[("statement", T::Int)]),
        CASE,
        0,
    );
    assert_eq!(int_of(&v, "statement"), 0);
    check_case_summary("case open", &fx, &v, "open", 0, &members);
    let receipts_dir = fx.sandbox.state_dir().join("receipts");
    assert!(
        Path::new(str_of(&v["receipt"], "path")).starts_with(&receipts_dir),
        "receipts go to $XDG_STATE_HOME/sealroom/receipts: {}",
        str_of(&v["receipt"], "path")
    );

    // case show, case list
    let v = json(None, &["case", "show", CASE]);
    fields("case show", &v, &CASE_SUMMARY);
    check_case_summary("case show", &fx, &v, "open", 0, &members);
    let list = json(None, &["case", "list"]);
    let list = list.as_array().expect("case list is an array");
    assert_eq!(list.len(), 1);
    fields("case list[0]", &list[0], &CASE_SUMMARY);
    check_case_summary("case list", &fx, &list[0], "open", 0, &members);

    // deposit: a brief, a caucus statement, a mediator's note, a settlement draft
    let brief = fx.write("in/position.txt", b"Our opening position.\n");
    let caucus = fx.write("in/range.txt", b"We would accept 400k.\n");
    let note = fx.write("in/note.txt", b"Both sides are closer than they think.\n");
    let settlement = fx.write("in/draft.txt", b"Draft settlement agreement.\n");
    const DEPOSITED: [(&str, T); 9] = [
        ("case", T::Str),
        ("num", T::Int),
        ("category", T::Str),
        ("owner", T::Str),
        ("size", T::Int),
        ("blob_sha256", T::Str),
        ("encoding", T::Str),
        ("readers", T::Arr),
        ("statement", T::Int),
    ];
    let deposits = [
        (
            "claimant",
            &brief,
            vec![],
            "brief",
            "claimant",
            22,
            "the claimant party, the mediators",
        ),
        (
            "claimant",
            &caucus,
            vec!["--category", "caucus", "--title", "Settlement range"],
            "caucus",
            "claimant",
            22,
            "the claimant party, the mediators",
        ),
        (
            "mediator",
            &note,
            vec!["--category", "mediator-note"],
            "mediator-note",
            "mediators",
            39,
            "the mediators",
        ),
        (
            "claimant",
            &settlement,
            vec!["--category", "settlement"],
            "settlement",
            "claimant",
            28,
            "the archivist, the claimant party, the mediators, the respondent party",
        ),
    ];
    let mut first_receipt = Value::Null;
    for (i, (who, file, extra, category, owner, size, readers)) in deposits.iter().enumerate() {
        let num = i as u64 + 1;
        let mut args = vec!["deposit", CASE, file.as_str()];
        args.extend_from_slice(extra);
        let v = json(Some(who), &args);
        let what = format!("deposit #{num}");
        check_act(&what, &v, &DEPOSITED, CASE, num);
        assert_eq!(str_of(&v, "case"), CASE, "{what}");
        assert_eq!(int_of(&v, "num"), num, "{what}");
        assert_eq!(str_of(&v, "category"), *category, "{what}");
        assert_eq!(str_of(&v, "owner"), *owner, "{what}");
        assert_eq!(int_of(&v, "size"), *size, "{what}");
        let blob = str_of(&v, "blob_sha256");
        assert!(is_hex(blob, 64), "{what}: {blob}");
        fx.blob(blob);
        assert!(
            ["none", "zstd"].contains(&str_of(&v, "encoding")),
            "{what}: encoding {}",
            str_of(&v, "encoding")
        );
        assert_eq!(readers_sentence(&v["readers"]), *readers, "{what}");
        assert_eq!(int_of(&v, "statement"), num, "{what}");
        if num == 1 {
            first_receipt = v["receipt"].clone();
            first_receipt.as_object_mut().unwrap().remove("path");
        }
    }

    // list, as two parties
    let claimant_view = json(Some("claimant"), &["list", CASE]);
    fields(
        "list",
        &claimant_view,
        &[
            ("case", T::Str),
            ("readable", T::Arr),
            ("unreadable", T::Int),
            ("filtered_out", T::Int),
        ],
    );
    assert_eq!(int_of(&claimant_view, "filtered_out"), 0);
    assert_eq!(str_of(&claimant_view, "case"), CASE);
    assert_eq!(int_of(&claimant_view, "unreadable"), 1);
    let docs = claimant_view["readable"].as_array().unwrap();
    assert_eq!(docs.len(), 3, "{docs:?}");
    let ana = fx.name("claimant");
    check_document(
        "list #1",
        &docs[0],
        (
            1,
            "claimant",
            "brief",
            "position.txt",
            "position.txt",
            "text/plain",
            22,
            ana,
            "the claimant party, the mediators",
        ),
    );
    check_document(
        "list #2",
        &docs[1],
        (
            2,
            "claimant",
            "caucus",
            "Settlement range",
            "range.txt",
            "text/plain",
            22,
            ana,
            "the claimant party, the mediators",
        ),
    );
    assert_eq!(int_of(&docs[2], "num"), 4);
    let respondent_view = json(Some("respondent"), &["list", CASE]);
    assert_eq!(
        respondent_view["readable"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| int_of(d, "num"))
            .collect::<Vec<_>>(),
        vec![4]
    );
    assert_eq!(int_of(&respondent_view, "unreadable"), 3);

    // read -o
    let out = fx.arg("out/range.txt");
    std::fs::create_dir_all(fx.sandbox.join("out")).unwrap();
    let v = json(Some("mediator"), &["read", CASE, "#2", "-o", &out]);
    check_act(
        "read",
        &v,
        &[("document", T::Obj), ("statement", T::Int)],
        CASE,
        5,
    );
    check_document(
        "read",
        &v["document"],
        (
            2,
            "claimant",
            "caucus",
            "Settlement range",
            "range.txt",
            "text/plain",
            22,
            ana,
            "the claimant party, the mediators",
        ),
    );
    assert_eq!(int_of(&v, "statement"), 5);
    assert_eq!(std::fs::read(&out).unwrap(), b"We would accept 400k.\n");

    // consent, twice
    const CONSENTED: [(&str, T); 4] = [
        ("num", T::Int),
        ("to", T::Str),
        ("statement", T::Int),
        ("new", T::Bool),
    ];
    let v = json(
        Some("claimant"),
        &["consent", CASE, "2", "--to", "respondent"],
    );
    check_act("consent", &v, &CONSENTED, CASE, 6);
    assert_eq!(int_of(&v, "num"), 2);
    assert_eq!(str_of(&v, "to"), "respondent");
    assert_eq!(int_of(&v, "statement"), 6);
    assert_eq!(v["new"], true);
    let v = json(
        Some("cocounsel"),
        &["consent", CASE, "2", "--to", "respondent"],
    );
    fields("consent again", &v, &CONSENTED);
    assert_eq!(int_of(&v, "statement"), 6, "the consent already given");
    assert_eq!(v["new"], false);

    // disclose, twice
    const DISCLOSED: [(&str, T); 6] = [
        ("num", T::Int),
        ("to", T::Str),
        ("new_readers", T::Arr),
        ("basis", T::Str),
        ("statement", T::OptInt),
        ("readers", T::Arr),
    ];
    let all_three = "the claimant party, the mediators, the respondent party";
    let v = json(
        Some("mediator"),
        &["disclose", CASE, "2", "--to", "respondent"],
    );
    check_act("disclose", &v, &DISCLOSED, CASE, 7);
    assert_eq!(int_of(&v, "num"), 2);
    assert_eq!(str_of(&v, "to"), "respondent");
    assert_eq!(v["new_readers"], serde_json::json!([fx.name("respondent")]));
    assert_eq!(str_of(&v, "basis"), "consent");
    assert_eq!(int_of(&v, "statement"), 7);
    assert_eq!(readers_sentence(&v["readers"]), all_three);
    let v = json(
        Some("mediator"),
        &["disclose", CASE, "2", "--to", "respondent"],
    );
    fields("disclose again", &v, &DISCLOSED);
    assert_eq!(v["new_readers"], serde_json::json!([]));
    assert!(v["statement"].is_null(), "nothing granted, no statement");
    assert_eq!(readers_sentence(&v["readers"]), all_three);

    // revoke --rekey
    let v = json(
        Some("claimant"),
        &["revoke", CASE, "2", "--from", "respondent", "--rekey"],
    );
    check_act(
        "revoke",
        &v,
        &[
            ("num", T::Int),
            ("from", T::Str),
            ("removed", T::Arr),
            ("rekeyed", T::Bool),
            ("consent_withdrawn", T::Bool),
            ("statement", T::Int),
            ("readers", T::Arr),
        ],
        CASE,
        8,
    );
    assert_eq!(int_of(&v, "num"), 2);
    assert_eq!(str_of(&v, "from"), "respondent");
    assert_eq!(v["removed"], serde_json::json!([fx.name("respondent")]));
    assert_eq!(v["rekeyed"], true);
    assert_eq!(v["consent_withdrawn"], true);
    assert_eq!(int_of(&v, "statement"), 8);
    assert_eq!(
        readers_sentence(&v["readers"]),
        "the claimant party, the mediators"
    );

    // export
    let court = fx.add_person("court", "Court Clerk");
    let recipient = card_field(&court, "age");
    let v = json(
        Some("claimant"),
        &[
            "export",
            CASE,
            "1",
            "--recipient",
            &recipient,
            "-o",
            &fx.arg("out/position.age"),
        ],
    );
    check_act(
        "export",
        &v,
        &[
            ("num", T::Int),
            ("recipient", T::Str),
            ("size", T::Int),
            ("statement", T::Int),
        ],
        CASE,
        9,
    );
    assert_eq!(int_of(&v, "num"), 1);
    assert_eq!(str_of(&v, "recipient"), recipient);
    assert_eq!(int_of(&v, "size"), 22);
    assert_eq!(int_of(&v, "statement"), 9);

    // case add-member
    let dana = fx.add_person("dana", "Dana Court");
    let dana_arg = format!("respondent={}", fx.card("dana"));
    let v = json(
        Some("registrar"),
        &["case", "add-member", CASE, "--party", &dana_arg],
    );
    check_act(
        "case add-member",
        &v,
        &with(&CASE_SUMMARY, &[("statement", T::Int)]),
        CASE,
        10,
    );
    let mut members = members.clone();
    members.push(("party", Some("respondent"), "dana", "Dana Court"));
    check_case_summary("case add-member", &fx, &v, "open", 4, &members);
    assert_eq!(int_of(&v, "statement"), 10);
    assert_eq!(
        str_of(&v["members"][9], "fingerprint"),
        card_field(&dana, "fingerprint")
    );

    // log
    let log = json(None, &["log", CASE]);
    let lines = log.as_array().expect("log is an array");
    let acts = [
        ("open", None),
        ("deposit", Some(1)),
        ("deposit", Some(2)),
        ("deposit", Some(3)),
        ("deposit", Some(4)),
        ("read", Some(2)),
        ("consent", Some(2)),
        ("disclose", Some(2)),
        ("revoke", Some(2)),
        ("export", Some(1)),
        ("add-member", None),
    ];
    assert_eq!(lines.len(), acts.len(), "{log:#}");
    for (seq, (line, (act, num))) in lines.iter().zip(acts).enumerate() {
        let what = format!("log line {seq}");
        let mut want = vec![
            ("seq", T::Int),
            ("at", T::Str),
            ("actor", T::Str),
            ("act", T::Str),
            ("detail", T::Str),
        ];
        if num.is_some() {
            want.push(("num", T::Int));
        }
        fields(&what, line, &want);
        assert_eq!(int_of(line, "seq"), seq as u64, "{what}");
        assert!(is_timestamp(str_of(line, "at")), "{what}");
        assert_eq!(str_of(line, "act"), act, "{what}");
        assert_eq!(line["num"].as_u64(), num, "{what}");
    }
    assert_eq!(str_of(&lines[0], "actor"), fx.name("registrar"));
    assert_eq!(str_of(&lines[5], "actor"), fx.name("mediator"));
    assert_eq!(
        str_of(&lines[8], "detail"),
        "from the respondent party, re-keyed"
    );

    // log --verify
    let v = json(None, &["log", CASE, "--verify"]);
    fields(
        "log --verify",
        &v,
        &[
            ("case", T::Str),
            ("statements", T::Int),
            ("wraps", T::Int),
            ("root", T::Str),
            ("checkpoint_size", T::Int),
            ("heads", T::Int),
        ],
    );
    assert_eq!(str_of(&v, "case"), CASE);
    assert_eq!(int_of(&v, "statements"), 11);
    assert_eq!(int_of(&v, "checkpoint_size"), 11);
    // Every statement written now names its head.
    assert_eq!(int_of(&v, "heads"), 11);
    assert!(int_of(&v, "wraps") > 0);
    assert!(is_hex(str_of(&v, "root"), 64));

    // receipt get (standard output, then a file), receipt verify (online, offline)
    let v = json(None, &["receipt", "get", CASE, "1"]);
    check_receipt("receipt get", &v, CASE, 1, false);
    assert_eq!(
        v, first_receipt,
        "receipt get gives back the receipt the deposit issued"
    );
    let file = fx.arg("out/deposit-1.receipt");
    let w = json(None, &["receipt", "get", CASE, "1", "-o", &file]);
    fields(
        "receipt get -o",
        &w,
        &[("path", T::Str), ("receipt", T::Obj)],
    );
    assert_eq!(
        str_of(&w, "path"),
        file,
        "receipt get -o names the file it wrote"
    );
    assert_eq!(
        w["receipt"], v,
        "receipt get -o prints the receipt it wrote"
    );
    assert_eq!(
        one_document("receipt file", &std::fs::read(&file).unwrap()),
        v
    );
    let v = json(None, &["receipt", "verify", &file]);
    fields(
        "receipt verify",
        &v,
        &[
            ("offline", T::Bool),
            ("case", T::Str),
            ("index", T::Int),
            ("act", T::Str),
            ("at", T::Str),
            ("receipt_size", T::Int),
            ("current_size", T::Int),
        ],
    );
    assert_eq!(v["offline"], false);
    assert_eq!(str_of(&v, "case"), CASE);
    assert_eq!(int_of(&v, "index"), 1);
    assert_eq!(str_of(&v, "act"), "deposit");
    assert!(is_timestamp(str_of(&v, "at")));
    // The receipt's checkpoint is the one signed right after entry 1 was appended.
    assert_eq!(int_of(&v, "receipt_size"), 2);
    assert_eq!(int_of(&v, "current_size"), 11);
    let v = json(None, &["receipt", "verify", &file, "--offline"]);
    fields(
        "receipt verify --offline",
        &v,
        &[
            ("case", T::Str),
            ("index", T::Int),
            ("act", T::Str),
            ("at", T::Str),
            ("receipt_size", T::Int),
            ("offline", T::Bool),
        ],
    );
    assert_eq!(str_of(&v, "act"), "deposit");
    assert_eq!(int_of(&v, "receipt_size"), 2);
    assert_eq!(v["offline"], true);

    // doctor, with a leftover, then --repair
    const DOCTOR: [(&str, T); 7] = [
        ("cases", T::Int),
        ("blobs_checked", T::Int),
        ("problems", T::Arr),
        ("leftovers", T::Arr),
        ("removed", T::Arr),
        ("kept", T::Arr),
        ("cautions", T::Arr),
    ];
    let stray = "ab".repeat(32);
    std::fs::write(fx.vault.join("blobs").join(&stray), b"left by a crash").unwrap();
    let v = json(None, &["doctor"]);
    fields("doctor", &v, &DOCTOR);
    assert_eq!(int_of(&v, "cases"), 1);
    assert_eq!(int_of(&v, "blobs_checked"), 4);
    assert_eq!(v["problems"], serde_json::json!([]));
    assert_eq!(v["removed"], serde_json::json!([]));
    let leftovers = v["leftovers"].as_array().unwrap();
    assert_eq!(leftovers.len(), 1, "{v:#}");
    fields(
        "doctor finding",
        &leftovers[0],
        &[("kind", T::Str), ("detail", T::Str)],
    );
    assert_eq!(str_of(&leftovers[0], "kind"), "unreferenced");
    assert!(str_of(&leftovers[0], "detail").starts_with(&stray[..16]));
    assert_eq!(v["cautions"], serde_json::json!([]));
    // The stray is seconds old: within the default grace period it is kept (it could
    // be the body of an act under way).
    let v = json(None, &["doctor", "--repair"]);
    fields("doctor --repair", &v, &DOCTOR);
    assert_eq!(v["removed"], serde_json::json!([]), "{v:#}");
    let kept = v["kept"].as_array().unwrap();
    assert!(
        kept.len() == 1 && kept[0].as_str().is_some_and(|r| r.ends_with(&stray)),
        "doctor --repair names the young leftover it kept: {v:#}"
    );
    assert!(fx.vault.join("blobs").join(&stray).exists());
    let v = json(None, &["doctor", "--repair", "--grace", "0"]);
    fields("doctor --repair --grace 0", &v, &DOCTOR);
    assert_eq!(v["kept"], serde_json::json!([]));
    let removed = v["removed"].as_array().unwrap();
    assert_eq!(removed.len(), 1, "{v:#}");
    assert!(
        removed[0].as_str().is_some_and(|r| r.ends_with(&stray)),
        "doctor --repair names the file it removed: {v:#}"
    );
    assert!(!fx.vault.join("blobs").join(&stray).exists());

    // case close
    let v = json(Some("mediator"), &["case", "close", CASE]);
    check_act(
        "case close",
        &v,
        &with(&CASE_SUMMARY, &[("statement", T::Int)]),
        CASE,
        11,
    );
    check_case_summary("case close", &fx, &v, "closed", 4, &members);

    // seal
    let archive = fx.arg("C-1.sealed");
    let v = json(
        Some("archivist"),
        &["seal", CASE, "--retain-until", "2099-12-31", "-o", &archive],
    );
    check_act(
        "seal",
        &v,
        &[
            ("case", T::Str),
            ("archive", T::Str),
            ("manifest_sha256", T::Str),
            ("retain_until", T::Str),
            ("retained", T::Arr),
            ("escrowed", T::Arr),
            ("destroyed", T::Arr),
            ("statement", T::Int),
        ],
        CASE,
        12,
    );
    assert_eq!(str_of(&v, "case"), CASE);
    assert_eq!(str_of(&v, "archive"), archive);
    let manifest = str_of(&v, "manifest_sha256").to_owned();
    assert!(is_hex(&manifest, 64));
    assert_eq!(str_of(&v, "retain_until"), "2099-12-31");
    assert_eq!(v["retained"], serde_json::json!([4]));
    assert_eq!(v["escrowed"], serde_json::json!([1, 2]));
    assert_eq!(v["destroyed"], serde_json::json!([3]));
    assert_eq!(int_of(&v, "statement"), 12);

    // archive verify, archive show
    const ARCHIVE_REPORT: [(&str, T); 8] = [
        ("case", T::Str),
        ("manifest_sha256", T::Str),
        ("files", T::Int),
        ("entries", T::Int),
        ("retain_until", T::Str),
        ("destroyed", T::Bool),
        ("destroyed_at", T::OptStr),
        ("certificate_checked", T::Bool),
    ];
    let v = json(None, &["archive", "verify", &archive]);
    fields("archive verify", &v, &ARCHIVE_REPORT);
    assert_eq!(str_of(&v, "case"), CASE);
    assert_eq!(str_of(&v, "manifest_sha256"), manifest);
    assert!(int_of(&v, "files") > 0);
    assert_eq!(int_of(&v, "entries"), 13);
    assert_eq!(str_of(&v, "retain_until"), "2099-12-31");
    assert_eq!(v["destroyed"], false);

    const ARCHIVE_SUMMARY: [(&str, T); 14] = [
        ("case", T::Str),
        ("title", T::OptStr),
        ("policy", T::Str),
        ("parties", T::Arr),
        ("mediators", T::Arr),
        ("archivist", T::Str),
        ("threshold", T::Int),
        ("custodians", T::Arr),
        ("opened_at", T::Str),
        ("closed_at", T::OptStr),
        ("sealed_at", T::Str),
        ("retain_until", T::Str),
        ("documents", T::Arr),
        ("manifest_sha256", T::Str),
    ];
    let shown = json(None, &["archive", "show", &archive]);
    let v = &shown;
    fields("archive show", v, &ARCHIVE_SUMMARY);
    assert_eq!(str_of(v, "case"), CASE);
    assert_eq!(str_of(v, "title"), "Harbour Works v. City of Lindau");
    assert_eq!(str_of(v, "policy"), "consent");
    assert_eq!(
        v["parties"],
        serde_json::json!([
            { "label": "claimant", "members": [fx.name("claimant"), fx.name("cocounsel")] },
            { "label": "respondent", "members": [fx.name("respondent"), "Dana Court"] },
        ])
    );
    assert_eq!(v["mediators"], serde_json::json!([fx.name("mediator")]));
    assert_eq!(str_of(v, "archivist"), fx.name("archivist"));
    assert_eq!(int_of(v, "threshold"), 2);
    assert_eq!(
        v["custodians"],
        serde_json::json!([
            fx.name("custodian1"),
            fx.name("custodian2"),
            fx.name("custodian3")
        ])
    );
    for key in ["opened_at", "closed_at", "sealed_at"] {
        assert!(is_timestamp(str_of(v, key)), "archive show {key}");
    }
    assert_eq!(str_of(v, "retain_until"), "2099-12-31");
    assert_eq!(str_of(v, "manifest_sha256"), manifest);
    let dispositions = [
        (1, "brief", "claimant", "escrowed"),
        (2, "caucus", "claimant", "escrowed"),
        (3, "mediator-note", "mediators", "destroyed"),
        (4, "settlement", "claimant", "retained"),
    ];
    let docs = v["documents"].as_array().unwrap();
    assert_eq!(docs.len(), dispositions.len(), "{v:#}");
    for (d, (num, category, owner, disposition)) in docs.iter().zip(dispositions) {
        fields(
            "archive show document",
            d,
            &[
                ("num", T::Int),
                ("category", T::Str),
                ("owner", T::Str),
                ("disposition", T::Str),
            ],
        );
        assert_eq!(int_of(d, "num"), num);
        assert_eq!(str_of(d, "category"), category);
        assert_eq!(str_of(d, "owner"), owner);
        assert_eq!(str_of(d, "disposition"), disposition);
    }

    // archive release (two custodians, to the court clerk), archive open
    let mut shares = Vec::new();
    for who in ["custodian1", "custodian3"] {
        let share = fx.arg(format!("out/{who}.release"));
        let v = json(
            Some(who),
            &[
                "archive",
                "release",
                &archive,
                "--to",
                &fx.card("court"),
                "-o",
                &share,
            ],
        );
        let what = format!("archive release by {who}");
        fields(
            &what,
            &v,
            &[("path", T::Str), ("release", T::Obj), ("signature", T::Str)],
        );
        assert_eq!(str_of(&v, "path"), share, "{what} names the file it wrote");
        let r = &v["release"];
        fields(
            &what,
            r,
            &[
                ("format", T::Str),
                ("case", T::Str),
                ("manifest_sha256", T::Str),
                ("custodian", T::Obj),
                ("requester", T::Str),
                ("requester_name", T::Str),
                ("share", T::Str),
                ("released_at", T::Str),
            ],
        );
        assert_eq!(str_of(r, "format"), "sealroom-release-v1");
        assert_eq!(str_of(r, "case"), CASE);
        assert_eq!(str_of(r, "manifest_sha256"), manifest);
        let custodian = &r["custodian"];
        fields(
            &what,
            custodian,
            &[
                ("role", T::Str),
                ("name", T::Str),
                ("age", T::Str),
                ("ed25519", T::Str),
            ],
        );
        let card = std::fs::read_to_string(fx.card(who)).unwrap();
        assert_eq!(str_of(custodian, "role"), "custodian");
        assert_eq!(str_of(custodian, "name"), fx.name(who));
        assert_eq!(str_of(custodian, "age"), card_field(&card, "age"));
        assert_eq!(str_of(custodian, "ed25519"), card_field(&card, "ed25519"));
        assert!(is_hex(str_of(r, "requester"), 64));
        assert_eq!(
            str_of(r, "requester")[..4].to_ascii_uppercase(),
            card_field(&court, "fingerprint")[..4]
        );
        assert_eq!(str_of(r, "requester_name"), "Court Clerk");
        assert!(is_timestamp(str_of(r, "released_at")));
        let mut printed = v.clone();
        printed.as_object_mut().unwrap().remove("path");
        assert_eq!(
            one_document("release file", &std::fs::read(&share).unwrap()),
            printed,
            "{what}: the release file is what was printed"
        );
        shares.push(share);
    }
    let opened = fx.sandbox.join("opened");
    let v = json(
        Some("court"),
        &[
            "archive",
            "open",
            &archive,
            "--share",
            &shares[0],
            "--share",
            &shares[1],
            "-o",
            &path_arg(&opened),
        ],
    );
    fields(
        "archive open",
        &v,
        &[
            ("case", T::Str),
            ("folder", T::Str),
            ("custodians", T::Arr),
            ("documents", T::Arr),
        ],
    );
    assert_eq!(str_of(&v, "case"), CASE);
    assert_eq!(str_of(&v, "folder"), path_arg(&opened));
    assert_eq!(
        v["custodians"],
        serde_json::json!([fx.name("custodian1"), fx.name("custodian3")])
    );
    let docs = v["documents"].as_array().unwrap();
    let expected: [(u64, &str, &str, &[u8]); 3] = [
        (1, "brief", "position.txt", b"Our opening position.\n"),
        (2, "caucus", "range.txt", b"We would accept 400k.\n"),
        (
            4,
            "settlement",
            "draft.txt",
            b"Draft settlement agreement.\n",
        ),
    ];
    assert_eq!(docs.len(), expected.len(), "{v:#}");
    for (d, (num, category, original, bytes)) in docs.iter().zip(expected) {
        let what = format!("archive open #{num}");
        fields(
            &what,
            d,
            &[
                ("num", T::Int),
                ("category", T::Str),
                ("owner", T::Str),
                ("title", T::Str),
                ("original_name", T::Str),
                ("file", T::Str),
                ("size", T::Int),
                ("sha256", T::Str),
            ],
        );
        assert_eq!(int_of(d, "num"), num, "{what}");
        assert_eq!(str_of(d, "category"), category, "{what}");
        assert_eq!(str_of(d, "owner"), "claimant", "{what}");
        assert_eq!(str_of(d, "original_name"), original, "{what}");
        assert_eq!(int_of(d, "size"), bytes.len() as u64, "{what}");
        assert_eq!(str_of(d, "sha256"), sha256_hex(bytes), "{what}");
        assert_eq!(
            std::fs::read(opened.join(str_of(d, "file"))).unwrap(),
            bytes,
            "{what}: the file written"
        );
    }

    // archive destroy: refused before the retention date, so nothing on stdout.
    let err = json_fails(
        "archive destroy before retention",
        &fx.run_as(
            "archivist",
            &[
                "--json",
                "archive",
                "destroy",
                &archive,
                "-o",
                &fx.arg("out/destroyed.cert"),
            ],
        ),
        1,
    );
    assert!(err.contains("2099-12-31"), "{err}");

    // archive show --ledger: the summary and the ledger's records (two releases and the
    // opening above).
    let mut with_ledger: Vec<(&str, T)> = ARCHIVE_SUMMARY.to_vec();
    with_ledger.push(("ledger", T::Arr));
    let v = json(None, &["archive", "show", &archive, "--ledger"]);
    fields("archive show --ledger", &v, &with_ledger);
    let records = v["ledger"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    const LEDGER: [(&str, T); 10] = [
        ("format", T::Str),
        ("case", T::Str),
        ("manifest_sha256", T::Str),
        ("seq", T::Int),
        ("at", T::Str),
        ("act", T::Str),
        ("actor_name", T::Str),
        ("actor_age", T::Str),
        ("actor_ed25519", T::Str),
        ("prev", T::Str),
    ];
    for (i, r) in records.iter().enumerate() {
        let mut want: Vec<(&str, T)> = LEDGER.to_vec();
        want.push(if i < 2 {
            ("to", T::Str)
        } else {
            ("shares", T::Arr)
        });
        fields("a ledger record", r, &want);
        assert_eq!(str_of(r, "format"), "sealroom-ledger-v1");
        assert_eq!(int_of(r, "seq"), i as u64);
        assert_eq!(str_of(r, "manifest_sha256"), manifest);
        assert!(is_timestamp(str_of(r, "at")));
        assert_eq!(str_of(r, "prev").is_empty(), i == 0);
    }
    assert_eq!(str_of(&records[2], "act"), "open");
    assert_eq!(str_of(&records[2], "actor_name"), "Court Clerk");

    // After the retention date (stepped past through the library, as the CLI has no
    // clock to lie to), `archive destroy --json` prints the certificate: check its
    // serialisation, then verify and show the destroyed archive with it.
    let archivist = sealroom_engine::Identity::load(Path::new(&fx.id("archivist")), || {
        Err(sealroom_engine::Error::usage(
            "the fixture identities have no passphrase",
        ))
    })
    .unwrap();
    let cert_path = fx.sandbox.join("out/destroyed.cert");
    let cert = sealroom_engine::archive::destroy::destroy_on(
        Path::new(&archive),
        &archivist,
        &cert_path,
        "2100-01-01",
    )
    .unwrap();
    let v = serde_json::to_value(&cert).unwrap();
    fields(
        "archive destroy",
        &v,
        &[("body", T::Obj), ("signature", T::Str)],
    );
    let body = &v["body"];
    fields(
        "archive destroy body",
        body,
        &[
            ("format", T::Str),
            ("case", T::Str),
            ("vault", T::Str),
            ("manifest_sha256", T::Str),
            ("archive_sha256", T::Str),
            ("retain_until", T::Str),
            ("destroyed_at", T::Str),
            ("removed", T::Arr),
            ("archivist", T::Obj),
        ],
    );
    assert_eq!(str_of(body, "format"), "sealroom-destruction-v1");
    assert_eq!(str_of(body, "case"), CASE);
    assert_eq!(str_of(body, "manifest_sha256"), manifest);
    assert!(is_hex(str_of(body, "archive_sha256"), 64));
    assert_eq!(str_of(body, "retain_until"), "2099-12-31");
    assert!(is_timestamp(str_of(body, "destroyed_at")));
    assert!(!body["removed"].as_array().unwrap().is_empty());
    assert_eq!(str_of(&body["archivist"], "role"), "archivist");
    let cert_arg = path_arg(&cert_path);
    let v = json(
        None,
        &["archive", "verify", &archive, "--certificate", &cert_arg],
    );
    fields("archive verify --certificate", &v, &ARCHIVE_REPORT);
    assert_eq!(v["destroyed"], true);
    assert_eq!(v["certificate_checked"], true);
    assert_eq!(str_of(&v, "destroyed_at"), str_of(body, "destroyed_at"));
    // Without the certificate: exit 7, the date on stderr, nothing on stdout.
    let out = fx.run(&["--json", "archive", "verify", &archive]);
    let err = json_fails("archive verify of a destroyed archive", &out, 7);
    assert!(
        err.contains(&format!(
            "destroyed on {}",
            &str_of(body, "destroyed_at")[..10]
        )),
        "{err}"
    );
    let v = json(
        None,
        &["archive", "show", &archive, "--certificate", &cert_arg],
    );
    fields("archive show --certificate", &v, &ARCHIVE_SUMMARY);
    assert_eq!(v["documents"], shown["documents"]);
}

// ---------------------------------------------------------------------------------
// Failures under --json
// ---------------------------------------------------------------------------------

#[test]
fn failures_print_nothing_on_stdout_and_one_line_on_stderr() {
    let fx = Fixture::new();
    let caucus = fx.write("in/range.txt", b"We would accept 400k.\n");
    fx.deposit("claimant", &caucus, &["--category", "caucus"]);

    // Each: who (None: no identity), arguments after --json, exit code, words of the message.
    let cases: Vec<(Option<&str>, Vec<String>, i32, &str)> = vec![
        (
            None,
            vec!["case".into(), "show".into(), "NOPE".into()],
            4,
            "NOPE",
        ),
        (
            Some("claimant"),
            vec!["read".into(), CASE.into(), "1".into()],
            2,
            "-o FILE",
        ),
        (
            Some("respondent"),
            vec![
                "read".into(),
                CASE.into(),
                "1".into(),
                "-o".into(),
                fx.arg("range.txt"),
            ],
            1,
            "cannot read",
        ),
        (
            Some("respondent"),
            vec!["deposit".into(), CASE.into(), fx.arg("missing.txt")],
            4,
            "missing.txt",
        ),
        (
            Some("mediator"),
            vec![
                "disclose".into(),
                CASE.into(),
                "1".into(),
                "--to".into(),
                "respondent".into(),
            ],
            1,
            "consent",
        ),
        (None, vec!["init".into()], 1, "already"),
        (
            None,
            vec!["archive".into(), "verify".into(), caucus.clone()],
            3,
            "not a sealroom archive",
        ),
        (
            None,
            vec![
                "keygen".into(),
                "--name".into(),
                "Twice".into(),
                "-o".into(),
                fx.id("claimant"),
                "--no-passphrase".into(),
            ],
            1,
            "already exists",
        ),
    ];
    for (who, args, code, words) in &cases {
        let mut all = vec!["--json".to_owned()];
        all.extend(args.iter().cloned());
        let what = format!("{:?} {}", who, all.join(" "));
        let out = match who {
            Some(who) => fx.run_as(who, &all),
            None => fx.run(&all),
        };
        let err = json_fails(&what, &out, *code);
        assert!(err.contains(words), "{what}: {err}");
    }
    assert!(
        !fx.sandbox.join("range.txt").exists(),
        "a refused read -o writes nothing"
    );

    // A passphrase-protected identity: no passphrase (usage), a wrong one (wrong key).
    let made = fx
        .sandbox
        .cmd()
        .env("SEALROOM_PASSPHRASE", "correct horse")
        .args([
            "--json",
            "keygen",
            "--name",
            "Locked",
            "-o",
            &fx.arg("locked.id"),
        ])
        .output()
        .unwrap();
    fields("keygen with a passphrase", &json_ok("keygen", &made), &CARD);
    let card = ["--json", "card", "-i", &fx.arg("locked.id")];
    json_fails("card without a passphrase", &fx.sandbox.run(&card), 2);
    let wrong = fx
        .sandbox
        .cmd()
        .env("SEALROOM_PASSPHRASE", "wrong")
        .args(card)
        .output()
        .unwrap();
    json_fails("card with a wrong passphrase", &wrong, 5);

    // Argument errors are caught by clap before any command runs: exit 2 and nothing
    // on stdout (clap's own message on stderr).
    let out = fx.run(&["--json", "read", CASE]);
    expect_clap_usage("read without a number", &out);
}

#[test]
fn doctor_prints_its_report_and_exits_3_when_it_finds_damage() {
    let fx = Fixture::new();
    let file = fx.write("in/position.txt", b"Our opening position.\n");
    let v = fx.deposit_json("claimant", &file, &[]);
    let blob = fx.blob(str_of(&v, "blob_sha256"));
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&blob, bytes).unwrap();

    let out = fx.run(&["--json", "doctor"]);
    assert_eq!(out.status.code(), Some(3));
    let v = one_document("doctor on a damaged vault", &out.stdout);
    fields(
        "doctor",
        &v,
        &[
            ("cases", T::Int),
            ("blobs_checked", T::Int),
            ("problems", T::Arr),
            ("leftovers", T::Arr),
            ("removed", T::Arr),
            ("kept", T::Arr),
            ("cautions", T::Arr),
        ],
    );
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{v:#}");
    fields(
        "doctor problem",
        &problems[0],
        &[("kind", T::Str), ("detail", T::Str)],
    );
    assert_eq!(str_of(&problems[0], "kind"), "damaged-blob");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("sealroom: ") && stderr.lines().count() == 1,
        "doctor names the damage in one line on stderr: {stderr}"
    );
}

#[test]
fn refusals_backups_and_passwd_in_json() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes("claimant", "c.txt", b"caucus", &["--category", "caucus"]);
    fx.fails_as("respondent", &["read", CASE, &num.to_string()], 1);
    let v = json_ok(
        "log --refusals",
        &fx.run(&["--json", "log", CASE, "--refusals"]),
    );
    let records = v.as_array().expect("an array of refusals");
    assert_eq!(records.len(), 1);
    let r = fields(
        "a refusal record",
        &records[0],
        &[
            ("format", T::Str),
            ("vault", T::Str),
            ("case", T::Str),
            ("seq", T::Int),
            ("at", T::Str),
            ("actor", T::Str),
            ("actor_name", T::Str),
            ("act", T::Str),
            ("num", T::Int),
            ("reason", T::Str),
            ("prev", T::Str),
        ],
    );
    assert_eq!(r["format"], "sealroom-refusal-v1");
    assert_eq!(r["act"], "read");
    assert!(is_timestamp(r["at"].as_str().unwrap()));
    assert!(is_hex(r["actor"].as_str().unwrap(), 64));

    let v = json_ok(
        "checkpoint show",
        &fx.run(&["--json", "checkpoint", "show", CASE]),
    );
    fields(
        "checkpoint show",
        &v,
        &[
            ("case", T::Str),
            ("size", T::Int),
            ("root", T::Str),
            ("note", T::Str),
        ],
    );
    assert_eq!(int_of(&v, "size"), 2);
    assert!(is_hex(str_of(&v, "root"), 64));
    let note = fx.sandbox.join("checkpoint.txt");
    std::fs::write(&note, str_of(&v, "note")).unwrap();
    let c = json_ok(
        "checkpoint check",
        &fx.run(&["--json", "checkpoint", "check", CASE, &path_arg(&note)]),
    );
    fields(
        "checkpoint check",
        &c,
        &[
            ("case", T::Str),
            ("theirs", T::Int),
            ("their_root", T::Str),
            ("yours", T::Int),
            ("your_root", T::Str),
        ],
    );
    assert_eq!(c["their_root"], v["root"]);

    let v = json_ok(
        "case invite",
        &fx.run_as(
            "registrar",
            &[
                "--json",
                "case",
                "invite",
                CASE,
                "--to",
                &fx.card("claimant"),
                "-o",
                &fx.arg("ana.invite"),
            ],
        ),
    );
    fields(
        "case invite",
        &v,
        &[
            ("path", T::Str),
            ("invitation", T::Obj),
            ("signature", T::Str),
        ],
    );
    fields(
        "an invitation",
        &v["invitation"],
        &[
            ("format", T::Str),
            ("case", T::Str),
            ("vault", T::Str),
            ("vault_id", T::Str),
            ("log_verifier", T::Str),
            ("charter_fingerprint", T::Str),
            ("to", T::Str),
            ("to_name", T::Str),
            ("registrar", T::Obj),
            ("issued_at", T::Str),
        ],
    );
    assert!(is_hex(str_of(&v["invitation"], "charter_fingerprint"), 64));

    const COPY: [(&str, T); 4] = [
        ("path", T::Str),
        ("cases", T::Int),
        ("blobs", T::Int),
        ("blob_bytes", T::Int),
    ];
    let v = json_ok(
        "vault backup",
        &fx.run(&["--json", "vault", "backup", &fx.arg("backup")]),
    );
    fields("vault backup", &v, &COPY);
    assert_eq!(int_of(&v, "cases"), 1);
    assert_eq!(int_of(&v, "blobs"), 1);
    let v = json_ok(
        "vault restore",
        &fx.sandbox.run(&[
            "--json",
            "vault",
            "restore",
            &fx.arg("backup"),
            "--vault",
            &fx.arg("restored"),
        ]),
    );
    fields("vault restore", &v, &COPY);
    assert_eq!(str_of(&v, "path"), fx.arg("restored"));

    let mut cmd = fx.sandbox.cmd();
    cmd.env("SEALROOM_NEW_PASSPHRASE", "lantern mosaic quarry thimble")
        .args(["--json", "passwd", "-i", &fx.id("outsider")]);
    let v = json_ok("passwd", &exec(&mut cmd));
    fields(
        "passwd",
        &v,
        &[
            ("path", T::Str),
            ("name", T::Str),
            ("fingerprint", T::Str),
            ("passphrase_protected", T::Bool),
            ("was_passphrase_protected", T::Bool),
        ],
    );
    assert_eq!(v["passphrase_protected"], true);
    assert_eq!(v["was_passphrase_protected"], false);
}

//! The PostgreSQL records backend on a real server (Debian's PostgreSQL, started by the
//! test in a temp folder): the records contract's conformance suite, migrations, the
//! refusals of `open` and `create`, a store outliving a server restart, and acts meeting
//! a restart or a stopped server (one sentence, nothing half-recorded, a retry that
//! works). Skipped with a sentence on stderr when PostgreSQL is not installed, except
//! under CI.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sealroom_engine::store::records::postgres::{PostgresStore, SCHEMA_VERSION};
use sealroom_engine::store::records::{conformance, CaseRow, RecordStore, RecordsTx, StatementRow};
use sealroom_engine::{Error, ErrorKind, Result};
use sealroom_testsupport::postgres::Cluster;

/// The shared cluster and a new, empty database on it (each test its own).
fn database() -> Option<(Arc<Cluster>, String)> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let cluster = Cluster::shared_or_skip()?;
    let name = format!(
        "records_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let url = cluster.create_database(&name).unwrap();
    Some((cluster, url))
}

fn case_row(reference: &str) -> CaseRow {
    CaseRow {
        reference: reference.to_owned(),
        title: None,
        policy: "consent".to_owned(),
        state: "open".to_owned(),
        threshold: 1,
        escrow_recipient: "age1escrow".to_owned(),
        opened_at: "2026-11-30T12:00:00Z".to_owned(),
    }
}

#[test]
fn the_postgres_store_keeps_the_records_contract() {
    let Some((_cluster, url)) = database() else {
        return;
    };
    PostgresStore::create(&url, "0123456789abcdef", "verifier").unwrap();
    let open = || Ok(Box::new(PostgresStore::open(&url)?) as Box<dyn RecordStore>);
    conformance::run(&open).unwrap();
}

#[test]
fn the_facts_recorded_at_creation_read_back() {
    let Some((_cluster, url)) = database() else {
        return;
    };
    assert!(!PostgresStore::holds_vault(&url).unwrap());
    PostgresStore::create(&url, "0123456789abcdef", "verifier").unwrap();
    assert!(PostgresStore::holds_vault(&url).unwrap());
    let store = PostgresStore::open(&url).unwrap();
    let now = store.now();
    assert_eq!(
        now.meta("vault_id").unwrap().as_deref(),
        Some("0123456789abcdef")
    );
    assert_eq!(
        now.meta("log_verifier").unwrap().as_deref(),
        Some("verifier")
    );
    assert_eq!(now.meta("format_version").unwrap().as_deref(), Some("1"));
    assert!(now.meta("created_at").unwrap().is_some());
    assert!(store.self_check().unwrap().is_empty());
}

#[test]
fn migrations_are_applied_once_and_recorded() {
    let Some((_cluster, url)) = database() else {
        return;
    };
    let created = PostgresStore::create(&url, "0123456789abcdef", "verifier").unwrap();
    assert_eq!(created.migrations_applied(), SCHEMA_VERSION as usize);
    for _ in 0..2 {
        let store = PostgresStore::open(&url).unwrap();
        assert_eq!(store.migrations_applied(), 0);
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }
    // Each version is recorded once.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let versions: Vec<i32> = client
        .query("SELECT version FROM sealroom_schema ORDER BY version", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, (1..=SCHEMA_VERSION as i32).collect::<Vec<_>>());
}

#[test]
fn stores_starting_together_apply_the_migrations_once() {
    let Some((_cluster, url)) = database() else {
        return;
    };
    // Four processes' worth of creators on one empty database: they take turns under
    // the migration lock, so the schema is made once and one vault recorded.
    let created: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let url = &url;
                scope.spawn(move || {
                    PostgresStore::create(url, &format!("vault{i}"), "verifier")
                        .map(|store| store.migrations_applied())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let made: Vec<_> = created.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(made, [&(SCHEMA_VERSION as usize)], "{created:?}");
    for refused in created.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(refused.kind(), ErrorKind::Refused, "{refused:?}");
    }
    let store = PostgresStore::open(&url).unwrap();
    assert_eq!(store.migrations_applied(), 0);
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn open_refuses_a_database_without_a_vault() {
    let Some((_cluster, url)) = database() else {
        return;
    };
    let err = PostgresStore::open(&url).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.message().contains("holds no sealroom vault"),
        "{}",
        err.message()
    );
    // The refusal left nothing behind.
    assert!(!PostgresStore::holds_vault(&url).unwrap());
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let row = client
        .query_one("SELECT to_regclass('sealroom_schema') IS NULL", &[])
        .unwrap();
    assert!(row.get::<_, bool>(0));
}

#[test]
fn create_refuses_a_database_that_holds_a_vault() {
    let Some((_cluster, url)) = database() else {
        return;
    };
    PostgresStore::create(&url, "0123456789abcdef", "verifier").unwrap();
    let err = PostgresStore::create(&url, "fedcba9876543210", "other").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(
        err.message().contains("already holds a sealroom vault"),
        "{}",
        err.message()
    );
    let store = PostgresStore::open(&url).unwrap();
    assert_eq!(
        store.now().meta("vault_id").unwrap().as_deref(),
        Some("0123456789abcdef")
    );
}

#[test]
fn a_missing_database_or_server_is_one_sentence_without_the_password() {
    let Some((cluster, _url)) = database() else {
        return;
    };
    let url = format!(
        "postgres://postgres:s3cret-pw@127.0.0.1:{}/no_such_db",
        cluster.port()
    );
    let err = PostgresStore::open(&url).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(
        err.message().contains("does not exist"),
        "{}",
        err.message()
    );
    assert!(!format!("{err:?}").contains("s3cret"), "{err:?}");
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("postgres://postgres:s3cret-pw@127.0.0.1:{port}/db");
    let err = PostgresStore::open(&url).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(
        err.message().contains("could not be reached"),
        "{}",
        err.message()
    );
    assert!(!format!("{err:?}").contains("s3cret"), "{err:?}");
}

#[test]
fn a_store_keeps_working_after_the_server_restarts() {
    // A cluster of its own: restarting the shared one would cut other tests off.
    let Some(cluster) = Cluster::start_or_skip() else {
        return;
    };
    let url = cluster.create_database("restarts").unwrap();
    let store = PostgresStore::create(&url, "0123456789abcdef", "verifier").unwrap();
    let tx = store.write("C-1").unwrap();
    tx.insert_case(&case_row("C-1")).unwrap();
    tx.commit().unwrap();
    // A snapshot and a transaction give their connections back to the pool.
    drop(store.snapshot().unwrap());
    cluster.restart().unwrap();
    // The idle connections are gone with the old server; the store connects anew.
    assert_eq!(store.now().case_references().unwrap(), ["C-1"]);
    let tx = store.write("C-2").unwrap();
    tx.insert_case(&case_row("C-2")).unwrap();
    tx.commit().unwrap();

    // With the server down, a write fails in one sentence, and works once it is back.
    cluster.stop().unwrap();
    let err = store.write("C-3").err().expect("the server is down");
    assert_eq!(err.kind(), ErrorKind::Io, "{err:?}");
    cluster.start_again().unwrap();
    let tx = store.write("C-3").unwrap();
    tx.insert_case(&case_row("C-3")).unwrap();
    tx.commit().unwrap();
    assert_eq!(
        store.now().case_references().unwrap(),
        ["C-1", "C-2", "C-3"]
    );
}

#[test]
fn a_transaction_that_failed_cannot_commit() {
    let Some((_cluster, url)) = database() else {
        return;
    };
    let store = PostgresStore::create(&url, "0123456789abcdef", "verifier").unwrap();
    let tx = store.write("C-1").unwrap();
    tx.insert_case(&case_row("C-1")).unwrap();
    tx.commit().unwrap();
    let tx = store.write("C-1").unwrap();
    tx.set_case_state(tx.case("C-1").unwrap().unwrap().0, "closed")
        .unwrap();
    assert!(tx.insert_case(&case_row("C-1")).is_err());
    assert!(tx.commit().is_err());
    let state = store.now().case("C-1").unwrap().unwrap().1.state;
    assert_eq!(state, "open");
}

#[test]
fn writers_of_other_cases_do_not_wait() {
    let Some((_cluster, url)) = database() else {
        return;
    };
    PostgresStore::create(&url, "0123456789abcdef", "verifier").unwrap();
    let a = PostgresStore::open(&url).unwrap();
    let b = PostgresStore::open(&url).unwrap();
    let held = a.write("A").unwrap();
    held.insert_case(&case_row("A")).unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let tx = b.write("B").unwrap();
            tx.insert_case(&case_row("B")).unwrap();
            tx.commit().unwrap();
            done.send(()).unwrap();
        });
        // The other case's writer gets through while case A's lock is held.
        let got = finished.recv_timeout(std::time::Duration::from_secs(20));
        held.commit().unwrap();
        got.expect("a writer of case B must not wait for case A's writer");
    });
    assert_eq!(a.now().case_references().unwrap(), ["A", "B"]);
}

fn statement(seq: u64) -> StatementRow {
    StatementRow {
        seq,
        act: "open".to_owned(),
        actor: "aa".repeat(32),
        at: "2026-11-30T12:00:00Z".to_owned(),
        body: vec![seq as u8, 0, 0xff, b'\n'],
        signature: vec![0x5a; 64],
        leaf_hash: vec![seq as u8; 32],
    }
}

/// The rows of an act that opens case `reference`: the case and its first statement.
fn open_case(tx: &dyn RecordsTx, reference: &str) -> Result<()> {
    let case = tx.insert_case(&case_row(reference))?;
    tx.insert_statement(case, &statement(0))
}

/// The statements of case `reference`, as the store reads them now.
fn statements_of(store: &PostgresStore, reference: &str) -> Vec<StatementRow> {
    let (case, _) = store.now().case(reference).unwrap().unwrap();
    let mut out = Vec::new();
    store
        .now()
        .statements(case, 0, &mut |s| {
            out.push(s);
            Ok(())
        })
        .unwrap();
    out
}

/// A failure told in one sentence (no line break) that contains `words`.
fn assert_one_sentence(err: &Error, words: &str) {
    let m = err.message();
    assert!(!m.contains('\n'), "not one sentence: {m}");
    assert!(m.contains(words), "{m}");
    assert!(!m.contains("db error"), "the driver's own words: {m}");
}

/// A store on a cluster of its own (these tests stop and restart its server), with
/// `idle` connections left in its pool (a snapshot's and transactions').
fn own_cluster(db: &str, idle: usize) -> Option<(Cluster, PostgresStore)> {
    let cluster = Cluster::start_or_skip()?;
    let url = cluster.create_database(db).unwrap();
    let store = PostgresStore::create(&url, "0123456789abcdef", "verifier").unwrap();
    let held: Vec<_> = (0..idle)
        .map(|i| store.write(&format!("idle-{i}")).unwrap())
        .collect();
    // Rolled back; their connections go back to the pool.
    drop(held);
    Some((cluster, store))
}

#[test]
fn a_restart_in_the_middle_of_an_act_fails_it_whole_and_a_retry_commits() {
    let Some((cluster, store)) = own_cluster("restart_mid_act", 2) else {
        return;
    };
    let tx = store.write("C-1").unwrap();
    open_case(&*tx, "C-1").unwrap();
    // The server restarts (fast: connections cut) between the act's rows and its commit.
    cluster.restart().unwrap();
    let err = tx.commit().expect_err("a commit on a cut connection");
    assert_eq!(err.kind(), ErrorKind::Io, "{err:?}");
    assert_one_sentence(&err, "the database `restart_mid_act`");
    // Nothing of the act is visible.
    assert_eq!(store.now().case("C-1").unwrap(), None);
    assert!(store.now().case_references().unwrap().is_empty());

    // The same act again commits, whole.
    let tx = store.write("C-1").unwrap();
    open_case(&*tx, "C-1").unwrap();
    tx.commit().unwrap();
    assert_eq!(store.now().case("C-1").unwrap().unwrap().1, case_row("C-1"));
    assert_eq!(statements_of(&store, "C-1"), [statement(0)]);
}

#[test]
fn a_restart_between_acts_is_not_noticed_by_the_next_read_or_write() {
    let Some((cluster, store)) = own_cluster("restart_between_acts", 3) else {
        return;
    };
    // The pool's idle connections died with the old server: a read replaces them at
    // once (no error first).
    cluster.restart().unwrap();
    assert!(store.now().case_references().unwrap().is_empty());
    // So does a write's transaction, and a snapshot's.
    cluster.restart().unwrap();
    let tx = store.write("C-1").unwrap();
    open_case(&*tx, "C-1").unwrap();
    tx.commit().unwrap();
    cluster.restart().unwrap();
    let snapshot = store.snapshot().unwrap();
    assert_eq!(snapshot.case_references().unwrap(), ["C-1"]);
    drop(snapshot);
    assert_eq!(statements_of(&store, "C-1"), [statement(0)]);
}

#[test]
fn a_stopped_server_fails_a_write_in_one_sentence_and_it_works_once_started() {
    let Some((cluster, store)) = own_cluster("stopped", 2) else {
        return;
    };
    cluster.stop().unwrap();
    let err = store.write("C-2").err().expect("the server is stopped");
    assert_eq!(err.kind(), ErrorKind::Io, "{err:?}");
    assert_one_sentence(&err, "could not be reached");
    assert!(err.message().contains("the database `stopped`"), "{err:?}");
    // A read says the same.
    let err = store.now().case_references().unwrap_err();
    assert_one_sentence(&err, "could not be reached");

    cluster.start_again().unwrap();
    let tx = store.write("C-2").unwrap();
    open_case(&*tx, "C-2").unwrap();
    tx.commit().unwrap();
    assert_eq!(store.now().case_references().unwrap(), ["C-2"]);
}

#[test]
fn a_case_writer_lease_is_held_by_one_process_at_a_time() {
    let Some((_cluster, url)) = database() else {
        return;
    };
    PostgresStore::create(&url, "0123456789abcdef", "verifier").unwrap();
    // Two stores: two service processes on one database.
    let one = PostgresStore::open(&url).unwrap();
    let two = PostgresStore::open(&url).unwrap();
    let wait = std::time::Duration::from_millis(300);
    let held = one
        .lease("C-1", wait)
        .unwrap()
        .expect("PostgreSQL has leases");
    let err = two
        .lease("C-1", wait)
        .err()
        .expect("a second lease of the same case waits, then fails");
    assert_one_sentence(&err, "C-1");
    // Other cases are not held up, and the lease is not the case's write lock: the
    // holder's own commit goes through.
    drop(two.lease("C-2", wait).unwrap());
    let tx = one.write("C-1").unwrap();
    open_case(&*tx, "C-1").unwrap();
    tx.commit().unwrap();
    // Given back, it is the other's at once.
    drop(held);
    let second = two.lease("C-1", wait).unwrap();
    assert!(second.is_some());
    drop(second);
}

//! The PostgreSQL records backend on a real server (Debian's PostgreSQL, started by the
//! test in a temp folder): the records contract's conformance suite, migrations, the
//! refusals of `open` and `create`, and a store outliving a server restart. Skipped
//! with a sentence on stderr when PostgreSQL is not installed, except under CI.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sealroom_engine::store::records::postgres::{PostgresStore, SCHEMA_VERSION};
use sealroom_engine::store::records::{conformance, CaseRow, RecordStore};
use sealroom_engine::ErrorKind;
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

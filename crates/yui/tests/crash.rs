//! Crash safety: submissions are sent without pause while the server is killed with SIGKILL
//! at random moments and restarted. Every submission the client saw acknowledged must be
//! present and intact afterwards, with no duplicates, on SQLite and PostgreSQL.
//!
//! `YUI_CRASH_KILLS` sets the number of kills (5 by default, the short version CI runs;
//! `bench/crash-test.sh` runs 25 on each backend).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use yui_core::ports::SubmissionStore;
use yui_store::{DatabaseTarget, SqlStore, StoreOptions};

mod support;

use support::{TEMPLATE, YUI, play_room_form};

fn request(listen: &str, method: &str, path: &str, body: &str) -> std::io::Result<String> {
    support::request(listen, method, path, body, Duration::from_secs(10))
}

fn kills() -> usize {
    std::env::var("YUI_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

/// A small deterministic generator (seed printed, so a failing run can be repeated).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

fn db_args(target: &DatabaseTarget, data_dir: &Path) -> Vec<String> {
    let mut args = vec![
        "--data-dir".to_owned(),
        data_dir.to_str().unwrap().to_owned(),
    ];
    if let DatabaseTarget::Postgres { url } = target {
        args.extend(["--database-url".to_owned(), url.clone()]);
    }
    args
}

fn run(args: &[String]) {
    let out = Command::new(YUI).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// The caller kills the returned server and waits for it.
#[allow(clippy::zombie_processes)]
fn start(target: &DatabaseTarget, data_dir: &Path) -> (Child, String) {
    let listen = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let mut args = vec![
        "serve".to_owned(),
        "--listen".to_owned(),
        listen.clone(),
        "--log-format".to_owned(),
        "json".to_owned(),
    ];
    args.extend(db_args(target, data_dir));
    let mut child = Command::new(YUI)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = request(&listen, "GET", "/readyz", "")
            && r.starts_with("HTTP/1.1 200")
        {
            return (child, listen);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("server did not start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends submissions from several clients until `stop`; returns the acknowledged keys.
fn drive(
    listen: &str,
    stop: &Arc<AtomicBool>,
    counter: &Arc<AtomicU64>,
    run_id: u64,
) -> Vec<String> {
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for worker in 0..6 {
        let (listen, stop, counter, acked) = (
            listen.to_owned(),
            stop.clone(),
            counter.clone(),
            acked.clone(),
        );
        threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let key = format!(
                    "crash-{run_id}-{worker}-{:08}",
                    counter.fetch_add(1, Ordering::Relaxed)
                );
                match request(
                    &listen,
                    "POST",
                    "/oguni/apps/play-room-booking/submit",
                    &play_room_form(&key, None),
                ) {
                    Ok(r) if r.starts_with("HTTP/1.1 303") => acked.lock().unwrap().push(key),
                    Ok(r) if r.starts_with("HTTP/1.1 4") => {
                        panic!("submission refused: {}", r.lines().next().unwrap_or(""))
                    }
                    _ => {} // killed mid-request: not acknowledged
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(10));
    for t in threads {
        t.join().unwrap();
    }
    Arc::try_unwrap(acked).unwrap().into_inner().unwrap()
}

async fn crash_many_times(target: DatabaseTarget, data_dir: &Path) {
    let mut setup = vec!["admin".to_owned(), "create-tenant".to_owned()];
    setup.extend(db_args(&target, data_dir));
    setup.extend(["--slug", "oguni", "--code", "434248", "--name", "小国町"].map(str::to_owned));
    if matches!(target, DatabaseTarget::Postgres { .. }) {
        let mut m = vec!["migrate".to_owned()];
        m.extend(db_args(&target, data_dir));
        run(&m);
    }
    run(&setup);
    let mut install = vec!["admin".to_owned(), "install-app".to_owned()];
    install.extend(db_args(&target, data_dir));
    install.extend(["--tenant", "oguni", "--file", TEMPLATE, "--publish"].map(str::to_owned));
    run(&install);

    let seed = u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000_007,
    )
    .unwrap()
        | 1;
    eprintln!("crash test seed {seed}");
    let mut rng = Rng(seed);
    let counter = Arc::new(AtomicU64::new(0));
    let mut acknowledged = Vec::new();
    for round in 0..kills() {
        let (mut server, listen) = start(&target, data_dir);
        let stop = Arc::new(AtomicBool::new(false));
        let driver = {
            let (listen, stop, counter) = (listen.clone(), stop.clone(), counter.clone());
            std::thread::spawn(move || drive(&listen, &stop, &counter, round as u64))
        };
        std::thread::sleep(Duration::from_millis(rng.between(100, 700)));
        server.kill().unwrap(); // SIGKILL, mid-traffic
        server.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        acknowledged.extend(driver.join().unwrap());
    }
    assert!(
        !acknowledged.is_empty(),
        "some submissions were acknowledged"
    );

    let store = SqlStore::open(&target, &StoreOptions::default())
        .await
        .unwrap();
    store.ensure_schema_current().await.unwrap();
    let town = yui_core::ports::TenantStore::tenant_by_slug(
        &store,
        &yui_domain::tenant::TenantSlug::parse("oguni").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let mut receipts = std::collections::BTreeSet::new();
    for key in &acknowledged {
        let s = store
            .submission_by_idempotency_key(town.id, &yui_core::token::hash_token(key))
            .await
            .unwrap()
            .unwrap_or_else(|| {
                panic!(
                    "acknowledged submission {key} is missing after {} kills",
                    kills()
                )
            });
        let answers: serde_json::Value = serde_json::from_str(&s.answers).unwrap();
        assert_eq!(
            answers["children"][0]["child_name"],
            format!("子 {key}"),
            "intact"
        );
        assert!(
            receipts.insert(s.receipt_number.clone()),
            "receipt {} given twice",
            s.receipt_number
        );
    }
    let app = yui_core::ports::AppStore::app_by_slug(&store, town.id, "play-room-booking")
        .await
        .unwrap()
        .unwrap();
    let stored = store.submission_count(town.id, app.id).await.unwrap();
    assert!(
        stored >= acknowledged.len() as u64,
        "every acknowledged one is stored"
    );
    eprintln!(
        "{} kills: {} acknowledged, {} stored (the rest were cut off before their answer)",
        kills(),
        acknowledged.len(),
        stored
    );
    let yui = yui_core::Yui::new(
        Arc::new(store.clone()),
        Arc::new(yui_store::LocalBlobs::new(data_dir)),
        Arc::new(yui_core::clock::SystemClock),
        yui_core::CoreSettings::default(),
    );
    let report = yui.verify_audit(&|_| {}).await.unwrap();
    assert!(
        report.is_intact(),
        "the audit chain survives the kills: {report:?}"
    );
    store.close().await;
    if let DatabaseTarget::Sqlite { data_dir } = &target {
        let out = Command::new("sqlite3")
            .arg(data_dir.join("yui.sqlite3"))
            .arg("PRAGMA integrity_check;")
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_submissions_survive_repeated_kill_9_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    crash_many_times(
        DatabaseTarget::Sqlite {
            data_dir: dir.path().to_owned(),
        },
        dir.path(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_submissions_survive_repeated_kill_9_on_postgres() {
    let Some(db) = yui_testkit::postgres().await else {
        return;
    };
    let url = match &db.target {
        DatabaseTarget::Postgres { url } => url.clone(),
        DatabaseTarget::Sqlite { .. } => unreachable!(),
    };
    // The test kit made a fresh, migrated database; `yui migrate` in the setup finds nothing to do.
    let dir = tempfile::tempdir().unwrap();
    crash_many_times(DatabaseTarget::Postgres { url }, dir.path()).await;
}

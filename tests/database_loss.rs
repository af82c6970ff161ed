//! Losing the database under requests. The real binary serves a private Postgres cluster that the
//! test stops and starts under a steady stream of writes and reads: shut down (the server tells its
//! sessions it is going away, SQLSTATE 57P01), crashed (connections reset, then refused), and put
//! in read-only mode (SQLSTATE 25006, what a failed-over replica answers). Every answer is 2xx,
//! 4xx or a 503 `database_unavailable` problem with `Retry-After`; `/readyz` says not ready while
//! the database is gone; every acknowledged write is there afterwards, and the service recovers
//! by itself.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::admin;
use common::process::serve;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// A Postgres cluster of the test's own, reached over a Unix socket in its directory (no TCP port
/// to collide with anything). Run as the `postgres` user when the test runs as root: initdb refuses
/// root.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
}

impl Cluster {
    fn init() -> Cluster {
        let bin = postgres_bin();
        // One directory per cluster: under `cargo test` the tests of this file share a process.
        static CLUSTERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = CLUSTERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("meshgov-dbloss-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let as_postgres = running_as_root();
        if as_postgres {
            let status = Command::new("chown").arg("postgres:").arg(&dir).status().expect("chown");
            assert!(status.success(), "chown {dir:?} to postgres");
        }
        let cluster = Cluster { bin, dir, as_postgres };
        let data = cluster.data();
        cluster.run("initdb", &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        cluster
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@localhost/postgres?host={}", self.dir.display())
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = command.args(args).stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{program:?}: {e}"));
        assert!(out.status.success(), "{tool} {args:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }

    fn start(&self) {
        let socket = format!("-c listen_addresses='' -k {} -c fsync=off", self.dir.display());
        let log = self.dir.join("log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-l", &log, "-o", &socket, "-w", "-t", "60", "start"]);
    }

    /// `fast`: sessions are told the server shuts down; `immediate`: the server dies at once.
    fn stop(&self, mode: &str) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", mode, "-w", "-t", "60", "stop"]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let program = self.bin.join("pg_ctl");
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let _ = command.args(["-D", &data, "-m", "immediate", "stop"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn running_as_root() -> bool {
    // `id -u` rather than libc: no unsafe code for one number.
    let out = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// initdb and pg_ctl: MESHGOV_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin, else
/// the directory of `initdb` on PATH (as scripts/lib.sh finds them).
fn postgres_bin() -> PathBuf {
    if let Ok(dir) = std::env::var("MESHGOV_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .expect("PostgreSQL's initdb and pg_ctl: set MESHGOV_PG_BIN to their directory")
}

/// What the clients saw: each answer's status (with its problem code and Retry-After when 503),
/// and the domains whose creation was acknowledged.
#[derive(Default)]
struct Seen {
    answers: Vec<(u16, Option<String>, Option<String>)>,
    created: Vec<String>,
    failures: Vec<String>,
}

async fn client_loop(base: String, worker: usize, stop: Arc<AtomicBool>, seen: Arc<Mutex<Seen>>) {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let token = admin();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let slug = format!("d{worker}x{n}");
        let body = json!({ "slug": slug, "name": slug, "aws_account_id": format!("{:012}", 100_000 + worker * 10_000 + n) });
        let write = http.post(format!("{base}/api/v1/domains")).bearer_auth(&token).json(&body).send().await;
        let read = http.get(format!("{base}/api/v1/domains?limit=5")).bearer_auth(&token).send().await;
        for (what, answer) in [("write", write), ("read", read)] {
            match answer {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let retry_after = r.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
                    let body: Value = r.json().await.unwrap_or(Value::Null);
                    let mut seen = seen.lock().await;
                    if what == "write" && status == 201 {
                        seen.created.push(slug.clone());
                    }
                    seen.answers.push((status, body["code"].as_str().map(str::to_string), retry_after));
                }
                Err(e) => seen.lock().await.failures.push(format!("{what}: {e}")),
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn ready(base: &str) -> u16 {
    reqwest::get(format!("{base}/readyz")).await.unwrap().status().as_u16()
}

async fn wait_until_ready(base: &str, want: u16) {
    common::wait_for(&format!("/readyz to answer {want}"), Duration::from_secs(30), async || ready(base).await == want).await;
}

async fn answers_since(seen: &Mutex<Seen>, from: usize) -> Vec<(u16, Option<String>, Option<String>)> {
    seen.lock().await.answers[from..].to_vec()
}

/// How many answers of each status and problem code, for failure messages.
fn tally(answers: &[(u16, Option<String>, Option<String>)]) -> std::collections::BTreeMap<(u16, Option<String>), usize> {
    let mut out = std::collections::BTreeMap::new();
    for (status, code, _) in answers {
        *out.entry((*status, code.clone())).or_insert(0) += 1;
    }
    out
}

/// Lets the clients make `n` more answers.
async fn let_clients_run(seen: &Mutex<Seen>, n: usize) -> usize {
    let from = seen.lock().await.answers.len();
    for _ in 0..600 {
        if seen.lock().await.answers.len() >= from + n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    from
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn losing_the_database_answers_503_and_loses_no_acknowledged_write() {
    meshgov::install_crypto_provider();
    let cluster = Cluster::init();
    cluster.start();
    let mut meshgov = serve(&cluster.url(), &[]);
    let base = meshgov.base.clone();
    wait_until_ready(&base, 200).await;

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let clients: Vec<_> = (0..4).map(|w| tokio::spawn(client_loop(base.clone(), w, stop.clone(), seen.clone()))).collect();
    let_clients_run(&seen, 40).await;

    // 1. Shut down: sessions get "terminating connection due to administrator command", then
    //    new connections are refused.
    cluster.stop("fast");
    let down = let_clients_run(&seen, 40).await;
    assert_eq!(ready(&base).await, 503, "/readyz says not ready while the database is gone");
    let_clients_run(&seen, 40).await;
    let while_down = answers_since(&seen, down).await;
    assert!(while_down.iter().any(|(s, ..)| *s == 503), "requests while the database was down were refused: {:?}", tally(&while_down));
    cluster.start();
    wait_until_ready(&base, 200).await;
    let_clients_run(&seen, 40).await;

    // 2. Crashed: connections reset, then refused until it is back.
    cluster.stop("immediate");
    let crashed = let_clients_run(&seen, 80).await;
    let while_crashed = answers_since(&seen, crashed).await;
    assert!(while_crashed.iter().any(|(s, ..)| *s == 503), "{:?}", tally(&while_crashed));
    cluster.start();
    wait_until_ready(&base, 200).await;
    let_clients_run(&seen, 40).await;

    // 3. Read-only, as a failed-over replica answers: writes are 503, reads still work.
    let admin_pool = sqlx::PgPool::connect(&cluster.url()).await.unwrap();
    sqlx::query("ALTER SYSTEM SET default_transaction_read_only = on").execute(&admin_pool).await.unwrap();
    sqlx::query("SELECT pg_reload_conf()").execute(&admin_pool).await.unwrap();
    let read_only = let_clients_run(&seen, 80).await;
    let during = answers_since(&seen, read_only).await;
    assert!(during.iter().any(|(s, code, _)| *s == 503 && code.as_deref() == Some("database_unavailable")), "{:?}", tally(&during));
    assert!(during.iter().any(|(s, ..)| *s == 200), "reads go on while writes are refused: {:?}", tally(&during));
    sqlx::query("ALTER SYSTEM RESET default_transaction_read_only").execute(&admin_pool).await.unwrap();
    sqlx::query("SELECT pg_reload_conf()").execute(&admin_pool).await.unwrap();
    let recovered = let_clients_run(&seen, 80).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let after = answers_since(&seen, recovered).await;
    assert!(after.iter().any(|(s, ..)| *s == 201), "writes are acknowledged again after it is back: {:?}", tally(&after));

    let seen = seen.lock().await;
    assert!(seen.failures.is_empty(), "every request got an answer: {:?}", seen.failures);
    for (status, code, retry_after) in &seen.answers {
        match status {
            200..=299 | 400..=499 => {}
            503 => {
                assert_eq!(code.as_deref(), Some("database_unavailable"), "a 503 says why");
                assert!(retry_after.as_deref().is_some_and(|v| v.parse::<u32>().is_ok()), "a 503 says when to retry");
            }
            other => panic!("answered {other} ({code:?}) while the database came and went: {:?}", tally(&seen.answers)),
        }
    }
    let refused = seen.answers.iter().filter(|(s, ..)| *s == 503).count();
    assert!(refused > 0 && !seen.created.is_empty());
    // Every acknowledged write is there.
    let stored: Vec<String> = sqlx::query_scalar("SELECT slug FROM domains").fetch_all(&admin_pool).await.unwrap();
    let missing: Vec<&String> = seen.created.iter().filter(|s| !stored.contains(s)).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    eprintln!("{} answers, {} refused with 503, {} writes acknowledged and kept", seen.answers.len(), refused, seen.created.len());
    admin_pool.close().await;
    meshgov.kill();
    drop(cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workers_listener_comes_back_after_a_database_restart() {
    use meshgov::jobs::model::NewJob;
    meshgov::install_crypto_provider();
    let cluster = Cluster::init();
    cluster.start();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(5))
        .connect(&cluster.url())
        .await
        .unwrap();
    meshgov::db::MIGRATOR.run(&pool).await.unwrap();
    let mut config = meshgov::Config::for_tests("postgres://unused", common::SECRET);
    // Only a notification can wake the idle workers within the test's limits.
    config.sync.job_poll = Duration::from_secs(120);
    let state = meshgov::AppState::new(config, pool.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = tokio::spawn(meshgov::jobs::worker::run(state, 1, stopped));

    let job = NewJob { kind: "noop", payload: json!({}), domain_id: None, dedupe_key: None, concurrency_key: None, created_by: "test".into(), max_attempts: 1 };
    let enqueue_and_wait = async |what: &str| {
        let started = std::time::Instant::now();
        let id = loop {
            // While the database comes back, enqueueing may fail: try again.
            if let Ok(mut tx) = pool.begin().await
                && let Ok(row) = meshgov::jobs::store::enqueue(&mut tx, &job).await
                && tx.commit().await.is_ok()
            {
                break row.id;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{what}: the database did not come back");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        loop {
            let status: Option<String> = sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1").bind(id).fetch_optional(&pool).await.ok().flatten();
            if status.as_deref().is_some_and(|s| s != "queued") {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{what}: the job was not picked up (the 120 s poll was not reached)");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    enqueue_and_wait("before the restart").await;
    for mode in ["fast", "immediate"] {
        cluster.stop(mode);
        cluster.start();
        enqueue_and_wait(&format!("after a {mode} restart")).await;
    }
    let _ = stop.send(true);
    workers.await.unwrap();
    pool.close().await;
}

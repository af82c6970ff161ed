//! The real binary as a child process (`meshgov serve`), for tests that kill it, stop its
//! database under it, or run several replicas.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use super::SECRET;

/// The URL of a pool's database (a `sqlx::test` one), with its host, port and options, for a
/// child process.
pub fn database_url(pool: &sqlx::PgPool) -> String {
    use sqlx::ConnectOptions;
    pool.connect_options().to_url_lossy().to_string()
}

/// A running `meshgov serve` and where it listens.
pub struct Served {
    pub child: Child,
    /// `http://127.0.0.1:<port>`
    pub base: String,
}

impl Served {
    /// kill -9: no shutdown, no cleanup, jobs left running for their lease to run out.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `meshgov serve` on `database_url` with the tests' development secret, AWS pointed at
/// the emulator (or nowhere), no scheduled syncs, and `env` on top; returns once it listens (on
/// a port the system picked, read from its log).
pub fn serve(database_url: &str, env: &[(&str, &str)]) -> Served {
    let aws = std::env::var("MESHGOV_TEST_AWS_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:9".into());
    let mut command = Command::new(env!("CARGO_BIN_EXE_meshgov"));
    command
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("MESHGOV_LISTEN", "127.0.0.1:0")
        .env("MESHGOV_JWT_DEV_SECRET", SECRET)
        .env("MESHGOV_AWS_ENDPOINT_URL", aws)
        .env("MESHGOV_AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("MESHGOV_AWS_PRINCIPAL_ARN", "arn:aws:iam::123456789012:role/meshgov")
        .env("MESHGOV_SYNC_INTERVAL", "off")
        // Tests drive it faster than one caller's default allowance; tests/http_conventions.rs
        // tests the limit.
        .env("MESHGOV_RATE_LIMIT", "0")
        .env("MESHGOV_LOG", "info")
        .env("MESHGOV_LOG_FORMAT", "json");
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("meshgov starts");
    let stderr = child.stderr.take().unwrap();
    // Owned from here: a start that fails or hangs still ends with the process killed.
    let mut served = Served { child, base: String::new() };
    let (tx, rx) = std::sync::mpsc::channel();
    // Reads the log for good, so the process never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            if event["message"] == "meshgov listening" {
                let _ = tx.send(format!("http://{}", event["address"].as_str().unwrap_or_default()));
            }
        }
    });
    served.base = rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap_or_else(|_| {
        panic!("meshgov did not log that it listens within 60 s (exit: {:?})", served.child.try_wait())
    });
    served
}

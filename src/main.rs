//! The `meshgov` command: serve | work | migrate | openapi | token | healthcheck.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use meshgov::config::{AuthConfig, Config, LogConfig, parse_duration};
use meshgov::http::auth::Authenticator;
use meshgov::log_writer::{BatchedStderr, FlushOnDrop};
use meshgov::{AppState, db};

#[derive(Parser)]
#[command(name = "meshgov", version, about = "Governance service of a data mesh on AWS")]
struct Cli {
    /// None in a Lambda function, whose runtime starts the binary without arguments and names the
    /// entry in `_HANDLER`.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (applies pending migrations first). In a Lambda function: answer API
    /// Gateway events with the same router.
    Serve,
    /// Run the background work once, then exit: periodic duties, webhook fan-out, and due jobs
    /// until none is left or the budget is spent (for a schedule instead of `serve`'s workers).
    Work {
        /// Stop claiming jobs after this long, e.g. 50s, 10m.
        #[arg(long = "for", default_value = "50s", value_parser = parse_duration)]
        budget: Duration,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Exit 0 when the service on MESHGOV_LISTEN answers PATH with 200 within 2 s, else 1: the
    /// container image's HEALTHCHECK (it has no curl).
    Healthcheck {
        #[arg(long, default_value = "/healthz")]
        path: String,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Mint a development token (needs MESHGOV_JWT_DEV_SECRET).
    Token {
        #[arg(long)]
        sub: String,
        /// admin, steward, producer or consumer; repeat for several.
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Domain slug the subject belongs to; repeat for several.
        #[arg(long = "domain")]
        domains: Vec<String>,
        /// Lifetime, e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        ttl: Duration,
    },
}

fn init_logging(log: &LogConfig) -> FlushOnDrop<std::io::Stderr> {
    let filter = tracing_subscriber::EnvFilter::try_new(&log.filter).unwrap_or_else(|_| "info".into());
    let (writer, guard) = BatchedStderr::start();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    if log.json {
        builder.json().flatten_event(true).with_current_span(false).init();
    } else {
        builder.init();
    }
    guard
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = match cli.command {
        Some(command) => command,
        None if meshgov::lambda::detected() => match meshgov::lambda::handler().as_str() {
            "serve" => Command::Serve,
            "work" => Command::Work { budget: Duration::ZERO },
            other => return fail(&format!("_HANDLER is {other:?}: set the Lambda function's Handler to serve or work")),
        },
        None => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Openapi => {
            // Written without print!, which panics when the reader goes away (`meshgov openapi | head`).
            use std::io::Write;
            let spec = meshgov::http::openapi::to_pretty_json(&meshgov::routes::openapi_document());
            let _ = std::io::stdout().write_all(spec.as_bytes());
            ExitCode::SUCCESS
        }
        Command::Token { sub, roles, domains, ttl } => {
            let config = match AuthConfig::from_env_with(&|k| std::env::var(k).ok()) {
                Ok(c) => c,
                Err(e) => return fail(&e.to_string()),
            };
            match Authenticator::mint_dev_token(&config, &sub, &roles, &domains, ttl) {
                Ok(token) => {
                    println!("{token}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::Healthcheck { path } => {
            let listen = std::env::var("MESHGOV_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into());
            match healthcheck(&listen, &path) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("meshgov healthcheck: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Serve | Command::Migrate | Command::Work { .. } => {
            let config = match Config::from_env() {
                Ok(c) => c,
                Err(e) => return fail(&e.to_string()),
            };
            let _log_writer = init_logging(&config.log);
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
            match runtime.block_on(run(config, command)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = %e, "meshgov stopped");
                    fail(&e)
                }
            }
        }
    }
}

/// GET `path` from the service listening on `listen` (a wildcard address is asked on loopback),
/// over plain HTTP/1.1: Ok when it answers 200.
fn healthcheck(listen: &str, path: &str) -> Result<(), String> {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    let mut addr: SocketAddr = listen.parse().map_err(|e| format!("MESHGOV_LISTEN {listen:?}: {e}"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{addr}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).and_then(|()| stream.set_write_timeout(Some(timeout))).map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").map_err(|e| format!("{addr}: {e}"))?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).map_err(|e| format!("{addr}: {e}"))?;
    let status = String::from_utf8_lossy(&head);
    if status.starts_with("HTTP/1.1 200") { Ok(()) } else { Err(format!("{path} answered {status:?}")) }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("meshgov: {message}");
    ExitCode::from(2)
}

async fn run(config: Config, command: Command) -> Result<(), String> {
    meshgov::install_crypto_provider();
    // The database's credentials from Secrets Manager, when that is where they are.
    let secret = match &config.database_secret_arn {
        Some(arn) => {
            let sdk = meshgov::aws::Aws::new(config.aws.clone()).sdk().await.clone();
            let credentials = meshgov::aws::secrets::database_credentials(&sdk, arn).await?;
            Some((sdk, arn.clone(), credentials))
        }
        None => None,
    };
    let pool = db::connect_as(&config.database_url, secret.as_ref().map(|(_, _, c)| c), config.db_max_connections)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    db::MIGRATOR.run(&pool).await.map_err(|e| format!("migrations failed: {e}"))?;
    tracing::info!("migrations applied");
    if meshgov::lambda::detected() && matches!(command, Command::Serve | Command::Work { .. }) {
        // Invoked, not running: the invocation's deadline is the work's budget.
        let entry = if matches!(command, Command::Serve) { "serve" } else { "work" };
        return meshgov::lambda::run(AppState::new(config, pool), entry).await;
    }
    match command {
        Command::Serve => {}
        Command::Work { budget } => {
            let state = AppState::new(config, pool);
            let done = meshgov::background::work_for(&state, budget).await.map_err(|e| format!("work failed: {e}"))?;
            tracing::info!(jobs = done.jobs, deliveries_queued = done.deliveries_queued, budget_spent = done.budget_spent, "work done");
            return Ok(());
        }
        _ => return Ok(()),
    }
    let listen = config.listen;
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let state = AppState::new(config, pool);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut background = tokio::task::JoinSet::new();
    if let Some((sdk, arn, credentials)) = secret {
        let (url, pool) = (state.config.database_url.clone(), state.db.clone());
        background.spawn(meshgov::aws::secrets::keep_database_credentials(sdk, arn, url, pool, credentials, stopped.clone()));
    }
    let sync = state.config.sync.clone();
    if sync.run_workers {
        background.spawn(meshgov::jobs::worker::run(state.clone(), sync.worker_concurrency, stopped.clone()));
        background.spawn(meshgov::jobs::scheduler::run(state.clone(), stopped.clone()));
        background.spawn(meshgov::webhooks::service::run(state.clone(), stopped.clone()));
        if let Some(queue) = state.config.aws.catalog_events_queue_url.clone() {
            background.spawn(meshgov::intake::queue::run(state.clone(), queue, stopped.clone()));
        }
    }
    let app = if state.config.serve_api { meshgov::app(state) } else { meshgov::routes::probes(state) };
    tracing::info!(address = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), "meshgov listening");
    let served = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).with_graceful_shutdown(shutdown_signal()).await;
    // Workers finish the job in hand; an unfinished one is reclaimed by another replica after its lease.
    let _ = stop.send(true);
    while background.join_next().await.is_some() {}
    served.map_err(|e| format!("server error: {e}"))?;
    tracing::info!("meshgov stopped gracefully");
    Ok(())
}

/// Ctrl-C or SIGTERM (what ECS and Kubernetes send): stop accepting, finish in-flight requests.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

//! The `meshgov` command: serve | work | migrate | openapi | token.

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (applies pending migrations first).
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
    match cli.command {
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
        Command::Serve | Command::Migrate | Command::Work { .. } => {
            let config = match Config::from_env() {
                Ok(c) => c,
                Err(e) => return fail(&e.to_string()),
            };
            let _log_writer = init_logging(&config.log);
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
            match runtime.block_on(run(config, cli.command)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = %e, "meshgov stopped");
                    fail(&e)
                }
            }
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("meshgov: {message}");
    ExitCode::from(2)
}

async fn run(config: Config, command: Command) -> Result<(), String> {
    meshgov::install_crypto_provider();
    let pool = db::connect(&config.database_url, config.db_max_connections)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    db::MIGRATOR.run(&pool).await.map_err(|e| format!("migrations failed: {e}"))?;
    tracing::info!("migrations applied");
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
    let sync = state.config.sync.clone();
    if sync.run_workers {
        background.spawn(meshgov::jobs::worker::run(state.clone(), sync.worker_concurrency, stopped.clone()));
        background.spawn(meshgov::jobs::scheduler::run(state.clone(), stopped.clone()));
        background.spawn(meshgov::webhooks::service::run(state.clone(), stopped.clone()));
        if let Some(queue) = state.config.aws.catalog_events_queue_url.clone() {
            background.spawn(meshgov::catalog_events::queue::run(state.clone(), queue, stopped.clone()));
        }
    }
    let app = meshgov::app(state);
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

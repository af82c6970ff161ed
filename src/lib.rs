//! meshgov: the governance service of a data mesh on AWS.
//!
//! `app` builds the HTTP service from a [`Config`]; `main.rs` is only the command line around it.

pub mod access_report;
pub mod audit;
pub mod aws;
pub mod background;
pub mod catalog_events;
pub mod catalog_sync;
pub mod config;
pub mod console;
pub mod db;
pub mod domains;
pub mod drift;
pub mod events;
pub mod grants;
pub mod health;
pub mod http;
pub mod idempotency;
pub mod intake;
pub mod log_writer;
pub mod jobs;
pub mod lambda;
pub mod products;
pub mod reviews;
pub mod routes;
pub mod schema;
pub mod subscriptions;
pub mod usage;
pub mod validate;
pub mod webhooks;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;

pub use config::Config;
use http::auth::Authenticator;

/// The future of a trait method that must be object-safe (the AWS traits, job handlers).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub auth: Arc<Authenticator>,
    pub metrics: PrometheusHandle,
    pub aws: Arc<aws::Aws>,
    /// Reads producer catalogs; Glue through assumed roles unless a test supplies another reader.
    pub catalog: Arc<dyn catalog_sync::glue::CatalogReader>,
    /// Applies grants; Lake Formation in the governance account unless a test supplies another.
    pub lakeformation: Arc<dyn grants::lakeformation::LakeFormation>,
    /// Keeps central-mode mirrors in the governance account's Glue catalog.
    pub mirror: Arc<dyn catalog_sync::mirror::CatalogMirror>,
    /// Consumer accounts, through their domains' link roles (invitations, resource links).
    pub consumer: Arc<dyn grants::consumer_account::ConsumerAccount>,
    /// Every job kind's handler and the scheduler's duties ([`background::registry`]).
    pub jobs: Arc<jobs::Registry>,
    /// The requests this replica is answering now.
    pub in_flight: Arc<http::in_flight::InFlight>,
    /// Signs the console's sessions and its forms' CSRF tokens.
    pub console: Arc<console::session::Key>,
}

impl AppState {
    pub fn new(config: Config, db: PgPool) -> AppState {
        let auth = Arc::new(Authenticator::new(config.auth.clone()));
        let aws = Arc::new(aws::Aws::new(config.aws.clone()));
        let catalog = Arc::new(catalog_sync::glue::GlueReader::new(aws.clone()));
        let lakeformation = Arc::new(grants::lakeformation::SdkLakeFormation::new(aws.clone()));
        let mirror = Arc::new(catalog_sync::mirror::GlueMirror::new(aws.clone()));
        let consumer = Arc::new(grants::consumer_account::SdkConsumerAccount::new(aws.clone()));
        let jobs = Arc::new(background::registry());
        let metrics = http::ops::metrics_handle();
        let in_flight = Arc::default();
        let console = Arc::new(console::session::Key::from_config(&config));
        AppState { db, config: Arc::new(config), auth, metrics, aws, catalog, lakeformation, mirror, consumer, jobs, in_flight, console }
    }
}

/// The whole HTTP service.
pub fn app(state: AppState) -> axum::Router {
    routes::router(state)
}

/// rustls needs one process-wide crypto provider; ring keeps the build free of C toolchains
/// beyond what ring itself needs.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

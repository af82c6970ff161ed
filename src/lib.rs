//! meshgov: the governance service of a data mesh on AWS.
//!
//! `app` builds the HTTP service from a [`Config`]; `main.rs` is only the command line around it.

pub mod audit;
pub mod aws;
pub mod catalog_sync;
pub mod config;
pub mod db;
pub mod domains;
pub mod drift;
pub mod events;
pub mod grants;
pub mod http;
pub mod idempotency;
pub mod jobs;
pub mod products;
pub mod subscriptions;
pub mod validate;
pub mod webhooks;

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;

pub use config::Config;
use http::auth::Authenticator;

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
}

impl AppState {
    pub fn new(config: Config, db: PgPool) -> AppState {
        let auth = Arc::new(Authenticator::new(config.auth.clone()));
        let aws = Arc::new(aws::Aws::new(config.aws.clone()));
        let catalog = Arc::new(catalog_sync::glue::GlueReader::new(aws.clone()));
        let lakeformation = Arc::new(grants::lakeformation::SdkLakeFormation::new(aws.clone()));
        AppState { db, config: Arc::new(config), auth, metrics: http::ops::metrics_handle(), aws, catalog, lakeformation }
    }
}

/// The whole HTTP service.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}

/// rustls needs one process-wide crypto provider; ring keeps the build free of C toolchains
/// beyond what ring itself needs.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

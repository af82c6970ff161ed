//! Job kinds as types. Each kind declares once its name, its payload (the type itself, stored as
//! JSON), whether duplicates merge, and how it runs; a caller enqueues the typed payload in its own
//! transaction and depends on the job type, never on the service that runs it. The worker finds a
//! kind's handler in the [`Registry`], filled once where the application is assembled
//! (`crate::background`), with the periodic [`Duty`]s the scheduler runs.

use std::collections::HashMap;
use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgConnection;
use uuid::Uuid;

use super::model::{JobOutcome, JobRow, NewJob};
use super::store;
use crate::{AppState, BoxFuture};

/// Attempts of a job kind that does not say otherwise.
pub const DEFAULT_ATTEMPTS: i32 = 5;

/// Which workers run a kind. Provisioning (grants, revokes, syncs, drift) has workers of its own
/// that webhook deliveries never occupy, so a slow or failing receiver cannot delay access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Provisioning,
    Delivery,
}

pub trait BackgroundJob: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The job's `kind`, stored with it and shown by `GET /jobs/{id}`.
    const KIND: &'static str;

    const LANE: Lane = Lane::Provisioning;

    /// Runs before it ends `failed` for good.
    fn max_attempts(&self) -> i32 {
        DEFAULT_ATTEMPTS
    }

    /// Jobs with the same key do not queue twice: enqueueing one joins the live one.
    fn dedupe_key(&self) -> Option<String> {
        None
    }

    /// Jobs with the same key never run at once (on any replica): a queued one waits, unclaimed,
    /// while another runs.
    fn concurrency_key(&self) -> Option<String> {
        None
    }

    /// One attempt. `job` is the claimed row: attempts so far, its domain, who queued it.
    fn run(self, state: &AppState, job: &JobRow) -> impl Future<Output = JobOutcome> + Send;

    /// Enqueues the job in the caller's transaction, or returns its live twin (same dedupe key).
    fn enqueue(
        &self,
        tx: &mut PgConnection,
        domain_id: Option<Uuid>,
        created_by: &str,
    ) -> impl Future<Output = sqlx::Result<JobRow>> + Send {
        let job = serde_json::to_value(self).map(|payload| NewJob {
            kind: Self::KIND,
            payload,
            domain_id,
            dedupe_key: self.dedupe_key(),
            concurrency_key: self.concurrency_key(),
            created_by: created_by.to_string(),
            max_attempts: self.max_attempts(),
        });
        async move { store::enqueue(tx, &job.map_err(|e| sqlx::Error::Encode(Box::new(e)))?).await }
    }
}

type Handler = for<'a> fn(&'a AppState, &'a JobRow) -> BoxFuture<'a, JobOutcome>;

fn handle<'a, J: BackgroundJob>(state: &'a AppState, job: &'a JobRow) -> BoxFuture<'a, JobOutcome> {
    Box::pin(async move {
        match serde_json::from_value::<J>(job.payload.clone()) {
            Ok(payload) => payload.run(state, job).await,
            Err(e) => JobOutcome::Fatal(format!("the payload is not a {} job: {e}", J::KIND)),
        }
    })
}

/// Periodic work the scheduler does on every tick (one replica at a time where it matters: each
/// duty takes its own advisory lock); returns how much it queued or did.
#[derive(Clone, Copy)]
pub struct Duty {
    pub name: &'static str,
    pub run: for<'a> fn(&'a AppState) -> BoxFuture<'a, sqlx::Result<usize>>,
}

/// Every job kind with its handler, and the periodic duties.
#[derive(Default)]
pub struct Registry {
    handlers: HashMap<&'static str, Handler>,
    deliveries: Vec<&'static str>,
    duties: Vec<Duty>,
}

impl Registry {
    pub fn job<J: BackgroundJob>(mut self) -> Registry {
        let twice = self.handlers.insert(J::KIND, handle::<J>);
        assert!(twice.is_none(), "job kind {} registered twice", J::KIND);
        if J::LANE == Lane::Delivery {
            self.deliveries.push(J::KIND);
        }
        self
    }

    pub fn duty(mut self, duty: Duty) -> Registry {
        self.duties.push(duty);
        self
    }

    /// Runs one attempt of `job` with its kind's handler.
    pub async fn run(&self, state: &AppState, job: &JobRow) -> JobOutcome {
        match self.handlers.get(job.kind.as_str()) {
            Some(handler) => handler(state, job).await,
            None => JobOutcome::Fatal(format!("unknown job kind {:?}", job.kind)),
        }
    }

    pub fn duties(&self) -> &[Duty] {
        &self.duties
    }

    /// The kinds a lane's workers claim; provisioning takes every kind but deliveries (an unknown
    /// kind too, to fail it visibly).
    pub fn kinds(&self, lane: Lane) -> super::store::Kinds<'_> {
        match lane {
            Lane::Provisioning => super::store::Kinds::Except(&self.deliveries),
            Lane::Delivery => super::store::Kinds::Only(&self.deliveries),
        }
    }
}

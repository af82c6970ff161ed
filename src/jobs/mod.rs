//! Durable background work: a Postgres job queue (the outbox), the worker that runs it, and the
//! scheduler that enqueues periodic work. Jobs are enqueued on the caller's transaction, claimed
//! with `FOR UPDATE SKIP LOCKED` under a lease, retried with jittered exponential backoff, and end
//! visibly `failed` after their last attempt — never stuck "running": an expired lease is reclaimed.
//! Idle workers are woken as soon as a job is enqueued ([`wake`]).

pub mod api;
pub mod model;
pub mod registry;
pub mod scheduler;
pub mod store;
pub mod wake;
pub mod worker;

pub use model::{JobOutcome, JobRow};
pub use crate::BoxFuture;
pub use registry::{BackgroundJob, Duty, Lane, Registry};

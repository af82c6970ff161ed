//! The `deliver_webhook` job: POSTs one event to one receiver, signed.
//!
//! A 2xx answer delivers it. Any other answer, a timeout or a refused connection is retried by the
//! job queue with its backoff; after the job's last attempt (`MESHGOV_WEBHOOK_MAX_ATTEMPTS`) the
//! delivery is dead — a dead letter, listed under the webhook's deliveries with its last status
//! and error, and sendable again. A 410 Gone means the receiver is gone for good: the webhook is
//! disabled and the delivery dead at once. Deliveries are not ordered: a retried event may arrive
//! after later ones; the CloudEvent's `seq` orders them.
//!
//! A webhook's receiver is tried by one delivery at a time (the job's concurrency key: the others
//! wait unclaimed, across replicas), and one that fails backs off as a whole: none of its deliveries is attempted before its `retry_after`
//! (doubling with each consecutive failure, up to 5 minutes), and their jobs wait without spending
//! attempts. A dead receiver thus costs one attempt per backoff window, not one per queued event,
//! and never holds more than one delivery worker.

use serde_json::json;

use super::model::{DeliveryJob, WebhookRow};
use super::signature;
use super::store;
use crate::AppState;
use crate::events::CloudEvent;
use crate::jobs::{BackgroundJob, JobOutcome, JobRow, Lane};

impl BackgroundJob for DeliveryJob {
    const KIND: &'static str = "deliver_webhook";
    const LANE: Lane = Lane::Delivery;

    /// One delivery to a webhook in flight at a time, across replicas.
    fn concurrency_key(&self) -> Option<String> {
        Some(format!("webhook:{}", self.webhook_id))
    }

    fn max_attempts(&self) -> i32 {
        self.max_attempts
    }

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("webhook:{}:{}", self.webhook_id, self.seq))
    }

    async fn run(self, state: &AppState, job: &JobRow) -> JobOutcome {
        match deliver(state, job, &self).await {
            Ok(outcome) => outcome,
            Err(e) => JobOutcome::Retry(format!("database error: {e}")),
        }
    }
}

async fn deliver(state: &AppState, job: &JobRow, target: &DeliveryJob) -> sqlx::Result<JobOutcome> {
    let skipped = |why: &str| Ok(JobOutcome::Done(json!({ "skipped": why })));
    let Some(hook) = store::find(&state.db, target.webhook_id).await? else { return skipped("the webhook was deleted") };
    // A job that came due before its receiver's backoff ended (its own retry) waits for it.
    if let Some(wait) = store::backoff_left(&state.db, hook.id).await? {
        return Ok(JobOutcome::Defer(wait, "the receiver is backing off after failed attempts".into()));
    }
    if hook.status != "active" {
        return skipped("the webhook is disabled");
    }
    match store::find_delivery(&state.db, hook.id, target.seq).await? {
        None => return skipped("the delivery is gone"),
        Some(d) if d.state == "delivered" => return skipped("already delivered"),
        Some(_) => {}
    }
    let Some(event) = store::event(&state.db, target.seq).await? else {
        return Ok(JobOutcome::Fatal(format!("audit event {} does not exist", target.seq)));
    };
    let body = serde_json::to_vec(&CloudEvent::from_audit(event, &state.config.events.source)).expect("serializes");
    let (status, error) = match send(&hook, target.seq, body, state.config.events.webhook_allow_private).await {
        Ok(status) if (200..300).contains(&status) => {
            store::record_attempt(&state.db, hook.id, target.seq, "delivered", Some(status), None).await?;
            store::receiver_answered(&state.db, hook.id).await?;
            return Ok(JobOutcome::Done(json!({ "status": status })));
        }
        Ok(status) => (Some(status), format!("the receiver answered {status}")),
        Err(e) => (None, e),
    };
    if status == Some(410) {
        let reason = "the receiver answered 410 Gone";
        store::record_attempt(&state.db, hook.id, target.seq, "dead", status, Some(&error)).await?;
        store::disable(&state.db, hook.id, reason).await?;
        tracing::warn!(webhook_id = %hook.id, "webhook disabled: {reason}");
        return Ok(JobOutcome::Fatal(error));
    }
    let last = job.attempts >= job.max_attempts;
    let state_after = if last { "dead" } else { "pending" };
    store::record_attempt(&state.db, hook.id, target.seq, state_after, status, Some(&error)).await?;
    let until = store::receiver_failed(&state.db, hook.id, crate::jobs::worker::backoff).await?;
    tracing::info!(webhook_id = %hook.id, %until, "webhook receiver backs off");
    Ok(if last { JobOutcome::Fatal(error) } else { JobOutcome::Retry(error) })
}

/// POSTs the event; the receiver's status, or why there was none.
async fn send(hook: &WebhookRow, seq: i64, body: Vec<u8>, allow_private: bool) -> Result<u16, String> {
    // Names are checked as they resolve; a literal address here (registered before private
    // addresses were refused) is checked before connecting.
    let url = reqwest::Url::parse(&hook.url).map_err(|e| format!("the webhook's URL does not parse: {e}"))?;
    if let Some(ip) = super::egress::literal_non_public(&url).filter(|_| !allow_private) {
        return Err(format!("{ip} is not a public address, which webhooks may not reach"));
    }
    let id = seq.to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let signature = signature::sign(&hook.secret, &id, timestamp, &body);
    let response = super::egress::client(allow_private)
        .post(url)
        .header("content-type", "application/cloudevents+json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        // The URL may carry a token in its query: errors name the failure, not the URL.
        .map_err(|e| format!("no answer from the receiver: {}", error_chain(&e.without_url())))?;
    Ok(response.status().as_u16())
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

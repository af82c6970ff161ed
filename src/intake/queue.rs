//! The SQS queue the governance bus's rules put AWS events on (`MESHGOV_CATALOG_EVENTS_QUEUE_URL`):
//! `serve` long-polls it, `meshgov work` drains it.
//! A message is deleted once taken or refused; one whose taking failed (the database) stays, comes
//! back after the queue's visibility timeout, and ends on the dead-letter queue after the queue's
//! maximum receives.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::Outcome;
use crate::AppState;

/// What one receive did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Received {
    pub messages: usize,
    /// Product syncs queued or joined.
    pub syncs: usize,
    /// Uses of subscriptions recorded (an access may be a use of several).
    pub uses: usize,
    pub refused: usize,
}

/// One ReceiveMessage (up to 10 messages, waiting up to `wait` for the first), each message taken,
/// and the taken and refused ones deleted.
pub async fn receive_once(state: &AppState, sqs: &aws_sdk_sqs::Client, queue_url: &str, wait: Duration) -> Result<Received, String> {
    let answer = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait.as_secs().min(20) as i32)
        .send()
        .await
        .map_err(|e| format!("SQS ReceiveMessage: {}", crate::aws::describe(&e)))?;
    let mut done = Received::default();
    let mut delete = Vec::new();
    let bodies: Vec<&str> = answer.messages().iter().map(|m| m.body().unwrap_or_default()).collect();
    let answers = super::take_receive(state, &bodies).await;
    for (message, taken) in answer.messages().iter().zip(answers) {
        done.messages += 1;
        match taken {
            Ok(taken) => {
                match taken {
                    Outcome::Syncs(n) => done.syncs += n,
                    Outcome::Uses(n) => done.uses += n,
                    Outcome::Ignored => {}
                    Outcome::Refused => done.refused += 1,
                }
                if let (Some(id), Some(handle)) = (message.message_id(), message.receipt_handle()) {
                    let entry = aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder().id(id).receipt_handle(handle).build();
                    delete.push(entry.map_err(|e| format!("SQS DeleteMessageBatch entry: {e}"))?);
                }
            }
            Err(e) => tracing::warn!(error = %e, "an AWS event could not be taken; it will be delivered again"),
        }
    }
    if !delete.is_empty() {
        sqs.delete_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(delete))
            .send()
            .await
            .map_err(|e| format!("SQS DeleteMessageBatch: {}", crate::aws::describe(&e)))?;
    }
    Ok(done)
}

/// Receives until the queue answers empty or `budget` is spent (for `meshgov work`).
pub async fn drain(state: &AppState, queue_url: &str, budget: Duration) -> Result<Received, String> {
    let deadline = Instant::now() + budget;
    let sqs = aws_sdk_sqs::Client::new(state.aws.sdk().await);
    let mut total = Received::default();
    while Instant::now() < deadline {
        let got = receive_once(state, &sqs, queue_url, Duration::ZERO).await?;
        total.messages += got.messages;
        total.syncs += got.syncs;
        total.uses += got.uses;
        total.refused += got.refused;
        if got.messages == 0 {
            break;
        }
    }
    Ok(total)
}

/// `serve`'s loop: long-polls the queue until `shutdown`; after an error, waits before trying
/// again (doubling up to a minute).
pub async fn run(state: AppState, queue_url: String, mut shutdown: watch::Receiver<bool>) {
    let mut pause = Duration::from_secs(1);
    // One client for the loop's life: it keeps its connections between long polls.
    let sqs = aws_sdk_sqs::Client::new(state.aws.sdk().await);
    while !*shutdown.borrow() {
        tokio::select! {
            got = receive_once(&state, &sqs, &queue_url, Duration::from_secs(20)) => match got {
                Ok(got) => {
                    pause = Duration::from_secs(1);
                    if got.messages > 0 {
                        tracing::info!(messages = got.messages, syncs = got.syncs, uses = got.uses, refused = got.refused, "AWS events taken");
                    }
                    continue;
                }
                Err(e) => tracing::warn!(error = %e, "AWS events queue unavailable"),
            },
            _ = shutdown.changed() => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => return,
        }
        pause = (pause * 2).min(Duration::from_secs(60));
    }
}

//! AWS Lambda: the same binary, the same router and the same background work, invoked instead of
//! running. The Lambda runtime names the entry in `_HANDLER` (the function's Handler setting,
//! deploy/cloudformation/governance.yaml): `serve` answers API Gateway HTTP API events (payload
//! 2.0) with the axum router; `work` takes an SQS batch of AWS events (producers' catalog changes, data accesses; the queue's
//! event source mapping) or a schedule's tick, then runs the background work until shortly before
//! the invocation's deadline. Nothing is written twice: a request goes through the router `serve`
//! runs, and the work through [`crate::background::work_for`].

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime};

use axum::extract::ConnectInfo;
use serde_json::{Value, json};

use crate::AppState;

/// Whether this process runs as a Lambda function (the runtime API is only given there).
pub fn detected() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// The entry the function's Handler setting names, when the command line names none.
pub fn handler() -> String {
    std::env::var("_HANDLER").unwrap_or_default()
}

/// Runs `entry` (`serve` or `work`) until the runtime stops the process.
pub async fn run(state: AppState, entry: &str) -> Result<(), String> {
    match entry {
        "serve" => lambda_http::run(router(state)).await.map_err(|e| format!("lambda serve: {e}")),
        "work" => {
            let service = lambda_http::service_fn(move |event: lambda_http::LambdaEvent<Value>| {
                let state = state.clone();
                async move {
                    let deadline = event.context.deadline();
                    invoke_worker(&state, &event.payload, deadline).await.map_err(lambda_http::Error::from)
                }
            });
            lambda_http::lambda_runtime::run(service).await.map_err(|e| format!("lambda work: {e}"))
        }
        other => Err(format!("_HANDLER is {other:?}: set the function's Handler to serve or work")),
    }
}

/// The router for API Gateway events: `serve`'s, with the caller's address (the request
/// context's `sourceIp`) where the HTTP server would put the connection's, for the rate limit.
pub fn router(state: AppState) -> axum::Router {
    crate::app(state).layer(axum::middleware::map_request(|mut request: axum::extract::Request| async move {
        if let Some(ip) = source_ip(&request) {
            request.extensions_mut().insert(ConnectInfo(SocketAddr::new(ip, 0)));
        }
        request
    }))
}

fn source_ip<B>(request: &http::Request<B>) -> Option<IpAddr> {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.as_deref()?.parse().ok(),
        _ => None,
    }
}

/// Time kept back from the invocation's deadline: the job in hand finishes and the answer is sent.
const DEADLINE_MARGIN: Duration = Duration::from_secs(10);
/// The budget when the runtime gives no deadline.
const DEFAULT_BUDGET: Duration = Duration::from_secs(50);

/// One invocation of the worker. An SQS batch (`Records` from `aws:sqs`) is taken first, each
/// message an AWS event (a catalog change, a data access); those that could not be taken (the
/// database) are answered as `batchItemFailures`, so that SQS delivers only them again (the mapping's
/// `ReportBatchItemFailures`). Then the background work, for what is left of the time.
pub async fn invoke_worker(state: &AppState, payload: &Value, deadline: SystemTime) -> Result<Value, String> {
    let records: Vec<&Value> = payload
        .get("Records")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|record| record.get("eventSource").and_then(Value::as_str) == Some("aws:sqs"))
        .collect();
    let bodies: Vec<&str> = records.iter().map(|r| r.get("body").and_then(Value::as_str).unwrap_or_default()).collect();
    let mut failures = Vec::new();
    for (record, taken) in records.iter().zip(crate::intake::take_all(state, &bodies).await) {
        if let Err(e) = taken {
            tracing::warn!(error = %e, "an AWS event could not be taken; SQS delivers it again");
            failures.push(json!({ "itemIdentifier": record.get("messageId").cloned().unwrap_or(Value::Null) }));
        }
    }
    let budget = match deadline.duration_since(SystemTime::now()) {
        Ok(left) => left.saturating_sub(DEADLINE_MARGIN),
        Err(_) => Duration::ZERO,
    };
    let budget = if deadline == SystemTime::UNIX_EPOCH { DEFAULT_BUDGET } else { budget };
    // The queue's event source mapping delivers its messages; the worker does not also poll it.
    let mut worker = state.clone();
    if worker.config.aws.catalog_events_queue_url.is_some() {
        let mut config = (*worker.config).clone();
        config.aws.catalog_events_queue_url = None;
        worker.config = std::sync::Arc::new(config);
    }
    let done = crate::background::work_for(&worker, budget).await.map_err(|e| format!("work failed: {e}"))?;
    tracing::info!(jobs = done.jobs, deliveries_queued = done.deliveries_queued, budget_spent = done.budget_spent, "work done");
    Ok(json!({ "batchItemFailures": failures }))
}

//! Webhook rules: who may register and manage them, what a valid URL is, and the fan-out that
//! turns new audit events into deliveries.
//!
//! Fan-out reads the events past a webhook's cursor that its registrant may see (the feed's own
//! query, `events::store::visible`), and writes one delivery row and one `deliver_webhook` job per
//! event and the advanced cursor in one transaction: a crash loses nothing and sends nothing twice
//! from fan-out (a receiver may still get an event again when meshgov dies between its 2xx and
//! recording it; `webhook-id` lets it drop the repeat).

use std::net::IpAddr;
use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;
use uuid::Uuid;

use super::model::{DeliveryJob, DeliveryQuery, DeliveryRow, DeliveryState, ListQuery, NewWebhook, Webhook, WebhookRow};
use super::signature;
use super::store::{self, NewRow};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent, target};
use crate::events::model::action_of;
use crate::events::service::SCAN_WINDOW;
use crate::events::store::{self as events_store, Audience};
use crate::http::auth::Caller;
use crate::http::pagination;
use crate::http::problem::{ApiError, ApiResult, FieldError, Violations};
use crate::idempotency::{self, Claim, Created};
use crate::jobs::BackgroundJob;
use crate::validate;

/// How often each replica looks for new events to fan out: the latency of a webhook, at the cost
/// of one indexed query per second when nothing is new. The scheduler's tick (up to 30 s) would be
/// too slow for notifications.
const POLL: Duration = Duration::from_secs(1);

const MAX_URL: usize = 2048;
const MAX_TYPES: usize = 50;

/// The registrant and admins and stewards (who see every webhook) manage a webhook.
fn authorize(caller: &Caller, hook: &WebhookRow) -> ApiResult<()> {
    if caller.sees_everything() || caller.sub == hook.owner_sub {
        Ok(())
    } else {
        Err(ApiError::forbidden("only the webhook's registrant, stewards and admins may see or change it"))
    }
}

async fn find_for(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<WebhookRow> {
    let hook = store::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found("no such webhook"))?;
    authorize(caller, &hook)?;
    Ok(hook)
}

/// Checks a receiver URL: https (http only when allowed), a host, no credentials (they would be
/// stored and logged), no fragment (never sent), and not a link-local address such as the cloud
/// metadata endpoint, nor any other non-public address unless `allow_private`; written with the
/// characters of the contract's pattern only (ASCII: what a URL holds unencoded). Returns it as
/// given: a normalized form may be longer than the limit the caller was told.
pub fn check_url(raw: &str, allow_http: bool, allow_private: bool) -> Result<String, FieldError> {
    let err = |code: &str, msg: &str| FieldError::new("url", code, msg);
    if raw.len() > MAX_URL {
        return Err(err("too_long", "at most 2048 characters"));
    }
    let url = reqwest::Url::parse(raw).map_err(|e| err("invalid_url", &format!("not a URL ({e})")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => return Err(err("https_required", "webhooks must use https")),
        _ => return Err(err("invalid_url", "expected an https URL")),
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(err("invalid_url", "the URL has no host"));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(err("userinfo_not_allowed", "the URL must not hold a user name or password"));
    }
    if url.fragment().is_some() {
        return Err(err("fragment_not_allowed", "the URL must not have a #fragment"));
    }
    // IPv6 hosts come bracketed; names do not parse as addresses.
    let ip = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
    let forbidden = ip.is_some_and(|ip| match ip {
        IpAddr::V4(v4) => v4.is_link_local() || v4.is_unspecified(),
        IpAddr::V6(v6) => v6.is_unicast_link_local() || v6.is_unspecified(),
    });
    if forbidden {
        return Err(err("address_not_allowed", "link-local and unspecified addresses are not allowed"));
    }
    if !allow_private && super::egress::literal_non_public(&url).is_some() {
        return Err(err("address_not_allowed", "webhooks may reach only public addresses"));
    }
    if !written_plainly(raw) {
        return Err(err("invalid_url", "write the URL in ASCII: letters, digits and URL punctuation, non-ASCII percent-encoded"));
    }
    Ok(raw.to_string())
}

/// The contract's pattern for receiver URLs, `^https?://[A-Za-z0-9.:\[\]-]+([/?][A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$`:
/// a host (name, IPv4, bracketed IPv6) with an optional port, then RFC 3986's path and query
/// characters.
fn written_plainly(raw: &str) -> bool {
    let Some(rest) = raw.strip_prefix("https://").or_else(|| raw.strip_prefix("http://")) else { return false };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    !authority.is_empty()
        && authority.bytes().all(|b| b.is_ascii_alphanumeric() || b".:[]-".contains(&b))
        && tail.bytes().all(|b| b.is_ascii_alphanumeric() || b"._~!$&'()*+,;=:@%/?-".contains(&b))
}

/// Checks the type filter: well-formed meshgov CloudEvent types, sorted and without repeats.
fn check_types(v: &mut Violations, types: Option<&[String]>) -> Option<Vec<String>> {
    let types = types?;
    if types.is_empty() {
        v.add("types", "empty", "list at least one type, or omit the list for every type");
    }
    if types.len() > MAX_TYPES {
        v.add("types", "too_many", format!("at most {MAX_TYPES} types"));
    }
    for (i, t) in types.iter().enumerate() {
        if t.len() > 200 || action_of(t).is_none() {
            v.add(
                format!("types[{i}]"),
                "invalid_type",
                "expected a meshgov event type such as io.meshgov.subscription.approved",
            );
        }
    }
    let mut sorted = types.to_vec();
    sorted.sort();
    sorted.dedup();
    Some(sorted)
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    req: NewWebhook,
    idempotency_key: Option<&str>,
) -> ApiResult<Created<Webhook>> {
    let mut v = Violations::default();
    let url = v.check(check_url(&req.url, state.config.events.webhook_allow_http, state.config.events.webhook_allow_private));
    let types = check_types(&mut v, req.types.as_deref());
    let description = v.check(validate::text("description", req.description.as_deref().unwrap_or(""), 0, 1000, true));
    v.finish()?;
    let (url, description) = (url.expect("checked"), description.expect("checked"));

    let mut tx = state.db.begin().await?;
    let key = match idempotency::claim(&mut tx, &caller.sub, idempotency_key, "POST", "/webhooks", &req).await? {
        Claim::Fresh(key) => key,
        Claim::Replay(body) => return Ok(Created::Replayed(body)),
    };
    let id = Uuid::now_v7();
    let secret = signature::generate_secret();
    let roles = caller.role_names();
    let domains: Vec<String> = caller.domains.iter().cloned().collect();
    store::insert(
        &mut tx,
        &NewRow {
            id,
            url: &url,
            description: &description,
            types: types.as_deref(),
            secret: &secret,
            owner_sub: &caller.sub,
            owner_roles: &roles,
            owner_domains: &domains,
        },
    )
    .await?;
    // The query string is left out of the trail: receivers often carry a token in it.
    let mut shown = reqwest::Url::parse(&url).map_err(ApiError::internal)?;
    shown.set_query(None);
    let event = audit::append(
        &mut tx,
        NewEvent::new(
            Actor::from(caller),
            "webhook.created",
            target::webhook(id),
            json!({ "url": shown.as_str(), "types": types, "description": description,
                    "owner_roles": roles, "owner_domains": domains }),
        ),
    )
    .await?;
    // The webhook starts after its own registration: the append holds the chain lock until
    // commit, so no event can fall between this seq and the webhook's first fan-out.
    let row = store::set_cursor(&mut tx, id, event.seq).await?;
    let mut body = Webhook::from(row);
    body.secret = Some(secret);
    key.complete(&mut tx, 201, &body).await?;
    tx.commit().await?;
    Ok(Created::New(body))
}

pub async fn list(state: &AppState, caller: &Caller, query: ListQuery) -> ApiResult<(Vec<WebhookRow>, i64)> {
    let limit = pagination::limit(query.limit)?;
    let before = pagination::decode_cursor("webhooks", query.cursor.as_deref())?;
    let owner = (!caller.sees_everything()).then_some(caller.sub.as_str());
    Ok((store::list(&state.db, owner, before, limit).await?, limit))
}

pub async fn get(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<WebhookRow> {
    find_for(state, caller, id).await
}

/// Deletes a webhook with its delivery history; its queued deliveries end without being sent.
pub async fn delete(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<()> {
    let hook = find_for(state, caller, id).await?;
    let mut tx = state.db.begin().await?;
    store::delete(&mut tx, id).await?;
    let event = NewEvent::new(Actor::from(caller), "webhook.deleted", target::webhook(id), json!({ "owner": hook.owner_sub }));
    audit::commit(tx, [event]).await?;
    Ok(())
}

pub async fn deliveries(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    query: DeliveryQuery,
) -> ApiResult<(Vec<DeliveryRow>, i64)> {
    let limit = pagination::limit(query.limit)?;
    let before = pagination::decode_cursor("webhook-deliveries", query.cursor.as_deref())?;
    find_for(state, caller, id).await?;
    let rows = store::deliveries(&state.db, id, query.state.map(DeliveryState::as_str), before, limit).await?;
    Ok((rows, limit))
}

/// Sends a dead-lettered delivery again, with a fresh set of attempts.
pub async fn redeliver(state: &AppState, caller: &Caller, id: Uuid, seq: i64) -> ApiResult<DeliveryRow> {
    let hook = find_for(state, caller, id).await?;
    if hook.status != "active" {
        return Err(ApiError::conflict(
            "webhook_disabled",
            format!("the webhook is disabled ({}); register it again", hook.disabled_reason.unwrap_or_default()),
        ));
    }
    let mut tx = state.db.begin().await?;
    let delivery = store::find_delivery(&mut *tx, id, seq).await?.ok_or_else(|| ApiError::not_found("no such delivery"))?;
    if delivery.state != "dead" {
        return Err(ApiError::conflict(
            "delivery_not_dead",
            format!("the delivery is {}: only dead deliveries can be sent again", delivery.state),
        ));
    }
    let job = queue(state, &mut tx, id, seq).await?;
    let row = store::find_delivery(&mut *tx, id, seq).await?.ok_or(sqlx::Error::RowNotFound)?;
    let event =
        NewEvent::new(Actor::from(caller), "webhook.redelivery_requested", target::webhook(id), json!({ "seq": seq, "job_id": job.id }));
    audit::commit(tx, [event]).await?;
    Ok(row)
}

/// Queues the delivery of event `seq` to webhook `webhook_id`.
async fn queue(state: &AppState, tx: &mut sqlx::PgConnection, webhook_id: Uuid, seq: i64) -> sqlx::Result<crate::jobs::JobRow> {
    let job = DeliveryJob { webhook_id, seq, max_attempts: state.config.events.webhook_max_attempts };
    let row = job.enqueue(&mut *tx, None, &Actor::system("webhooks").sub).await?;
    store::queue_delivery(tx, webhook_id, seq, row.id).await?;
    Ok(row)
}

/// Turns the audit events past every active webhook's cursor into deliveries (one window of at
/// most 5,000 events per webhook per call); returns how many deliveries it queued.
pub async fn fan_out(state: &AppState) -> sqlx::Result<usize> {
    let head = events_store::head(&state.db).await?;
    let mut queued = 0;
    for id in store::behind(&state.db, head).await? {
        queued += fan_out_one(state, id, head).await?;
    }
    Ok(queued)
}

async fn fan_out_one(state: &AppState, id: Uuid, head: i64) -> sqlx::Result<usize> {
    let mut tx = state.db.begin().await?;
    let Some(hook) = store::lock_active(&mut tx, id).await? else { return Ok(0) };
    if hook.cursor_seq >= head {
        return Ok(0);
    }
    let upto = head.min(hook.cursor_seq.saturating_add(SCAN_WINDOW));
    let actions: Option<Vec<String>> = hook.types.as_ref().map(|t| t.iter().filter_map(|t| action_of(t)).collect());
    let audience = Audience::from(&hook.registrant());
    let events = events_store::visible(&mut *tx, &audience, hook.cursor_seq, upto, actions.as_deref(), SCAN_WINDOW).await?;
    for event in &events {
        queue(state, &mut tx, id, event.seq).await?;
    }
    store::set_cursor(&mut tx, id, upto).await?;
    tx.commit().await?;
    Ok(events.len())
}

/// Fans out every second until `shutdown`; any number of replicas may run it (each webhook is
/// locked while it is fanned out, and a locked one is skipped, not waited for).
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        match fan_out(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deliveries = n, "queued webhook deliveries"),
            Err(e) => tracing::warn!(error = %e, "webhook fan-out failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = shutdown.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receiver_urls() {
        assert_eq!(check_url("https://hooks.example.com/x?a=1", false, false).unwrap(), "https://hooks.example.com/x?a=1");
        assert_eq!(check_url("http://127.0.0.1:9000/in", true, true).unwrap(), "http://127.0.0.1:9000/in");
        let code = |raw: &str, allow: bool| check_url(raw, allow, allow).unwrap_err().code;
        assert_eq!(code("http://hooks.example.com/", false), "https_required");
        assert_eq!(code("ftp://hooks.example.com/", true), "invalid_url");
        assert_eq!(code("not a url", true), "invalid_url");
        assert_eq!(code("https://user:pw@hooks.example.com/", false), "userinfo_not_allowed");
        assert_eq!(code("https://hooks.example.com/#top", false), "fragment_not_allowed");
        // The cloud's metadata endpoint stays out of reach even where private addresses are allowed.
        assert_eq!(code("http://169.254.169.254/latest/meta-data", true), "address_not_allowed");
        assert_eq!(code("https://[fe80::1]/", false), "address_not_allowed");
        assert_eq!(code("https://10.0.0.7/hook", false), "address_not_allowed");
        assert_eq!(code("https://[::1]:8443/hook", false), "address_not_allowed");
        assert_eq!(check_url("https://10.0.0.7/hook", false, true).unwrap(), "https://10.0.0.7/hook");
        assert_eq!(code(&format!("https://hooks.example.com/{}", "a".repeat(2048)), false), "too_long");
        // Kept as written, so what was checked against the limit is what is stored.
        assert_eq!(check_url("https://HOOKS.example.com", false, false).unwrap(), "https://HOOKS.example.com");
        assert_eq!(code("https://hooks.example.com/caf\u{e9}", false), "invalid_url");
        assert_eq!(code("https://hooks.example.com/a b", false), "invalid_url");
    }
}

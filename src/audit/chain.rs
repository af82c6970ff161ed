//! The hash of an event. The input is a canonical serialization (fixed field order, object keys
//! sorted at every depth, timestamps at microsecond precision like Postgres), so the hash computed
//! before insert equals the one recomputed from what the database returns.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub struct HashInput<'a> {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_sub: &'a str,
    pub actor_roles: &'a [String],
    pub action: &'a str,
    pub target: &'a str,
    pub request_id: &'a str,
    pub details: &'a Value,
    pub prev_hash: &'a str,
}

pub fn event_hash(e: &HashInput) -> String {
    let mut out = String::with_capacity(256);
    out.push('[');
    out.push_str(&e.seq.to_string());
    for s in [&timestamp(e.at), e.actor_sub] {
        out.push(',');
        push_string(&mut out, s);
    }
    out.push_str(",[");
    for (i, role) in e.actor_roles.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(&mut out, role);
    }
    out.push(']');
    for s in [e.action, e.target, e.request_id] {
        out.push(',');
        push_string(&mut out, s);
    }
    out.push(',');
    canonical(&mut out, e.details);
    out.push(',');
    push_string(&mut out, e.prev_hash);
    out.push(']');
    hex::encode(Sha256::digest(out.as_bytes()))
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Postgres keeps microseconds; so must the hashed value.
pub fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).expect("in range")
}

fn push_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("strings serialize"));
}

fn canonical(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_string(out, k);
                out.push(':');
                canonical(out, &map[k]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(out, item);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input<'a>(details: &'a Value, prev: &'a str, roles: &'a [String]) -> HashInput<'a> {
        HashInput {
            seq: 1,
            at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            actor_sub: "alice",
            actor_roles: roles,
            action: "domain.created",
            target: "domain:sales",
            request_id: "r1",
            details,
            prev_hash: prev,
        }
    }

    #[test]
    fn key_order_does_not_matter_but_content_does() {
        let roles = vec!["admin".to_string()];
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":2,"x":[1,"z"]}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":[1,"z"],"y":2},"b":1}"#).unwrap();
        assert_eq!(event_hash(&input(&a, GENESIS_HASH, &roles)), event_hash(&input(&b, GENESIS_HASH, &roles)));
        let c = json!({"a": {"x": [1, "z"], "y": 3}, "b": 1});
        assert_ne!(event_hash(&input(&a, GENESIS_HASH, &roles)), event_hash(&input(&c, GENESIS_HASH, &roles)));
        let other_prev = "1".repeat(64);
        assert_ne!(event_hash(&input(&a, GENESIS_HASH, &roles)), event_hash(&input(&a, &other_prev, &roles)));
        assert_ne!(event_hash(&input(&a, GENESIS_HASH, &roles)), event_hash(&input(&a, GENESIS_HASH, &[])));
    }
}

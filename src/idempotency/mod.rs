//! `Idempotency-Key` for creates: the first request with a key stores its response in the same
//! transaction as the resource it created; a retry with the same key and the same request gets that
//! response back, a retry with a different request is refused. Keys are scoped to the caller.

pub mod store;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// What a create returned: made now, or replayed from the first attempt with the same key.
pub enum Created<T> {
    New(T),
    Replayed(Value),
}

/// Fingerprint of a request: method, path and body.
pub fn request_hash(method: &str, path: &str, body: &Value) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body.to_string().as_bytes());
    hex::encode(h.finalize())
}

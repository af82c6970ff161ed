//! Keyset pagination: `limit` (default 50, max 200) and an opaque `cursor` naming the last item
//! seen. Cursors are base64url JSON with a kind tag, so a cursor from one list is refused by another
//! instead of silently paging wrong.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use utoipa::ToSchema;

use super::problem::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request("invalid_limit", format!("limit must be from 1 to {MAX_LIMIT}"))),
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope<K> {
    t: String,
    k: K,
}

pub fn encode_cursor<K: Serialize>(kind: &str, key: &K) -> String {
    let json = serde_json::to_vec(&Envelope { t: kind.to_string(), k: key }).expect("cursor serializes");
    URL_SAFE_NO_PAD.encode(json)
}

pub fn decode_cursor<K: DeserializeOwned>(kind: &str, cursor: Option<&str>) -> Result<Option<K>, ApiError> {
    // An empty cursor is the first page, as no cursor is (clients often send `cursor=`).
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else { return Ok(None) };
    let bad = || ApiError::bad_request("invalid_cursor", "the cursor is not one this list produced");
    if cursor.len() > 1024 {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let envelope: Envelope<K> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if envelope.t != kind {
        return Err(bad());
    }
    Ok(Some(envelope.k))
}

/// Turns `limit + 1` fetched rows into a page: the extra row only says another page exists.
pub fn page<T: ToSchema, K: Serialize>(
    mut rows: Vec<T>,
    limit: i64,
    kind: &str,
    key_of: impl Fn(&T) -> K,
) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(|last| encode_cursor(kind, &key_of(last))) } else { None };
    Page { items: rows, next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_kind_check() {
        let c = encode_cursor("products", &"0190-abc");
        assert_eq!(decode_cursor::<String>("products", Some(&c)).unwrap().as_deref(), Some("0190-abc"));
        assert!(decode_cursor::<String>("audit", Some(&c)).is_err());
        assert!(decode_cursor::<String>("products", Some("not base64 !")).is_err());
        assert!(decode_cursor::<i64>("products", Some(&c)).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some(200)).unwrap(), 200);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(201)).is_err());
    }
}

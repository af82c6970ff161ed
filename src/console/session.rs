//! The console's session and its forms' CSRF tokens.
//!
//! A session is the caller's bearer token (one the API would accept: from the identity provider,
//! or in development minted by meshgov), kept in a cookie signed with the console's key
//! (`HttpOnly`, `Secure`, `SameSite=Lax`, path `/console`, expiring with the token). Every page
//! verifies the token as the API verifies a bearer token, so a session ends when its token does
//! and has exactly the token's roles and domains.
//!
//! Every form that changes something carries a CSRF token: an HMAC of the session under the key,
//! which another site can neither read nor compute. The sign-in form, before any session, carries
//! the HMAC of a random nonce set in a cookie of its own (a signed double submit).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::config::Config;

/// The session cookie.
pub const COOKIE: &str = "meshgov_console";
/// The sign-in form's nonce cookie.
pub const SIGN_IN_COOKIE: &str = "meshgov_console_sign_in";

/// The console's signing key.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// From `MESHGOV_CONSOLE_SECRET`; else from the development secret; else a random key, with
    /// which sessions last only as long as the process and hold on one replica only.
    pub fn from_config(config: &Config) -> Key {
        let secret = config.console_secret.as_deref().or(config.auth.dev_secret.as_deref());
        match secret {
            Some(secret) => {
                let mut digest = Sha256::new();
                digest.update(b"meshgov console session key\0");
                digest.update(secret.as_bytes());
                Key(digest.finalize().into())
            }
            None => {
                tracing::warn!("MESHGOV_CONSOLE_SECRET is not set: console sessions end when this process does and hold on this replica only");
                Key(rand::random())
            }
        }
    }

    fn mac(&self, purpose: &str, value: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac
    }

    /// The cookie value holding `token`: the token as it is (a JWT's characters are all a cookie
    /// may carry), a dot, and the tag. None for a token a cookie cannot carry.
    pub fn seal(&self, token: &str) -> Option<String> {
        let cookie_safe = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
        if token.is_empty() || token.len() > MAX_TOKEN || !token.bytes().all(cookie_safe) {
            return None;
        }
        let tag = self.mac("session", token).finalize().into_bytes();
        Some(format!("{token}.{}", URL_SAFE_NO_PAD.encode(tag)))
    }

    /// The token a cookie value holds, if this key sealed it.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let (token, tag) = sealed.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac("session", token).verify_slice(&tag).ok()?;
        Some(token.to_string())
    }

    /// The CSRF token of forms in the session of `token` (or of the sign-in nonce).
    pub fn csrf(&self, purpose: &str, value: &str) -> String {
        hex::encode(self.mac(purpose, value).finalize().into_bytes())
    }

    /// Whether `given` is the CSRF token for `value` (compared in constant time).
    pub fn check_csrf(&self, purpose: &str, value: &str, given: &str) -> bool {
        match hex::decode(given) {
            Ok(tag) => self.mac(purpose, value).verify_slice(&tag).is_ok(),
            Err(_) => false,
        }
    }
}

/// Longest token a session takes: with its tag and attributes, a cookie stays within the 4,096
/// bytes every browser keeps.
const MAX_TOKEN: usize = 3800;

/// Seconds until a (verified) JWT's `exp`; None without one, or when it has passed.
pub fn remaining_lifetime(token: &str) -> Option<u64> {
    let claims = token.split('.').nth(1)?;
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    let exp = claims.get("exp")?.as_u64()?;
    exp.checked_sub(jsonwebtoken::get_current_timestamp()).filter(|left| *left > 0)
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for the console's path: `HttpOnly` and `Secure` always (browsers take
/// `Secure` cookies from `http://localhost` too); `max_age` zero removes it.
pub fn set_cookie(name: &str, value: &str, same_site: &str, max_age: u64) -> String {
    format!("{name}={value}; Path=/console; HttpOnly; Secure; SameSite={same_site}; Max-Age={max_age}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str) -> Key {
        let mut config = Config::for_tests("postgres://unused", secret);
        config.console_secret = None;
        Key::from_config(&config)
    }

    #[test]
    fn a_sealed_token_opens_only_with_its_key_and_unaltered() {
        let (k, other) = (key("0123456789abcdef0123456789abcdef"), key("fedcba9876543210fedcba9876543210"));
        let sealed = k.seal("header.claims.signature").unwrap();
        assert_eq!(k.open(&sealed).as_deref(), Some("header.claims.signature"));
        assert_eq!(other.open(&sealed), None, "another deployment's key");
        let (_, tag) = sealed.rsplit_once('.').unwrap();
        assert_eq!(k.open(&format!("header.other-claims.signature.{tag}")), None, "a changed token");
        assert_eq!(k.open("header.claims.signature"), None, "no tag");
        assert_eq!(k.open("garbage"), None);
        assert_eq!(k.seal("a token; Path=/"), None, "not a cookie's characters");
        assert_eq!(k.seal(&"a".repeat(MAX_TOKEN + 1)), None, "too long for a cookie");
    }

    #[test]
    fn a_session_lasts_as_long_as_its_token() {
        let claims = |exp: u64| format!("h.{}.s", URL_SAFE_NO_PAD.encode(format!("{{\"exp\":{exp}}}")));
        let now = jsonwebtoken::get_current_timestamp();
        let left = remaining_lifetime(&claims(now + 600)).unwrap();
        assert!((590..=600).contains(&left), "{left}");
        assert_eq!(remaining_lifetime(&claims(now - 1)), None, "expired");
        assert_eq!(remaining_lifetime("h.e30.s"), None, "no exp");
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_session_and_purpose() {
        let k = key("0123456789abcdef0123456789abcdef");
        let t = k.csrf("session", "token-a");
        assert!(k.check_csrf("session", "token-a", &t));
        assert!(!k.check_csrf("session", "token-b", &t), "another session");
        assert!(!k.check_csrf("sign-in", "token-a", &t), "another purpose");
        assert!(!k.check_csrf("session", "token-a", ""), "missing");
        assert!(!k.check_csrf("session", "token-a", "zz"), "not hex");
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = axum::http::HeaderMap::new();
        headers.append(axum::http::header::COOKIE, "a=1; meshgov_console_sign_in=n".parse().unwrap());
        headers.append(axum::http::header::COOKIE, "meshgov_console=s".parse().unwrap());
        assert_eq!(cookie(&headers, COOKIE), Some("s"));
        assert_eq!(cookie(&headers, SIGN_IN_COOKIE), Some("n"));
        assert_eq!(cookie(&headers, "b"), None);
    }
}

//! Bearer-token authentication and the caller's identity.
//!
//! Two kinds of token are accepted: HS256 tokens signed with the development secret (and minted by
//! `meshgov token`), and RS256/ES256 tokens from an identity provider, verified against its JWKS.
//! `exp` is always required, `aud` always checked, `iss` checked when configured. Authorization
//! itself (who may do what) lives next to each concept; this module only says who the caller is.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};
use utoipa::ToSchema;

use super::problem::ApiError;
use crate::AppState;
use crate::config::AuthConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Steward,
    Producer,
    Consumer,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "steward" => Some(Role::Steward),
            "producer" => Some(Role::Producer),
            "consumer" => Some(Role::Consumer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Steward => "steward",
            Role::Producer => "producer",
            Role::Consumer => "consumer",
        }
    }
}

/// The authenticated caller. Roles the service does not know are ignored, never guessed.
#[derive(Debug, Clone)]
pub struct Caller {
    pub sub: String,
    pub roles: BTreeSet<Role>,
    pub domains: BTreeSet<String>,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    /// Admins and stewards see everything.
    pub fn sees_everything(&self) -> bool {
        self.is_admin() || self.has(Role::Steward)
    }

    pub fn member_of(&self, domain: &str) -> bool {
        self.domains.contains(domain)
    }

    pub fn is_producer_in(&self, domain: &str) -> bool {
        self.has(Role::Producer) && self.member_of(domain)
    }

    /// Sees what only a domain's own people see (drafts, health): its producers, stewards, admins.
    pub fn oversees(&self, domain: &str) -> bool {
        self.sees_everything() || self.is_producer_in(domain)
    }

    /// The domains in which the caller acts as a producer.
    pub fn producer_domains(&self) -> Vec<String> {
        if self.has(Role::Producer) { self.domains.iter().cloned().collect() } else { Vec::new() }
    }

    pub fn role_names(&self) -> Vec<String> {
        self.roles.iter().map(|r| r.as_str().to_string()).collect()
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The rate limit verified this request's token on the way in: not again.
        if let Some(caller) = parts.extensions.remove::<Caller>() {
            return Ok(caller);
        }
        state.auth.verify(bearer_token(&parts.headers)?).await
    }
}

/// The token of the request's `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Result<&str, ApiError> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <token> header"))?;
    header
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer <token>`"))
}

/// Claims of a token minted by `meshgov token`.
#[derive(Debug, Serialize)]
struct DevClaims<'a> {
    sub: &'a str,
    roles: Vec<&'a str>,
    domains: Vec<&'a str>,
    aud: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    iat: u64,
    exp: u64,
}

pub struct Authenticator {
    config: AuthConfig,
    dev_key: Option<DecodingKey>,
    jwks: Option<JwksCache>,
    verified: VerifiedTokens,
}

/// Seconds of clock skew allowed on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;

/// Tokens verified moments ago. A client sends the same token with every request; checking its
/// signature, decoding it and parsing its claims each time is paid by every read. An entry is kept until the token expires (with the same leeway as
/// the check) and at most `VERIFIED_FOR`, so a key the identity provider withdraws stops being
/// honoured within that time; only tokens that passed every check are kept, by their exact text.
struct VerifiedTokens {
    entries: std::sync::Mutex<HashMap<String, (Caller, Instant)>>,
}

const VERIFIED_FOR: Duration = Duration::from_secs(60);
/// Bounds the memory a flood of distinct valid tokens can take (a few MiB at most).
const VERIFIED_MAX: usize = 4096;

impl VerifiedTokens {
    fn get(&self, token: &str) -> Option<Caller> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(token).filter(|(_, until)| Instant::now() < *until).map(|(caller, _)| caller.clone())
    }

    fn put(&self, token: &str, caller: &Caller, exp: u64) {
        let left = exp.saturating_add(LEEWAY_SECS).saturating_sub(jsonwebtoken::get_current_timestamp());
        let until = Instant::now() + VERIFIED_FOR.min(Duration::from_secs(left));
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= VERIFIED_MAX {
            let now = Instant::now();
            entries.retain(|_, (_, until)| now < *until);
            if entries.len() >= VERIFIED_MAX {
                entries.clear();
            }
        }
        entries.insert(token.to_string(), (caller.clone(), until));
    }
}

impl Authenticator {
    pub fn new(config: AuthConfig) -> Authenticator {
        let dev_key = config.dev_secret.as_deref().map(|s| DecodingKey::from_secret(s.as_bytes()));
        let jwks = config
            .jwks_url
            .clone()
            .map(|url| JwksCache::new(url, config.jwks_min_refresh, config.jwks_max_age));
        Authenticator { config, dev_key, jwks, verified: VerifiedTokens { entries: Default::default() } }
    }

    pub async fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        if let Some(caller) = self.verified.get(token) {
            return Ok(caller);
        }
        let (caller, exp) = self.verify_afresh(token).await?;
        self.verified.put(token, &caller, exp);
        Ok(caller)
    }

    /// Checks the signature and every claim; the caller and the token's `exp`.
    async fn verify_afresh(&self, token: &str) -> Result<(Caller, u64), ApiError> {
        let invalid = |why: &str| ApiError::unauthorized(format!("invalid token: {why}"));
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed"))?;
        let key = match header.alg {
            Algorithm::HS256 => self.dev_key.clone().ok_or_else(|| invalid("HS256 tokens are not accepted"))?,
            Algorithm::RS256 | Algorithm::ES256 => {
                let jwks = self.jwks.as_ref().ok_or_else(|| invalid("no JWKS is configured"))?;
                let kid = header.kid.as_deref().ok_or_else(|| invalid("the token has no kid"))?;
                jwks.key(kid, header.alg).await?
            }
            _ => return Err(invalid("unsupported algorithm")),
        };
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[&self.config.audience]);
        let mut required = vec!["exp", "sub", "aud"];
        if let Some(iss) = &self.config.issuer {
            // jsonwebtoken checks `iss` only when present: require it, or leaving it out would pass.
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let data = jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => invalid("expired"),
                ErrorKind::ImmatureSignature => invalid("not valid yet (nbf)"),
                ErrorKind::InvalidAudience => invalid("wrong audience"),
                ErrorKind::InvalidIssuer => invalid("wrong issuer"),
                ErrorKind::InvalidSignature => invalid("bad signature"),
                ErrorKind::MissingRequiredClaim(c) => invalid(&format!("missing claim {c}")),
                _ => invalid("rejected"),
            }
        })?;
        // Required above, so present; a token whose exp is not a number was refused by decode.
        let exp = data.claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
        Ok((self.caller_from_claims(&data.claims)?, exp))
    }

    fn caller_from_claims(&self, claims: &Value) -> Result<Caller, ApiError> {
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.len() <= 256 && !s.chars().any(char::is_control))
            .ok_or_else(|| ApiError::unauthorized("invalid token: sub must be a short string without control characters"))?;
        let roles = string_list(claim(claims, &self.config.roles_claim)).iter().filter_map(|r| Role::parse(r)).collect();
        // A domain claim that is not a slug cannot name a domain; it is dropped, not trusted.
        let domains = string_list(claim(claims, &self.config.domains_claim))
            .into_iter()
            .filter(|d| crate::validate::Slug::parse("domains", d).is_ok())
            .collect();
        Ok(Caller { sub: sub.to_string(), roles, domains })
    }

    /// Mints a development token. Refuses unless a dev secret is configured.
    pub fn mint_dev_token(
        config: &AuthConfig,
        sub: &str,
        roles: &[String],
        domains: &[String],
        ttl: Duration,
    ) -> Result<String, String> {
        let secret = config
            .dev_secret
            .as_deref()
            .ok_or("MESHGOV_JWT_DEV_SECRET is not set: development tokens are disabled")?;
        if sub.is_empty() {
            return Err("--sub must not be empty".into());
        }
        for role in roles {
            if Role::parse(role).is_none() {
                return Err(format!("unknown role {role:?}: expected admin, steward, producer or consumer"));
            }
        }
        let now = jsonwebtoken::get_current_timestamp();
        let claims = DevClaims {
            sub,
            roles: roles.iter().map(String::as_str).collect(),
            domains: domains.iter().map(String::as_str).collect(),
            aud: &config.audience,
            iss: config.issuer.as_deref(),
            iat: now,
            exp: now + ttl.as_secs(),
        };
        // The claim names are configurable; a dev token uses the configured ones.
        let mut value = serde_json::to_value(&claims).map_err(|e| e.to_string())?;
        if let Value::Object(map) = &mut value {
            let roles = map.remove("roles").unwrap_or_default();
            let domains = map.remove("domains").unwrap_or_default();
            map.insert(config.roles_claim.clone(), roles);
            map.insert(config.domains_claim.clone(), domains);
        }
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &value, &EncodingKey::from_secret(secret.as_bytes()))
            .map_err(|e| e.to_string())
    }
}

/// Looks a claim up by its exact name first, then as a dotted path into nested objects
/// (`realm_access.roles`), which is how several identity providers nest groups.
fn claim<'a>(claims: &'a Value, name: &str) -> Option<&'a Value> {
    claims.get(name).or_else(|| name.split('.').try_fold(claims, |v, part| v.get(part)))
}

/// A claim holding a list: a JSON array of strings, or one space-separated string (OAuth scopes).
fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// The identity provider's signing keys, cached. An unknown `kid` triggers a refresh (key
/// rotation), at most once per `min_refresh` so a flood of forged kids cannot hammer the provider.
pub struct JwksCache {
    url: String,
    client: reqwest::Client,
    min_refresh: Duration,
    max_age: Duration,
    keys: RwLock<Option<CachedKeys>>,
    last_fetch: Mutex<Option<Instant>>,
}

struct CachedKeys {
    by_kid: HashMap<String, (DecodingKey, Algorithm)>,
    fetched_at: Instant,
}

impl JwksCache {
    pub fn new(url: String, min_refresh: Duration, max_age: Duration) -> JwksCache {
        crate::install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("HTTP client for JWKS");
        JwksCache { url, client, min_refresh, max_age, keys: RwLock::new(None), last_fetch: Mutex::new(None) }
    }

    async fn cached(&self, kid: &str) -> Option<(DecodingKey, Algorithm)> {
        let keys = self.keys.read().await;
        keys.as_ref().filter(|k| k.fetched_at.elapsed() < self.max_age).and_then(|k| k.by_kid.get(kid).cloned())
    }

    async fn key(&self, kid: &str, alg: Algorithm) -> Result<DecodingKey, ApiError> {
        let found = match self.cached(kid).await {
            Some(found) => Some(found),
            None => {
                self.refresh().await?;
                self.cached(kid).await
            }
        };
        match found {
            Some((key, key_alg)) if key_alg == alg => Ok(key),
            Some(_) => Err(ApiError::unauthorized("invalid token: algorithm does not match the key")),
            None => Err(ApiError::unauthorized("invalid token: unknown signing key")),
        }
    }

    async fn refresh(&self) -> Result<(), ApiError> {
        let mut last = self.last_fetch.lock().await;
        let have_keys = self.keys.read().await.as_ref().is_some_and(|k| k.fetched_at.elapsed() < self.max_age);
        if have_keys && last.is_some_and(|t| t.elapsed() < self.min_refresh) {
            return Ok(());
        }
        *last = Some(Instant::now());
        let set: JwkSet = async { self.client.get(&self.url).send().await?.error_for_status()?.json().await }
            .await
            .map_err(|e: reqwest::Error| {
                tracing::warn!(error = %e, url = %self.url, "JWKS fetch failed");
                ApiError::unavailable("identity_provider_unavailable", "the identity provider's keys could not be fetched")
            })?;
        let by_kid = set
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let alg = match &jwk.algorithm {
                    jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                    _ => return None,
                };
                Some((kid, (DecodingKey::from_jwk(jwk).ok()?, alg)))
            })
            .collect();
        *self.keys.write().await = Some(CachedKeys { by_kid, fetched_at: Instant::now() });
        Ok(())
    }
}

pub type SharedAuthenticator = Arc<Authenticator>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_by_name_or_dotted_path() {
        let c = json!({"cognito:groups": ["steward"], "realm_access": {"roles": ["admin"]}, "scope": "a b"});
        assert_eq!(string_list(claim(&c, "cognito:groups")), vec!["steward"]);
        assert_eq!(string_list(claim(&c, "realm_access.roles")), vec!["admin"]);
        assert_eq!(string_list(claim(&c, "scope")), vec!["a", "b"]);
        assert!(string_list(claim(&c, "missing.path")).is_empty());
    }

    #[tokio::test]
    async fn dev_token_round_trip_and_refusals() {
        let config = AuthConfig::dev("0123456789abcdef0123456789abcdef");
        let auth = Authenticator::new(config.clone());
        let token = Authenticator::mint_dev_token(
            &config,
            "alice",
            &["producer".into(), "consumer".into()],
            &["sales".into()],
            Duration::from_secs(60),
        )
        .unwrap();
        let caller = auth.verify(&token).await.unwrap();
        assert_eq!(caller.sub, "alice");
        assert!(caller.is_producer_in("sales"));
        assert!(!caller.is_producer_in("marketing"));

        let mut no_secret = config.clone();
        no_secret.dev_secret = None;
        assert!(Authenticator::mint_dev_token(&no_secret, "a", &[], &[], Duration::from_secs(60)).is_err());
        assert!(Authenticator::mint_dev_token(&config, "a", &["root".into()], &[], Duration::from_secs(60)).is_err());

        let other = Authenticator::new(AuthConfig::dev("another-secret-another-secret-0000"));
        assert_eq!(other.verify(&token).await.unwrap_err().status, 401);
    }

    fn caller(sub: &str) -> Caller {
        Caller { sub: sub.into(), roles: [Role::Consumer].into(), domains: ["sales".to_string()].into() }
    }

    #[tokio::test]
    async fn a_verified_token_is_remembered_only_while_it_is_valid() {
        let config = AuthConfig::dev("0123456789abcdef0123456789abcdef");
        let auth = Authenticator::new(config.clone());
        let token = Authenticator::mint_dev_token(&config, "alice", &["consumer".into()], &[], Duration::from_secs(60)).unwrap();
        assert_eq!(auth.verify(&token).await.unwrap().sub, "alice");
        assert_eq!(auth.verified.get(&token).map(|c| c.sub), Some("alice".into()), "kept after a successful check");
        // Refused tokens are never kept.
        assert!(auth.verify(&format!("{token}x")).await.is_err());
        assert!(auth.verified.get(&format!("{token}x")).is_none());

        // An entry ends when the token does, leeway included: one past it is not served.
        let now = jsonwebtoken::get_current_timestamp();
        auth.verified.put("expired", &caller("bob"), now - LEEWAY_SECS - 1);
        assert!(auth.verified.get("expired").is_none());
        auth.verified.put("valid", &caller("carol"), now + 3600);
        assert_eq!(auth.verified.get("valid").map(|c| c.sub), Some("carol".into()));
    }

    #[test]
    fn remembered_tokens_are_bounded() {
        let verified = VerifiedTokens { entries: Default::default() };
        let exp = jsonwebtoken::get_current_timestamp() + 3600;
        for i in 0..VERIFIED_MAX + 10 {
            verified.put(&format!("token-{i}"), &caller("x"), exp);
        }
        let kept = verified.entries.lock().unwrap().len();
        assert!(kept <= VERIFIED_MAX, "{kept} entries kept");
        assert!(verified.get(&format!("token-{}", VERIFIED_MAX + 9)).is_some(), "the newest is kept");
    }
}

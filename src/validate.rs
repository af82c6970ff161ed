//! Parse, don't validate: values that come from clients are turned into these types once, with a
//! field error when they do not fit, and trusted everywhere after. The database repeats the same
//! rules as CHECK constraints (see `migrations/`).

use serde::{Deserialize, Serialize};

use crate::http::problem::{ApiError, FieldError};

/// A lowercase identifier used in URLs: `sales`, `supply-chain`, `pos-daily-sales`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &str, raw: &str) -> Result<Slug, FieldError> {
        let ok = (2..=63).contains(&raw.len())
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if ok {
            Ok(Slug(raw.to_string()))
        } else {
            Err(FieldError::new(
                field,
                "invalid_slug",
                "2 to 63 characters: lowercase letters, digits and single hyphens, starting with a letter",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a path segment can name anything: a malformed slug is answered 404 without a query.
    pub fn is_valid(raw: &str) -> bool {
        Slug::parse("", raw).is_ok()
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsAccountId(String);

impl AwsAccountId {
    pub fn parse(field: &str, raw: &str) -> Result<AwsAccountId, FieldError> {
        if raw.len() == 12 && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AwsAccountId(raw.to_string()))
        } else {
            Err(FieldError::new(field, "invalid_account_id", "an AWS account id is exactly 12 digits"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IAM role ARN: `arn:<partition>:iam::<account>:role/<path/name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    arn: String,
    account: String,
}

impl RoleArn {
    pub fn parse(field: &str, raw: &str) -> Result<RoleArn, FieldError> {
        let err = || {
            FieldError::new(field, "invalid_role_arn", "expected arn:aws:iam::<12-digit account>:role/<name>")
        };
        let parts: Vec<&str> = raw.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts.as_slice() else { return Err(err()) };
        let name = resource.strip_prefix("role/").ok_or_else(err)?;
        let valid = *arn == "arn"
            && partition.strip_prefix("aws").is_some_and(|rest| {
                rest.is_empty() || rest.strip_prefix('-').is_some_and(|r| r.split('-').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase())))
            })
            && *service == "iam"
            && region.is_empty()
            && AwsAccountId::parse(field, account).is_ok()
            && (1..=512).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_/-".contains(&b))
            && !name.ends_with('/');
        if valid { Ok(RoleArn { arn: raw.to_string(), account: account.to_string() }) } else { Err(err()) }
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn as_str(&self) -> &str {
        &self.arn
    }
}

/// A Glue database or table name (Glue stores them lowercase).
pub fn glue_name(field: &str, raw: &str) -> Result<String, FieldError> {
    if (1..=255).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        Ok(raw.to_string())
    } else {
        Err(FieldError::new(field, "invalid_glue_name", "1 to 255 characters: lowercase letters, digits and underscores"))
    }
}

/// Free text: trimmed of surrounding whitespace, within `min..=max` characters, without control
/// characters (newlines and tabs are allowed when `multiline`).
pub fn text(field: &str, raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.chars().count() < min {
        return Err(if min == 1 {
            FieldError::new(field, "required", "must not be empty")
        } else {
            FieldError::new(field, "too_short", format!("must be at least {min} characters"))
        });
    }
    // The limit counts what was sent, as the contract's maxLength does, not what trimming leaves.
    if raw.chars().count() > max {
        return Err(FieldError::new(field, "too_long", format!("must be at most {max} characters")));
    }
    // Controls are refused wherever they are, trimmed ends included, as the contract's pattern says.
    if raw.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\t' | '\r'))) {
        return Err(FieldError::new(field, "invalid_characters", "must not contain control characters"));
    }
    Ok(value.to_string())
}

/// A short label (tag, owner list entry): 1 to `max` visible characters.
pub fn label(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    text(field, raw, 1, max, false)
}

/// An optional query-string filter: bounded and free of control characters, else 400.
pub fn query_text(name: &str, value: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    match value {
        None => Ok(None),
        Some(v) => text(name, &v, 1, max, false)
            .map(Some)
            .map_err(|e| ApiError::bad_request("invalid_query", format!("{name}: {}", e.message))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["sales", "supply-chain", "pos2", "ab"] {
            assert!(Slug::parse("s", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "Sales", "-sales", "sales-", "sa--les", "1sales", "sales_x", &"a".repeat(64)] {
            assert!(Slug::parse("s", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn role_arns() {
        let arn = RoleArn::parse("r", "arn:aws:iam::111122223333:role/path/meshgov-sync").unwrap();
        assert_eq!(arn.account(), "111122223333");
        assert!(RoleArn::parse("r", "arn:aws-cn:iam::111122223333:role/x").is_ok());
        for bad in [
            "arn:aws:iam::1111:role/x",
            "arn:aws:iam::111122223333:user/x",
            "arn:aws:s3::111122223333:role/x",
            "arn:aws:iam:us-east-1:111122223333:role/x",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:role/a b",
        ] {
            assert!(RoleArn::parse("r", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn texts() {
        assert_eq!(text("n", "  Sales  ", 1, 10, false).unwrap(), "Sales");
        assert_eq!(text("n", "   ", 1, 10, false).unwrap_err().code, "required");
        assert_eq!(text("n", "abcdefghijk", 1, 10, false).unwrap_err().code, "too_long");
        assert_eq!(text("n", "a\u{0}b", 1, 10, true).unwrap_err().code, "invalid_characters");
        assert!(text("n", "a\nb", 1, 10, true).is_ok());
        assert!(text("n", "a\nb", 1, 10, false).is_err());
    }
}

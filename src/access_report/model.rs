//! The access report: who can read a domain's data, since when, approved by whom, until when,
//! whether they use it — what auditors ask a steward for, as JSON and as CSV.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::reviews::model::ReviewState;
use crate::subscriptions::model::Scope;
use crate::usage::model::Usage;

/// One principal's access through one live subscription.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct AccessRow {
    pub subscription: Uuid,
    pub product: String,
    pub consumer_domain: String,
    /// The IAM role, or the whole account, that can read.
    pub principal: String,
    /// What it can read (tables, columns, row filters): the approved scope.
    #[sqlx(json)]
    pub scope: Scope,
    #[schema(value_type = Vec<crate::grants::model::Permission>)]
    pub permissions: Vec<String>,
    /// When access was approved.
    pub since: DateTime<Utc>,
    pub approved_by: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether the grants are in Lake Formation (`granted`), still being applied, or failed.
    #[schema(value_type = crate::grants::model::Provisioning)]
    pub provisioning: String,
    /// How it is used (Lake Formation's data access events).
    #[sqlx(json)]
    pub usage: Usage,
    /// The last confirmation in an access review; null: never.
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    /// When its next review is due; null when the domain does not review access.
    pub review_due_at: Option<DateTime<Utc>>,
    pub review_state: Option<ReviewState>,
    /// Unused for the domain's `unused_after_days`.
    pub unused: bool,
}

/// Every live access to a domain's products (or one product's).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessReport {
    pub domain: String,
    /// The product, when the report is of one product.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    pub generated_at: DateTime<Utc>,
    /// By product, then principal.
    pub rows: Vec<AccessRow>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json` (default) or `csv` (a spreadsheet's file, one row per access).
    #[param(inline)]
    pub format: Option<ReportFormat>,
}

const CSV_HEADER: [&str; 17] = [
    "product", "consumer_domain", "principal", "scope", "permissions", "since", "approved_by", "expires_at", "provisioning",
    "last_used_at", "uses_30d", "engines", "unused", "reviewed_at", "reviewed_by", "review_due_at", "subscription",
];

impl AccessReport {
    /// RFC 4180 CSV with a header line. A field a spreadsheet would run as a formula (starting
    /// with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'` (OWASP's CSV injection advice): the
    /// report is opened by people, and a row filter or a name is text from requesters.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        line(&mut out, CSV_HEADER.iter().map(|s| s.to_string()));
        let time = |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
        for r in &self.rows {
            line(
                &mut out,
                [
                    r.product.clone(),
                    r.consumer_domain.clone(),
                    r.principal.clone(),
                    scope_text(&r.scope),
                    r.permissions.join(" "),
                    r.since.to_rfc3339(),
                    r.approved_by.clone(),
                    time(&r.expires_at),
                    r.provisioning.clone(),
                    time(&r.usage.last_used_at),
                    r.usage.uses_30d.to_string(),
                    r.usage.engines.join(" "),
                    r.unused.to_string(),
                    time(&r.reviewed_at),
                    r.reviewed_by.clone().unwrap_or_default(),
                    time(&r.review_due_at),
                    r.subscription.to_string(),
                ],
            );
        }
        out
    }
}

/// `orders(sku, units) WHERE region = 'EU'; returns`, or `all tables`.
pub fn scope_text(scope: &Scope) -> String {
    let Some(tables) = &scope.tables else { return "all tables".into() };
    let table = |t: &crate::subscriptions::model::TableScope| {
        let mut s = t.name.clone();
        if let Some(columns) = &t.columns {
            s.push_str(&format!("({})", columns.join(", ")));
        }
        if let Some(filter) = &t.row_filter {
            s.push_str(&format!(" WHERE {filter}"));
        }
        s
    };
    tables.iter().map(table).collect::<Vec<_>>().join("; ")
}

fn line(out: &mut String, fields: impl IntoIterator<Item = String>) {
    let mut first = true;
    for field in fields {
        if !first {
            out.push(',');
        }
        first = false;
        let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{field}") } else { field };
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subscriptions::model::TableScope;

    #[test]
    fn csv_quotes_what_needs_it_and_defuses_formulas() {
        let scope = Scope {
            tables: Some(vec![
                TableScope { name: "orders".into(), columns: Some(vec!["sku".into(), "units".into()]), row_filter: Some("region = 'EU'".into()) },
                TableScope { name: "returns".into(), columns: None, row_filter: None },
            ]),
        };
        let at = DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z").unwrap().with_timezone(&Utc);
        let report = AccessReport {
            domain: "sales".into(),
            product: None,
            generated_at: at,
            rows: vec![AccessRow {
                subscription: Uuid::nil(),
                product: "orders".into(),
                consumer_domain: "marketing".into(),
                principal: "arn:aws:iam::333344445555:role/analyst".into(),
                scope,
                permissions: vec!["SELECT".into()],
                since: at,
                approved_by: "=HYPERLINK(\"x\")".into(),
                expires_at: None,
                provisioning: "granted".into(),
                usage: Usage { last_used_at: Some(at), uses_30d: 3, engines: vec!["athena".into(), "glue_etl".into()] },
                reviewed_at: None,
                reviewed_by: None,
                review_due_at: Some(at),
                review_state: Some(ReviewState::Overdue),
                unused: false,
            }],
        };
        let csv = report.to_csv();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert_eq!(
            lines[1],
            "orders,marketing,arn:aws:iam::333344445555:role/analyst,\"orders(sku, units) WHERE region = 'EU'; returns\",SELECT,\
             2026-11-29T10:00:00+00:00,\"'=HYPERLINK(\"\"x\"\")\",,granted,2026-11-29T10:00:00+00:00,3,athena glue_etl,false,,,\
             2026-11-29T10:00:00+00:00,00000000-0000-0000-0000-000000000000"
        );
        assert_eq!((lines.len(), lines[2]), (3, ""), "one line per access, each ended by CRLF");
        assert_eq!(scope_text(&Scope { tables: None }), "all tables");
    }
}

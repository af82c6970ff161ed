//! HTTP handlers of the access report.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{AccessReport, ReportFormat, ReportQuery};
use super::store;
use crate::AppState;
use crate::http::auth::{Caller, Role};
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::http::problem::{ApiError, ApiResult, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(domain_access_report)).routes(routes!(product_access_report))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct ProductPath {
    /// Domain slug.
    domain: String,
    /// Product slug.
    product: String,
}

/// Who can read a domain's data (its approvers, stewards, admins).
///
/// Every live access to the domain's products: who (principal, consumer domain), what (the
/// approved scope), since when and approved by whom, until when, whether it is in Lake Formation,
/// and whether it is used (from Lake Formation's data access events). Approvers are the domain's
/// producers when its approval policy lets owners decide.
#[utoipa::path(
    get, path = "/domains/{domain}/access-report", tag = "access report",
    params(("domain" = String, Path, description = "Domain slug"), ReportQuery),
    responses(
        (status = 200, description = "The report (`format=csv`: a CSV file, one line per access)",
         content((AccessReport = "application/json"), (String = "text/csv"))),
        (status = 404, description = "No such domain", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn domain_access_report(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(domain): AppPath<String>,
    AppQuery(query): AppQuery<ReportQuery>,
) -> ApiResult<Response> {
    report(&state, &caller, &domain, None, query.format.unwrap_or_default()).await
}

/// Who can read a product's data (the domain's approvers, stewards, admins).
///
/// The access report of one product: the rows of the domain's report for that product.
#[utoipa::path(
    get, path = "/domains/{domain}/products/{product}/access-report", tag = "access report",
    params(ProductPath, ReportQuery),
    responses(
        (status = 200, description = "The report (`format=csv`: a CSV file, one line per access)",
         content((AccessReport = "application/json"), (String = "text/csv"))),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn product_access_report(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(path): AppPath<ProductPath>,
    AppQuery(query): AppQuery<ReportQuery>,
) -> ApiResult<Response> {
    report(&state, &caller, &path.domain, Some(&path.product), query.format.unwrap_or_default()).await
}

async fn report(state: &AppState, caller: &Caller, domain: &str, product: Option<&str>, format: ReportFormat) -> ApiResult<Response> {
    let row = crate::domains::service::get(&state.db, domain).await?;
    let approver = caller.has(Role::Steward) || crate::subscriptions::service::may_decide(caller, row.approval_policy, &row.slug);
    if !approver {
        return Err(ApiError::forbidden(format!(
            "the access report of domain {domain:?} is for its approvers, stewards and admins"
        )));
    }
    if let Some(product) = product {
        crate::products::service::get(&state.db, caller, domain, product).await?;
    }
    let report = AccessReport {
        domain: row.slug.clone(),
        product: product.map(str::to_string),
        generated_at: Utc::now(),
        rows: store::rows(&state.db, &row.slug, product).await?,
    };
    Ok(match format {
        ReportFormat::Json => AppJson(report).into_response(),
        ReportFormat::Csv => {
            let name = match product {
                Some(p) => format!("access-report-{domain}-{p}.csv"),
                None => format!("access-report-{domain}.csv"),
            };
            let disposition = format!("attachment; filename=\"{name}\"");
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], report.to_csv())
                .into_response()
        }
    })
}

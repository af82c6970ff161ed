//! The OpenAPI document: generated from the handlers' annotations (utoipa), plus the parts every
//! operation shares — the bearer security scheme and the error responses any request can get —
//! added here once instead of repeated on each handler.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, ResponseBuilder, ServerBuilder};
use utoipa::{Modify, OpenApi};

use super::problem::PROBLEM_CONTENT_TYPE;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "meshgov",
        description = "Governance service of a data mesh on AWS: a registry of domains and data products, \
                       subscriptions turned into Lake Formation grants, and a hash-chained audit trail.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    tags(
        (name = "domains", description = "Business domains and their AWS accounts"),
        (name = "products", description = "Data products and catalog search"),
        (name = "catalog sync", description = "Reading producers' Glue catalogs: sync and readiness"),
        (name = "subscriptions", description = "Access requests, decisions, and the Lake Formation grants they lead to"),
        (name = "drift", description = "Whether Lake Formation holds what the grants say, and its repair"),
        (name = "jobs", description = "Background work started by a request"),
        (name = "audit", description = "The hash-chained audit trail"),
        (name = "events", description = "The feed of state changes, as CloudEvents"),
        (name = "webhooks", description = "The event feed pushed to your receivers, signed, with retries and dead letters"),
        (name = "operations", description = "Health, readiness and metrics"),
    ),
)]
pub struct ApiDoc;

pub struct SharedParts;

impl Modify for SharedParts {
    fn modify(&self, doc: &mut OpenApiDoc) {
        doc.servers = Some(vec![ServerBuilder::new().url("/").description(Some("this server")).build()]);
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A JWT from the identity provider, or from `meshgov token` in development"))
                    .build(),
            ),
        );
        for item in doc.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.post, &mut item.patch, &mut item.put, &mut item.delete]
                .into_iter()
                .flatten()
            {
                add_shared_responses(op);
            }
        }
    }
}

fn add_shared_responses(op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty() && s.iter().any(|r| r != &Default::default()));
    let has_body = op.request_body.is_some();
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || has_body;
    let mut shared: Vec<(&str, &str)> = vec![("500", "Internal error"), ("503", "Overloaded, timed out, or a dependency is unavailable")];
    if has_params {
        shared.push(("400", "Malformed request: bad JSON, query parameter, header or cursor"));
    }
    if secured {
        shared.push(("401", "Missing or invalid bearer token"));
        shared.push(("403", "The caller's roles or domains do not allow this"));
    }
    if has_body {
        shared.push(("413", "The request body is too large"));
        shared.push(("415", "The request body is not JSON"));
        shared.push(("422", "The request is well-formed but invalid; see `errors`"));
    }
    for (status, description) in shared {
        op.responses.responses.entry(status.to_string()).or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .content(PROBLEM_CONTENT_TYPE, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
                .build()
                .into()
        });
    }
}

/// The committed form of the document: pretty JSON with a trailing newline.
pub fn to_pretty_json(doc: &OpenApiDoc) -> String {
    let mut text = serde_json::to_string_pretty(doc).expect("the OpenAPI document serializes");
    text.push('\n');
    text
}

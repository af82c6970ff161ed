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
        share_page_items(components);
        constrain_headers(doc);
        // Before the shared responses, so the 304s and 429s get their headers documented too.
        document_conventions(doc);
        for item in doc.paths.paths.values_mut() {
            for op in operations(item) {
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
    document_headers(op);
}

/// The headers every answer (or every answer of a kind) carries, which the handlers do not name.
fn document_headers(op: &mut Operation) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let header = |ty: Type, description: &str| -> RefOr<utoipa::openapi::header::Header> {
        RefOr::T(HeaderBuilder::new().schema(Some(ObjectBuilder::new().schema_type(ty))).description(Some(description)).build())
    };
    let idempotent = op.parameters.as_ref().is_some_and(|ps| ps.iter().any(|p| matches!(p, RefOr::T(p) if p.name == "Idempotency-Key")));
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        response.headers.entry("x-request-id".into()).or_insert_with(|| {
            header(Type::String, "The request's id: the caller's `x-request-id` when well formed, else a new one; also in the logs, problem documents and audit events")
        });
        if status == "503" {
            response.headers.entry("Retry-After".into()).or_insert_with(|| header(Type::Integer, "Seconds to wait before trying again"));
        }
        if status == "429" {
            response.headers.entry("Retry-After".into()).or_insert_with(|| {
                header(Type::Integer, "Whole seconds until this caller may send another request (at least 1)")
            });
        }
        if idempotent && status.starts_with('2') {
            response.headers.entry("Idempotent-Replayed".into()).or_insert_with(|| {
                header(Type::String, "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`")
            });
        }
    }
}

/// What the HTTP layer does around the handlers: every `/api/v1` operation may be rate limited
/// (429), and a GET whose 200 carries an `ETag` answers a matching `If-None-Match` with a 304.
fn document_conventions(doc: &mut OpenApiDoc) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::Required;
    for (path, item) in doc.paths.paths.iter_mut() {
        if path.starts_with("/api/v1/") {
            for op in operations(item) {
                op.responses.responses.entry("429".to_string()).or_insert_with(|| {
                    ResponseBuilder::new()
                        .description("Too many requests from this caller; see Retry-After")
                        .content(PROBLEM_CONTENT_TYPE, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
                        .build()
                        .into()
                });
            }
        }
        let Some(get) = item.get.as_mut() else { continue };
        let etag = match get.responses.responses.get("200") {
            Some(RefOr::T(ok)) => ok.headers.get("ETag").cloned(),
            _ => None,
        };
        let Some(etag) = etag else { continue };
        let parameters = get.parameters.get_or_insert_with(Vec::new);
        if !parameters.iter().any(|p| matches!(p, RefOr::T(p) if p.name == "If-None-Match")) {
            parameters.push(RefOr::T(
                ParameterBuilder::new()
                    .name("If-None-Match")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some("ETags from earlier reads (`W/` weak forms and `*` accepted); 304 without a body while the resource still has one of them"))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .build(),
            ));
        }
        get.responses.responses.entry("304".to_string()).or_insert_with(|| {
            let mut not_modified = ResponseBuilder::new().description("Not modified: the resource still has an ETag given in If-None-Match; no body").build();
            not_modified.headers.insert("ETag".into(), etag);
            not_modified.into()
        });
    }
}

/// The request headers the extractors parse (src/http/extract.rs), with the shapes they accept,
/// so a generated client and the fuzzer know them: `If-Match` holds 1 to 20 entity tags (or `*`),
/// `Idempotency-Key` 1 to 255 visible ASCII characters.
fn constrain_headers(doc: &mut OpenApiDoc) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    // Character classes written out (`!`, `#` to `~`), not as \x escapes, which some tools misread.
    const ENTITY_TAG: &str = r#"(W/)?"[!#-~]{0,64}""#;
    let if_match = format!(r"^(\*|{ENTITY_TAG}( *, *{ENTITY_TAG}){{0,19}})$");
    let shapes = [("If-Match", if_match.as_str(), 1600), ("Idempotency-Key", r"^[!-~]{1,255}$", 255)];
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            for parameter in op.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else { continue };
                let Some((_, pattern, max)) = shapes.iter().find(|(name, _, _)| parameter.name == *name) else { continue };
                parameter.schema = Some(ObjectBuilder::new().schema_type(Type::String).pattern(Some(*pattern)).max_length(Some(*max)).into());
            }
        }
    }
}

/// utoipa inlines a generic's argument, so every `Page_X` carried its own copy of `X`, and each
/// generated client a class per copy (`PageProductItemsItem` beside `Product`). The items of a
/// page now refer to the one `X`.
fn share_page_items(components: &mut utoipa::openapi::Components) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ArrayItems, Schema};
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for (name, schema) in components.schemas.iter_mut() {
        let Some(item) = name.strip_prefix("Page_").filter(|item| names.iter().any(|n| n == item)) else { continue };
        let RefOr::T(Schema::Object(page)) = schema else { continue };
        if let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") {
            items.items = ArrayItems::RefOrSchema(Box::new(Ref::from_schema_name(item).into()));
        }
    }
}

/// The operations of a path, whatever their method.
fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.post, &mut item.patch, &mut item.put, &mut item.delete].into_iter().flatten()
}

/// The committed form of the document: pretty JSON with a trailing newline.
pub fn to_pretty_json(doc: &OpenApiDoc) -> String {
    let mut text = serde_json::to_string_pretty(doc).expect("the OpenAPI document serializes");
    text.push('\n');
    text
}

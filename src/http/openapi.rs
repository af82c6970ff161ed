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
        (name = "reviews", description = "Periodic confirmation of access by a domain's approvers, and unused access"),
        (name = "access report", description = "Who can read a domain's data, approved by whom, until when, and whether they use it"),
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
        constrain_text(components);
        constrain_headers(doc);
        constrain_query(doc);
        add_links(doc);
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

/// Characters `validate::text` refuses: Unicode controls (category Cc); multi-line text keeps
/// tab, line feed and carriage return.
const CONTROLS: &str = r"\u0000-\u001f\u007f-\u009f";
const CONTROLS_BUT_LINES: &str = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f";

/// The shape `validate::text` accepts: no control characters, and when required, something other
/// than white space (the server trims).
fn text_pattern(multiline: bool, required: bool) -> String {
    let controls = if multiline { CONTROLS_BUT_LINES } else { CONTROLS };
    if required { format!(r"^[^{controls}]*[^\s{controls}][^{controls}]*$") } else { format!("^[^{controls}]*$") }
}

/// Glue database, table and column names as `validate::glue_name` accepts them.
const GLUE_NAME: &str = "^[a-z0-9_]{1,255}$";
/// A product tag as the products service accepts it.
const TAG: &str = "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,49}$";
/// A CloudEvent type of ours (`events::model::action_of`): the audit action's own name of a renamed
/// type is not one.
const EVENT_TYPE: &str = r"^(?!io\.meshgov\.lakeformation\.batch_(grant|revoke)$)io\.meshgov\.[a-z_]+(\.[a-z_]+)+$";

/// The shapes of request fields that utoipa's attributes cannot state (item patterns, patterns
/// built from one definition), so that a generated client and the fuzzer know what the services
/// accept: free text as `validate::text` takes it, tags as the products service does, Glue names
/// as `validate::glue_name`, event types as `events::model::action_of`.
fn constrain_text(components: &mut utoipa::openapi::Components) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ArrayItems, Schema};
    let line = || text_pattern(false, true);
    let prose = || text_pattern(true, false);
    // (schema, property, whether the shape is of the property's items, pattern, item length limit)
    let rules: [(&str, &str, bool, String, Option<usize>); 23] = [
        ("NewDomain", "name", false, line(), None),
        ("NewDomain", "description", false, prose(), None),
        ("NewDomain", "owners", true, line(), Some(200)),
        ("DomainPatch", "name", false, line(), None),
        ("DomainPatch", "description", false, prose(), None),
        ("DomainPatch", "owners", true, line(), Some(200)),
        ("NewProduct", "name", false, line(), None),
        ("NewProduct", "owner", false, line(), None),
        ("NewProduct", "description", false, prose(), None),
        ("NewProduct", "tags", true, TAG.into(), Some(50)),
        ("ProductPatch", "name", false, line(), None),
        ("ProductPatch", "owner", false, line(), None),
        ("ProductPatch", "description", false, prose(), None),
        ("ProductPatch", "tags", true, TAG.into(), Some(50)),
        ("Source", "tables", true, GLUE_NAME.into(), Some(255)),
        ("NewSubscription", "justification", false, text_pattern(true, true), None),
        ("Approval", "comment", false, prose(), None),
        ("DecisionComment", "comment", false, prose(), None),
        ("Rejection", "comment", false, text_pattern(true, true), None),
        ("Confirmation", "comment", false, prose(), None),
        ("ReviewRevocation", "comment", false, text_pattern(true, true), None),
        ("NewWebhook", "description", false, prose(), None),
        ("NewWebhook", "types", true, EVENT_TYPE.into(), Some(200)),
    ];
    for (schema, property, items, pattern, item_max) in rules {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema) else {
            panic!("constrain_text: no schema {schema}")
        };
        let Some(RefOr::T(target)) = object.properties.get_mut(property) else { panic!("constrain_text: no {schema}.{property}") };
        let target = if items {
            match target {
                Schema::Array(array) => match &mut array.items {
                    ArrayItems::RefOrSchema(item) => match item.as_mut() {
                        RefOr::T(item) => item,
                        RefOr::Ref(_) => panic!("constrain_text: {schema}.{property} items are a reference"),
                    },
                    ArrayItems::False => panic!("constrain_text: {schema}.{property} has no items"),
                },
                _ => panic!("constrain_text: {schema}.{property} is not an array"),
            }
        } else {
            target
        };
        let Schema::Object(string) = target else { panic!("constrain_text: {schema}.{property} is not a string") };
        string.pattern = Some(pattern);
        if item_max.is_some() {
            string.max_length = item_max;
        }
    }
}

/// The free-text query filters (`validate::query_text`: 1 or more visible characters) and the
/// opaque cursors (base64url; empty means the first page).
fn constrain_query(doc: &mut OpenApiDoc) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;
    const FILTERS: [&str; 9] = ["actor", "action", "target", "q", "domain", "tag", "product", "consumer_domain", "cursor"];
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            for parameter in op.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else { continue };
                if !matches!(parameter.parameter_in, utoipa::openapi::path::ParameterIn::Query) || !FILTERS.contains(&parameter.name.as_str()) {
                    continue;
                }
                let Some(RefOr::T(Schema::Object(string))) = parameter.schema.as_mut() else { continue };
                if string.pattern.is_some() || string.enum_values.is_some() {
                    continue;
                }
                if parameter.name == "cursor" {
                    string.pattern = Some("^[A-Za-z0-9_-]*$".to_string());
                    string.max_length = Some(1024);
                } else {
                    string.pattern = Some(text_pattern(false, true));
                }
            }
        }
    }
}

/// OpenAPI links from each creation to what can be done with the created resource, naming the
/// path parameters from the answer's body, so that a client (and the fuzzer's stateful phase)
/// can follow them. Product paths take the slugs, not the id.
fn add_links(doc: &mut OpenApiDoc) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::link::LinkBuilder;
    let domain = [("domain", "$response.body#/slug")];
    let product = [("domain", "$response.body#/domain"), ("product", "$response.body#/slug")];
    let id = [("id", "$response.body#/id")];
    // (operation, status, targets, parameters)
    let links: [(&str, &str, &[&str], &[(&str, &str)]); 6] = [
        (
            "create_domain",
            "201",
            &["get_domain", "update_domain", "delete_domain", "domain_readiness", "sync_domain", "create_product", "list_domain_products"],
            &domain,
        ),
        (
            "create_product",
            "201",
            &[
                "get_product", "update_product", "publish_product", "deprecate_product", "retire_product", "sync_product",
                "get_product_schema", "list_schema_changes",
            ],
            &product,
        ),
        (
            "request_subscription",
            "201",
            &["get_subscription", "approve_subscription", "reject_subscription", "cancel_subscription", "revoke_subscription", "retry_subscription"],
            &id,
        ),
        ("create_webhook", "201", &["get_webhook", "delete_webhook", "list_deliveries"], &id),
        ("sync_domain", "202", &["get_job"], &id),
        ("sync_product", "202", &["get_job"], &id),
    ];
    let known: Vec<String> = doc.paths.paths.values_mut().flat_map(operations).filter_map(|op| op.operation_id.clone()).collect();
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            let Some((_, status, targets, parameters)) = links.iter().find(|(name, ..)| op.operation_id.as_deref() == Some(*name)) else { continue };
            let Some(RefOr::T(response)) = op.responses.responses.get_mut(*status) else { panic!("add_links: no {status} answer") };
            for target in targets.iter() {
                assert!(known.iter().any(|k| k == target), "add_links: no operation {target}");
                let mut link = LinkBuilder::new().operation_id(*target);
                for (name, value) in parameters.iter() {
                    link = link.parameter(*name, *value);
                }
                response.links.insert((*target).to_string(), RefOr::T(link.build()));
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

//! The API: JSON under `/api/v1/` for the owner's programs, with keys and scopes
//! (`Authorization: Bearer ql_...`), and its OpenAPI 3.1 document at `/api/openapi.json`,
//! generated from the handlers themselves (each route is registered through its
//! `#[utoipa::path]`, so a route cannot exist without being documented).

mod auth;
mod error;
mod input;
mod lists;
mod people;
mod types;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::error::{ErrorBody, ErrorDetail, json_error};
use super::AppState;

pub use self::error::ApiError;

/// The largest request body the API reads (an announcement's text is at most 100,000
/// characters; JSON escaping can double it).
pub const MAX_API_BODY: usize = 512 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "quietlist API",
        version = "1",
        description = "The owner's lists and people, for their own programs. Every call takes an API key (`quietlist api-key create`) as `Authorization: Bearer ql_...`; each operation names the scope it needs. Errors are JSON: `{\"error\": {\"code\", \"message\", \"field\"}}`."
    ),
    modifiers(&BearerKey),
    components(schemas(ErrorBody, ErrorDetail))
)]
struct ApiDoc;

struct BearerKey;

impl utoipa::Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("ql_...")
                    .build(),
            ),
        );
    }
}

/// Every API route with its documentation.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(lists::lists))
        .routes(routes!(people::list_people, people::add_person))
        .routes(routes!(people::get_person, people::erase))
        .routes(routes!(people::unsubscribe))
        .routes(routes!(lists::invite))
        .routes(routes!(lists::announce))
        .routes(routes!(lists::export))
}

/// The OpenAPI document, as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = documented().split_for_parts();
    add_error_responses(&mut doc);
    doc
}

/// The API's routes and `/api/openapi.json`.
pub fn routes() -> Router<AppState> {
    let (router, mut doc) = documented().split_for_parts();
    add_error_responses(&mut doc);
    let document: Arc<str> = match doc.to_json() {
        Ok(json) => json.into(),
        Err(e) => {
            tracing::error!(error = %e, "could not write the OpenAPI document");
            "{}".into()
        }
    };
    router
        .route("/api/v1/{*rest}", any(unknown_route))
        .layer(DefaultBodyLimit::max(MAX_API_BODY))
        .layer(middleware::from_fn(json_errors))
        .route(
            "/api/openapi.json",
            get(move || {
                let document = document.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        document.to_string(),
                    )
                }
            }),
        )
}

async fn unknown_route() -> ApiError {
    ApiError::NotFound("There is no such API route; see /api/openapi.json.".into())
}

/// Turns any error answer that is not ours already (a framework rejection: a body too
/// large, a path that does not decode, a method the route lacks) into the API's JSON.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            format!("The body is larger than {} KiB.", MAX_API_BODY / 1024),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "This route does not take that method; see /api/openapi.json.".into(),
        ),
        StatusCode::BAD_REQUEST => (
            "bad_request",
            "The request could not be read (a path segment that does not decode?).".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "Send the body as application/json.".into(),
        ),
        s if s.is_server_error() => (
            "internal",
            "Something went wrong on our side; try again later.".into(),
        ),
        _ => ("error", "The request could not be handled.".into()),
    };
    let (parts, _) = response.into_parts();
    let mut ours = json_error(status, code, message, None);
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(v) = parts.headers.get(&name) {
            ours.headers_mut().insert(name, v.clone());
        }
    }
    ours.extensions_mut().extend(parts.extensions);
    ours
}

/// The answers every operation may give besides its own, documented once here: each has
/// the JSON error body; 401 says how to authenticate and 429/503 when to come back.
fn add_error_responses(doc: &mut utoipa::openapi::OpenApi) {
    let error = |description: &str, with_header: Option<(&str, &str)>| {
        let mut response = ResponseBuilder::new().description(description).content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        );
        if let Some((name, what)) = with_header {
            response = response.header(
                name,
                HeaderBuilder::new()
                    .schema(Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::String),
                    ))
                    .description(Some(what))
                    .build(),
            );
        }
        response.build()
    };
    let common = [
        ("400", error("The request could not be read", None)),
        (
            "401",
            error(
                "No API key, or an unknown or revoked one",
                Some(("WWW-Authenticate", "Bearer")),
            ),
        ),
        (
            "403",
            error("The key lacks the scope this call needs", None),
        ),
        ("404", error("No such list, person or route", None)),
        ("405", error("The route does not take this method", None)),
        (
            "409",
            error("The state of the list or person does not allow it", None),
        ),
        ("413", error("The body is too large", None)),
        ("422", error("A field is wrong; `field` names it", None)),
        (
            "429",
            error(
                "Too many requests with this key, or with missing, wrong or revoked keys from this address",
                Some(("Retry-After", "Seconds to wait")),
            ),
        ),
        (
            "503",
            error(
                "The database is busy or unavailable; nothing was changed",
                Some(("Retry-After", "Seconds to wait")),
            ),
        ),
    ];
    for item in doc.paths.paths.values_mut() {
        for operation in [
            item.get.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            for (status, response) in &common {
                operation
                    .responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| response.clone().into());
            }
        }
    }
}

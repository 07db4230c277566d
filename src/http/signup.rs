//! `POST /waitlists/{list}/signups`: a plain HTML form or JSON.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

use super::AppState;
use super::client_ip::client_ip;
use super::error::AppError;
use crate::i18n::Text;
use crate::publish::check_inbox_path;
use crate::waitlist::{RawSignup, SignupError};

/// No signup needs more than this.
pub const MAX_BODY: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Form,
    Json,
}

pub async fn sign_up(
    State(state): State<AppState>,
    Path(list): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    // Both a real signup's answer time and a dropped one's are taken from here.
    let started = tokio::time::Instant::now();
    let wants_json = prefers_json(request.headers());
    let reply_error = |e: AppError, format: Option<Format>| match format {
        Some(Format::Json) => e.into_json_response(),
        Some(Format::Form) => e.into_response(),
        None if wants_json => e.into_json_response(),
        None => e.into_response(),
    };

    if state.site.load().site.waitlist(&list).is_none() {
        return reply_error(AppError::NotFound, None);
    }
    // Rate limits were checked by `rate_limit::limit` before this handler ran.
    let ip = client_ip(peer, request.headers(), state.trust_proxy);
    let Some(format) = body_format(request.headers()) else {
        return reply_error(AppError::UnsupportedMediaType, None);
    };
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared_length.is_some_and(|n| n > MAX_BODY) {
        return reply_error(AppError::PayloadTooLarge, Some(format));
    }
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), MAX_BODY).await else {
        return reply_error(AppError::PayloadTooLarge, Some(format));
    };

    let fields = match format {
        Format::Form => match form_fields(&bytes) {
            Ok(fields) => fields,
            Err(field) => return field_sent_twice(&field),
        },
        Format::Json => match json_fields(&bytes) {
            Ok(fields) => fields,
            Err((status, field, message)) => {
                return (
                    status,
                    axum::Json(json!({ "error": { "field": field, "message": message } })),
                )
                    .into_response();
            }
        },
    };
    let raw = RawSignup {
        fields,
        client_ip: Some(ip),
    };
    // The page after the form, in the form's language (every answer names the same one,
    // whatever happened to the signup).
    let inbox = {
        let published = state.site.load();
        let site = &published.site;
        check_inbox_path(
            &list,
            site.language_or_default(raw.get("lang")),
            site.language(),
        )
    };

    if let Some(refusal) = guard_signup(&state, &list, format, &raw, started, &inbox).await {
        return refusal;
    }

    let result = state.waitlists.sign_up(&list, &raw).await;
    if result.is_ok() {
        state.guard.latencies.record(started.elapsed());
        // A new address and one already on the list take different work; the answer
        // leaves at the same time for both (hole 7 of issue 9).
        tokio::time::sleep_until(started + state.answer_floor).await;
    }
    match result {
        Ok(()) => accepted(format, &inbox),
        Err(SignupError::Invalid {
            field,
            message,
            text,
        }) => match format {
            Format::Json => (
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(json!({ "error": { "field": field, "message": message } })),
            )
                .into_response(),
            Format::Form => form_with_error(&state, &list, &raw, &field, &text),
        },
        Err(SignupError::UnknownList) => reply_error(AppError::NotFound, Some(format)),
        Err(SignupError::Store(e)) => reply_error(AppError::from(e), Some(format)),
        Err(SignupError::Internal(e)) => reply_error(AppError::from(e), Some(format)),
    }
}

/// A dropped form's answer: the same as a signup's, and as late as a recent real one
/// (never before the answer floor).
async fn dropped(
    state: &AppState,
    format: Format,
    inbox: &str,
    started: tokio::time::Instant,
) -> Response {
    // The timer fires on the millisecond tick after its deadline: aim that much early.
    let wait = state
        .guard
        .latencies
        .pick()
        .saturating_sub(TIMER_SLACK)
        .max(state.answer_floor);
    tokio::time::sleep_until(started + wait).await;
    accepted(format, inbox)
}

/// The abuse checks before the use case runs (`abuse`): a proof of work when the owner
/// turned it on, the form's time stamp, throwaway domains. `Some` is the answer.
async fn guard_signup(
    state: &AppState,
    list: &str,
    format: Format,
    raw: &RawSignup,
    started: tokio::time::Instant,
    inbox: &str,
) -> Option<Response> {
    let guard = &state.guard;
    if let Some(pow) = &guard.pow {
        let solution = raw.get(crate::abuse::pow::FIELD);
        if format == Format::Form && solution.is_none() {
            // The no-JavaScript fallback: a fresh stamp used once, or dropped silently.
            if !guard.form_stamp_single_use(raw.get(crate::abuse::stamp::FIELD)) {
                if guard.stamps.is_none() {
                    return Some(pow_refused(format, crate::abuse::pow::PowError::Missing));
                }
                return Some(dropped(state, format, inbox, started).await);
            }
        } else if let Err(problem) = pow.verify(solution, unix_now()) {
            return Some(pow_refused(format, problem));
        }
    }
    // Too fast, or no genuine stamp: the same answer as a signup, and nothing recorded.
    // It also takes as long as a recent real signup did.
    if format == Format::Form && !guard.form_stamp_ok(raw.get(crate::abuse::stamp::FIELD)) {
        return Some(dropped(state, format, inbox, started).await);
    }
    let email = crate::domain::EmailAddress::parse(raw.get("email").unwrap_or("")).ok()?;
    let domain = guard.domains.throwaway(email.domain())?;
    let message = crate::abuse::disposable::refusal_message(domain);
    Some(match format {
        Format::Json => (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({ "error": { "field": "email", "message": message } })),
        )
            .into_response(),
        Format::Form => form_with_error(
            state,
            list,
            raw,
            "email",
            &crate::i18n::errors::throwaway(domain),
        ),
    })
}

const TIMER_SLACK: std::time::Duration = std::time::Duration::from_micros(1100);

fn unix_now() -> u64 {
    u64::try_from(crate::store::now_millis() / 1000).unwrap_or(0)
}

/// A signup without a valid proof of work, while the owner has it on.
fn pow_refused(format: Format, problem: crate::abuse::pow::PowError) -> Response {
    match format {
        Format::Json => (
            StatusCode::FORBIDDEN,
            axum::Json(json!({ "error": { "field": crate::abuse::pow::FIELD, "message": problem.to_string() } })),
        )
            .into_response(),
        // A form that sent a wrong solution, or any form while stamps are off (then
        // nothing else stands in for the proof of work): the page says so plainly.
        Format::Form => AppError::Page {
            status: StatusCode::FORBIDDEN,
            heading: Text::key("error-pow-heading"),
            lines: vec![
                Text::key("error-pow-flood"),
                Text::key("error-pow-come-back"),
                crate::i18n::errors::pow(&problem),
            ],
        }
        .into_response(),
    }
}

/// `GET /waitlists/{list}/challenge`: a proof-of-work challenge in ALTCHA's format.
pub async fn challenge(State(state): State<AppState>, Path(list): Path<String>) -> Response {
    if state.site.load().site.waitlist(&list).is_none() {
        return AppError::NotFound.into_json_response();
    }
    let Some(pow) = &state.guard.pow else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": { "field": null, "message": "No proof of work is asked for right now; sign up without one." } })),
        )
            .into_response();
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(pow.challenge(unix_now())),
    )
        .into_response()
}

/// The one answer every accepted signup gets, whoever the address belongs to: a form is
/// sent to `inbox`, the check-your-inbox page in its language.
fn accepted(format: Format, inbox: &str) -> Response {
    match format {
        Format::Form => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(value) = HeaderValue::from_str(inbox) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Format::Json => (
            StatusCode::ACCEPTED,
            axum::Json(json!({
                "status": "check-your-inbox",
                "message": "If this address can join the waitlist, a confirmation mail is on its way. Nothing happens until the link in it is used.",
            })),
        )
            .into_response(),
    }
}

fn form_with_error(
    state: &AppState,
    list: &str,
    raw: &RawSignup,
    field: &str,
    message: &Text,
) -> Response {
    let published = state.site.load();
    let language = published.site.language_or_default(raw.get("lang"));
    let Some(waitlist) = published.site.waitlist(list) else {
        return AppError::NotFound.into_response();
    };
    let mut values = Map::new();
    for (k, v) in &raw.fields {
        // Never echo the hidden trap field back.
        if k != "website" {
            values.insert(k.clone(), Json::String(v.clone()));
        }
    }
    let mut errors = Map::new();
    errors.insert(field.to_owned(), Json::String(message.render(language)));
    match published.render_signup_form(waitlist, &values, &errors, raw.get("form"), language) {
        Ok(html) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            // The form shown again gets a stamp of its own.
            html.replacen(
                crate::abuse::stamp::PLACEHOLDER,
                &state.guard.stamp_now(),
                1,
            ),
        )
            .into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

fn body_format(headers: &HeaderMap) -> Option<Format> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = value.split(';').next()?.trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => Some(Format::Form),
        "application/json" => Some(Format::Json),
        _ => None,
    }
}

fn prefers_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    (accept.contains("application/json") && !accept.contains("text/html"))
        || content_type.starts_with("application/json")
}

/// The form's fields, each at most once: a field sent twice (`email=a@…&email=b@…`) is
/// refused, because which value was meant is not for the server to guess, and the two
/// parts that read a field must never see different values. `Err` names the field.
pub fn form_fields(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    // A set, not a scan of the fields so far: a 16 KiB body can hold thousands of fields.
    let mut seen = std::collections::HashSet::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(bytes) {
        if !seen.insert(key.clone()) {
            return Err(key.into_owned());
        }
        fields.push((key.into_owned(), value.into_owned()));
    }
    Ok(fields)
}

/// A browser never sends a field twice, so the answer is a plain page, not the form.
fn field_sent_twice(field: &str) -> Response {
    AppError::Page {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        heading: Text::key("error-field-twice-heading"),
        lines: vec![Text::with(
            "error-field-twice-text",
            vec![("field", field.into())],
        )],
    }
    .into_response()
}

/// The members of a JSON object in order, refusing a key given twice (serde_json's `Map`
/// would silently keep the last one).
struct UniqueKeys(Vec<(String, Json)>);

/// The key that was given twice, carried out of the deserializer in its error text.
const DUPLICATE_KEY: &str = "quietlist: duplicate key ";

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = UniqueKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<UniqueKeys, A::Error> {
                let mut seen = std::collections::HashSet::new();
                let mut members: Vec<(String, Json)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Json>()? {
                    if !seen.insert(key.clone()) {
                        return Err(serde::de::Error::custom(format!("{DUPLICATE_KEY}{key}")));
                    }
                    members.push((key, value));
                }
                Ok(UniqueKeys(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The status, the field it is about, and the message, for a JSON body that is refused.
pub type JsonProblem = (StatusCode, String, String);

/// A JSON signup is one object whose values are strings (or null, meaning "not given"),
/// each key at most once.
pub fn json_fields(bytes: &[u8]) -> Result<Vec<(String, String)>, JsonProblem> {
    let value: Json = serde_json::from_slice(bytes).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            "body".to_owned(),
            format!("The body is not valid JSON: {e}."),
        )
    })?;
    if !value.is_object() {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "body".to_owned(),
            "The body must be a JSON object such as {\"email\": \"you@example.com\"}.".to_owned(),
        ));
    }
    // Valid JSON and an object: the only error left is a key given twice.
    let map = match serde_json::from_slice::<UniqueKeys>(bytes) {
        Ok(UniqueKeys(members)) => members,
        Err(e) => {
            let text = e.to_string();
            let field = text
                .strip_prefix(DUPLICATE_KEY)
                .and_then(|rest| rest.rsplit_once(" at line "))
                .map(|(key, _)| key)
                // An empty key names no field a client could find: the body is at fault.
                .filter(|key| !key.is_empty())
                .unwrap_or("body")
                .to_owned();
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                field,
                "This field was given more than once. Give each field once.".to_owned(),
            ));
        }
    };
    let mut fields = Vec::with_capacity(map.len());
    for (key, value) in map {
        // An error must name a field a client can find: an empty key names the body.
        if key.is_empty() {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                "body".to_owned(),
                "A field has an empty name.".to_owned(),
            ));
        }
        match value {
            Json::String(s) => fields.push((key, s)),
            Json::Null => {}
            _ => {
                return Err((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    key,
                    "This field must be a string.".to_owned(),
                ));
            }
        }
    }
    Ok(fields)
}

/// `/waitlists/{list}/join/{code}`: the signup form, from someone's share link.
pub async fn join_page(
    State(state): State<AppState>,
    Path((list, code)): Path<(String, String)>,
) -> Response {
    let published = state.site.load();
    let Some(waitlist) = published.site.waitlist(&list) else {
        return AppError::NotFound.into_response();
    };
    let mut values = Map::new();
    // Only the shape is checked here; whether it names anyone is the signup's business.
    if code.len() == 13 && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        values.insert("ref".into(), Json::String(code));
    }
    match published.render_signup_form(
        waitlist,
        &values,
        &Map::new(),
        Some(&format!("waitlist:{list}")),
        published.site.language(),
    ) {
        Ok(html) => (
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::REFERRER_POLICY, "no-referrer"),
            ],
            axum::response::Html(html.replacen(
                crate::abuse::stamp::PLACEHOLDER,
                &state.guard.stamp_now(),
                1,
            )),
        )
            .into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

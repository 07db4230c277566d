//! The owner's side: `/admin`. Closed until an owner exists (`quietlist admin add`);
//! every page needs a session, every POST a CSRF token and, where the browser sends it,
//! `Sec-Fetch-Site: same-origin`.

mod announce;
mod announcements;
mod api_keys;
mod chart;
mod dashboard;
mod export;
mod import;
mod login;
mod people;
mod webhooks;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value as Json, json};

use super::AppState;
use super::error::AppError;
use crate::admin::{OwnerActions, OwnerSession};
use crate::domain::Capability;
use crate::i18n::Text;
use crate::privacy::audit::Actor;

/// The largest CSV the web import takes.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard::show))
        .route("/admin/login", get(login::form).post(login::submit))
        .route("/admin/logout", post(login::logout))
        .route("/admin/lists/{list}", get(people::list))
        .route("/admin/lists/{list}/export.csv", get(export::csv))
        .route(
            "/admin/lists/{list}/announcements",
            get(announcements::list),
        )
        .route(
            "/admin/lists/{list}/announcements/steer",
            post(announcements::steer),
        )
        .route(
            "/admin/lists/{list}/announcements/publish",
            post(announcements::publish),
        )
        .route(
            "/admin/lists/{list}/announcements/new",
            get(announce::new).post(announce::submit),
        )
        .route(
            "/admin/lists/{list}/import",
            post(import::upload).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/admin/lists/{list}/invite", post(people::invite))
        .route("/admin/lists/{list}/cohorts", post(people::create_cohort))
        .route(
            "/admin/api-keys",
            get(api_keys::list).post(api_keys::create),
        )
        .route("/admin/api-keys/{name}/revoke", post(api_keys::revoke))
        .route("/admin/people/{id}", get(people::person))
        .route("/admin/people/{id}/{action}", post(people::act))
        .merge(webhooks::routes())
}

/// The session cookie: `__Host-` prefixed (and `Secure`) when the site is served over
/// https, as browsers then guarantee it was set by this origin for the whole site.
pub fn cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-quietlist"
    } else {
        "quietlist_session"
    }
}

/// A signed-in owner, with the CSRF token their forms carry.
pub struct Owner {
    pub session: OwnerSession,
    pub csrf: String,
}

impl FromRequestParts<AppState> for Owner {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if !matches!(parts.method, Method::GET | Method::HEAD) && cross_site(&parts.headers) {
            return Err(forbidden(Text::key("admin-cross-site")));
        }
        let Some(cookie) = session_cookie(&parts.headers, state.https) else {
            return Err(Redirect::to("/admin/login").into_response());
        };
        match state.owners.session(&cookie).await {
            Ok(Some(session)) => Ok(Owner {
                csrf: state.owners.csrf_token(&session),
                session,
            }),
            Ok(None) => Err(Redirect::to("/admin/login").into_response()),
            Err(e) => Err(AppError::from(e).into_response()),
        }
    }
}

impl Owner {
    /// Who acts, for the audit log.
    pub fn actor(&self) -> Actor {
        Actor::Owner {
            admin_id: self.session.admin_id,
        }
    }

    /// The owner's actions, limited to what this account's role may do: every admin
    /// page acts through these, so a refusal holds whatever the page showed.
    pub fn actions(&self, state: &AppState) -> OwnerActions {
        state
            .owner_actions
            .acting_as(self.actor(), self.session.role)
    }
}

/// An owner's POST: the signed-in [`Owner`] and their form, read only once its CSRF token
/// is this session's. Every owner form goes through here, so no handler can forget the
/// check; a refusal is a 403 that says to reload the page.
pub struct CsrfForm<T> {
    pub owner: Owner,
    pub form: T,
}

/// A body an owner's form can arrive in: it yields the CSRF token it carried and the
/// rest of the form. URL-encoded forms get this for free ([`UrlEncoded`]); the CSV upload
/// reads its multipart body itself.
pub trait OwnerFormBody: Sized + Send {
    /// What the account's role must allow before the body is read at all (refused: 403,
    /// audited, the body left unread). For a body that is costly to read (the CSV upload,
    /// up to 64 MiB); the handler's own check still runs for the others.
    const NEEDS: Option<Capability> = None;

    fn read(
        request: Request,
        state: &AppState,
    ) -> impl Future<Output = Result<(String, Self), Response>> + Send;
}

/// Marks a form that arrives URL-encoded (a plain HTML form), with a `csrf` field beside
/// its own.
pub trait UrlEncoded: DeserializeOwned + Send {}

#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: T,
}

impl<T: UrlEncoded> OwnerFormBody for T {
    async fn read(request: Request, state: &AppState) -> Result<(String, Self), Response> {
        match Form::<WithCsrf<T>>::from_request(request, state).await {
            Ok(Form(WithCsrf { csrf, form })) => Ok((csrf, form)),
            Err(_) => Err(forbidden(Text::key("admin-form-unreadable"))),
        }
    }
}

/// A form with nothing but its CSRF token (a button).
#[derive(Deserialize)]
pub struct Button {}

impl UrlEncoded for Button {}

impl<T: OwnerFormBody> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let owner = Owner::from_request_parts(&mut parts, state).await?;
        if let Some(capability) = T::NEEDS {
            // Before the body: a role that may not do this does not cost a read of it.
            owner
                .actions(state)
                .allow(capability)
                .await
                .map_err(|e| AppError::from(e).into_response())?;
        }
        let (token, form) = T::read(Request::from_parts(parts, body), state).await?;
        if !state.owners.csrf_ok(&owner.session, &token) {
            return Err(forbidden(Text::key("admin-form-expired")));
        }
        Ok(Self { owner, form })
    }
}

/// `Sec-Fetch-Site` says the request came from another site (absent: older browsers
/// and tools, where the CSRF token alone decides).
pub fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !matches!(v, "same-origin" | "none"))
}

fn session_cookie(headers: &HeaderMap, https: bool) -> Option<String> {
    let name = cookie_name(https);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub fn forbidden(message: Text) -> Response {
    let mut response = AppError::Page {
        status: StatusCode::FORBIDDEN,
        heading: Text::key("admin-not-allowed"),
        lines: vec![message],
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Renders an owner page: never cached, never indexed.
pub fn page(
    state: &AppState,
    template: &str,
    owner: Option<&Owner>,
    mut context: Json,
) -> Result<Response, AppError> {
    if let (Some(owner), Json::Object(map)) = (owner, &mut context) {
        map.insert("csrf".into(), json!(owner.csrf));
        map.insert("signed_in".into(), json!(true));
        map.insert("role".into(), json!(owner.session.role.as_str()));
        // What the navigation and the buttons offer: only what the role may do (the
        // actions refuse the rest whatever is shown).
        let may = |what| json!(owner.session.role.may(what));
        map.insert(
            "can".into(),
            json!({
                "people": may(Capability::SeePeople),
                "resend": may(Capability::ResendConfirmation),
                "unsubscribe": may(Capability::Unsubscribe),
                "erase": may(Capability::Erase),
                "export": may(Capability::Export),
                "import": may(Capability::Import),
                "announce": may(Capability::Announce),
                "invite": may(Capability::Invite),
                "manage_keys": may(Capability::ManageKeys),
            }),
        );
    }
    // The owner's pages speak the site's language (site.toml `language`).
    let published = state.site.load();
    if let Json::Object(map) = &mut context {
        map.insert("lang".into(), json!(published.site.language().tag()));
    }
    let html = published.render(template, context)?;
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
            (header::REFERRER_POLICY, "same-origin"),
        ],
        Html(html),
    )
        .into_response())
}

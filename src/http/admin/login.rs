//! Signing in and out.

use crate::i18n::{Text, tr};
use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::{Button, CsrfForm, cookie_name, cross_site, forbidden, page};
use crate::admin::LoginOutcome;
use crate::http::AppState;
use crate::http::client_ip::client_ip;
use crate::http::error::AppError;

pub async fn form(State(state): State<AppState>) -> Result<Response, AppError> {
    let open = state.owners.any().await?;
    page(
        &state,
        "admin/login.html",
        None,
        json!({ "open": open, "login_csrf": state.owners.login_csrf_token() }),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, AppError> {
    if cross_site(&headers) {
        return Ok(forbidden(Text::key("admin-cross-site")));
    }
    let Ok(Form(form)) = form else {
        return Ok(forbidden(Text::key("admin-form-unreadable")));
    };
    if !state.owners.login_csrf_ok(&form.csrf) {
        return Ok(forbidden(Text::key("admin-form-expired")));
    }
    if !state.owners.any().await? {
        return Ok(forbidden(Text::key("admin-no-owner-yet")));
    }
    let ip = client_ip(peer, &headers, state.trust_proxy);
    let password = SecretString::from(form.password);
    let outcome = state.owners.login(&form.email, &password, ip).await?;
    let language = state.site.load().site.language();
    match outcome {
        LoginOutcome::LoggedIn { session_id } => Ok(redirect_with_session_cookie(
            "/admin",
            state.https,
            Some(&session_id),
        )),
        LoginOutcome::Refused => {
            let mut response = page(
                &state,
                "admin/login.html",
                None,
                json!({
                    "open": true,
                    "login_csrf": state.owners.login_csrf_token(),
                    "error": tr(language, "admin-login-refused", &[]),
                    "email": form.email,
                }),
            )?;
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(response)
        }
        LoginOutcome::Throttled { retry_after } => {
            let mut response = page(
                &state,
                "admin/login.html",
                None,
                json!({
                    "open": true,
                    "login_csrf": state.owners.login_csrf_token(),
                    "error": tr(language, "admin-login-throttled", &[("minutes", retry_after.div_ceil(60).into())]),
                }),
            )?;
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            Ok(response)
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    CsrfForm { owner, .. }: CsrfForm<Button>,
) -> Result<Response, AppError> {
    state.owners.logout(&owner.session).await?;
    Ok(redirect_with_session_cookie(
        "/admin/login",
        state.https,
        None,
    ))
}

/// Redirects while setting the owner's session cookie, or clearing it when `session` is
/// `None`. Strict same-site and HttpOnly: the admin pages need no script to read it.
fn redirect_with_session_cookie(to: &str, https: bool, session: Option<&str>) -> Response {
    let secure = if https { "; Secure" } else { "" };
    let (value, max_age) = match session {
        Some(id) => (id, ""),
        None => ("", "; Max-Age=0"),
    };
    let cookie = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict{max_age}{secure}",
        cookie_name(https)
    );
    let mut response = Redirect::to(to).into_response();
    if let Ok(header_value) = HeaderValue::from_str(&cookie) {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, header_value);
    }
    response
}

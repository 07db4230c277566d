//! `/admin/api-keys`: the owner's API keys in the browser, as `quietlist api-key` does
//! at the command line: list them (never the keys), make one (shown once, on the answer
//! to the form), revoke one. Every form carries the session's CSRF token.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

use super::people::bad_request;
use super::{Button, CsrfForm, Owner, UrlEncoded, page};
use crate::admin::OwnerActionError;
use crate::admin::api_keys::ApiScope;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::Text;
use crate::waitlist::export::timestamp;

/// The create form: a name and a checkbox per scope (`scope-lists-read=on`...).
#[derive(Deserialize)]
pub struct NewKeyForm {
    #[serde(default)]
    name: String,
    #[serde(flatten)]
    checked: std::collections::HashMap<String, String>,
}

impl UrlEncoded for NewKeyForm {}

fn checkbox_name(scope: ApiScope) -> String {
    format!("scope-{}", scope.as_str().replace(':', "-"))
}

async fn render(
    state: &AppState,
    owner: &Owner,
    new_key: Option<(String, String)>,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let keys: Vec<_> = owner
        .actions(state)
        .api_keys()
        .await?
        .into_iter()
        .map(|k| {
            json!({
                "name": k.name,
                "scopes": k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                "created": timestamp(k.created_at),
                "created_by": k.created_by,
                "last_used": k.last_used_at.map(timestamp),
            })
        })
        .collect();
    let scopes: Vec<_> = ApiScope::ALL
        .iter()
        .map(|s| json!({"name": s.as_str(), "field": checkbox_name(*s)}))
        .collect();
    page(
        state,
        "admin/api_keys.html",
        Some(owner),
        json!({
            "keys": keys,
            "scopes": scopes,
            "new_key": new_key.map(|(name, key)| json!({"name": name, "key": key})),
            "notice": notice,
        }),
    )
}

#[derive(Deserialize)]
pub struct Notice {
    notice: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    owner: Owner,
    axum::extract::Query(query): axum::extract::Query<Notice>,
) -> Result<Response, AppError> {
    render(&state, &owner, None, query.notice.as_deref()).await
}

pub async fn create(
    State(state): State<AppState>,
    CsrfForm { owner, form }: CsrfForm<NewKeyForm>,
) -> Result<Response, AppError> {
    // The role first: a form a role may not send is refused whatever it holds.
    owner
        .actions(&state)
        .allow(crate::domain::Capability::ManageKeys)
        .await?;
    let scopes: Vec<ApiScope> = ApiScope::ALL
        .into_iter()
        .filter(|s| form.checked.contains_key(&checkbox_name(*s)))
        .collect();
    if scopes.is_empty() {
        return Ok(bad_request(Text::key("admin-keys-choose-scope")));
    }
    match owner
        .actions(&state)
        .create_api_key(&owner.actor(), &form.name, &scopes)
        .await
    {
        Ok(made) => {
            let key = made.key.expose_secret().to_owned();
            render(&state, &owner, Some((made.name, key)), None).await
        }
        Err(OwnerActionError::Refused(problem)) => Ok(bad_request(problem)),
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    Path(name): Path<String>,
    CsrfForm { owner, .. }: CsrfForm<Button>,
) -> Result<Response, AppError> {
    match owner
        .actions(&state)
        .revoke_api_key(&owner.actor(), &name)
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/api-keys?notice=revoked").into_response()),
        Err(OwnerActionError::Refused(_)) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

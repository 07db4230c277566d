//! A list's people (filter, find by address, keyset pages), one person's page with their
//! consent and history and the owner's actions on them (each audited), invitations and
//! cohorts.

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::{Owner, page};
use crate::domain::{EmailAddress, Slug, Status};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::privacy::SealedKind;
use crate::store::{AuditEntry, NewToken, now_millis};
use crate::waitlist::InviteError;
use crate::waitlist::export::timestamp;

/// People per page.
const PAGE: u32 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    find: String,
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    notice: String,
    /// People passed over at the mail cap by the last invitation round.
    #[serde(default)]
    held: u32,
}

pub async fn list(
    State(state): State<AppState>,
    owner: Owner,
    Path(list): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let published = state.site.load();
    let waitlist = published.site.waitlist(&list).ok_or(AppError::NotFound)?;
    let status = Status::parse(&query.status);
    let store = &state.waitlists.store;
    let vault = &state.waitlists.vault;
    let mut find_error = None;
    let rows = if query.find.trim().is_empty() {
        store.people_page(&list, status, query.after, PAGE).await?
    } else {
        match EmailAddress::parse(&query.find) {
            Ok(email) => match store.find_person(&list, vault.email_index(&email)).await? {
                Some(id) => return Ok(Redirect::to(&format!("/admin/people/{id}")).into_response()),
                None => {
                    find_error = Some("Nobody on this list has that address.".to_owned());
                    Vec::new()
                }
            },
            Err(e) => {
                find_error = Some(e.to_string());
                Vec::new()
            }
        }
    };
    let next = (rows.len() as u32 == PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let people: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "email": vault.open_email(&r.email_sealed).map(|e| e.as_str().to_owned()).unwrap_or_else(|_| "(cannot decrypt)".into()),
                "name": r.name_sealed.as_deref().and_then(|s| vault.open_string(SealedKind::Name, s).ok()),
                "status": r.status.as_str(),
                "signed_up_at": timestamp(r.signed_up_at),
                "confirmed_at": r.confirmed_at.map(timestamp),
                "referrals": r.referral_credits,
            })
        })
        .collect();
    let cohorts = store.cohorts(&list).await?;
    let counts = store.count_by_status(&list).await?;
    page(
        &state,
        "admin/list.html",
        Some(&owner),
        json!({
            "list": list,
            "waitlist": waitlist,
            "people": people,
            "status": status.map(Status::as_str),
            "statuses": Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "counts": counts.iter().map(|(s, n)| json!({"status": s, "count": n})).collect::<Vec<_>>(),
            "next": next,
            "find": query.find,
            "find_error": find_error,
            "cohorts": cohorts.iter().map(|c| json!({ "name": c.name, "capacity": c.capacity, "accepted": c.accepted, "open": c.open, "free": c.free_seats(), "starts": c.starts })).collect::<Vec<_>>(),
            "notice": query.notice,
            "held": query.held,
        }),
    )
}

pub async fn person(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let view = state
        .waitlists
        .person_view(id)
        .await
        .map_err(|e| AppError::from(anyhow::anyhow!("{e}")))?
        .ok_or(AppError::NotFound)?;
    state
        .waitlists
        .store
        .audit(AuditEntry {
            at: now_millis(),
            actor: owner.actor(),
            action: "view".into(),
            subject: format!("subscriber:{id}"),
            rows: 1,
            detail: "the owner opened this person's page".into(),
        })
        .await?;
    let published = state.site.load();
    page(
        &state,
        "admin/person.html",
        Some(&owner),
        json!({
            "person": view,
            "waitlist": published.site.waitlist(&view.list),
            "awaiting": matches!(view.status, Status::Pending | Status::Unsubscribed),
        }),
    )
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
}

pub async fn act(
    State(state): State<AppState>,
    owner: Owner,
    Path((id, action)): Path<(i64, String)>,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Result<Response, AppError> {
    let token = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if let Some(refused) = owner.csrf_refusal(&state, &token) {
        return Ok(refused);
    }
    let store = &state.waitlists.store;
    let now = now_millis();
    let audit = |detail: String| AuditEntry {
        at: now,
        actor: owner.actor(),
        action: action.clone(),
        subject: format!("subscriber:{id}"),
        rows: 1,
        detail,
    };
    match action.as_str() {
        "resend" => {
            let token = NewToken {
                seed: rand::random(),
                expires_at: now + state.waitlists.policy.confirm_link_ttl,
            };
            let sent = store
                .resend_confirmation(id, token, now, state.waitlists.policy.confirmation_interval)
                .await?;
            store
                .audit(audit(format!("confirmation mail queued: {sent}")))
                .await?;
            if sent {
                state.waitlists.mail_wake.notify_one();
            }
            let notice = if sent { "queued" } else { "limited" };
            Ok(Redirect::to(&format!("/admin/people/{id}?resend={notice}")).into_response())
        }
        "unsubscribe" => {
            store.unsubscribe(id, now).await?;
            store
                .audit(audit("unsubscribed by the owner".into()))
                .await?;
            Ok(Redirect::to(&format!("/admin/people/{id}")).into_response())
        }
        "erase" => {
            let list = store
                .erase(id, owner.actor(), now)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(Redirect::to(&format!("/admin/lists/{list}?notice=erased")).into_response())
        }
        _ => Err(AppError::NotFound),
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    cohort: String,
    #[serde(default)]
    overbook: Option<String>,
}

pub async fn invite(
    State(state): State<AppState>,
    owner: Owner,
    Path(list): Path<String>,
    form: Result<Form<InviteForm>, FormRejection>,
) -> Result<Response, AppError> {
    let Ok(Form(form)) = form else {
        return Ok(super::forbidden("The form could not be read."));
    };
    if let Some(refused) = owner.csrf_refusal(&state, &form.csrf) {
        return Ok(refused);
    }
    let Ok(count) = form.count.trim().parse::<u32>() else {
        return Ok(bad_request("How many people to invite: a whole number."));
    };
    let cohort = Some(form.cohort.as_str()).filter(|c| !c.is_empty());
    match state
        .waitlists
        .invite_next(
            &list,
            count.min(10_000),
            cohort,
            form.overbook.is_some(),
            owner.actor(),
        )
        .await
    {
        Ok((_, report)) => Ok(Redirect::to(&format!(
            "/admin/lists/{list}?notice=invited-{}&held={}",
            report.invited, report.held_back
        ))
        .into_response()),
        Err(InviteError::Store(e)) => Err(e.into()),
        Err(e) => Ok(bad_request(&e.to_string())),
    }
}

#[derive(Deserialize)]
pub struct CohortForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    starts: String,
}

pub async fn create_cohort(
    State(state): State<AppState>,
    owner: Owner,
    Path(list): Path<String>,
    form: Result<Form<CohortForm>, FormRejection>,
) -> Result<Response, AppError> {
    let Ok(Form(form)) = form else {
        return Ok(super::forbidden("The form could not be read."));
    };
    if let Some(refused) = owner.csrf_refusal(&state, &form.csrf) {
        return Ok(refused);
    }
    if state.site.load().site.waitlist(&list).is_none() {
        return Err(AppError::NotFound);
    }
    let Ok(name) = Slug::parse(form.name.trim()) else {
        return Ok(bad_request(
            "The cohort's name: lower-case letters, digits and hyphens.",
        ));
    };
    let Ok(capacity) = form.capacity.trim().parse::<u32>() else {
        return Ok(bad_request("The capacity: a whole number of seats."));
    };
    let starts =
        Some(form.starts.trim().chars().take(40).collect::<String>()).filter(|s| !s.is_empty());
    let store = &state.waitlists.store;
    store
        .ensure_cohort(
            &list,
            name.as_str(),
            i64::from(capacity),
            starts,
            now_millis(),
        )
        .await?;
    store
        .audit(AuditEntry {
            at: now_millis(),
            actor: owner.actor(),
            action: "settings".into(),
            subject: format!("list:{list}"),
            rows: 0,
            detail: format!("cohort {name} saved with {capacity} seats"),
        })
        .await?;
    Ok(Redirect::to(&format!("/admin/lists/{list}?notice=cohort-saved")).into_response())
}

fn bad_request(message: &str) -> Response {
    AppError::Page {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        heading: "Please check the form",
        lines: vec![message.to_owned()],
    }
    .into_response()
}

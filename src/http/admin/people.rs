//! A list's people (filter, find by address, keyset pages), one person's page with their
//! consent and history and the owner's actions on them, invitations and cohorts. Each
//! handler parses, calls one owner use case (which audits itself) and renders.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::{Button, CsrfForm, Owner, UrlEncoded, page};
use crate::admin::{InviteRound, NewCohort, PersonAction, ResendOutcome};
use crate::domain::{Capability, EmailAddress, Slug, Status};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::{Text, errors, tr};

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
    /// Of those the last round invited, how many have an address marked undeliverable.
    #[serde(default)]
    undeliverable: u32,
}

pub async fn list(
    State(state): State<AppState>,
    owner: Owner,
    Path(list): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    owner.actions(&state).allow(Capability::SeePeople).await?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let published = state.site.load();
    let waitlist = published.site.waitlist(&list).ok_or(AppError::NotFound)?;
    let language = published.site.language();
    let status = Status::parse(&query.status);
    let actions = &owner.actions(&state);
    let mut find_error = None;
    let page_of_people = if query.find.trim().is_empty() {
        Some(actions.people_page(&list, status, query.after).await?)
    } else {
        match EmailAddress::parse(&query.find) {
            Ok(email) => match actions.find_by_address(&list, &email).await? {
                Some(id) => return Ok(Redirect::to(&format!("/admin/people/{id}")).into_response()),
                None => find_error = Some(tr(language, "admin-list-nobody-with-address", &[])),
            },
            Err(e) => find_error = Some(errors::email(&e).render(language)),
        }
        None
    };
    let (people, next) = page_of_people.map_or((Vec::new(), None), |p| (p.people, p.next));
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
            "counts": actions.status_counts(&list).await?,
            "next": next,
            "find": query.find,
            "find_error": find_error,
            "cohorts": actions.cohorts(&list).await?,
            "notice": notice(&query.notice).map(|n| n.render(language)),
            "held": query.held,
            "undeliverable": query.undeliverable,
        }),
    )
}

/// The words for the notice a redirect named (`erased`, `cohort-saved`, `invited-N`);
/// anything else is not ours and shows nothing.
fn notice(name: &str) -> Option<Text> {
    match name {
        "erased" => Some(Text::key("admin-list-erased")),
        "cohort-saved" => Some(Text::key("admin-list-cohort-saved")),
        _ => {
            let count: u32 = name.strip_prefix("invited-")?.parse().ok()?;
            Some(Text::with(
                "admin-list-invited",
                vec![("count", count.into())],
            ))
        }
    }
}

pub async fn person(
    State(state): State<AppState>,
    owner: Owner,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let view = owner
        .actions(&state)
        .view_person(&owner.actor(), id)
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

pub async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm { owner, .. }: CsrfForm<Button>,
) -> Result<Response, AppError> {
    let action = PersonAction::parse(&action).ok_or(AppError::NotFound)?;
    let actions = &owner.actions(&state);
    let actor = owner.actor();
    let to = match action {
        PersonAction::ResendConfirmation => {
            let notice = match actions.resend_confirmation(&actor, id).await? {
                ResendOutcome::Queued => "queued",
                ResendOutcome::Limited => "limited",
            };
            format!("/admin/people/{id}?resend={notice}")
        }
        PersonAction::Unsubscribe => {
            actions.unsubscribe_person(&actor, id).await?;
            format!("/admin/people/{id}")
        }
        PersonAction::Erase => {
            let list = actions.erase_person(&actor, id).await?;
            format!("/admin/lists/{list}?notice=erased")
        }
    };
    Ok(Redirect::to(&to).into_response())
}

/// The largest invitation round one web request asks for (a round is one transaction).
const MAX_INVITES_PER_REQUEST: u32 = 10_000;

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    count: String,
    #[serde(default)]
    cohort: String,
    #[serde(default)]
    overbook: Option<String>,
}

impl UrlEncoded for InviteForm {}

pub async fn invite(
    State(state): State<AppState>,
    Path(list): Path<String>,
    CsrfForm { owner, form }: CsrfForm<InviteForm>,
) -> Result<Response, AppError> {
    // Who may comes before whether the form is right.
    owner.actions(&state).allow(Capability::Invite).await?;
    let Ok(count) = form.count.trim().parse::<u32>() else {
        return Ok(bad_request(Text::key("admin-list-count-not-a-number")));
    };
    let round = InviteRound {
        count: count.min(MAX_INVITES_PER_REQUEST),
        cohort: Some(form.cohort).filter(|c| !c.is_empty()),
        overbook: form.overbook.is_some(),
    };
    let invited = owner
        .actions(&state)
        .invite_next(&owner.actor(), &list, round)
        .await?;
    Ok(Redirect::to(&format!(
        "/admin/lists/{list}?notice=invited-{}&held={}&undeliverable={}",
        invited.report.invited, invited.report.held_back, invited.report.undeliverable
    ))
    .into_response())
}

#[derive(Deserialize)]
pub struct CohortForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    starts: String,
}

impl UrlEncoded for CohortForm {}

impl CohortForm {
    fn parse(&self) -> Result<NewCohort, Text> {
        let name =
            Slug::parse(self.name.trim()).map_err(|_| Text::key("admin-list-cohort-name"))?;
        let capacity = self
            .capacity
            .trim()
            .parse::<u32>()
            .map_err(|_| Text::key("admin-list-cohort-capacity"))?;
        let starts =
            Some(self.starts.trim().chars().take(40).collect::<String>()).filter(|s| !s.is_empty());
        Ok(NewCohort {
            name,
            capacity,
            starts,
        })
    }
}

pub async fn create_cohort(
    State(state): State<AppState>,
    Path(list): Path<String>,
    CsrfForm { owner, form }: CsrfForm<CohortForm>,
) -> Result<Response, AppError> {
    // Who may comes before whether the form is right.
    owner.actions(&state).allow(Capability::Invite).await?;
    // An unknown list is a 404 whatever the form says.
    if state.site.load().site.waitlist(&list).is_none() {
        return Err(AppError::NotFound);
    }
    let cohort = match form.parse() {
        Ok(cohort) => cohort,
        Err(problem) => return Ok(bad_request(problem)),
    };
    owner
        .actions(&state)
        .save_cohort(&owner.actor(), &list, cohort)
        .await?;
    Ok(Redirect::to(&format!("/admin/lists/{list}?notice=cohort-saved")).into_response())
}

pub(super) fn bad_request(message: Text) -> Response {
    AppError::Page {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        heading: Text::key("check-the-form"),
        lines: vec![message],
    }
    .into_response()
}

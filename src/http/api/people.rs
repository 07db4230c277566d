//! People: a list's people page by page, one person with their consent record, adding
//! people from a server, unsubscribing and erasing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::input::{JsonObject, Query, person_id};
use super::types::{
    Accepted, AddedPerson, Erased, NewPersonInput, PeoplePage, PeopleQuery, Person, PersonDetail,
    PersonStatus, Unsubscribed,
};
use crate::admin::api::{AddPersonError, Added, ConsentProof, MAX_PAGE, NewPerson};
use crate::admin::api_keys::ApiScope;
use crate::domain::{EmailAddress, Status};
use crate::http::AppState;

/// People per page when the caller does not say.
const DEFAULT_PAGE: i64 = 100;

/// A list's people, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/lists/{list}/people",
    tag = "people",
    params(("list" = String, Path, description = "The list's name", example = "pilot-course"), PeopleQuery),
    responses((status = 200, description = "A page of people", body = PeoplePage)),
    security(("api_key" = ["people:read"]))
)]
pub async fn list_people(
    State(state): State<AppState>,
    caller: Caller,
    Path(list): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<PeoplePage>, ApiError> {
    caller.require(ApiScope::PeopleRead)?;
    let query = Query::parse(query.as_deref());
    let limit = query
        .int_in("limit", 1, i64::from(MAX_PAGE))?
        .unwrap_or(DEFAULT_PAGE) as u32;
    let after = query.int_in("after", 0, i64::MAX)?;
    let status = query
        .get("status")
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    format!("one of {}", Status::ALL.map(Status::as_str).join(", ")),
                )
            })
        })
        .transpose()?;
    let actions = &state.owner_actions;
    if let Some(email) = query.get("email") {
        let email =
            EmailAddress::parse(email).map_err(|e| ApiError::invalid("email", e.to_string()))?;
        let person = actions
            .read_person_by_address(&caller.actor(), &list, &email, status)
            .await?;
        return Ok(Json(PeoplePage {
            people: person.into_iter().map(Person::from).collect(),
            next: None,
        }));
    }
    let page = actions
        .read_people(&caller.actor(), &list, status, after, limit)
        .await?;
    Ok(Json(PeoplePage {
        people: page.people.into_iter().map(Person::from).collect(),
        next: page.next,
    }))
}

/// Adds a person to a list from a server (needs `people:write`). Without `consent`, the
/// form's rules apply: pending, one confirmation mail, and the same answer (202) whoever
/// the address belongs to. With `consent`, the person is confirmed at once, their consent
/// recorded, and no mail sent: 201 with the id, or 409 naming why not (on the list
/// already, or erased), for a key that may also read people (`people:read`). A key
/// without `people:read` gets 202 whoever the address belongs to, as without consent:
/// otherwise adding would tell it who is on the list.
#[utoipa::path(
    post,
    path = "/api/v1/lists/{list}/people",
    tag = "people",
    params(("list" = String, Path, description = "The list's name", example = "pilot-course")),
    request_body = NewPersonInput,
    responses(
        (status = 201, description = "Added as confirmed on the consent proof (a key with people:read)", body = AddedPerson),
        (status = 202, description = "Taken: by the form's rules without consent; with consent, for a key without people:read, whether the person was added or not (on the list already, or erased)", body = Accepted),
        (status = 409, description = "With consent, a key with people:read: `already_on_list` or `suppressed`; the person is left as they are", body = ErrorBody),
    ),
    security(("api_key" = ["people:write"]))
)]
pub async fn add_person(
    State(state): State<AppState>,
    caller: Caller,
    Path(list): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(ApiScope::PeopleWrite)?;
    let input = JsonObject::parse(&body)?;
    let consent = match input.opt_object("consent")? {
        Some(proof) => Some(ConsentProof {
            at: proof.str("at")?,
            source: proof.str("source")?,
            text: proof.str("text")?,
        }),
        None => None,
    };
    let person = NewPerson {
        email: input.str("email")?,
        name: input.opt_str("name")?,
        fields: match input.opt_object("fields")? {
            Some(fields) => fields.strings()?,
            None => Vec::new(),
        },
        consent,
    };
    let added = state
        .owner_actions
        .add_person(&caller.actor(), &list, person)
        .await;
    // A key that may not read people learns nothing from adding one: whether the address
    // was new, on the list already or erased, the answer is the form's, byte for byte.
    let added = match added {
        Ok(Added::Confirmed { .. })
        | Err(AddPersonError::AlreadyThere { .. } | AddPersonError::Suppressed)
            if !caller.0.may(ApiScope::PeopleRead) =>
        {
            Added::Accepted
        }
        other => other?,
    };
    Ok(match added {
        Added::Accepted => accepted(),
        Added::Confirmed { subscriber_id } => (
            StatusCode::CREATED,
            Json(AddedPerson {
                id: subscriber_id,
                status: PersonStatus::Confirmed,
            }),
        )
            .into_response(),
    })
}

/// The answer that tells nothing about the address: 202 `{"result":"accepted"}`.
fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        Json(Accepted {
            result: "accepted".into(),
        }),
    )
        .into_response()
}

/// One person, with everything kept about them and their consent record (the look is
/// audited).
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}",
    tag = "people",
    params(("id" = i64, Path, description = "The person's id")),
    responses((status = 200, description = "The person", body = PersonDetail)),
    security(("api_key" = ["people:read"]))
)]
pub async fn get_person(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PersonDetail>, ApiError> {
    caller.require(ApiScope::PeopleRead)?;
    let id = person_id(&id)?;
    let view = state.owner_actions.view_person(&caller.actor(), id).await?;
    Ok(Json(view.into()))
}

/// Unsubscribes a person at once and for good (doing it twice is harmless).
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/unsubscribe",
    tag = "people",
    params(("id" = i64, Path, description = "The person's id")),
    responses((status = 200, description = "Unsubscribed", body = Unsubscribed)),
    security(("api_key" = ["people:write"]))
)]
pub async fn unsubscribe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Unsubscribed>, ApiError> {
    caller.require(ApiScope::PeopleWrite)?;
    let id = person_id(&id)?;
    state
        .owner_actions
        .unsubscribe_person(&caller.actor(), id)
        .await?;
    Ok(Json(Unsubscribed {
        id,
        status: PersonStatus::Unsubscribed,
    }))
}

/// Erases a person: everything about them goes, but the record that they were erased.
#[utoipa::path(
    delete,
    path = "/api/v1/people/{id}",
    tag = "people",
    params(("id" = i64, Path, description = "The person's id")),
    responses((status = 200, description = "Erased", body = Erased)),
    security(("api_key" = ["people:write"]))
)]
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Erased>, ApiError> {
    caller.require(ApiScope::PeopleWrite)?;
    let id = person_id(&id)?;
    let list = state
        .owner_actions
        .erase_person(&caller.actor(), id)
        .await?;
    Ok(Json(Erased {
        id,
        list,
        erased: true,
    }))
}

//! `/admin/lists/{list}/announcements/new`: the owner writes an announcement, previews it
//! (the mail as the outbox would send it, and the dry run's figures), sends a test copy
//! to their own address, then sends it after a confirmation that states how many people
//! get it. Plain forms: nothing here needs a script.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use time::format_description::well_known::Rfc3339;

use super::{CsrfForm, Owner, UrlEncoded, page};
use crate::admin::announce::timestamp;
use crate::admin::{AnnouncementAudience, OwnerActionError, RunState};
use crate::domain::Capability;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::headers::PREVIEW_CONTENT_SECURITY_POLICY;
use crate::i18n::{Language, Text, tr};
use crate::publish::announcement::{
    Announcement, AnnouncementField, AnnouncementFields, DEFAULT_NAME_FALLBACK,
};
use crate::store::Millis;

/// The form, as sent (and sent back, filled, with each problem beside its field).
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct AnnouncementForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    name_fallback: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to_confirmed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to_invited: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to_accepted: Option<String>,
    /// Also put it on the site when its run starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    publish: Option<String>,
    /// When to send it, `YYYY-MM-DDTHH:MM` in UTC (a `datetime-local` field); empty: now.
    #[serde(default)]
    send_at: String,
    /// Which button: `preview`, `test`, `send` (asks to confirm) or `confirm`.
    #[serde(default, skip_serializing)]
    action: String,
}

impl UrlEncoded for AnnouncementForm {}

/// Field name -> what to change.
type Problems = BTreeMap<&'static str, String>;

impl AnnouncementForm {
    /// A new form: to the people who confirmed, as on the command line.
    fn blank() -> Self {
        Self {
            to_confirmed: Some("yes".to_owned()),
            ..Self::default()
        }
    }

    fn parse(
        &self,
        language: Language,
    ) -> Result<(Announcement, AnnouncementAudience, Option<Millis>), Problems> {
        let mut problems = Problems::new();
        let send_at = parse_send_at(&self.send_at)
            .map_err(|problem| {
                problems.insert("send_at", problem.render(language));
            })
            .unwrap_or(None);
        let announcement = Announcement::from_fields(&AnnouncementFields {
            subject: &self.subject,
            id: &self.id,
            body: &self.body,
            name_fallback: &self.name_fallback,
            publish: self.publish.is_some(),
        })
        .map_err(|errors| {
            for e in errors {
                let (field, problem) = e.on_field_in(language).unwrap_or_else(|| {
                    (
                        AnnouncementField::Body,
                        tr(
                            language,
                            "admin-announce-bad-file",
                            &[("problem", e.to_string().into())],
                        ),
                    )
                });
                problems.entry(field_name(field)).or_insert(problem);
            }
        })
        .ok();
        let chosen: Vec<&str> = [
            ("confirmed", &self.to_confirmed),
            ("invited", &self.to_invited),
            ("accepted", &self.to_accepted),
        ]
        .into_iter()
        .filter(|(_, checked)| checked.is_some())
        .map(|(status, _)| status)
        .collect();
        let audience = AnnouncementAudience::parse(&chosen.join(","))
            .map_err(|_| {
                problems.insert(
                    "audience",
                    tr(language, "admin-announce-choose-audience", &[]),
                );
            })
            .ok();
        match (announcement, audience) {
            (Some(announcement), Some(audience)) if problems.is_empty() => {
                Ok((announcement, audience, send_at))
            }
            _ => Err(problems),
        }
    }
}

/// The schedule field: empty for now, else a UTC time as a `datetime-local` field sends
/// it (`2026-06-01T09:00`, seconds optional). A time already past means now.
fn parse_send_at(text: &str) -> Result<Option<Millis>, Text> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let with_seconds = if text.len() == 16 {
        format!("{text}:00Z")
    } else {
        format!("{text}Z")
    };
    time::OffsetDateTime::parse(&with_seconds, &Rfc3339)
        .map(|at| Some((at.unix_timestamp_nanos() / 1_000_000) as Millis))
        .map_err(|_| Text::key("admin-announce-bad-send-at"))
}

fn field_name(field: AnnouncementField) -> &'static str {
    match field {
        AnnouncementField::Subject => "subject",
        AnnouncementField::Id => "id",
        AnnouncementField::Body => "body",
        AnnouncementField::NameFallback => "name_fallback",
    }
}

/// What the owner asked for with the button they pressed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Preview,
    Test,
    /// Shows how many people it goes to, and asks to confirm.
    Send,
    Confirm,
}

impl Step {
    fn parse(action: &str) -> Option<Self> {
        match action {
            "preview" => Some(Self::Preview),
            "test" => Some(Self::Test),
            "send" => Some(Self::Send),
            "confirm" => Some(Self::Confirm),
            _ => None,
        }
    }
}

pub async fn new(
    State(state): State<AppState>,
    owner: Owner,
    Path(list): Path<String>,
) -> Result<Response, AppError> {
    // Who may comes before whether the form is right.
    owner.actions(&state).allow(Capability::Announce).await?;
    let published = state.site.load();
    let waitlist = published.site.waitlist(&list).ok_or(AppError::NotFound)?;
    page(
        &state,
        "admin/announce.html",
        Some(&owner),
        json!({
            "list": list,
            "waitlist": waitlist,
            "form": AnnouncementForm::blank(),
            "errors": {},
            "default_name_fallback": DEFAULT_NAME_FALLBACK,
        }),
    )
}

pub async fn submit(
    State(state): State<AppState>,
    Path(list): Path<String>,
    CsrfForm { owner, form }: CsrfForm<AnnouncementForm>,
) -> Result<Response, AppError> {
    // Who may comes before whether the form is right.
    owner.actions(&state).allow(Capability::Announce).await?;
    let published = state.site.load();
    let waitlist = published.site.waitlist(&list).ok_or(AppError::NotFound)?;
    let language = published.site.language();
    let mut context = json!({
        "list": list,
        "waitlist": waitlist,
        "form": form,
        "errors": {},
        "default_name_fallback": DEFAULT_NAME_FALLBACK,
    });
    let render = |context: Json, status: StatusCode| -> Result<Response, AppError> {
        let mut response = page(&state, "admin/announce.html", Some(&owner), context)?;
        *response.status_mut() = status;
        Ok(response)
    };
    let Some(step) = Step::parse(&form.action) else {
        set(
            &mut context,
            "problem",
            json!(tr(language, "admin-announce-choose-step", &[])),
        );
        return render(context, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let (announcement, audience, send_at) = match form.parse(language) {
        Ok(parsed) => parsed,
        Err(problems) => {
            set(&mut context, "errors", json!(problems));
            return render(context, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let actions = &owner.actions(&state);
    let actor = owner.actor();
    set(&mut context, "key", json!(announcement.key()));
    if step == Step::Confirm {
        // The figures as of now, then the run: it ends with these figures when nothing
        // changes meanwhile (the dry run applies the same rules to the same people).
        let figures = actions
            .announce_dry_run(&actor, &list, &announcement, &audience)
            .await?;
        let start = actions
            .announce(&actor, &list, &announcement, &audience, send_at)
            .await?;
        set(&mut context, "figures", json!(figures));
        set(
            &mut context,
            "sent",
            json!({
                "state": start.run.state.as_str(),
                "started": start.started,
                "scheduled_for": (start.run.state == RunState::Scheduled)
                    .then(|| timestamp(start.run.send_at)),
            }),
        );
        return render(context, StatusCode::OK);
    }
    let mut status = StatusCode::OK;
    if step == Step::Test {
        match actions
            .send_test_announcement_to_owner(&actor, &list, &announcement, &state.mail_out)
            .await
        {
            Ok(to) => set(&mut context, "test_sent_to", json!(to.as_str())),
            Err(OwnerActionError::MailNotSent(why)) => {
                status = StatusCode::BAD_GATEWAY;
                set(&mut context, "test_failed", json!(why));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let preview = actions.preview_announcement(&list, &announcement, &state.mail_out.settings)?;
    let figures = actions
        .announce_dry_run(&actor, &list, &announcement, &audience)
        .await?;
    set(&mut context, "preview", json!(preview));
    set(&mut context, "figures", json!(figures));
    set(&mut context, "confirm", json!(step == Step::Send));
    let mut response = render(context, status)?;
    // The preview's HTML part keeps the inline styles mail clients read: allowed on this
    // page (in its sandboxed frame), still no script and nothing from another origin.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PREVIEW_CONTENT_SECURITY_POLICY),
    );
    Ok(response)
}

fn set(context: &mut Json, key: &str, value: Json) {
    if let Json::Object(map) = context {
        map.insert(key.to_owned(), value);
    }
}

//! `/admin/lists/{list}/import`: a CSV upload, validated row by row, with a report.

use crate::i18n::Text;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::json;

use super::{CsrfForm, Owner, OwnerFormBody, forbidden, page};
use crate::admin::OwnerActionError;
use crate::domain::Capability;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::waitlist::import::{ImportError, ImportOptions};

/// The upload form, read from its multipart body.
pub struct Upload {
    file_name: String,
    with_consent: bool,
    /// The file, or why it could not be read.
    file: Result<Bytes, Text>,
}

impl OwnerFormBody for Upload {
    const NEEDS: Option<Capability> = Some(Capability::Import);

    async fn read(request: Request, state: &AppState) -> Result<(String, Self), Response> {
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut csrf = String::new();
        let mut upload = Upload {
            file_name: "upload.csv".into(),
            with_consent: false,
            file: Err(Text::key("admin-import-choose-file")),
        };
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => {
                    // Answered with the form again (once the token read so far passes).
                    upload.file = Err(Text::with(
                        "admin-import-upload-unreadable",
                        vec![("reason", e.to_string().into())],
                    ));
                    break;
                }
            };
            match field.name().unwrap_or("") {
                "csrf" => csrf = field.text().await.unwrap_or_default(),
                "with_consent" => upload.with_consent = true,
                "file" => {
                    upload.file_name = field
                        .file_name()
                        .unwrap_or("upload.csv")
                        .chars()
                        .take(100)
                        .collect();
                    upload.file = field.bytes().await.map_err(|e| {
                        Text::with(
                            "admin-import-file-unreadable",
                            vec![("reason", e.to_string().into())],
                        )
                    });
                    if upload.file.is_err() {
                        break;
                    }
                }
                _ => {}
            }
        }
        Ok((csrf, upload))
    }
}

pub async fn upload(
    State(state): State<AppState>,
    Path(list): Path<String>,
    CsrfForm { owner, form }: CsrfForm<Upload>,
) -> Result<Response, AppError> {
    // Who may comes before whether the form is right (and, through `Upload::NEEDS`,
    // before the body is read at all).
    owner.actions(&state).allow(Capability::Import).await?;
    let file = match form.file {
        Ok(file) => file,
        Err(problem) => return Ok(problem_page(&state, &owner, &list, problem)),
    };
    let options = ImportOptions {
        with_consent: form.with_consent,
        source: form.file_name,
        actor: owner.actor(),
    };
    // The import runs as a task of its own: if the request times out (a large file), the
    // import still finishes and writes its audit entry; nothing already read is lost.
    let actions = owner.actions(&state);
    let import_list = list.clone();
    let import = tokio::spawn(async move {
        actions
            .import_csv(&import_list, file.as_ref(), &options, |_| {})
            .await
    });
    let outcome = import
        .await
        .map_err(|e| AppError::from(anyhow::Error::new(e).context("the import task failed")))?;
    match outcome {
        Ok(summary) => page(
            &state,
            "admin/import.html",
            Some(&owner),
            json!({ "list": list, "summary": summary, "with_consent": form.with_consent }),
        ),
        Err(OwnerActionError::Import(ImportError::BadFile(reason))) => {
            Ok(problem_page(&state, &owner, &list, reason))
        }
        Err(e) => Err(e.into()),
    }
}

fn problem_page(state: &AppState, owner: &Owner, list: &str, message: Text) -> Response {
    let language = state.site.load().site.language();
    match page(
        state,
        "admin/import.html",
        Some(owner),
        json!({ "list": list, "error": message.render(language) }),
    ) {
        Ok(mut response) => {
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(_) => forbidden(message),
    }
}

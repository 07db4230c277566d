//! `/admin/lists/{list}/import`: a CSV upload, validated row by row, with a report.

use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use serde_json::json;

use super::{Owner, forbidden, page};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::waitlist::import::{ImportError, ImportOptions};

pub async fn upload(
    State(state): State<AppState>,
    owner: Owner,
    Path(list): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let mut csrf = String::new();
    let mut file = None;
    let mut file_name = String::from("upload.csv");
    let mut with_consent = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return Ok(problem(
                    &state,
                    &owner,
                    &list,
                    &format!("The upload could not be read: {e}"),
                ));
            }
        };
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "with_consent" => with_consent = true,
            "file" => {
                file_name = field
                    .file_name()
                    .unwrap_or("upload.csv")
                    .chars()
                    .take(100)
                    .collect();
                match field.bytes().await {
                    Ok(bytes) => file = Some(bytes),
                    Err(e) => {
                        return Ok(problem(
                            &state,
                            &owner,
                            &list,
                            &format!("The file could not be read: {e}"),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(refused) = owner.csrf_refusal(&state, &csrf) {
        return Ok(refused);
    }
    let Some(file) = file else {
        return Ok(problem(
            &state,
            &owner,
            &list,
            "Choose a CSV file to import.",
        ));
    };
    let options = ImportOptions {
        with_consent,
        source: file_name,
        actor: owner.actor(),
    };
    // The import runs as a task of its own: if the request times out (a large file), the
    // import still finishes and writes its audit entry; nothing already read is lost.
    let waitlists = state.waitlists.clone();
    let import_list = list.clone();
    let import = tokio::spawn(async move {
        waitlists
            .import_csv(&import_list, file.as_ref(), &options, |_| {})
            .await
    });
    let outcome = import
        .await
        .map_err(|e| AppError::from(anyhow::anyhow!("the import task failed: {e}")))?;
    match outcome {
        Ok(summary) => page(
            &state,
            "admin/import.html",
            Some(&owner),
            json!({ "list": list, "summary": summary, "with_consent": with_consent }),
        ),
        Err(ImportError::UnknownList) => Err(AppError::NotFound),
        Err(ImportError::BadFile(reason)) => Ok(problem(&state, &owner, &list, &reason)),
        Err(ImportError::Store(e)) => Err(e.into()),
        Err(ImportError::Internal(e)) => Err(e.into()),
    }
}

fn problem(state: &AppState, owner: &Owner, list: &str, message: &str) -> Response {
    match page(
        state,
        "admin/import.html",
        Some(owner),
        json!({ "list": list, "error": message }),
    ) {
        Ok(mut response) => {
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(_) => forbidden(message),
    }
}

//! `/admin/lists/{list}/export.csv`: the same CSV as `quietlist export`, streamed as the
//! export use case produces it (and audited by it, with the rows it sent).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::Owner;
use crate::http::AppState;
use crate::http::error::AppError;

pub async fn csv(
    State(state): State<AppState>,
    owner: Owner,
    Path(list): Path<String>,
) -> Result<Response, AppError> {
    let stream = owner
        .actions(&state)
        .stream_csv(&owner.actor(), &list)
        .await?;
    let body = futures_util::stream::unfold(stream.chunks, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    });
    let filename = format!("attachment; filename=\"{list}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

//! Moving document bytes: reading multipart uploads straight into the content store, and
//! serving downloads with Content-Length, Content-Disposition, ETag, Range and
//! If-None-Match.

use std::ops::Range;

use axum::body::Body;
use axum::extract::Multipart;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use dossier_blob::StoredBlob;
use dossier_core::model::Document;
use dossier_core::{ContainerId, DocumentRef};
use dossier_service::{Caller, blob_error};
use futures::StreamExt;
use serde_json::{Map, Value};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_object;

/// The profile part is JSON: it has no business being large.
const PROFILE_MAX: usize = 1024 * 1024;

/// What an upload adds content to, so its profile can be checked before the file streams.
pub enum UploadTarget<'a> {
    NewDocument(&'a ContainerId),
    NewContent(&'a DocumentRef),
}

pub struct Upload {
    pub profile: Map<String, Value>,
    pub blob: StoredBlob,
    pub file_name: Option<String>,
}

fn bad_multipart(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::invalid(
        "body",
        format!(
            "the multipart body is malformed or incomplete: {}",
            e.body_text()
        ),
    )
}

/// Reads a `profile` part (JSON) and a file part (any part with a file name, or one named
/// `file`), streaming the file into the content store. When the profile comes first it is
/// validated before any byte of the file is stored.
pub async fn read_upload(
    state: &AppState,
    caller: &Caller,
    target: UploadTarget<'_>,
    mut multipart: Multipart,
) -> ApiResult<Upload> {
    let mut profile: Option<Map<String, Value>> = None;
    let mut stored: Option<(StoredBlob, Option<String>)> = None;
    while let Some(field) = multipart.next_field().await.map_err(bad_multipart)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        if file_name.is_none() && matches!(name.as_str(), "profile" | "doc_profile" | "json") {
            let mut buf = BytesMut::new();
            let mut field = field;
            while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
                if buf.len() + chunk.len() > PROFILE_MAX {
                    return Err(ApiError::invalid(
                        "profile",
                        "the profile part is larger than 1 MiB",
                    ));
                }
                buf.extend_from_slice(&chunk);
            }
            let parsed = parse_object(&buf, "profile")?;
            if stored.is_none() {
                match &target {
                    UploadTarget::NewDocument(folder) => {
                        state
                            .dossier
                            .check_upload(caller, folder, &parsed, None)
                            .await?
                    }
                    UploadTarget::NewContent(doc) => {
                        state
                            .dossier
                            .check_new_content(caller, doc, &parsed)
                            .await?
                    }
                }
            }
            profile = Some(parsed);
        } else if file_name.is_some() || name == "file" {
            if stored.is_some() {
                return Err(ApiError::invalid("file", "send exactly one file part"));
            }
            let blob = state
                .dossier
                .blobs
                .put_stream(Box::pin(field))
                .await
                .map_err(blob_error)?;
            stored = Some((blob, file_name));
        }
    }
    let (blob, file_name) =
        stored.ok_or_else(|| ApiError(dossier_core::DomainError::required("file")))?;
    Ok(Upload {
        profile: profile.unwrap_or_default(),
        blob,
        file_name,
    })
}

/// A single byte range of `size`: `Ok(None)` for no usable Range header (serve it all),
/// `Err` for one that cannot be satisfied.
fn parse_range(headers: &HeaderMap, size: u64) -> Result<Option<Range<u64>>, ()> {
    let Some(raw) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(spec) = raw.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') || size == 0 {
        // Several ranges (or an empty file): RFC 9110 lets us answer with the whole content.
        return Ok(None);
    }
    let Some((start, end)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (start, end) = (start.trim(), end.trim());
    let range = match (start.parse::<u64>().ok(), end.parse::<u64>().ok()) {
        (Some(s), Some(e)) if s <= e => s..(e + 1).min(size),
        (Some(s), None) if end.is_empty() => s..size,
        (None, Some(n)) if start.is_empty() && n > 0 => size.saturating_sub(n)..size,
        _ => return Ok(None),
    };
    if range.start >= size {
        return Err(());
    }
    Ok(Some(range))
}

/// `attachment; filename="…"; filename*=UTF-8''…` with an ASCII fallback.
fn content_disposition(doc: &Document) -> String {
    let full = if doc.extension.is_empty() {
        doc.name.clone()
    } else {
        format!("{}.{}", doc.name, doc.extension)
    };
    let ascii: String = full
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in full.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Streams a version's content with the headers download clients rely on.
pub async fn serve(state: &AppState, doc: &Document, headers: &HeaderMap) -> ApiResult<Response> {
    let etag = format!("\"{}\"", doc.content_hash);
    let size = u64::try_from(doc.size).unwrap_or(0);
    let mut base = HeaderMap::new();
    let put = |h: &mut HeaderMap, name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    put(&mut base, header::ETAG, &etag);
    put(&mut base, header::ACCEPT_RANGES, "bytes");
    put(
        &mut base,
        header::CONTENT_DISPOSITION,
        &content_disposition(doc),
    );
    put(&mut base, header::CACHE_CONTROL, "private, no-cache");
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        && inm.split(',').any(|t| t.trim() == etag || t.trim() == "*")
    {
        return Ok((StatusCode::NOT_MODIFIED, base).into_response());
    }
    let range = match parse_range(headers, size) {
        Ok(r) => r,
        Err(()) => {
            put(&mut base, header::CONTENT_RANGE, &format!("bytes */{size}"));
            let err = ApiError::invalid(
                "range",
                "the requested range starts beyond the end of the content",
            )
            .into_response();
            let mut r = (StatusCode::RANGE_NOT_SATISFIABLE, base).into_response();
            *r.body_mut() = err.into_body();
            return Ok(r);
        }
    };
    put(&mut base, header::CONTENT_TYPE, &doc.content_type);
    let (status, length) = match &range {
        Some(r) => {
            put(
                &mut base,
                header::CONTENT_RANGE,
                &format!("bytes {}-{}/{size}", r.start, r.end - 1),
            );
            (StatusCode::PARTIAL_CONTENT, r.end - r.start)
        }
        None => (StatusCode::OK, size),
    };
    put(&mut base, header::CONTENT_LENGTH, &length.to_string());
    let stream = if length == 0 {
        futures::stream::empty().boxed()
    } else {
        state
            .dossier
            .blobs
            .get(&doc.content_hash, range)
            .await
            .map_err(blob_error)?
    };
    let body = Body::from_stream(stream.map(|r| r.map_err(std::io::Error::other)));
    Ok((status, base, body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(h: &str, size: u64) -> Result<Option<Range<u64>>, ()> {
        let mut m = HeaderMap::new();
        m.insert(header::RANGE, HeaderValue::from_str(h).unwrap());
        parse_range(&m, size)
    }

    #[test]
    fn ranges() {
        assert_eq!(range("bytes=0-9", 100), Ok(Some(0..10)));
        assert_eq!(range("bytes=90-", 100), Ok(Some(90..100)));
        assert_eq!(range("bytes=-5", 100), Ok(Some(95..100)));
        assert_eq!(range("bytes=50-500", 100), Ok(Some(50..100)));
        assert_eq!(range("bytes=100-", 100), Err(()));
        assert_eq!(range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(range("items=0-1", 100), Ok(None));
    }
}

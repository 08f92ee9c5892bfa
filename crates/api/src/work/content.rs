//! Moving document bytes: reading multipart uploads straight into the content store, and
//! serving downloads with Content-Length, Content-Disposition, ETag, Range and
//! If-None-Match.

use std::ops::Range;

use axum::body::Body;
use axum::extract::Multipart;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use dossier_core::doc_type::content_type_for_extension;
use dossier_service::Caller;
use dossier_service::documents::OpenedContent;
use dossier_service::emails::AttachmentContent;
use dossier_service::upload::{ReceivedContent, UploadInput, UploadPlan, UploadTarget, Uploaded};
use futures::StreamExt;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_object;
use crate::work::wire;

/// The profile part is JSON: it has no business being large.
const PROFILE_MAX: usize = 1024 * 1024;

fn bad_multipart(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::invalid(
        "body",
        format!(
            "the multipart body is malformed or incomplete: {}",
            e.body_text()
        ),
    )
}

/// Runs an upload from a multipart body: a `profile` part (JSON) and a file part (any part
/// with a file name, or one named `file`), in either order. When the profile comes first
/// the upload is planned (checked) before any byte of the file is stored; the file streams
/// into the content store as it arrives.
pub async fn upload(
    state: &AppState,
    caller: &Caller,
    target: UploadTarget,
    mut multipart: Multipart,
) -> ApiResult<Uploaded> {
    let dossier = &state.dossier;
    let mut plan: Option<UploadPlan> = None;
    // A profile that came after the file: planned once the parts are read.
    let mut late_input: Option<UploadInput> = None;
    let mut received: Option<ReceivedContent> = None;
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
            let input = wire::upload_input(&parse_object(&buf, "profile")?)?;
            if received.is_none() {
                plan = Some(
                    dossier
                        .plan_upload(caller, target.clone(), input, None)
                        .await?,
                );
            } else {
                late_input = Some(input);
            }
        } else if file_name.is_some() || name == "file" {
            if received.is_some() {
                return Err(ApiError::invalid("file", "send exactly one file part"));
            }
            received = Some(dossier.receive_content(file_name, Box::pin(field)).await?);
        }
    }
    let content = received.ok_or_else(|| ApiError(dossier_core::DomainError::required("file")))?;
    let plan = match (late_input, plan) {
        (None, Some(plan)) => plan,
        (input, _) => {
            dossier
                .plan_upload(
                    caller,
                    target,
                    input.unwrap_or_default(),
                    content.file_name(),
                )
                .await?
        }
    };
    Ok(dossier.commit_upload(plan, content).await?)
}

/// What a download answers with, after its `Range` header (RFC 9110 §14).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ranged {
    /// 200 with the whole content: no Range, one that is not valid `bytes` syntax (which
    /// §14.2 says to ignore), several ranges (§14.2 lets a server ignore those too) or an
    /// `If-Range` that does not name this content.
    Whole,
    /// 206 with these bytes.
    Part(Range<u64>),
    /// 416 with `Content-Range: bytes */size`: a range that starts at or past the end,
    /// or `bytes=-0` (a suffix of no bytes).
    Unsatisfiable,
}

/// The answer to `headers`' Range for content of `size` bytes whose ETag is `etag`.
fn ranged(headers: &HeaderMap, size: u64, etag: &str) -> Ranged {
    let Some(raw) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ranged::Whole;
    };
    // §13.1.5: a Range is honoured only for the content If-Range names, by strong ETag;
    // a date cannot be checked (no Last-Modified is sent), so it never matches.
    if let Some(if_range) = headers.get(header::IF_RANGE)
        && if_range.to_str().map(str::trim).ok() != Some(etag)
    {
        return Ranged::Whole;
    }
    let Some((unit, set)) = raw.trim().split_once('=') else {
        return Ranged::Whole;
    };
    if !unit.eq_ignore_ascii_case("bytes") || set.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = set.trim().split_once('-') else {
        return Ranged::Whole;
    };
    // Digits only: `u64::from_str` would also take `+5`.
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // "-" suffix-length: the last bytes; a suffix of none cannot be satisfied.
        return match number(last) {
            None => Ranged::Whole,
            Some(0) => Ranged::Unsatisfiable,
            // The whole of nothing: there is no byte range to name.
            Some(_) if size == 0 => Ranged::Whole,
            Some(n) => Ranged::Part(size.saturating_sub(n)..size),
        };
    }
    // first-pos "-" [ last-pos ]
    let Some(first) = number(first) else {
        return Ranged::Whole;
    };
    let last = match last {
        "" => None,
        l => match number(l) {
            Some(l) if l >= first => Some(l),
            // A last-pos before the first-pos is not valid syntax.
            _ => return Ranged::Whole,
        },
    };
    if first >= size {
        return Ranged::Unsatisfiable;
    }
    Ranged::Part(first..last.map_or(size, |l| l.saturating_add(1).min(size)))
}

/// `attachment; filename="…"; filename*=UTF-8''…` with an ASCII fallback.
fn content_disposition(full: &str) -> String {
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

/// An email's attachment, whole, typed by its name's extension as documents are (the type
/// the message declares is the sender's word, not served as is).
pub fn serve_attachment(a: AttachmentContent) -> Response {
    let extension = a
        .name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (
            header::CONTENT_TYPE,
            content_type_for_extension(&extension).to_string(),
        ),
        (header::CONTENT_DISPOSITION, content_disposition(&a.name)),
        (header::CONTENT_LENGTH, a.data.len().to_string()),
        (header::CACHE_CONTROL, "private, no-cache".to_string()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    (StatusCode::OK, headers, Body::from(a.data)).into_response()
}

/// Streams opened content with the headers download clients rely on.
pub async fn serve(
    state: &AppState,
    opened: &OpenedContent,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let doc = opened.document();
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
        &content_disposition(&doc.full_file_name()),
    );
    put(&mut base, header::CACHE_CONTROL, "private, no-cache");
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        && inm.split(',').any(|t| t.trim() == etag || t.trim() == "*")
    {
        return Ok((StatusCode::NOT_MODIFIED, base).into_response());
    }
    let range = match ranged(headers, size, &etag) {
        Ranged::Whole => None,
        Ranged::Part(r) => Some(r),
        Ranged::Unsatisfiable => {
            put(&mut base, header::CONTENT_RANGE, &format!("bytes */{size}"));
            let err = ApiError::invalid(
                "range",
                format!("the requested range is not within the content's {size} bytes"),
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
        state.dossier.read_content(opened, range).await?
    };
    let body = Body::from_stream(stream.map(|r| r.map_err(std::io::Error::other)));
    Ok((status, base, body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETAG: &str = "\"abc\"";

    fn range(h: &str, size: u64) -> Ranged {
        let mut m = HeaderMap::new();
        m.insert(header::RANGE, HeaderValue::from_str(h).unwrap());
        ranged(&m, size, ETAG)
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        use Ranged::*;
        assert_eq!(range("bytes=0-9", 100), Part(0..10));
        assert_eq!(range("Bytes=0-0", 100), Part(0..1));
        assert_eq!(range("bytes=90-", 100), Part(90..100));
        assert_eq!(range("bytes=-5", 100), Part(95..100));
        assert_eq!(range("bytes=-500", 100), Part(0..100));
        assert_eq!(range("bytes=50-500", 100), Part(50..100));
        assert_eq!(range("bytes=99-99", 100), Part(99..100));
        // Unsatisfiable: 416.
        assert_eq!(range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(range("bytes=100-200", 100), Unsatisfiable);
        assert_eq!(range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(range("bytes=-0", 0), Unsatisfiable);
        // Not valid syntax, another unit, several ranges: ignored, the whole content.
        for ignored in [
            "bytes=5-2",
            "bytes=+5-",
            "bytes=-",
            "bytes=a-b",
            "bytes 0-9",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=1e3-",
            "bytes=-18446744073709551616",
        ] {
            assert_eq!(range(ignored, 100), Whole, "{ignored}");
        }
        assert_eq!(range("bytes=-5", 0), Whole);
    }

    #[test]
    fn if_range_must_name_this_content() {
        let mut m = HeaderMap::new();
        m.insert(header::RANGE, HeaderValue::from_static("bytes=0-9"));
        m.insert(header::IF_RANGE, HeaderValue::from_static("\"abc\""));
        assert_eq!(ranged(&m, 100, ETAG), Ranged::Part(0..10));
        m.insert(header::IF_RANGE, HeaderValue::from_static("\"other\""));
        assert_eq!(ranged(&m, 100, ETAG), Ranged::Whole);
        m.insert(
            header::IF_RANGE,
            HeaderValue::from_static("Tue, 1 Dec 2026 10:00:00 GMT"),
        );
        assert_eq!(ranged(&m, 100, ETAG), Ranged::Whole);
    }
}

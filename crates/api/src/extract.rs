//! Request extractors whose failures answer in the iManage envelope: the caller from its
//! token, path parameters, query parameters, JSON bodies and paging.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use base64::Engine;
use dossier_core::query::Page;
use dossier_core::{ContainerId, DocumentRef, LibraryId};
use dossier_service::Caller;
use serde_json::{Map, Value};

use crate::AppState;
use crate::error::ApiError;

/// The token from `X-Auth-Token` or `Authorization: Bearer`.
pub fn token_of(parts: &Parts) -> Option<String> {
    if let Some(v) = parts
        .headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
    {
        return Some(v.trim().to_string());
    }
    let auth = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Already authenticated by a layer in front of the handler (`crate::idempotency`).
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let token = token_of(parts).ok_or_else(|| {
            ApiError(dossier_core::DomainError::Unauthenticated(
                "X-Auth-Token is invalid or missing".into(),
            ))
        })?;
        let mut caller = state.dossier.authenticate(&token).await?;
        caller.address = client_address(parts, state);
        Ok(caller)
    }
}

/// The client's network address, when the server was started with connection info: the TCP
/// peer's, or the client a trusted reverse proxy names (`proxies::TrustedProxies`).
fn client_address(parts: &Parts, state: &AppState) -> Option<String> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| {
            state
                .trusted_proxies
                .client(c.0.ip(), &parts.headers)
                .to_string()
        })
}

/// The client's address, for sign-in throttling and audit records.
pub struct ClientAddress(pub Option<String>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(parts, state)))
    }
}

/// The caller and the library their URL names (`…/customers/{customer}/libraries/{library}/…`),
/// resolved once for the handler: an unknown customer or library, or one the caller is not a
/// member of, is a 404 before the handler runs.
pub struct InLibrary {
    pub caller: Caller,
    pub library: LibraryId,
}

impl FromRequestParts<AppState> for InLibrary {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let p = Params::from_request_parts(parts, state).await?;
        let library = state
            .dossier
            .library(&caller, p.customer()?, p.library()?)
            .await?;
        Ok(InLibrary { caller, library })
    }
}

/// `InLibrary` with the document `{id}` of the URL parsed once: an id of another library
/// is a 404, like an unknown library.
pub struct InDocument {
    pub caller: Caller,
    pub library: LibraryId,
    pub document: DocumentRef,
}

impl FromRequestParts<AppState> for InDocument {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let InLibrary { caller, library } = InLibrary::from_request_parts(parts, state).await?;
        let document = Params::from_request_parts(parts, state)
            .await?
            .document("id")?;
        Ok(InDocument {
            caller,
            library,
            document,
        })
    }
}

/// `InLibrary` with the workspace or folder `{id}` of the URL parsed once: an id of
/// another library is a 404, like an unknown library.
pub struct InContainer {
    pub caller: Caller,
    pub library: LibraryId,
    pub container: ContainerId,
}

impl FromRequestParts<AppState> for InContainer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let InLibrary { caller, library } = InLibrary::from_request_parts(parts, state).await?;
        let container = Params::from_request_parts(parts, state)
            .await?
            .container("id")?;
        Ok(InContainer {
            caller,
            library,
            container,
        })
    }
}

/// Path parameters by name.
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| Params(p))
            .map_err(|e| ApiError::invalid("path", e.body_text()))
    }
}

impl Params {
    pub fn get(&self, name: &str) -> Result<&str, ApiError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::invalid(name, format!("missing path parameter {name}")))
    }

    pub fn customer(&self) -> Result<i64, ApiError> {
        let raw = self.get("customer")?;
        raw.parse()
            .map_err(|_| ApiError::not_found(format!("customer {raw}")))
    }

    pub fn library(&self) -> Result<&str, ApiError> {
        self.get("library")
    }

    /// A container id from the URL; it must belong to the library of the URL.
    pub fn container(&self, name: &str) -> Result<ContainerId, ApiError> {
        let id: ContainerId = self.get(name)?.parse()?;
        self.same_library(&id.library)?;
        Ok(id)
    }

    pub fn document(&self, name: &str) -> Result<DocumentRef, ApiError> {
        let id: DocumentRef = self.get(name)?.parse()?;
        self.same_library(&id.library)?;
        Ok(id)
    }

    pub fn same_library(&self, lib: &dossier_core::LibraryId) -> Result<(), ApiError> {
        if lib.as_str().eq_ignore_ascii_case(self.library()?) {
            Ok(())
        } else {
            Err(ApiError::not_found(format!(
                "{lib} objects in library {}",
                self.library()?
            )))
        }
    }
}

/// Query parameters by name (the last value wins when a name repeats).
pub struct Q(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Q {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Q(q))
            .map_err(|e| ApiError::invalid("query", e.body_text()))
    }
}

impl Q {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    /// A parameter that takes one of a few words, in any case: what `choices` pairs the
    /// word with, `None` when the parameter is absent, and a 400 naming the parameter and
    /// its words for anything else (a value nobody checks would be silently ignored).
    pub fn choice<T: Copy>(
        &self,
        name: &str,
        choices: &[(&str, T)],
    ) -> Result<Option<T>, ApiError> {
        let Some(v) = self.text(name) else {
            return Ok(None);
        };
        match choices
            .iter()
            .find(|(word, _)| v.eq_ignore_ascii_case(word))
        {
            Some((_, value)) => Ok(Some(*value)),
            None => {
                let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
                let allowed = match words.split_last() {
                    Some((last, [])) => (*last).to_string(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                };
                Err(ApiError::invalid(
                    name,
                    format!("{name} must be {allowed}, not '{v}'"),
                ))
            }
        }
    }

    pub fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.choice(
            name,
            &[("true", true), ("false", false), ("1", true), ("0", false)],
        )
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.text(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::invalid(name, format!("{name} must be an integer, not '{v}'"))
                })
            })
            .transpose()
    }

    /// Paging: `limit` (1–9999), `offset`, `total=true`, and cursor mode with
    /// `paging_mode=standard_cursor` and an opaque `cursor`.
    pub fn paging(&self, default_limit: i64) -> Result<Paging, ApiError> {
        let limit = self.int("limit")?.unwrap_or(default_limit);
        if !(1..=9999).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                "limit must be between 1 and 9999",
            ));
        }
        let offset = self.int("offset")?.unwrap_or(0);
        if offset < 0 {
            return Err(ApiError::invalid("offset", "offset cannot be negative"));
        }
        let cursor_mode = self
            .choice(
                "paging_mode",
                &[("standard", false), ("standard_cursor", true)],
            )?
            .unwrap_or(false)
            || self.text("cursor").is_some();
        let after = match self.text("cursor") {
            Some(c) => Some(decode_cursor(c)?),
            None => None,
        };
        Ok(Paging {
            page: Page {
                limit,
                offset,
                after,
                want_total: !cursor_mode && self.flag("total")?.unwrap_or(false),
            },
            cursor_mode,
        })
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub page: Page,
    pub cursor_mode: bool,
}

impl Paging {
    /// The page to ask for: one row beyond the page, so the answer tells whether more
    /// rows follow (`finish` cuts it off again).
    pub fn probe(&self) -> Page {
        self.page.probe()
    }

    /// Cuts rows read with `probe` back to the page; returns whether more rows follow and
    /// the cursor to hand back, `key` being a row's keyset number.
    pub fn finish<T>(&self, rows: &mut Vec<T>, key: impl Fn(&T) -> i64) -> (bool, Option<String>) {
        let more = self.page.cut(rows);
        (more, self.cursor(more, rows.last().map(key)))
    }

    /// The one cursor rule of every list: in cursor mode, a cursor after the last row only
    /// when more rows exist (a full page is not a sign of more: it may be the last).
    pub fn cursor(&self, more: bool, last_key: Option<i64>) -> Option<String> {
        (self.cursor_mode && more)
            .then_some(())
            .and(last_key)
            .map(encode_cursor)
    }
}

pub fn encode_cursor(key: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("k{key}"))
}

fn decode_cursor(raw: &str) -> Result<i64, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix('k').and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::invalid("cursor", "the cursor is not one this server issued"))
}

/// A JSON object body. An empty body is an empty object; anything that is not a JSON object
/// is a 400 in the envelope.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::invalid("body", e.body_text()))?;
        parse_object(&bytes, "body").map(JsonObject)
    }
}

pub fn parse_object(bytes: &[u8], field: &str) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(ApiError::invalid(
            field,
            format!("{field} must be a JSON object"),
        )),
        Err(e) => Err(ApiError::invalid(
            field,
            format!("{field} is not valid JSON: {e}"),
        )),
    }
}

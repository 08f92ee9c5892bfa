//! The parameters of OAuth requests: a form body (`application/x-www-form-urlencoded`) or
//! the authorization request's query. RFC 6749 §3.1 and §3.2 say a parameter must not be
//! sent more than once, so a repeated one is refused rather than letting the last one win,
//! and a malformed percent-escape is refused rather than read as literal text (where it
//! would turn into a wrong password or an unknown client).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;

/// Each parameter once, decoded.
pub(crate) type Params = HashMap<String, String>;

/// A form body read by `Form`.
pub(crate) struct Form(pub Params);

/// Why the parameters could not be read; `describe` says it for the client.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParamsError {
    NotAForm,
    Repeated(String),
    BadEscape,
}

impl ParamsError {
    pub(crate) fn describe(&self) -> String {
        match self {
            ParamsError::NotAForm => {
                "the request body must be application/x-www-form-urlencoded".into()
            }
            ParamsError::Repeated(name) => {
                format!("the parameter {name} is sent more than once")
            }
            ParamsError::BadEscape => "the parameters hold a malformed percent-escape".into(),
        }
    }
}

/// As the token, revocation and introspection endpoints answer it (RFC 6749 §5.2).
impl axum::response::IntoResponse for ParamsError {
    fn into_response(self) -> axum::response::Response {
        super::invalid_request(&self.describe())
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = ParamsError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return Err(ParamsError::NotAForm);
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| ParamsError::NotAForm)?;
        parse(&body).map(Form)
    }
}

/// Decodes `a=1&b=2`, refusing repeated names and malformed escapes.
pub(crate) fn parse(raw: &[u8]) -> Result<Params, ParamsError> {
    if has_bad_escape(raw) {
        return Err(ParamsError::BadEscape);
    }
    let mut out = Params::new();
    for (name, value) in url::form_urlencoded::parse(raw) {
        if name.is_empty() && value.is_empty() {
            continue;
        }
        if out.contains_key(name.as_ref()) {
            return Err(ParamsError::Repeated(name.into_owned()));
        }
        out.insert(name.into_owned(), value.into_owned());
    }
    Ok(out)
}

/// A `%` not followed by two hexadecimal digits.
fn has_bad_escape(raw: &[u8]) -> bool {
    raw.iter().enumerate().any(|(i, b)| {
        *b == b'%'
            && !raw
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_decoded_once_each() {
        let p = parse(b"grant_type=password&username=a%40b&password=x+y").unwrap();
        assert_eq!(p["username"], "a@b");
        assert_eq!(p["password"], "x y");
        assert_eq!(
            parse(b"grant_type=password&grant_type=client_credentials"),
            Err(ParamsError::Repeated("grant_type".into()))
        );
        assert_eq!(parse(b"password=100%"), Err(ParamsError::BadEscape));
        assert_eq!(parse(b"password=%zz"), Err(ParamsError::BadEscape));
        assert!(parse(b"a=1&&b=2").is_ok());
    }
}

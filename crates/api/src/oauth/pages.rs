//! The HTML of the sign-in, consent and error pages. Every value is escaped; the pages
//! carry no script, may not be framed (the consent button cannot be clickjacked) and are
//! never cached.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use dossier_core::identity::Scopes;

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}main{max-width:24rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1.2rem;padding:.5rem 1.2rem}.error{color:#a00}ul{padding-left:1.2rem}";

pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><main><h1>{}</h1>{body}</main></body></html>",
        escape(title),
        escape(title)
    );
    let mut r = (status, Html(html)).into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

pub fn error_page(status: StatusCode, message: &str) -> Response {
    page(
        status,
        "Sign-in problem",
        &format!("<p class=\"error\">{}</p>", escape(message)),
    )
}

pub fn too_many_attempts(retry_after_secs: u64) -> Response {
    let mut r = error_page(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("Too many failed sign-ins. Wait {retry_after_secs} seconds before trying again."),
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// Hidden inputs that carry the authorization request from one step to the next.
pub fn hidden(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect()
}

pub struct SignInForm<'a> {
    pub action: &'a str,
    pub app_name: &'a str,
    pub hidden: String,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

pub fn sign_in(status: StatusCode, f: SignInForm<'_>) -> Response {
    let error = f
        .error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    page(
        status,
        "Sign in to Dossier",
        &format!(
            "<p>to continue to <strong>{app}</strong></p>{error}<form method=\"post\" action=\"{action}\">{hidden}<input type=\"hidden\" name=\"step\" value=\"signin\"><label for=\"username\">User name</label><input type=\"text\" id=\"username\" name=\"username\" value=\"{user}\" autocomplete=\"username\" required autofocus><label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required><button type=\"submit\">Sign in</button></form>",
            app = escape(f.app_name),
            action = escape(f.action),
            hidden = f.hidden,
            user = escape(f.username),
        ),
    )
}

fn scope_description(scope: &str) -> &'static str {
    match scope {
        "user" => "read and change documents, workspaces and folders as you",
        "admin" => "manage users, groups, roles and applications as you",
        "openid" => "know who you are (your name, user name and e-mail address)",
        "scim" => "provision users and groups",
        _ => "an unrecognised permission",
    }
}

pub fn consent(
    action: &str,
    app_name: &str,
    user: &str,
    scope: &Scopes,
    hidden: String,
) -> Response {
    let items: String = scope
        .iter()
        .map(|s| format!("<li>{}</li>", escape(scope_description(s))))
        .collect();
    page(
        StatusCode::OK,
        "Allow access?",
        &format!(
            "<p><strong>{app}</strong> asks to act for <strong>{user}</strong>. It will be able to:</p><ul>{items}</ul><form method=\"post\" action=\"{action}\">{hidden}<input type=\"hidden\" name=\"step\" value=\"consent\"><button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
            app = escape(app_name),
            user = escape(user),
            action = escape(action),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<script>"x" & 'y'</script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }
}

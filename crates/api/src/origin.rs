//! The base URL clients reach this server at, for the absolute URLs some answers carry:
//! discovery's `versions[].url`, the OpenID Connect issuer and endpoints, SCIM's
//! `meta.location`. The rule is written here once:
//!
//! - `public_url`, when configured, is the answer;
//! - otherwise the request's `Host`, when it is a host name or an IP literal with an
//!   optional port, and `X-Forwarded-Proto`, when it is `http` or `https`;
//! - any other value of either header is ignored (`localhost`, `http`), never reflected: an
//!   answer a caching proxy keeps must not carry a client's `evil.example/..` or
//!   `javascript:`.
//!
//! `X-Forwarded-Host` is not read. A caching proxy keys its entries on `Host`, so a forwarded
//! host sent by a client would put the client's host into answers cached for everyone;
//! behind a proxy that rewrites `Host`, configure `public_url`.

use std::net::Ipv6Addr;

use axum::http::{HeaderMap, header};

use crate::AppState;

/// `scheme://host[:port]` without a trailing slash.
pub fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    base_url(state.dossier.settings.public_url.as_deref(), headers)
}

fn base_url(public_url: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(url) = public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| is_host(h))
        .unwrap_or("localhost");
    format!("{}://{host}", scheme(headers))
}

/// The first value of `X-Forwarded-Proto` when it is `http` or `https`, else `http`.
fn scheme(headers: &HeaderMap) -> &'static str {
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.split(',').next())
        .map(str::trim);
    match forwarded {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    }
}

/// RFC 9110 §7.2's `Host`, narrowed to what a server's address can be: a DNS name (letters,
/// digits, `-` and `_` in dot-separated labels) or an IPv4 literal, or an IPv6 literal in
/// brackets; then an optional `:port`.
fn is_host(value: &str) -> bool {
    if let Some(bracketed) = value.strip_prefix('[') {
        return bracketed.split_once(']').is_some_and(|(ip, rest)| {
            ip.parse::<Ipv6Addr>().is_ok()
                && (rest.is_empty() || rest.strip_prefix(':').is_some_and(is_port))
        });
    }
    match value.split_once(':') {
        Some((name, port)) => is_name(name) && is_port(port),
        None => is_name(value),
    }
}

fn is_port(port: &str) -> bool {
    (1..=5).contains(&port.len())
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u16>().is_ok_and(|p| p > 0)
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, value.parse().unwrap());
        }
        h
    }

    #[test]
    fn host_names_and_ip_literals_with_ports_are_hosts() {
        for ok in [
            "dms.example.com",
            "localhost",
            "localhost:8080",
            "127.0.0.1",
            "127.0.0.1:65535",
            "[::1]",
            "[::1]:8080",
            "dms-1.internal_zone.example",
        ] {
            assert!(is_host(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example/..",
            "evil.example/path",
            "evil.example:",
            "evil.example:0",
            "evil.example:99999",
            "evil.example:80:80",
            "evil.example:http",
            "a..b",
            ".example",
            "user@evil.example",
            "evil.example#x",
            "evil example",
            "[::1",
            "[::1]x",
            "[not-ip]",
            "[::1]:",
            "ex%61mple.com",
            "j\u{e4}ger.example",
        ] {
            assert!(!is_host(bad), "{bad}");
        }
        assert!(!is_host(&"a".repeat(64)));
        assert!(!is_host(&["a"; 128].join(".")));
    }

    #[test]
    fn the_configured_public_url_wins() {
        let h = headers(&[("host", "other.example"), ("x-forwarded-proto", "http")]);
        assert_eq!(
            base_url(Some("https://dms.example.com/"), &h),
            "https://dms.example.com"
        );
    }

    #[test]
    fn a_valid_host_and_scheme_are_used() {
        let h = headers(&[
            ("host", "dms.example.com:8443"),
            ("x-forwarded-proto", "HTTPS, http"),
        ]);
        assert_eq!(base_url(None, &h), "https://dms.example.com:8443");
        let h = headers(&[("host", "[::1]:8080")]);
        assert_eq!(base_url(None, &h), "http://[::1]:8080");
    }

    #[test]
    fn invalid_values_are_never_reflected() {
        let h = headers(&[
            ("host", "evil.example/.."),
            ("x-forwarded-proto", "javascript"),
            ("x-forwarded-host", "evil.example"),
        ]);
        assert_eq!(base_url(None, &h), "http://localhost");
        assert_eq!(base_url(None, &HeaderMap::new()), "http://localhost");
    }
}

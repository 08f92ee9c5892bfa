//! The web client's static files, embedded in the binary. Each is served under a name that
//! carries its version or a digest of its bytes, so it can be cached for a year: a new
//! build that changes a file changes its name.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One embedded file and the URL it is served at.
pub struct Asset {
    pub url: String,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// Every embedded file, by role; templates read the URLs from here.
pub struct Assets {
    pub htmx: Asset,
    pub css: Asset,
    pub js: Asset,
}

fn digested(stem: &str, ext: &str, content_type: &'static str, bytes: &'static [u8]) -> Asset {
    let digest = hex::encode(Sha256::digest(bytes));
    Asset {
        url: format!("/assets/{stem}.{}.{ext}", &digest[..12]),
        content_type,
        bytes,
    }
}

pub static ASSETS: LazyLock<Assets> = LazyLock::new(|| Assets {
    // Vendored from the npm registry; version and integrity in static/VENDORED.md.
    htmx: Asset {
        url: "/assets/htmx-2.0.11.min.js".into(),
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/htmx-2.0.11.min.js"),
    },
    css: digested(
        "app",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../static/app.css"),
    ),
    js: digested(
        "app",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/app.js"),
    ),
});

pub async fn serve(Path(name): Path<String>) -> Response {
    let a = &*ASSETS;
    let Some(asset) = [&a.htmx, &a.css, &a.js]
        .into_iter()
        .find(|x| x.url.strip_prefix("/assets/") == Some(name.as_str()))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut r = asset.bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

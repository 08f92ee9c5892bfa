//! The web client through HTTP, as a browser without JavaScript uses it: a cookie jar, no
//! automatic redirects, forms read from the pages. (The browser tests that drive Chromium
//! are in `browser`.)

mod browser;
mod pages;
mod security;
mod session;
mod workflows;

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::harness::{ADMIN_PASSWORD, TestServer};

/// A page as the browser got it.
pub struct Got {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Got {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Each `Set-Cookie` header whole, attributes included.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
}

/// A browser: its cookies for one server, and redirects followed only when asked.
pub struct Browser {
    pub base: String,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(s: &TestServer) -> Self {
        Browser {
            base: s.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, r: reqwest::Response) -> Got {
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        Got {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Got {
        let r = self
            .http
            .get(self.url(path))
            .header("Cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// GETs and follows redirects (at most 10).
    pub async fn open(&mut self, path: &str) -> Got {
        let mut got = self.get(path).await;
        for _ in 0..10 {
            if !got.status.is_redirection() {
                return got;
            }
            let next = got.location().to_string();
            got = self.get(&next).await;
        }
        panic!("too many redirects from {path}");
    }

    /// POSTs a form (with the page's CSRF token unless `form` has a `csrf` already).
    pub async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> Got {
        let r = self
            .http
            .post(self.url(path))
            .header("Cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// Sends a request with extra headers (for the CSRF header, or a forged Origin).
    pub async fn send(
        &mut self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Got {
        let mut r = self
            .http
            .request(method, self.url(path))
            .header("Cookie", self.cookie_header());
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let r = r.send().await.unwrap();
        self.finish(r).await
    }
}

/// The value of `name` in the hidden inputs of a page, unescaped.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    hidden_fields(html)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let unescape = |v: &str| {
        v.replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|rest| {
            let (name, rest) = rest.split_once("\" value=\"")?;
            let (value, _) = rest.split_once('"')?;
            Some((unescape(name), unescape(value)))
        })
        .collect()
}

/// Signs in through the pages, as a person does: the home page sends the browser to the
/// sign-in page, the password goes there, and the browser comes back signed in. Returns
/// the browser and the home page.
pub async fn sign_in(s: &TestServer, user: &str, password: &str) -> (Browser, Got) {
    let mut b = Browser::new(s);
    let page = b.open("/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Sign in to Dossier"), "{}", page.body);
    let mut form = hidden_fields(&page.body);
    form.push(("username".into(), user.into()));
    form.push(("password".into(), password.into()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let after = b.post_form("/auth/oauth2/authorize", &form).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "{}", after.body);
    let home = b.open(after.location()).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    (b, home)
}

pub async fn sign_in_admin(s: &TestServer) -> (Browser, Got) {
    sign_in(s, "admin", ADMIN_PASSWORD).await
}

/// The CSRF token a signed-in page carries.
pub fn csrf_of(page: &Got) -> String {
    hidden(&page.body, "csrf").expect("the page carries a CSRF token")
}

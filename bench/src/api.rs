//! The few Work API calls the benchmarks make, over plain reqwest.

use std::time::Duration;

use dossier_core::{ContainerId, DocumentRef};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::server::ADMIN_PASSWORD;
use crate::{R, err};

pub const LIBRARY: &str = "ACTIVE";

/// A logged-in client of one server. Cloning shares the connection pool.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    token: String,
}

/// The number in a workspace or folder id such as `ACTIVE!12`.
pub fn container_number(id: &str) -> R<i64> {
    id.parse::<ContainerId>()
        .map(|c| c.number)
        .map_err(|_| err(format!("unexpected container id {id}")))
}

/// The number in a document id such as `ACTIVE!12.1`.
pub fn document_number(id: &str) -> R<i64> {
    id.parse::<DocumentRef>()
        .map(|d| d.number)
        .map_err(|_| err(format!("unexpected document id {id}")))
}

fn data_id(v: &Value) -> R<String> {
    v.pointer("/data/id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| err(format!("no data.id in {v}")))
}

async fn expect_json(resp: reqwest::Response, what: &str) -> R<Value> {
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        return Err(err(format!("{what}: HTTP {status}: {text}")));
    }
    Ok(serde_json::from_str(&text)?)
}

impl Api {
    /// Logs in as the administrator with the OAuth password grant.
    pub async fn login(base: &str) -> R<Api> {
        Self::login_as(base, "admin", ADMIN_PASSWORD, "user").await
    }

    /// Logs in as `user` with the password grant and the given scopes.
    pub async fn login_as(base: &str, user: &str, password: &str, scope: &str) -> R<Api> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .timeout(Duration::from_secs(3600))
            .build()?;
        let resp = http
            .post(format!("{base}/auth/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=password&username={user}&password={password}&scope={scope}"
            ))
            .send()
            .await?;
        let v = expect_json(resp, "POST /auth/oauth2/token").await?;
        let token = v
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| err(format!("no access_token in {v}")))?
            .to_string();
        Ok(Api {
            http,
            base: base.to_string(),
            token,
        })
    }

    /// `…/customers/1/libraries/ACTIVE` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}/work/api/v2/customers/1/libraries/{LIBRARY}{path}",
            self.base
        )
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(self.url(path))
            .header("X-Auth-Token", &self.token)
    }

    /// A GET of a library path with query parameters, encoded here.
    pub fn get_with(&self, path: &str, params: &[(&str, &str)]) -> R<reqwest::RequestBuilder> {
        let mut url = reqwest::Url::parse(&self.url(path))?;
        url.query_pairs_mut().extend_pairs(params);
        Ok(self.http.get(url).header("X-Auth-Token", &self.token))
    }

    /// A request to a path under `/work/api/v2/customers/1` (customer level).
    pub fn customer(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(
                method,
                format!("{}/work/api/v2/customers/1{path}", self.base),
            )
            .header("X-Auth-Token", &self.token)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .post(self.url(path))
            .header("X-Auth-Token", &self.token)
    }

    /// Creates a workspace; returns its number.
    pub async fn create_workspace(&self, name: &str) -> R<i64> {
        let resp = self
            .post("/workspaces")
            .json(&json!({ "name": name }))
            .send()
            .await?;
        container_number(&data_id(&expect_json(resp, "create workspace").await?)?)
    }

    /// Creates a folder in a workspace; returns its number.
    pub async fn create_folder(&self, workspace: i64, name: &str) -> R<i64> {
        let resp = self
            .post(&format!("/workspaces/{LIBRARY}!{workspace}/folders"))
            .json(&json!({ "name": name }))
            .send()
            .await?;
        container_number(&data_id(&expect_json(resp, "create folder").await?)?)
    }

    /// Uploads a new document into a folder as multipart (profile part, then the file part
    /// streamed from `body` of `len` bytes). Returns the new document's id.
    pub async fn upload(
        &self,
        folder: i64,
        file_name: &str,
        body: reqwest::Body,
        len: u64,
    ) -> R<String> {
        let profile = json!({ "doc_profile": { "name": file_name } }).to_string();
        let form = Form::new()
            .part("profile", Part::text(profile).mime_str("application/json")?)
            .part(
                "file",
                Part::stream_with_length(body, len)
                    .file_name(file_name.to_string())
                    .mime_str("application/octet-stream")?,
            );
        let resp = self
            .post(&format!("/folders/{LIBRARY}!{folder}/documents"))
            .multipart(form)
            .send()
            .await?;
        data_id(&expect_json(resp, "upload").await?)
    }
}

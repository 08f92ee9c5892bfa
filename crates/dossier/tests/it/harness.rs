//! Starts a real Dossier server on 127.0.0.1:0 with a fresh data directory and, when the
//! environment asks for them, a fresh PostgreSQL database and an S3 prefix:
//!
//! - `DOSSIER_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432` runs every server of the
//!   suite on a new PostgreSQL database (created here, dropped at the end of the test).
//! - `DOSSIER_TEST_S3_ENDPOINT=http://127.0.0.1:5055` and `DOSSIER_TEST_S3_BUCKET=…` keep
//!   content in that S3-compatible store under a fresh prefix.

use std::collections::BTreeMap;
use std::path::PathBuf;

use reqwest::multipart::{Form, Part};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "correct-horse-battery";

pub struct TestServer {
    pub base: String,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    pub token: String,
    pub content_dir: Option<PathBuf>,
    pub database_url: String,
    running: Option<dossier::Running>,
    postgres: Option<(String, String)>,
}

pub fn postgres_base() -> Option<String> {
    std::env::var("DOSSIER_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
}

fn s3() -> Option<(String, String)> {
    let endpoint = std::env::var("DOSSIER_TEST_S3_ENDPOINT")
        .ok()
        .filter(|s| !s.is_empty())?;
    let bucket = std::env::var("DOSSIER_TEST_S3_BUCKET").unwrap_or_else(|_| "dossier-test".into());
    Some((endpoint, bucket))
}

/// Creates a new PostgreSQL database for one server; returns its URL and name.
pub async fn fresh_postgres(base: &str) -> (String, String) {
    use sqlx::Connection;
    let name = format!("dossier_t_{}", uuid::Uuid::new_v4().simple());
    let admin_url = format!("{}/postgres", base.trim_end_matches('/'));
    let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| panic!("PostgreSQL was requested (DOSSIER_TEST_POSTGRES) but {admin_url} is unreachable: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    (format!("{}/{name}", base.trim_end_matches('/')), name)
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(BTreeMap::new()).await
    }

    /// Starts a server with extra `DOSSIER_*` settings.
    pub async fn start_with(extra: BTreeMap<String, String>) -> TestServer {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        // Server-side errors are logged; show them beside a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("warn")
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        env.insert("DOSSIER_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into());
        // The server runs in this test process; text extraction runs in the real binary.
        env.insert(
            "DOSSIER_EXTRACT_PROGRAM".into(),
            env!("CARGO_BIN_EXE_dossier").into(),
        );
        let mut postgres = None;
        if let Some(base) = postgres_base() {
            let (url, name) = fresh_postgres(&base).await;
            env.insert("DOSSIER_DATABASE_URL".into(), url);
            postgres = Some((base, name));
        }
        let mut content_dir = Some(dir.path().join("content"));
        if let Some((endpoint, bucket)) = s3() {
            env.insert(
                "DOSSIER_CONTENT_URL".into(),
                format!("s3://{bucket}/t-{}", uuid::Uuid::new_v4().simple()),
            );
            env.insert("DOSSIER_S3_ENDPOINT".into(), endpoint);
            env.insert("DOSSIER_S3_ACCESS_KEY_ID".into(), "test".into());
            env.insert("DOSSIER_S3_SECRET_ACCESS_KEY".into(), "test".into());
            env.insert("DOSSIER_S3_ALLOW_HTTP".into(), "true".into());
            content_dir = None;
        }
        env.extend(extra);
        let flags = vec![
            ("data_dir", Some(dir.path().display().to_string())),
            ("listen", Some("127.0.0.1:0".to_string())),
        ];
        let config = dossier::config::load(None, &env, &flags).expect("test configuration");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let (running, _) = dossier::start(&config, listener)
            .await
            .expect("server starts");
        let base = format!("http://{}", running.addr);
        let http = reqwest::Client::new();
        let mut server = TestServer {
            base,
            dir,
            http,
            token: String::new(),
            content_dir,
            database_url: config.database_url.clone(),
            running: Some(running),
            postgres,
        };
        server.token = server.login("admin", ADMIN_PASSWORD).await;
        server
    }

    pub fn dossier(&self) -> &dossier_service::Dossier {
        &self.running.as_ref().expect("running").dossier
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        if let Some((base, name)) = self.postgres.take() {
            drop_postgres(&base, &name).await;
        }
    }

    pub async fn login(&self, user: &str, password: &str) -> String {
        self.login_scoped(user, password, "user").await
    }

    /// A password-grant token with the given scopes (`admin` for identity and security
    /// administration).
    pub async fn login_scoped(&self, user: &str, password: &str, scope: &str) -> String {
        let r = self
            .http
            .post(format!("{}/auth/oauth2/token", self.base))
            .form(&[
                ("grant_type", "password"),
                ("username", user),
                ("password", password),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("token request");
        assert_eq!(r.status(), StatusCode::OK, "login of {user}");
        r.json::<Value>().await.expect("token json")["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// Creates a user in ACTIVE through the Work API (as an administrator) and signs them
    /// in; returns their token.
    pub async fn new_user(&self, id: &str, password: &str) -> String {
        let admin = self
            .login_scoped("admin", ADMIN_PASSWORD, "user admin")
            .await;
        let (st, b) = self
            .send_json_as(
                &admin,
                Method::POST,
                &format!("{}/work/api/v2/customers/1/users", self.base),
                json!({"id": id, "password": password, "libraries": ["ACTIVE"]}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        self.login(id, password).await
    }

    /// `/work/api/v2/customers/1/libraries/ACTIVE` + path.
    pub fn lib(&self, path: &str) -> String {
        format!(
            "{}/work/api/v2/customers/1/libraries/ACTIVE{path}",
            self.base
        )
    }

    pub fn req(&self, method: Method, url: &str) -> RequestBuilder {
        self.http
            .request(method, url)
            .header("X-Auth-Token", &self.token)
    }

    pub async fn get(&self, url: &str) -> Response {
        self.req(Method::GET, url).send().await.expect("GET")
    }

    pub async fn get_json(&self, url: &str) -> Value {
        let r = self.get(url).await;
        let status = r.status();
        let body: Value = r.json().await.expect("json body");
        assert_eq!(status, StatusCode::OK, "GET {url}: {body}");
        body
    }

    pub async fn send_json(&self, method: Method, url: &str, body: Value) -> (StatusCode, Value) {
        self.send_json_as(&self.token, method, url, body).await
    }

    /// As `send_json`, with another user's token.
    pub async fn send_json_as(
        &self,
        token: &str,
        method: Method,
        url: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let r = self
            .http
            .request(method, url)
            .header("X-Auth-Token", token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = r.status();
        let text = r.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn post(&self, url: &str, body: Value) -> (StatusCode, Value) {
        self.send_json(Method::POST, url, body).await
    }

    pub async fn patch(&self, url: &str, body: Value) -> (StatusCode, Value) {
        self.send_json(Method::PATCH, url, body).await
    }

    pub async fn delete(&self, url: &str) -> (StatusCode, Value) {
        let r = self.req(Method::DELETE, url).send().await.expect("DELETE");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Waits until the search index has applied every outbox event written so far (the
    /// indexer runs beside requests; tests that search wait for it rather than sleep).
    pub async fn wait_for_index(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let body = self.get_json(&self.lib("/search/status")).await;
            if body["data"]["lag_events"] == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the search index did not catch up: {body}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub async fn create_workspace(&self, name: &str) -> String {
        let (s, body) = self
            .post(&self.lib("/workspaces"), json!({"name": name}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        body["data"]["id"].as_str().expect("id").to_string()
    }

    pub async fn create_folder(&self, parent: &str, name: &str) -> String {
        let path = if self.is_workspace(parent).await {
            format!("/workspaces/{parent}/folders")
        } else {
            format!("/folders/{parent}/subfolders")
        };
        let (s, body) = self.post(&self.lib(&path), json!({"name": name})).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        body["data"]["id"].as_str().expect("id").to_string()
    }

    async fn is_workspace(&self, id: &str) -> bool {
        self.get(&self.lib(&format!("/workspaces/{id}")))
            .await
            .status()
            == StatusCode::OK
    }

    /// A workspace with one folder, for tests that only need somewhere to file.
    pub async fn folder(&self) -> String {
        let ws = self.create_workspace("Matter").await;
        self.create_folder(&ws, "Documents").await
    }

    pub fn upload_form(profile: Value, file_name: &str, bytes: Vec<u8>) -> Form {
        Form::new()
            .part(
                "profile",
                Part::text(profile.to_string())
                    .mime_str("application/json")
                    .expect("mime"),
            )
            .part("file", Part::bytes(bytes).file_name(file_name.to_string()))
    }

    pub async fn upload_raw(&self, folder: &str, form: Form) -> (StatusCode, Value) {
        let r = self
            .req(
                Method::POST,
                &self.lib(&format!("/folders/{folder}/documents")),
            )
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Uploads a document and returns its profile.
    pub async fn upload(
        &self,
        folder: &str,
        file_name: &str,
        bytes: &[u8],
        doc_profile: Value,
    ) -> Value {
        let (s, body) = self
            .upload_raw(
                folder,
                Self::upload_form(
                    json!({"doc_profile": doc_profile}),
                    file_name,
                    bytes.to_vec(),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        body["data"].clone()
    }

    pub async fn new_version(
        &self,
        doc: &str,
        file_name: &str,
        bytes: &[u8],
        profile: Value,
    ) -> (StatusCode, Value) {
        let form = Self::upload_form(profile, file_name, bytes.to_vec());
        let r = self
            .req(
                Method::POST,
                &self.lib(&format!("/documents/{doc}/versions")),
            )
            .multipart(form)
            .send()
            .await
            .expect("version");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Number of files under the content directory's blobs (local content store only).
    pub fn blob_files(&self) -> Option<usize> {
        let root = self.content_dir.as_ref()?.join("blobs");
        Some(walk(&root).len())
    }

    pub fn staging_files(&self) -> Option<usize> {
        let root = self.content_dir.as_ref()?.join("staging");
        Some(walk(&root).len())
    }
}

pub fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

async fn drop_postgres(base: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut conn) =
        sqlx::PgConnection::connect(&format!("{}/postgres", base.trim_end_matches('/'))).await
    {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
    }
}

/// Asserts an iManage error envelope with this status, and returns its `code`.
pub fn assert_error(status: StatusCode, body: &Value, expected: StatusCode) -> String {
    assert_eq!(status, expected, "unexpected status; body: {body}");
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error envelope in {body}"));
    assert!(
        body["error"]["code_message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "empty message in {body}"
    );
    code.to_string()
}

/// The `field` of the first message of an error envelope.
pub fn error_field(body: &Value) -> String {
    body["error"]["messages"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The Python interpreter that has the real client libraries of
/// `tests/clients/requirements.txt` (OAuth/OIDC, SCIM), from `DOSSIER_TEST_PYTHON`. The
/// tests that need it are `#[ignore]`d with the reason, so a plain `cargo test` shows them
/// as ignored, never as passed; `.ci/run` installs the libraries and runs them with
/// `-- --include-ignored`. A test that asks for the interpreter was asked for explicitly,
/// so a missing one is a failure.
pub fn client_python() -> String {
    match std::env::var("DOSSIER_TEST_PYTHON") {
        Ok(p) if !p.is_empty() => p,
        _ => panic!(
            "DOSSIER_TEST_PYTHON is not set: install tests/clients/requirements.txt into a virtualenv and point it at that Python (.ci/run does)"
        ),
    }
}

/// Runs `tests/clients/<script>` with the client Python and these arguments; panics with
/// its output unless it exits 0.
pub fn run_client_script(python: &str, script: &str, args: &[&str]) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(script);
    let out = std::process::Command::new(python)
        .arg(&path)
        .args(args)
        .output()
        .expect("the client python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{script} failed:\n{stdout}\n{stderr}");
    stdout
}

//! The integrations of the source documents replayed as their clients would, through HTTP
//! only: Actionstep opening a workspace per matter (seed 004) and Paragon's connected app
//! sending a Work API request (seed 000). The v1 user-API scenarios of seed 003 are in
//! `users_v1`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::oauth::{REDIRECT, register, sign_in_through_pages, token};

/// An integration's HTTP client: a bearer token and the library it was pointed at.
struct Client<'a> {
    s: &'a TestServer,
    token: String,
    library: String,
}

impl Client<'_> {
    fn url(&self, path: &str) -> String {
        format!(
            "{}/work/api/v2/customers/1/libraries/{}{path}",
            self.s.base, self.library
        )
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut r = self
            .s
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.expect("request");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let (st, b) = self.send(Method::GET, path, None, None).await;
        assert_eq!(st, StatusCode::OK, "GET {path}: {b}");
        b
    }

    /// A creating call whose first answer is lost (the client timed out) and which the
    /// client sends again with the same key: one object, the same answer.
    async fn create_retried(&self, path: &str, body: Value, key: &str) -> Value {
        let (st, first) = self
            .send(Method::POST, path, Some(body.clone()), Some(key))
            .await;
        assert_eq!(st, StatusCode::CREATED, "POST {path}: {first}");
        let (st, again) = self.send(Method::POST, path, Some(body), Some(key)).await;
        assert_eq!(st, StatusCode::CREATED, "retried POST {path}: {again}");
        assert_eq!(
            again["data"]["id"], first["data"]["id"],
            "the retry answers the first object"
        );
        first["data"].clone()
    }

    async fn upload_retried(&self, folder: &str, name: &str, bytes: &[u8], key: &str) -> Value {
        let boundary = "actionstep-generated-document";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"profile\"\r\nContent-Type: application/json\r\n\r\n\
             {{\"doc_profile\": {{\"name\": \"{name}\", \"custom1\": \"ACME\", \"custom2\": \"0042\"}}}}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut answers = vec![];
        for _ in 0..2 {
            let r = self
                .s
                .http
                .post(self.url(&format!("/folders/{folder}/documents")))
                .bearer_auth(&self.token)
                .header("Idempotency-Key", key)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            answers.push(r.json::<Value>().await.unwrap()["data"].clone());
        }
        assert_eq!(answers[0]["id"], answers[1]["id"]);
        answers.remove(0)
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

fn names(list: &Value) -> Vec<String> {
    let items = list["data"]
        .as_array()
        .or_else(|| list["data"]["results"].as_array())
        .expect("a list");
    let mut out: Vec<String> = items
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// A call of the administrator's that must succeed.
async fn admin(s: &TestServer, method: Method, path: &str, body: Value) -> Value {
    let (st, b) = s.send_json(method, &s.lib(path), body).await;
    assert!(st.is_success(), "{path}: {st} {b}");
    b
}

/// What the firm's iManage administrator does before Actionstep connects: lookups, field
/// captions, templates per matter type, how matters close — in the production library —
/// and then an isolated library for the trial, with the integration's user in it.
async fn firm_sets_up(s: &TestServer) {
    admin(
        s,
        Method::POST,
        "/customs/custom1",
        json!({"id": "ACME", "description": "Acme Corp"}),
    )
    .await;
    admin(
        s,
        Method::POST,
        "/customs/custom2",
        json!({"id": "0042", "description": "Acme v Widgets", "parent": {"id": "ACME"}}),
    )
    .await;
    admin(
        s,
        Method::POST,
        "/customs/custom2",
        json!({"id": "0043", "description": "Acme lease", "parent": {"id": "ACME"}}),
    )
    .await;
    for t in ["LITIGATION", "CONVEYANCING"] {
        admin(s, Method::POST, "/customs/custom3", json!({"id": t})).await;
    }
    for s4 in ["OPEN", "CLOSED"] {
        admin(s, Method::POST, "/customs/custom4", json!({"id": s4})).await;
    }
    for (field, label) in [
        ("custom1", "Client ID"),
        ("custom2", "Matter ID"),
        ("custom3", "Matter Type"),
        ("custom4", "Status"),
        ("custom13", "Matter Title"),
        ("custom14", "File Reference"),
        ("custom15", "Assigned To"),
        ("custom16", "Priority"),
    ] {
        admin(
            s,
            Method::PATCH,
            &format!("/captions/{field}"),
            json!({"label": label}),
        )
        .await;
    }
    let litigation = id(&admin(
        s,
        Method::POST,
        "/templates",
        json!({"name": "Litigation matter", "default_security": "private"}),
    )
    .await["data"]);
    for f in ["Pleadings", "Correspondence", "Evidence"] {
        admin(
            s,
            Method::POST,
            &format!("/workspaces/{litigation}/folders"),
            json!({"name": f, "required": true}),
        )
        .await;
    }
    let general = id(&admin(
        s,
        Method::POST,
        "/templates",
        json!({"name": "General matter", "default_security": "private"}),
    )
    .await["data"]);
    admin(
        s,
        Method::POST,
        &format!("/workspaces/{general}/folders"),
        json!({"name": "Correspondence"}),
    )
    .await;
    admin(
        s,
        Method::PUT,
        "/matter-settings",
        json!({"matter_type_field": "custom3", "templates": {"LITIGATION": litigation}, "default_template": general}),
    )
    .await;
    admin(
        s,
        Method::PUT,
        "/closing-settings",
        json!({"prefix": "Closed – ", "status_field": "custom4", "closed_value": "CLOSED", "open_value": "OPEN"}),
    )
    .await;
    // Option 2 of the seed: an isolated library for the trial.
    let admin_scoped = s
        .login_scoped("admin", crate::harness::ADMIN_PASSWORD, "user admin")
        .await;
    let (st, b) = s
        .send_json_as(
            &admin_scoped,
            Method::POST,
            &s.lib("/sandbox"),
            json!({"id": "ASTEST", "description": "Actionstep trial"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = s
        .send_json_as(
            &admin_scoped,
            Method::POST,
            &format!("{}/work/api/v2/customers/1/users", s.base),
            json!({"id": "ACTIONSTEP", "password": "actionstep-service-1", "full_name": "Actionstep service", "libraries": ["ACTIVE", "ASTEST"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
}

#[tokio::test]
async fn actionstep_opens_files_and_closes_matters_from_templates_without_doing_anything_twice() {
    let s = TestServer::start().await;
    firm_sets_up(&s).await;

    // "Add Application" in the Control Center, then "Connect with iManage": the
    // authorization-code flow with the platform's redirect URI and the app's secret.
    let app = register(
        &s,
        json!({"name": "Actionstep", "client_type": "confidential", "redirect_uris": [REDIRECT],
               "grants": ["authorization_code", "refresh_token"], "scopes": ["user"]}),
    )
    .await;
    let client_id = id(&json!({"id": app["client_id"]}));
    let secret = app["client_secret"]
        .as_str()
        .expect("a confidential app's secret")
        .to_string();
    let (params, _) = sign_in_through_pages(
        &s,
        "/auth/oauth2/authorize",
        &client_id,
        &[("scope", "user"), ("state", "actionstep")],
        "actionstep",
        "actionstep-service-1",
    )
    .await;
    assert_eq!(params["state"], "actionstep");
    let (st, tokens) = token(
        &s,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("code", &params["code"]),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{tokens}");
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    let mut client = Client {
        s: &s,
        token: tokens["access_token"].as_str().unwrap().to_string(),
        library: String::new(),
    };

    // The "iManage Library" drop-down: the libraries the user may use.
    let r = s
        .http
        .get(format!("{}/work/api/v2/customers/1/libraries", s.base))
        .bearer_auth(&client.token)
        .send()
        .await
        .unwrap();
    let libraries: Value = r.json().await.unwrap();
    let ids: Vec<&str> = libraries["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"ASTEST"), "{libraries}");
    client.library = "ASTEST".into();

    // Metadata mapping: the field captions; template mapping: the templates.
    let captions = client.get("/captions").await;
    let caption_of = |label: &str| {
        captions["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["label"] == label)
            .map(|c| c["id"].as_str().unwrap().to_string())
    };
    assert_eq!(
        caption_of("Matter Type").as_deref(),
        Some("custom3"),
        "{captions}"
    );
    assert_eq!(caption_of("File Reference").as_deref(), Some("custom14"));
    let templates = client.get("/templates").await;
    assert_eq!(
        names(&templates),
        vec!["General matter", "Litigation matter"]
    );

    // A new matter of a mapped type, owned by the connected user, its fields mapped.
    let matter = client
        .create_retried(
            "/workspaces",
            json!({"name": "Acme v Widgets", "owner": "ACTIONSTEP", "custom1": "ACME", "custom2": "0042",
                   "custom3": "LITIGATION", "custom4": "OPEN", "custom13": "Acme v Widgets Ltd",
                   "custom14": "AS-2026-0042", "custom15": "J. Doe", "custom16": "High"}),
            "actionstep-matter-0042",
        )
        .await;
    let w = id(&matter);
    assert_eq!(matter["custom14"], "AS-2026-0042");
    assert_eq!(
        names(&client.get(&format!("/workspaces/{w}/children")).await),
        vec!["Correspondence", "Evidence", "Pleadings"]
    );
    // One of an unmapped type opens with the default template.
    let lease = client
        .create_retried(
            "/workspaces",
            json!({"name": "Acme lease", "custom1": "ACME", "custom2": "0043", "custom3": "CONVEYANCING", "custom4": "OPEN"}),
            "actionstep-matter-0043",
        )
        .await;
    assert_eq!(
        names(
            &client
                .get(&format!("/workspaces/{}/children", id(&lease)))
                .await
        ),
        vec!["Correspondence"]
    );

    // "Actionstep Documents" and its document-type destination folder; a generated invoice.
    let docs = client
        .create_retried(
            &format!("/workspaces/{w}/folders"),
            json!({"name": "Actionstep Documents"}),
            "actionstep-docs-0042",
        )
        .await;
    let invoices = client
        .create_retried(
            &format!("/folders/{}/subfolders", id(&docs)),
            json!({"name": "Invoices"}),
            "actionstep-invoices-0042",
        )
        .await;
    let invoice = client
        .upload_retried(
            &id(&invoices),
            "Invoice 1001",
            b"%PDF-1.4 invoice 1001",
            "actionstep-invoice-1001",
        )
        .await;
    assert_eq!(invoice["name"], "Invoice 1001");
    let filed = client
        .get(&format!("/folders/{}/documents", id(&invoices)))
        .await;
    assert_eq!(
        names(&filed),
        vec!["Invoice 1001"],
        "the retried upload filed one document"
    );
    let matters = client.get("/workspaces").await;
    assert_eq!(
        names(&matters),
        vec!["Acme lease", "Acme v Widgets"],
        "the retried creates made nothing twice"
    );

    // The matter closes in Actionstep: renamed with the prefix, its status closed; and
    // re-opens.
    let (st, closed) = client
        .send(
            Method::POST,
            &format!("/workspaces/{w}/close"),
            Some(json!({})),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{closed}");
    assert_eq!(closed["data"]["name"], "Closed – Acme v Widgets");
    assert_eq!(closed["data"]["custom4"], "CLOSED");
    // A closed matter stays searchable, under its new name.
    s.wait_for_index().await;
    let found = client.get("/workspaces?anywhere=closed").await;
    assert_eq!(names(&found), vec!["Closed – Acme v Widgets"]);
    let (st, open) = client
        .send(
            Method::POST,
            &format!("/workspaces/{w}/reopen"),
            Some(json!({})),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{open}");
    assert_eq!(open["data"]["name"], "Acme v Widgets");
    assert_eq!(open["data"]["custom4"], "OPEN");

    // Production was not touched by the trial.
    let production = s.get_json(&s.lib("/workspaces")).await;
    assert!(names(&production).is_empty(), "{production}");
}

#[tokio::test]
async fn paragon_connects_an_app_and_creates_its_example_subfolder() {
    let s = TestServer::start().await;
    let admin_scoped = s
        .login_scoped("admin", crate::harness::ADMIN_PASSWORD, "user admin")
        .await;
    for (id, password) in [
        ("CPIERCE", "cpierce-password-1"),
        ("PARAGONUSER", "paragon-password-1"),
    ] {
        let (st, b) = s
            .send_json_as(
                &admin_scoped,
                Method::POST,
                &format!("{}/work/api/v2/customers/1/users", s.base),
                json!({"id": id, "password": password, "libraries": ["ACTIVE"]}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    let (st, b) = s
        .post(
            &s.lib("/customs/custom1"),
            json!({"id": "001", "description": "Microsoft"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let ws = s.create_workspace("HR").await;
    // The user's folder, which Paragon's user may change.
    let (st, f) = s
        .post(
            &s.lib(&format!("/workspaces/{ws}/folders")),
            json!({"name": "Contracts", "default_security": "private",
                   "user_trustees": [{"id": "PARAGONUSER", "access_level": "full_access"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{f}");
    let folder = id(&f["data"]);

    // Client key, client secret and the scopes requested; the user connects.
    let app = register(
        &s,
        json!({"name": "Paragon Connect", "client_type": "confidential", "redirect_uris": [REDIRECT],
               "grants": ["authorization_code", "refresh_token"], "scopes": ["user"]}),
    )
    .await;
    let client_id = app["client_id"].as_str().unwrap().to_string();
    let secret = app["client_secret"].as_str().unwrap().to_string();
    let (params, _) = sign_in_through_pages(
        &s,
        "/auth/oauth2/authorize",
        &client_id,
        &[("scope", "user")],
        "paragonuser",
        "paragon-password-1",
    )
    .await;
    let (st, tokens) = token(
        &s,
        &[
            ("grant_type", "authorization_code"),
            ("code", &params["code"]),
            ("redirect_uri", REDIRECT),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{tokens}");
    let bearer = tokens["access_token"].as_str().unwrap().to_string();
    let request = |method: Method, path: String, body: Option<Value>| {
        let mut r = s
            .http
            .request(method, format!("{}{path}", s.base))
            .bearer_auth(&bearer);
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            let r = r.send().await.unwrap();
            let st = r.status();
            (st, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // "Get library folders", with the prefix as the SDK example writes it.
    let (st, listed) = request(
        Method::GET,
        "/work/api/v2/customers/1/libraries/ACTIVE/folders".into(),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{listed}");
    assert!(listed.to_string().contains(&folder), "{listed}");
    // "Create a library folder", without the prefix, the example's body word for word.
    let (st, made) = request(
        Method::POST,
        format!("/customers/1/libraries/ACTIVE/folders/{folder}/subfolders"),
        Some(json!({
            "name": "Employee Agreements",
            "default_security": "inherit",
            "description": "Contract documents",
            "profile": {"custom1": "001", "custom1_description": "Microsoft"},
            "group_trustees": [],
            "user_trustees": [{"id": "CPIERCE", "access_level": "read_write"}]
        })),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    let sub = id(&made["data"]);
    // Read back.
    let (st, got) = request(
        Method::GET,
        format!("/customers/1/libraries/ACTIVE/folders/{sub}"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{got}");
    assert_eq!(got["data"]["name"], "Employee Agreements");
    assert_eq!(got["data"]["description"], "Contract documents");
    assert_eq!(got["data"]["parent_id"], folder);
    assert_eq!(got["data"]["profile"]["custom1"], "001");
    let (st, sec) = request(
        Method::GET,
        format!("/customers/1/libraries/ACTIVE/folders/{sub}/security"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{sec}");
    // "inherit" with trustees of its own: the parent's default security, and the trustees
    // named (the creator reads it as its owner).
    assert_eq!(sec["default_security"], "private", "{sec}");
    assert_eq!(
        sec["data"],
        json!([{"access": 2, "access_level": "read_write", "id": "CPIERCE", "type": "user"}])
    );
}

//! Work API paths as integration platforms send them: Paragon's example request names
//! `/customers/{c}/libraries/{l}/…` without `/work/api/v2`, and is answered as the
//! prefixed path is; the other surfaces keep their own paths.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error};

const L: &str = "/customers/1/libraries/ACTIVE";

async fn call(
    s: &TestServer,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = s
        .http
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(&s.token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn paragons_subfolder_request_without_the_prefix_is_answered_like_the_prefixed_one() {
    let s = TestServer::start().await;
    let (st, b) = call(
        &s,
        Method::POST,
        &format!("{L}/customs/custom1"),
        Some(json!({"id": "001", "description": "Microsoft"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let admin = s
        .login_scoped("admin", crate::harness::ADMIN_PASSWORD, "user admin")
        .await;
    let (st, b) = s
        .send_json_as(
            &admin,
            Method::POST,
            &format!("{}/customers/1/users", s.base),
            json!({"id": "CPIERCE", "libraries": ["ACTIVE"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let ws = s.create_workspace("Employment").await;
    // The example's body, word for word, sent as Paragon does and, into a twin parent,
    // with the prefix: the two folders come out alike.
    let body = json!({
        "name": "Employee Agreements",
        "default_security": "inherit",
        "description": "Contract documents",
        "profile": {"custom1": "001", "custom1_description": "Microsoft"},
        "group_trustees": [],
        "user_trustees": [{"id": "CPIERCE", "access_level": "read_write"}]
    });
    let mut made = Vec::new();
    for (parent_name, prefix) in [("HR", ""), ("HR twin", "/work/api/v2")] {
        let parent = s.create_folder(&ws, parent_name).await;
        let (st, created) = call(
            &s,
            Method::POST,
            &format!("{prefix}{L}/folders/{parent}/subfolders"),
            Some(body.clone()),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{created}");
        let id = created["data"]["id"].as_str().unwrap().to_string();
        // Read back without the prefix.
        let (st, folder) = call(&s, Method::GET, &format!("{L}/folders/{id}"), None).await;
        assert_eq!(st, StatusCode::OK, "{folder}");
        assert_eq!(folder, s.get_json(&s.lib(&format!("/folders/{id}"))).await);
        let (st, sec) = call(&s, Method::GET, &format!("{L}/folders/{id}/security"), None).await;
        assert_eq!(st, StatusCode::OK, "{sec}");
        made.push((parent, id, folder["data"].clone(), sec["data"].clone()));
    }
    let (parent, id, f, sec) = &made[0];
    let (_, _, twin, twin_sec) = &made[1];
    assert_eq!(f["name"], "Employee Agreements");
    assert_eq!(f["description"], "Contract documents");
    assert_eq!(f["parent_id"], parent.as_str());
    for field in ["name", "description", "default_security", "owner", "wstype"] {
        assert_eq!(f[field], twin[field], "{field}: {f} / {twin}");
    }
    assert_eq!(sec, twin_sec);
    assert!(
        sec.to_string().contains("CPIERCE") && sec.to_string().contains("read_write"),
        "the user trustee: {sec}"
    );
    let id = id.clone();
    // The folder's default profile carries custom1 for documents filed in it.
    let doc = s.upload(&id, "agreement.txt", b"terms", json!({})).await;
    assert_eq!(doc["custom1"], "001", "{doc}");
    // The listing of Paragon's other example, both ways.
    let (st, listed) = call(
        &s,
        Method::GET,
        &format!("{L}/folders?name=Employee*"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{listed}");
    s.stop().await;
}

#[tokio::test]
async fn the_unprefixed_alias_shadows_no_other_surface() {
    let s = TestServer::start().await;
    // Discovery, the v1 user API, SCIM and OAuth answer as before.
    let (st, d) = call(&s, Method::GET, "/api", None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(d["data"]["user"].is_object(), "{d}");
    let (st, u) = call(&s, Method::GET, "/api/v1/customers/ACTIVE/users", None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(u["data"].is_array() && u["total_results"].is_i64(), "{u}");
    let (st, _) = call(&s, Method::GET, "/scim/v2/ServiceProviderConfig", None).await;
    assert_ne!(st, StatusCode::NOT_FOUND);
    let r = s
        .http
        .post(format!("{}/auth/oauth2/token", s.base))
        .form(&[("grant_type", "nonsense")])
        .send()
        .await
        .unwrap();
    let st = r.status();
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    // Unknown paths are still the envelope's 404, prefixed or not.
    for path in [
        "/customers/1/nothing-here",
        "/nothing-here",
        "/work/api/v2/customers/1/nothing-here",
    ] {
        let (st, e) = call(&s, Method::GET, path, None).await;
        assert_error(st, &e, StatusCode::NOT_FOUND);
    }
    s.stop().await;
}

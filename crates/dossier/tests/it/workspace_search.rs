//! Workspace and folder searches in the search index: every parameter, the envelopes, the
//! customer-level search, trimming in results, totals and facets, freshness after renames,
//! re-securing and deletion, and bad input.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error};

fn q(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn get(s: &TestServer, token: &str, url: &str) -> (StatusCode, Value) {
    let r = s
        .http
        .get(url)
        .header("X-Auth-Token", token)
        .send()
        .await
        .expect("search");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Names of a list, sorted, from `data.results` or a bare `data` array.
fn names(body: &Value) -> Vec<String> {
    let list = body["data"]["results"]
        .as_array()
        .or_else(|| body["data"].as_array())
        .cloned()
        .unwrap_or_default();
    let mut n: Vec<String> = list
        .iter()
        .map(|d| d["name"].as_str().unwrap_or_default().to_string())
        .collect();
    n.sort();
    n
}

/// Names in the order returned.
fn ordered(body: &Value) -> Vec<String> {
    body["data"]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| d["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn workspaces(s: &TestServer, token: &str, query: &str) -> Vec<String> {
    let (st, body) = get(s, token, &s.lib(&format!("/workspaces?{query}&limit=100"))).await;
    assert_eq!(st, StatusCode::OK, "{query}: {body}");
    names(&body)
}

async fn workspace(s: &TestServer, body: Value) -> String {
    let (st, b) = s.post(&s.lib("/workspaces"), body).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    b["data"]["id"].as_str().expect("id").to_string()
}

async fn lookups(s: &TestServer) {
    for (client, description) in [("ACME", "Acme Holdings"), ("GLOBEX", "Globex Corp")] {
        let (st, b) = s
            .post(
                &s.lib("/customs/custom1"),
                json!({"id": client, "description": description}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
}

#[tokio::test]
async fn workspaces_are_found_by_text_profile_dates_and_file_target() {
    let s = TestServer::start().await;
    lookups(&s).await;
    workspace(
        &s,
        json!({"name": "Acme merger", "description": "Share purchase of the widget division",
               "custom1": "ACME", "custom13": "bluebird", "custom17": 10}),
    )
    .await;
    workspace(
        &s,
        json!({"name": "Acme lease", "description": "Office premises in London",
               "custom1": "ACME", "custom17": 20}),
    )
    .await;
    workspace(
        &s,
        json!({"name": "Globex arbitration", "description": "Arbitrations about widgets",
               "custom1": "GLOBEX", "custom17": 30}),
    )
    .await;
    s.wait_for_index().await;
    let t = s.token.clone();
    // The query language: AND by default, phrases, OR, exclusion, prefixes, fields.
    assert_eq!(
        workspaces(&s, &t, "anywhere=acme").await,
        ["Acme lease", "Acme merger"]
    );
    assert_eq!(
        workspaces(&s, &t, "anywhere=acme%20merger").await,
        ["Acme merger"]
    );
    assert_eq!(
        workspaces(&s, &t, &format!("anywhere={}", q("\"share purchase\""))).await,
        ["Acme merger"]
    );
    assert!(
        workspaces(&s, &t, &format!("anywhere={}", q("\"purchase share\"")))
            .await
            .is_empty()
    );
    assert_eq!(
        workspaces(&s, &t, &format!("anywhere={}", q("lease OR arbitration"))).await,
        ["Acme lease", "Globex arbitration"]
    );
    assert_eq!(
        workspaces(&s, &t, &format!("anywhere={}", q("widget -merger"))).await,
        ["Globex arbitration"]
    );
    assert_eq!(
        workspaces(&s, &t, &format!("anywhere={}", q("arbitrat*"))).await,
        ["Globex arbitration"]
    );
    assert_eq!(
        workspaces(&s, &t, &format!("anywhere={}", q("custom1:globex"))).await,
        ["Globex arbitration"]
    );
    assert_eq!(
        workspaces(&s, &t, &format!("anywhere={}", q("name:lease"))).await,
        ["Acme lease"]
    );
    // Text custom fields and lookup descriptions are profile words.
    assert_eq!(
        workspaces(&s, &t, "anywhere=bluebird").await,
        ["Acme merger"]
    );
    assert_eq!(
        workspaces(&s, &t, "anywhere=holdings").await,
        ["Acme lease", "Acme merger"]
    );
    // Profile filters beside the text.
    assert_eq!(
        workspaces(&s, &t, "anywhere=widget&custom1=acme").await,
        ["Acme merger"]
    );
    assert_eq!(
        workspaces(&s, &t, "anywhere=acme&name=acme%20LEASE").await,
        ["Acme lease"]
    );
    assert_eq!(
        workspaces(&s, &t, "anywhere=acme&name_or_description=*merg*").await,
        ["Acme merger"]
    );
    assert_eq!(
        workspaces(&s, &t, "anywhere=acme&description=premises").await,
        ["Acme lease"]
    );
    assert_eq!(
        workspaces(&s, &t, "anywhere=acme&owner=ADM*").await,
        ["Acme lease", "Acme merger"]
    );
    assert!(
        workspaces(&s, &t, "anywhere=acme&owner=nobody")
            .await
            .is_empty()
    );
    // Typed ranges and dates go to the index on their own.
    assert_eq!(
        workspaces(&s, &t, "custom17_from=15&custom17_to=30").await,
        ["Acme lease", "Globex arbitration"]
    );
    assert_eq!(
        workspaces(&s, &t, "create_date_from=2000-01-01T00:00:00Z")
            .await
            .len(),
        3
    );
    assert!(
        workspaces(&s, &t, "edit_date_to=2000-01-01T00:00:00Z")
            .await
            .is_empty()
    );
    // file_target: the client (custom1/2/29/30) or the name.
    assert_eq!(
        workspaces(&s, &t, "file_target=globex").await,
        ["Globex arbitration"]
    );
    assert_eq!(
        workspaces(&s, &t, "file_target=lease").await,
        ["Acme lease"]
    );
    // Pure profile searches stay on the database path and answer the same.
    assert_eq!(
        workspaces(&s, &t, "name_or_description=*merg*").await,
        ["Acme merger"]
    );
    s.stop().await;
}

#[tokio::test]
async fn workspace_search_pages_sorts_scores_facets_and_keeps_its_envelopes() {
    let s = TestServer::start().await;
    lookups(&s).await;
    for (name, client) in [
        ("Alpha deal", "ACME"),
        ("Bravo deal", "ACME"),
        ("Charlie deal", "GLOBEX"),
        ("Delta deal", "ACME"),
    ] {
        workspace(&s, json!({"name": name, "custom1": client})).await;
    }
    s.wait_for_index().await;
    let t = s.token.clone();
    let (st, body) = get(
        &s,
        &t,
        &s.lib(
            "/workspaces?anywhere=deal&sort_by=name&sort_order=desc&limit=2&offset=1&total=true",
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(ordered(&body), ["Charlie deal", "Bravo deal"]);
    assert_eq!(body["total_count"], 4);
    assert!(body["data"]["results"][0]["score"].is_number(), "{body}");
    assert_eq!(body["data"]["results"][0]["wstype"], "workspace");
    // Relevance order scores the hits.
    let (_, body) = get(&s, &t, &s.lib("/workspaces?anywhere=deal%20OR%20alpha")).await;
    assert_eq!(ordered(&body)[0], "Alpha deal", "{body}");
    assert!(body["data"]["results"][0]["score"].as_f64().unwrap_or(0.0) > 0.0);
    // Cursor paging walks every hit once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            None => s.lib("/workspaces?anywhere=deal&paging_mode=standard_cursor&limit=3"),
            Some(c) => s.lib(&format!(
                "/workspaces?anywhere=deal&paging_mode=standard_cursor&limit=3&cursor={c}"
            )),
        };
        let (st, body) = get(&s, &t, &url).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        seen.extend(ordered(&body));
        match body["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        ["Alpha deal", "Bravo deal", "Charlie deal", "Delta deal"]
    );
    // Facets with results=false.
    let (st, body) = get(
        &s,
        &t,
        &s.lib("/workspaces?anywhere=deal&facets=custom1&results=false&total=true"),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(body["data"].get("results").is_none(), "{body}");
    assert_eq!(body["total_count"], 4);
    assert_eq!(
        body["data"]["facets"]["custom1"],
        json!([
            {"alias": "ACME", "count": 3, "description": "Acme Holdings"},
            {"alias": "GLOBEX", "count": 1, "description": "Globex Corp"}
        ])
    );
    // POST and the Work 10 GET form.
    let (st, body) = s
        .post(
            &s.lib("/workspaces/search"),
            json!({"filters": {"anywhere": "deal", "custom1": "GLOBEX"}, "limit": 10}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(names(&body), ["Charlie deal"]);
    assert_eq!(body["overflow"], false);
    let (_, body) = s
        .post(
            &s.lib("/workspaces/search"),
            json!({"filters": {"anywhere": "deal"}, "limit": 2}),
        )
        .await;
    assert_eq!(body["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["overflow"], true);
    let (st, body) = get(&s, &t, &s.lib("/workspaces/search?anywhere=alpha")).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(names(&body), ["Alpha deal"]);
    // Customer level, with and without libraries=.
    let v2 = format!("{}/work/api/v2/customers/1", s.base);
    let (st, body) = get(
        &s,
        &t,
        &format!("{v2}/workspaces?libraries=ACTIVE&anywhere=bravo&total=true"),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(names(&body), ["Bravo deal"]);
    assert_eq!(body["total_count"], 1);
    let (_, body) = get(&s, &t, &format!("{v2}/workspaces?name=delta%20deal")).await;
    assert_eq!(names(&body), ["Delta deal"]);
    let (st, body) = s
        .post(
            &format!("{v2}/workspaces/search"),
            json!({"filters": {"libraries": "ACTIVE", "anywhere": "charlie"}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(names(&body), ["Charlie deal"]);
    let (st, body) = get(
        &s,
        &t,
        &format!("{v2}/workspaces?libraries=NOSUCH&anywhere=x"),
    )
    .await;
    assert!(st.is_client_error(), "{body}");
    assert!(body["error"]["code"].is_string(), "{body}");
    s.stop().await;
}

#[tokio::test]
async fn folders_tabs_and_search_folders_are_searched_as_folders() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Matter").await;
    let other = s.create_workspace("Other matter").await;
    let pleadings = s.create_folder(&ws, "Pleadings and orders").await;
    s.create_folder(&pleadings, "Draft pleadings").await;
    s.create_folder(&other, "Pleadings elsewhere").await;
    let (st, b) = s
        .post(
            &s.lib(&format!("/workspaces/{ws}/tabs")),
            json!({"name": "Correspondence tab", "description": "letters"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    s.wait_for_index().await;
    let t = s.token.clone();
    let (st, body) = get(
        &s,
        &t,
        &s.lib("/folders/search?anywhere=pleadings&total=true"),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        names(&body),
        [
            "Draft pleadings",
            "Pleadings and orders",
            "Pleadings elsewhere"
        ]
    );
    assert_eq!(body["total_count"], 3);
    // No workspace among folders, no folder among workspaces.
    assert!(workspaces(&s, &t, "anywhere=pleadings").await.is_empty());
    let (_, body) = get(&s, &t, &s.lib("/folders/search?anywhere=matter")).await;
    assert!(names(&body).is_empty(), "{body}");
    // container_id: direct children.
    let (_, body) = get(
        &s,
        &t,
        &s.lib(&format!(
            "/folders/search?anywhere=pleadings&container_id={ws}"
        )),
    )
    .await;
    assert_eq!(names(&body), ["Pleadings and orders"]);
    // Tabs are folders; the bare-list GET keeps its envelope.
    let (st, body) = get(&s, &t, &s.lib("/folders?anywhere=letters")).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(body["data"].is_array(), "{body}");
    assert_eq!(names(&body), ["Correspondence tab"]);
    let (st, body) = s
        .post(
            &s.lib("/folders/search"),
            json!({"filters": {"anywhere": "draft OR orders"}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(names(&body), ["Draft pleadings", "Pleadings and orders"]);
    assert_eq!(body["overflow"], false);
    s.stop().await;
}

#[tokio::test]
async fn unreadable_workspaces_are_never_found_nor_counted_and_changes_follow() {
    let s = TestServer::start().await;
    lookups(&s).await;
    let admin = s
        .login_scoped("admin", crate::harness::ADMIN_PASSWORD, "admin")
        .await;
    let r = s
        .http
        .post(format!("{}/work/api/v2/customers/1/users", s.base))
        .header("X-Auth-Token", &admin)
        .json(&json!({"id": "CLERK", "full_name": "A Clerk", "password": "clerk-password-1", "libraries": ["ACTIVE"]}))
        .send()
        .await
        .expect("create user");
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let clerk = s.login("CLERK", "clerk-password-1").await;
    let secret = workspace(
        &s,
        json!({"name": "Kingfisher secret", "custom1": "ACME", "default_security": "private"}),
    )
    .await;
    workspace(
        &s,
        json!({"name": "Kingfisher open", "custom1": "GLOBEX", "default_security": "public"}),
    )
    .await;
    let folder = s.create_folder(&secret, "Kingfisher papers").await;
    s.wait_for_index().await;
    let query = "anywhere=kingfisher&total=true&facets=custom1";
    let (_, body) = get(&s, &clerk, &s.lib(&format!("/workspaces?{query}"))).await;
    assert_eq!(names(&body), ["Kingfisher open"], "{body}");
    assert_eq!(body["total_count"], 1);
    assert_eq!(
        body["data"]["facets"]["custom1"],
        json!([{"alias": "GLOBEX", "count": 1, "description": "Globex Corp"}])
    );
    let (_, body) = get(
        &s,
        &clerk,
        &s.lib("/folders/search?anywhere=kingfisher&total=true"),
    )
    .await;
    assert!(names(&body).is_empty(), "{body}");
    assert_eq!(body["total_count"], 0);
    // The owner sees both.
    assert_eq!(
        workspaces(&s, &s.token, "anywhere=kingfisher").await,
        ["Kingfisher open", "Kingfisher secret"]
    );

    // Granted read: visible at once (the ACL key did not change, only who is on it).
    let (st, b) = s
        .send_json(
            Method::POST,
            &s.lib(&format!("/workspaces/{secret}/security")),
            json!({"include": [{"id": "CLERK", "type": "user", "access_level": "read"}]}),
        )
        .await;
    assert!(st.is_success(), "{b}");
    let (_, body) = get(&s, &clerk, &s.lib(&format!("/workspaces?{query}"))).await;
    assert_eq!(
        names(&body),
        ["Kingfisher open", "Kingfisher secret"],
        "{body}"
    );
    assert_eq!(body["total_count"], 2);
    let (_, body) = get(&s, &clerk, &s.lib("/folders/search?anywhere=kingfisher")).await;
    assert_eq!(names(&body), ["Kingfisher papers"], "{body}");

    // Renamed: the new name is found, the old one is not.
    let (st, b) = s
        .patch(
            &s.lib(&format!("/workspaces/{secret}")),
            json!({"name": "Heron secret"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    s.wait_for_index().await;
    assert_eq!(
        workspaces(&s, &clerk, "anywhere=heron").await,
        ["Heron secret"]
    );
    assert_eq!(
        workspaces(&s, &clerk, "anywhere=kingfisher").await,
        ["Kingfisher open"]
    );

    // The folder re-secured to private (its own ACL): gone for the clerk, in the total too.
    let (st, b) = s
        .patch(
            &s.lib(&format!("/folders/{folder}")),
            json!({"default_security": "private"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    s.wait_for_index().await;
    let (_, body) = get(
        &s,
        &clerk,
        &s.lib("/folders/search?anywhere=kingfisher&total=true"),
    )
    .await;
    assert!(names(&body).is_empty(), "{body}");
    assert_eq!(body["total_count"], 0);

    // Deleted: gone for everyone.
    let (st, b) = s.delete(&s.lib(&format!("/folders/{folder}"))).await;
    assert!(st.is_success(), "{b}");
    let (st, b) = s.delete(&s.lib(&format!("/workspaces/{secret}"))).await;
    assert!(st.is_success(), "{b}");
    s.wait_for_index().await;
    assert!(workspaces(&s, &s.token, "anywhere=heron").await.is_empty());
    let (_, body) = get(&s, &s.token, &s.lib("/folders/search?anywhere=kingfisher")).await;
    assert!(names(&body).is_empty(), "{body}");
    s.stop().await;
}

#[tokio::test]
async fn malformed_workspace_and_folder_searches_are_refused() {
    let s = TestServer::start().await;
    let t = s.token.clone();
    for (path, bad, field) in [
        (
            "/workspaces",
            format!("anywhere={}", q("\"unbalanced")),
            Some("anywhere"),
        ),
        (
            "/workspaces",
            format!("anywhere={}", q("(a OR b")),
            Some("anywhere"),
        ),
        ("/workspaces", "anywhere=-".to_string(), Some("anywhere")),
        (
            "/workspaces",
            format!("anywhere={}", q("a*")),
            Some("anywhere"),
        ),
        ("/workspaces", "facets=custom13".to_string(), Some("facets")),
        (
            "/workspaces",
            "facets=name&results=false".to_string(),
            Some("facets"),
        ),
        (
            "/workspaces",
            "anywhere=a&sort_by=size".to_string(),
            Some("sort_by"),
        ),
        (
            "/workspaces",
            "create_date_from=yesterday".to_string(),
            Some("create_date_from"),
        ),
        (
            "/folders/search",
            format!("anywhere={}", q("a OR")),
            Some("anywhere"),
        ),
        ("/folders", "facets=custom99".to_string(), Some("facets")),
    ] {
        let (st, body) = get(&s, &t, &s.lib(&format!("{path}?{bad}"))).await;
        let msg = assert_error(st, &body, StatusCode::BAD_REQUEST);
        assert!(body["error"]["code"].is_string(), "{body}");
        if let Some(f) = field {
            assert_eq!(crate::harness::error_field(&body), f, "{bad}: {msg}");
        }
    }
    for path in ["/workspaces/search", "/folders/search"] {
        let (st, body) = s
            .post(&s.lib(path), json!({"filters": {"anywhere": "\"x"}}))
            .await;
        assert_error(st, &body, StatusCode::BAD_REQUEST);
    }
    let (st, body) = s
        .post(
            &format!("{}/work/api/v2/customers/1/workspaces/search", s.base),
            json!({"filters": {"anywhere": "((x"}}),
        )
        .await;
    assert_error(st, &body, StatusCode::BAD_REQUEST);
    s.stop().await;
}

/// The folders' own filters `email` and `workspace_name`, on the database path (profile
/// only) and with `anywhere` in the index, with the same answers.
#[tokio::test]
async fn folders_are_found_by_email_address_and_workspace_name() {
    let s = TestServer::start().await;
    let harrington = s.create_workspace("Harrington v Crane").await;
    let other = s.create_workspace("Kestrel lease").await;
    let (st, b) = s
        .post(
            &s.lib(&format!("/workspaces/{harrington}/folders")),
            json!({"name": "Correspondence", "email": "Harrington.Corr@firm.example"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    s.create_folder(&harrington, "Pleadings").await;
    let kestrel_corr = s.create_folder(&other, "Correspondence").await;
    s.create_folder(&kestrel_corr, "Pleadings drafts").await;
    s.wait_for_index().await;
    let t = s.token.clone();
    let found = |query: &'static str| {
        let (s, t) = (&s, t.clone());
        async move {
            let (st, body) = get(s, &t, &s.lib(&format!("/folders/search?{query}"))).await;
            assert_eq!(st, StatusCode::OK, "{query}: {body}");
            names(&body)
        }
    };
    for (with_index, query) in [
        (false, "email=harrington.corr@firm.example"),
        (false, "email=HARRINGTON*"),
        (true, "email=harrington*&anywhere=correspondence"),
    ] {
        assert_eq!(
            found(query).await,
            ["Correspondence"],
            "{with_index} {query}"
        );
    }
    assert!(found("email=nobody@firm.example").await.is_empty());
    assert!(
        found("email=nobody*&anywhere=correspondence")
            .await
            .is_empty()
    );
    // Every folder below the workspace, not only its direct children.
    assert_eq!(
        found("workspace_name=kestrel*").await,
        ["Correspondence", "Pleadings drafts"]
    );
    assert_eq!(
        found("workspace_name=kestrel lease&anywhere=pleadings").await,
        ["Pleadings drafts"]
    );
    assert_eq!(
        found("workspace_name=harrington v crane&anywhere=pleadings").await,
        ["Pleadings"]
    );
    // With include_ids, both narrow.
    let (_, body) = get(
        &s,
        &t,
        &s.lib(&format!(
            "/folders/search?workspace_name=kestrel*&anywhere=correspondence&include_ids={kestrel_corr}&total=true"
        )),
    )
    .await;
    assert_eq!(names(&body), ["Correspondence"], "{body}");
    assert_eq!(body["total_count"], 1);
    let (_, body) = get(
        &s,
        &t,
        &s.lib("/folders/search?workspace_name=nothing*&anywhere=correspondence&total=true"),
    )
    .await;
    assert!(names(&body).is_empty(), "{body}");
    assert_eq!(body["total_count"], 0);
    s.stop().await;
}

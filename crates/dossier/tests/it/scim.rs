//! SCIM 2.0 provisioning at /scim/v2, black-box through a real server: the shapes Entra ID
//! and Okta send, filters, paging, ETags, discovery, errors and scope enforcement, and
//! scim2-tester's RFC compliance checks when the client Python is available.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{self, ADMIN_PASSWORD, TestServer};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// A token from the password grant with the given scope.
async fn token(s: &TestServer, user: &str, password: &str, scope: &str) -> (StatusCode, Value) {
    let r = s
        .http
        .post(format!("{}/auth/oauth2/token", s.base))
        .form(&[
            ("grant_type", "password"),
            ("username", user),
            ("password", password),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts a SCIM error (RFC 7644 §3.12) with this status and scimType.
    fn assert_error(&self, status: StatusCode, scim_type: Option<&str>) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.body["schemas"], json!([ERROR]), "{}", self.body);
        assert_eq!(self.body["status"], status.as_u16().to_string());
        assert_eq!(self.body["scimType"].as_str(), scim_type, "{}", self.body);
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            self.body
        );
        assert!(
            self.header("content-type")
                .starts_with("application/scim+json")
        );
    }

    fn names(&self) -> Vec<String> {
        self.body["Resources"]
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {}", self.body))
            .iter()
            .map(|r| {
                r["userName"]
                    .as_str()
                    .or(r["displayName"].as_str())
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }
}

/// A provisioning client: the administrator with a `scim`-scoped token.
struct Scim<'a> {
    s: &'a TestServer,
    token: String,
}

impl<'a> Scim<'a> {
    async fn new(s: &'a TestServer) -> Scim<'a> {
        let (status, t) = token(s, "admin", ADMIN_PASSWORD, "scim").await;
        assert_eq!(status, StatusCode::OK, "{t}");
        assert_eq!(t["scope"], "scim");
        Scim {
            s,
            token: t["access_token"].as_str().unwrap().to_string(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/scim/v2{path}", self.s.base)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .s
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/scim+json")
                .body(b.to_string());
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        Reply {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    async fn ok(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.body);
        r.body
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    async fn patch(&self, path: &str, ops: Value) -> Reply {
        self.send(
            Method::PATCH,
            path,
            Some(json!({"schemas": [PATCH_OP], "Operations": ops})),
            &[],
        )
        .await
    }

    async fn patched(&self, path: &str, ops: Value) -> Value {
        let r = self.patch(path, ops).await;
        assert_eq!(r.status, StatusCode::OK, "PATCH {path}: {}", r.body);
        r.body
    }

    async fn create_user(&self, body: Value) -> Value {
        let r = self.post("/Users", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body
    }

    async fn user(&self, name: &str, extra: Value) -> String {
        let mut body = json!({"schemas": [USER], "userName": name});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        self.create_user(body).await["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let r = self
            .post(
                "/Groups",
                json!({"schemas": [GROUP], "displayName": name, "members": members}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["id"].as_str().unwrap().to_string()
    }

    /// userNames matching a filter, in server order.
    async fn matching(&self, filter: &str) -> Vec<String> {
        let r = self
            .post(
                "/Users/.search",
                json!({"schemas": [SEARCH], "filter": filter, "count": 1000}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{filter}: {}", r.body);
        let mut names = r.names();
        names.sort();
        names
    }
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn scim_needs_a_scim_or_admin_token_of_an_identity_administrator() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;

    // No token: 401 with a Bearer challenge, in SCIM's format.
    let r = s.http.get(scim.url("/Users")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["schemas"], json!([ERROR]));
    assert_eq!(body["status"], "401");

    // A bad token is 401 too.
    let r = s
        .http
        .get(scim.url("/Users"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The administrator's ordinary `user` token may not provision.
    let (_, t) = token(&s, "admin", ADMIN_PASSWORD, "user").await;
    let user_scoped = Scim {
        s: &s,
        token: t["access_token"].as_str().unwrap().into(),
    };
    user_scoped
        .get("/Users")
        .await
        .assert_error(StatusCode::FORBIDDEN, None);

    // The `admin` scope may.
    let (_, t) = token(&s, "admin", ADMIN_PASSWORD, "admin").await;
    let admin_scoped = Scim {
        s: &s,
        token: t["access_token"].as_str().unwrap().into(),
    };
    assert_eq!(admin_scoped.get("/Users").await.status, StatusCode::OK);

    // A user who is not an administrator is refused the scim scope by the token
    // endpoint, and gets 403 with the tokens it can have.
    scim.user(
        "clerk",
        json!({"password": "clerk-password-1", "displayName": "A Clerk"}),
    )
    .await;
    let (status, t) = token(&s, "clerk", "clerk-password-1", "scim").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{t}");
    assert_eq!(t["error"], "invalid_scope");
    let (status, t) = token(&s, "clerk", "clerk-password-1", "user").await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let clerk = Scim {
        s: &s,
        token: t["access_token"].as_str().unwrap().into(),
    };
    clerk
        .get("/Users")
        .await
        .assert_error(StatusCode::FORBIDDEN, None);
    clerk
        .post("/Users", json!({"userName": "sneaky"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, None);
    clerk
        .post("/Groups", json!({"displayName": "Sneaky"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, None);
    s.stop().await;
}

#[tokio::test]
async fn a_provisioned_user_signs_in_and_deactivation_ends_it_without_losing_documents() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    let id = scim
        .user(
            "jsmith@firm.example",
            json!({"displayName": "Jo Smith", "password": "first-password-1"}),
        )
        .await;

    // The provisioned user signs in and is known to the Work API.
    let sign_in = |password: &'static str| {
        let s = &s;
        async move { token(s, "jsmith@firm.example", password, "user").await }
    };
    let (status, t) = sign_in("first-password-1").await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let user_token = t["access_token"].as_str().unwrap().to_string();
    let me = s
        .http
        .get(format!("{}/work/api/v2/customers/1/users/me", s.base))
        .header("X-Auth-Token", &user_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["data"]["id"], "JSMITH@FIRM.EXAMPLE");
    assert_eq!(me["data"]["full_name"], "Jo Smith");

    // The user files a document.
    let folder = s.folder().await;
    let r = s
        .http
        .post(s.lib(&format!("/folders/{folder}/documents")))
        .header("X-Auth-Token", &user_token)
        .multipart(TestServer::upload_form(
            json!({"doc_profile": {"name": "Engagement letter"}}),
            "letter.txt",
            b"dear client".to_vec(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc: Value = r.json().await.unwrap();
    let doc_id = doc["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(doc["data"]["author"], "JSMITH@FIRM.EXAMPLE");

    // A password set through SCIM replaces the old one.
    scim.patched(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "password", "value": "second-password-2"}]),
    )
    .await;
    assert_eq!(sign_in("first-password-1").await.0, StatusCode::BAD_REQUEST);
    let (status, t) = sign_in("second-password-2").await;
    assert_eq!(status, StatusCode::OK);
    let second_token = t["access_token"].as_str().unwrap().to_string();

    // Entra deactivates: the session ends, the document stays.
    let u = scim
        .patched(
            &format!("/Users/{id}"),
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .await;
    assert_eq!(u["active"], false);
    let me = s
        .http
        .get(format!("{}/work/api/v2/customers/1/users/me", s.base))
        .header("X-Auth-Token", &second_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let (status, t) = sign_in("second-password-2").await;
    if status == StatusCode::OK {
        let r = s
            .http
            .get(format!("{}/work/api/v2/customers/1/users/me", s.base))
            .header("X-Auth-Token", t["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNAUTHORIZED,
            "a deactivated user works"
        );
    }
    let profile = s.get_json(&s.lib(&format!("/documents/{doc_id}"))).await;
    assert_eq!(profile["data"]["author"], "JSMITH@FIRM.EXAMPLE");

    // DELETE removes the user for good; the document keeps its author.
    let r = scim
        .send(Method::DELETE, &format!("/Users/{id}"), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    scim.get(&format!("/Users/{id}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, None);
    let profile = s.get_json(&s.lib(&format!("/documents/{doc_id}"))).await;
    assert_eq!(profile["data"]["author"], "JSMITH@FIRM.EXAMPLE");
    s.stop().await;
}

#[tokio::test]
async fn users_are_created_read_and_listed_with_etags() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    let r = scim
        .post(
            "/Users",
            json!({
                "schemas": [USER, ENTERPRISE],
                "externalId": "entra-0001",
                "userName": "bjensen@firm.example",
                "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms Barbara Jensen"},
                "displayName": "Babs Jensen",
                "title": "Partner",
                "active": true,
                "password": "a-long-password",
                "emails": [{"value": "babs@home.example", "type": "home"},
                           {"value": "bjensen@firm.example", "type": "work", "primary": true}],
                "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work"}],
                "preferredLanguage": "en-GB",
                ENTERPRISE: {"department": "Tax", "employeeNumber": "701"},
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(
        r.header("content-type")
            .starts_with("application/scim+json")
    );
    let u = r.body.clone();
    let id = u["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.header("location"),
        u["meta"]["location"].as_str().unwrap()
    );
    assert_eq!(
        u["meta"]["location"],
        format!("{}/scim/v2/Users/{id}", s.base)
    );
    assert_eq!(r.header("etag"), "W/\"1\"");
    assert_eq!(u["meta"]["version"], "W/\"1\"");
    assert_eq!(u["meta"]["resourceType"], "User");
    assert_eq!(u["schemas"], json!([USER, ENTERPRISE]));
    assert_eq!(u["userName"], "BJENSEN@FIRM.EXAMPLE");
    assert_eq!(u["externalId"], "entra-0001");
    assert_eq!(
        u["name"],
        json!({"givenName": "Barbara", "familyName": "Jensen"})
    );
    assert_eq!(u["displayName"], "Babs Jensen");
    assert_eq!(u["title"], "Partner");
    assert_eq!(u["active"], true);
    assert_eq!(
        u["emails"],
        json!([{"value": "bjensen@firm.example", "type": "work"}])
    );
    assert_eq!(
        u["phoneNumbers"],
        json!([{"value": "+44 20 7946 0000", "type": "work"}])
    );
    assert_eq!(u[ENTERPRISE], json!({"department": "Tax"}));
    assert!(u.get("password").is_none());
    assert!(u.get("preferredLanguage").is_none());

    // GET one, with its ETag; If-None-Match with that tag is 304.
    let r = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("etag"), "W/\"1\"");
    assert_eq!(r.body, u);
    let r = scim
        .send(
            Method::GET,
            &format!("/Users/{id}"),
            None,
            &[("if-none-match", "W/\"1\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    let r = scim
        .send(
            Method::GET,
            &format!("/Users/{id}"),
            None,
            &[("if-none-match", "W/\"7\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // Plain application/json is accepted too; other media types are not.
    let r = s
        .http
        .post(scim.url("/Users"))
        .bearer_auth(&scim.token)
        .json(&json!({"userName": "plainjson"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = s
        .http
        .post(scim.url("/Users"))
        .bearer_auth(&scim.token)
        .header("content-type", "text/plain")
        .body(json!({"userName": "texty"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Duplicates are 409 uniqueness: the same userName in another case, the same externalId.
    scim.post("/Users", json!({"userName": "BJensen@Firm.Example"}))
        .await
        .assert_error(StatusCode::CONFLICT, Some("uniqueness"));
    scim.post(
        "/Users",
        json!({"userName": "someone-else", "externalId": "entra-0001"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, Some("uniqueness"));

    // The list has everyone with an exact total; the administrator is one of them.
    let list = scim.ok("/Users").await;
    assert_eq!(
        list["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(list["totalResults"], 3);
    assert_eq!(list["startIndex"], 1);
    assert_eq!(list["itemsPerPage"], 3);
    assert_eq!(
        Reply {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: list
        }
        .names(),
        vec!["ADMIN", "BJENSEN@FIRM.EXAMPLE", "PLAINJSON"]
    );

    // Entra's lookup before creating: userName eq, answered from the store.
    let found = scim
        .ok("/Users?filter=userName%20eq%20%22bjensen%40firm.example%22")
        .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());
    let none = scim.ok("/Users?filter=userName%20eq%20%22nobody%22").await;
    assert_eq!(none["totalResults"], 0);
    assert_eq!(none["Resources"], json!([]));
    s.stop().await;
}

#[tokio::test]
async fn filters_cover_every_operator_logic_and_value_paths() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    let alice = scim
        .user(
            "alice",
            json!({"displayName": "Alice Archer", "title": "Partner", "externalId": "A-1",
                   "emails": [{"value": "alice@firm.example", "type": "work"}],
                   ENTERPRISE: {"department": "Tax"}}),
        )
        .await;
    scim.user(
        "bob",
        json!({"displayName": "Bob Baker", "title": "Associate", "externalId": "b-2",
               "emails": [{"value": "bob@other.example", "type": "work"}], "active": false}),
    )
    .await;
    scim.user(
        "carol",
        json!({"displayName": "Carol Cooper", "name": {"givenName": "Carol"},
               ENTERPRISE: {"department": "Litigation"}}),
    )
    .await;
    scim.group("Tax Team", &[&alice]).await;
    let all = ["ADMIN", "ALICE", "BOB", "CAROL"];

    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "Alice""#, &["ALICE"]),
        (r#"userName ne "alice""#, &["ADMIN", "BOB", "CAROL"]),
        (r#"displayName co "ER""#, &["ALICE", "BOB", "CAROL"]),
        (r#"displayName sw "b""#, &["BOB"]),
        (r#"displayName ew "per""#, &["CAROL"]),
        ("title pr", &["ALICE", "BOB"]),
        (r#"userName gt "bob""#, &["CAROL"]),
        (r#"userName ge "bob""#, &["BOB", "CAROL"]),
        (r#"userName lt "alice""#, &["ADMIN"]),
        (r#"userName le "alice""#, &["ADMIN", "ALICE"]),
        ("active eq false", &["BOB"]),
        ("active eq true", &["ADMIN", "ALICE", "CAROL"]),
        // externalId is caseExact.
        (r#"externalId eq "A-1""#, &["ALICE"]),
        (r#"externalId eq "a-1""#, &[]),
        // and binds tighter than or; not and parentheses.
        (
            r#"title eq "Partner" or title eq "Associate" and active eq true"#,
            &["ALICE"],
        ),
        (
            r#"(title eq "Partner" or title eq "Associate") and active eq false"#,
            &["BOB"],
        ),
        (r#"not (title pr)"#, &["ADMIN", "CAROL"]),
        (
            r#"not (title pr) and not (userName eq "admin")"#,
            &["CAROL"],
        ),
        // Value paths, multi-valued attributes, sub-attributes and URNs.
        (r#"emails[type eq "work" and value co "@firm"]"#, &["ALICE"]),
        (r#"emails co "example""#, &["ALICE", "BOB"]),
        (r#"emails.value ew "other.example""#, &["BOB"]),
        (r#"name.givenName eq "carol""#, &["CAROL"]),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tax""#,
            &["ALICE"],
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "CA""#,
            &["CAROL"],
        ),
        (r#"groups.display eq "Tax Team""#, &["ALICE"]),
        (r#"meta.resourceType eq "User""#, &all),
        (r#"meta.created gt "2000-01-01T00:00:00Z""#, &all),
        (r#"meta.lastModified lt "2000-01-01T00:00:00Z""#, &[]),
        (r#"id eq "nothing-has-this-id""#, &[]),
        ("nickName pr", &[]),
        (r#"title eq null"#, &["ADMIN", "CAROL"]),
    ];
    for (filter, want) in cases {
        assert_eq!(scim.matching(filter).await, sorted(want), "{filter}");
    }
    let by_id = scim.matching(&format!(r#"id eq "{alice}""#)).await;
    assert_eq!(by_id, vec!["ALICE"]);
    let by_member = scim
        .ok(&format!(
            "/Groups?filter={}",
            urlencode(&format!(r#"members[value eq "{alice}"]"#))
        ))
        .await;
    assert_eq!(by_member["totalResults"], 1);
    assert_eq!(by_member["Resources"][0]["displayName"], "Tax Team");
    s.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn paging_sorting_and_projection() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    for (i, title) in ["e", "c", "a", "g", "b", "f", "d"].iter().enumerate() {
        scim.user(
            &format!("page{i}"),
            json!({"title": title, "name": {"givenName": format!("G{i}")},
                   "emails": [{"value": format!("p{i}@firm.example")}]}),
        )
        .await;
    }
    let q = |extra: &str| {
        format!(
            "/Users?filter={}{extra}",
            urlencode(r#"userName sw "page""#)
        )
    };
    let page = scim.ok(&q("&startIndex=3&count=2&sortBy=title")).await;
    assert_eq!(page["totalResults"], 7);
    assert_eq!(page["startIndex"], 3);
    assert_eq!(page["itemsPerPage"], 2);
    let titles: Vec<&str> = page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["c", "d"]);
    let page = scim
        .ok(&q("&count=3&sortBy=title&sortOrder=descending"))
        .await;
    let titles: Vec<&str> = page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["g", "f", "e"]);
    // count=0 asks only for the total; startIndex past the end gives an empty page;
    // startIndex below 1 is read as 1.
    let counted = scim.ok(&q("&count=0")).await;
    assert_eq!(counted["totalResults"], 7);
    assert_eq!(counted["Resources"], json!([]));
    let past = scim.ok(&q("&startIndex=50")).await;
    assert_eq!(past["totalResults"], 7);
    assert_eq!(past["itemsPerPage"], 0);
    let first = scim.ok(&q("&startIndex=0&count=1")).await;
    assert_eq!(first["startIndex"], 1);
    assert_eq!(first["itemsPerPage"], 1);

    // attributes: only those (and id, schemas); sub-attributes; request-only ones.
    let only = scim
        .ok(&q(
            "&count=1&sortBy=userName&attributes=userName,name.givenName",
        ))
        .await;
    let r = &only["Resources"][0];
    let mut keys: Vec<&String> = r.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, vec!["id", "name", "schemas", "userName"]);
    assert_eq!(r["name"], json!({"givenName": "G0"}));
    let primary = scim
        .ok(&q(
            "&count=1&sortBy=userName&attributes=emails.primary,emails.value,name.formatted",
        ))
        .await;
    assert_eq!(
        primary["Resources"][0]["emails"],
        json!([{"value": "p0@firm.example", "primary": true}])
    );
    assert_eq!(primary["Resources"][0]["name"], json!({"formatted": "G0"}));
    // excludedAttributes: everything but those; id cannot be excluded.
    let without = scim
        .ok(&q("&count=1&excludedAttributes=emails,title,id,meta"))
        .await;
    let r = &without["Resources"][0];
    assert!(r.get("emails").is_none() && r.get("title").is_none() && r.get("meta").is_none());
    assert!(r["id"].is_string() && r["userName"].is_string());
    // The same through POST .search.
    let searched = scim
        .post(
            "/Users/.search",
            json!({"schemas": [SEARCH], "filter": "title pr", "sortBy": "title",
                   "startIndex": 2, "count": 2, "attributes": ["title"]}),
        )
        .await;
    assert_eq!(searched.status, StatusCode::OK, "{}", searched.body);
    assert_eq!(searched.body["totalResults"], 7);
    assert_eq!(searched.body["Resources"][0]["title"], "b");
    assert!(searched.body["Resources"][0].get("userName").is_none());

    // The server-wide search mixes users and groups.
    scim.group("Page Group", &[]).await;
    let everything = scim
        .post(
            "/.search",
            json!({"schemas": [SEARCH], "filter": r#"displayName sw "page" or userName sw "page""#}),
        )
        .await;
    assert_eq!(everything.status, StatusCode::OK, "{}", everything.body);
    assert_eq!(everything.body["totalResults"], 8);
    s.stop().await;
}

#[tokio::test]
async fn patch_in_the_shapes_entra_sends() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    let alice = scim
        .user(
            "alice@firm.example",
            json!({"displayName": "Alice", "emails": [{"value": "alice@firm.example", "type": "work", "primary": true}]}),
        )
        .await;
    let bob = scim.user("bob@firm.example", json!({})).await;
    let path = format!("/Users/{alice}");

    // Entra's attribute updates, capitalised ops and all.
    let u = scim
        .patched(
            &path,
            json!([
                {"op": "Replace", "path": "displayName", "value": "Alice Archer"},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "a.archer@firm.example"},
                {"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+44 1"},
                {"op": "Add", "path": "name.givenName", "value": "Alice"},
                {"op": "Replace", "path": "name.familyName", "value": "Archer"},
                {"op": "Add", "path": "title", "value": "Partner"},
                {"op": "Add", "path": "preferredLanguage", "value": "en-GB"},
                {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Tax"},
                {"op": "Add", "path": "name.formatted", "value": "Alice Archer"},
            ]),
        )
        .await;
    assert_eq!(u["displayName"], "Alice Archer");
    assert_eq!(u["emails"][0]["value"], "a.archer@firm.example");
    assert_eq!(u["phoneNumbers"][0]["value"], "+44 1");
    assert_eq!(
        u["name"],
        json!({"givenName": "Alice", "familyName": "Archer"})
    );
    assert_eq!(u[ENTERPRISE]["department"], "Tax");
    assert_eq!(u["meta"]["version"], "W/\"2\"");
    assert_eq!(scim.ok(&path).await, u);

    // A replace without a path and a value object.
    let u = scim
        .patched(
            &path,
            json!([{"op": "Replace", "value": {"title": "Senior Partner", "name.givenName": "Ali"}}]),
        )
        .await;
    assert_eq!(u["title"], "Senior Partner");
    assert_eq!(u["name"]["givenName"], "Ali");
    // Re-sending the same values changes nothing, not even the version.
    let again = scim
        .patched(
            &path,
            json!([{"op": "Replace", "value": {"title": "Senior Partner"}}]),
        )
        .await;
    assert_eq!(again["meta"]["version"], u["meta"]["version"]);

    // Removing an attribute.
    let u = scim
        .patched(&path, json!([{"op": "Remove", "path": "title"}]))
        .await;
    assert!(u.get("title").is_none());

    // Deactivation with a string boolean.
    let u = scim
        .patched(
            &path,
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .await;
    assert_eq!(u["active"], false);

    // Group membership: add a value list, remove with a value list.
    let g = scim.group("Litigation", &[]).await;
    let gpath = format!("/Groups/{g}");
    let r = scim
        .patched(
            &gpath,
            json!([{"op": "Add", "path": "members", "value": [{"value": alice}, {"value": bob}]}]),
        )
        .await;
    let members: Vec<&str> = r["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(members.len(), 2);
    assert!(members.contains(&alice.as_str()) && members.contains(&bob.as_str()));
    assert_eq!(r["members"][0]["type"], "User");
    assert!(
        r["members"][0]["$ref"]
            .as_str()
            .unwrap()
            .ends_with(members[0])
    );
    let r = scim
        .patched(
            &gpath,
            json!([{"op": "Remove", "path": "members", "value": [{"value": alice}]}]),
        )
        .await;
    assert_eq!(
        r["members"],
        json!([{"value": bob, "type": "User", "$ref": format!("{}/scim/v2/Users/{bob}", s.base)}])
    );
    // The user side shows the membership, read-only.
    let b = scim.ok(&format!("/Users/{bob}")).await;
    assert_eq!(b["groups"][0]["value"], g.as_str());
    assert_eq!(b["groups"][0]["display"], "Litigation");
    let a = scim.ok(&format!("/Users/{alice}")).await;
    assert!(a.get("groups").is_none());
    // Rename the group.
    let r = scim
        .patched(
            &gpath,
            json!([{"op": "Replace", "path": "displayName", "value": "Litigation UK"}]),
        )
        .await;
    assert_eq!(r["displayName"], "Litigation UK");
    // Entra checks membership with a filter and no member list.
    let check = scim
        .ok(&format!(
            "/Groups?filter={}&excludedAttributes=members",
            urlencode(&format!(r#"id eq "{g}" and members eq "{bob}""#))
        ))
        .await;
    assert_eq!(check["totalResults"], 1);
    assert!(check["Resources"][0].get("members").is_none());
    s.stop().await;
}

#[tokio::test]
async fn patch_in_the_shapes_okta_sends() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    let u = scim
        .user(
            "okta.user@firm.example",
            json!({"displayName": "Okta User"}),
        )
        .await;
    let v = scim
        .patched(
            &format!("/Users/{u}"),
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .await;
    assert_eq!(v["active"], false);
    let v = scim
        .patched(
            &format!("/Users/{u}"),
            json!([{"op": "replace", "value": {"active": true, "id": "ignored", "meta": {}}}]),
        )
        .await;
    assert_eq!(v["active"], true);
    assert_eq!(v["id"], u.as_str());

    let g = scim.group("Okta Group", &[&u]).await;
    let gpath = format!("/Groups/{g}");
    // Okta renames with a path-less replace that echoes the id.
    let r = scim
        .patched(
            &gpath,
            json!([{"op": "replace", "value": {"id": g, "displayName": "Okta Group 2"}}]),
        )
        .await;
    assert_eq!(r["displayName"], "Okta Group 2");
    assert_eq!(r["members"][0]["value"], u.as_str());
    // Okta removes a member with a value-path filter.
    let r = scim
        .patched(
            &gpath,
            json!([{"op": "remove", "path": format!("members[value eq \"{u}\"]")}]),
        )
        .await;
    assert!(r.get("members").is_none(), "{r}");
    let r = scim
        .patched(
            &gpath,
            json!([{"op": "add", "path": "members", "value": [{"value": u, "display": "Okta User"}]}]),
        )
        .await;
    assert_eq!(r["members"][0]["value"], u.as_str());
    // members.display is returned on request.
    let shown = scim
        .ok(&format!("{gpath}?attributes=members.display,members.value"))
        .await;
    assert_eq!(
        shown["members"],
        json!([{"value": u, "display": "Okta User"}])
    );
    s.stop().await;
}

#[tokio::test]
async fn put_replaces_and_if_match_guards_writes() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    let id = scim
        .user(
            "pat",
            json!({"displayName": "Pat", "title": "Clerk", "externalId": "x1"}),
        )
        .await;
    let path = format!("/Users/{id}");
    let r = scim
        .send(
            Method::PUT,
            &path,
            Some(
                json!({"schemas": [USER], "userName": "PAT", "displayName": "Pat Jones",
                        "emails": [{"value": "pat@firm.example", "type": "work"}]}),
            ),
            &[("if-match", "W/\"1\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("etag"), "W/\"2\"");
    assert_eq!(r.body["displayName"], "Pat Jones");
    // PUT replaces: what was left out is gone.
    assert!(r.body.get("title").is_none() && r.body.get("externalId").is_none());
    assert_eq!(r.body["emails"][0]["value"], "pat@firm.example");

    // A stale If-Match is 412 for PUT, PATCH and DELETE; nothing changes.
    let stale = [("if-match", "W/\"1\"")];
    scim.send(
        Method::PUT,
        &path,
        Some(json!({"userName": "pat", "displayName": "Stale"})),
        &stale,
    )
    .await
    .assert_error(StatusCode::PRECONDITION_FAILED, None);
    scim.send(
        Method::PATCH,
        &path,
        Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "x"}]})),
        &stale,
    )
    .await
    .assert_error(StatusCode::PRECONDITION_FAILED, None);
    scim.send(Method::DELETE, &path, None, &stale)
        .await
        .assert_error(StatusCode::PRECONDITION_FAILED, None);
    assert_eq!(scim.ok(&path).await["displayName"], "Pat Jones");
    // `*` and the current tag pass.
    let r = scim
        .send(
            Method::PATCH,
            &path,
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "Clerk"}]})),
            &[("if-match", "*")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("etag"), "W/\"3\"");

    // userName is the login id: immutable.
    scim.send(
        Method::PUT,
        &path,
        Some(json!({"userName": "someone-else"})),
        &[],
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, Some("mutability"));
    scim.patch(
        &path,
        json!([{"op": "replace", "path": "userName", "value": "renamed"}]),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, Some("mutability"));

    // Groups: PUT replaces the name and the members.
    let other = scim.user("other", json!({})).await;
    let g = scim.group("Old Name", &[&id]).await;
    let r = scim
        .send(
            Method::PUT,
            &format!("/Groups/{g}"),
            Some(json!({"schemas": [GROUP], "displayName": "New Name", "members": [{"value": other}]})),
            &[("if-match", "W/\"1\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["displayName"], "New Name");
    assert_eq!(r.body["members"][0]["value"], other.as_str());
    assert_eq!(r.body["members"].as_array().unwrap().len(), 1);
    scim.send(Method::DELETE, &format!("/Groups/{g}"), None, &stale)
        .await
        .assert_error(StatusCode::PRECONDITION_FAILED, None);
    let r = scim
        .send(Method::DELETE, &format!("/Groups/{g}"), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    scim.get(&format!("/Groups/{g}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, None);
    let r = scim.send(Method::DELETE, &path, None, &[]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    s.stop().await;
}

#[tokio::test]
async fn groups_are_created_listed_and_protected() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    let a = scim.user("ann", json!({"displayName": "Ann"})).await;
    let r = scim
        .post(
            "/Groups",
            json!({"schemas": [GROUP], "displayName": "Real Estate", "externalId": "grp-1",
                   "members": [{"value": a, "type": "User"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.header("etag"), "W/\"1\"");
    assert_eq!(
        r.header("location"),
        r.body["meta"]["location"].as_str().unwrap()
    );
    assert_eq!(r.body["schemas"], json!([GROUP]));
    assert_eq!(r.body["externalId"], "grp-1");
    assert_eq!(r.body["meta"]["resourceType"], "Group");
    assert_eq!(r.body["members"][0]["value"], a.as_str());
    assert!(r.body["members"][0].get("display").is_none());

    // displayName is unique per customer, whatever the case.
    scim.post("/Groups", json!({"displayName": "real estate"}))
        .await
        .assert_error(StatusCode::CONFLICT, Some("uniqueness"));
    // Members must be users of this server; nested groups are not supported.
    scim.post(
        "/Groups",
        json!({"displayName": "Ghosts", "members": [{"value": "no-such-user"}]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    let g = r.body["id"].as_str().unwrap().to_string();
    scim.post(
        "/Groups",
        json!({"displayName": "Nest", "members": [{"value": g, "type": "Group"}]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    scim.patch(
        &format!("/Groups/{g}"),
        json!([{"op": "add", "path": "members", "value": [{"value": "nobody"}]}]),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));

    // Entra's lookup by displayName, without members.
    let found = scim
        .ok(&format!(
            "/Groups?filter={}&excludedAttributes=members",
            urlencode(r#"displayName eq "REAL ESTATE""#)
        ))
        .await;
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("members").is_none());
    let by_ext = scim
        .ok(&format!(
            "/Groups?filter={}",
            urlencode(r#"externalId eq "grp-1""#)
        ))
        .await;
    assert_eq!(by_ext["Resources"][0]["members"][0]["value"], a.as_str());
    // The bootstrapped administrators' group is listed but cannot be deleted.
    let all = scim.ok("/Groups?sortBy=displayName").await;
    assert_eq!(all["totalResults"], 2);
    let admins = scim
        .ok(&format!(
            "/Groups?filter={}",
            urlencode(r#"displayName co "admin""#)
        ))
        .await;
    let admins_id = admins["Resources"][0]["id"].as_str().unwrap().to_string();
    let r = scim
        .send(Method::DELETE, &format!("/Groups/{admins_id}"), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    s.stop().await;
}

#[tokio::test]
async fn errors_are_scim_errors_with_the_right_type() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    let id = scim.user("eve", json!({})).await;
    let bad_filters = [
        r#"userName eq "x"#,
        r#"(userName eq "x""#,
        r#"userName zz "x""#,
        r#"shoeSize eq "x""#,
        "active gt true",
        "userName",
    ];
    for f in bad_filters {
        scim.get(&format!("/Users?filter={}", urlencode(f)))
            .await
            .assert_error(StatusCode::BAD_REQUEST, Some("invalidFilter"));
    }
    let huge = (0..10_000)
        .map(|i| format!(r#"userName eq "u{i}""#))
        .collect::<Vec<_>>()
        .join(" or ");
    scim.post("/Users/.search", json!({"filter": huge}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, Some("invalidFilter"));
    let deep = format!("{}title pr{}", "(".repeat(1500), ")".repeat(1500));
    scim.post("/Users/.search", json!({"filter": deep}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, Some("invalidFilter"));
    scim.get("/Users?startIndex=first")
        .await
        .assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    scim.get("/Users?sortOrder=sideways")
        .await
        .assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    scim.get("/Users?sortBy=shoeSize")
        .await
        .assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));

    let path = format!("/Users/{id}");
    scim.patch(
        &path,
        json!([{"op": "add", "path": "shoeSize", "value": "9"}]),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, Some("invalidPath"));
    scim.patch(
        &path,
        json!([{"op": "add", "path": "emails[type eq \"work\"", "value": "x"}]),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, Some("invalidPath"));
    scim.patch(&path, json!([{"op": "remove"}]))
        .await
        .assert_error(StatusCode::BAD_REQUEST, Some("noTarget"));
    scim.patch(
        &path,
        json!([{"op": "replace", "path": "emails[value co \"nowhere\"]", "value": {"value": "a@b.example"}}]),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, Some("noTarget"));
    scim.patch(&path, json!([{"op": "frobnicate", "path": "title"}]))
        .await
        .assert_error(StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    scim.patch(
        &path,
        json!([{"op": "replace", "path": "active", "value": "maybe"}]),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    scim.patch(
        &path,
        json!([{"op": "replace", "path": "emails", "value": [{"value": "not an address"}]}]),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    // None of that changed the user.
    assert_eq!(scim.ok(&path).await["meta"]["version"], "W/\"1\"");

    let r = s
        .http
        .post(scim.url("/Users"))
        .bearer_auth(&scim.token)
        .header("content-type", "application/scim+json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["scimType"], "invalidSyntax");
    // A body over the request size limit is 413, still in SCIM's format.
    scim.post(
        "/Users",
        json!({"userName": "big", "title": "x".repeat(3 << 20)}),
    )
    .await
    .assert_error(StatusCode::PAYLOAD_TOO_LARGE, None);
    scim.post("/Users", json!({"displayName": "No Name"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    let r = scim.post("/Users", json!({"userName": "has space"})).await;
    r.assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    assert!(
        r.body["detail"].as_str().unwrap().starts_with("userName "),
        "{}",
        r.body
    );
    scim.post("/Users", json!({"userName": "pw", "password": "short"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    scim.get("/Users/no-such-id")
        .await
        .assert_error(StatusCode::NOT_FOUND, None);
    scim.get("/Bulk")
        .await
        .assert_error(StatusCode::NOT_FOUND, None);
    scim.send(Method::DELETE, "/Users", None, &[])
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, None);
    // The administrator cannot deactivate or delete themselves through SCIM.
    let me = scim
        .ok(&format!(
            "/Users?filter={}",
            urlencode(r#"userName eq "admin""#)
        ))
        .await;
    let me = me["Resources"][0]["id"].as_str().unwrap().to_string();
    let r = scim
        .patch(
            &format!("/Users/{me}"),
            json!([{"op": "replace", "path": "active", "value": false}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    s.stop().await;
}

#[tokio::test]
async fn discovery_endpoints_describe_the_server() {
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    let spc = scim.ok("/ServiceProviderConfig").await;
    assert_eq!(spc["patch"]["supported"], true);
    assert_eq!(spc["bulk"]["supported"], false);
    assert_eq!(spc["filter"]["supported"], true);
    assert_eq!(spc["filter"]["maxResults"], 1000);
    assert_eq!(spc["etag"]["supported"], true);
    assert_eq!(spc["sort"]["supported"], true);
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");

    let types = scim.ok("/ResourceTypes").await;
    assert_eq!(types["totalResults"], 2);
    let user_type = scim.ok("/ResourceTypes/User").await;
    assert_eq!(user_type["endpoint"], "/Users");
    assert_eq!(user_type["schema"], USER);
    assert_eq!(user_type["schemaExtensions"][0]["schema"], ENTERPRISE);
    scim.get("/ResourceTypes/Printer")
        .await
        .assert_error(StatusCode::NOT_FOUND, None);

    let schemas = scim.ok("/Schemas").await;
    assert_eq!(schemas["totalResults"], 3);
    let user = scim.ok(&format!("/Schemas/{USER}")).await;
    let attr = |name: &str| {
        user["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(attr("userName")["uniqueness"], "server");
    assert_eq!(attr("userName")["mutability"], "immutable");
    assert_eq!(attr("password")["returned"], "never");
    assert_eq!(attr("groups")["mutability"], "readOnly");
    assert_eq!(attr("emails")["multiValued"], true);
    let group = scim.ok(&format!("/Schemas/{GROUP}")).await;
    assert_eq!(group["attributes"][1]["name"], "members");
    scim.get("/Schemas/urn:nope")
        .await
        .assert_error(StatusCode::NOT_FOUND, None);

    // Discovery describes the server, not its data: it needs no token.
    let r = s
        .http
        .get(scim.url("/ServiceProviderConfig"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/scim+json")
    );
    s.stop().await;
}

/// scim2-tester's compliance checks (RFC 7643/7644) against a real server.
#[tokio::test]
#[ignore = "needs the client libraries: set DOSSIER_TEST_PYTHON and pass --include-ignored (.ci/run does)"]
async fn scim2_tester_finds_no_failures() {
    let python = harness::client_python();
    let s = TestServer::start().await;
    let scim = Scim::new(&s).await;
    let base = s.base.clone();
    let token = scim.token.clone();
    let out = tokio::task::spawn_blocking(move || {
        harness::run_client_script(&python, "scim_check.py", &[&base, &token])
    })
    .await
    .unwrap();
    // Every check's result, for the log of a run with --nocapture.
    println!("{out}");
    assert!(out.contains("unexcused failures: 0"), "{out}");
    assert!(!out.contains("SKIPPED"), "{out}");
    s.stop().await;
}

//! Library configuration through the Work API: classes and subclasses maintained by
//! administrators, custom field captions and definitions, the required-field rule they
//! feed on upload, new version and profile edit, and promoting a version.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error, error_field};

async fn document_count(s: &TestServer) -> i64 {
    s.get_json(&s.lib("/documents?total=true")).await["total_count"]
        .as_i64()
        .unwrap()
}

async fn audit_actions(s: &TestServer) -> Vec<String> {
    let admin = s
        .login_scoped("admin", crate::harness::ADMIN_PASSWORD, "user admin")
        .await;
    let r = s
        .http
        .get(format!(
            "{}/work/api/v2/customers/1/audit-log?limit=500",
            s.base
        ))
        .header("X-Auth-Token", admin)
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn classes_and_subclasses_are_administered() {
    let s = TestServer::start().await;
    let (status, c) = s
        .post(
            &s.lib("/classes"),
            json!({"id": "letter", "description": "Letters", "hipaa": true, "retain": 365,
                   "required_fields": ["custom3"], "subclass_required": false, "echo": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["data"]["id"], "LETTER");
    assert_eq!(c["data"]["required_fields"], json!(["custom3"]));
    assert_eq!(c["data"]["retain"], 365);
    assert_eq!(c["data"]["indexable"], true, "a default");

    let (status, e) = s.post(&s.lib("/classes"), json!({"id": "LETTER"})).await;
    assert_error(status, &e, StatusCode::CONFLICT);
    for (body, field) in [
        (
            json!({"id": "BAD", "required_fields": ["comment"]}),
            "required_fields",
        ),
        (
            json!({"id": "BAD", "required_fields": "custom3"}),
            "required_fields",
        ),
        (json!({"id": "BAD", "retain": -1}), "retain"),
        (json!({"id": "BAD", "hipaa": "yes"}), "hipaa"),
        (json!({"description": "no id"}), "id"),
        (json!({"id": "A/B"}), "id"),
    ] {
        let (status, e) = s.post(&s.lib("/classes"), body.clone()).await;
        assert_error(status, &e, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&e), field, "{body}");
    }
    let (status, e) = s
        .patch(&s.lib("/classes/NOSUCH"), json!({"hipaa": true}))
        .await;
    assert_error(status, &e, StatusCode::NOT_FOUND);

    let (status, u) = s
        .patch(
            &s.lib("/classes/letter"),
            json!({"description": "Correspondence", "subclass_required": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{u}");
    assert_eq!(u["data"]["description"], "Correspondence");
    assert_eq!(
        u["data"]["hipaa"], true,
        "what the change leaves alone stays"
    );

    let (status, sub) = s
        .post(
            &s.lib("/classes/LETTER/subclasses"),
            json!({"id": "nda", "required_fields": ["custom13"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sub}");
    assert_eq!(sub["data"]["parent"]["id"], "LETTER");
    let (status, e) = s
        .post(&s.lib("/classes/NOSUCH/subclasses"), json!({"id": "X"}))
        .await;
    assert_error(status, &e, StatusCode::NOT_FOUND);
    let (status, e) = s
        .post(
            &s.lib("/classes/LETTER/subclasses"),
            json!({"id": "Y", "subclass_required": true}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);

    // GetClasses' filters.
    let ids = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let hipaa = s.get_json(&s.lib("/classes?hipaa=true")).await;
    assert_eq!(ids(&hipaa), ["LETTER"]);
    let by_alias = s.get_json(&s.lib("/classes?alias=let*,memo")).await;
    assert_eq!(ids(&by_alias), ["LETTER"]);
    let by_query = s.get_json(&s.lib("/classes?query=corresp")).await;
    assert!(ids(&by_query).contains(&"LETTER".to_string()));
    let required = s.get_json(&s.lib("/classes?subclass_required=true")).await;
    assert_eq!(ids(&required), ["LETTER"]);
    let (status, e) = (
        s.get(&s.lib("/classes?hipaa=maybe")).await.status(),
        Value::Null,
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let subs = s
        .get_json(&s.lib("/classes/LETTER/subclasses?query=nd"))
        .await;
    assert_eq!(ids(&subs), ["NDA"]);

    // A reader of the library may list but not change.
    let bob = s.new_user("bob", "Bob-pass-1234").await;
    let url = s.lib("/classes");
    let (status, listed) = s.send_json_as(&bob, Method::GET, &url, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let (status, e) = s
        .send_json_as(&bob, Method::POST, &url, json!({"id": "MINE"}))
        .await;
    assert_error(status, &e, StatusCode::FORBIDDEN);
    let (status, e) = s
        .send_json_as(&bob, Method::DELETE, &s.lib("/classes/LETTER"), json!({}))
        .await;
    assert_error(status, &e, StatusCode::FORBIDDEN);
    // The library's administrator role is enough.
    let admin = s
        .login_scoped("admin", crate::harness::ADMIN_PASSWORD, "user admin")
        .await;
    let (status, m) = s
        .send_json_as(
            &admin,
            Method::PUT,
            &format!(
                "{}/work/api/v2/customers/1/users/BOB/libraries/ACTIVE",
                s.base
            ),
            json!({"role": "LIBRARY_ADMIN"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let (status, c) = s
        .send_json_as(&bob, Method::POST, &url, json!({"id": "MINE"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");

    // A class in use is not deleted; an unused one is, with its subclasses.
    let folder = s.folder().await;
    s.upload(&folder, "memo.txt", b"memo", json!({"class": "DOC"}))
        .await;
    let (status, e) = s.delete(&s.lib("/classes/DOC")).await;
    assert_error(status, &e, StatusCode::CONFLICT);
    let (status, e) = s.delete(&s.lib("/classes/DOC/subclasses/NOSUCH")).await;
    assert_error(status, &e, StatusCode::NOT_FOUND);
    let (status, _) = s.delete(&s.lib("/classes/LETTER")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        s.get(&s.lib("/classes/LETTER")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, e) = s.post(&s.lib("/classes"), json!({"id": "LETTER"})).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let subs = s.get_json(&s.lib("/classes/LETTER/subclasses")).await;
    assert_eq!(
        ids(&subs),
        Vec::<String>::new(),
        "the subclasses went with it"
    );

    let actions = audit_actions(&s).await;
    for action in ["class.create", "class.update", "class.delete"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn required_fields_are_enforced_on_upload_version_and_profile_edit() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let (status, c) = s
        .post(
            &s.lib("/classes"),
            json!({"id": "LETTER", "required_fields": ["custom13"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let blobs_before = s.blob_files();

    let (status, e) = s
        .upload_raw(
            &folder,
            TestServer::upload_form(
                json!({"doc_profile": {"class": "LETTER"}}),
                "a.txt",
                b"never stored".to_vec(),
            ),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "custom13");
    assert!(
        e["error"]["code_message"]
            .as_str()
            .unwrap()
            .contains("custom13 is required by class LETTER"),
        "{e}"
    );
    assert_eq!(document_count(&s).await, 0, "no document");
    assert_eq!(s.blob_files(), blobs_before, "no blob");

    let doc = s
        .upload(
            &folder,
            "a.txt",
            b"first",
            json!({"class": "LETTER", "custom13": "Dear Sir"}),
        )
        .await;
    let id = doc["id"].as_str().unwrap().to_string();

    // Profile edit: clearing the field is refused, and nothing changes.
    let (status, e) = s
        .patch(&s.lib(&format!("/documents/{id}")), json!({"custom13": ""}))
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "custom13");
    let now = s.get_json(&s.lib(&format!("/documents/{id}"))).await;
    assert_eq!(now["data"]["custom13"], "Dear Sir");

    // The library requires a field too; a new version must carry it.
    let (status, f) = s
        .patch(
            &s.lib("/captions/custom14"),
            json!({"label": "Reference", "required": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{f}");
    let (status, e) = s.new_version(&id, "a.txt", b"second", json!({})).await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "custom14");
    let (status, v) = s
        .new_version(
            &id,
            "a.txt",
            b"second",
            json!({"doc_profile": {"custom14": "REF-1"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["data"]["version"], 2);

    // A class that requires a subclass.
    let (status, _) = s
        .patch(
            &s.lib("/classes/LETTER"),
            json!({"subclass_required": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, e) = s
        .patch(
            &s.lib(&format!("/documents/{id}")),
            json!({"comment": "touched"}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "subclass");
    s.stop().await;
}

#[tokio::test]
async fn captions_are_listed_and_updated() {
    let s = TestServer::start().await;
    let all = s.get_json(&s.lib("/captions")).await;
    let all = all["data"].as_array().unwrap();
    assert_eq!(all.len(), 30);
    assert_eq!(all[0]["id"], "custom1");
    assert_eq!(all[0]["label"], "Client");
    assert_eq!(all[1]["label"], "Matter");
    assert_eq!(all[2]["label"], "");
    assert_eq!(all[2]["lookup_enabled"], true);
    assert!(
        all[12].get("lookup_enabled").is_none(),
        "custom13 has no table"
    );

    let (status, c) = s
        .patch(
            &s.lib("/captions/custom3"),
            json!({"label": "Matter Type", "lookup_enabled": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let one = s.get_json(&s.lib("/captions/custom3?language=en-gb")).await;
    assert_eq!(
        one["data"][0],
        json!({"id": "custom3", "type": "lookup", "label": "Matter Type", "num": 3,
               "locale": 2057, "database": "ACTIVE", "enabled": true, "required": false,
               "lookup_enabled": false})
    );
    assert_eq!(
        s.dossier()
            .custom_fields(
                &dossier_service::Caller::console(1),
                &dossier_core::LibraryId::parse("ACTIVE").unwrap()
            )
            .await
            .unwrap()
            .by_caption("matter type")
            .map(|d| d.field),
        Some(3),
        "the service's read names the field by its caption"
    );

    // custom3's table is off: any alias goes; custom4's is on.
    let (status, w) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Typed matter", "custom3": "LITIGATION"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    let (status, e) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Untyped", "custom4": "NOPE"}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);

    let (status, e) = s
        .patch(&s.lib("/captions/custom5"), json!({"label": "matter type"}))
        .await;
    assert_error(status, &e, StatusCode::CONFLICT);
    for (url, body, expected) in [
        (
            "/captions/custom13",
            json!({"lookup_enabled": false}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/captions/custom31",
            json!({"label": "x"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/captions/name",
            json!({"label": "x"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/captions/custom6",
            json!({"label": "x".repeat(300)}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/captions/custom6",
            json!({"enabled": "no"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, e) = s.patch(&s.lib(url), body).await;
        assert_error(status, &e, expected);
    }
    let six = s.get_json(&s.lib("/captions/custom6")).await;
    assert_eq!(six["data"][0]["label"], "", "no refused change was written");

    // A disabled field takes no value.
    let (status, _) = s
        .patch(&s.lib("/captions/custom15"), json!({"enabled": false}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, e) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Disabled", "custom15": "text"}),
        )
        .await;
    assert_error(status, &e, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&e), "custom15");

    let bob = s.new_user("bob", "Bob-pass-1234").await;
    let (status, listed) = s
        .send_json_as(&bob, Method::GET, &s.lib("/captions"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let (status, e) = s
        .send_json_as(
            &bob,
            Method::PATCH,
            &s.lib("/captions/custom7"),
            json!({"label": "Mine"}),
        )
        .await;
    assert_error(status, &e, StatusCode::FORBIDDEN);
    assert!(
        audit_actions(&s)
            .await
            .iter()
            .any(|a| a == "custom_field.update")
    );
    s.stop().await;
}

#[tokio::test]
async fn promoting_a_version_makes_it_the_latest() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let reader = s.new_user("reader", "Reader-pass-1234").await;
    let stranger = s.new_user("stranger", "Stranger-pass-1234").await;
    let editor = s.new_user("editor", "Editor-pass-1234").await;
    let holder = s.new_user("holder", "Holder-pass-1234").await;
    let (status, d) = s
        .upload_raw(
            &folder,
            TestServer::upload_form(
                json!({"doc_profile": {"name": "Draft", "comment": "first draft", "custom13": "one",
                                       "default_security": "private"},
                       "user_trustees": [{"id": "reader", "access_level": "read"},
                                         {"id": "editor", "access_level": "read_write"},
                                         {"id": "holder", "access_level": "read_write"}]}),
                "draft.txt",
                b"version one".to_vec(),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    // The document, not its first version (`ACTIVE!1.1` would name the version to promote).
    let id = format!("ACTIVE!{}", d["data"]["document_number"]);
    for (n, body) in [(2, "version two"), (3, "version three")] {
        let (status, v) = s
            .new_version(
                &id,
                "draft.txt",
                body.as_bytes(),
                json!({"doc_profile": {"comment": format!("draft {n}"), "custom13": format!("v{n}")}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let blobs = s.blob_files();

    let url = s.lib(&format!("/documents/{id}/promote"));
    let (status, e) = s
        .send_json_as(&reader, Method::POST, &url, json!({"version": 1}))
        .await;
    assert_error(status, &e, StatusCode::FORBIDDEN);
    let (status, e) = s
        .send_json_as(&stranger, Method::POST, &url, json!({"version": 1}))
        .await;
    assert_error(status, &e, StatusCode::NOT_FOUND);
    for (body, expected) in [
        (json!({"version": 9}), StatusCode::NOT_FOUND),
        (json!({}), StatusCode::BAD_REQUEST),
        (json!({"journal_id": "12"}), StatusCode::BAD_REQUEST),
        (json!({"version": "one"}), StatusCode::BAD_REQUEST),
        (
            json!({"version": 1, "default_security": "public"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, e) = s.post(&url, body.clone()).await;
        assert_eq!(status, expected, "{body}: {e}");
        assert_error(status, &e, expected);
    }

    let (status, p) = s
        .post(
            &url,
            json!({"version": 1, "audit": {"comments": "back to the start"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["data"]["version"], 4);
    assert_eq!(p["data"]["comment"], "first draft");
    assert_eq!(p["data"]["custom13"], "one");
    let content = s
        .get(&s.lib(&format!("/documents/{id}/download")))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        &content[..],
        b"version one",
        "the latest is version 1's content"
    );
    assert_eq!(s.blob_files(), blobs, "no byte copied");
    let latest = s.get_json(&s.lib(&format!("/documents/{id}"))).await;
    assert_eq!(latest["data"]["version"], 4);
    // The index follows: the latest version's words are version 1's again.
    s.wait_for_index().await;
    let found = |text: &'static str| {
        let s = &s;
        async move {
            let hits = s
                .get_json(&s.lib(&format!("/documents?anywhere={text}")))
                .await;
            hits["data"]["results"].as_array().unwrap().len()
        }
    };
    assert_eq!(found("one").await, 1);
    assert_eq!(found("three").await, 0, "version 3 is no longer the latest");

    let history = s
        .get_json(&s.lib(&format!("/documents/{id}/history")))
        .await;
    assert!(
        history["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["comments"]
                .as_str()
                .unwrap_or_default()
                .starts_with("promoted from version 1")
                && h["version"] == 4),
        "{history}"
    );
    assert!(
        audit_actions(&s)
            .await
            .iter()
            .any(|a| a == "document.version.promote")
    );

    // With profile changes over the promoted version's, by the version in the URL.
    let (status, p) = s
        .post(
            &s.lib(&format!("/documents/{id}.2/promote")),
            json!({"name": "Second again"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["data"]["version"], 5);
    assert_eq!(p["data"]["name"], "Second again");
    assert_eq!(p["data"]["custom13"], "v2");

    // Checked out by someone else: refused as a new version would be; by its holder: fine.
    let (status, l) = s
        .send_json_as(
            &holder,
            Method::POST,
            &s.lib(&format!("/documents/{id}/lock")),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{l}");
    let (status, e) = s
        .send_json_as(&editor, Method::POST, &url, json!({"version": 3}))
        .await;
    assert_error(status, &e, StatusCode::CONFLICT);
    let (status, e) = s
        .send_json_as(&holder, Method::POST, &url, json!({"version": 3}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["data"]["version"], 6);
    assert_eq!(e["data"]["operator"], "HOLDER");
    s.stop().await;
}

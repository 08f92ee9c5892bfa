//! The recycle bin, purge, the blob garbage collector, legal holds and retention
//! (docs/compatibility.md, "Recycle bin").

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use dossier_core::{ContainerId, DomainError};
use dossier_service::upload::{UploadInput, UploadTarget};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error};

/// Asserts an error envelope with this status and returns its message.
fn refused(status: StatusCode, body: &Value, expected: StatusCode) -> String {
    assert_error(status, body, expected);
    body["error"]["code_message"].as_str().unwrap().to_string()
}

/// The ids of a list, whether its `data` is the list or holds it as `results`.
fn ids(list: &Value) -> Vec<String> {
    let data = &list["data"];
    data.as_array()
        .or_else(|| data["results"].as_array())
        .unwrap_or_else(|| panic!("no list in {list}"))
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

fn hash_of(profile: &Value) -> String {
    profile["checksum"]
        .as_str()
        .unwrap()
        .strip_prefix("blake3:")
        .unwrap()
        .to_string()
}

async fn status_as(
    s: &TestServer,
    token: &str,
    method: Method,
    url: &str,
    body: Value,
) -> (StatusCode, Value) {
    s.send_json_as(token, method, url, body).await
}

async fn download(s: &TestServer, id: &str) -> (StatusCode, Vec<u8>) {
    let r = s.get(&s.lib(&format!("/documents/{id}/download"))).await;
    let status = r.status();
    (status, r.bytes().await.unwrap().to_vec())
}

/// Whether the content store still holds a blob's bytes.
async fn stored(s: &TestServer, hash: &str) -> bool {
    s.dossier().content_store().exists(hash).await.unwrap()
}

/// Two passes of the collector: the first dooms what nothing references, the second
/// removes it (a blob is removed only by a pass after the one that doomed it).
async fn collect(s: &TestServer) {
    s.dossier().collect_garbage(Duration::ZERO).await.unwrap();
    s.dossier().collect_garbage(Duration::ZERO).await.unwrap();
}

#[tokio::test]
async fn a_deleted_document_waits_in_the_recycle_bin_until_its_owner_restores_it() {
    let s = TestServer::start().await;
    let alice = s.new_user("ALICE", "alice-password-1").await;
    let bob = s.new_user("BOB", "bob-password-123").await;
    let folder = s.folder().await;
    let other = s.create_folder(&folder, "Other").await;
    let (st, doc) = s
        .upload_raw(
            &folder,
            TestServer::upload_form(
                json!({"doc_profile": {"name": "zebrafinch memo"}}),
                "memo.txt",
                b"zebrafinch first".to_vec(),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{doc}");
    let number = doc["data"]["document_number"].as_i64().unwrap();
    let (st, v2) = s
        .new_version(
            &format!("ACTIVE!{number}"),
            "memo.txt",
            b"zebrafinch second",
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v2}");
    // A reference elsewhere comes back with it.
    let (st, r) = s
        .post(
            &s.lib(&format!("/folders/{other}/documents")),
            json!({"document_id": format!("ACTIVE!{number}")}),
        )
        .await;
    assert!(st.is_success(), "{r}");
    s.wait_for_index().await;

    // Alice, who may edit it (public default security), deletes the document: both versions.
    let (st, _) = status_as(
        &s,
        &alice,
        Method::DELETE,
        &s.lib(&format!("/documents/ACTIVE!{number}.1")),
        Value::Null,
    )
    .await;
    assert_eq!(
        st,
        StatusCode::OK,
        "deleting one of two versions deletes that version"
    );
    let (st, e) = status_as(
        &s,
        &alice,
        Method::DELETE,
        &s.lib(&format!("/documents/ACTIVE!{number}")),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{e}");

    // Gone for everyone: profile, versions, lists, searches, counts.
    for url in [
        format!("/documents/ACTIVE!{number}"),
        format!("/documents/ACTIVE!{number}.2"),
        format!("/documents/ACTIVE!{number}/versions"),
        format!("/documents/ACTIVE!{number}/download"),
    ] {
        let r = s.get(&s.lib(&url)).await;
        let status = r.status();
        assert_error(status, &r.json().await.unwrap(), StatusCode::NOT_FOUND);
    }
    let children = s
        .get_json(&s.lib(&format!("/folders/{folder}/documents")))
        .await;
    assert!(ids(&children).is_empty(), "{children}");
    let referenced = s
        .get_json(&s.lib(&format!("/folders/{other}/documents")))
        .await;
    assert!(ids(&referenced).is_empty(), "{referenced}");
    let found = s
        .get_json(&s.lib("/documents?name=zebrafinch*&total=true"))
        .await;
    assert!(ids(&found).is_empty(), "{found}");
    s.wait_for_index().await;
    let words = s
        .get_json(&s.lib("/documents?anywhere=zebrafinch&total=true"))
        .await;
    assert!(ids(&words).is_empty(), "the index forgets it: {words}");
    assert_eq!(words["total_count"], 0, "{words}");

    // Its owner and the administrator see it in the bin; Bob does not, and cannot restore it.
    let bin = s.get_json(&s.lib("/trash-bin/documents")).await;
    assert_eq!(ids(&bin), [format!("ACTIVE!{number}.2")], "{bin}");
    assert_eq!(bin["data"][0]["deleted_by"], "ALICE");
    assert_eq!(bin["data"][0]["folder_id"], folder.as_str());
    let (st, mine) = status_as(
        &s,
        &alice,
        Method::GET,
        &s.lib("/trash-bin/documents"),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ids(&mine).len(), 1, "{mine}");
    let one = s
        .get_json(&s.lib(&format!("/trash-bin/documents?document_number={number}")))
        .await;
    assert_eq!(ids(&one).len(), 1, "{one}");
    let (_, theirs) = status_as(
        &s,
        &bob,
        Method::GET,
        &s.lib("/trash-bin/documents"),
        Value::Null,
    )
    .await;
    assert!(ids(&theirs).is_empty(), "{theirs}");
    let restore = s.lib(&format!("/trash-bin/documents/ACTIVE!{number}/restore"));
    let (st, e) = status_as(&s, &bob, Method::POST, &restore, json!({})).await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    let (st, e) = status_as(
        &s,
        &alice,
        Method::DELETE,
        &s.lib(&format!("/trash-bin/documents/ACTIVE!{number}")),
        Value::Null,
    )
    .await;
    assert_error(st, &e, StatusCode::FORBIDDEN);

    // Alice restores it: where it was, with its reference, its latest version and content.
    let (st, back) = status_as(
        &s,
        &alice,
        Method::POST,
        &restore,
        json!({"comments": "deleted by mistake"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{back}");
    assert_eq!(back["data"]["id"], format!("ACTIVE!{number}.2"));
    let (st, bytes) = download(&s, &format!("ACTIVE!{number}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(bytes, b"zebrafinch second");
    let children = s
        .get_json(&s.lib(&format!("/folders/{folder}/documents")))
        .await;
    assert_eq!(ids(&children), [format!("ACTIVE!{number}.2")]);
    let referenced = s
        .get_json(&s.lib(&format!("/folders/{other}/documents")))
        .await;
    assert_eq!(ids(&referenced).len(), 1, "{referenced}");
    s.wait_for_index().await;
    let words = s.get_json(&s.lib("/documents?anywhere=zebrafinch")).await;
    assert_eq!(ids(&words).len(), 1, "the index has it again: {words}");
    let bin = s.get_json(&s.lib("/trash-bin/documents")).await;
    assert!(ids(&bin).is_empty(), "{bin}");
    let history = s
        .get_json(&s.lib(&format!("/documents/ACTIVE!{number}/history")))
        .await;
    assert!(
        history["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["activity"] == "RESTORE"),
        "{history}"
    );

    // The feed tells of the deletion and the restore, in that order.
    let feed = s
        .get_json(&s.lib("/change-events?item_type=document"))
        .await;
    let actions: Vec<&str> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["object_id"]
                .as_str()
                .unwrap()
                .starts_with(&format!("ACTIVE!{number}."))
        })
        .map(|e| e["action_type"].as_str().unwrap())
        .collect();
    assert_eq!(actions.last(), Some(&"restored_from_trash"), "{feed}");
    assert!(actions.contains(&"delete"), "{feed}");

    // A document whose folder went is restored into a folder the caller names.
    let (st, _) = s
        .delete(&s.lib(&format!("/documents/ACTIVE!{number}")))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s.delete(&s.lib(&format!("/folders/{other}"))).await;
    assert!(st.is_success());
    let lone = s.create_folder(&folder, "Lone").await;
    let (st, _) = s.delete(&s.lib(&format!("/folders/{lone}"))).await;
    assert!(st.is_success());
    let (st, e) = s.post(&restore, json!({"folder_ids": [lone]})).await;
    assert_error(st, &e, StatusCode::NOT_FOUND);
    let (st, back) = s.post(&restore, json!({"folder_ids": [folder]})).await;
    assert_eq!(st, StatusCode::OK, "{back}");
    s.stop().await;
}

#[tokio::test]
async fn purge_removes_a_document_for_good_and_the_collector_its_bytes() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let kept = s
        .upload(&folder, "shared.txt", b"shared bytes", json!({}))
        .await;
    let gone = s
        .upload(&folder, "shared-copy.txt", b"shared bytes", json!({}))
        .await;
    let lone = s
        .upload(&folder, "lone.txt", b"bytes of one document", json!({}))
        .await;
    let shared_hash = hash_of(&kept);
    let lone_hash = hash_of(&lone);
    for d in [&gone, &lone] {
        let (st, _) = s
            .delete(&s.lib(&format!("/documents/{}", d["id"].as_str().unwrap())))
            .await;
        assert_eq!(st, StatusCode::OK);
    }
    // In the bin, its content is still referenced: the collector leaves it.
    collect(&s).await;
    assert!(stored(&s, &lone_hash).await);

    // An administrator purges both now.
    for d in [&gone, &lone] {
        let n = d["document_number"].as_i64().unwrap();
        let (st, e) = s
            .delete(&s.lib(&format!("/trash-bin/documents/ACTIVE!{n}")))
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{e}");
        let (st, e) = s
            .post(
                &s.lib(&format!("/trash-bin/documents/ACTIVE!{n}/restore")),
                json!({}),
            )
            .await;
        assert_error(st, &e, StatusCode::NOT_FOUND);
    }
    let feed = s
        .get_json(&s.lib("/change-events?item_type=document"))
        .await;
    assert!(
        feed["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action_type"] == "purged_from_trash"),
        "{feed}"
    );
    // A first pass finds it unreferenced (`dossier check` counts it), a later one removes it.
    s.dossier().collect_garbage(Duration::ZERO).await.unwrap();
    assert!(stored(&s, &lone_hash).await);
    assert_eq!(s.dossier().check().await.unwrap().awaiting_collection, 1);
    s.dossier().collect_garbage(Duration::ZERO).await.unwrap();
    assert_eq!(s.dossier().check().await.unwrap().awaiting_collection, 0);
    assert!(
        !stored(&s, &lone_hash).await,
        "no version references it: its bytes go"
    );
    assert!(
        stored(&s, &shared_hash).await,
        "another document still references it"
    );
    let (st, bytes) = download(&s, kept["id"].as_str().unwrap()).await;
    assert_eq!(
        (st, bytes.as_slice()),
        (StatusCode::OK, &b"shared bytes"[..])
    );
    let report = s.dossier().check().await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert!(report.unregistered_blobs.is_empty(), "{report:?}");

    // The same content uploaded again after its collection is stored again.
    let again = s
        .upload(&folder, "lone.txt", b"bytes of one document", json!({}))
        .await;
    let (st, bytes) = download(&s, again["id"].as_str().unwrap()).await;
    assert_eq!(
        (st, bytes.as_slice()),
        (StatusCode::OK, &b"bytes of one document"[..])
    );
    collect(&s).await;
    assert!(stored(&s, &lone_hash).await);

    // The housekeeping purges what has waited its time: here, made due by hand.
    let due = s
        .upload(&folder, "due.txt", b"due for purge", json!({}))
        .await;
    let n = due["document_number"].as_i64().unwrap();
    let (st, _) = s.delete(&s.lib(&format!("/documents/ACTIVE!{n}"))).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        s.dossier().purge_expired_documents().await.unwrap(),
        0,
        "not due yet"
    );
    let mut tx = s.dossier().store().begin().await.unwrap();
    dossier_store::sql::Sql::new("UPDATE recycle_bin SET purge_after = 0")
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.dossier().purge_expired_documents().await.unwrap(), 1);
    let bin = s.get_json(&s.lib("/trash-bin/documents")).await;
    assert!(ids(&bin).is_empty(), "{bin}");
    s.stop().await;
}

#[tokio::test]
async fn with_no_recycle_period_deleting_purges_at_once() {
    let s = TestServer::start_with(BTreeMap::from([(
        "DOSSIER_RECYCLE_BIN_DAYS".to_string(),
        "0".to_string(),
    )]))
    .await;
    let folder = s.folder().await;
    let doc = s
        .upload(&folder, "now.txt", b"purged at once", json!({}))
        .await;
    let (st, _) = s
        .delete(&s.lib(&format!("/documents/{}", doc["id"].as_str().unwrap())))
        .await;
    assert_eq!(st, StatusCode::OK);
    let bin = s.get_json(&s.lib("/trash-bin/documents")).await;
    assert!(ids(&bin).is_empty(), "{bin}");
    collect(&s).await;
    assert!(!stored(&s, &hash_of(&doc)).await);
    s.stop().await;
}

#[tokio::test]
async fn a_legal_hold_blocks_deletion_and_purge_until_released() {
    let s = TestServer::start().await;
    let alice = s.new_user("ALICE", "alice-password-1").await;
    let ws = s.create_workspace("Litigation").await;
    let folder = s.create_folder(&ws, "Evidence").await;
    let doc = s
        .upload(&folder, "evidence.txt", b"exhibit A", json!({}))
        .await;
    let id = doc["id"].as_str().unwrap().to_string();
    let n = doc["document_number"].as_i64().unwrap();
    let hold_url = s.lib(&format!("/documents/ACTIVE!{n}/legal-hold"));

    // Only administrators place holds.
    let (st, e) = status_as(
        &s,
        &alice,
        Method::PUT,
        &hold_url,
        json!({"reason": "mine"}),
    )
    .await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let (st, e) = s.send_json(Method::PUT, &hold_url, json!({})).await;
    assert_error(st, &e, StatusCode::BAD_REQUEST);
    let (st, h) = s
        .send_json(Method::PUT, &hold_url, json!({"reason": "Smith v Jones"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{h}");
    assert_eq!(h["data"]["held_by"], "ADMIN");

    let (st, e) = status_as(
        &s,
        &alice,
        Method::DELETE,
        &s.lib(&format!("/documents/{id}")),
        Value::Null,
    )
    .await;
    let message = refused(st, &e, StatusCode::FORBIDDEN);
    assert!(
        message.contains("legal hold") && message.contains("Smith v Jones"),
        "{message}"
    );
    let (st, e) = s.delete(&s.lib(&format!("/documents/{id}"))).await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    assert_eq!(
        s.get(&s.lib(&format!("/documents/{id}"))).await.status(),
        StatusCode::OK
    );

    let (st, _) = s.delete(&hold_url).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, e) = s.delete(&hold_url).await;
    assert_error(st, &e, StatusCode::NOT_FOUND);

    // A hold on the workspace covers its documents, in the bin too, and the workspace.
    let (st, e) = s.delete(&s.lib(&format!("/documents/{id}"))).await;
    assert_eq!(st, StatusCode::OK, "{e}");
    let ws_hold = s.lib(&format!("/workspaces/{ws}/legal-hold"));
    let (st, h) = s
        .send_json(Method::PUT, &ws_hold, json!({"reason": "regulator"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{h}");
    let holds = s.get_json(&s.lib("/legal-holds")).await;
    assert_eq!(holds["data"].as_array().unwrap().len(), 1, "{holds}");
    let (st, e) = s
        .delete(&s.lib(&format!("/trash-bin/documents/ACTIVE!{n}")))
        .await;
    let message = refused(st, &e, StatusCode::FORBIDDEN);
    assert!(message.contains("regulator"), "{message}");
    // A document elsewhere, due too, is purged past the one the hold keeps.
    let elsewhere = s.folder().await;
    let free = s
        .upload(&elsewhere, "free.txt", b"not held", json!({}))
        .await;
    let (st, _) = s
        .delete(&s.lib(&format!("/documents/{}", free["id"].as_str().unwrap())))
        .await;
    assert_eq!(st, StatusCode::OK);
    let mut tx = s.dossier().store().begin().await.unwrap();
    dossier_store::sql::Sql::new("UPDATE recycle_bin SET purge_after = 0")
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        s.dossier().purge_expired_documents().await.unwrap(),
        1,
        "the held one kept, the other purged"
    );
    let other = s
        .upload(&folder, "other.txt", b"exhibit B", json!({}))
        .await;
    let (st, e) = s
        .delete(&s.lib(&format!("/documents/{}", other["id"].as_str().unwrap())))
        .await;
    assert_error(st, &e, StatusCode::FORBIDDEN);
    let (st, e) = s.delete(&s.lib(&format!("/workspaces/{ws}"))).await;
    assert_error(st, &e, StatusCode::FORBIDDEN);

    let (st, _) = s.delete(&ws_hold).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(s.dossier().purge_expired_documents().await.unwrap(), 1);

    // Every hold placed and released is in the audit log.
    let admin = s
        .login_scoped("admin", crate::harness::ADMIN_PASSWORD, "user admin")
        .await;
    let (st, audit) = status_as(
        &s,
        &admin,
        Method::GET,
        &format!("{}/work/api/v2/customers/1/audit-log?limit=500", s.base),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{audit}");
    let actions: Vec<&str> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .filter(|a| a.starts_with("legal_hold."))
        .collect();
    assert_eq!(actions.len(), 4, "{audit}");
    assert!(audit.to_string().contains("regulator"), "{audit}");
    s.stop().await;
}

#[tokio::test]
async fn a_class_retention_blocks_deletion_before_its_end() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let (st, c) = s
        .post(
            &s.lib("/classes"),
            json!({"id": "RECORDS", "description": "Kept records", "retain": 3650}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let doc = s
        .upload(
            &folder,
            "record.txt",
            b"a record",
            json!({"class": "RECORDS"}),
        )
        .await;
    let id = doc["id"].as_str().unwrap();
    let (st, e) = s.delete(&s.lib(&format!("/documents/{id}"))).await;
    let message = refused(st, &e, StatusCode::FORBIDDEN);
    assert!(
        message.contains("retained until") && message.contains("RECORDS"),
        "{message}"
    );
    assert_eq!(
        s.get(&s.lib(&format!("/documents/{id}"))).await.status(),
        StatusCode::OK
    );

    let (st, c) = s
        .patch(&s.lib("/classes/RECORDS"), json!({"retain": 0}))
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let (st, e) = s.delete(&s.lib(&format!("/documents/{id}"))).await;
    assert_eq!(st, StatusCode::OK, "{e}");
    s.stop().await;
}

/// The collector against an upload of the same content, step by step through the upload
/// use case: the content is stored (found already there: deduplicated) before the
/// collector runs, and its reference is committed after.
#[tokio::test]
async fn gc_never_removes_content_an_upload_references() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let d = s.dossier();
    let caller = d.authenticate(&s.token).await.unwrap();
    let folder_id: ContainerId = folder.parse().unwrap();
    let content: &[u8] = b"the same bytes, uploaded again and again";

    // Content that no version references any more, doomed by a first pass.
    let first = s.upload(&folder, "a.txt", content, json!({})).await;
    let hash = hash_of(&first);
    let n = first["document_number"].as_i64().unwrap();
    s.delete(&s.lib(&format!("/documents/ACTIVE!{n}"))).await;
    s.delete(&s.lib(&format!("/trash-bin/documents/ACTIVE!{n}")))
        .await;

    let upload = |name: &'static str| {
        let folder_id = folder_id.clone();
        let caller = caller.clone();
        async move {
            let plan = d
                .plan_upload(
                    &caller,
                    UploadTarget::NewDocument(folder_id),
                    UploadInput::default(),
                    Some(name),
                )
                .await
                .unwrap();
            let received = d
                .receive_content(
                    Some(name.to_string()),
                    futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(content))]),
                )
                .await
                .unwrap();
            (plan, received)
        }
    };

    // 1. Doomed by a pass, then stored (found) and committed: the reference revives it,
    //    and later passes leave it.
    d.collect_garbage(Duration::ZERO).await.unwrap();
    let (plan, received) = upload("b.txt").await;
    assert!(
        stored(&s, &hash).await,
        "doomed by the last pass only: not yet removed"
    );
    let b = d.commit_upload(plan, received).await.unwrap();
    collect(&s).await;
    assert!(stored(&s, &hash).await, "referenced again: kept");
    let (st, bytes) = download(&s, &b.view.doc.id.to_string()).await;
    assert_eq!((st, bytes.as_slice()), (StatusCode::OK, content));

    // 2. Stored (found), then removed by the collector, then committed: refused, nothing
    //    written, and the client's retry stores the content again.
    s.delete(&s.lib(&format!("/documents/ACTIVE!{}", b.view.doc.id.number)))
        .await;
    s.delete(&s.lib(&format!(
        "/trash-bin/documents/ACTIVE!{}",
        b.view.doc.id.number
    )))
    .await;
    d.collect_garbage(Duration::ZERO).await.unwrap();
    let (plan, received) = upload("c.txt").await;
    d.collect_garbage(Duration::ZERO).await.unwrap();
    assert!(
        !stored(&s, &hash).await,
        "the collector removed the bytes the upload found"
    );
    let refused = d.commit_upload(plan, received).await;
    assert!(
        matches!(refused, Err(DomainError::Unavailable(_))),
        "{refused:?}"
    );
    let listed = s
        .get_json(&s.lib(&format!("/folders/{folder}/documents")))
        .await;
    assert!(ids(&listed).is_empty(), "nothing filed: {listed}");
    let retried = s.upload(&folder, "c.txt", content, json!({})).await;
    let (st, bytes) = download(&s, retried["id"].as_str().unwrap()).await;
    assert_eq!((st, bytes.as_slice()), (StatusCode::OK, content));
    collect(&s).await;
    assert!(stored(&s, &hash).await);

    // 3. Over HTTP, uploads of the same content racing collector passes: every document
    //    acknowledged has its bytes, whoever won each race.
    let mut acknowledged = vec![retried["id"].as_str().unwrap().to_string()];
    for round in 0..8 {
        for id in std::mem::take(&mut acknowledged) {
            s.delete(&s.lib(&format!("/documents/{id}"))).await;
            let n = id
                .trim_start_matches("ACTIVE!")
                .split('.')
                .next()
                .unwrap()
                .to_string();
            s.delete(&s.lib(&format!("/trash-bin/documents/ACTIVE!{n}")))
                .await;
        }
        d.collect_garbage(Duration::ZERO).await.unwrap();
        let uploads = (0..4).map(|i| {
            let form =
                TestServer::upload_form(json!({}), &format!("r{round}-{i}.txt"), content.to_vec());
            s.upload_raw(&folder, form)
        });
        let collector = async {
            for _ in 0..4 {
                d.collect_garbage(Duration::ZERO).await.unwrap();
            }
        };
        let (answers, ()) = tokio::join!(futures::future::join_all(uploads), collector);
        for (st, body) in answers {
            match st {
                StatusCode::CREATED => {
                    acknowledged.push(body["data"]["id"].as_str().unwrap().to_string())
                }
                StatusCode::SERVICE_UNAVAILABLE => {}
                other => panic!("unexpected {other}: {body}"),
            }
        }
        collect(&s).await;
        for id in &acknowledged {
            let (st, bytes) = download(&s, id).await;
            assert_eq!(
                (st, bytes.as_slice()),
                (StatusCode::OK, content),
                "round {round}: {id}"
            );
        }
    }
    let report = d.check().await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    s.stop().await;
}

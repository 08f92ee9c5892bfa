use serde_json::json;

use crate::harness::TestServer;

#[tokio::test]
async fn every_mutation_leaves_an_event_in_commit_order() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Matter").await;
    let folder = s.create_folder(&ws, "Docs").await;
    let doc = s.upload(&folder, "a.txt", b"a", json!({})).await;
    let id = doc["id"].as_str().unwrap();
    s.patch(&s.lib(&format!("/documents/{id}")), json!({"comment": "x"}))
        .await;

    let feed = s.get_json(&s.lib("/change-events")).await;
    let events = feed["data"].as_array().unwrap();
    let kinds: Vec<_> = events
        .iter()
        .map(|e| {
            (
                e["item_type"].as_str().unwrap(),
                e["action_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("workspace", "insert"),
            // A workspace has its own security: readable-set caches learn of it.
            ("security", "update"),
            ("container", "insert"),
            ("document", "insert"),
            ("document", "profile_update")
        ]
    );
    let seqs: Vec<i64> = events
        .iter()
        .map(|e| e["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "sequence numbers increase"
    );
    assert_eq!(events[3]["object_id"], id);
    assert_eq!(events[3]["root_id"], ws.as_str());

    let cursor = feed["cursor"].as_str().unwrap();
    let empty = s
        .get_json(&s.lib(&format!("/change-events?cursor={cursor}")))
        .await;
    assert!(empty["data"].as_array().unwrap().is_empty());
    s.create_folder(&ws, "More").await;
    let next = s
        .get_json(&s.lib(&format!("/change-events?cursor={cursor}")))
        .await;
    assert_eq!(next["data"].as_array().unwrap().len(), 1);
    let limited = s.get_json(&s.lib("/change-events?limit=2")).await;
    assert_eq!(limited["overflow"], true);
    let docs_only = s
        .get_json(&s.lib("/change-events?item_type=document"))
        .await;
    assert_eq!(docs_only["data"].as_array().unwrap().len(), 2);
    s.stop().await;
}

/// An outbox row this version cannot decode (a newer version's, during a rolling upgrade or
/// after a rollback) is left out of the feed and passed by the search indexer: neither
/// stops on it, and the cursor moves past it.
#[tokio::test]
async fn an_event_this_version_cannot_read_is_passed_over() {
    let s = TestServer::start().await;
    let ws = s.create_workspace("Matter").await;
    let before = s.get_json(&s.lib("/change-events")).await;
    let c0: i64 = before["cursor"].as_str().unwrap().parse().unwrap();

    let mut tx = s.dossier().store().begin().await.unwrap();
    dossier_store::events::append(
        tx.conn(),
        &dossier_core::model::Event {
            seq: 0,
            row: dossier_core::events::Row {
                library: "ACTIVE".into(),
                item_type: "binder".into(),
                action: "insert".into(),
                object_id: "ACTIVE!999".into(),
                related_object_id: None,
                root_id: None,
            },
            user_id: "ADMIN".into(),
            event_date: chrono::Utc::now(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    s.create_folder(&ws, "Correspondence").await;

    let feed = s
        .get_json(&s.lib(&format!("/change-events?cursor={c0}")))
        .await;
    let kinds: Vec<_> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["item_type"].as_str().unwrap(),
                e["action_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [("container", "insert")]);

    // A page holding only the unreadable row is empty, but its cursor is past the row.
    let page = s
        .get_json(&s.lib(&format!("/change-events?cursor={c0}&limit=1")))
        .await;
    assert!(page["data"].as_array().unwrap().is_empty(), "{page}");
    assert_eq!(page["overflow"], true);
    let c1: i64 = page["cursor"].as_str().unwrap().parse().unwrap();
    assert!(c1 > c0, "{page}");
    let next = s
        .get_json(&s.lib(&format!("/change-events?cursor={c1}")))
        .await;
    assert_eq!(next["data"].as_array().unwrap().len(), 1, "{next}");
    assert_eq!(next["data"][0]["item_type"], "container");

    // The indexer applies every event after it, the folder included.
    s.wait_for_index().await;
    let found = s
        .get_json(&s.lib("/folders/search?anywhere=correspondence"))
        .await;
    let list = found["data"]["results"]
        .as_array()
        .or_else(|| found["data"].as_array())
        .unwrap();
    let names: Vec<_> = list.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Correspondence"], "{found}");
    s.stop().await;
}

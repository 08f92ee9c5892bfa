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

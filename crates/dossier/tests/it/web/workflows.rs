//! "Start a workflow" from the web client: only the workflows offered to the user for the
//! selection, the registration's form, a run the flow's callback receives, its state.

use reqwest::StatusCode;
use serde_json::json;

use super::{csrf_of, sign_in, sign_in_admin};
use crate::automate::workflows::{allowing_localhost, approval_form, receiver, register, wait_for};
use crate::harness::TestServer;

#[tokio::test]
async fn a_workflow_is_started_on_two_selected_documents_and_its_run_shown() {
    let s = TestServer::start_with(allowing_localhost()).await;
    let (hooks, got) = receiver().await;
    approval_form(&s).await;
    let ws = s.create_workspace("Acme v Widget").await;
    let folder = s.create_folder(&ws, "Pleadings").await;
    let mut ids = Vec::new();
    for name in ["Brief", "Exhibit"] {
        let d = s
            .upload(
                &folder,
                &format!("{name}.txt"),
                name.as_bytes(),
                json!({"name": name}),
            )
            .await;
        ids.push(
            d["id"]
                .as_str()
                .unwrap()
                .split('.')
                .next()
                .unwrap()
                .to_string(),
        );
    }
    let r = register(
        &s,
        &s.token,
        "multipleSelectedDocuments",
        Some(("flow-m", "env-1", "v1")),
        json!({
            "callbackUrl": format!("{hooks}/flow/multiple"),
            "workflowName": "Bundle for the court",
            "description": "Sends the selection to the clerk",
            "libraryId": "ACTIVE",
            "formId": "approval",
            "inferFolderId": false,
            "waitForCompletion": false,
            "users": "ADMIN",
        }),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let (mut b, home) = sign_in_admin(&s).await;
    // The folder page offers the selection.
    let listing = b.get(&format!("/folders/{folder}")).await;
    assert!(
        listing
            .body
            .contains("Start a workflow on the selected documents")
    );
    assert!(
        listing
            .body
            .contains(&format!("name=\"document\" value=\"{}\"", ids[0])),
        "{}",
        listing.body
    );
    let selection = format!("/workflows?document={}&document={}", ids[0], ids[1]);
    let choose = b.get(&selection).await;
    assert_eq!(choose.status, StatusCode::OK, "{}", choose.body);
    assert!(
        choose.body.contains("Bundle for the court"),
        "{}",
        choose.body
    );
    // One document calls for the single-document trigger: this workflow is not offered.
    let single = b.get(&format!("/workflows?document={}", ids[0])).await;
    assert!(!single.body.contains("Bundle for the court"));
    assert!(single.body.contains("No workflow is offered"));
    let workflow_id = choose
        .body
        .split("workflow=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let form = b.get(&format!("{selection}&workflow={workflow_id}")).await;
    for label in ["Reason (required)", "Pages", "Urgent", "Due", "Level"] {
        assert!(form.body.contains(label), "{label}: {}", form.body);
    }
    let csrf = csrf_of(&home);
    let action = format!("/workflows/{workflow_id}/runs");
    // A required field left empty: the service refuses, nothing is sent.
    let bad = b
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("document", &ids[0]),
                ("document", &ids[1]),
                ("field.reason", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let started = b
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("document", &ids[0]),
                ("document", &ids[1]),
                ("field.reason", "filing deadline"),
                ("field.pages", "12"),
                ("field.urgent", "true"),
                ("field.level", "high"),
            ],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let run_page = started.location().to_string();
    assert!(run_page.starts_with("/workflow-runs/ACTIVE/"), "{run_page}");
    let calls = wait_for(&got, 1).await;
    let (name, _, payload) = &calls[0];
    assert_eq!(name, "multiple");
    let text = payload.to_string();
    assert!(
        text.contains("filing deadline") && text.contains(&ids[0]) && text.contains(&ids[1]),
        "{text}"
    );
    let run = b.get(&run_page).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
    assert!(
        run.body.contains("Bundle for the court") && run.body.contains("State:"),
        "{}",
        run.body
    );
    // Another user, outside the audience, is offered nothing and cannot see the run.
    s.new_user("OUTSIDER", "outsider-password").await;
    let (mut other, other_home) = sign_in(&s, "outsider", "outsider-password").await;
    assert!(
        other
            .get(&selection)
            .await
            .body
            .contains("No workflow is offered")
    );
    let refused = other
        .post_form(
            &action,
            &[
                ("csrf", &csrf_of(&other_home)),
                ("document", &ids[0]),
                ("document", &ids[1]),
                ("field.reason", "x"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&run_page).await.status, StatusCode::NOT_FOUND);
    s.stop().await;
}

//! The typed search forms of the document search, each on the database path (no text
//! criteria) and on the index path (with `anywhere`), which must agree exactly: the number
//! operators of custom17–20, relative date ranges, lookup descriptions as words, and the
//! 400s for malformed forms.

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestServer, assert_error, error_field};
use crate::search::{names, q, search};

/// The word every document of these tests holds in its text, for the index path.
const WORD: &str = "ledger";

/// The names a search finds, asked on both paths: as given (the database) and with
/// `anywhere` (the index). Both must answer the same.
async fn both(s: &TestServer, query: &str) -> Vec<String> {
    let (st, db) = search(s, &s.token, &format!("{query}&limit=100")).await;
    assert_eq!(st, StatusCode::OK, "{query}: {db}");
    let (st, ix) = search(s, &s.token, &format!("{query}&anywhere={WORD}&limit=100")).await;
    assert_eq!(st, StatusCode::OK, "{query} (index): {ix}");
    assert_eq!(names(&db), names(&ix), "{query}: the two paths disagree");
    names(&db)
}

/// The names an index-only search finds (email dates are answered by the index alone).
async fn indexed(s: &TestServer, query: &str) -> Vec<String> {
    let (st, body) = search(s, &s.token, &format!("{query}&limit=100")).await;
    assert_eq!(st, StatusCode::OK, "{query}: {body}");
    names(&body)
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[tokio::test]
async fn number_operators_of_custom17_to_20_on_both_paths() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    for v in [-5.0, -1.0, 0.0, 1.5, 2.0, 10.0] {
        s.upload(
            &folder,
            "n.txt",
            format!("{WORD} entry").as_bytes(),
            json!({"name": format!("n{v}"), "custom17": v}),
        )
        .await;
    }
    s.wait_for_index().await;

    let cases: &[(&str, &[&str])] = &[
        ("2", &["n2"]),
        ("=2", &["n2"]),
        ("=-1", &["n-1"]),
        // Strict: the bound itself is not found.
        ("<0", &["n-1", "n-5"]),
        (">1.5", &["n10", "n2"]),
        ("> 1.5", &["n10", "n2"]),
        ("<=0", &["n-1", "n-5", "n0"]),
        (">=1.5", &["n1.5", "n10", "n2"]),
        // Ranges include both ends, with negative numbers and decimals.
        ("-5--1", &["n-1", "n-5"]),
        ("1.5-2", &["n1.5", "n2"]),
        ("-1-1.5", &["n-1", "n0", "n1.5"]),
        ("3-9", &[]),
    ];
    for (form, expected) in cases {
        assert_eq!(
            both(&s, &format!("custom17={}", q(form))).await,
            *expected,
            "custom17={form}"
        );
    }
    // With `_from`/`_to` as well, both must hold.
    assert_eq!(
        both(&s, &format!("custom17={}&custom17_from=0", q("<2"))).await,
        ["n0", "n1.5"]
    );
    // The POST form reads the same values.
    let (st, body) = s
        .post(
            &s.lib("/documents/search"),
            json!({"filters": {"custom17": ">1.5"}, "limit": 100}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let mut found: Vec<&str> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    found.sort();
    assert_eq!(found, ["n10", "n2"]);
}

#[tokio::test]
async fn relative_date_ranges_on_both_paths() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    let now = Utc::now();
    // Each at least two days from any edge the queries below draw, so a test that runs
    // across midnight still finds the same.
    for (name, days) in [
        ("recent", -3),
        ("last month", -40),
        ("last year", -400),
        ("soon", 10),
    ] {
        s.upload(
            &folder,
            "d.txt",
            format!("{WORD} entry").as_bytes(),
            json!({"name": name, "custom21": iso(now + TimeDelta::days(days))}),
        )
        .await;
    }
    let date = |days: i64| (now + TimeDelta::days(days)).to_rfc2822();
    for (name, days) in [("email this week", -2), ("email last quarter", -100)] {
        s.upload(
            &folder,
            "m.eml",
            format!(
                "From: a@firm.example\r\nTo: b@client.example\r\nSubject: {name}\r\nDate: {}\r\n\r\nThe {WORD} is attached.\r\n",
                date(days)
            )
            .as_bytes(),
            json!({"name": name}),
        )
        .await;
    }
    s.wait_for_index().await;
    let documents = ["last month", "last year", "recent", "soon"];
    let emails = ["email last quarter", "email this week"];
    let everything = {
        let mut all: Vec<&str> = documents.iter().chain(&emails).copied().collect();
        all.sort();
        all
    };

    let cases: &[(&str, &[&str])] = &[
        ("-7d", &["recent"]),
        ("-1w", &["recent"]),
        ("-1y", &["last month", "recent"]),
        ("-2y:-1y", &["last year"]),
        ("-6w:-5w", &["last month"]),
        ("-2m:-1m", &["last month"]),
        ("+2w", &["soon"]),
        (" 2w", &["soon"]),
        ("-1y:+1y", &["last month", "recent", "soon"]),
        ("0", &[]),
    ];
    for (form, expected) in cases {
        assert_eq!(
            both(&s, &format!("custom21_relative={}", q(form))).await,
            *expected,
            "custom21_relative={form}"
        );
    }
    // A relative range and `_from` together: both hold.
    assert_eq!(
        both(
            &s,
            &format!(
                "custom21_relative=-1y&custom21_from={}",
                q(&iso(now - TimeDelta::days(20)))
            )
        )
        .await,
        ["recent"]
    );

    // Document dates, as the bare name or `_relative`: everything was made today.
    for query in [
        "create_date=-1d",
        "create_date_relative=0",
        "edit_date=-1w",
        "edit_date_relative=-1d:0",
        "timezone_offset=330&create_date=-1d",
    ] {
        assert_eq!(both(&s, query).await, everything, "{query}");
    }
    for query in ["create_date=-30d:-1d", "edit_date_relative=%2B1d:%2B2d"] {
        assert!(both(&s, query).await.is_empty(), "{query}");
    }

    // Email dates, from the messages' own headers; the index answers them, with or
    // without text.
    assert_eq!(indexed(&s, "sent_date=-7d").await, ["email this week"]);
    assert_eq!(
        indexed(&s, &format!("sent_date_relative=-1y:-1m&anywhere={WORD}")).await,
        ["email last quarter"]
    );
    assert_eq!(indexed(&s, "received_date=-7d").await, Vec::<String>::new());
    let (st, body) = s
        .post(
            &s.lib("/documents/search"),
            json!({"filters": {"sent_date": "-7d"}, "timezone_offset": -360, "limit": 100}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["data"][0]["name"], "email this week", "{body}");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn anywhere_finds_documents_by_their_lookup_descriptions() {
    let s = TestServer::start().await;
    let folder = s.folder().await;
    for (path, body) in [
        (
            "custom1",
            json!({"id": "C001", "description": "Harrington Steel Ltd"}),
        ),
        (
            "custom1",
            json!({"id": "C002", "description": "Blackwood Mining"}),
        ),
        (
            "custom2",
            json!({"id": "M01", "description": "Foundry acquisition", "parent": {"id": "C001"}}),
        ),
        (
            "custom2",
            json!({"id": "M01", "description": "Quarry dispute", "parent": {"id": "C002"}}),
        ),
    ] {
        let (st, b) = s.post(&s.lib(&format!("/customs/{path}")), body).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    s.upload(
        &folder,
        "a.txt",
        b"minutes",
        json!({"name": "Steel minutes", "custom1": "c001", "custom2": "m01"}),
    )
    .await;
    s.upload(
        &folder,
        "b.txt",
        b"minutes",
        json!({"name": "Mining minutes", "custom1": "C002", "custom2": "M01"}),
    )
    .await;
    s.upload(
        &folder,
        "c.txt",
        b"minutes",
        json!({"name": "Unfiled minutes"}),
    )
    .await;
    s.wait_for_index().await;

    assert_eq!(indexed(&s, "anywhere=harrington").await, ["Steel minutes"]);
    assert_eq!(indexed(&s, "anywhere=blackwood").await, ["Mining minutes"]);
    // The matter's description is the one under the document's own client.
    assert_eq!(indexed(&s, "anywhere=foundry").await, ["Steel minutes"]);
    assert_eq!(indexed(&s, "anywhere=quarry").await, ["Mining minutes"]);
    assert_eq!(
        indexed(
            &s,
            &format!("anywhere={}", q("\"harrington steel\" minutes"))
        )
        .await,
        ["Steel minutes"]
    );
    // Aliases are still words of the profile.
    assert_eq!(indexed(&s, "anywhere=c002").await, ["Mining minutes"]);

    // A workspace naming the client carries its description too.
    let (st, b) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Steel matter", "custom1": "C001"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    s.wait_for_index().await;
    let workspaces = |text: &'static str| {
        let s = &s;
        async move {
            let (st, body) = s
                .send_json(
                    reqwest::Method::GET,
                    &s.lib(&format!("/workspaces?anywhere={text}")),
                    Value::Null,
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{body}");
            names(&body)
        }
    };
    assert_eq!(workspaces("harrington").await, ["Steel matter"]);

    // An edited description is re-indexed on everything that names the entry; a deleted
    // entry's description leaves them.
    let (st, b) = s
        .patch(
            &s.lib("/customs/custom1/C001"),
            json!({"description": "Kestrel Holdings"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = s
        .send_json(
            reqwest::Method::DELETE,
            &s.lib("/customs/custom2/M01?parent_alias=C002"),
            Value::Null,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    s.wait_for_index().await;
    assert_eq!(indexed(&s, "anywhere=kestrel").await, ["Steel minutes"]);
    assert!(indexed(&s, "anywhere=harrington").await.is_empty());
    assert_eq!(workspaces("kestrel").await, ["Steel matter"]);
    assert!(workspaces("harrington").await.is_empty());
    assert!(indexed(&s, "anywhere=quarry").await.is_empty());
    // The other client's matter of the same alias keeps its description.
    assert_eq!(indexed(&s, "anywhere=foundry").await, ["Steel minutes"]);
}

#[tokio::test]
async fn malformed_forms_are_a_400_naming_the_parameter() {
    let s = TestServer::start().await;
    let cases = [
        ("custom17", "<abc"),
        ("custom17", "5-1"),
        ("custom18", "1-2-3"),
        ("custom19", "10 to 20"),
        ("custom20", ">"),
        ("custom17_from", "ten"),
        ("custom21_relative", "-7x"),
        ("custom24_relative", "-1d:-30d"),
        ("create_date", "last week"),
        ("create_date_relative", "2026-01-01"),
        ("edit_date", "-7d:"),
        ("edit_date_relative", "-1d:-2d:-3d"),
        ("sent_date", "-7q"),
        ("received_date_relative", "yesterday"),
        ("timezone_offset", "abc"),
        ("timezone_offset", "5000"),
    ];
    for (param, value) in cases {
        for text in ["", "&anywhere=minutes"] {
            let (st, body) = search(&s, &s.token, &format!("{param}={}{text}", q(value))).await;
            assert_error(st, &body, StatusCode::BAD_REQUEST);
            assert_eq!(error_field(&body), param, "{param}={value}{text}: {body}");
        }
        let (st, body) = s
            .post(
                &s.lib("/documents/search"),
                json!({"filters": {param: value}}),
            )
            .await;
        let body: Value = body;
        assert_error(st, &body, StatusCode::BAD_REQUEST);
        assert_eq!(error_field(&body), param, "POST {param}={value}: {body}");
    }
    // Customer level too.
    let r = s
        .get(&format!(
            "{}/work/api/v2/customers/1/documents?custom17={}",
            s.base,
            q("<x")
        ))
        .await;
    let status = r.status();
    let body: Value = r.json().await.expect("json");
    assert_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&body), "custom17");
}

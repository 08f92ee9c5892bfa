//! The index on its own: text matching, trimming, facets and checkpoints.

use std::ops::Bound;

use chrono::{TimeZone, Utc};
use dossier_core::model::{Document, EmailFields, WsType};
use dossier_core::{CustomValue, CustomValues, DefaultSecurity, DocumentId, LibraryId};

use super::*;

fn doc(number: i64, name: &str, acl: i64, client: &str, author: &str) -> Document {
    let mut customs = CustomValues::default();
    customs.set(1, Some(CustomValue::Text(client.into())));
    customs.set(2, Some(CustomValue::Text("M1".into())));
    customs.set(17, Some(CustomValue::Number(number as f64)));
    let t = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
        + chrono::Duration::days(number);
    Document {
        id: DocumentId::new(LibraryId::parse("ACTIVE").unwrap(), number, 1),
        name: name.into(),
        extension: "docx".into(),
        doc_type: "WORDX".into(),
        class: "DOC".into(),
        subclass: None,
        author: author.into(),
        operator: author.into(),
        last_user: author.into(),
        comment: String::new(),
        size: 1,
        content_hash: String::new(),
        content_type: String::new(),
        default_security: DefaultSecurity::Inherit,
        wstype: WsType::Document,
        create_date: t,
        edit_date: t,
        edit_profile_date: t,
        file_create_date: None,
        file_edit_date: None,
        email: EmailFields::default(),
        acl,
        customs,
    }
}

fn put(d: Document, body: &str) -> Change {
    Change::Put(Box::new(Indexable {
        doc: d,
        workspace: 1,
        folders: vec![10],
        body: body.into(),
        subject: String::new(),
        profile: Vec::new(),
        metadata: Vec::new(),
    }))
}

fn admin() -> Vec<(String, Trim)> {
    vec![("ACTIVE".into(), Trim::default())]
}

fn numbers(index: &SearchIndex, r: &SearchRequest) -> Vec<i64> {
    let (found, _) = index.search(r).unwrap();
    let mut n: Vec<i64> = found.hits.iter().map(|h| h.number).collect();
    n.sort_unstable();
    n
}

fn anywhere(q: &str) -> SearchRequest {
    SearchRequest {
        libraries: admin(),
        anywhere: Some(parse(q).unwrap()),
        limit: 100,
        want_total: true,
        ..SearchRequest::default()
    }
}

fn sample() -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path(), Writing::Live).unwrap();
    index
        .apply(
            vec![
                put(
                    doc(1, "Share Purchase Agreement", 100, "ACME", "JSMITH"),
                    "The vendor gives an indemnity for tax. Force majeure applies.",
                ),
                put(
                    doc(2, "Lease of Café premises", 100, "ACME", "JSMITH"),
                    "The tenant covenants to pay rent; arbitration in London.",
                ),
                put(
                    doc(3, "Board minutes", 200, "GLOBEX", "ADOE"),
                    "Indemnities were discussed. The force of the majeure clause.",
                ),
                put(
                    doc(4, "Letter to client", 300, "GLOBEX", "ADOE"),
                    "Arbitrations are costly.",
                ),
            ],
            &Checkpoint {
                seq: 7,
                rebuilt_up_to: None,
            },
        )
        .unwrap();
    (dir, index)
}

#[test]
fn words_stems_accents_phrases_and_operators() {
    let (_d, index) = sample();
    assert_eq!(numbers(&index, &anywhere("indemnity")), vec![1, 3]);
    assert_eq!(numbers(&index, &anywhere("INDEMNITIES")), vec![1, 3]);
    assert_eq!(numbers(&index, &anywhere("cafe")), vec![2]);
    assert_eq!(numbers(&index, &anywhere("\"force majeure\"")), vec![1]);
    assert_eq!(numbers(&index, &anywhere("force majeure")), vec![1, 3]);
    assert_eq!(
        numbers(&index, &anywhere("arbitration OR indemnity")),
        vec![1, 2, 3, 4]
    );
    assert_eq!(numbers(&index, &anywhere("arbitration -rent")), vec![4]);
    assert_eq!(numbers(&index, &anywhere("arbitrat*")), vec![2, 4]);
    assert_eq!(numbers(&index, &anywhere("name:lease")), vec![2]);
    assert_eq!(
        numbers(&index, &anywhere("author:adoe arbitration")),
        vec![4]
    );
    assert_eq!(numbers(&index, &anywhere("custom1:globex")), vec![3, 4]);
    assert!(numbers(&index, &anywhere("nothing-like-this")).is_empty());
}

#[test]
fn trimming_admits_readable_keys_owners_and_keeps_walls_closed() {
    let (_d, index) = sample();
    let mut r = anywhere("the OR arbitrations OR letter");
    r.libraries = vec![(
        "ACTIVE".into(),
        Trim {
            keys: Some(vec![100]),
            owner: "ADOE".into(),
            ..Trim::default()
        },
    )];
    assert_eq!(numbers(&index, &r), vec![1, 2, 3, 4]);
    r.libraries[0].1.owner = "NOBODY".into();
    assert_eq!(numbers(&index, &r), vec![1, 2]);
    assert_eq!(index.search(&r).unwrap().0.total, Some(2));
    r.libraries[0].1.keys = Some(vec![100, 200, 300]);
    r.libraries[0].1.denied_clients = vec!["GLOBEX".into()];
    assert_eq!(numbers(&index, &r), vec![1, 2]);
    r.libraries[0].1.denied_clients.clear();
    r.libraries[0].1.denied_matters = vec![("ACME".into(), "M1".into())];
    assert_eq!(numbers(&index, &r), vec![3, 4]);
    r.libraries[0].1.denied_matters.clear();
    r.libraries[0].1.denied_workspaces = vec![1];
    assert!(numbers(&index, &r).is_empty());
    // Another library's trimming admits nothing here.
    r.libraries = vec![("OTHER".into(), Trim::default())];
    assert!(numbers(&index, &r).is_empty());
}

#[test]
fn filters_facets_sorting_and_paging() {
    let (_d, index) = sample();
    let mut r = SearchRequest {
        libraries: admin(),
        limit: 2,
        want_total: true,
        facets: vec![
            FacetField::Custom(1),
            FacetField::Custom(2),
            FacetField::Class,
            FacetField::DocType,
            FacetField::Author,
        ],
        sort: Sort {
            field: SortField::Number,
            descending: true,
        },
        ..SearchRequest::default()
    };
    let (found, _) = index.search(&r).unwrap();
    assert_eq!(found.total, Some(4));
    assert_eq!(
        found.hits.iter().map(|h| h.number).collect::<Vec<_>>(),
        vec![4, 3]
    );
    assert_eq!(
        found.facets[0].1,
        vec![
            FacetCount {
                value: "ACME".into(),
                count: 2
            },
            FacetCount {
                value: "GLOBEX".into(),
                count: 2
            }
        ]
    );
    assert_eq!(
        found.facets[1].1,
        vec![FacetCount {
            value: "M1".into(),
            count: 4
        }]
    );
    // The profile's own fields count alike, as the index holds them.
    let counts = |i: usize| {
        let (field, counts) = &found.facets[i];
        let pairs: Vec<(String, u64)> = counts.iter().map(|c| (c.value.clone(), c.count)).collect();
        (*field, pairs)
    };
    assert_eq!(counts(2), (FacetField::Class, vec![("DOC".into(), 4)]));
    assert_eq!(counts(3), (FacetField::DocType, vec![("WORDX".into(), 4)]));
    assert_eq!(
        counts(4),
        (
            FacetField::Author,
            vec![("adoe".into(), 2), ("jsmith".into(), 2)]
        )
    );
    r.after = Some(3);
    assert_eq!(numbers(&index, &r), vec![1, 2]);
    r.after = None;
    r.customs = vec![(
        17,
        CustomFilter::Number(Bound::Included(2.0), Bound::Included(3.0)),
    )];
    assert_eq!(numbers(&index, &r), vec![2, 3]);
    // Strict ends: above 2 and below 4.
    r.customs = vec![(
        17,
        CustomFilter::Number(Bound::Excluded(2.0), Bound::Excluded(4.0)),
    )];
    assert_eq!(numbers(&index, &r), vec![3]);
    r.customs = vec![(1, CustomFilter::Text("acme".into()))];
    r.author = Some("js*".into());
    assert_eq!(numbers(&index, &r), vec![1, 2]);
    r.author = None;
    r.names = vec!["board minutes".into()];
    r.customs.clear();
    assert_eq!(numbers(&index, &r), vec![3]);
    r.names.clear();
    r.name_or_description = Some("*purchase*".into());
    assert_eq!(numbers(&index, &r), vec![1]);
}

#[test]
fn replacing_and_removing_entries_and_the_checkpoint() {
    let (dir, index) = sample();
    assert_eq!(index.checkpoint().unwrap().seq, 7);
    index
        .apply(
            vec![
                put(
                    doc(1, "Share Purchase Agreement v2", 100, "ACME", "JSMITH"),
                    "now about escrow",
                ),
                Change::Remove {
                    library: "ACTIVE".into(),
                    number: 2,
                },
            ],
            &Checkpoint {
                seq: 9,
                rebuilt_up_to: None,
            },
        )
        .unwrap();
    assert_eq!(index.len(), 3);
    assert!(numbers(&index, &anywhere("indemnity")) == vec![3]);
    assert_eq!(numbers(&index, &anywhere("escrow")), vec![1]);
    assert!(numbers(&index, &anywhere("rent")).is_empty());
    index.close().unwrap();
    let reopened = SearchIndex::open(dir.path(), Writing::Live).unwrap();
    assert_eq!(reopened.checkpoint().unwrap().seq, 9);
    assert_eq!(reopened.len(), 3);
}

#[test]
fn highlights_mark_the_matched_words() {
    let (_d, index) = sample();
    let (_, h) = index.search(&anywhere("indemnity")).unwrap();
    let s = h.body("The vendor gives an indemnity for tax.").unwrap();
    assert!(s.contains("<b>indemnity</b>"), "{s}");
    assert!(h.name("Board minutes").is_none());
}

/// The `RegexQuery` clauses a request compiles to, and the automata built for them.
fn prefix_work(index: &SearchIndex, r: &SearchRequest) -> (usize, usize) {
    let mut c = index.compiler();
    let q = request::build(&mut c, r).unwrap();
    (
        format!("{q:?}").matches("RegexQuery").count(),
        c.automata.len(),
    )
}

#[test]
fn a_repeated_prefix_compiles_once() {
    let (_d, index) = sample();
    let one = prefix_work(&index, &anywhere("ab*"));
    assert_eq!(one, (index.fields.anywhere().len(), 1));
    let repeated = vec!["ab*"; query::MAX_TERMS].join(" OR ");
    assert_eq!(prefix_work(&index, &anywhere(&repeated)), one);
    // Repeated in different places and fields: still one automaton.
    let mut r = anywhere("(ab* lease) OR (AB* rent) OR name:ab*");
    r.body = Some(parse("ab*").unwrap());
    assert_eq!(prefix_work(&index, &r).1, 1);
    // And the same hits.
    assert_eq!(
        numbers(&index, &anywhere(&vec!["arbitrat*"; 256].join(" OR "))),
        numbers(&index, &anywhere("arbitrat*"))
    );
}

#[test]
fn different_prefixes_are_bounded_across_the_request() {
    let (_d, index) = sample();
    let prefixes = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| format!("p{i:02}*"))
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    let mut r = anywhere(&prefixes(0, query::MAX_PREFIXES));
    // The body's prefix is one of anywhere's: nothing new to build.
    r.body = Some(parse("p00*").unwrap());
    assert!(index.search(&r).is_ok());
    // Each parameter within its own bound, the two together beyond it.
    r.body = Some(parse("q00*").unwrap());
    let e = index
        .search(&r)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("more than 16 different wildcard terms"), "{e}");
}

#[test]
fn extended_metadata_conditions_match_any_key_of_each_and_all_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path(), Writing::Live).unwrap();
    let with = |n: i64, values: &[(&str, &str)]| {
        let Change::Put(mut x) = put(doc(n, "Memo", 100, "ACME", "JSMITH"), "memo") else {
            unreachable!()
        };
        x.metadata = values
            .iter()
            .map(|(p, k)| (p.to_string(), k.to_string()))
            .collect();
        Change::Put(x)
    };
    index
        .apply(
            vec![
                with(1, &[("area", "ip.pat"), ("tags", "x"), ("tags", "y")]),
                with(2, &[("area", "tax"), ("tags", "y")]),
                with(3, &[]),
            ],
            &Checkpoint {
                seq: 1,
                rebuilt_up_to: None,
            },
        )
        .unwrap();
    let search = |conditions: &[(&str, &[&str])]| {
        let r = SearchRequest {
            metadata: conditions
                .iter()
                .map(|(p, keys)| (p.to_string(), keys.iter().map(|k| k.to_string()).collect()))
                .collect(),
            ..anywhere("memo")
        };
        numbers(&index, &r)
    };
    assert_eq!(search(&[("tags", &["y"])]), vec![1, 2]);
    assert_eq!(search(&[("area", &["ip", "ip.pat"])]), vec![1]);
    assert_eq!(search(&[("tags", &["y"]), ("area", &["tax"])]), vec![2]);
    // A key of another property does not match.
    assert_eq!(search(&[("area", &["y"])]), Vec::<i64>::new());
    assert_eq!(search(&[("tags", &[])]), Vec::<i64>::new());
    assert_eq!(search(&[]), vec![1, 2, 3]);
}

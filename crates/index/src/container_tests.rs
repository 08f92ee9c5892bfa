//! Containers in the index: kept apart from documents by `kind`, trimmed like them, and an
//! index written with another schema is reported, not opened.

use chrono::{TimeZone, Utc};
use dossier_core::model::{Container, ContainerKind};
use dossier_core::{ContainerId, CustomValue, CustomValues, DefaultSecurity, LibraryId};

use super::*;

fn container(number: i64, kind: ContainerKind, name: &str, acl: i64, client: &str) -> Change {
    let mut customs = CustomValues::default();
    customs.set(1, Some(CustomValue::Text(client.into())));
    customs.set(2, Some(CustomValue::Text("M1".into())));
    let t = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    Change::PutContainer(Box::new(IndexableContainer {
        container: Container {
            id: ContainerId::new(LibraryId::parse("ACTIVE").unwrap(), number),
            kind,
            parent: (kind != ContainerKind::Workspace).then_some(1),
            workspace: 1,
            name: name.into(),
            description: format!("{name} description"),
            owner: "JSMITH".into(),
            author: None,
            class: None,
            subclass: None,
            default_security: DefaultSecurity::Inherit,
            email: None,
            view_type: "document".into(),
            default_profile: None,
            search_profile: None,
            create_date: t,
            edit_date: t,
            acl,
            customs,
            project_customs: Default::default(),
            is_template: false,
            required: false,
        },
        profile: vec!["Acme Corporation".into()],
    }))
}

fn request(kind: Kind, q: &str, trim: Trim) -> SearchRequest {
    SearchRequest {
        kind,
        libraries: vec![("ACTIVE".into(), trim)],
        anywhere: Some(parse(q).unwrap()),
        limit: 100,
        want_total: true,
        ..SearchRequest::default()
    }
}

fn numbers(index: &SearchIndex, r: &SearchRequest) -> (Vec<i64>, Option<u64>) {
    let (found, _) = index.search(r).unwrap();
    let mut n: Vec<i64> = found.hits.iter().map(|h| h.number).collect();
    n.sort_unstable();
    (n, found.total)
}

#[test]
fn containers_are_their_own_kind_and_trimmed_like_documents() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path(), Writing::Live).unwrap();
    index
        .apply(
            vec![
                container(1, ContainerKind::Workspace, "Merger matter", 100, "ACME"),
                container(2, ContainerKind::Folder, "Merger emails", 100, "ACME"),
                container(3, ContainerKind::Tab, "Merger tab", 200, "ACME"),
                container(4, ContainerKind::Workspace, "Other merger", 200, "GLOBEX"),
            ],
            &Checkpoint::default(),
        )
        .unwrap();
    let all = Trim::default();
    assert_eq!(
        numbers(&index, &request(Kind::Workspace, "merger", all.clone())),
        (vec![1, 4], Some(2))
    );
    assert_eq!(
        numbers(&index, &request(Kind::Folder, "merger", all.clone())),
        (vec![2, 3], Some(2))
    );
    // No document shares a number with them: a document search finds none.
    assert_eq!(
        numbers(&index, &request(Kind::Document, "merger", all.clone())),
        (vec![], Some(0))
    );
    // Lookup descriptions are profile words.
    assert_eq!(
        numbers(
            &index,
            &request(Kind::Workspace, "corporation", all.clone())
        )
        .0,
        vec![1, 4]
    );
    let reader = Trim {
        keys: Some(vec![100]),
        owner: "someone".into(),
        ..Trim::default()
    };
    assert_eq!(
        numbers(&index, &request(Kind::Workspace, "merger", reader.clone())),
        (vec![1], Some(1))
    );
    let walled = Trim {
        denied_clients: vec!["ACME".into()],
        ..Trim::default()
    };
    assert_eq!(
        numbers(&index, &request(Kind::Workspace, "merger", walled)),
        (vec![4], Some(1))
    );
    let mut target = request(Kind::Workspace, "merger", all.clone());
    target.anywhere = None;
    target.container.file_target = Some("globex".into());
    assert_eq!(numbers(&index, &target).0, vec![4]);
    target.container.file_target = Some("matter".into());
    assert_eq!(numbers(&index, &target).0, vec![1]);
    index
        .apply(
            vec![Change::RemoveContainer {
                library: "ACTIVE".into(),
                number: 1,
            }],
            &Checkpoint::default(),
        )
        .unwrap();
    assert_eq!(
        numbers(&index, &request(Kind::Workspace, "merger", all)).0,
        vec![4]
    );
}

#[test]
fn an_index_with_another_schema_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = tantivy::schema::Schema::builder();
        s.add_text_field("key", tantivy::schema::STRING);
        tantivy::Index::create_in_dir(dir.path(), s.build()).unwrap();
    }
    assert!(matches!(
        SearchIndex::open(dir.path(), Writing::Live),
        Err(IndexError::SchemaChanged(_))
    ));
}

#[test]
fn entry_keys_read_back_as_printed() {
    // Documents and containers share a library's key space; the mark keeps them apart.
    assert_eq!(
        container::read_key(&container::container_key("ACTIVE", 7)),
        ("ACTIVE", 7)
    );
    assert_eq!(
        container::read_key(&crate::document::key("ACTIVE", 12)),
        ("ACTIVE", 12)
    );
    assert_ne!(
        container::container_key("ACTIVE", 7),
        crate::document::key("ACTIVE", 7)
    );
}

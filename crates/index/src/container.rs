//! Workspaces and folders (tabs and search folders count as folders) as index entries, beside
//! the documents. They share the documents' fields, so the query language, the profile
//! filters, sorting, facets and above all trimming are the same code; a `kind` term keeps
//! each search to its own kind of entry.

use dossier_core::CustomValue;
use dossier_core::custom::CUSTOM_COUNT;
use dossier_core::model::{Container, ContainerKind};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{TantivyDocument, Term};

use crate::compile::Compiler;
use crate::query::{Node, QueryError};
use crate::schema::Fields;

/// What an index entry is. Every search asks for exactly one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Kind {
    #[default]
    Document,
    Workspace,
    /// Folders, tabs and search folders.
    Folder,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Document => "document",
            Kind::Workspace => "workspace",
            Kind::Folder => "folder",
        }
    }

    pub fn of(kind: ContainerKind) -> Kind {
        match kind {
            ContainerKind::Workspace => Kind::Workspace,
            _ => Kind::Folder,
        }
    }
}

/// Marks a container's key: containers and documents are numbered by separate sequences,
/// so `ACTIVE!7` may be both a document and a workspace.
pub(crate) const KEY_MARK: char = 'c';

/// The key of a container's one index entry.
pub fn container_key(library: &str, number: i64) -> String {
    format!("{library}!{KEY_MARK}{number}")
}

/// The library and number of an entry's key, as `container_key` or `document::key` wrote
/// it. The key is the index's own, not an iManage id (a container's carries `KEY_MARK`), so
/// it is read here beside its printers rather than by `core::ids`.
pub(crate) fn read_key(key: &str) -> (&str, i64) {
    let (library, number) = key.rsplit_once('!').unwrap_or((key, "0"));
    let number = number
        .trim_start_matches(KEY_MARK)
        .parse()
        .unwrap_or_default();
    (library, number)
}

/// A container as the indexer hands it over.
#[derive(Clone, Debug)]
pub struct IndexableContainer {
    pub container: Container,
    /// Extra profile words `anywhere` should find: the descriptions of its lookup values
    /// (a client's name for its alias).
    pub profile: Vec<String>,
}

/// Criteria only containers have.
#[derive(Clone, Debug, Default)]
pub struct ContainerCriteria {
    /// `owner`: a `*` pattern over the whole owner id.
    pub owner: Option<String>,
    /// `file_target`: the client or matter (custom1/2, custom29/30) or the name.
    pub file_target: Option<String>,
}

/// The lookup fields `file_target` compares whole.
const FILE_TARGET_FIELDS: [usize; 4] = [1, 2, 29, 30];

fn secs(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn to_tantivy(f: &Fields, x: &IndexableContainer) -> TantivyDocument {
    let c = &x.container;
    let library = c.id.library.as_str();
    let mut t = TantivyDocument::default();
    t.add_text(f.key, container_key(library, c.id.number));
    t.add_text(f.kind, Kind::of(c.kind).as_str());
    t.add_text(f.library, library);
    t.add_i64(f.number, c.id.number);
    // Trimming: the facts `acl::Visible` reads for `Listed::Containers` — the owner column,
    // the container's own custom1/custom2 and its workspace.
    t.add_i64(f.acl, c.acl);
    t.add_text(f.owner, &c.owner);
    t.add_text(f.owner_key, c.owner.to_lowercase());
    t.add_text(f.wall_client, c.customs.client().unwrap_or_default());
    t.add_text(f.wall_matter, c.customs.matter().unwrap_or_default());
    t.add_i64(f.workspace, c.workspace);
    // `container_id` on a folder search means its direct children: the parent is the one
    // "folder" a container is in.
    if let Some(p) = c.parent {
        t.add_i64(f.folders, p);
    }
    t.add_text(f.name, &c.name);
    t.add_text(f.name_key, c.name.to_lowercase());
    t.add_text(f.comment, &c.description);
    let mut profile: Vec<&str> = x.profile.iter().map(String::as_str).collect();
    for n in 1..=CUSTOM_COUNT {
        if let Some(CustomValue::Text(v)) = c.customs.get(n) {
            profile.push(v);
        }
    }
    if !profile.is_empty() {
        t.add_text(f.profile, profile.join(" "));
    }
    if let Some(a) = &c.author {
        t.add_text(f.author, a.to_lowercase());
    }
    if let Some(v) = &c.class {
        t.add_text(f.class, v.to_uppercase());
    }
    if let Some(v) = &c.subclass {
        t.add_text(f.subclass, v.to_uppercase());
    }
    t.add_text(f.wstype, c.kind.as_str());
    t.add_i64(f.create_date, secs(c.create_date));
    t.add_i64(f.edit_date, secs(c.edit_date));
    crate::document::add_customs(f, &mut t, &c.customs);
    t
}

fn term(field: tantivy::schema::Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

/// The filter clauses of the container criteria.
pub(crate) fn filters(
    c: &mut Compiler<'_>,
    r: &ContainerCriteria,
) -> Result<Vec<Box<dyn Query>>, QueryError> {
    let f = c.fields;
    let mut out = Vec::new();
    if let Some(p) = &r.owner {
        out.push(crate::request::pattern(f.owner_key, p)?);
    }
    if let Some(v) = r
        .file_target
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        let mut any: Vec<(Occur, Box<dyn Query>)> = FILE_TARGET_FIELDS
            .iter()
            .map(|n| (Occur::Should, term(f.custom(*n), &v.to_uppercase())))
            .collect();
        any.push((Occur::Should, term(f.name_key, &v.to_lowercase())));
        // The value's words in a row in the name: "Acme" finds "Acme Corp merger".
        any.push((
            Occur::Should,
            c.compile(&Node::Phrase(v.replace('"', " ")), &[(f.name, 1.0)])?,
        ));
        out.push(Box::new(BooleanQuery::new(any)));
    }
    Ok(out)
}

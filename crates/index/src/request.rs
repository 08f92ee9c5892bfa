//! A search as the service asks it: text, profile filters, the caller's trimming, paging,
//! sorting and facets. Everything that decides which documents count is part of one tantivy
//! query, so results, totals and facets agree and never include what the caller may not read.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, Query, RangeQuery, RegexQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use crate::compile::{Compiler, wildcard_regex};
use crate::container::{ContainerCriteria, Kind};
use crate::query::{Node, QueryError};
use crate::readable::Readable;
use crate::shared_filter::SharedFilter;

/// What one library lets the caller read, as `acl::Visible` says it in SQL.
#[derive(Clone, Debug, Default)]
pub struct Trim {
    /// Readable ACL keys; `None` for administrators (every key).
    pub keys: Option<Vec<i64>>,
    /// The caller: an owner (author) reads their own documents whatever the ACL says.
    pub owner: String,
    pub denied_clients: Vec<String>,
    pub denied_matters: Vec<(String, String)>,
    pub denied_workspaces: Vec<i64>,
}

/// customN filters, in the value type of N's kind.
#[derive(Clone, Debug, PartialEq)]
pub enum CustomFilter {
    /// Lookup and text fields, compared whole and case-insensitively.
    Text(String),
    /// custom17–20; `Excluded` for the strict `<v` and `>v`.
    Number(Bound<f64>, Bound<f64>),
    /// Unix seconds, inclusive.
    Time(Option<i64>, Option<i64>),
    Boolean(bool),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortField {
    /// Best matches first (the default when there is text to match).
    #[default]
    Relevance,
    Number,
    EditDate,
    CreateDate,
    Name,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

#[derive(Clone, Debug, Default)]
pub struct SearchRequest {
    /// Which entries: documents (the default), workspaces or folders.
    pub kind: Kind,
    /// Criteria of workspace and folder searches.
    pub container: ContainerCriteria,
    /// Per library searched, the caller's trimming there.
    pub libraries: Vec<(String, Trim)>,
    /// `anywhere`: profile and full text.
    pub anywhere: Option<Node>,
    /// `body`: full text only.
    pub body: Option<Node>,
    /// Email subject and parties, as words.
    pub subject: Option<Node>,
    pub from: Option<Node>,
    pub to: Option<Node>,
    pub cc: Option<Node>,
    /// `comments` / `description`: words of the comment.
    pub comments: Option<Node>,
    /// Whole names, any of them (case-insensitive).
    pub names: Vec<String>,
    /// A `*` pattern over the whole name or comment.
    pub name_or_description: Option<String>,
    /// `*` patterns over whole user ids.
    pub author: Option<String>,
    pub operator: Option<String>,
    pub last_user: Option<String>,
    pub class: Option<String>,
    pub subclass: Option<String>,
    pub types: Vec<String>,
    pub numbers: Vec<i64>,
    /// Only these documents, when set (`checked_out=true`: the checked-out ones).
    pub only_numbers: Option<Vec<i64>>,
    /// Documents not to count (`checked_out=false`: the checked-out ones).
    pub exclude_numbers: Vec<i64>,
    pub customs: Vec<(usize, CustomFilter)>,
    /// Extended metadata: per condition, a property and the match keys any of which it
    /// must hold (every condition must hold).
    pub metadata: Vec<(String, Vec<String>)>,
    /// Filed in one of these folders.
    pub folders: Option<Vec<i64>>,
    /// `document` or `email`.
    pub wstype: Option<String>,
    pub conversation_id: Option<String>,
    pub has_attachment: Option<bool>,
    /// Unix seconds, inclusive.
    pub create_date: (Option<i64>, Option<i64>),
    pub edit_date: (Option<i64>, Option<i64>),
    pub sent_date: (Option<i64>, Option<i64>),
    pub received_date: (Option<i64>, Option<i64>),
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// Cursor paging: only documents after this number in the sort direction (number order).
    pub after: Option<i64>,
    pub want_total: bool,
    /// Fields to count the top values of among all matches (custom fields: lookups only).
    pub facets: Vec<crate::FacetField>,
}

impl SearchRequest {
    /// Whether any part of it ranks documents (so relevance order means something).
    pub fn has_text(&self) -> bool {
        self.anywhere.is_some()
            || self.body.is_some()
            || self.subject.is_some()
            || self.from.is_some()
            || self.to.is_some()
            || self.cc.is_some()
            || self.comments.is_some()
    }
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

fn any_text(field: Field, values: impl IntoIterator<Item = String>) -> Box<dyn Query> {
    Box::new(TermSetQuery::new(
        values.into_iter().map(|v| Term::from_field_text(field, &v)),
    ))
}

fn any_i64(field: Field, values: &[i64]) -> Box<dyn Query> {
    Box::new(TermSetQuery::new(
        values.iter().map(|v| Term::from_field_i64(field, *v)),
    ))
}

fn range_i64(field: Field, (lo, hi): (Option<i64>, Option<i64>)) -> Option<Box<dyn Query>> {
    if lo.is_none() && hi.is_none() {
        return None;
    }
    let b = |v: Option<i64>| {
        v.map_or(Bound::Unbounded, |v| {
            Bound::Included(Term::from_field_i64(field, v))
        })
    };
    Some(Box::new(RangeQuery::new(b(lo), b(hi))))
}

fn range_f64(field: Field, lo: Bound<f64>, hi: Bound<f64>) -> Box<dyn Query> {
    let b = |v: Bound<f64>| v.map(|v| Term::from_field_f64(field, v));
    Box::new(RangeQuery::new(b(lo), b(hi)))
}

pub(crate) fn pattern(field: Field, p: &str) -> Result<Box<dyn Query>, QueryError> {
    RegexQuery::from_pattern(&wildcard_regex(&p.to_lowercase()), field)
        .map(|q| Box::new(q) as Box<dyn Query>)
        .map_err(|e| QueryError(format!("bad pattern '{p}': {e}")))
}

/// One library's trimming: readable (by ACL, or owned) and not behind a wall.
fn trimmed(c: &Compiler<'_>, library: &str, t: &Trim) -> Box<dyn Query> {
    let f = c.fields;
    let readable = Readable::new(
        Term::from_field_text(f.library, library),
        crate::schema::ACL,
        t.keys.as_deref(),
        Term::from_field_text(f.owner, &t.owner),
        c.readable_sets.clone(),
    );
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(readable))];
    if !t.denied_clients.is_empty() {
        clauses.push((
            Occur::MustNot,
            any_text(f.wall_client, t.denied_clients.iter().cloned()),
        ));
    }
    for (client, matter) in &t.denied_matters {
        clauses.push((
            Occur::MustNot,
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, term(f.wall_client, client)),
                (Occur::Must, term(f.wall_matter, matter)),
            ])),
        ));
    }
    if !t.denied_workspaces.is_empty() {
        clauses.push((Occur::MustNot, any_i64(f.workspace, &t.denied_workspaces)));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Fields with their boosts.
type Boosted = Vec<(Field, f32)>;

/// The query of a whole request: scored text clauses, and filters that only admit.
pub(crate) fn build(c: &mut Compiler<'_>, r: &SearchRequest) -> Result<Box<dyn Query>, QueryError> {
    let f = c.fields;
    // What the caller may read, worked out once per segment and shared by the text
    // clauses (see `Compiler::within`) and the filter below.
    let readable = SharedFilter::new(match r.libraries.as_slice() {
        [] => Box::new(EmptyQuery),
        [(lib, t)] => trimmed(c, lib, t),
        many => Box::new(BooleanQuery::new(
            many.iter()
                .map(|(lib, t)| (Occur::Should, trimmed(c, lib, t)))
                .collect(),
        )),
    });
    c.within = Some(readable.clone());
    let mut scored: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let text_parts: [(&Option<Node>, Boosted); 7] = [
        (&r.anywhere, f.anywhere()),
        (&r.body, vec![(f.body, 1.0)]),
        (&r.subject, vec![(f.subject, 1.0)]),
        (&r.from, vec![(f.email_from, 1.0)]),
        (&r.to, vec![(f.email_to, 1.0)]),
        (&r.cc, vec![(f.email_cc, 1.0)]),
        (&r.comments, vec![(f.comment, 1.0)]),
    ];
    for (node, fields) in text_parts {
        if let Some(n) = node {
            scored.push((Occur::Must, c.compile(n, &fields)?));
        }
    }
    let mut filters: Vec<Box<dyn Query>> = Vec::new();
    // Trimming first: it is the clause that must never be missing.
    filters.push(Box::new(readable.clone()));
    let mut excluded: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    match r.kind {
        // Documents are nearly every entry: shutting out the few containers is cheaper
        // than intersecting with a posting list as long as the index.
        Kind::Document => {
            for k in [Kind::Workspace, Kind::Folder] {
                excluded.push((Occur::MustNot, term(f.kind, k.as_str())));
            }
        }
        k => filters.push(term(f.kind, k.as_str())),
    }
    filters.extend(crate::container::filters(c, &r.container)?);
    if !r.names.is_empty() {
        filters.push(any_text(
            f.name_key,
            r.names.iter().map(|n| n.to_lowercase()),
        ));
    }
    if let Some(p) = &r.name_or_description {
        filters.push(Box::new(BooleanQuery::new(vec![
            (Occur::Should, pattern(f.name_key, p)?),
            (
                Occur::Should,
                c.compile(&Node::Phrase(p.replace('*', " ")), &[(f.comment, 1.0)])?,
            ),
        ])));
    }
    for (field, p) in [
        (f.author, &r.author),
        (f.operator, &r.operator),
        (f.last_user, &r.last_user),
    ] {
        if let Some(p) = p {
            filters.push(pattern(field, p)?);
        }
    }
    if let Some(v) = &r.class {
        filters.push(term(f.class, &v.to_uppercase()));
    }
    if let Some(v) = &r.subclass {
        filters.push(term(f.subclass, &v.to_uppercase()));
    }
    if !r.types.is_empty() {
        filters.push(any_text(
            f.doc_type,
            r.types.iter().map(|t| t.to_uppercase()),
        ));
    }
    if !r.numbers.is_empty() {
        filters.push(any_i64(f.number, &r.numbers));
    }
    if let Some(only) = &r.only_numbers {
        filters.push(any_i64(f.number, only));
    }
    for (property, keys) in &r.metadata {
        filters.push(any_text(
            f.metadata,
            keys.iter()
                .map(|k| crate::schema::metadata_term(property, k)),
        ));
    }
    if let Some(folders) = &r.folders {
        filters.push(any_i64(f.folders, folders));
    }
    if let Some(w) = &r.wstype {
        filters.push(term(f.wstype, w));
    }
    if let Some(c) = &r.conversation_id {
        filters.push(term(f.conversation_id, c));
    }
    if let Some(h) = r.has_attachment {
        filters.push(term(f.has_attachment, &h.to_string()));
    }
    for (n, m) in &r.customs {
        let field = f.custom(*n);
        filters.push(match m {
            CustomFilter::Text(v) => term(field, &v.to_uppercase()),
            CustomFilter::Number(lo, hi) => range_f64(field, *lo, *hi),
            CustomFilter::Time(lo, hi) => {
                range_i64(field, (*lo, *hi)).unwrap_or_else(|| Box::new(AllQuery))
            }
            CustomFilter::Boolean(b) => Box::new(TermQuery::new(
                Term::from_field_bool(field, *b),
                IndexRecordOption::Basic,
            )),
        });
    }
    for (field, range) in [
        (f.create_date, r.create_date),
        (f.edit_date, r.edit_date),
        (f.sent_date, r.sent_date),
        (f.received_date, r.received_date),
    ] {
        if let Some(q) = range_i64(field, range) {
            filters.push(q);
        }
    }
    if let Some(after) = r.after {
        let bound = if r.sort.descending {
            (None, Some(after - 1))
        } else {
            (Some(after + 1), None)
        };
        if let Some(q) = range_i64(f.number, bound) {
            filters.push(q);
        }
    }
    let mut clauses = scored;
    if clauses.is_empty() {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    for q in filters {
        // Filters admit or refuse; they must not move the ranking.
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
    }
    if !r.exclude_numbers.is_empty() {
        clauses.push((Occur::MustNot, any_i64(f.number, &r.exclude_numbers)));
    }
    clauses.extend(excluded);
    Ok(Box::new(BooleanQuery::new(clauses)))
}

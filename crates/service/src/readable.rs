//! The readable-set rule side by side in the forms it is written in. Who may read a
//! document is decided by the access calculus (`dossier_core::access` and `walls`, applied
//! by `access::require` to one object); lists and counts apply the same rule as SQL
//! (`acl::Visible::push_filter`), search trims with it inside the index (`index::readable`
//! and the trimming clause, fed by `search::query::trim`), and the search re-check and
//! paths decide the SQL filter's conditions in memory (`access::admits`). Four writings of
//! one rule drift apart silently: a form that admits too much leaks a document through one
//! path only, and one that admits too little hides it from one path only, and any path
//! that combines two of them (the index, then the re-check) hides a drift in either.
//! `readable_documents_by_form` answers, for one caller in one library, which documents
//! each form lets them read, so a test can compare them object by object
//! (tests/it/security_model.rs).

use std::collections::BTreeSet;

use dossier_core::LibraryId;
use dossier_core::query::{DocumentQuery, Page};
use dossier_index::{Sort, SortField};

use crate::access::Guarded;
use crate::search::query::{SearchOptions, run_paged, trim};
use crate::{Caller, Dossier, Result};

/// The numbers of the latest documents of a library a caller may read, by each form of
/// the rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadableForms {
    /// By the calculus, object by object, as a single-object check decides it (the
    /// break-glass pass aside: it opens single objects, never lists).
    pub calculus: BTreeSet<i64>,
    /// By the SQL filter of a library-wide list.
    pub sql: BTreeSet<i64>,
    /// By the SQL filter's conditions decided in memory.
    pub in_memory: BTreeSet<i64>,
    /// By the index's trimming, without the database's re-check; `None` when this node
    /// has no search index.
    pub index: Option<BTreeSet<i64>>,
}

/// More documents than any library this is asked about holds: the forms are compared
/// whole, not a page of them.
const EVERY: i64 = 1_000_000;

impl Dossier {
    /// Which of a library's latest documents `caller` may read, by each form of the
    /// readable-set rule (see the module's comment). Reads every document of the library:
    /// a check for test-sized libraries, not a request path.
    pub async fn readable_documents_by_form(
        &self,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<ReadableForms> {
        let mut conn = self.store.read().await?;
        let visible = self.visibility_on(&mut conn, caller, library).await?;
        let every = Page {
            limit: EVERY,
            ..Page::default()
        };
        let all = DocumentQuery::default();
        let (readable, _) =
            dossier_store::documents::search(&mut conn, library, &all, visible.as_ref(), every)
                .await?;
        let sql = readable.iter().map(|d| d.id.number).collect();
        let (docs, _) =
            dossier_store::documents::search(&mut conn, library, &all, None, every).await?;
        let numbers: Vec<i64> = docs.iter().map(|d| d.id.number).collect();
        let homes = dossier_store::documents::home_workspaces(&mut conn, library, &numbers).await?;
        let mut workspaces: Vec<i64> = homes.values().map(|(w, _)| *w).collect();
        workspaces.sort_unstable();
        workspaces.dedup();
        let workspaces: std::collections::HashMap<i64, dossier_core::model::Container> =
            dossier_store::containers::many(&mut conn, library, &workspaces)
                .await?
                .into_iter()
                .map(|w| (w.id.number, w))
                .collect();
        let mut forms = ReadableForms {
            sql,
            ..ReadableForms::default()
        };
        for doc in &docs {
            let home = homes.get(&doc.id.number).map(|(w, _)| *w);
            let facts =
                crate::access::document_facts(doc, home, home.and_then(|w| workspaces.get(&w)));
            let what = format!("document {}", doc.id);
            let object = Guarded {
                library,
                acl: doc.acl,
                owner: &doc.author,
                what: &what,
                facts,
            };
            if self.lists_readable(&mut conn, caller, object).await? {
                forms.calculus.insert(doc.id.number);
            }
            if visible
                .as_ref()
                .is_none_or(|v| crate::access::admits(v, doc.acl, &doc.author, &facts))
            {
                forms.in_memory.insert(doc.id.number);
            }
        }
        drop(conn);
        if let Ok(search) = self.search() {
            let mut r = dossier_index::SearchRequest::default();
            r.libraries
                .push((library.as_str().to_string(), trim(&visible, caller)));
            let options = SearchOptions {
                sort: Sort {
                    field: SortField::Number,
                    descending: false,
                },
                page: every,
                facets: Vec::new(),
                results: true,
            };
            let (_, _, hits, _) = run_paged(search, r, &options).await?;
            forms.index = Some(hits.iter().map(|h| h.number).collect());
        }
        Ok(forms)
    }
}

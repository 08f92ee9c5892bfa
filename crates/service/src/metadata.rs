//! Extended metadata: the library's property catalogue and taxonomy trees (maintained by
//! library administrators, read by members), documents' values checked against the
//! catalogue, and the conditions a document search takes on them.
//!
//! Choices: a property in use (a document holds a value of it) cannot change kind, become
//! single-valued while a document holds several values, or lose a lookup value a document
//! holds (409); deleting one in use is a 409 unless the request says the values go with it
//! (`with_values`), and then every document that held one gets a change event. Values are
//! per document (every version shows them); a change is a `DocumentUpdated` event and a
//! `MODIFY` history entry naming the properties.

use std::collections::{HashMap, HashSet};

use dossier_core::identity::{AuditAction, AuditOutcome, Right};
use dossier_core::metadata::{
    ImportNode, MetadataChanges, MetadataMatch, Property, PropertyChanges, PropertyId,
    PropertyKind, SlotFamily, Taxonomy, TaxonomyId, TaxonomyNode, check_label, check_node_id,
    closes_cycle, flatten_import, match_key,
};
use dossier_core::query::Page;
use dossier_core::{Activity, DocumentRef, DomainError, LibraryId};
use dossier_store::AnyConnection;
use dossier_store::metadata as db;
pub use dossier_store::metadata::NodeSearch;
use serde_json::json;

use crate::access::{Edit, Read};
use crate::audit::Audit;
use crate::documents::record;
use crate::events::{Change, emit};
use crate::{Caller, Dossier, Result};

/// Changes to a taxonomy node; `None` keeps what it has. `parent: Some(None)` makes it a
/// root.
#[derive(Clone, Debug, Default)]
pub struct NodeChanges {
    pub label: Option<String>,
    pub parent: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// Where a node search looks.
#[derive(Clone, Debug, Default)]
pub enum NodeScope {
    /// The whole tree.
    #[default]
    All,
    /// The top-level nodes.
    Roots,
    /// The direct children of a node.
    ChildrenOf(String),
    /// Everything under a node.
    DescendantsOf(String),
}

/// A node search: what it matches, where it looks, and whether each node found comes with
/// its path.
#[derive(Clone, Debug, Default)]
pub struct NodeQuery {
    pub search: NodeSearch,
    pub scope: NodeScope,
    pub with_path: bool,
}

/// A node a search found, with its path from the top (its ancestors, the top first).
#[derive(Clone, Debug)]
pub struct FoundNode {
    pub node: TaxonomyNode,
    pub path: Vec<TaxonomyNode>,
}

/// A document's values: each property that holds some, with its values.
pub type DocumentMetadata = Vec<(Property, Vec<String>)>;

/// A property as an audit record shows it.
fn property_detail(p: &Property) -> serde_json::Value {
    json!({
        "caption": p.caption,
        "kind": p.kind.as_str(),
        "multi": p.multi,
        "required": p.required,
        "enabled": p.enabled,
        "lookup_values": p.lookup_values,
        "taxonomy": p.taxonomy.as_ref().map(|t| t.as_str()),
    })
}

fn unknown_property(field: &str) -> DomainError {
    DomainError::invalid(
        field,
        format!("{field} is not a property of the library's extended metadata"),
    )
}

/// The node ids under `top` (not `top` itself), from the tree's parent map.
fn descendants(top: &str, parents: &HashMap<String, Option<String>>) -> Vec<String> {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for (id, p) in parents {
        if let Some(p) = p {
            children.entry(p.as_str()).or_default().push(id.as_str());
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![top];
    let mut seen = HashSet::new();
    while let Some(n) = stack.pop() {
        for c in children.get(n).into_iter().flatten() {
            if seen.insert(*c) {
                out.push(c.to_string());
                stack.push(c);
            }
        }
    }
    out
}

/// A document's values checked against the catalogue, ready to write.
#[derive(Clone, Debug)]
pub(crate) struct CheckedValues {
    catalogue: Vec<Property>,
    writes: Vec<(Property, Vec<String>)>,
}

impl CheckedValues {
    /// A new document holds a value of every enabled required property: the first it
    /// lacks is a 400 naming it.
    pub(crate) fn require_complete(&self) -> Result<()> {
        for p in self.catalogue.iter().filter(|p| p.required && p.enabled) {
            let set = self
                .writes
                .iter()
                .any(|(q, values)| q.id == p.id && !values.is_empty());
            if !set {
                let field = p.id.as_str();
                return Err(DomainError::invalid(
                    field,
                    format!("{field} is required: a new document needs a value"),
                ));
            }
        }
        Ok(())
    }
}

/// Writes checked values over a document's own; answers the properties whose values
/// changed.
pub(crate) async fn write_values<'a>(
    conn: &mut AnyConnection,
    library: &LibraryId,
    number: i64,
    values: &'a CheckedValues,
) -> Result<Vec<&'a str>> {
    let before = db::values_of(conn, library, number).await?;
    let mut changed = Vec::new();
    for (p, values) in &values.writes {
        let old: Vec<&String> = before
            .iter()
            .filter(|(id, _)| id == p.id.as_str())
            .map(|(_, v)| v)
            .collect();
        if old.len() != values.len() || old.iter().zip(values).any(|(a, b)| *a != b) {
            db::set_values(conn, library, number, &p.id, values).await?;
            changed.push(p.id.as_str());
        }
    }
    Ok(changed)
}

/// The lowest slot of `p`'s family that no other property of the library holds (`None`
/// when the family is full or has no slots: the property is then out of the connectors'
/// reach, never refused, since the Work API names properties by id).
async fn free_slot(
    conn: &mut AnyConnection,
    library: &LibraryId,
    p: &Property,
) -> Result<Option<usize>> {
    let Some(family) = SlotFamily::of(p.kind, p.multi) else {
        return Ok(None);
    };
    let taken = db::properties(conn, library)
        .await?
        .into_iter()
        .filter(|q| q.id != p.id)
        .filter_map(|q| q.slot().filter(|s| s.family == family).map(|s| s.n));
    Ok(family.free_slot(taken))
}

impl Dossier {
    /// Library administrators maintain the catalogue: administrators, and members whose role
    /// holds the system-management right.
    async fn require_metadata_admin(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        library: &LibraryId,
    ) -> Result<()> {
        self.require_right(
            conn,
            caller,
            library,
            Right::SystemManagement,
            "maintaining extended metadata",
        )
        .await
    }

    async fn audit_metadata(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        action: AuditAction,
        library: &LibraryId,
        what: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.audit(
            conn,
            Some(caller),
            Audit {
                action,
                target: Some(format!("{library}:{what}")),
                outcome: AuditOutcome::Success,
                detail,
            },
        )
        .await
    }

    // ---- the catalogue ----

    /// The library's properties (any member reads them).
    pub async fn metadata_properties(
        &self,
        _caller: &Caller,
        library: &LibraryId,
    ) -> Result<Vec<Property>> {
        let mut conn = self.store.read().await?;
        db::properties(&mut conn, library).await
    }

    pub async fn metadata_property(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        id: &PropertyId,
    ) -> Result<Property> {
        let mut conn = self.store.read().await?;
        db::get_property(&mut conn, library, id)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("property {}", id.as_str())))
    }

    /// A taxonomy property's taxonomy must exist.
    async fn check_property_taxonomy(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        p: &Property,
    ) -> Result<()> {
        if let Some(t) = &p.taxonomy
            && !db::taxonomies(conn, library)
                .await?
                .iter()
                .any(|x| x.id == *t)
        {
            return Err(DomainError::invalid(
                "taxonomy",
                format!("the library has no taxonomy {}", t.as_str()),
            ));
        }
        Ok(())
    }

    pub async fn create_metadata_property(
        &self,
        caller: &Caller,
        library: &LibraryId,
        mut p: Property,
    ) -> Result<Property> {
        p.check()?;
        let mut tx = self.store.begin().await?;
        self.require_metadata_admin(tx.conn(), caller, library)
            .await?;
        if db::get_property(tx.conn(), library, &p.id).await?.is_some() {
            return Err(DomainError::Conflict(format!(
                "the library has a property {} already",
                p.id.as_str()
            )));
        }
        self.check_property_taxonomy(tx.conn(), library, &p).await?;
        p.slot = free_slot(tx.conn(), library, &p).await?;
        db::put_property(tx.conn(), library, &p).await?;
        self.audit_metadata(
            tx.conn(),
            caller,
            AuditAction::MetadataPropertyCreate,
            library,
            p.id.as_str(),
            json!({"property": property_detail(&p)}),
        )
        .await?;
        tx.commit().await?;
        Ok(p)
    }

    pub async fn update_metadata_property(
        &self,
        caller: &Caller,
        library: &LibraryId,
        id: &PropertyId,
        changes: &PropertyChanges,
    ) -> Result<Property> {
        let mut tx = self.store.begin().await?;
        self.require_metadata_admin(tx.conn(), caller, library)
            .await?;
        let before = db::get_property(tx.conn(), library, id)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("property {}", id.as_str())))?;
        let mut after = changes.apply(&before)?;
        self.check_property_taxonomy(tx.conn(), library, &after)
            .await?;
        if after.slot.is_none() {
            after.slot = free_slot(tx.conn(), library, &after).await?;
        }
        if db::documents_with(tx.conn(), library, id).await? > 0 {
            let name = id.as_str();
            if after.kind != before.kind || after.taxonomy != before.taxonomy {
                return Err(DomainError::Conflict(format!(
                    "documents hold values of {name}: its kind and taxonomy cannot change"
                )));
            }
            if before.multi
                && !after.multi
                && db::has_several_values(tx.conn(), library, id).await?
            {
                return Err(DomainError::Conflict(format!(
                    "documents hold several values of {name}: it cannot become single-valued"
                )));
            }
            if after.kind == PropertyKind::Lookup {
                let kept: HashSet<String> =
                    after.lookup_values.iter().map(|v| match_key(v)).collect();
                if let Some(v) = db::values_in_use(tx.conn(), library, id)
                    .await?
                    .into_iter()
                    .find(|v| !kept.contains(v))
                {
                    return Err(DomainError::Conflict(format!(
                        "documents hold the value {v:?} of {name}: it cannot leave the list"
                    )));
                }
            }
        }
        db::put_property(tx.conn(), library, &after).await?;
        self.audit_metadata(
            tx.conn(),
            caller,
            AuditAction::MetadataPropertyUpdate,
            library,
            id.as_str(),
            json!({"before": property_detail(&before), "after": property_detail(&after)}),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Removes a property; one that documents hold values of only with `with_values`, and
    /// then the values go in the same transaction.
    pub async fn delete_metadata_property(
        &self,
        caller: &Caller,
        library: &LibraryId,
        id: &PropertyId,
        with_values: bool,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.require_metadata_admin(tx.conn(), caller, library)
            .await?;
        if db::get_property(tx.conn(), library, id).await?.is_none() {
            return Err(DomainError::not_found(format!("property {}", id.as_str())));
        }
        let used = db::documents_with(tx.conn(), library, id).await?;
        if used > 0 && !with_values {
            return Err(DomainError::Conflict(format!(
                "{used} documents hold values of {}; delete it with with_values=true to remove them too",
                id.as_str()
            )));
        }
        for n in db::remove_values_of(tx.conn(), library, id).await? {
            // Named by its latest version, as every other change to a document is.
            if let Some(doc) = dossier_store::documents::get_latest(tx.conn(), library, n).await? {
                emit(
                    tx.conn(),
                    caller,
                    now,
                    Change::DocumentUpdated { document: doc.id },
                )
                .await?;
            }
        }
        db::remove_property(tx.conn(), library, id).await?;
        self.audit_metadata(
            tx.conn(),
            caller,
            AuditAction::MetadataPropertyDelete,
            library,
            id.as_str(),
            json!({"with_values": with_values, "documents": used}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- taxonomies ----

    pub async fn taxonomies(&self, _caller: &Caller, library: &LibraryId) -> Result<Vec<Taxonomy>> {
        let mut conn = self.store.read().await?;
        db::taxonomies(&mut conn, library).await
    }

    async fn taxonomy_in(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        id: &TaxonomyId,
    ) -> Result<Taxonomy> {
        db::taxonomies(conn, library)
            .await?
            .into_iter()
            .find(|t| t.id == *id)
            .ok_or_else(|| DomainError::not_found(format!("taxonomy {}", id.as_str())))
    }

    pub async fn taxonomy(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        id: &TaxonomyId,
    ) -> Result<Taxonomy> {
        let mut conn = self.store.read().await?;
        self.taxonomy_in(&mut conn, library, id).await
    }

    pub async fn create_taxonomy(
        &self,
        caller: &Caller,
        library: &LibraryId,
        t: Taxonomy,
    ) -> Result<Taxonomy> {
        check_label(&t.name).map_err(|_| DomainError::required("name"))?;
        let mut tx = self.store.begin().await?;
        self.require_metadata_admin(tx.conn(), caller, library)
            .await?;
        if self.taxonomy_in(tx.conn(), library, &t.id).await.is_ok() {
            return Err(DomainError::Conflict(format!(
                "the library has a taxonomy {} already",
                t.id.as_str()
            )));
        }
        db::put_taxonomy(tx.conn(), library, &t).await?;
        self.audit_metadata(
            tx.conn(),
            caller,
            AuditAction::TaxonomyChange,
            library,
            t.id.as_str(),
            json!({"created": t.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(t)
    }

    /// The properties whose values are nodes of `taxonomy`.
    async fn properties_of(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        taxonomy: &TaxonomyId,
    ) -> Result<Vec<PropertyId>> {
        Ok(db::properties(conn, library)
            .await?
            .into_iter()
            .filter(|p| p.taxonomy.as_ref() == Some(taxonomy))
            .map(|p| p.id)
            .collect())
    }

    /// Removes a taxonomy no property uses, with its tree.
    pub async fn delete_taxonomy(
        &self,
        caller: &Caller,
        library: &LibraryId,
        id: &TaxonomyId,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        self.require_metadata_admin(tx.conn(), caller, library)
            .await?;
        self.taxonomy_in(tx.conn(), library, id).await?;
        if let Some(p) = self.properties_of(tx.conn(), library, id).await?.first() {
            return Err(DomainError::Conflict(format!(
                "the property {} takes its values from this taxonomy",
                p.as_str()
            )));
        }
        db::remove_taxonomy(tx.conn(), library, id).await?;
        self.audit_metadata(
            tx.conn(),
            caller,
            AuditAction::TaxonomyChange,
            library,
            id.as_str(),
            json!({"deleted": id.as_str()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn node_in(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        taxonomy: &TaxonomyId,
        id: &str,
    ) -> Result<TaxonomyNode> {
        db::get_node(conn, library, taxonomy, id)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("taxonomy node {id}")))
    }

    pub async fn taxonomy_node(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        taxonomy: &TaxonomyId,
        id: &str,
    ) -> Result<FoundNode> {
        let mut conn = self.store.read().await?;
        self.taxonomy_in(&mut conn, library, taxonomy).await?;
        let node = self.node_in(&mut conn, library, taxonomy, id).await?;
        let parents = db::parents(&mut conn, library, taxonomy).await?;
        let path = self
            .path_of(&mut conn, library, taxonomy, &node, &parents)
            .await?;
        Ok(FoundNode { node, path })
    }

    /// A parent named for a node must exist in the same tree.
    async fn check_parent(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        taxonomy: &TaxonomyId,
        parent: &Option<String>,
    ) -> Result<()> {
        if let Some(p) = parent
            && db::get_node(conn, library, taxonomy, p).await?.is_none()
        {
            return Err(DomainError::invalid(
                "parent",
                format!("the taxonomy has no node {p}"),
            ));
        }
        Ok(())
    }

    pub async fn add_taxonomy_node(
        &self,
        caller: &Caller,
        library: &LibraryId,
        taxonomy: &TaxonomyId,
        node: TaxonomyNode,
    ) -> Result<TaxonomyNode> {
        check_node_id(&node.id)?;
        check_label(&node.label)?;
        let mut tx = self.store.begin().await?;
        self.require_metadata_admin(tx.conn(), caller, library)
            .await?;
        self.taxonomy_in(tx.conn(), library, taxonomy).await?;
        if db::get_node(tx.conn(), library, taxonomy, &node.id)
            .await?
            .is_some()
        {
            return Err(DomainError::Conflict(format!(
                "the taxonomy has a node {} already",
                node.id
            )));
        }
        self.check_parent(tx.conn(), library, taxonomy, &node.parent)
            .await?;
        db::put_node(tx.conn(), library, taxonomy, &node).await?;
        self.audit_metadata(
            tx.conn(),
            caller,
            AuditAction::TaxonomyChange,
            library,
            taxonomy.as_str(),
            json!({"node_added": node.id, "label": node.label, "parent": node.parent}),
        )
        .await?;
        tx.commit().await?;
        Ok(node)
    }

    /// Renames, moves, enables or disables a node; a move under itself or one of its own
    /// descendants is refused (400).
    pub async fn update_taxonomy_node(
        &self,
        caller: &Caller,
        library: &LibraryId,
        taxonomy: &TaxonomyId,
        id: &str,
        changes: &NodeChanges,
    ) -> Result<TaxonomyNode> {
        let mut tx = self.store.begin().await?;
        self.require_metadata_admin(tx.conn(), caller, library)
            .await?;
        self.taxonomy_in(tx.conn(), library, taxonomy).await?;
        let mut node = self.node_in(tx.conn(), library, taxonomy, id).await?;
        if let Some(label) = &changes.label {
            check_label(label)?;
            node.label = label.clone();
        }
        if let Some(parent) = &changes.parent {
            self.check_parent(tx.conn(), library, taxonomy, parent)
                .await?;
            if let Some(p) = parent {
                let parents = db::parents(tx.conn(), library, taxonomy).await?;
                if closes_cycle(id, p, &parents) {
                    return Err(DomainError::invalid(
                        "parent",
                        format!("moving {id} under {p} would put it inside itself"),
                    ));
                }
            }
            node.parent = parent.clone();
        }
        if let Some(e) = changes.enabled {
            node.enabled = e;
        }
        db::put_node(tx.conn(), library, taxonomy, &node).await?;
        self.audit_metadata(
            tx.conn(),
            caller,
            AuditAction::TaxonomyChange,
            library,
            taxonomy.as_str(), json!({"node_changed": id, "label": node.label, "parent": node.parent, "enabled": node.enabled}),
        )
        .await?;
        tx.commit().await?;
        Ok(node)
    }

    /// Removes a leaf no document holds (a node with children, or one in use, is a 409:
    /// disabling it keeps the values and takes no new ones).
    pub async fn remove_taxonomy_node(
        &self,
        caller: &Caller,
        library: &LibraryId,
        taxonomy: &TaxonomyId,
        id: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        self.require_metadata_admin(tx.conn(), caller, library)
            .await?;
        self.taxonomy_in(tx.conn(), library, taxonomy).await?;
        self.node_in(tx.conn(), library, taxonomy, id).await?;
        let parents = db::parents(tx.conn(), library, taxonomy).await?;
        if parents.values().any(|p| p.as_deref() == Some(id)) {
            return Err(DomainError::Conflict(format!(
                "the node {id} has children: move or remove them first"
            )));
        }
        let props = self.properties_of(tx.conn(), library, taxonomy).await?;
        if db::node_in_use(tx.conn(), library, &props, id).await? {
            return Err(DomainError::Conflict(format!(
                "documents hold the node {id}: disable it instead"
            )));
        }
        db::remove_node(tx.conn(), library, taxonomy, id).await?;
        self.audit_metadata(
            tx.conn(),
            caller,
            AuditAction::TaxonomyChange,
            library,
            taxonomy.as_str(),
            json!({"node_removed": id}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a tree of nodes to a taxonomy, under `parent` (or at the top), in one
    /// transaction: an id the taxonomy has already, or any other bad node, and nothing is
    /// written. Answers how many nodes were added.
    pub async fn import_taxonomy(
        &self,
        caller: &Caller,
        library: &LibraryId,
        taxonomy: &TaxonomyId,
        parent: Option<String>,
        roots: &[ImportNode],
    ) -> Result<usize> {
        let mut nodes = flatten_import(roots)?;
        let mut tx = self.store.begin().await?;
        self.require_metadata_admin(tx.conn(), caller, library)
            .await?;
        self.taxonomy_in(tx.conn(), library, taxonomy).await?;
        self.check_parent(tx.conn(), library, taxonomy, &parent)
            .await?;
        let existing = db::parents(tx.conn(), library, taxonomy).await?;
        if let Some(n) = nodes.iter().find(|n| existing.contains_key(&n.id)) {
            return Err(DomainError::invalid(
                "nodes",
                format!("the taxonomy has a node {} already", n.id),
            ));
        }
        for n in &mut nodes {
            if n.parent.is_none() {
                n.parent = parent.clone();
            }
            db::put_node(tx.conn(), library, taxonomy, n).await?;
        }
        self.audit_metadata(
            tx.conn(),
            caller,
            AuditAction::TaxonomyChange,
            library,
            taxonomy.as_str(),
            json!({"imported": nodes.len(), "parent": parent}),
        )
        .await?;
        tx.commit().await?;
        Ok(nodes.len())
    }

    /// Finds nodes by label or id (`NodeSearch`) within `scope`, a page in label order,
    /// each with its path when `with_path`; and the total.
    pub async fn search_taxonomy_nodes(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        taxonomy: &TaxonomyId,
        query: NodeQuery,
        page: Page,
    ) -> Result<(Vec<FoundNode>, i64)> {
        let NodeQuery {
            mut search,
            scope,
            with_path,
        } = query;
        let mut conn = self.store.read().await?;
        self.taxonomy_in(&mut conn, library, taxonomy).await?;
        let parents = db::parents(&mut conn, library, taxonomy).await?;
        search.among = match &scope {
            NodeScope::All => None,
            NodeScope::Roots => Some(
                parents
                    .iter()
                    .filter(|(_, p)| p.is_none())
                    .map(|(id, _)| id.clone())
                    .collect(),
            ),
            NodeScope::ChildrenOf(top) | NodeScope::DescendantsOf(top) => {
                if !parents.contains_key(top) {
                    return Err(DomainError::invalid(
                        "children_of",
                        format!("the taxonomy has no node {top}"),
                    ));
                }
                Some(match scope {
                    NodeScope::ChildrenOf(_) => parents
                        .iter()
                        .filter(|(_, p)| p.as_deref() == Some(top.as_str()))
                        .map(|(id, _)| id.clone())
                        .collect(),
                    _ => descendants(top, &parents),
                })
            }
        };
        let (nodes, total) = db::search_nodes(&mut conn, library, taxonomy, &search, page).await?;
        let mut out = Vec::with_capacity(nodes.len());
        for node in nodes {
            let path = if with_path {
                self.path_of(&mut conn, library, taxonomy, &node, &parents)
                    .await?
            } else {
                Vec::new()
            };
            out.push(FoundNode { node, path });
        }
        Ok((out, total))
    }

    /// A node's ancestors, the top first.
    async fn path_of(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        taxonomy: &TaxonomyId,
        node: &TaxonomyNode,
        parents: &HashMap<String, Option<String>>,
    ) -> Result<Vec<TaxonomyNode>> {
        let mut path = Vec::new();
        let mut at = node.parent.clone();
        while let Some(p) = at {
            if path.len() > parents.len() {
                break;
            }
            let n = self.node_in(conn, library, taxonomy, &p).await?;
            at = n.parent.clone();
            path.push(n);
        }
        path.reverse();
        Ok(path)
    }

    // ---- values on documents ----

    async fn metadata_of(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        number: i64,
    ) -> Result<DocumentMetadata> {
        let catalogue = db::properties(conn, library).await?;
        let values = db::values_of(conn, library, number).await?;
        Ok(catalogue
            .into_iter()
            .filter_map(|p| {
                let vs: Vec<String> = values
                    .iter()
                    .filter(|(id, _)| id == p.id.as_str())
                    .map(|(_, v)| v.clone())
                    .collect();
                (!vs.is_empty()).then_some((p, vs))
            })
            .collect())
    }

    /// A document's extended metadata (Read on the document; 404 for one the caller
    /// cannot read).
    pub async fn document_metadata(
        &self,
        caller: &Caller,
        r: &DocumentRef,
    ) -> Result<DocumentMetadata> {
        let mut conn = self.store.read().await?;
        self.document_for(&mut conn, caller, r, Read).await?;
        self.metadata_of(&mut conn, &r.library, r.number).await
    }

    /// Sets a document's values (Edit on the document), every value checked against the
    /// catalogue before any is written; a change is an event and a history entry.
    pub async fn update_document_metadata(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        changes: &MetadataChanges,
    ) -> Result<DocumentMetadata> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        let writes = self.checked_values(tx.conn(), &r.library, changes).await?;
        let changed = write_values(tx.conn(), &r.library, r.number, &writes).await?;
        if !changed.is_empty() {
            emit(
                tx.conn(),
                caller,
                now,
                Change::DocumentUpdated {
                    document: doc.id.clone(),
                },
            )
            .await?;
            record(
                tx.conn(),
                &doc.id,
                Activity::Modify,
                caller,
                now,
                format!("Extended metadata: {}", changed.join(", ")),
            )
            .await?;
        }
        let out = self.metadata_of(tx.conn(), &r.library, r.number).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The values `changes` set, each checked against the catalogue (a 400 naming the
    /// property for the first that fails); nothing is written.
    pub(crate) async fn checked_values(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        changes: &MetadataChanges,
    ) -> Result<CheckedValues> {
        let catalogue = db::properties(conn, library).await?;
        let mut writes: Vec<(Property, Vec<String>)> = Vec::new();
        for (name, raw) in &changes.0 {
            let p = PropertyId::parse(name)
                .ok()
                .and_then(|id| catalogue.iter().find(|p| p.id == id))
                .ok_or_else(|| unknown_property(name))?;
            let field = p.id.as_str();
            let values = if raw.is_empty() {
                if p.required {
                    return Err(DomainError::invalid(
                        field,
                        format!("{field} is required and cannot be cleared"),
                    ));
                }
                Vec::new()
            } else {
                p.values(raw)?
            };
            for v in &values {
                self.check_reference(conn, library, p, v).await?;
            }
            if writes.iter().any(|(q, _)| q.id == p.id) {
                return Err(DomainError::invalid(
                    field,
                    format!("{field} is sent twice"),
                ));
            }
            writes.push((p.clone(), values));
        }
        Ok(CheckedValues { catalogue, writes })
    }

    /// What a stored value names must exist: a user of the customer, an enabled node of
    /// the property's taxonomy.
    async fn check_reference(
        &self,
        conn: &mut AnyConnection,
        library: &LibraryId,
        p: &Property,
        value: &str,
    ) -> Result<()> {
        let field = p.id.as_str();
        // A user of this library: a member (so never another customer's login, which would
        // also tell a caller which logins exist elsewhere).
        if p.kind == PropertyKind::User
            && dossier_store::roles::membership_of(conn, library.as_str(), value)
                .await?
                .is_none()
        {
            return Err(DomainError::invalid(
                field,
                format!("{field}: {value} is not a user of library {library}"),
            ));
        }
        if let (PropertyKind::Taxonomy, Some(t)) = (p.kind, &p.taxonomy) {
            match db::get_node(conn, library, t, value).await? {
                Some(n) if n.enabled => {}
                Some(_) => {
                    return Err(DomainError::invalid(
                        field,
                        format!("{field}: the taxonomy node {value} is disabled"),
                    ));
                }
                None => {
                    return Err(DomainError::invalid(
                        field,
                        format!("{field}: the taxonomy has no node {value}"),
                    ));
                }
            }
        }
        Ok(())
    }

    // ---- search ----

    /// A document search's condition `metadata.{property}={value}`: the value in its
    /// stored spelling; a taxonomy node matches itself and every node under it. Disabled
    /// properties are searched too (they keep their values).
    pub async fn metadata_match(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        property: &str,
        value: &str,
    ) -> Result<MetadataMatch> {
        let field = format!("metadata.{property}");
        let mut conn = self.store.read().await?;
        let prop = match PropertyId::parse(property) {
            Ok(id) => db::get_property(&mut conn, library, &id).await?,
            Err(_) => None,
        };
        let mut prop = prop.ok_or_else(|| unknown_property(&field))?;
        prop.enabled = true;
        let v = prop.value(value).map_err(|e| match e {
            DomainError::Invalid { message, .. } => DomainError::invalid(&field, message),
            other => other,
        })?;
        let mut keys = vec![match_key(&v)];
        if let (PropertyKind::Taxonomy, Some(t)) = (prop.kind, &prop.taxonomy) {
            let parents = db::parents(&mut conn, library, t).await?;
            keys.extend(descendants(&v, &parents).iter().map(|n| match_key(n)));
        }
        Ok(MetadataMatch {
            property: prop.id,
            keys,
        })
    }
}

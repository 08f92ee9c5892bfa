//! Library configuration as clients read and administrators maintain it: lookup tables of
//! custom fields and document types (classes are `classes`, field definitions `fields`),
//! and who may maintain them.

use dossier_core::custom::{is_lookup, parent_of};
use dossier_core::limits::{DESCRIPTION_MAX, check_alias, check_len};
use dossier_core::model::{DocType, Lookup};
use dossier_core::{DomainError, LibraryId};
use dossier_store::AnyConnection;

use crate::events::{Change, emit};
use crate::{Caller, Dossier, Page, Result};

/// A lookup entry as an administrator sends it; `None` leaves a field as it is (or takes
/// its default for a new entry).
#[derive(Clone, Debug, Default)]
pub struct LookupInput {
    /// The entry's alias, when the URL does not name it.
    pub alias: Option<String>,
    /// The parent entry's alias, for a child field's entry (custom2, custom30).
    pub parent: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// Parses `customN` from a URL segment; only lookup fields have tables.
pub fn lookup_field(segment: &str) -> Result<usize> {
    segment
        .strip_prefix("custom")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| is_lookup(*n))
        .ok_or_else(|| DomainError::not_found(format!("lookup table {segment}")))
}

/// Maintaining a library's configuration (lookup tables, classes, custom field definitions)
/// is for its administrators: NRTADMIN, or a member whose role in that library has an
/// administration right (the seeded `LIBRARY_ADMIN`). Others who may read it get a 403.
pub(crate) async fn require_library_admin(
    conn: &mut AnyConnection,
    caller: &Caller,
    library: &LibraryId,
) -> Result<()> {
    if caller.is_admin {
        return Ok(());
    }
    if let Some(m) =
        dossier_store::roles::membership_of(conn, library.as_str(), &caller.user_id).await?
        && dossier_store::roles::get(conn, library.as_str(), &m.role)
            .await?
            .is_some_and(|r| r.is_admin())
    {
        return Ok(());
    }
    Err(DomainError::Forbidden(format!(
        "maintaining the configuration of library {library} needs its administrator rights"
    )))
}

impl Dossier {
    pub async fn lookups(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        field: usize,
        parent: Option<&str>,
        query: Option<&str>,
        page: Page,
    ) -> Result<Vec<Lookup>> {
        let mut conn = self.store.read().await?;
        dossier_store::catalog::search_lookups(&mut conn, library, field, parent, query, page).await
    }

    pub async fn lookup(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        field: usize,
        parent: Option<&str>,
        alias: &str,
    ) -> Result<Lookup> {
        let mut conn = self.store.read().await?;
        dossier_store::catalog::get_lookup(&mut conn, library, field, parent, alias)
            .await?
            .ok_or_else(|| DomainError::not_found(format!("custom{field} '{alias}'")))
    }

    /// POST …/customs/{customN} (create) and PATCH …/customs/{customN}/{alias} (change).
    pub async fn save_lookup(
        &self,
        caller: &Caller,
        library: &LibraryId,
        field: usize,
        alias: Option<&str>,
        input: LookupInput,
    ) -> Result<Lookup> {
        let creating = alias.is_none();
        let alias = alias.map(str::to_string).or(input.alias);
        let alias = check_alias("id", alias.as_deref().unwrap_or_default())?;
        let parent = input
            .parent
            .map(|p| p.trim().to_uppercase())
            .filter(|p| !p.is_empty());
        let mut tx = self.store.begin().await?;
        require_library_admin(tx.conn(), caller, library).await?;
        match (parent_of(field), &parent) {
            (Some(pf), Some(p)) => {
                if dossier_store::catalog::get_lookup(tx.conn(), library, pf, None, p)
                    .await?
                    .is_none()
                {
                    return Err(DomainError::NoRecord {
                        message: format!("parent '{p}' is not in the custom{pf} lookup table"),
                        fields: vec![dossier_core::FieldError {
                            field: "parent".into(),
                            code: "NRC_NO_RECORD",
                            message: format!("'{p}' is not in custom{pf}"),
                        }],
                    });
                }
            }
            (Some(pf), None) => {
                return Err(DomainError::invalid(
                    "parent",
                    format!("custom{field} entries need a parent alias from custom{pf}"),
                ));
            }
            (None, Some(_)) => {
                return Err(DomainError::invalid(
                    "parent",
                    format!("custom{field} has no parent field"),
                ));
            }
            (None, None) => {}
        }
        let existing = dossier_store::catalog::get_lookup(
            tx.conn(),
            library,
            field,
            parent.as_deref(),
            &alias,
        )
        .await?;
        if creating && existing.is_some() {
            return Err(DomainError::Conflict(format!(
                "custom{field} already has '{alias}'"
            )));
        }
        if !creating && existing.is_none() {
            return Err(DomainError::not_found(format!("custom{field} '{alias}'")));
        }
        let description = input
            .description
            .or_else(|| existing.as_ref().map(|e| e.description.clone()))
            .unwrap_or_else(|| alias.clone());
        check_len("description", &description, DESCRIPTION_MAX)?;
        let lookup = Lookup {
            field,
            parent_alias: parent,
            alias,
            description,
            enabled: input
                .enabled
                .unwrap_or(existing.as_ref().is_none_or(|e| e.enabled)),
        };
        dossier_store::catalog::upsert_lookup(tx.conn(), library, &lookup).await?;
        emit(
            tx.conn(),
            caller,
            self.now(),
            if creating {
                Change::LookupCreated {
                    library: library.clone(),
                    field,
                    alias: lookup.alias.clone(),
                    parent: lookup.parent_alias.clone(),
                }
            } else {
                Change::LookupUpdated {
                    library: library.clone(),
                    field,
                    alias: lookup.alias.clone(),
                    parent: lookup.parent_alias.clone(),
                }
            },
        )
        .await?;
        tx.commit().await?;
        Ok(lookup)
    }

    pub async fn delete_lookup(
        &self,
        caller: &Caller,
        library: &LibraryId,
        field: usize,
        parent: Option<&str>,
        alias: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        require_library_admin(tx.conn(), caller, library).await?;
        if !dossier_store::catalog::delete_lookup(tx.conn(), library, field, parent, alias).await? {
            return Err(DomainError::not_found(format!("custom{field} '{alias}'")));
        }
        emit(
            tx.conn(),
            caller,
            self.now(),
            Change::LookupDeleted {
                library: library.clone(),
                field,
                alias: alias.to_uppercase(),
                parent: parent.map(str::to_string),
            },
        )
        .await?;
        tx.commit().await
    }

    pub async fn doc_types(&self, _caller: &Caller, library: &LibraryId) -> Result<Vec<DocType>> {
        let mut conn = self.store.read().await?;
        dossier_store::catalog::types(&mut conn, library).await
    }
}

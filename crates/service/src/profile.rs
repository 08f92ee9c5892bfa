//! Validating profile changes against the library's configuration: lookup tables, field
//! definitions, classes, subclasses (and what they require), types and users. Surfaces
//! parse their wire format into `dossier_core::changes`; the use cases validate the result
//! here, inside their transaction.

use dossier_core::changes::DocumentChanges;
use dossier_core::custom::{CustomValues, parent_of};
use dossier_core::fields::{FieldDefinitions, check_required};
use dossier_core::model::Document;
use dossier_core::{CustomValue, DomainError, FieldError, LibraryId};
use dossier_store::AnyConnection;

use crate::Result;
use crate::fields::definitions_on;

/// Validates custom-field changes: lookup aliases must exist in the library's tables, and a
/// child field (custom2, custom30) must come with its parent in the same request, as
/// iManage requires. `current` gives the values the object would have after the change.
pub(crate) async fn validate_customs(
    conn: &mut AnyConnection,
    library: &LibraryId,
    changes: &[(usize, Option<CustomValue>)],
    current: &CustomValues,
) -> Result<()> {
    let defs = definitions_on(conn, library).await?;
    check_customs(conn, library, changes, current, &defs).await
}

/// `validate_customs` with the library's field definitions at hand: a disabled field takes
/// no value, and a lookup field whose table is switched off takes any alias.
async fn check_customs(
    conn: &mut AnyConnection,
    library: &LibraryId,
    changes: &[(usize, Option<CustomValue>)],
    current: &CustomValues,
    defs: &FieldDefinitions,
) -> Result<()> {
    if let Some((n, _)) = changes
        .iter()
        .find(|(n, v)| v.is_some() && defs.get(*n).is_some_and(|d| !d.enabled))
    {
        return Err(DomainError::invalid(
            &format!("custom{n}"),
            format!("custom{n} is disabled in library {library}"),
        ));
    }
    let mut missing = Vec::new();
    for (n, value) in changes {
        let Some(CustomValue::Text(alias)) = value else {
            continue;
        };
        if !dossier_core::custom::is_lookup(*n) {
            continue;
        }
        let parent = match parent_of(*n) {
            Some(p) => {
                if !changes.iter().any(|(m, _)| *m == p) {
                    return Err(DomainError::invalid(
                        &format!("custom{n}"),
                        format!(
                            "custom{n} is a child of custom{p}: send custom{p} in the same request"
                        ),
                    ));
                }
                match current.get(p) {
                    Some(CustomValue::Text(pa)) => Some(pa.clone()),
                    _ => {
                        return Err(DomainError::invalid(
                            &format!("custom{n}"),
                            format!("custom{n} needs a value for its parent custom{p}"),
                        ));
                    }
                }
            }
            None => None,
        };
        if defs.get(*n).is_some_and(|d| !d.lookup_validated) {
            continue;
        }
        let found =
            dossier_store::catalog::get_lookup(conn, library, *n, parent.as_deref(), alias).await?;
        if !found.is_some_and(|l| l.enabled) {
            let under = parent.map(|p| format!(" under '{p}'")).unwrap_or_default();
            missing.push(FieldError {
                field: format!("custom{n}"),
                code: "NRC_NO_RECORD",
                message: format!("'{alias}' is not in the custom{n} lookup table{under}"),
            });
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        let message = missing
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("; ");
        Err(DomainError::NoRecord {
            message,
            fields: missing,
        })
    }
}

/// Validates class, subclass, type, author, operator and custom values against the
/// library, then the document as it would be against what its library, class and subclass
/// require (`fields::check_required`): on upload, new version, promotion and profile edit.
pub(crate) async fn validate_document(
    conn: &mut AnyConnection,
    library: &LibraryId,
    doc: &Document,
    changes: &DocumentChanges,
) -> Result<()> {
    let class = dossier_store::catalog::get_class(conn, library, &doc.class).await?;
    let subclass = match &doc.subclass {
        Some(sub) if class.is_some() => {
            dossier_store::catalog::get_subclass(conn, library, &doc.class, sub).await?
        }
        _ => None,
    };
    // A class or subclass removed since a document was given it is only an error when
    // the change names it.
    if changes.class.is_some() || changes.subclass.is_some() {
        if class.is_none() {
            return Err(DomainError::invalid(
                "class",
                format!("'{}' is not a class of library {library}", doc.class),
            ));
        }
        if let Some(sub) = doc.subclass.as_ref().filter(|_| subclass.is_none()) {
            return Err(DomainError::invalid(
                "subclass",
                format!("'{sub}' is not a subclass of class {}", doc.class),
            ));
        }
    }
    if changes.doc_type.is_some() {
        let types = dossier_store::catalog::types(conn, library).await?;
        if !types.iter().any(|t| t.alias == doc.doc_type) {
            return Err(DomainError::invalid(
                "type",
                format!(
                    "'{}' is not a document type of library {library}",
                    doc.doc_type
                ),
            ));
        }
    }
    for (field, user) in [("author", &changes.author), ("operator", &changes.operator)] {
        if let Some(u) = user {
            validate_user(conn, field, u).await?;
        }
    }
    let defs = definitions_on(conn, library).await?;
    check_customs(conn, library, &changes.customs, &doc.customs, &defs).await?;
    check_required(
        &doc.customs,
        class.as_ref(),
        subclass.as_ref(),
        doc.subclass.is_some(),
        &defs,
    )
}

pub(crate) async fn validate_user(conn: &mut AnyConnection, field: &str, user: &str) -> Result<()> {
    if dossier_store::users::get(conn, user).await?.is_none() {
        return Err(DomainError::invalid(
            field,
            format!("'{user}' is not a user"),
        ));
    }
    Ok(())
}

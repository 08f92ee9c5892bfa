//! Custom field definitions per library: what each of custom1–custom30 is called, whether
//! it is enabled and required, whether a lookup field's values are checked against its
//! table. Read by every member (forms and mapping screens label fields with them, and
//! integrations find "the field that holds the matter type" by caption); changed by
//! administrators.

use dossier_core::fields::{CustomFieldChanges, CustomFieldDefinition, FieldDefinitions};
use dossier_core::identity::{AuditAction, AuditOutcome};
use dossier_core::{DomainError, LibraryId};
use dossier_store::AnyConnection;
use serde_json::json;

use crate::audit::Audit;
use crate::catalog::require_library_admin;
use crate::{Caller, Dossier, Result};

/// The library's thirty definitions, inside the caller's transaction or read.
pub(crate) async fn definitions_on(
    conn: &mut AnyConnection,
    library: &LibraryId,
) -> Result<FieldDefinitions> {
    Ok(FieldDefinitions::from_stored(
        dossier_store::catalog::custom_fields(conn, library).await?,
    ))
}

impl Dossier {
    /// GET …/captions: every custom field's definition, in field order.
    pub async fn custom_fields(
        &self,
        _caller: &Caller,
        library: &LibraryId,
    ) -> Result<FieldDefinitions> {
        let mut conn = self.store.read().await?;
        definitions_on(&mut conn, library).await
    }

    /// GET …/captions/{customN}.
    pub async fn custom_field(
        &self,
        caller: &Caller,
        library: &LibraryId,
        field: usize,
    ) -> Result<CustomFieldDefinition> {
        self.custom_fields(caller, library)
            .await?
            .get(field)
            .cloned()
            .ok_or_else(|| DomainError::not_found(format!("custom field custom{field}")))
    }

    /// PATCH …/captions/{customN}: an administrator changes a field's definition. A
    /// caption another field of the library has is a conflict.
    pub async fn update_custom_field(
        &self,
        caller: &Caller,
        library: &LibraryId,
        field: usize,
        changes: CustomFieldChanges,
    ) -> Result<CustomFieldDefinition> {
        let mut tx = self.store.begin().await?;
        require_library_admin(tx.conn(), caller, library).await?;
        let defs = definitions_on(tx.conn(), library).await?;
        let before = defs.get(field).cloned();
        let after = defs.change(field, changes)?;
        dossier_store::catalog::save_custom_field(tx.conn(), library, &after).await?;
        self.audit(
            tx.conn(),
            Some(caller),
            Audit {
                action: AuditAction::CustomFieldUpdate,
                target: Some(format!("{library}/custom{field}")),
                outcome: AuditOutcome::Success,
                detail: json!({"before": before.as_ref().map(detail), "after": detail(&after)}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

fn detail(d: &CustomFieldDefinition) -> serde_json::Value {
    json!({"caption": d.caption, "enabled": d.enabled, "required": d.required, "lookup_enabled": d.lookup_validated})
}

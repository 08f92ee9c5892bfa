//! How a library opens matters (`MatterSettings`): the matter-type field, the template of each
//! matter type, the default template, and whether client + matter are unique.

use dossier_core::LibraryId;
use dossier_core::templates::MatterSettings;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_bool};
use crate::{DbResult, Result};

/// The library's settings; the defaults (nothing mapped) when none were saved.
pub async fn get(conn: &mut AnyConnection, library: &LibraryId) -> Result<MatterSettings> {
    let mut s = MatterSettings::default();
    if let Some(row) = Sql::new(
        "SELECT matter_type_field, default_template, unique_matters FROM workspace_settings WHERE library = ",
    )
    .bind(library.as_str())
    .fetch_optional(conn)
    .await?
    {
        s.matter_type_field = row
            .try_get::<Option<i64>, _>("matter_type_field")
            .db()?
            .and_then(|n| usize::try_from(n).ok());
        s.default_template = row.try_get("default_template").db()?;
        s.unique_matters = get_bool(&row, "unique_matters")?;
    }
    let rows = Sql::new("SELECT matter_type, template FROM matter_type_templates WHERE library = ")
        .bind(library.as_str())
        .fetch_all(conn)
        .await?;
    for r in rows {
        s.templates
            .insert(r.try_get("matter_type").db()?, r.try_get("template").db()?);
    }
    Ok(s)
}

/// Replaces the library's settings with `s`.
pub async fn put(conn: &mut AnyConnection, library: &LibraryId, s: &MatterSettings) -> Result<()> {
    Sql::new("DELETE FROM workspace_settings WHERE library = ")
        .bind(library.as_str())
        .execute(conn)
        .await?;
    Sql::new("INSERT INTO workspace_settings (library, matter_type_field, default_template, unique_matters) VALUES (")
        .bind(library.as_str())
        .push(", ")
        .bind(s.matter_type_field.map(|n| n as i64))
        .push(", ")
        .bind(s.default_template)
        .push(", ")
        .bind(s.unique_matters)
        .push(")")
        .execute(conn)
        .await?;
    Sql::new("DELETE FROM matter_type_templates WHERE library = ")
        .bind(library.as_str())
        .execute(conn)
        .await?;
    for (matter_type, template) in &s.templates {
        Sql::new("INSERT INTO matter_type_templates (library, matter_type, template) VALUES (")
            .bind(library.as_str())
            .push(", ")
            .bind(matter_type.as_str())
            .push(", ")
            .bind(*template)
            .push(")")
            .execute(conn)
            .await?;
    }
    Ok(())
}

//! Classes and subclasses: listed by every member of a library, created, changed and
//! deleted by its administrators (`catalog::require_library_admin`). A class or subclass that a document version, workspace
//! or folder carries is not deleted.

use dossier_core::classes::{Class, ClassFilter, ClassSettings, Subclass};
use dossier_core::identity::{AuditAction, AuditOutcome};
use dossier_core::limits::{DESCRIPTION_MAX, check_alias, check_len};
use dossier_core::{DefaultSecurity, DomainError, LibraryId};
use serde_json::json;

use crate::audit::Audit;
use crate::catalog::require_library_admin;
use crate::{Caller, Dossier, Result};

/// A class or subclass as an administrator sends it; `None` leaves a field as it is (or
/// takes its default for a new one).
#[derive(Clone, Debug, Default)]
pub struct ClassInput {
    /// The id, when the URL does not name it.
    pub alias: Option<String>,
    pub description: Option<String>,
    pub hipaa: Option<bool>,
    pub indexable: Option<bool>,
    pub retain_days: Option<i64>,
    /// Custom field numbers.
    pub required_fields: Option<Vec<usize>>,
    pub shadow: Option<bool>,
    pub echo: Option<bool>,
    pub default_security: Option<DefaultSecurity>,
    /// Classes only.
    pub subclass_required: Option<bool>,
}

impl ClassInput {
    /// The settings after this input, over `current`.
    fn settings(&self, current: ClassSettings) -> Result<ClassSettings> {
        let retain_days = self.retain_days.unwrap_or(current.retain_days);
        if retain_days < 0 {
            return Err(DomainError::invalid(
                "retain",
                "retain is a number of days, 0 or more",
            ));
        }
        Ok(ClassSettings {
            hipaa: self.hipaa.unwrap_or(current.hipaa),
            indexable: self.indexable.unwrap_or(current.indexable),
            retain_days,
            required_fields: self
                .required_fields
                .clone()
                .unwrap_or(current.required_fields),
            shadow: self.shadow.unwrap_or(current.shadow),
            echo: self.echo.unwrap_or(current.echo),
            default_security: self
                .default_security
                .map(ClassSettings::check_default_security)
                .transpose()?
                .unwrap_or(current.default_security),
        })
    }

    /// The description after this input: the one sent, else the current one, else the id.
    fn description(&self, current: Option<&str>, alias: &str) -> Result<String> {
        let d = self
            .description
            .clone()
            .or_else(|| current.map(str::to_string))
            .unwrap_or_else(|| alias.to_string());
        check_len("description", &d, DESCRIPTION_MAX)?;
        Ok(d)
    }
}

/// The id of a new class or subclass: the URL's when it names one, else the body's.
fn new_alias(url: Option<&str>, input: &ClassInput) -> Result<(bool, String)> {
    match url {
        Some(a) => Ok((false, a.to_uppercase())),
        None => Ok((
            true,
            check_alias("id", input.alias.as_deref().unwrap_or_default())?,
        )),
    }
}

fn class_not_found(alias: &str) -> DomainError {
    DomainError::not_found(format!("class {alias}"))
}

fn subclass_not_found(class: &str, alias: &str) -> DomainError {
    DomainError::not_found(format!("subclass {alias} of class {class}"))
}

impl Dossier {
    /// GET …/classes, with the filters clients send.
    pub async fn classes(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        filter: &ClassFilter,
    ) -> Result<Vec<Class>> {
        let mut conn = self.store.read().await?;
        let all = dossier_store::catalog::classes(&mut conn, library).await?;
        Ok(all.into_iter().filter(|c| filter.admits_class(c)).collect())
    }

    pub async fn class(&self, _caller: &Caller, library: &LibraryId, alias: &str) -> Result<Class> {
        let mut conn = self.store.read().await?;
        dossier_store::catalog::get_class(&mut conn, library, alias)
            .await?
            .ok_or_else(|| class_not_found(alias))
    }

    /// GET …/classes/{class}/subclasses, with the filters clients send.
    pub async fn subclasses(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        class: &str,
        filter: &ClassFilter,
    ) -> Result<Vec<Subclass>> {
        let mut conn = self.store.read().await?;
        if dossier_store::catalog::get_class(&mut conn, library, class)
            .await?
            .is_none()
        {
            return Err(class_not_found(class));
        }
        let all = dossier_store::catalog::subclasses(&mut conn, library, class).await?;
        Ok(all
            .into_iter()
            .filter(|s| filter.admits_subclass(s))
            .collect())
    }

    pub async fn subclass(
        &self,
        _caller: &Caller,
        library: &LibraryId,
        class: &str,
        alias: &str,
    ) -> Result<Subclass> {
        let mut conn = self.store.read().await?;
        dossier_store::catalog::get_subclass(&mut conn, library, class, alias)
            .await?
            .ok_or_else(|| subclass_not_found(class, alias))
    }

    /// POST …/classes (`alias` `None`: the body names the new class) and PATCH
    /// …/classes/{class}.
    pub async fn save_class(
        &self,
        caller: &Caller,
        library: &LibraryId,
        alias: Option<&str>,
        input: ClassInput,
    ) -> Result<Class> {
        let (creating, alias) = new_alias(alias, &input)?;
        let mut tx = self.store.begin().await?;
        require_library_admin(tx.conn(), caller, library).await?;
        let existing = dossier_store::catalog::get_class(tx.conn(), library, &alias).await?;
        let class = match (&existing, creating) {
            (Some(_), true) => {
                return Err(DomainError::Conflict(format!(
                    "library {library} already has class {alias}"
                )));
            }
            (None, false) => return Err(class_not_found(&alias)),
            (current, _) => Class {
                description: input
                    .description(current.as_ref().map(|c| c.description.as_str()), &alias)?,
                settings: input.settings(
                    current
                        .as_ref()
                        .map_or_else(ClassSettings::default, |c| c.settings.clone()),
                )?,
                subclass_required: input
                    .subclass_required
                    .unwrap_or(current.as_ref().is_some_and(|c| c.subclass_required)),
                alias: alias.clone(),
            },
        };
        if creating {
            dossier_store::catalog::insert_class(tx.conn(), library, &class).await?;
        } else {
            dossier_store::catalog::update_class(tx.conn(), library, &class).await?;
        }
        self.audit_class(
            tx.conn(),
            caller,
            if creating {
                AuditAction::ClassCreate
            } else {
                AuditAction::ClassUpdate
            },
            format!("{library}/{alias}"),
            json!({"before": existing.as_ref().map(class_detail), "after": class_detail(&class)}),
        )
        .await?;
        tx.commit().await?;
        Ok(class)
    }

    /// DELETE …/classes/{class}: the class and its subclasses, when nothing carries it.
    pub async fn delete_class(
        &self,
        caller: &Caller,
        library: &LibraryId,
        alias: &str,
    ) -> Result<()> {
        let alias = alias.to_uppercase();
        let mut tx = self.store.begin().await?;
        require_library_admin(tx.conn(), caller, library).await?;
        let Some(class) = dossier_store::catalog::get_class(tx.conn(), library, &alias).await?
        else {
            return Err(class_not_found(&alias));
        };
        if dossier_store::catalog::class_in_use(tx.conn(), library, &alias, None).await? {
            return Err(DomainError::Conflict(format!(
                "class {alias} is in use by documents, workspaces or folders"
            )));
        }
        dossier_store::catalog::delete_class(tx.conn(), library, &alias).await?;
        self.audit_class(
            tx.conn(),
            caller,
            AuditAction::ClassDelete,
            format!("{library}/{alias}"),
            json!({"before": class_detail(&class)}),
        )
        .await?;
        tx.commit().await
    }

    /// POST …/classes/{class}/subclasses (`alias` `None`) and PATCH
    /// …/classes/{class}/subclasses/{subclass}.
    pub async fn save_subclass(
        &self,
        caller: &Caller,
        library: &LibraryId,
        class: &str,
        alias: Option<&str>,
        input: ClassInput,
    ) -> Result<Subclass> {
        if input.subclass_required.is_some() {
            return Err(DomainError::invalid(
                "subclass_required",
                "subclass_required belongs to a class, not a subclass",
            ));
        }
        let class = class.to_uppercase();
        let (creating, alias) = new_alias(alias, &input)?;
        let mut tx = self.store.begin().await?;
        require_library_admin(tx.conn(), caller, library).await?;
        if dossier_store::catalog::get_class(tx.conn(), library, &class)
            .await?
            .is_none()
        {
            return Err(class_not_found(&class));
        }
        let existing =
            dossier_store::catalog::get_subclass(tx.conn(), library, &class, &alias).await?;
        let sub = match (&existing, creating) {
            (Some(_), true) => {
                return Err(DomainError::Conflict(format!(
                    "class {class} already has subclass {alias}"
                )));
            }
            (None, false) => return Err(subclass_not_found(&class, &alias)),
            (current, _) => Subclass {
                description: input
                    .description(current.as_ref().map(|s| s.description.as_str()), &alias)?,
                settings: input.settings(
                    current
                        .as_ref()
                        .map_or_else(ClassSettings::default, |s| s.settings.clone()),
                )?,
                class: class.clone(),
                alias: alias.clone(),
            },
        };
        if creating {
            dossier_store::catalog::insert_subclass(tx.conn(), library, &sub).await?;
        } else {
            dossier_store::catalog::update_subclass(tx.conn(), library, &sub).await?;
        }
        self.audit_class(
            tx.conn(),
            caller,
            if creating {
                AuditAction::ClassCreate
            } else {
                AuditAction::ClassUpdate
            },
            format!("{library}/{class}/{alias}"),
            json!({"before": existing.as_ref().map(subclass_detail), "after": subclass_detail(&sub)}),
        )
        .await?;
        tx.commit().await?;
        Ok(sub)
    }

    pub async fn delete_subclass(
        &self,
        caller: &Caller,
        library: &LibraryId,
        class: &str,
        alias: &str,
    ) -> Result<()> {
        let (class, alias) = (class.to_uppercase(), alias.to_uppercase());
        let mut tx = self.store.begin().await?;
        require_library_admin(tx.conn(), caller, library).await?;
        let Some(sub) =
            dossier_store::catalog::get_subclass(tx.conn(), library, &class, &alias).await?
        else {
            return Err(subclass_not_found(&class, &alias));
        };
        if dossier_store::catalog::class_in_use(tx.conn(), library, &class, Some(&alias)).await? {
            return Err(DomainError::Conflict(format!(
                "subclass {alias} of class {class} is in use by documents, workspaces or folders"
            )));
        }
        dossier_store::catalog::delete_subclass(tx.conn(), library, &class, &alias).await?;
        self.audit_class(
            tx.conn(),
            caller,
            AuditAction::ClassDelete,
            format!("{library}/{class}/{alias}"),
            json!({"before": subclass_detail(&sub)}),
        )
        .await?;
        tx.commit().await
    }

    async fn audit_class(
        &self,
        conn: &mut dossier_store::AnyConnection,
        caller: &Caller,
        action: AuditAction,
        target: String,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.audit(
            conn,
            Some(caller),
            Audit {
                action,
                target: Some(target),
                outcome: AuditOutcome::Success,
                detail,
            },
        )
        .await
    }
}

/// A class as its audit record shows it.
fn class_detail(c: &Class) -> serde_json::Value {
    let mut d = settings_detail(&c.description, &c.settings);
    d["subclass_required"] = json!(c.subclass_required);
    d
}

fn subclass_detail(s: &Subclass) -> serde_json::Value {
    settings_detail(&s.description, &s.settings)
}

fn settings_detail(description: &str, s: &ClassSettings) -> serde_json::Value {
    json!({
        "description": description,
        "hipaa": s.hipaa,
        "indexable": s.indexable,
        "retain": s.retain_days,
        "required_fields": s.required_fields.iter().map(|n| format!("custom{n}")).collect::<Vec<_>>(),
        "shadow": s.shadow,
        "echo": s.echo,
    })
}

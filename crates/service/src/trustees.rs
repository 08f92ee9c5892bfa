//! Trustees sent with an upload or a new folder (`user_trustees` / `group_trustees`).
//! They are recorded now; the security issue's access calculus enforces them.

use dossier_core::model::{Trustee, TrusteeType};
use dossier_core::{AccessLevel, DomainError};
use dossier_store::AnyConnection;
use serde_json::Value;

use crate::Result;

pub fn parse(obj: &serde_json::Map<String, Value>) -> Result<Vec<Trustee>> {
    let mut out = Vec::new();
    for (key, trustee_type) in [
        ("user_trustees", TrusteeType::User),
        ("group_trustees", TrusteeType::Group),
    ] {
        let Some(v) = obj.get(key) else { continue };
        let Value::Array(items) = v else {
            return Err(DomainError::invalid(key, format!("{key} must be an array")));
        };
        for item in items {
            let id = item.get("id").and_then(Value::as_str).ok_or_else(|| {
                DomainError::invalid(key, format!("every entry of {key} needs an id"))
            })?;
            let access = match item.get("access_level").or_else(|| item.get("access")) {
                Some(Value::String(s)) => AccessLevel::parse(key, s)?,
                Some(Value::Number(n)) => AccessLevel::parse(key, &n.to_string())?,
                _ => {
                    return Err(DomainError::invalid(
                        key,
                        format!("every entry of {key} needs an access_level"),
                    ));
                }
            };
            out.push(Trustee {
                trustee_type: trustee_type.clone(),
                id: id.trim().to_uppercase(),
                access,
            });
        }
    }
    Ok(out)
}

/// Every named trustee must exist.
pub async fn validate(conn: &mut AnyConnection, trustees: &[Trustee]) -> Result<()> {
    for t in trustees {
        let exists = match t.trustee_type {
            TrusteeType::User => dossier_store::users::get(conn, &t.id).await?.is_some(),
            TrusteeType::Group => dossier_store::groups::exists(conn, &t.id).await?,
        };
        if !exists {
            let field = match t.trustee_type {
                TrusteeType::User => "user_trustees",
                TrusteeType::Group => "group_trustees",
            };
            return Err(DomainError::invalid(
                field,
                format!("'{}' is not a {}", t.id, t.trustee_type.as_str()),
            ));
        }
    }
    Ok(())
}

//! Trustees named by an upload or a new container: each must exist.

use dossier_core::DomainError;
use dossier_core::model::{Trustee, TrusteeType};
use dossier_store::AnyConnection;

use crate::Result;

/// Every named trustee must exist.
pub(crate) async fn validate(conn: &mut AnyConnection, trustees: &[Trustee]) -> Result<()> {
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

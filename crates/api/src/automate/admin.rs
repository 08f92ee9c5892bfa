//! The "iManage Work for Admins" connector's callers. Every operation of that connector
//! sends `x-im-connector-id: imanage-work-for-admins` (the swagger's required header) and
//! manages the firm's users, lookups and folders, so it needs an identity administrator
//! (NRTADMIN or a role with an administration right) holding a token granted the `admin`
//! scope: `Caller::require_identity_admin`, the rule the Work API's user administration
//! and SCIM apply too.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use dossier_service::Caller;

use super::error::AutomateError;
use crate::AppState;

/// The connector header and the one value the admin connector sends in it.
pub const CONNECTOR_HEADER: &str = "x-im-connector-id";
pub const ADMIN_CONNECTOR: &str = "imanage-work-for-admins";

/// A caller of an admin-connector operation, checked: the header (400 naming it when absent
/// or another connector's), the token (401) and the administrator's rights and scope (403).
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AutomateError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let header = parts
            .headers
            .get(CONNECTOR_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        if header != Some(ADMIN_CONNECTOR) {
            return Err(AutomateError::invalid(
                CONNECTOR_HEADER,
                format!("{CONNECTOR_HEADER} must be {ADMIN_CONNECTOR} on this operation"),
            ));
        }
        caller.require_identity_admin()?;
        Ok(Admin(caller))
    }
}

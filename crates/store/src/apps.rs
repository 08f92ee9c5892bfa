//! OAuth apps (registered clients), the consents users gave them, and authorization codes.
//! Codes are stored only as hashes and are taken (deleted) when redeemed, so each one can
//! be used once.

use chrono::{DateTime, Utc};
use dossier_core::identity::{App, Grant, Scopes};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Sql, get_bool, get_ts};
use crate::{DbResult, Result};

const COLUMNS: &str = "client_id, customer_id, name, secret_hash, redirect_uris, grants, scopes, service_account, first_party, enabled, created_at, edited_at";

fn json_list(row: &AnyRow, col: &str) -> Result<Vec<String>> {
    let text: String = row.try_get(col).db()?;
    serde_json::from_str(&text).map_err(|e| {
        dossier_core::DomainError::internal(format!("apps.{col} is not a JSON list: {e}"))
    })
}

fn app(row: &AnyRow) -> Result<App> {
    Ok(App {
        client_id: row.try_get("client_id").db()?,
        customer_id: row.try_get("customer_id").db()?,
        name: row.try_get("name").db()?,
        secret_hash: row.try_get("secret_hash").db()?,
        redirect_uris: json_list(row, "redirect_uris")?,
        // A grant name this build does not know is dropped rather than failing the read.
        grants: json_list(row, "grants")?
            .iter()
            .filter_map(|g| Grant::parse(g))
            .collect(),
        scopes: json_list(row, "scopes")?.into_iter().collect(),
        service_account: row.try_get("service_account").db()?,
        first_party: get_bool(row, "first_party")?,
        enabled: get_bool(row, "enabled")?,
        created_at: get_ts(row, "created_at")?,
        edited_at: get_ts(row, "edited_at")?,
    })
}

fn to_json<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> String {
    let v: Vec<String> = items.into_iter().map(Into::into).collect();
    serde_json::Value::from(v).to_string()
}

pub async fn insert(conn: &mut AnyConnection, a: &App) -> Result<()> {
    Sql::new(&format!("INSERT INTO apps ({COLUMNS}) VALUES ("))
        .bind(a.client_id.as_str())
        .push(", ")
        .bind(a.customer_id)
        .push(", ")
        .bind(a.name.as_str())
        .push(", ")
        .bind(a.secret_hash.clone())
        .push(", ")
        .bind(to_json(a.redirect_uris.iter().cloned()))
        .push(", ")
        .bind(to_json(a.grants.iter().map(|g| g.as_str())))
        .push(", ")
        .bind(to_json(a.scopes.iter()))
        .push(", ")
        .bind(a.service_account.clone())
        .push(", ")
        .bind(a.first_party)
        .push(", ")
        .bind(a.enabled)
        .push(", ")
        .bind(a.created_at)
        .push(", ")
        .bind(a.edited_at)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

/// Rewrites every column but the id, customer and creation time.
pub async fn update(conn: &mut AnyConnection, a: &App) -> Result<bool> {
    Ok(Sql::new("UPDATE apps SET name = ")
        .bind(a.name.as_str())
        .push(", secret_hash = ")
        .bind(a.secret_hash.clone())
        .push(", redirect_uris = ")
        .bind(to_json(a.redirect_uris.iter().cloned()))
        .push(", grants = ")
        .bind(to_json(a.grants.iter().map(|g| g.as_str())))
        .push(", scopes = ")
        .bind(to_json(a.scopes.iter()))
        .push(", service_account = ")
        .bind(a.service_account.clone())
        .push(", first_party = ")
        .bind(a.first_party)
        .push(", enabled = ")
        .bind(a.enabled)
        .push(", edited_at = ")
        .bind(a.edited_at)
        .push(" WHERE client_id = ")
        .bind(a.client_id.as_str())
        .execute(conn)
        .await?
        > 0)
}

pub async fn get(conn: &mut AnyConnection, client_id: &str) -> Result<Option<App>> {
    Sql::new(&format!("SELECT {COLUMNS} FROM apps WHERE client_id = "))
        .bind(client_id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(app)
        .transpose()
}

/// A customer's apps, by name.
pub async fn list(conn: &mut AnyConnection, customer_id: i64) -> Result<Vec<App>> {
    Sql::new(&format!("SELECT {COLUMNS} FROM apps WHERE customer_id = "))
        .bind(customer_id)
        .push(" ORDER BY name, client_id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(app)
        .collect()
}

// ---- consents ----------------------------------------------------------------------------

/// The scopes a user has allowed an app.
pub async fn consent(
    conn: &mut AnyConnection,
    user_id: &str,
    client_id: &str,
) -> Result<Option<Scopes>> {
    let row = Sql::new("SELECT scope FROM consents WHERE user_id = ")
        .bind(user_id)
        .push(" AND client_id = ")
        .bind(client_id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        r.try_get::<String, _>("scope")
            .db()
            .map(|s| Scopes::parse(&s))
    })
    .transpose()
}

/// Records (or replaces) what a user allowed an app.
pub async fn put_consent(
    conn: &mut AnyConnection,
    user_id: &str,
    client_id: &str,
    scope: &Scopes,
    now: DateTime<Utc>,
) -> Result<()> {
    Sql::new("DELETE FROM consents WHERE user_id = ")
        .bind(user_id)
        .push(" AND client_id = ")
        .bind(client_id)
        .execute(conn)
        .await?;
    Sql::new("INSERT INTO consents (user_id, client_id, scope, granted_at) VALUES (")
        .bind(user_id)
        .push(", ")
        .bind(client_id)
        .push(", ")
        .bind(scope.to_string())
        .push(", ")
        .bind(now)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets every consent given to an app (when it is revoked).
pub async fn delete_consents(conn: &mut AnyConnection, client_id: &str) -> Result<u64> {
    Sql::new("DELETE FROM consents WHERE client_id = ")
        .bind(client_id)
        .execute(conn)
        .await
}

// ---- authorization codes -----------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub struct AuthCode {
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scope: Scopes,
    /// The PKCE S256 challenge, when the client sent one.
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// When the user signed in, for the ID token's `auth_time`.
    pub created_at: DateTime<Utc>,
}

pub async fn insert_code(conn: &mut AnyConnection, hash: &str, c: &AuthCode) -> Result<()> {
    Sql::new("INSERT INTO auth_codes (code_hash, client_id, user_id, redirect_uri, scope, code_challenge, nonce, expires_at, created_at) VALUES (")
        .bind(hash)
        .push(", ")
        .bind(c.client_id.as_str())
        .push(", ")
        .bind(c.user_id.as_str())
        .push(", ")
        .bind(c.redirect_uri.as_str())
        .push(", ")
        .bind(c.scope.to_string())
        .push(", ")
        .bind(c.code_challenge.clone())
        .push(", ")
        .bind(c.nonce.clone())
        .push(", ")
        .bind(c.expires_at)
        .push(", ")
        .bind(c.created_at)
        .push(")")
        .execute(conn)
        .await?;
    Ok(())
}

/// What presenting an authorization code found.
#[derive(Clone, Debug)]
pub enum CodeExchange {
    /// The code, now redeemed for `family`: this was its first presentation.
    Redeemed(AuthCode),
    /// The code was redeemed before, for this token family.
    Replayed { family: String },
    /// No such code (or long expired).
    Unknown,
}

/// How long a redeemed code is remembered after it expires, to recognise a replay.
const REDEEMED_KEPT_HOURS: i64 = 24;

/// Redeems a code for the token family `family`: whoever presents it first gets it, a
/// second presentation learns the family the first one got, so its tokens can be revoked.
pub async fn redeem_code(
    conn: &mut AnyConnection,
    hash: &str,
    family: &str,
    now: DateTime<Utc>,
) -> Result<CodeExchange> {
    delete_expired_codes(&mut *conn, now).await?;
    if let Some(row) = Sql::new("UPDATE auth_codes SET redeemed_family = ")
        .bind(family)
        .push(" WHERE redeemed_family IS NULL AND code_hash = ")
        .bind(hash)
        .push(" RETURNING client_id, user_id, redirect_uri, scope, code_challenge, nonce, expires_at, created_at")
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(CodeExchange::Redeemed(AuthCode {
            client_id: row.try_get("client_id").db()?,
            user_id: row.try_get("user_id").db()?,
            redirect_uri: row.try_get("redirect_uri").db()?,
            scope: Scopes::parse(&row.try_get::<String, _>("scope").db()?),
            code_challenge: row.try_get("code_challenge").db()?,
            nonce: row.try_get("nonce").db()?,
            expires_at: get_ts(&row, "expires_at")?,
            created_at: get_ts(&row, "created_at")?,
        }));
    }
    // A replay: forget the code, so the revocation happens once.
    let replayed = Sql::new("DELETE FROM auth_codes WHERE code_hash = ")
        .bind(hash)
        .push(" RETURNING redeemed_family")
        .fetch_optional(conn)
        .await?;
    Ok(match replayed {
        Some(row) => match row.try_get::<Option<String>, _>("redeemed_family").db()? {
            Some(family) => CodeExchange::Replayed { family },
            None => CodeExchange::Unknown,
        },
        None => CodeExchange::Unknown,
    })
}

/// Drops codes that expired long enough ago that a replay need no longer be recognised.
pub async fn delete_expired_codes(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<u64> {
    Sql::new("DELETE FROM auth_codes WHERE expires_at < ")
        .bind(now - chrono::Duration::hours(REDEEMED_KEPT_HOURS))
        .execute(conn)
        .await
}

/// Drops an app's outstanding codes (when it is revoked) and expired codes of any app.
pub async fn delete_codes(
    conn: &mut AnyConnection,
    client_id: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    Sql::new("DELETE FROM auth_codes WHERE client_id = ")
        .bind(client_id)
        .push(" OR expires_at < ")
        .bind(now)
        .execute(conn)
        .await
}

//! Users: the full record, listing with filters, sign-in bookkeeping and permanent deletion.

use chrono::{DateTime, Utc};
use dossier_core::identity::User;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::sql::{Page, Param, Sql, get_bool, get_opt_ts, get_ts};
use crate::{DbResult, Result};

const COLUMNS: &str = "id, customer_id, ssid, full_name, first_name, last_name, email, password_hash, user_nos, is_external, allow_logon, is_locked, failed_logins, signin_locked_until, signin_lockouts, pwd_never_expire, force_password_change, pwd_changed_at, preferred_library, department, title, phone, user_id_ex, active, version, created_at, edited_at";

fn user(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id").db()?,
        customer_id: row.try_get("customer_id").db()?,
        ssid: row.try_get("ssid").db()?,
        full_name: row.try_get("full_name").db()?,
        first_name: row.try_get("first_name").db()?,
        last_name: row.try_get("last_name").db()?,
        email: row.try_get("email").db()?,
        password_hash: row.try_get("password_hash").db()?,
        user_nos: row.try_get("user_nos").db()?,
        is_external: get_bool(row, "is_external")?,
        allow_logon: get_bool(row, "allow_logon")?,
        is_locked: get_bool(row, "is_locked")?,
        failed_logins: row.try_get("failed_logins").db()?,
        signin_locked_until: get_opt_ts(row, "signin_locked_until")?,
        signin_lockouts: row.try_get("signin_lockouts").db()?,
        pwd_never_expire: get_bool(row, "pwd_never_expire")?,
        force_password_change: get_bool(row, "force_password_change")?,
        pwd_changed_at: get_opt_ts(row, "pwd_changed_at")?,
        preferred_library: row.try_get("preferred_library").db()?,
        department: row.try_get("department").db()?,
        title: row.try_get("title").db()?,
        phone: row.try_get("phone").db()?,
        user_id_ex: row.try_get("user_id_ex").db()?,
        active: get_bool(row, "active")?,
        version: row.try_get("version").db()?,
        created_at: get_ts(row, "created_at")?,
        edited_at: get_ts(row, "edited_at")?,
    })
}

/// Every column of `u` with its value, in `COLUMNS` order.
fn values(u: &User) -> Vec<(&'static str, Param)> {
    vec![
        ("id", u.id.clone().into()),
        ("customer_id", u.customer_id.into()),
        ("ssid", u.ssid.clone().into()),
        ("full_name", u.full_name.clone().into()),
        ("first_name", u.first_name.clone().into()),
        ("last_name", u.last_name.clone().into()),
        ("email", u.email.clone().into()),
        ("password_hash", u.password_hash.clone().into()),
        ("user_nos", u.user_nos.into()),
        ("is_external", u.is_external.into()),
        ("allow_logon", u.allow_logon.into()),
        ("is_locked", u.is_locked.into()),
        ("failed_logins", u.failed_logins.into()),
        ("signin_locked_until", u.signin_locked_until.into()),
        ("signin_lockouts", u.signin_lockouts.into()),
        ("pwd_never_expire", u.pwd_never_expire.into()),
        ("force_password_change", u.force_password_change.into()),
        ("pwd_changed_at", u.pwd_changed_at.into()),
        ("preferred_library", u.preferred_library.clone().into()),
        ("department", u.department.clone().into()),
        ("title", u.title.clone().into()),
        ("phone", u.phone.clone().into()),
        ("user_id_ex", u.user_id_ex.clone().into()),
        ("active", u.active.into()),
        ("version", u.version.into()),
        ("created_at", u.created_at.into()),
        ("edited_at", u.edited_at.into()),
    ]
}

pub async fn insert(conn: &mut AnyConnection, u: &User) -> Result<()> {
    let mut sql = Sql::new(&format!("INSERT INTO users ({COLUMNS}) VALUES ("));
    sql.bind_list(values(u).into_iter().map(|(_, v)| v));
    sql.push(")").execute(conn).await?;
    Ok(())
}

/// Rewrites every column of the user named by `u.id` (the caller reads, changes and
/// writes back in one transaction). Returns whether the user exists.
pub async fn update(conn: &mut AnyConnection, u: &User) -> Result<bool> {
    let mut sql = Sql::new("UPDATE users SET ");
    for (i, (col, v)) in values(u).into_iter().skip(1).enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push(col).push(" = ").bind(v);
    }
    sql.push(" WHERE id = ").bind(u.id.as_str());
    Ok(sql.execute(conn).await? > 0)
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<User>> {
    Sql::new(&format!("SELECT {COLUMNS} FROM users WHERE id = "))
        .bind(id.to_uppercase())
        .fetch_optional(conn)
        .await?
        .map(|r| user(&r))
        .transpose()
}

pub async fn get_by_ssid(conn: &mut AnyConnection, ssid: &str) -> Result<Option<User>> {
    Sql::new(&format!("SELECT {COLUMNS} FROM users WHERE ssid = "))
        .bind(ssid)
        .fetch_optional(conn)
        .await?
        .map(|r| user(&r))
        .transpose()
}

/// What a user listing may be narrowed by. Text matches are case-insensitive.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Exact login id.
    pub login_name: Option<String>,
    /// Exact e-mail address.
    pub email: Option<String>,
    /// Login id, full name or e-mail containing this text.
    pub query: Option<String>,
    /// Members of this library only.
    pub library: Option<String>,
    /// Members of this group only.
    pub group: Option<String>,
    pub active: Option<bool>,
    pub external_id: Option<String>,
    /// Users who may (`true`) or may not (`false`) sign in (`allow_logon`).
    pub allow_logon: Option<bool>,
    /// Users whose preferred library is this one.
    pub preferred_library: Option<String>,
}

fn push_where(sql: &mut Sql, customer_id: i64, f: &UserFilter) {
    sql.push(" WHERE u.customer_id = ").bind(customer_id);
    if let Some(v) = &f.login_name {
        sql.push(" AND u.id = ").bind(v.to_uppercase());
    }
    if let Some(v) = &f.email {
        sql.push(" AND LOWER(u.email) = ").bind(v.to_lowercase());
    }
    if let Some(v) = &f.query {
        let p = format!("%{}%", crate::sql::like_pattern(v));
        sql.push(" AND (LOWER(u.id) LIKE ")
            .bind(p.clone())
            .push(" ESCAPE '\\' OR LOWER(u.full_name) LIKE ")
            .bind(p.clone())
            .push(" ESCAPE '\\' OR LOWER(COALESCE(u.email, '')) LIKE ")
            .bind(p)
            .push(" ESCAPE '\\')");
    }
    if let Some(v) = &f.library {
        sql.push(
            " AND EXISTS (SELECT 1 FROM library_users lu WHERE lu.user_id = u.id AND lu.library = ",
        )
        .bind(v.as_str())
        .push(")");
    }
    if let Some(v) = &f.group {
        sql.push(" AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_id = u.id AND gm.group_id = ")
            .bind(v.to_uppercase())
            .push(")");
    }
    if let Some(v) = f.active {
        sql.push(" AND u.active = ").bind(v);
    }
    if let Some(v) = &f.external_id {
        sql.push(" AND u.user_id_ex = ").bind(v.as_str());
    }
    if let Some(v) = f.allow_logon {
        sql.push(" AND u.allow_logon = ").bind(v);
    }
    if let Some(v) = &f.preferred_library {
        sql.push(" AND UPPER(u.preferred_library) = ")
            .bind(v.to_uppercase());
    }
}

/// Users of a customer in login-id order, with the total when asked for.
pub async fn list(
    conn: &mut AnyConnection,
    customer_id: i64,
    f: &UserFilter,
    page: Page,
) -> Result<(Vec<User>, Option<i64>)> {
    let total = if page.want_total {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM users u");
        push_where(&mut sql, customer_id, f);
        Some(sql.fetch_one(conn).await?.try_get::<i64, _>("n").db()?)
    } else {
        None
    };
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = Sql::new(&format!("SELECT {cols} FROM users u"));
    push_where(&mut sql, customer_id, f);
    sql.push(" ORDER BY u.id");
    sql.push_page(&page);
    let users = sql
        .fetch_all(conn)
        .await?
        .iter()
        .map(user)
        .collect::<Result<_>>()?;
    Ok((users, total))
}

/// What the account said when a sign-in attempt was counted against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInAttempt {
    /// No such user.
    Unknown,
    /// Sign-in is refused until then; the attempt was not counted.
    Locked { until: DateTime<Utc> },
    /// Counted: `failures` attempts since the last success or lockout (this one included),
    /// and `lockouts` lockouts since the last success.
    Counted { failures: i64, lockouts: i64 },
}

/// Counts a sign-in attempt on the account *before* its password is checked, so that
/// attempts sent together are counted one by one, whatever their order of completion.
/// A success takes its count back (`sign_in_succeeded`).
pub async fn count_sign_in_attempt(
    conn: &mut AnyConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<SignInAttempt> {
    let id = id.to_uppercase();
    let Some(row) = Sql::new("SELECT signin_locked_until FROM users WHERE id = ")
        .bind(id.clone())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(SignInAttempt::Unknown);
    };
    if let Some(until) = get_opt_ts(&row, "signin_locked_until")?
        && until > now
    {
        return Ok(SignInAttempt::Locked { until });
    }
    let Some(row) = Sql::new("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ")
        .bind(id)
        .push(" RETURNING failed_logins, signin_lockouts")
        .fetch_optional(conn)
        .await?
    else {
        return Ok(SignInAttempt::Unknown);
    };
    Ok(SignInAttempt::Counted {
        failures: row.try_get("failed_logins").db()?,
        lockouts: row.try_get("signin_lockouts").db()?,
    })
}

/// Locks password sign-in until `until`, if the account has reached `threshold` counted
/// failures and is not locked already (of several attempts racing to lock it, one does).
/// The count starts again from zero, for the attempts after the lock ends. Returns whether
/// this call locked it.
pub async fn lock_sign_in(
    conn: &mut AnyConnection,
    id: &str,
    threshold: i64,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = Sql::new("UPDATE users SET signin_locked_until = ")
        .bind(until)
        .push(", signin_lockouts = signin_lockouts + 1, failed_logins = 0, version = version + 1, edited_at = ")
        .bind(now)
        .push(" WHERE id = ")
        .bind(id.to_uppercase())
        .push(" AND failed_logins >= ")
        .bind(threshold)
        .push(" AND (signin_locked_until IS NULL OR signin_locked_until <= ")
        .bind(now)
        .push(")")
        .execute(conn)
        .await?;
    Ok(done > 0)
}

/// Takes a successful sign-in's count back and forgets earlier failures and lockouts, unless
/// other attempts counted meanwhile (`threshold` failures or more, with 0 meaning no limit)
/// or a lock landed while the password was being checked: then the success does not count
/// and the caller refuses it. Returns whether it counts.
pub async fn sign_in_succeeded(
    conn: &mut AnyConnection,
    id: &str,
    threshold: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut sql = Sql::new(
        "UPDATE users SET failed_logins = 0, signin_lockouts = 0, signin_locked_until = NULL WHERE id = ",
    );
    sql.bind(id.to_uppercase())
        .push(" AND (signin_locked_until IS NULL OR signin_locked_until <= ")
        .bind(now)
        .push(")");
    if threshold > 0 {
        sql.push(" AND failed_logins <= ").bind(threshold);
    }
    Ok(sql.execute(conn).await? > 0)
}

/// Deletes a user for good, with everything that only makes sense while the user exists:
/// tokens, codes, consents, memberships. Documents and history keep the login id as text.
pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    let id = id.to_uppercase();
    for table in [
        "tokens",
        "auth_codes",
        "consents",
        "invitations",
        "group_members",
        "library_users",
    ] {
        Sql::new(&format!("DELETE FROM {table} WHERE user_id = "))
            .bind(id.as_str())
            .execute(conn)
            .await?;
    }
    Sql::new("UPDATE apps SET service_account = NULL WHERE service_account = ")
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(Sql::new("DELETE FROM users WHERE id = ")
        .bind(id)
        .execute(conn)
        .await?
        > 0)
}

//! The admin connector's user creation: CreateUser and the schema of its `create_password`
//! input (GetCreateUserPasswordSchema). A user is created in their preferred library with a
//! role of that library, either with a password the flow sets or with an e-mailed
//! invitation to choose one (`service::invitations`); creation is idempotent by login name.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, SecondsFormat, Utc};
use dossier_core::DomainError;
use dossier_core::identity::User;
use dossier_service::Caller;
use dossier_service::identity::{NewUser, UserChanges};
use dossier_service::invitations::INVITATION_DAYS;
use dossier_service::passwords::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use serde_json::{Map, Value, json};

use super::admin::Admin;
use super::data;
use super::error::{AutomateError, AutomateResult};
use super::wire::{self, required_text};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{JsonObject, Q};
use crate::fields::{Obj, flag, text};

pub fn routes() -> Router<AppState> {
    Router::new().route("/createUser", post(create_user)).route(
        "/getCreateUserPasswordSchema",
        get(get_create_user_password_schema),
    )
}

/// `password_create_method`, as the swagger spells its two values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PasswordCreation {
    /// "Send an email": the user chooses a password from an e-mailed one-time link.
    SendEmail,
    /// "Create a password": the flow sets it (`create_password.password`).
    CreatePassword,
}

const METHOD: &str = "password_create_method";

impl PasswordCreation {
    fn parse(raw: &str) -> AutomateResult<Self> {
        match raw.trim() {
            "Send an email" => Ok(Self::SendEmail),
            "Create a password" => Ok(Self::CreatePassword),
            other => Err(AutomateError::invalid(
                METHOD,
                format!("'{other}' is not one of Send an email, Create a password"),
            )),
        }
    }

    /// "Send an email" needs a server that sends e-mail: refused by this field's name, so the
    /// flow's author learns which choice to change (a 400, not a 503: sending again cannot
    /// succeed until the server is configured, and Power Automate retries 5xx answers).
    fn check_available(self, state: &AppState) -> AutomateResult<()> {
        if self == Self::SendEmail && !state.dossier.sends_mail() {
            return Err(AutomateError::invalid(
                METHOD,
                "this server sends no e-mail (no smtp_url is configured): choose Create a password",
            ));
        }
        Ok(())
    }

    /// The JSON Schema of `create_password` for this method, which Power Automate renders
    /// as the action's inputs: the password with the server's own rules, or nothing to fill
    /// in for an invitation.
    fn schema(self) -> Value {
        match self {
            Self::CreatePassword => json!({
                "type": "object",
                "properties": {
                    "password": {
                        "type": "string",
                        "format": "password",
                        "title": "Password",
                        "description": format!("The user's password, {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters."),
                        "minLength": PASSWORD_MIN_CHARS,
                        "maxLength": PASSWORD_MAX_CHARS,
                        "x-ms-visibility": "important",
                    }
                },
                "required": ["password"],
                "additionalProperties": false,
            }),
            Self::SendEmail => json!({
                "type": "object",
                "description": format!("The user receives an e-mail with a link to choose a password; the link works once, within {INVITATION_DAYS} days."),
                "properties": {},
                "additionalProperties": false,
            }),
        }
    }
}

/// GET /getCreateUserPasswordSchema: the schema of CreateUser's `create_password` for the
/// chosen `password_create_method`.
async fn get_create_user_password_schema(
    State(state): State<AppState>,
    Admin(_): Admin,
    q: Result<Q, ApiError>,
) -> AutomateResult<Response> {
    let method = PasswordCreation::parse(wire::required(&q?, METHOD)?)?;
    method.check_available(&state)?;
    Ok(data(method.schema()))
}

/// CreateUser's body, read.
struct CreateUser {
    full_name: String,
    id: String,
    email: String,
    is_external: bool,
    preferred_library: String,
    role: String,
    ignore_if_user_already_exists: bool,
    method: PasswordCreation,
    /// The password to set ("Create a password" only).
    password: Option<String>,
}

/// A boolean the swagger marks required (Power Automate sends its default when the author
/// leaves it alone).
fn required_flag(body: &Obj, name: &str) -> AutomateResult<bool> {
    flag(body, name)?.ok_or_else(|| AutomateError::invalid(name, format!("{name} is required")))
}

/// The swagger's pattern for `id`: no whitespace or control characters, and characters of
/// U+0021–U+D7FF, U+F900–U+FDCF or U+FDF0–U+FFEF only.
fn check_user_id(id: &str) -> AutomateResult<()> {
    let allowed = |c: char| matches!(c as u32, 0x21..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF);
    if !id.chars().all(allowed) {
        return Err(AutomateError::invalid(
            "id",
            "id may not hold whitespace or control characters",
        ));
    }
    Ok(())
}

/// The swagger's pattern for `email`: 5 to 254 characters, a local part and a domain with
/// at least one dot and a last part of two or more characters, each from the pattern's set.
fn check_email(email: &str) -> AutomateResult<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+*.&-_`~|$%^?!'#={}/".contains(c);
    let valid = (5..=254).contains(&email.chars().count())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.chars().all(allowed)
                && domain.chars().all(allowed)
                && domain
                    .char_indices()
                    .any(|(i, c)| c == '.' && i > 0 && domain[i + 1..].len() >= 2)
        });
    if !valid {
        return Err(AutomateError::invalid(
            "email",
            format!("'{email}' is not an e-mail address"),
        ));
    }
    Ok(())
}

/// `create_password`: with "Create a password" an object holding `password`; with "Send an
/// email" nothing is read from it, and it may be absent (its schema has no fields, and Power
/// Automate leaves an object with no fields out of the body).
fn password(body: &Obj, method: PasswordCreation) -> AutomateResult<Option<String>> {
    const FIELD: &str = "create_password";
    let given = match body.get(FIELD) {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => Some(o),
        Some(_) => {
            return Err(AutomateError::invalid(
                FIELD,
                format!("{FIELD} must be an object"),
            ));
        }
    };
    let empty = Map::new();
    let fields = given.unwrap_or(&empty);
    let known: &[&str] = match method {
        PasswordCreation::CreatePassword => &["password"],
        PasswordCreation::SendEmail => &[],
    };
    if let Some(unknown) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        let name = format!("{FIELD}.{unknown}");
        return Err(AutomateError::invalid(
            &name,
            format!("{name} is not an input of {METHOD} {method:?}"),
        ));
    }
    match method {
        PasswordCreation::SendEmail => Ok(None),
        PasswordCreation::CreatePassword => {
            if given.is_none() {
                return Err(AutomateError::invalid(
                    FIELD,
                    format!("{FIELD} is required"),
                ));
            }
            let name = format!("{FIELD}.password");
            let password = text(fields, "password")
                .map_err(|_| AutomateError::invalid(&name, format!("{name} must be a string")))?
                .filter(|p| !p.is_empty())
                .ok_or_else(|| AutomateError::invalid(&name, format!("{name} is required")))?;
            Ok(Some(password))
        }
    }
}

impl CreateUser {
    fn read(body: &Obj) -> AutomateResult<Self> {
        let full_name = required_text(body, "full_name")?;
        let id = required_text(body, "id")?;
        check_user_id(&id)?;
        let email = required_text(body, "email")?;
        check_email(&email)?;
        let is_external = required_flag(body, "is_external")?;
        let preferred_library = required_text(body, "preferred_library")?;
        let role = required_text(body, "role")?;
        let ignore_if_user_already_exists = required_flag(body, "ignore_if_user_already_exists")?;
        let method = PasswordCreation::parse(&required_text(body, METHOD)?)?;
        let password = password(body, method)?;
        Ok(CreateUser {
            full_name,
            id,
            email,
            is_external,
            preferred_library,
            role,
            ignore_if_user_already_exists,
            method,
            password,
        })
    }

    fn new_user(self, library: &str) -> NewUser {
        NewUser {
            id: self.id,
            fields: UserChanges {
                full_name: Some(self.full_name),
                email: Some(Some(self.email)),
                password: self.password,
                is_external: Some(self.is_external),
                preferred_library: Some(Some(library.to_string())),
                ..UserChanges::default()
            },
            libraries: vec![(library.to_string(), Some(self.role))],
        }
    }
}

/// The service names the password `password`; the connector's author knows it as
/// `create_password.password`.
fn as_connector_field(e: DomainError) -> AutomateError {
    match e {
        DomainError::Invalid {
            message,
            mut fields,
        } => {
            for f in &mut fields {
                if f.field == "password" {
                    f.field = "create_password.password".into();
                }
            }
            AutomateError(DomainError::Invalid { message, fields })
        }
        other => AutomateError(other),
    }
}

/// POST /createUser: creates the user in `preferred_library` with `role`, with the password
/// given or an e-mailed invitation. A login name that exists already is answered with that
/// user and `user_created: false` when `ignore_if_user_already_exists` (the default), else
/// a 409; a repeated "Send an email" then sends a new invitation only to a user who still has
/// no password and no usable link (the earlier e-mail failed, or its link expired).
async fn create_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
) -> AutomateResult<Response> {
    let JsonObject(body) = body?;
    let input = CreateUser::read(&body)?;
    input.method.check_available(&state)?;
    let library = state
        .dossier
        .library(&caller, caller.customer_id, &input.preferred_library)
        .await?;
    let library = library.as_str().to_string();
    let base_url = crate::origin::public_base(&state, &headers);
    // Only "no such user" means create; any other failure is the answer.
    let existing = match state.dossier.user(&caller, &input.id).await {
        Ok(u) => Some(u),
        Err(DomainError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let (user, created) = match existing {
        Some(_) if !input.ignore_if_user_already_exists => {
            return Err(AutomateError(DomainError::Conflict(format!(
                "duplicate record: user {} already exists",
                input.id.to_uppercase()
            ))));
        }
        Some(user) => {
            if input.method == PasswordCreation::SendEmail {
                state
                    .dossier
                    .invite_again(&caller, &user.id, &base_url)
                    .await?;
            }
            (user, false)
        }
        None => {
            let method = input.method;
            let new = input.new_user(&library);
            let user = match method {
                PasswordCreation::SendEmail => {
                    state
                        .dossier
                        .create_invited_user(&caller, new, &base_url)
                        .await
                }
                PasswordCreation::CreatePassword => state.dossier.create_user(&caller, new).await,
            }
            .map_err(as_connector_field)?;
            (user, true)
        }
    };
    let user_num = user_number(&state, &caller, &user, &library).await?;
    Ok(data(created_user(&user, user_num, created)))
}

/// The user's number in the library the request named, else in their first library.
async fn user_number(
    state: &AppState,
    caller: &Caller,
    user: &User,
    library: &str,
) -> AutomateResult<Option<i64>> {
    let memberships = state.dossier.user_libraries(caller, &user.id).await?;
    Ok(memberships
        .iter()
        .find(|m| m.library.eq_ignore_ascii_case(library))
        .or(memberships.first())
        .map(|m| m.user_num))
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// CreateUser's `data`: the swagger's fields only; a field the user has no value for is
/// left out (the swagger types each as a string or number, never null).
fn created_user(u: &User, user_num: Option<i64>, created: bool) -> Value {
    let mut out = json!({
        "full_name": u.full_name,
        "id": u.id,
        "user_nos": u.user_nos,
        "ssid": u.ssid,
        "pwd_never_expire": u.pwd_never_expire,
        "is_locked": u.is_locked,
        "is_external": u.is_external,
        "has_password": u.has_password(),
        "force_password_change": u.force_password_change,
        "failed_logins": u.failed_logins,
        "edit_date": iso(u.edited_at),
        "create_date": iso(u.created_at),
        "allow_logon": u.allow_logon,
        "user_created": created,
    });
    let optional = [
        ("user_num", user_num.map(Value::from)),
        (
            "preferred_library",
            u.preferred_library.clone().map(Value::from),
        ),
        ("user_id_ex", u.user_id_ex.clone().map(Value::from)),
        ("email", u.email.clone().map(Value::from)),
        (
            "pwd_changed_ts",
            u.pwd_changed_at.map(|t| Value::from(iso(t))),
        ),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            out[name] = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_the_swagger_pattern() {
        for ok in ["a.b@firm.example", "x+y@d.co", "j{s}@a.bc.de"] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "no-at.example",
            "@firm.example",
            "a@b.c",
            "a@.bc",
            "a b@firm.example",
            "a@b@firm.example",
            "a@firm",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_ids_take_no_whitespace() {
        assert!(check_user_id("JSMITH@firm!1").is_ok());
        assert!(check_user_id("J SMITH").is_err());
        assert!(check_user_id("J\tSMITH").is_err());
    }

    #[test]
    fn the_password_schema_states_the_service_rules() {
        let s = PasswordCreation::CreatePassword.schema();
        assert_eq!(s["properties"]["password"]["minLength"], PASSWORD_MIN_CHARS);
        assert_eq!(s["properties"]["password"]["maxLength"], PASSWORD_MAX_CHARS);
        assert!(PasswordCreation::parse("send an email").is_err());
    }
}

//! The OAuth 2.0 authorization server's rules: client authentication, the grants
//! (authorization_code with PKCE, refresh_token, password, client_credentials), which
//! scopes a token may carry, authorization codes and consent, revocation, introspection
//! and userinfo. Errors are RFC 6749 codes; the surfaces put them on the wire.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use dossier_core::DomainError;
use dossier_core::identity::{App, AuditAction, AuditOutcome, Grant, Scopes, User, parse_scopes};
use dossier_store::apps::{AuthCode, CodeExchange};
use dossier_store::tokens::StoredToken;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::Audit;
use crate::auth::{Issue, IssuedTokens, TokenInfo, random_token, token_hash};
use crate::passwords::verify_password;
use crate::throttle::{Limits, Throttle};
use crate::{Caller, Dossier, Result, Settings};

/// How long an authorization code may wait to be redeemed (RFC 6749 §4.1.2 recommends at
/// most ten minutes).
const CODE_SECONDS: i64 = 120;

/// The RFC 6749 §4.1.2.1 and §5.2 error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
}

impl OAuthCode {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthCode::InvalidRequest => "invalid_request",
            OAuthCode::InvalidClient => "invalid_client",
            OAuthCode::InvalidGrant => "invalid_grant",
            OAuthCode::UnauthorizedClient => "unauthorized_client",
            OAuthCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthCode::UnsupportedResponseType => "unsupported_response_type",
            OAuthCode::InvalidScope => "invalid_scope",
            OAuthCode::AccessDenied => "access_denied",
        }
    }
}

/// A refused OAuth request (with its RFC code) or a failure of the server itself.
#[derive(Debug)]
pub enum OAuthError {
    Refused {
        code: OAuthCode,
        description: String,
    },
    Failed(DomainError),
}

impl OAuthError {
    pub fn new(code: OAuthCode, description: impl Into<String>) -> Self {
        OAuthError::Refused {
            code,
            description: description.into(),
        }
    }
}

impl From<DomainError> for OAuthError {
    fn from(e: DomainError) -> Self {
        OAuthError::Failed(e)
    }
}

pub type OAuthResult<T> = std::result::Result<T, OAuthError>;

/// The per-node state of the authorization server: sign-in throttling and the cached
/// form-sealing secret.
#[derive(Debug)]
pub struct Runtime {
    pub(crate) throttle: Throttle,
    pub(crate) form_secret: tokio::sync::OnceCell<String>,
}

impl Runtime {
    pub fn new(settings: &Settings) -> Self {
        Runtime {
            throttle: Throttle::new(Limits {
                per_account: settings.signin_failures_per_account,
                per_address: settings.signin_failures_per_address,
                window: Duration::seconds(settings.signin_window_seconds),
            }),
            form_secret: tokio::sync::OnceCell::new(),
        }
    }
}

/// How a client identified itself: `client_secret_basic`, `client_secret_post`, or just a
/// `client_id` (a public client).
#[derive(Clone, Debug)]
pub struct ClientAuth {
    pub client_id: String,
    pub secret: Option<String>,
}

/// What every grant needs to know about the request: the issuer URL the client used (for
/// ID tokens) and the client's address (for throttling and audit).
#[derive(Clone, Debug)]
pub struct GrantContext {
    pub issuer: String,
    pub address: Option<String>,
}

/// An authorization request after every check (RFC 6749 §4.1.1, RFC 7636).
#[derive(Clone, Debug)]
pub struct Authorization {
    pub app: App,
    pub redirect_uri: String,
    pub scope: Scopes,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
}

/// The authorization request's parameters as the client sent them.
#[derive(Clone, Debug, Default)]
pub struct AuthorizationRequest {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
}

/// Why an authorization request failed: either it cannot be sent back to the client (an
/// unknown client or redirect URI: the user must be told on a page), or it can.
#[derive(Debug)]
pub enum AuthorizeError {
    NotRedirectable(String),
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        code: OAuthCode,
        description: String,
    },
    Failed(DomainError),
}

impl From<DomainError> for AuthorizeError {
    fn from(e: DomainError) -> Self {
        AuthorizeError::Failed(e)
    }
}

impl AuthorizationRequest {
    /// A digest of every parameter, so a sealed form step can prove it belongs to exactly
    /// this request (hidden fields changed in between no longer match).
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for v in [
            &self.response_type,
            &self.client_id,
            &self.redirect_uri,
            &self.scope,
            &self.state,
            &self.code_challenge,
            &self.code_challenge_method,
            &self.nonce,
        ] {
            h.update(v.as_deref().unwrap_or("").as_bytes());
            h.update([0u8]);
        }
        hex::encode(h.finalize())
    }
}

impl Authorization {
    fn refuse(&self, code: OAuthCode, description: impl Into<String>) -> AuthorizeError {
        AuthorizeError::Redirect {
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.clone(),
            code,
            description: description.into(),
        }
    }
}

/// RFC 7636 §4.6: BASE64URL(SHA256(verifier)) must equal the challenge.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    aws_lc_rs::constant_time::verify_slices_are_equal(computed.as_bytes(), challenge.as_bytes())
        .is_ok()
}

/// RFC 7636 §4.1: 43 to 128 characters of the unreserved set.
fn valid_pkce_value(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl Dossier {
    /// The scopes a token may carry: what was asked (default `user`), known, within what
    /// the app was registered for, and `admin`/`scim` only for accounts that manage
    /// identity.
    async fn allowed_scope(
        &self,
        requested: Option<&str>,
        app: Option<&App>,
        user: &User,
    ) -> OAuthResult<Scopes> {
        let requested = requested.map(str::trim).filter(|s| !s.is_empty());
        let scopes = parse_scopes(requested.unwrap_or("user"))
            .map_err(|e| OAuthError::new(OAuthCode::InvalidScope, e.to_string()))?;
        if scopes.is_empty() {
            return Err(OAuthError::new(
                OAuthCode::InvalidScope,
                "no scope was requested",
            ));
        }
        if let Some(app) = app
            && let Some(extra) = scopes.first_outside(&app.scopes)
        {
            return Err(OAuthError::new(
                OAuthCode::InvalidScope,
                format!(
                    "the app '{}' is not registered for the scope '{extra}'",
                    app.name
                ),
            ));
        }
        if scopes.administers() {
            let mut conn = self.store.read().await?;
            let (is_admin, identity_admin) = self.identity_rights(&mut conn, &user.id).await?;
            if !is_admin && !identity_admin {
                return Err(OAuthError::new(
                    OAuthCode::InvalidScope,
                    "the admin and scim scopes are only for accounts with administrator rights",
                ));
            }
        }
        Ok(scopes)
    }

    /// Authenticates a client (RFC 6749 §2.3): a registered, enabled app, with its secret
    /// unless it is a public client.
    pub async fn authenticate_client(&self, auth: &ClientAuth) -> OAuthResult<App> {
        let unknown = || OAuthError::new(OAuthCode::InvalidClient, "unknown or disabled client");
        if auth.client_id.is_empty() || auth.client_id.len() > 200 {
            return Err(unknown());
        }
        let app = {
            let mut conn = self.store.read().await?;
            dossier_store::apps::get(&mut conn, &auth.client_id).await?
        }
        .filter(|a| a.enabled)
        .ok_or_else(unknown)?;
        match (&app.secret_hash, &auth.secret) {
            (None, None) => Ok(app),
            (None, Some(_)) => Err(OAuthError::new(
                OAuthCode::InvalidClient,
                "this is a public client; it has no client secret",
            )),
            (Some(_), None) => Err(OAuthError::new(
                OAuthCode::InvalidClient,
                "client authentication is required",
            )),
            (Some(hash), Some(secret)) => {
                if verify_password(secret.clone(), hash.clone()).await {
                    Ok(app)
                } else {
                    Err(OAuthError::new(
                        OAuthCode::InvalidClient,
                        "client authentication failed",
                    ))
                }
            }
        }
    }

    async fn client_for(&self, auth: &ClientAuth, grant: Grant) -> OAuthResult<App> {
        let app = self.authenticate_client(auth).await?;
        if !app.grants.contains(&grant) {
            return Err(OAuthError::new(
                OAuthCode::UnauthorizedClient,
                format!(
                    "the app '{}' may not use the {} grant",
                    app.name,
                    grant.as_str()
                ),
            ));
        }
        Ok(app)
    }

    async fn audit_issue(
        &self,
        conn: &mut dossier_store::AnyConnection,
        user: &User,
        grant: Grant,
        client_id: Option<&str>,
        scope: &Scopes,
        address: Option<&str>,
    ) -> Result<()> {
        self.audit_subject(
            conn,
            Some(&user.id),
            address,
            Audit {
                action: AuditAction::TokenIssue,
                target: Some(user.id.clone()),
                outcome: AuditOutcome::Success,
                detail: json!({"grant": grant.as_str(), "client_id": client_id, "scope": scope.to_string()}),
            },
        )
        .await
    }

    /// The password grant. Without client credentials it is the first-party sign-in every
    /// iManage client uses; with them, the app must be allowed the grant.
    pub async fn password_grant(
        &self,
        client: Option<&ClientAuth>,
        username: &str,
        password: &str,
        scope: Option<&str>,
        ctx: &GrantContext,
    ) -> OAuthResult<IssuedTokens> {
        let app = match client {
            Some(c) => Some(self.client_for(c, Grant::Password).await?),
            None => None,
        };
        let user = self
            .sign_in(username, password, ctx.address.as_deref())
            .await?;
        let scope = self.allowed_scope(scope, app.as_ref(), &user).await?;
        let client_id = app.as_ref().map(|a| a.client_id.as_str());
        self.prepare_signing(&scope).await?;
        let mut tx = self.store.begin().await?;
        let address = ctx.address.as_deref();
        self.record_sign_in(tx.conn(), &user, "password", client_id, address)
            .await?;
        let issued = self
            .issue(
                tx.conn(),
                Issue {
                    user: &user,
                    scope: &scope,
                    family: &random_token(),
                    client_id,
                    with_refresh: true,
                    issuer: &ctx.issuer,
                    nonce: None,
                    auth_time: Some(self.now()),
                },
            )
            .await?;
        self.audit_issue(
            tx.conn(),
            &user,
            Grant::Password,
            client_id,
            &scope,
            address,
        )
        .await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// The client_credentials grant: a confidential app acting as its service account.
    pub async fn client_credentials_grant(
        &self,
        client: &ClientAuth,
        scope: Option<&str>,
        ctx: &GrantContext,
    ) -> OAuthResult<IssuedTokens> {
        let app = self.client_for(client, Grant::ClientCredentials).await?;
        if app.is_public() {
            return Err(OAuthError::new(
                OAuthCode::UnauthorizedClient,
                "a public client cannot use client_credentials",
            ));
        }
        let account = app.service_account.clone().ok_or_else(|| {
            OAuthError::new(
                OAuthCode::UnauthorizedClient,
                "the app has no service account to act as",
            )
        })?;
        let user = {
            let mut conn = self.store.read().await?;
            dossier_store::users::get(&mut conn, &account).await?
        }
        .filter(|u| u.active && !u.is_locked)
        .ok_or_else(|| {
            OAuthError::new(
                OAuthCode::InvalidGrant,
                "the app's service account is missing, deactivated or locked",
            )
        })?;
        let scope = self.allowed_scope(scope, Some(&app), &user).await?;
        self.prepare_signing(&scope).await?;
        let mut tx = self.store.begin().await?;
        let issued = self
            .issue(
                tx.conn(),
                Issue {
                    user: &user,
                    scope: &scope,
                    family: &random_token(),
                    client_id: Some(&app.client_id),
                    // RFC 6749 §4.4.3: the app can always ask again; no refresh token.
                    with_refresh: false,
                    issuer: &ctx.issuer,
                    nonce: None,
                    auth_time: None,
                },
            )
            .await?;
        self.audit_issue(
            tx.conn(),
            &user,
            Grant::ClientCredentials,
            Some(&app.client_id),
            &scope,
            ctx.address.as_deref(),
        )
        .await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.5).
    pub async fn authorization_code_grant(
        &self,
        client: &ClientAuth,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
        ctx: &GrantContext,
    ) -> OAuthResult<IssuedTokens> {
        let app = self.client_for(client, Grant::AuthorizationCode).await?;
        let invalid = |why: &str| OAuthError::new(OAuthCode::InvalidGrant, why);
        let now = self.now();
        let family = random_token();
        let mut tx = self.store.begin().await?;
        // Redeemed even when the checks below fail: a code is good for one attempt only.
        let exchange =
            dossier_store::apps::redeem_code(tx.conn(), &token_hash(code), &family, now).await?;
        let stored = match exchange {
            CodeExchange::Redeemed(stored) => stored,
            CodeExchange::Replayed { family } => {
                // The code has leaked: the tokens its first exchange got are revoked too
                // (RFC 6749 §4.1.2).
                let revoked = dossier_store::tokens::delete_family(tx.conn(), &family).await?;
                self.audit_subject(
                    tx.conn(),
                    None,
                    ctx.address.as_deref(),
                    Audit {
                        action: AuditAction::OauthCodeReplayed,
                        target: Some(app.client_id.clone()),
                        outcome: AuditOutcome::Failure,
                        detail: json!({"revoked_tokens": revoked}),
                    },
                )
                .await?;
                tx.commit().await?;
                return Err(invalid(
                    "the authorization code is invalid, expired or already used",
                ));
            }
            CodeExchange::Unknown => {
                return Err(invalid(
                    "the authorization code is invalid, expired or already used",
                ));
            }
        };
        tx.commit().await?;
        if stored.expires_at < now {
            return Err(invalid("the authorization code has expired"));
        }
        if stored.client_id != app.client_id {
            return Err(invalid(
                "the authorization code was issued to another client",
            ));
        }
        if redirect_uri != Some(stored.redirect_uri.as_str()) {
            return Err(invalid(
                "redirect_uri must be the one sent with the authorization request",
            ));
        }
        match (&stored.code_challenge, code_verifier) {
            (Some(challenge), Some(verifier)) if pkce_matches(verifier, challenge) => {}
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "the code_verifier does not match the code_challenge",
                ));
            }
            (Some(_), None) => return Err(invalid("code_verifier is required")),
            (None, Some(_)) => {
                return Err(invalid(
                    "no code_challenge was sent with the authorization request",
                ));
            }
            (None, None) => {}
        }
        let user = {
            let mut conn = self.store.read().await?;
            dossier_store::users::get(&mut conn, &stored.user_id).await?
        }
        .filter(|u| u.active && !u.is_locked && u.allow_logon)
        .ok_or_else(|| invalid("the user may no longer sign in"))?;
        self.prepare_signing(&stored.scope).await?;
        let mut tx = self.store.begin().await?;
        let issued = self
            .issue(
                tx.conn(),
                Issue {
                    user: &user,
                    scope: &stored.scope,
                    family: &family,
                    client_id: Some(&app.client_id),
                    with_refresh: app.grants.contains(&Grant::RefreshToken),
                    issuer: &ctx.issuer,
                    nonce: stored.nonce.as_deref(),
                    auth_time: Some(stored.created_at),
                },
            )
            .await?;
        self.audit_issue(
            tx.conn(),
            &user,
            Grant::AuthorizationCode,
            Some(&app.client_id),
            &stored.scope,
            ctx.address.as_deref(),
        )
        .await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// The refresh_token grant, rotating the refresh token. A token issued to an app must
    /// be presented by that app; replaying a used one revokes its whole family.
    pub async fn refresh_grant(
        &self,
        client: Option<&ClientAuth>,
        refresh_token: &str,
        scope: Option<&str>,
        ctx: &GrantContext,
    ) -> OAuthResult<IssuedTokens> {
        let invalid = |why: &str| OAuthError::new(OAuthCode::InvalidGrant, why);
        let hash = token_hash(refresh_token);
        let now = self.now();
        let stored = {
            let mut conn = self.store.read().await?;
            dossier_store::tokens::get(&mut conn, &hash).await?
        }
        .ok_or_else(|| invalid("the refresh token is invalid"))?;
        // Bind to the client before anything else, so another app cannot even burn it.
        let app = match (&stored.client_id, client) {
            (Some(owner), Some(c)) => {
                let app = self.client_for(c, Grant::RefreshToken).await?;
                if &app.client_id != owner {
                    return Err(invalid("the refresh token was issued to another client"));
                }
                Some(app)
            }
            (Some(_), None) => {
                return Err(OAuthError::new(
                    OAuthCode::InvalidClient,
                    "this refresh token belongs to an app; send its client_id (and secret)",
                ));
            }
            (None, Some(c)) => {
                self.authenticate_client(c).await?;
                return Err(invalid("the refresh token was not issued to this client"));
            }
            (None, None) => None,
        };
        self.prepare_signing(&stored.scope).await?;
        let mut tx = self.store.begin().await?;
        let Some(stored) = dossier_store::tokens::get(tx.conn(), &hash).await? else {
            return Err(invalid("the refresh token is invalid"));
        };
        if stored.kind == "refresh_used" {
            // A replayed refresh token means it leaked: revoke everything issued from it.
            dossier_store::tokens::delete_family(tx.conn(), &stored.family).await?;
            self.audit_subject(
                tx.conn(),
                Some(&stored.user_id),
                ctx.address.as_deref(),
                Audit {
                    action: AuditAction::TokenRevoke,
                    target: Some(stored.user_id.clone()),
                    outcome: AuditOutcome::Success,
                    detail: json!({"reason": "refresh token replayed", "client_id": stored.client_id}),
                },
            )
            .await?;
            tx.commit().await?;
            return Err(invalid(
                "the refresh token was already used; its session has been revoked",
            ));
        }
        if stored.kind != "refresh" || stored.expires_at < now {
            return Err(invalid("the refresh token is invalid or expired"));
        }
        let user = dossier_store::users::get(tx.conn(), &stored.user_id)
            .await?
            .filter(|u| u.active && !u.is_locked && u.allow_logon)
            .ok_or_else(|| invalid("the user may no longer sign in"))?;
        // RFC 6749 §6: a refresh may narrow the scope, never widen it.
        let scope = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            None => stored.scope.clone(),
            Some(asked) => {
                let asked = parse_scopes(asked)
                    .map_err(|e| OAuthError::new(OAuthCode::InvalidScope, e.to_string()))?;
                if !asked.is_subset(&stored.scope) || asked.is_empty() {
                    return Err(OAuthError::new(
                        OAuthCode::InvalidScope,
                        "a refresh cannot add scopes the original grant did not have",
                    ));
                }
                asked
            }
        };
        dossier_store::tokens::delete(tx.conn(), &hash).await?;
        dossier_store::tokens::insert(
            tx.conn(),
            &hash,
            &StoredToken {
                kind: "refresh_used".into(),
                ..stored.clone()
            },
            now,
        )
        .await?;
        let client_id = app.as_ref().map(|a| a.client_id.as_str());
        let issued = self
            .issue(
                tx.conn(),
                Issue {
                    user: &user,
                    scope: &scope,
                    family: &stored.family,
                    client_id,
                    with_refresh: true,
                    issuer: &ctx.issuer,
                    nonce: None,
                    auth_time: None,
                },
            )
            .await?;
        self.audit_issue(
            tx.conn(),
            &user,
            Grant::RefreshToken,
            client_id,
            &scope,
            ctx.address.as_deref(),
        )
        .await?;
        tx.commit().await?;
        Ok(issued)
    }

    // ---- the authorization endpoint -------------------------------------------------------

    /// Checks an authorization request: the client and redirect URI first (failures there
    /// cannot be redirected), then everything else (failures go back to the client).
    pub async fn check_authorization(
        &self,
        req: &AuthorizationRequest,
        issuer: &str,
    ) -> std::result::Result<Authorization, AuthorizeError> {
        let page = |m: &str| AuthorizeError::NotRedirectable(m.to_string());
        let client_id = req
            .client_id
            .as_deref()
            .filter(|c| !c.is_empty() && c.len() <= 200)
            .ok_or_else(|| page("The request names no client (client_id is missing)."))?;
        let app = {
            let mut conn = self.store.read().await?;
            dossier_store::apps::get(&mut conn, client_id).await?
        }
        .filter(|a| a.enabled)
        .ok_or_else(|| page("The application that sent you here is not registered with this server, or has been disabled."))?;
        // RFC 6749 §3.1.2.3: exact match against a registered URI; without one in the
        // request, only an app with a single registered URI is unambiguous.
        let redirect_uri = match req.redirect_uri.as_deref().filter(|r| !r.is_empty()) {
            Some(r)
                if app
                    .redirect_uris
                    .iter()
                    .any(|u| crate::web_sessions::redirect_matches(u, r, issuer)) =>
            {
                r.to_string()
            }
            Some(_) => {
                return Err(page(
                    "The application asked to return you to an address it did not register (redirect_uri mismatch).",
                ));
            }
            None if app.redirect_uris.len() == 1 => {
                crate::web_sessions::registered_redirect(&app.redirect_uris[0], issuer)
            }
            None => {
                return Err(page(
                    "The request names no redirect_uri and the application registered several.",
                ));
            }
        };
        let mut auth = Authorization {
            app,
            redirect_uri,
            scope: Scopes::default(),
            state: req.state.clone().filter(|s| !s.is_empty()),
            code_challenge: None,
            nonce: req.nonce.clone().filter(|s| !s.is_empty()),
        };
        if req.response_type.as_deref() != Some("code") {
            return Err(auth.refuse(
                OAuthCode::UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
        if !auth.app.grants.contains(&Grant::AuthorizationCode) {
            return Err(auth.refuse(
                OAuthCode::UnauthorizedClient,
                "this app may not use the authorization code grant",
            ));
        }
        let scopes = parse_scopes(
            req.scope
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or("user"),
        )
        .map_err(|e| auth.refuse(OAuthCode::InvalidScope, e.to_string()))?;
        if let Some(extra) = scopes.first_outside(&auth.app.scopes) {
            return Err(auth.refuse(
                OAuthCode::InvalidScope,
                format!("the app is not registered for the scope '{extra}'"),
            ));
        }
        if scopes.is_empty() {
            return Err(auth.refuse(OAuthCode::InvalidScope, "no scope was requested"));
        }
        auth.scope = scopes;
        match (
            req.code_challenge.as_deref().filter(|c| !c.is_empty()),
            req.code_challenge_method
                .as_deref()
                .filter(|c| !c.is_empty()),
        ) {
            (None, _) if auth.app.is_public() => {
                return Err(auth.refuse(
                    OAuthCode::InvalidRequest,
                    "a public client must use PKCE: send code_challenge with code_challenge_method=S256",
                ));
            }
            (None, _) => {}
            (Some(c), Some("S256")) if valid_pkce_value(c) => {
                auth.code_challenge = Some(c.to_string())
            }
            (Some(_), Some("S256")) => {
                return Err(auth.refuse(OAuthCode::InvalidRequest, "code_challenge is malformed"));
            }
            (Some(_), _) => {
                return Err(auth.refuse(
                    OAuthCode::InvalidRequest,
                    "only code_challenge_method=S256 is supported",
                ));
            }
        }
        if auth.nonce.as_ref().is_some_and(|n| n.len() > 512)
            || auth.state.as_ref().is_some_and(|s| s.len() > 2048)
        {
            return Err(auth.refuse(OAuthCode::InvalidRequest, "state or nonce is too long"));
        }
        Ok(auth)
    }

    /// Whether the user must still be asked to allow this app these scopes.
    pub async fn needs_consent(&self, user: &User, auth: &Authorization) -> Result<bool> {
        if auth.app.first_party {
            return Ok(false);
        }
        let mut conn = self.store.read().await?;
        let given = dossier_store::apps::consent(&mut conn, &user.id, &auth.app.client_id)
            .await?
            .unwrap_or_default();
        Ok(!auth.scope.is_subset(&given))
    }

    /// Issues an authorization code for a signed-in user, recording consent when it was
    /// just given. `signed_in` says the password was checked in this request (audited
    /// here, in the code's transaction).
    pub async fn issue_code(
        &self,
        user: &User,
        auth: &Authorization,
        auth_time: DateTime<Utc>,
        consented: bool,
        signed_in: bool,
        address: Option<&str>,
    ) -> std::result::Result<String, AuthorizeError> {
        if auth.scope.administers() {
            let mut conn = self.store.read().await?;
            let (a, b) = self.identity_rights(&mut conn, &user.id).await?;
            if !a && !b {
                return Err(auth.refuse(
                    OAuthCode::InvalidScope,
                    "the admin and scim scopes are only for accounts with administrator rights",
                ));
            }
        }
        let now = self.now();
        let code = random_token();
        let mut tx = self.store.begin().await?;
        if signed_in {
            self.record_sign_in(
                tx.conn(),
                user,
                "authorize",
                Some(&auth.app.client_id),
                address,
            )
            .await?;
        }
        if consented {
            dossier_store::apps::put_consent(
                tx.conn(),
                &user.id,
                &auth.app.client_id,
                &auth.scope,
                now,
            )
            .await?;
            self.audit_subject(
                tx.conn(),
                Some(&user.id),
                address,
                Audit {
                    action: AuditAction::AppConsent,
                    target: Some(auth.app.client_id.clone()),
                    outcome: AuditOutcome::Success,
                    detail: json!({"scope": auth.scope.to_string()}),
                },
            )
            .await?;
        }
        dossier_store::apps::insert_code(
            tx.conn(),
            &token_hash(&code),
            &AuthCode {
                client_id: auth.app.client_id.clone(),
                user_id: user.id.clone(),
                redirect_uri: auth.redirect_uri.clone(),
                scope: auth.scope.clone(),
                code_challenge: auth.code_challenge.clone(),
                nonce: auth.nonce.clone(),
                expires_at: now + Duration::seconds(CODE_SECONDS),
                created_at: auth_time,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(code)
    }

    /// A user by id, for a sign-in that was checked earlier in the same flow (the consent
    /// step); `None` if they may no longer sign in.
    pub async fn signed_in_user(&self, user_id: &str) -> Result<Option<User>> {
        let mut conn = self.store.read().await?;
        Ok(dossier_store::users::get(&mut conn, user_id)
            .await?
            .filter(User::may_sign_in_with_password))
    }

    /// Audits a sign-in on the authorization page that is not yet followed by a code (the
    /// user is asked for consent first).
    pub async fn record_page_sign_in(
        &self,
        user: &User,
        client_id: &str,
        address: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        self.record_sign_in(tx.conn(), user, "authorize", Some(client_id), address)
            .await?;
        tx.commit().await
    }

    /// Records a refused consent (the user pressed Deny).
    pub async fn deny_consent(
        &self,
        user: &User,
        auth: &Authorization,
        address: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        self.audit_subject(
            tx.conn(),
            Some(&user.id),
            address,
            Audit {
                action: AuditAction::AppConsent,
                target: Some(auth.app.client_id.clone()),
                outcome: AuditOutcome::Failure,
                detail: json!({"scope": auth.scope.to_string()}),
            },
        )
        .await?;
        tx.commit().await
    }

    // ---- revocation, introspection, userinfo ----------------------------------------------

    /// RFC 7009 revocation. With client credentials, only that client's tokens are revoked
    /// (others are silently left alone, as §2.1 allows); without, holding the token is the
    /// proof, as iManage's revoke-token expects. Unknown tokens are not an error.
    pub async fn revoke(
        &self,
        client: Option<&ClientAuth>,
        token: &str,
        address: Option<&str>,
    ) -> OAuthResult<()> {
        if let Some(c) = client {
            let app = self.authenticate_client(c).await?;
            match self.token_info(token).await? {
                Some(info) if info.client_id.as_deref() == Some(app.client_id.as_str()) => {}
                _ => return Ok(()),
            }
        }
        self.revoke_family(token, address).await?;
        Ok(())
    }

    /// RFC 7662 introspection, for an authenticated app (which sees only its own tokens) or
    /// an identity administrator (who sees every token of the customer). `None`: inactive.
    pub async fn introspect(
        &self,
        asker: Introspector<'_>,
        token: &str,
    ) -> OAuthResult<Option<TokenInfo>> {
        let own_client = match asker {
            Introspector::Client(c) => Some(self.authenticate_client(c).await?.client_id),
            Introspector::Admin(caller) => {
                if !caller.manages_identity() || !caller.scope.contains("admin") {
                    return Err(OAuthError::new(
                        OAuthCode::InvalidClient,
                        "introspection needs client credentials or an admin-scoped administrator token",
                    ));
                }
                None
            }
        };
        let Some(info) = self.token_info(token).await? else {
            return Ok(None);
        };
        let live = (info.kind == "access" || info.kind == "refresh")
            && info.expires_at >= self.now()
            && info.user.active
            && !info.user.is_locked
            && info.user.customer_id == self.settings.customer_id;
        let visible = own_client.is_none() || own_client == info.client_id;
        Ok((live && visible).then_some(info))
    }

    /// The user behind an `openid` access token (OpenID Connect Core §5.3).
    pub async fn userinfo(&self, caller: &Caller) -> Result<User> {
        if !caller.scope.contains("openid") {
            return Err(DomainError::Forbidden(
                "this token was not granted the openid scope".into(),
            ));
        }
        let mut conn = self.store.read().await?;
        dossier_store::users::get(&mut conn, &caller.user_id)
            .await?
            .ok_or_else(|| DomainError::Unauthenticated("the user no longer exists".into()))
    }
}

/// Who asks to introspect a token.
pub enum Introspector<'a> {
    Client(&'a ClientAuth),
    Admin(&'a Caller),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "another-verifier-that-is-long-enough-to-count-1234",
            challenge
        ));
        assert!(valid_pkce_value(challenge));
        assert!(!valid_pkce_value("short"));
    }
}

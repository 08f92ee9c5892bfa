//! Keys and signatures: the ES256 keys that sign ID tokens (published as a JWKS, rotated by
//! age or on demand, retired keys published until the tokens they signed have expired), and
//! the HMAC secret that seals sign-in forms so they cannot be forged from another site.
//! JWS compact serialization is done here by hand: base64url(header).base64url(claims).
//! base64url(r||s), which is all an ES256 JWT is.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use dossier_core::DomainError;
use dossier_core::identity::Scopes;
use dossier_store::keys::SigningKey;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{Dossier, Result};

pub const ES256: &str = "ES256";
/// The algorithm name under which the form-sealing secret is kept in `signing_keys`.
const FORM_SEAL: &str = "HS256-FORM";
const FORM_SEAL_KID: &str = "form-seal";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn crypto_error(what: &str) -> DomainError {
    DomainError::internal(format!("{what} failed"))
}

/// A new P-256 key as stored: PKCS#8 private key and the public JWK with its RFC 7638
/// thumbprint as `kid`.
fn new_es256_key(now: DateTime<Utc>) -> Result<SigningKey> {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
        .map_err(|_| crypto_error("ES256 key generation"))?;
    let pkcs8 = pair
        .to_pkcs8v1()
        .map_err(|_| crypto_error("ES256 key export"))?;
    // The public key is the uncompressed point 0x04 || x || y.
    let point = pair.public_key().as_ref();
    if point.len() != 65 || point[0] != 4 {
        return Err(crypto_error("ES256 public key encoding"));
    }
    let (x, y) = (b64(&point[1..33]), b64(&point[33..65]));
    // RFC 7638: the thumbprint hashes the required members in lexicographic order.
    let thumbprint_input = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    let kid = b64(&Sha256::digest(thumbprint_input.as_bytes()));
    let jwk = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "use": "sig", "alg": ES256});
    Ok(SigningKey {
        kid,
        algorithm: ES256.into(),
        private_key: STANDARD.encode(pkcs8.as_ref()),
        public_jwk: jwk.to_string(),
        created_at: now,
        retired_at: None,
    })
}

fn key_pair(key: &SigningKey) -> Result<EcdsaKeyPair> {
    let der = STANDARD
        .decode(&key.private_key)
        .map_err(|_| crypto_error("reading a stored signing key"))?;
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
        .map_err(|_| crypto_error("reading a stored signing key"))
}

impl Dossier {
    /// How long after retirement a key stays published: the longest an ID token it signed
    /// can still be valid.
    fn retired_key_grace(&self) -> Duration {
        Duration::seconds(self.settings.access_token_seconds)
    }

    /// Retires the signing key and makes a new one (`dossier keys rotate`). Returns the new
    /// key's id.
    pub async fn rotate_signing_key(&self) -> Result<String> {
        let now = self.now();
        let key = new_es256_key(now)?;
        let mut tx = self.store.begin().await?;
        dossier_store::keys::retire_all(tx.conn(), ES256, now).await?;
        dossier_store::keys::insert(tx.conn(), &key).await?;
        self.audit(
            tx.conn(),
            None,
            crate::audit::Audit {
                action: dossier_core::identity::AuditAction::SigningKeyRotate,
                target: Some(key.kid.clone()),
                outcome: dossier_core::identity::AuditOutcome::Success,
                detail: json!({}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(key.kid)
    }

    /// The key that signs now: the active one, or a new one when there is none or the active
    /// one is older than the configured rotation age.
    async fn active_signing_key(&self) -> Result<SigningKey> {
        let now = self.now();
        let max_age = self.settings.signing_key_rotation_days;
        let fresh = |k: &SigningKey| max_age <= 0 || now - k.created_at < Duration::days(max_age);
        {
            let mut conn = self.store.read().await?;
            if let Some(k) = dossier_store::keys::current(&mut conn, ES256).await?
                && fresh(&k)
            {
                return Ok(k);
            }
        }
        // Decide again inside the write transaction: writers are serialised, so only one
        // concurrent request rotates and the others see its key.
        let mut tx = self.store.begin().await?;
        if let Some(k) = dossier_store::keys::current(tx.conn(), ES256).await?
            && fresh(&k)
        {
            return Ok(k);
        }
        dossier_store::keys::retire_all(tx.conn(), ES256, now).await?;
        let key = new_es256_key(now)?;
        dossier_store::keys::insert(tx.conn(), &key).await?;
        tx.commit().await?;
        tracing::info!(kid = %key.kid, "made a new ID-token signing key");
        Ok(key)
    }

    /// The public keys clients verify ID tokens with (the JWKS `keys`), each a JSON Web
    /// Key (RFC 7517) as its JSON text: a standard document the surface passes on as is.
    pub async fn published_keys(&self) -> Result<Vec<String>> {
        // Make sure there is a key to publish before any token is signed with it.
        self.active_signing_key().await?;
        let mut conn = self.store.read().await?;
        let keys =
            dossier_store::keys::published(&mut conn, ES256, self.now() - self.retired_key_grace())
                .await?;
        keys.into_iter()
            .map(|k| {
                serde_json::from_str::<Value>(&k.public_jwk)
                    .map(|_| k.public_jwk)
                    .map_err(|e| DomainError::internal(format!("stored JWK of {}: {e}", k.kid)))
            })
            .collect()
    }

    /// Makes sure a fresh signing key exists. Called before a grant opens its transaction,
    /// because making a key needs a write transaction of its own (and SQLite has one
    /// writer).
    pub(crate) async fn prepare_signing(&self, scope: &Scopes) -> Result<()> {
        if scope.contains("openid") {
            self.active_signing_key().await?;
        }
        Ok(())
    }

    /// Signs these claims as an ES256 JWT with the active key (see `prepare_signing`).
    pub(crate) async fn sign_jwt(&self, claims: &Value) -> Result<String> {
        let key = {
            let mut conn = self.store.read().await?;
            dossier_store::keys::current(&mut conn, ES256).await?
        }
        .ok_or_else(|| DomainError::internal("no ID-token signing key was prepared"))?;
        let pair = key_pair(&key)?;
        let header = json!({"alg": ES256, "typ": "JWT", "kid": key.kid});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| crypto_error("signing an ID token"))?;
        Ok(format!("{input}.{}", b64(signature.as_ref())))
    }

    /// The secret that seals sign-in forms, made on first use and shared by every node
    /// through the database.
    async fn form_seal_key(&self) -> Result<aws_lc_rs::hmac::Key> {
        let secret = self
            .oauth
            .form_secret
            .get_or_try_init(|| async {
                {
                    let mut conn = self.store.read().await?;
                    if let Some(k) = dossier_store::keys::get(&mut conn, FORM_SEAL_KID).await? {
                        return Ok::<String, DomainError>(k.private_key);
                    }
                }
                let mut tx = self.store.begin().await?;
                if let Some(k) = dossier_store::keys::get(tx.conn(), FORM_SEAL_KID).await? {
                    return Ok(k.private_key);
                }
                let key = SigningKey {
                    kid: FORM_SEAL_KID.into(),
                    algorithm: FORM_SEAL.into(),
                    private_key: crate::auth::random_token(),
                    public_jwk: "{}".into(),
                    created_at: self.now(),
                    retired_at: None,
                };
                dossier_store::keys::insert(tx.conn(), &key).await?;
                tx.commit().await?;
                Ok(key.private_key)
            })
            .await?;
        Ok(aws_lc_rs::hmac::Key::new(
            aws_lc_rs::hmac::HMAC_SHA256,
            secret.as_bytes(),
        ))
    }

    /// Seals `data` for `purpose`, valid for `ttl`: the result can be put in a page and
    /// trusted when it comes back, because only this server can make the MAC.
    pub async fn seal<T: Serialize>(
        &self,
        purpose: &str,
        data: &T,
        ttl: Duration,
    ) -> Result<String> {
        let exp = (self.now() + ttl).timestamp();
        let payload = json!({"p": purpose, "exp": exp, "d": data}).to_string();
        let body = b64(payload.as_bytes());
        let tag = aws_lc_rs::hmac::sign(&self.form_seal_key().await?, body.as_bytes());
        Ok(format!("{body}.{}", b64(tag.as_ref())))
    }

    /// Opens a sealed value: `None` if it was altered, is for another purpose or expired.
    pub async fn unseal<T: DeserializeOwned>(
        &self,
        purpose: &str,
        sealed: &str,
    ) -> Result<Option<T>> {
        let Some((body, tag)) = sealed.split_once('.') else {
            return Ok(None);
        };
        let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
            return Ok(None);
        };
        let key = self.form_seal_key().await?;
        if aws_lc_rs::hmac::verify(&key, body.as_bytes(), &tag).is_err() {
            return Ok(None);
        }
        let Some(payload) = URL_SAFE_NO_PAD
            .decode(body)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        else {
            return Ok(None);
        };
        let live = payload["exp"]
            .as_i64()
            .is_some_and(|exp| exp >= self.now().timestamp());
        if payload["p"] != purpose || !live {
            return Ok(None);
        }
        Ok(serde_json::from_value(payload["d"].clone()).ok())
    }
}

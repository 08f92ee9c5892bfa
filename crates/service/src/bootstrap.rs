//! First start: customer 1, the library ACTIVE with its seeded configuration, the NRTADMIN
//! group and an administrator. Idempotent, so it runs at every start.

use dossier_core::doc_type::SEEDED_TYPES;
use dossier_core::identity::{ADMIN_GROUP, DEFAULT_LIBRARY, Group, Role, User, seeded_roles};
use dossier_core::model::{Class, DocType, Library, Subclass};
use dossier_core::{DomainError, LibraryId};

use crate::identity::new_ssid;
use crate::passwords::{check_password_rules, hash_password};
use crate::{Dossier, Result};

const ADMIN_USER: &str = "ADMIN";

/// Classes a new library starts with; administrators add the firm's own.
/// (alias, description, [(subclass alias, description)])
type SeededClass = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const SEEDED_CLASSES: &[SeededClass] = &[
    (
        "DOC",
        "Document",
        &[
            ("AGREEMENT", "Agreement"),
            ("LETTER", "Letter"),
            ("MEMO", "Memorandum"),
        ],
    ),
    ("EMAIL", "Email", &[]),
    (
        "PLEADING",
        "Pleading",
        &[("MOTION", "Motion"), ("BRIEF", "Brief")],
    ),
    ("CORRESPONDENCE", "Correspondence", &[]),
    (
        "CONTRACT",
        "Contract",
        &[
            ("NDA", "Non-disclosure agreement"),
            ("SPA", "Share purchase agreement"),
        ],
    ),
    ("NOTE", "File note", &[]),
];

/// What bootstrapping did, for the startup log.
#[derive(Debug, Default)]
pub struct Bootstrapped {
    /// Set when the administrator was created with a generated password: shown once.
    pub generated_admin_password: Option<String>,
    pub created_admin: bool,
    /// An administrator password was given, but the administrator already existed: the
    /// password only counts at the first start, which an operator must be told.
    pub ignored_admin_password: bool,
}

impl Dossier {
    pub async fn bootstrap(&self, admin_password: Option<&str>) -> Result<Bootstrapped> {
        let customer = self.settings.customer_id;
        let now = self.now();
        let mut out = Bootstrapped::default();
        let admin_hash = {
            let mut conn = self.store.read().await?;
            match dossier_store::users::get(&mut conn, ADMIN_USER).await? {
                Some(_) => {
                    out.ignored_admin_password = admin_password.is_some();
                    None
                }
                None => {
                    let password = match admin_password {
                        Some(p) => p.to_string(),
                        None => {
                            let generated = generate_password();
                            out.generated_admin_password = Some(generated.clone());
                            generated
                        }
                    };
                    check_password_rules(&password).map_err(|_| {
                        DomainError::invalid(
                            "DOSSIER_ADMIN_PASSWORD",
                            "the administrator password must be 8 to 256 characters long",
                        )
                    })?;
                    Some(hash_password(password).await?)
                }
            }
        };
        let mut tx = self.store.begin().await?;
        dossier_store::libraries::ensure_customer(tx.conn(), customer, "Default customer").await?;
        let lib = LibraryId::parse(DEFAULT_LIBRARY)?;
        if dossier_store::libraries::get(tx.conn(), customer, &lib)
            .await?
            .is_none()
        {
            self.create_library_in(
                tx.conn(),
                &Library {
                    id: lib,
                    customer_id: customer,
                    description: "Active matters".into(),
                    is_hidden: false,
                },
            )
            .await?;
        }
        dossier_store::groups::ensure(
            tx.conn(),
            &Group {
                id: ADMIN_GROUP.into(),
                customer_id: customer,
                ssid: new_ssid(),
                full_name: "DMS administrators".into(),
                enabled: true,
                is_external: false,
                group_nos: dossier_core::identity::USER_NOS_VIRTUAL,
                group_id_ex: None,
                version: 1,
                created_at: now,
                edited_at: now,
            },
        )
        .await?;
        if dossier_store::apps::get(tx.conn(), crate::web_sessions::WEB_CLIENT_ID)
            .await?
            .is_none()
        {
            dossier_store::apps::insert(
                tx.conn(),
                &crate::web_sessions::built_in_app(customer, now),
            )
            .await?;
        }
        // Rows of inheriting objects written before ACL keys existed get theirs now.
        dossier_store::acl::resolve_pending(tx.conn()).await?;
        // Libraries created before roles existed get the seeded roles now.
        for library in dossier_store::libraries::list(tx.conn(), customer).await? {
            seed_roles(tx.conn(), library.id.as_str(), now).await?;
        }
        if let Some(hash) = admin_hash {
            let mut admin = User::new(ADMIN_USER, customer, "Administrator", new_ssid(), now);
            admin.password_hash = Some(hash);
            admin.pwd_changed_at = Some(now);
            admin.pwd_never_expire = true;
            admin.preferred_library = Some(DEFAULT_LIBRARY.into());
            dossier_store::users::insert(tx.conn(), &admin).await?;
            dossier_store::groups::add_member(tx.conn(), ADMIN_GROUP, ADMIN_USER).await?;
            dossier_store::roles::join(
                tx.conn(),
                DEFAULT_LIBRARY,
                ADMIN_USER,
                "LIBRARY_ADMIN",
                now,
            )
            .await?;
            out.created_admin = true;
        } else {
            out.generated_admin_password = None;
        }
        // A database without a security history starts one with everything as it is.
        crate::reports::record_baseline(tx.conn(), customer, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Creates a library with the seeded classes and types (CLI `admin create-library`).
    pub async fn create_library(&self, alias: &str, description: &str) -> Result<LibraryId> {
        let id = LibraryId::parse(alias)?;
        let mut tx = self.store.begin().await?;
        if dossier_store::libraries::get(tx.conn(), self.settings.customer_id, &id)
            .await?
            .is_some()
        {
            return Err(DomainError::Conflict(format!(
                "library {id} already exists"
            )));
        }
        self.create_library_in(
            tx.conn(),
            &Library {
                id: id.clone(),
                customer_id: self.settings.customer_id,
                description: description.to_string(),
                is_hidden: false,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn create_library_in(
        &self,
        conn: &mut dossier_store::AnyConnection,
        lib: &Library,
    ) -> Result<()> {
        dossier_store::libraries::insert(conn, lib, self.now()).await?;
        seed_roles(conn, lib.id.as_str(), self.now()).await?;
        for (alias, description, subs) in SEEDED_CLASSES {
            dossier_store::catalog::insert_class(conn, &lib.id, &Class::new(alias, description))
                .await?;
            for (sub, sub_description) in *subs {
                dossier_store::catalog::insert_subclass(
                    conn,
                    &lib.id,
                    &Subclass::new(alias, sub, sub_description),
                )
                .await?;
            }
        }
        for (alias, description, ext, _) in SEEDED_TYPES {
            dossier_store::catalog::insert_type(
                conn,
                &lib.id,
                &DocType {
                    alias: (*alias).into(),
                    description: (*description).into(),
                    app_extension: (*ext).into(),
                },
            )
            .await?;
        }
        Ok(())
    }
}

/// Inserts the seeded roles a library lacks.
async fn seed_roles(
    conn: &mut dossier_store::AnyConnection,
    library: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    for (id, description, rights) in seeded_roles() {
        if dossier_store::roles::get(conn, library, id)
            .await?
            .is_none()
        {
            let role = Role {
                library: library.to_string(),
                id: id.to_string(),
                description: description.to_string(),
                rights,
            };
            dossier_store::roles::insert(conn, &role, now).await?;
        }
    }
    Ok(())
}

fn generate_password() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

//! Name-value pairs of documents (and, through `write_nvps`, of containers).

use dossier_core::limits::{NVP_KEY_MAX, NVP_PAIRS_MAX, NVP_VALUE_MAX, check_len};
use dossier_core::{DocumentRef, DomainError, LibraryId};
use dossier_store::AnyConnection;
use dossier_store::nvps::NvpOwner;

use crate::access::{Edit, Read};
use crate::events::{Change, emit};
use crate::{Caller, Dossier, Result};

/// Changes to an object's name-value pairs: `None` (or an empty value) deletes a pair.
#[derive(Clone, Debug, Default)]
pub struct NvpChanges(pub Vec<(String, Option<String>)>);

/// Writes name-value pair changes, each pair checked before any is written.
pub(crate) async fn write_nvps(
    conn: &mut AnyConnection,
    library: &LibraryId,
    owner: NvpOwner,
    pairs: &NvpChanges,
) -> Result<()> {
    let pairs = &pairs.0;
    if pairs.len() > NVP_PAIRS_MAX {
        return Err(DomainError::invalid(
            "body",
            format!(
                "a request may set at most {NVP_PAIRS_MAX} name-value pairs; this one has {}",
                pairs.len()
            ),
        ));
    }
    for (name, value) in pairs {
        check_len("name", name, NVP_KEY_MAX)?;
        if name.trim().is_empty() {
            return Err(DomainError::invalid(
                "name",
                "a name-value pair needs a non-empty name",
            ));
        }
        if let Some(v) = value {
            check_len(name, v, NVP_VALUE_MAX)?;
        }
    }
    for (name, value) in pairs {
        match value.as_deref() {
            None | Some("") => dossier_store::nvps::remove(conn, library, owner, name).await?,
            Some(v) => dossier_store::nvps::set(conn, library, owner, name, v).await?,
        }
    }
    Ok(())
}

impl Dossier {
    pub async fn document_nvps(
        &self,
        caller: &Caller,
        r: &DocumentRef,
    ) -> Result<Vec<(String, String)>> {
        let mut conn = self.store.read().await?;
        self.document_for(&mut conn, caller, r, Read).await?;
        dossier_store::nvps::list(&mut conn, &r.library, NvpOwner::Document(r.number)).await
    }

    pub async fn update_document_nvps(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        pairs: &NvpChanges,
    ) -> Result<Vec<(String, String)>> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        write_nvps(tx.conn(), &r.library, NvpOwner::Document(r.number), pairs).await?;
        emit(
            tx.conn(),
            caller,
            now,
            Change::DocumentUpdated {
                document: doc.id.clone(),
            },
        )
        .await?;
        let out =
            dossier_store::nvps::list(tx.conn(), &r.library, NvpOwner::Document(r.number)).await?;
        tx.commit().await?;
        Ok(out)
    }
}

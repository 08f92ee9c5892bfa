//! The descriptions the connectors' profiles carry beside lookup values (`customN_description`
//! for custom1–12, 29 and 30), read once per (field, parent value, alias) in an answer: a
//! list of workspaces or versions shares its clients and matters.

use std::collections::HashMap;

use dossier_core::custom::{CUSTOM_COUNT, CustomValues, is_lookup, parent_of};
use dossier_core::{DomainError, LibraryId};
use dossier_service::Caller;

use super::error::AutomateResult;
use crate::AppState;

/// What the caller may not see, or what is gone, renders as absent; any other failure (a
/// database error, say) is the request's failure, never an empty field.
pub fn unseen_as_none<T>(r: Result<T, DomainError>) -> AutomateResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(DomainError::NotFound(_) | DomainError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The lookup descriptions of one answer, cached.
#[derive(Default)]
pub struct Descriptions {
    cache: HashMap<(LibraryId, usize, Option<String>, String), Option<String>>,
}

impl Descriptions {
    /// `(field, description)` for each lookup value of `customs` whose table has the alias
    /// (a library that does not validate a field takes any alias, which then has none).
    /// custom2 and custom30 are described under their parent's value.
    pub async fn of(
        &mut self,
        state: &AppState,
        caller: &Caller,
        library: &LibraryId,
        customs: &CustomValues,
    ) -> AutomateResult<Vec<(usize, String)>> {
        let mut out = Vec::new();
        for n in (1..=CUSTOM_COUNT).filter(|n| is_lookup(*n)) {
            let Some(alias) = customs.get(n).and_then(|v| v.as_text()) else {
                continue;
            };
            let parent = parent_of(n)
                .and_then(|p| customs.get(p).and_then(|v| v.as_text()))
                .map(str::to_string);
            let key = (library.clone(), n, parent, alias.to_string());
            let found = match self.cache.get(&key) {
                Some(d) => d.clone(),
                None => {
                    let d = unseen_as_none(
                        state
                            .dossier
                            .lookup(caller, library, n, key.2.as_deref(), alias)
                            .await,
                    )?
                    .map(|l| l.description);
                    self.cache.insert(key, d.clone());
                    d
                }
            };
            if let Some(d) = found {
                out.push((n, d));
            }
        }
        Ok(out)
    }
}

//! The links a profile carries: `document_url`, `workspace_url`, `folder_url`, `tab_url`
//! (shareable web addresses under `/work/link/…`, which the web client opens), `iwl` (the
//! iManage Work Link a desktop integration opens: `iwl:dms=host&&lib=…&&num=…&&ver=…`) and
//! `basic_properties` (an embeddable `<span>` of a few labelled values, escaped). The base
//! address is the one rule of `crate::origin`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use dossier_core::ids::{ContainerId, DocumentId};

use super::error::AutomateError;
use crate::AppState;
use crate::oauth::pages::escape;

/// The server's public base, read once per request.
#[derive(Clone, Debug)]
pub struct Links {
    base: String,
}

impl FromRequestParts<AppState> for Links {
    type Rejection = AutomateError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Links::new(crate::origin::public_base(
            state,
            &parts.headers,
        )))
    }
}

/// What a link points at, by the letter of its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linked {
    Document,
    Workspace,
    Folder,
    Tab,
}

impl Linked {
    fn letter(self) -> &'static str {
        match self {
            Linked::Document => "d",
            Linked::Workspace => "w",
            Linked::Folder => "f",
            Linked::Tab => "t",
        }
    }
}

impl Links {
    pub fn new(base: String) -> Self {
        Links { base }
    }

    fn url(&self, kind: Linked, id: &str) -> String {
        format!("{}/work/link/{}/{id}", self.base, kind.letter())
    }

    pub fn document_url(&self, id: &DocumentId) -> String {
        self.url(Linked::Document, &id.to_string())
    }

    /// A workspace's, folder's or tab's shareable address.
    pub fn container_url(&self, kind: Linked, id: &ContainerId) -> String {
        self.url(kind, &id.to_string())
    }

    /// The host part of the base, as `iwl:dms=` names the server.
    fn host(&self) -> &str {
        self.base
            .split_once("://")
            .map_or(self.base.as_str(), |(_, rest)| rest)
    }

    pub fn document_iwl(&self, id: &DocumentId) -> String {
        format!(
            "iwl:dms={}&&lib={}&&num={}&&ver={}",
            self.host(),
            id.library,
            id.number,
            id.version
        )
    }

    pub fn container_iwl(&self, id: &ContainerId) -> String {
        format!(
            "iwl:dms={}&&lib={}&&num={}",
            self.host(),
            id.library,
            id.number
        )
    }
}

/// `basic_properties`: `<span>` with one `<b>label</b>: value` line per pair, every text
/// escaped (a name is a user's input and the snippet is embedded in other pages).
pub fn basic_properties(pairs: &[(&str, &str)]) -> String {
    let lines: Vec<String> = pairs
        .iter()
        .map(|(label, value)| format!("<b>{}</b>: {}", escape(label), escape(value)))
        .collect();
    format!("<span>{}</span>", lines.join("<br/>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_properties_escape_what_users_typed() {
        assert_eq!(
            basic_properties(&[("Name", "<script>\"x\" & y</script>")]),
            "<span><b>Name</b>: &lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt;</span>"
        );
    }

    #[test]
    fn links_name_the_object_under_the_base() {
        let l = Links::new("https://dms.example.com".into());
        let id: ContainerId = "ACTIVE!12".parse().expect("id");
        assert_eq!(
            l.container_url(Linked::Workspace, &id),
            "https://dms.example.com/work/link/w/ACTIVE!12"
        );
        assert_eq!(
            l.container_iwl(&id),
            "iwl:dms=dms.example.com&&lib=ACTIVE&&num=12"
        );
    }
}

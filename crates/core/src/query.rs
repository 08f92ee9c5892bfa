//! The query model: what a surface asks of a list or a search, in domain terms. It says
//! nothing of who asks (the service adds the caller's readable set, which the store takes
//! beside the query) nor of where it is answered (the service sends a document search to
//! the database or to the search index).

use std::ops::Bound;

use chrono::{DateTime, Utc};

use crate::CustomValue;
use crate::model::{ContainerKind, WsType};

/// Paging as the Work API expresses it: `limit`/`offset`, or keyset paging after the last
/// number seen (`standard_cursor` mode), plus whether the caller wants the total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
    pub after: Option<i64>,
    pub want_total: bool,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            limit: 500,
            offset: 0,
            after: None,
            want_total: false,
        }
    }
}

impl Page {
    /// The page to read: one row more than asked for, so that what comes back tells
    /// whether more rows follow (`cut` takes it off again).
    pub fn probe(&self) -> Page {
        Page {
            limit: self.limit.saturating_add(1),
            ..*self
        }
    }

    /// Cuts rows read with `probe` back to this page; returns whether more rows follow.
    pub fn cut<T>(&self, rows: &mut Vec<T>) -> bool {
        let limit = self.limit.max(0) as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        more
    }
}

/// How a custom field is matched in a document search.
#[derive(Clone, Debug, PartialEq)]
pub enum CustomMatch {
    Equals(CustomValue),
    /// custom17–20: `_from`/`_to` and the operator forms (`<v` and `>v` are strict).
    NumberRange(Bound<f64>, Bound<f64>),
    TimeRange(Option<DateTime<Utc>>, Option<DateTime<Utc>>),
}

/// The profile criteria of a document search (every `Some` or non-empty field narrows
/// it). Patterns (`comments`, `author`, …) take `*` and `?` as wildcards.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DocumentQuery {
    /// Only documents filed (home or reference) in one of these folders.
    pub folders: Option<Vec<i64>>,
    pub names: Vec<String>,
    pub name_or_description: Option<String>,
    pub comments: Option<String>,
    pub author: Option<String>,
    pub operator: Option<String>,
    pub last_user: Option<String>,
    pub class: Option<String>,
    pub subclass: Option<String>,
    pub types: Vec<String>,
    pub numbers: Vec<i64>,
    pub customs: Vec<(usize, CustomMatch)>,
    pub checked_out: Option<bool>,
    pub wstype: Option<WsType>,
    /// Only emails of this conversation.
    pub conversation_id: Option<String>,
    /// Only emails with (true) or without (false) attachments.
    pub has_attachment: Option<bool>,
    pub create_from: Option<DateTime<Utc>>,
    pub create_to: Option<DateTime<Utc>>,
    pub edit_from: Option<DateTime<Utc>>,
    pub edit_to: Option<DateTime<Utc>>,
    /// Extended-metadata conditions (all must hold), resolved against the catalogue.
    pub metadata: Vec<crate::metadata::MetadataMatch>,
}

/// The criteria of a workspace or folder search. Each `Some` narrows the result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerQuery {
    pub kinds: Vec<ContainerKind>,
    pub parent: Option<i64>,
    pub workspace: Option<i64>,
    /// Whole-name match, case-insensitive; several values are ORed.
    pub names: Vec<String>,
    pub name_or_description: Option<String>,
    pub description: Option<String>,
    pub owner: Option<String>,
    /// The container's email address (a folder's, for filing by mail), case-insensitive,
    /// `*` and `?` as wildcards.
    pub email: Option<String>,
    /// The name of the container's workspace, case-insensitive, `*` and `?` as wildcards.
    pub workspace_name: Option<String>,
    pub customs: Vec<(usize, CustomValue)>,
    pub numbers: Vec<i64>,
    pub templates: Templates,
}

/// Which side of the template line a container list keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Templates {
    /// Matters only: what every list and search of workspaces and folders wants.
    #[default]
    Excluded,
    /// Workspace templates and their trees only (`L/templates`).
    Only,
    /// Either: a container's children, which are on their parent's side anyway.
    Included,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_reads_one_row_more_and_the_cut_says_whether_more_follow() {
        let page = Page {
            limit: 2,
            ..Page::default()
        };
        assert_eq!(page.probe().limit, 3);
        let mut rows = vec![1, 2, 3];
        assert!(page.cut(&mut rows));
        assert_eq!(rows, vec![1, 2]);
        let mut rows = vec![1, 2];
        assert!(!page.cut(&mut rows), "a full page with nothing after it");
        assert_eq!(rows, vec![1, 2]);
    }
}

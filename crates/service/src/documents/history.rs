//! A document's history: the entries use cases record, and those integrations add.

use chrono::{DateTime, Utc};
use dossier_core::limits::{FREE_TEXT_MAX, check_len};
use dossier_core::model::HistoryEntry;
use dossier_core::{Activity, DocumentId, DocumentRef};
use dossier_store::AnyConnection;
use dossier_store::history::HistoryFilter;

use crate::access::{Edit, Read};
use crate::{Caller, Dossier, Page, Result};

pub(crate) fn history_entry(
    doc: &DocumentId,
    activity: Activity,
    caller: &Caller,
    now: DateTime<Utc>,
    comments: String,
) -> HistoryEntry {
    HistoryEntry {
        id: 0,
        document: doc.clone(),
        activity: activity.name().into(),
        activity_code: activity.code(),
        activity_date: now,
        user_id: caller.user_id.clone(),
        application_name: String::new(),
        location: String::new(),
        comments,
        duration: 0,
        pages_printed: 0,
        data1: String::new(),
        data2: String::new(),
        num1: 0,
        num2: 0,
        num3: 0,
    }
}

pub(crate) async fn record(
    conn: &mut AnyConnection,
    doc: &DocumentId,
    activity: Activity,
    caller: &Caller,
    now: DateTime<Utc>,
    comments: String,
) -> Result<()> {
    dossier_store::history::insert(conn, &history_entry(doc, activity, caller, now, comments)).await
}

/// A history entry an integration adds to a document.
#[derive(Clone, Debug)]
pub struct NewHistoryEntry {
    pub activity: Activity,
    pub comments: String,
    pub application_name: String,
    pub location: String,
    pub data1: String,
    pub data2: String,
    pub duration: i64,
    pub pages_printed: i64,
    pub num1: i64,
    pub num2: i64,
    pub num3: i64,
}

impl NewHistoryEntry {
    pub fn new(activity: Activity) -> Self {
        NewHistoryEntry {
            activity,
            comments: String::new(),
            application_name: String::new(),
            location: String::new(),
            data1: String::new(),
            data2: String::new(),
            duration: 0,
            pages_printed: 0,
            num1: 0,
            num2: 0,
            num3: 0,
        }
    }
}

impl Dossier {
    /// GET …/documents/{id}/history
    pub async fn history(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        filter: &HistoryFilter,
        page: Page,
    ) -> Result<(Vec<HistoryEntry>, Option<i64>)> {
        let mut conn = self.store.read().await?;
        self.document_for(&mut conn, caller, r, Read).await?;
        dossier_store::history::list(&mut conn, &r.library, r.number, filter, page).await
    }

    /// POST …/documents/{id}/history: an entry added by an integration.
    pub async fn add_history(
        &self,
        caller: &Caller,
        r: &DocumentRef,
        new: NewHistoryEntry,
    ) -> Result<HistoryEntry> {
        for (field, text) in [
            ("comments", &new.comments),
            ("application_name", &new.application_name),
            ("location", &new.location),
            ("data1", &new.data1),
            ("data2", &new.data2),
        ] {
            check_len(field, text, FREE_TEXT_MAX)?;
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let doc = self.document_for(tx.conn(), caller, r, Edit).await?;
        let mut entry = history_entry(&doc.id, new.activity, caller, now, new.comments);
        entry.application_name = new.application_name;
        entry.location = new.location;
        entry.duration = new.duration;
        entry.pages_printed = new.pages_printed;
        entry.data1 = new.data1;
        entry.data2 = new.data2;
        entry.num1 = new.num1;
        entry.num2 = new.num2;
        entry.num3 = new.num3;
        dossier_store::history::insert(tx.conn(), &entry).await?;
        tx.commit().await?;
        Ok(entry)
    }
}

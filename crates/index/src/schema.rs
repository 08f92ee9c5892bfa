//! The index's fields: what a document is searched, filtered, trimmed, sorted and faceted by.
//! Full text goes through one analyzer (`LEGAL`); keyword fields hold normalised values so
//! the exact-match filters of the Work API are term lookups.

use dossier_core::custom::{CUSTOM_COUNT, CustomKind};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
    TokenizerManager,
};

use crate::stems::RememberingStemmer;

/// The analyzer of every full-text field: words, lower-cased, accents folded, English stems.
pub const LEGAL: &str = "legal";

/// The ACL key field's name (its column is read by name).
pub const ACL: &str = "acl";

/// Tokens longer than this are noise (base64, hashes) and are dropped.
const LONGEST_TOKEN: usize = 40;

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(RememberingStemmer)
        .build()
}

pub fn register(tokenizers: &TokenizerManager) {
    tokenizers.register(LEGAL, analyzer());
}

/// Every field, resolved once.
#[derive(Clone, Debug)]
pub struct Fields {
    /// `LIB!number`: the one index document per document (its latest version).
    pub key: Field,
    /// `document`, `workspace` or `folder` (`container::Kind`): every search asks for one.
    pub kind: Field,
    pub library: Field,
    pub number: Field,
    pub version: Field,
    // Trimming: the same facts the SQL visibility filter reads (`acl::Visible`).
    pub acl: Field,
    pub owner: Field,
    /// A container's owner, lower-cased, for the `owner` filter's patterns.
    pub owner_key: Field,
    pub wall_client: Field,
    pub wall_matter: Field,
    pub workspace: Field,
    pub folders: Field,
    // Full text.
    pub name: Field,
    pub comment: Field,
    pub body: Field,
    pub profile: Field,
    pub subject: Field,
    pub email_from: Field,
    pub email_to: Field,
    pub email_cc: Field,
    pub email_bcc: Field,
    // Keywords, normalised (people lower-case; classes, types and lookups upper-case).
    pub name_key: Field,
    pub author: Field,
    pub operator: Field,
    pub last_user: Field,
    pub class: Field,
    pub subclass: Field,
    pub doc_type: Field,
    pub wstype: Field,
    /// An email's conversation id, as on its profile.
    pub conversation_id: Field,
    /// `true` or `false`: whether an email lists attachments.
    pub has_attachment: Field,
    pub create_date: Field,
    pub edit_date: Field,
    pub sent_date: Field,
    pub received_date: Field,
    /// custom1–30 at index n-1, each in the type of its kind.
    pub customs: Vec<Field>,
    /// Extended metadata: one term per value, `metadata_term(property, match key)`.
    pub metadata: Field,
}

/// The term a document's extended-metadata value is indexed as: the property and the
/// value's match key (`core::metadata::match_key`), which a search condition compares.
pub fn metadata_term(property: &str, key: &str) -> String {
    format!("{property}\u{1f}{key}")
}

/// The tantivy field name of customN.
pub fn custom_name(n: usize) -> String {
    format!("c{n}")
}

fn full_text(stored: bool) -> TextOptions {
    let o = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(LEGAL)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    if stored { o.set_stored() } else { o }
}

pub fn build() -> (Schema, Fields) {
    let mut s = Schema::builder();
    let keyword = STRING | FAST;
    let when = INDEXED | FAST;
    let fields = Fields {
        key: s.add_text_field("key", STRING | STORED),
        kind: s.add_text_field("kind", STRING),
        library: s.add_text_field("library", STRING),
        number: s.add_i64_field("number", INDEXED | FAST | STORED),
        version: s.add_i64_field("version", STORED),
        // Fast: a search tests its readable keys against the column (`readable`).
        acl: s.add_i64_field(ACL, INDEXED | FAST),
        owner: s.add_text_field("owner", STRING),
        owner_key: s.add_text_field("owner_key", STRING),
        wall_client: s.add_text_field("wall_client", STRING),
        wall_matter: s.add_text_field("wall_matter", STRING),
        workspace: s.add_i64_field("workspace", INDEXED),
        folders: s.add_i64_field("folders", INDEXED),
        name: s.add_text_field("name", full_text(true)),
        comment: s.add_text_field("comment", full_text(true)),
        body: s.add_text_field("body", full_text(false)),
        profile: s.add_text_field("profile", full_text(false)),
        subject: s.add_text_field("subject", full_text(false)),
        email_from: s.add_text_field("email_from", full_text(false)),
        email_to: s.add_text_field("email_to", full_text(false)),
        email_cc: s.add_text_field("email_cc", full_text(false)),
        email_bcc: s.add_text_field("email_bcc", full_text(false)),
        name_key: s.add_text_field("name_key", keyword.clone()),
        author: s.add_text_field("author", keyword.clone()),
        operator: s.add_text_field("operator", keyword.clone()),
        last_user: s.add_text_field("last_user", keyword.clone()),
        // Fast: a facet counts its values (`facets`).
        class: s.add_text_field("class", keyword.clone()),
        subclass: s.add_text_field("subclass", STRING),
        doc_type: s.add_text_field("doc_type", keyword.clone()),
        wstype: s.add_text_field("wstype", STRING),
        conversation_id: s.add_text_field("conversation_id", STRING),
        has_attachment: s.add_text_field("has_attachment", STRING),
        create_date: s.add_i64_field("create_date", when.clone()),
        edit_date: s.add_i64_field("edit_date", when.clone()),
        sent_date: s.add_i64_field("sent_date", when.clone()),
        received_date: s.add_i64_field("received_date", when.clone()),
        customs: (1..=CUSTOM_COUNT)
            .map(|n| {
                let name = custom_name(n);
                match CustomKind::of(n) {
                    CustomKind::Lookup | CustomKind::Text => {
                        s.add_text_field(&name, keyword.clone())
                    }
                    CustomKind::Number => s.add_f64_field(&name, when.clone()),
                    CustomKind::Timestamp => s.add_i64_field(&name, when.clone()),
                    CustomKind::Boolean => s.add_bool_field(&name, when.clone()),
                }
            })
            .collect(),
        metadata: s.add_text_field("metadata", STRING),
    };
    (s.build(), fields)
}

impl Fields {
    pub fn custom(&self, n: usize) -> Field {
        self.customs[n - 1]
    }

    /// The full-text fields `anywhere` searches, with their boosts: a word in the name says
    /// more about a document than one in its body.
    pub fn anywhere(&self) -> Vec<(Field, f32)> {
        vec![
            (self.name, 3.0),
            (self.profile, 2.0),
            (self.subject, 2.0),
            (self.comment, 1.5),
            (self.body, 1.0),
            (self.email_from, 1.0),
            (self.email_to, 1.0),
            (self.email_cc, 1.0),
        ]
    }
}

//! Turning a parsed `anywhere`/`body` query into a tantivy query over the full-text fields.
//! Words go through the same analyzer as the indexed text, so case, accents and English
//! endings do not matter; a word the analyzer splits (`e-mail`) becomes a phrase.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy_fst::Regex;

use crate::query::{MAX_PREFIXES, Node, QueryError};
use crate::schema::Fields;
use crate::shared_filter::SharedFilter;

/// Most terms one prefix may expand to in the dictionary of one segment is tantivy's own
/// business; the prefix must just be long enough not to match most of the vocabulary.
const SHORTEST_PREFIX: usize = 2;

pub(crate) struct Compiler<'a> {
    pub fields: &'a Fields,
    pub analyzer: TextAnalyzer,
    /// The caller's readable set (`SharedFilter`): each field's matches of a word are
    /// intersected with it before the fields are combined, so a union over the fields
    /// never walks the postings of documents the caller cannot read.
    pub within: Option<SharedFilter>,
    /// Readable sets kept between searches (`readable`).
    pub readable_sets: std::sync::Arc<crate::readable::ReadableCache>,
    /// The automaton of each different prefix of the request, by its analysed stem, shared
    /// by every field and every place the prefix is matched: building one (a DFA over
    /// UTF-8) took 0.27 ms in a release build, more than matching it in a small index.
    pub automata: HashMap<String, Arc<Regex>>,
}

impl Compiler<'_> {
    fn tokens(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stream = self.analyzer.token_stream(text);
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// The fields a bare term is matched in, with boosts, for `field:` names.
    fn named(&self, name: &str) -> Result<Vec<(Field, f32)>, QueryError> {
        let f = self.fields;
        Ok(match name {
            "name" | "title" => vec![(f.name, 1.0)],
            "comment" | "comments" | "description" => vec![(f.comment, 1.0)],
            "body" => vec![(f.body, 1.0)],
            "subject" => vec![(f.subject, 1.0)],
            "from" => vec![(f.email_from, 1.0)],
            "to" => vec![(f.email_to, 1.0)],
            "cc" => vec![(f.email_cc, 1.0)],
            "bcc" => vec![(f.email_bcc, 1.0)],
            _ => return Err(QueryError(format!("'{name}:' is not a text field"))),
        })
    }

    /// A keyword field that `field:value` compares whole (people, types, lookups).
    fn keyword(&self, name: &str, value: &str) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let (field, v) = match name {
            "author" => (f.author, value.to_lowercase()),
            "operator" => (f.operator, value.to_lowercase()),
            "last_user" => (f.last_user, value.to_lowercase()),
            "type" => (f.doc_type, value.to_uppercase()),
            "class" => (f.class, value.to_uppercase()),
            _ => {
                let n: usize = name.strip_prefix("custom")?.parse().ok()?;
                if !matches!(
                    dossier_core::custom::CustomKind::of(n),
                    dossier_core::custom::CustomKind::Lookup
                        | dossier_core::custom::CustomKind::Text
                ) {
                    return Some(Box::new(EmptyQuery));
                }
                (f.custom(n), value.to_uppercase())
            }
        };
        Some(Box::new(TermQuery::new(
            Term::from_field_text(field, &v),
            IndexRecordOption::Basic,
        )))
    }

    /// The query of one node over `fields` (each with its boost).
    pub fn compile(
        &mut self,
        node: &Node,
        fields: &[(Field, f32)],
    ) -> Result<Box<dyn Query>, QueryError> {
        Ok(match node {
            Node::Word(w) => self.phrase_in(w, fields),
            Node::Phrase(p) => self.phrase_in(p, fields),
            Node::Prefix(p) => {
                let tokens = self.tokens(p);
                let Some(stem) = tokens.last() else {
                    return Ok(Box::new(EmptyQuery));
                };
                if stem.chars().count() < SHORTEST_PREFIX && tokens.len() == 1 {
                    return Err(QueryError(format!(
                        "'{p}*' is too short: a wildcard needs at least {SHORTEST_PREFIX} letters"
                    )));
                }
                let automaton = self.automaton(stem, p)?;
                let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (field, boost) in fields {
                    let q = RegexQuery::from_regex(automaton.clone(), *field);
                    any.push((Occur::Should, self.restricted(boosted(Box::new(q), *boost))));
                }
                let prefix: Box<dyn Query> = Box::new(BooleanQuery::new(any));
                if tokens.len() == 1 {
                    prefix
                } else {
                    // `data-ro*`: the leading words as a phrase, the last as a prefix.
                    let head = tokens[..tokens.len() - 1].join(" ");
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Must, self.phrase_in(&head, fields)),
                        (Occur::Must, prefix),
                    ]))
                }
            }
            Node::Field(name, inner) => match (self.keyword(name, &plain(inner)), &**inner) {
                (Some(q), Node::Word(_) | Node::Phrase(_)) => q,
                (Some(_), _) => {
                    return Err(QueryError(format!("'{name}:' takes a single value")));
                }
                (None, _) => {
                    let named = self.named(name)?;
                    self.compile(inner, &named)?
                }
            },
            Node::And(all) => {
                let mut clauses = Vec::new();
                let mut positive = false;
                for n in all {
                    match n {
                        Node::Not(inner) => {
                            clauses.push((Occur::MustNot, self.compile(inner, fields)?));
                        }
                        _ => {
                            positive = true;
                            clauses.push((Occur::Must, self.compile(n, fields)?));
                        }
                    }
                }
                if !positive {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Node::Or(any) => {
                let mut clauses = Vec::new();
                for n in any {
                    clauses.push((Occur::Should, self.compile(n, fields)?));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Node::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery)),
                (Occur::MustNot, self.compile(inner, fields)?),
            ])),
        })
    }

    /// The automaton of the prefix `stem` (written `written*`), built on its first use in
    /// the request. The parser bounds the different prefixes of each parameter; this
    /// bounds those of the whole request (`anywhere` and `body` together, say).
    fn automaton(&mut self, stem: &str, written: &str) -> Result<Arc<Regex>, QueryError> {
        if let Some(a) = self.automata.get(stem) {
            return Ok(a.clone());
        }
        if self.automata.len() == MAX_PREFIXES {
            return Err(QueryError(format!(
                "the search has more than {MAX_PREFIXES} different wildcard terms"
            )));
        }
        let automaton = Arc::new(
            Regex::new(&prefix_pattern(stem))
                .map_err(|e| QueryError(format!("bad wildcard '{written}*': {e}")))?,
        );
        self.automata.insert(stem.to_string(), automaton.clone());
        Ok(automaton)
    }

    /// `q` within the readable set, when there is one; the set adds nothing to the score.
    fn restricted(&self, q: Box<dyn Query>) -> Box<dyn Query> {
        match &self.within {
            None => q,
            Some(w) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, q),
                (
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(Box::new(w.clone()), 0.0)),
                ),
            ])),
        }
    }

    /// Text that must appear as written (one word or several in a row) in any of `fields`.
    fn phrase_in(&mut self, text: &str, fields: &[(Field, f32)]) -> Box<dyn Query> {
        let tokens = self.tokens(text);
        if tokens.is_empty() {
            // Only punctuation: it matches nothing rather than everything.
            return Box::new(EmptyQuery);
        }
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in fields {
            let q: Box<dyn Query> = if tokens.len() == 1 {
                Box::new(TermQuery::new(
                    Term::from_field_text(*field, &tokens[0]),
                    IndexRecordOption::WithFreqs,
                ))
            } else {
                Box::new(PhraseQuery::new(
                    tokens
                        .iter()
                        .map(|t| Term::from_field_text(*field, t))
                        .collect(),
                ))
            };
            any.push((Occur::Should, self.restricted(boosted(q, *boost))));
        }
        if any.len() == 1 {
            any.remove(0).1
        } else {
            Box::new(BooleanQuery::new(any))
        }
    }
}

fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

/// The text of a word or phrase node (for keyword fields).
fn plain(node: &Node) -> String {
    match node {
        Node::Word(w) | Node::Phrase(w) | Node::Prefix(w) => w.clone(),
        _ => String::new(),
    }
}

/// The terms a prefix matches in a stemmed field: those starting with it, and the stems it
/// may itself be an inflection of (`arbitrat*` must find "arbitration", indexed as
/// `arbitr`). Stemming trims at most a few letters, so only a few shorter forms qualify.
fn prefix_pattern(prefix: &str) -> String {
    const STEM_TRIM: usize = 3;
    const SHORTEST_STEM: usize = 4;
    let chars: Vec<char> = prefix.chars().collect();
    let mut alternatives = vec![format!("{}.*", regex_escape(prefix))];
    let shortest = chars.len().saturating_sub(STEM_TRIM).max(SHORTEST_STEM);
    for len in shortest..chars.len() {
        alternatives.push(regex_escape(&chars[..len].iter().collect::<String>()));
    }
    alternatives.join("|")
}

/// Escapes a literal for tantivy's regex syntax.
pub(crate) fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~\"@<>".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A LIKE-style pattern (`*` any run of characters, matched whole) as a regex.
pub(crate) fn wildcard_regex(pattern: &str) -> String {
    pattern
        .split('*')
        .map(regex_escape)
        .collect::<Vec<_>>()
        .join(".*")
}

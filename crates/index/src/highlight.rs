//! Highlighted snippets: `<b>` and `</b>` around the matched words of a hit's name and text
//! (iManage clients render HTML).
//!
//! A snippet is found by analysing text again with the index's analyzer, and the English
//! stemmer makes that the largest cost of a text search after the index itself. So a body
//! is not analysed whole: only windows around the first places where a query word's stem
//! may stand (found by a plain case-insensitive byte search) are.

use tantivy::Searcher;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;

/// Longest snippet shown for a hit.
const SNIPPET_CHARS: usize = 240;
/// Bytes of text analysed before and after a place a query word may stand.
const WINDOW_BEFORE: usize = 400;
const WINDOW_AFTER: usize = 800;
/// Places tried before a body is given up on (a stem's letters can stand inside other
/// words).
const WINDOWS_TRIED: usize = 4;
/// A stem's leading letters looked for: stemming may have changed its last letter
/// (`party` → `parti`), so that one is left out, down to this many.
const SHORTEST_PROBE: usize = 3;

#[derive(Default)]
pub struct Highlighter {
    name: Option<SnippetGenerator>,
    body: Option<SnippetGenerator>,
    /// Lower-case leading letters of the body's query words, as bytes to look for.
    probes: Vec<Vec<u8>>,
}

impl Highlighter {
    /// Snippet makers for the words `text_query` matches in `name` and `body`.
    pub(crate) fn new(
        searcher: &Searcher,
        text_query: &dyn Query,
        name: Field,
        body: Field,
    ) -> Self {
        let generator = |field| {
            let mut g = SnippetGenerator::create(searcher, text_query, field).ok()?;
            g.set_max_num_chars(SNIPPET_CHARS);
            Some(g)
        };
        let mut probes: Vec<Vec<u8>> = Vec::new();
        text_query.query_terms(&mut |term, _| {
            if term.field() == body
                && let Some(word) = term.value().as_str()
            {
                let chars: Vec<char> = word.chars().collect();
                let keep = chars
                    .len()
                    .saturating_sub(1)
                    .max(SHORTEST_PROBE)
                    .min(chars.len());
                let probe: String = chars[..keep].iter().collect();
                if !probe.is_empty() && !probes.contains(&probe.as_bytes().to_vec()) {
                    probes.push(probe.into_bytes());
                }
            }
        });
        Highlighter {
            name: generator(name),
            body: generator(body),
            probes,
        }
    }

    pub fn name(&self, text: &str) -> Option<String> {
        snippet(self.name.as_ref(), text)
    }

    pub fn body(&self, text: &str) -> Option<String> {
        let g = self.body.as_ref()?;
        let lower = text.to_ascii_lowercase();
        let mut places: Vec<usize> = self
            .probes
            .iter()
            .filter_map(|p| find(lower.as_bytes(), p))
            .collect();
        places.sort_unstable();
        if places.is_empty() {
            // A word whose letters the plain search cannot see (folded accents): its start.
            places.push(0);
        }
        places
            .into_iter()
            .take(WINDOWS_TRIED)
            .find_map(|at| snippet(Some(g), window(text, at)))
    }
}

fn snippet(g: Option<&SnippetGenerator>, text: &str) -> Option<String> {
    let s = g?.snippet(text);
    (!s.is_empty() && !s.highlighted().is_empty()).then(|| s.to_html())
}

/// Where `needle` first stands in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The text around byte `at`, cut on character boundaries.
fn window(text: &str, at: usize) -> &str {
    let mut start = at.saturating_sub(WINDOW_BEFORE);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + WINDOW_AFTER).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    &text[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_cut_on_character_boundaries() {
        let text = "é".repeat(1000);
        for at in [0, 1, 401, 999, 1999] {
            let w = window(&text, at);
            assert!(!w.is_empty());
            assert!(w.len() <= WINDOW_BEFORE + WINDOW_AFTER + 4);
        }
        assert_eq!(find(b"the party of the first part", b"part"), Some(4));
        assert_eq!(find(b"abc", b"abcd"), None);
    }
}

//! English stemming that remembers the words it has stemmed. Stemming was about a sixth of
//! the server's CPU while 10 KB documents were uploaded and indexed: the same few thousand
//! words come back in every legal document, and a hash lookup costs a fraction of the
//! Snowball rules. The stems are tantivy's own (`Stemmer`), asked once per new word.

use std::collections::HashMap;

use tantivy::tokenizer::{
    Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Words remembered by one copy of the analyzer before the memo starts over: bounds its
/// memory (a few MiB) on texts with endless distinct words.
const REMEMBERED_WORDS: usize = 50_000;

/// A token filter giving the English stem of each (lower-cased) token.
#[derive(Clone, Copy, Debug, Default)]
pub struct RememberingStemmer;

impl TokenFilter for RememberingStemmer {
    type Tokenizer<T: Tokenizer> = RememberingStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> RememberingStemmerFilter<T> {
        RememberingStemmerFilter {
            inner,
            stems: HashMap::new(),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }
}

#[derive(Clone)]
pub struct RememberingStemmerFilter<T> {
    inner: T,
    /// Word → stem.
    stems: HashMap<String, String>,
    /// tantivy's stemmer over a whole word, for words not seen yet.
    stemmer: TextAnalyzer,
}

impl<T: Tokenizer> Tokenizer for RememberingStemmerFilter<T> {
    type TokenStream<'a> = RememberingStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RememberingStemmerStream {
            tail: self.inner.token_stream(text),
            stems: &mut self.stems,
            stemmer: &mut self.stemmer,
        }
    }
}

pub struct RememberingStemmerStream<'a, S> {
    tail: S,
    stems: &'a mut HashMap<String, String>,
    stemmer: &'a mut TextAnalyzer,
}

impl<S: TokenStream> TokenStream for RememberingStemmerStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.stems.get(&token.text) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        let stem = {
            let mut stemmed = self.stemmer.token_stream(&token.text);
            if stemmed.advance() {
                stemmed.token().text.clone()
            } else {
                token.text.clone()
            }
        };
        if self.stems.len() >= REMEMBERED_WORDS {
            self.stems.clear();
        }
        self.stems
            .insert(std::mem::replace(&mut token.text, stem.clone()), stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{
        AsciiFoldingFilter, Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer,
    };

    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    /// The same tokens, offsets and positions as tantivy's own stemmer, for texts seen for
    /// the first time and again (from the memo), including after the memo starts over.
    #[test]
    fn stems_as_tantivys_stemmer_does() {
        let mut reference = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build();
        let mut remembering = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(RememberingStemmer)
            .build();
        let texts = [
            "The Parties agreed; the agreement's termination was agreed upon by all parties.",
            "Indemnification, indemnities and INDEMNIFIED losses — café naïve résumés",
            "running runs ran runner generously generalisation",
            "",
            "The Parties agreed; the agreement's termination was agreed upon by all parties.",
        ];
        for _ in 0..2 {
            for text in texts {
                assert_eq!(tokens(&mut remembering, text), tokens(&mut reference, text));
            }
        }
        let many: String = (0..REMEMBERED_WORDS + 10)
            .map(|i| format!("word{i}ing "))
            .collect();
        assert_eq!(
            tokens(&mut remembering, &many),
            tokens(&mut reference, &many)
        );
        for text in texts {
            assert_eq!(tokens(&mut remembering, text), tokens(&mut reference, text));
        }
    }
}

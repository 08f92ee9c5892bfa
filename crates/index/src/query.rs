//! The `anywhere` query language: words are ANDed, `"exact phrases"`, `OR`, `-exclusion`,
//! `prefix*`, `field:value` and parentheses. Parsed into a small tree first, so every
//! malformed query is refused with a reason before it reaches the index, and the tree's
//! size and depth are bounded.

use std::fmt;

/// Most terms one query may hold; a longer one is refused rather than run.
pub const MAX_TERMS: usize = 256;
/// Deepest nesting of parentheses and exclusions.
pub const MAX_DEPTH: usize = 16;
/// Longest query text accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;
/// Most different `prefix*` terms one query may hold. Each one is an automaton walked
/// through every searched field's dictionary in every segment, by far the dearest kind of
/// term; repeating one costs nothing more (`compile` builds each automaton once).
pub const MAX_PREFIXES: usize = 16;

#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// A word, analysed like the text it is matched against.
    Word(String),
    /// Words that must appear next to each other in this order.
    Phrase(String),
    /// Words starting with this.
    Prefix(String),
    /// A sub-query restricted to one field (`author:smith`, `body:"force majeure"`).
    Field(String, Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError(pub String);

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryError {}

fn fail<T>(msg: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError(msg.into()))
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Phrase(String),
    Open,
    Close,
    Minus,
    Or,
    And,
    /// `name:` — a field prefix glued to what follows.
    FieldPrefix(String),
}

fn is_break(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')' || c == '"'
}

fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    if text.len() > MAX_QUERY_BYTES {
        return fail(format!("the query is longer than {MAX_QUERY_BYTES} bytes"));
    }
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' {
            chars.next();
            out.push(Token::Open);
        } else if c == ')' {
            chars.next();
            out.push(Token::Close);
        } else if c == '"' {
            chars.next();
            let mut phrase = String::new();
            let mut closed = false;
            for c in chars.by_ref() {
                if c == '"' {
                    closed = true;
                    break;
                }
                phrase.push(c);
            }
            if !closed {
                return fail("the query has an unbalanced quotation mark");
            }
            out.push(Token::Phrase(phrase));
        } else if c == '-' && out.last() != Some(&Token::Minus) {
            // A minus starts an exclusion only at the start of a word.
            chars.next();
            match chars.peek() {
                Some(&n) if !n.is_whitespace() && n != ')' => out.push(Token::Minus),
                _ => return fail("'-' must be followed by what to exclude"),
            }
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if is_break(c) {
                    break;
                }
                word.push(c);
                chars.next();
                if c == ':' && is_field_name(&word[..word.len() - 1]) {
                    break;
                }
            }
            if let Some(name) = word.strip_suffix(':')
                && is_field_name(name)
            {
                match chars.peek() {
                    Some(&n) if !n.is_whitespace() && n != ')' => {
                        out.push(Token::FieldPrefix(name.to_ascii_lowercase()));
                    }
                    _ => return fail(format!("'{name}:' must be followed by a value")),
                }
            } else if word == "OR" {
                out.push(Token::Or);
            } else if word == "AND" {
                out.push(Token::And);
            } else {
                out.push(Token::Word(word));
            }
        }
    }
    Ok(out)
}

/// Field names `field:value` may use; any other `x:y` is an ordinary word (a time, a
/// reference like `ref:123`).
pub const FIELDS: &[&str] = &[
    "name",
    "title",
    "comment",
    "comments",
    "description",
    "body",
    "author",
    "operator",
    "last_user",
    "subject",
    "from",
    "to",
    "cc",
    "bcc",
    "type",
    "class",
];

fn is_field_name(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    FIELDS.contains(&s.as_str())
        || s.strip_prefix("custom")
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| (1..=dossier_core::custom::CUSTOM_COUNT).contains(&n))
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    terms: usize,
    /// The different prefixes seen so far, in lower case (the analyzer folds case).
    prefixes: Vec<String>,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn count_term(&mut self) -> Result<(), QueryError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return fail(format!("the query has more than {MAX_TERMS} terms"));
        }
        Ok(())
    }

    fn count_prefix(&mut self, stem: &str) -> Result<(), QueryError> {
        let stem = stem.to_lowercase();
        if !self.prefixes.contains(&stem) {
            if self.prefixes.len() == MAX_PREFIXES {
                return fail(format!(
                    "the query has more than {MAX_PREFIXES} different wildcard terms"
                ));
            }
            self.prefixes.push(stem);
        }
        Ok(())
    }

    /// or := and ("OR" and)*
    fn or(&mut self, depth: usize) -> Result<Node, QueryError> {
        let mut alternatives = vec![self.and(depth)?];
        while self.peek() == Some(&Token::Or) {
            self.next();
            if matches!(self.peek(), None | Some(Token::Close) | Some(Token::Or)) {
                return fail("OR must have a term on each side");
            }
            push_new(&mut alternatives, self.and(depth)?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.remove(0)
        } else {
            Node::Or(alternatives)
        })
    }

    /// and := unary ("AND"? unary)*
    fn and(&mut self, depth: usize) -> Result<Node, QueryError> {
        let mut all = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Close) | Some(Token::Or) => break,
                Some(Token::And) => {
                    self.next();
                    if all.is_empty()
                        || matches!(
                            self.peek(),
                            None | Some(Token::Close) | Some(Token::Or) | Some(Token::And)
                        )
                    {
                        return fail("AND must have a term on each side");
                    }
                }
                _ => {
                    let n = self.unary(depth)?;
                    push_new(&mut all, n);
                }
            }
        }
        match all.len() {
            0 => match self.peek() {
                Some(Token::Or) => fail("OR must have a term on each side"),
                _ => fail("the query has nothing to search for"),
            },
            1 => Ok(all.remove(0)),
            _ => Ok(Node::And(all)),
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Node, QueryError> {
        if depth > MAX_DEPTH {
            return fail(format!(
                "the query is nested deeper than {MAX_DEPTH} levels"
            ));
        }
        match self.next() {
            Some(Token::Minus) => Ok(Node::Not(Box::new(self.unary(depth + 1)?))),
            Some(Token::FieldPrefix(name)) => {
                let inner = self.unary(depth + 1)?;
                if matches!(inner, Node::Field(..)) {
                    return fail(format!("'{name}:' cannot hold another field"));
                }
                Ok(Node::Field(name, Box::new(inner)))
            }
            Some(Token::Open) => {
                if self.peek() == Some(&Token::Close) {
                    return fail("the query has empty parentheses");
                }
                let inner = self.or(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => fail("the query has an unbalanced parenthesis"),
                }
            }
            Some(Token::Phrase(p)) => {
                self.count_term()?;
                if p.trim().is_empty() {
                    return fail("the query has an empty phrase");
                }
                Ok(Node::Phrase(p))
            }
            Some(Token::Word(w)) => {
                self.count_term()?;
                if let Some(stem) = w.strip_suffix('*') {
                    let stem = stem.trim_end_matches('*');
                    if stem.is_empty() {
                        return fail("a wildcard needs at least one letter before '*'");
                    }
                    if stem.contains('*') {
                        return fail("'*' is allowed only at the end of a word");
                    }
                    self.count_prefix(stem)?;
                    Ok(Node::Prefix(stem.to_string()))
                } else if w.contains('*') {
                    fail("'*' is allowed only at the end of a word")
                } else {
                    Ok(Node::Word(w))
                }
            }
            Some(Token::Close) => fail("the query has an unbalanced parenthesis"),
            Some(Token::Or) | Some(Token::And) => fail("an operator must have a term on each side"),
            None => fail("the query ends where a term was expected"),
        }
    }
}

/// Adds `node` to the operands of an AND or an OR unless it is already there: `x x` and
/// `x OR x` match what `x` matches, and a repeated term would only repeat the work.
fn push_new(operands: &mut Vec<Node>, node: Node) {
    if !operands.contains(&node) {
        operands.push(node);
    }
}

/// Parses `anywhere` text.
pub fn parse(text: &str) -> Result<Node, QueryError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return fail("the query has nothing to search for");
    }
    let mut p = Parser {
        tokens,
        at: 0,
        terms: 0,
        prefixes: Vec::new(),
    };
    let node = p.or(0)?;
    match p.peek() {
        None => Ok(node),
        Some(Token::Close) => fail("the query has an unbalanced parenthesis"),
        Some(_) => fail("the query could not be read past its middle"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Node {
        Node::Word(s.into())
    }

    #[test]
    fn words_are_anded_and_or_binds_looser() {
        assert_eq!(
            parse("lease OR licence rent").unwrap(),
            Node::Or(vec![w("lease"), Node::And(vec![w("licence"), w("rent")])])
        );
        assert_eq!(parse("a AND b").unwrap(), Node::And(vec![w("a"), w("b")]));
    }

    #[test]
    fn phrases_prefixes_exclusions_and_fields() {
        assert_eq!(
            parse("\"force majeure\" indemn* -draft author:jsmith").unwrap(),
            Node::And(vec![
                Node::Phrase("force majeure".into()),
                Node::Prefix("indemn".into()),
                Node::Not(Box::new(w("draft"))),
                Node::Field("author".into(), Box::new(w("jsmith"))),
            ])
        );
        assert_eq!(
            parse("(a OR b) -(c d)").unwrap(),
            Node::And(vec![
                Node::Or(vec![w("a"), w("b")]),
                Node::Not(Box::new(Node::And(vec![w("c"), w("d")]))),
            ])
        );
        // A hyphen inside a word is part of it; a time is not a field.
        assert_eq!(parse("e-mail").unwrap(), w("e-mail"));
        assert_eq!(parse("10:30").unwrap(), w("10:30"));
        assert_eq!(
            parse("Custom1:ACME").unwrap(),
            Node::Field("custom1".into(), Box::new(w("ACME")))
        );
    }

    #[test]
    fn malformed_queries_are_refused_with_a_reason() {
        for (q, why) in [
            ("\"force majeure", "unbalanced quotation"),
            ("(a OR b", "unbalanced parenthesis"),
            ("a OR b)", "unbalanced parenthesis"),
            ("OR", "each side"),
            ("a OR", "each side"),
            ("OR a", "each side"),
            ("a AND", "each side"),
            ("-", "followed by"),
            ("a - b", "followed by"),
            ("*", "at least one letter"),
            ("a*b", "only at the end"),
            ("()", "empty parentheses"),
            ("\"\"", "empty phrase"),
            ("   ", "nothing to search"),
            ("author:", "followed by a value"),
        ] {
            let e = parse(q).expect_err(q);
            assert!(e.0.contains(why), "{q}: {}", e.0);
        }
    }

    #[test]
    fn size_and_depth_are_bounded() {
        let many = vec!["w"; MAX_TERMS + 1].join(" ");
        assert!(parse(&many).unwrap_err().0.contains("terms"));
        let huge = vec!["w"; 10_000].join(" ");
        assert!(parse(&huge).is_err());
        let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).unwrap_err().0.contains("nested"));
        let nots = format!("{}a{}", "-(".repeat(40), ")".repeat(40));
        assert!(parse(&nots).unwrap_err().0.contains("nested"));
    }

    #[test]
    fn repeated_terms_are_one_term() {
        let one = parse("ab*").unwrap();
        assert_eq!(parse(&vec!["ab*"; MAX_TERMS].join(" OR ")).unwrap(), one);
        assert_eq!(parse(&vec!["ab*"; MAX_TERMS].join(" ")).unwrap(), one);
        assert_eq!(
            parse("lease OR rent OR lease").unwrap(),
            Node::Or(vec![w("lease"), w("rent")])
        );
    }

    #[test]
    fn different_prefixes_are_bounded() {
        let prefixes = |n: usize| {
            (0..n)
                .map(|i| format!("p{i:02}*"))
                .collect::<Vec<_>>()
                .join(" OR ")
        };
        assert!(parse(&prefixes(MAX_PREFIXES)).is_ok());
        let e = parse(&prefixes(MAX_PREFIXES + 1)).unwrap_err();
        assert!(e.0.contains("more than 16 different wildcard terms"), "{e}");
        // Case does not make a prefix different: the analyzer folds it.
        let cased = format!("{} OR P00* OR p00*", prefixes(MAX_PREFIXES));
        assert!(parse(&cased).is_ok());
    }
}

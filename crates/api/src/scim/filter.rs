//! The RFC 7644 §3.4.2.2 filter language: a recursive-descent parser into a small tree and
//! an evaluator over a resource's SCIM JSON. Attribute names, operators and keywords are
//! case-insensitive; string values are too unless the attribute is `caseExact`. Length,
//! term count and nesting depth are capped, so a hostile filter costs a 400, never a
//! stack overflow or a long scan.
//!
//! The same tokenizer parses PATCH paths (§3.5.2: `attrPath`, `valuePath[.subAttr]`).

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::schema::{self, Attr, Kind, ResourceKind};

/// Longest filter text accepted. Real provisioning filters are a few dozen characters.
pub const MAX_LEN: usize = 4096;
/// Most comparisons in one filter.
pub const MAX_TERMS: usize = 200;
/// Deepest nesting of parentheses, `not` and value paths.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct FilterError(pub String);

type Result<T> = std::result::Result<T, FilterError>;

fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(FilterError(msg.into()))
}

/// `[urn:…:]name[.sub]`
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<CompareOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }

    fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(AttrPath),
    Compare(AttrPath, CompareOp, Literal),
    /// `attr[filter]`: some value of a multi-valued (or complex) attribute matches the
    /// inner filter, whose paths name sub-attributes.
    ValuePath(AttrPath, Box<Filter>),
}

impl Filter {
    /// Whether any path in the filter names this top-level attribute (to skip loading
    /// costly attributes such as group memberships when nothing needs them).
    pub fn mentions(&self, name: &str) -> bool {
        match self {
            Filter::Or(a, b) | Filter::And(a, b) => a.mentions(name) || b.mentions(name),
            Filter::Not(f) => f.mentions(name),
            Filter::Present(p) | Filter::Compare(p, _, _) => p.name.eq_ignore_ascii_case(name),
            Filter::ValuePath(p, _) => p.name.eq_ignore_ascii_case(name),
        }
    }

    /// The value of `attr eq "value"` if it is one of the filter's top-level conjuncts:
    /// a sound way to narrow a listing in the store before evaluating the whole filter.
    pub fn required_eq(&self, attr: &str) -> Option<&str> {
        match self {
            Filter::And(a, b) => a.required_eq(attr).or_else(|| b.required_eq(attr)),
            Filter::Compare(p, CompareOp::Eq, Literal::Str(v))
                if p.sub.is_none()
                    && p.name.eq_ignore_ascii_case(attr)
                    && p.urn
                        .as_deref()
                        .is_none_or(|u| u.starts_with("urn:ietf:params:scim:schemas:core:")) =>
            {
                Some(v)
            }
            _ => None,
        }
    }
}

// ---- tokens ------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Str(String),
    Word(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>> {
    if text.len() > MAX_LEN {
        return err(format!("the filter is longer than {MAX_LEN} characters"));
    }
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                chars.next();
                out.push(Token::Str(string_literal(text, i, &mut chars)?));
            }
            _ => {
                let start = i;
                let mut end = text.len();
                while let Some(&(j, c)) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"') {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                out.push(Token::Word(text[start..end].to_string()));
            }
        }
    }
    Ok(out)
}

/// A JSON string literal (RFC 7644 uses JSON's escapes); the opening quote is consumed.
fn string_literal(
    text: &str,
    start: usize,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<String> {
    while let Some((j, c)) = chars.next() {
        match c {
            '"' => {
                return serde_json::from_str::<String>(&text[start..=j])
                    .or_else(|e| err(format!("bad string literal at {start}: {e}")));
            }
            '\\' => {
                chars.next();
            }
            _ => {}
        }
    }
    err(format!("the string starting at {start} is not closed"))
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    if s == "$ref" {
        return true;
    }
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Parses `[urn:…:]name[.sub]`.
pub fn attr_path(word: &str) -> Result<AttrPath> {
    let (urn, rest) = if word.len() > 4 && word[..4].eq_ignore_ascii_case("urn:") {
        match word.rfind(':') {
            Some(i) => (Some(word[..i].to_string()), &word[i + 1..]),
            None => (None, word),
        }
    } else {
        (None, word)
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    if !is_name(name) || sub.is_some_and(|s| !is_name(s)) {
        return err(format!("'{word}' is not an attribute path"));
    }
    Ok(AttrPath {
        urn,
        name: name.to_string(),
        sub: sub.map(str::to_string),
    })
}

// ---- parser ------------------------------------------------------------------------

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    terms: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn expect(&mut self, t: Token, what: &str) -> Result<()> {
        match self.next() {
            Some(x) if x == t => Ok(()),
            Some(x) => err(format!("expected {what}, found {}", describe(&x))),
            None => err(format!("expected {what} at the end of the filter")),
        }
    }

    fn or(&mut self, depth: usize) -> Result<Filter> {
        if depth > MAX_DEPTH {
            return err(format!("the filter nests deeper than {MAX_DEPTH} levels"));
        }
        let mut left = self.and(depth)?;
        while self.peek_keyword("or") {
            self.pos += 1;
            let right = self.and(depth)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Filter> {
        let mut left = self.unary(depth)?;
        while self.peek_keyword("and") {
            self.pos += 1;
            let right = self.unary(depth)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Filter> {
        match self.next() {
            Some(Token::Open) => {
                let f = self.or(depth + 1)?;
                self.expect(Token::Close, "')'")?;
                Ok(f)
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("not") => {
                self.expect(Token::Open, "'(' after not")?;
                let f = self.or(depth + 1)?;
                self.expect(Token::Close, "')'")?;
                Ok(Filter::Not(Box::new(f)))
            }
            Some(Token::Word(w)) => {
                let path = attr_path(&w)?;
                if self.peek() == Some(&Token::OpenBracket) {
                    self.pos += 1;
                    return self.value_path(path, depth);
                }
                self.attr_exp(path)
            }
            Some(t) => err(format!(
                "expected an attribute, '(' or not, found {}",
                describe(&t)
            )),
            None => err("the filter ends where an expression was expected"),
        }
    }

    fn value_path(&mut self, path: AttrPath, depth: usize) -> Result<Filter> {
        if path.sub.is_some() {
            return err(format!(
                "'{}.{}' cannot take a value filter",
                path.name,
                path.sub.as_deref().unwrap_or_default()
            ));
        }
        let mut inner = self.or(depth + 1)?;
        self.expect(Token::CloseBracket, "']'")?;
        // `emails[type eq "work"].value eq "x"`: a common client shorthand for
        // `emails[type eq "work" and value eq "x"]`.
        if let Some(Token::Word(w)) = self.peek()
            && let Some(sub) = w.strip_prefix('.')
        {
            let sub = sub.to_string();
            self.pos += 1;
            let rel = attr_path(&sub)?;
            if rel.urn.is_some() || rel.sub.is_some() {
                return err(format!("'.{sub}' is not a sub-attribute"));
            }
            let tail = self.attr_exp(rel)?;
            inner = Filter::And(Box::new(inner), Box::new(tail));
        }
        Ok(Filter::ValuePath(path, Box::new(inner)))
    }

    fn attr_exp(&mut self, path: AttrPath) -> Result<Filter> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return err(format!("the filter has more than {MAX_TERMS} comparisons"));
        }
        let op = match self.next() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("pr") => {
                return Ok(Filter::Present(path));
            }
            Some(Token::Word(w)) => CompareOp::parse(&w)
                .ok_or_else(|| FilterError(format!("unknown operator '{w}'")))?,
            Some(t) => return err(format!("expected an operator, found {}", describe(&t))),
            None => return err("the filter ends where an operator was expected"),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Literal::Str(s),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                "null" => Literal::Null,
                _ => Literal::Num(
                    w.parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .ok_or_else(|| FilterError(format!("'{w}' is not a value")))?,
                ),
            },
            Some(t) => return err(format!("expected a value, found {}", describe(&t))),
            None => return err("the filter ends where a value was expected"),
        };
        Ok(Filter::Compare(path, op, value))
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
        Token::OpenBracket => "'['".into(),
        Token::CloseBracket => "']'".into(),
        Token::Str(s) => format!("the string \"{s}\""),
        Token::Word(w) => format!("'{w}'"),
    }
}

/// Parses a filter's text.
pub fn parse(text: &str) -> Result<Filter> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return err("the filter is empty");
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        terms: 0,
    };
    let f = p.or(0)?;
    match p.peek() {
        None => Ok(f),
        Some(t) => err(format!("unexpected {} after the expression", describe(t))),
    }
}

/// A PATCH operation's `path`.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchPath {
    /// A whole extension object (`urn:…:enterprise:2.0:User`).
    Extension(&'static str),
    /// `attr[.sub]`, or `attr[filter][.sub]`.
    Attr {
        attr: AttrPath,
        filter: Option<Filter>,
    },
}

pub fn parse_path(text: &str) -> Result<PatchPath> {
    let text = text.trim();
    if let Some(s) = schema::ALL.iter().find(|s| s.id.eq_ignore_ascii_case(text)) {
        return Ok(PatchPath::Extension(s.id));
    }
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        terms: 0,
    };
    let Some(Token::Word(w)) = p.next() else {
        return err(format!("'{text}' is not an attribute path"));
    };
    let mut attr = attr_path(&w)?;
    let mut filter = None;
    if p.peek() == Some(&Token::OpenBracket) {
        p.pos += 1;
        if attr.sub.is_some() {
            return err(format!("'{w}' cannot take a value filter"));
        }
        filter = Some(p.or(1)?);
        p.expect(Token::CloseBracket, "']'")?;
        if let Some(Token::Word(s)) = p.peek() {
            let Some(sub) = s.strip_prefix('.').filter(|s| is_name(s)) else {
                return err(format!("'{s}' is not a sub-attribute"));
            };
            attr.sub = Some(sub.to_string());
            p.pos += 1;
        }
    }
    match p.peek() {
        None => Ok(PatchPath::Attr { attr, filter }),
        Some(t) => err(format!("unexpected {} in the path", describe(t))),
    }
}

// ---- validation against the schema --------------------------------------------------

/// What a path refers to once checked against the schema.
#[derive(Clone, Copy, Debug)]
pub struct Resolved {
    pub extension: Option<&'static str>,
    pub attr: &'static Attr,
    pub sub: Option<&'static Attr>,
}

impl Resolved {
    /// The attribute whose type and case rules apply to compared values.
    pub fn leaf(&self) -> &'static Attr {
        self.sub.unwrap_or(self.attr)
    }
}

/// Resolves a top-level path. `Ok(None)` for a standard attribute Dossier does not keep.
pub fn resolve(kind: ResourceKind, path: &AttrPath) -> Result<Option<Resolved>> {
    let Some(located) = schema::locate(kind, path.urn.as_deref(), &path.name) else {
        if path.urn.is_none() && kind.is_unkept(&path.name)
            || path.urn.as_deref().is_some_and(|u| {
                u.eq_ignore_ascii_case(schema::ENTERPRISE_SCHEMA) && kind.is_unkept(&path.name)
            })
        {
            return Ok(None);
        }
        return err(format!(
            "{} has no attribute '{}'",
            kind.name(),
            display_path(path)
        ));
    };
    let sub = match &path.sub {
        None => None,
        Some(s) => Some(schema::find(located.attr.sub, s).ok_or_else(|| {
            FilterError(format!(
                "{} has no attribute '{}'",
                kind.name(),
                display_path(path)
            ))
        })?),
    };
    Ok(Some(Resolved {
        extension: located.extension,
        attr: located.attr,
        sub,
    }))
}

pub fn display_path(p: &AttrPath) -> String {
    let mut s = String::new();
    if let Some(u) = &p.urn {
        s.push_str(u);
        s.push(':');
    }
    s.push_str(&p.name);
    if let Some(sub) = &p.sub {
        s.push('.');
        s.push_str(sub);
    }
    s
}

#[derive(Clone, Copy)]
enum Scope {
    Resource(ResourceKind),
    /// Inside `attr[...]`: names are sub-attributes of this complex attribute.
    Element(&'static Attr),
}

/// Checks every path and operator of `f` against the schema of `kind`.
pub fn validate(f: &Filter, kind: ResourceKind) -> Result<()> {
    check(f, Scope::Resource(kind))
}

/// Checks a filter used inside `attr[...]` (PATCH value paths).
pub fn validate_element(f: &Filter, attr: &'static Attr) -> Result<()> {
    check(f, Scope::Element(attr))
}

fn resolve_in(scope: Scope, path: &AttrPath) -> Result<Option<Resolved>> {
    match scope {
        Scope::Resource(kind) => resolve(kind, path),
        Scope::Element(parent) => {
            if path.urn.is_some() || path.sub.is_some() {
                return err(format!(
                    "'{}' is not a sub-attribute of {}",
                    display_path(path),
                    parent.name
                ));
            }
            if parent.sub.is_empty() {
                // An attribute Dossier does not keep: nothing to check, nothing matches.
                return Ok(None);
            }
            let sub = schema::find(parent.sub, &path.name).ok_or_else(|| {
                FilterError(format!(
                    "{} has no sub-attribute '{}'",
                    parent.name, path.name
                ))
            })?;
            Ok(Some(Resolved {
                extension: None,
                attr: sub,
                sub: None,
            }))
        }
    }
}

fn check(f: &Filter, scope: Scope) -> Result<()> {
    match f {
        Filter::Or(a, b) | Filter::And(a, b) => {
            check(a, scope)?;
            check(b, scope)
        }
        Filter::Not(f) => check(f, scope),
        Filter::Present(p) => resolve_in(scope, p).map(|_| ()),
        Filter::ValuePath(p, inner) => {
            let Scope::Resource(_) = scope else {
                return err("value filters cannot be nested");
            };
            match resolve_in(scope, p)? {
                Some(r) if r.attr.kind == Kind::Complex => check(inner, Scope::Element(r.attr)),
                Some(r) => err(format!(
                    "'{}' has no sub-attributes to filter on",
                    r.attr.name
                )),
                None => Ok(()),
            }
        }
        Filter::Compare(p, op, lit) => {
            let Some(r) = resolve_in(scope, p)? else {
                return Ok(());
            };
            let leaf = r.leaf();
            let kind = if leaf.kind == Kind::Complex {
                // `emails eq "x"` compares the primary `value` sub-attribute.
                match schema::find(leaf.sub, "value") {
                    Some(v) if leaf.multi => v.kind,
                    _ => {
                        return err(format!(
                            "'{}' is complex; compare one of its sub-attributes",
                            display_path(p)
                        ));
                    }
                }
            } else {
                leaf.kind
            };
            if leaf.mutability == schema::Mutability::WriteOnly
                || leaf.returned == schema::Returned::Never
            {
                return err(format!("'{}' cannot be filtered on", display_path(p)));
            }
            match (kind, lit) {
                (_, Literal::Null) => Ok(()),
                (Kind::Boolean, Literal::Bool(_)) if !op.is_ordering() => Ok(()),
                (Kind::Boolean, Literal::Bool(_)) => err(format!(
                    "'{}' is a boolean and cannot be ordered",
                    display_path(p)
                )),
                (Kind::DateTime, Literal::Str(s)) => {
                    if matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
                        || parse_date(s).is_some()
                    {
                        Ok(())
                    } else {
                        err(format!("'{s}' is not an RFC 3339 date-time"))
                    }
                }
                (Kind::String | Kind::Reference, Literal::Str(_)) => Ok(()),
                _ => err(format!(
                    "{} is not a value of the same type as '{}'",
                    literal_text(lit),
                    display_path(p)
                )),
            }
        }
    }
}

fn literal_text(l: &Literal) -> String {
    match l {
        Literal::Str(s) => format!("\"{s}\""),
        Literal::Num(n) => n.to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "null".into(),
    }
}

fn parse_date(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

// ---- evaluation -------------------------------------------------------------------

/// A member of a JSON object by case-insensitive name.
pub fn get_ci<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    let o = obj.as_object()?;
    o.get(name)
        .or_else(|| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

/// The values a resolved path holds in `root`, flattened over multi-valued attributes.
pub fn values_at<'a>(root: &'a Value, r: &Resolved) -> Vec<&'a Value> {
    let container = match r.extension {
        Some(urn) => get_ci(root, urn),
        None => Some(root),
    };
    let Some(v) = container.and_then(|c| get_ci(c, r.attr.name)) else {
        return vec![];
    };
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    match (r.sub, r.attr.kind) {
        (Some(sub), _) => items
            .into_iter()
            .filter_map(|i| get_ci(i, sub.name))
            .collect(),
        (None, Kind::Complex) if r.attr.multi => items
            .into_iter()
            .filter_map(|i| get_ci(i, "value"))
            .collect(),
        _ => items,
    }
}

/// Whether the resource JSON `root` of `kind` matches `f` (already validated).
pub fn matches(f: &Filter, kind: ResourceKind, root: &Value) -> bool {
    eval(f, Scope::Resource(kind), root)
}

/// Whether one value of a complex attribute matches a value filter.
pub fn matches_element(f: &Filter, attr: &'static Attr, element: &Value) -> bool {
    eval(f, Scope::Element(attr), element)
}

fn eval(f: &Filter, scope: Scope, v: &Value) -> bool {
    match f {
        Filter::Or(a, b) => eval(a, scope, v) || eval(b, scope, v),
        Filter::And(a, b) => eval(a, scope, v) && eval(b, scope, v),
        Filter::Not(f) => !eval(f, scope, v),
        Filter::Present(p) => {
            let Ok(Some(r)) = resolve_in(scope, p) else {
                return false;
            };
            values_at(v, &r).into_iter().any(is_present)
        }
        Filter::ValuePath(p, inner) => {
            let Ok(Some(r)) = resolve_in(scope, p) else {
                return false;
            };
            let container = match r.extension {
                Some(urn) => get_ci(v, urn),
                None => Some(v),
            };
            match container.and_then(|c| get_ci(c, r.attr.name)) {
                Some(Value::Array(items)) => {
                    items.iter().any(|i| eval(inner, Scope::Element(r.attr), i))
                }
                Some(obj @ Value::Object(_)) => eval(inner, Scope::Element(r.attr), obj),
                _ => false,
            }
        }
        Filter::Compare(p, op, lit) => {
            let Ok(Some(r)) = resolve_in(scope, p) else {
                // Unkept attributes, and in a server-wide search the attributes another
                // resource type lacks, have no value: `eq null` and `ne "x"` hold.
                return match (op, lit) {
                    (CompareOp::Eq, Literal::Null) => true,
                    (CompareOp::Ne, l) => *l != Literal::Null,
                    _ => false,
                };
            };
            let leaf = r.leaf();
            let (leaf_kind, case_exact) = if leaf.kind == Kind::Complex {
                schema::find(leaf.sub, "value")
                    .map_or((Kind::String, false), |s| (s.kind, s.case_exact))
            } else {
                (leaf.kind, leaf.case_exact)
            };
            let values = values_at(v, &r);
            match (op, lit) {
                (CompareOp::Eq, Literal::Null) => !values.into_iter().any(is_present),
                (_, Literal::Null) => values.into_iter().any(is_present),
                (CompareOp::Ne, _) => !values
                    .into_iter()
                    .any(|x| compare(x, CompareOp::Eq, lit, leaf_kind, case_exact)),
                _ => values
                    .into_iter()
                    .any(|x| compare(x, *op, lit, leaf_kind, case_exact)),
            }
        }
    }
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn compare(actual: &Value, op: CompareOp, lit: &Literal, kind: Kind, case_exact: bool) -> bool {
    match (actual, lit) {
        (Value::Bool(a), Literal::Bool(b)) => op == CompareOp::Eq && a == b,
        (Value::String(a), Literal::Str(b)) => {
            if kind == Kind::DateTime
                && op != CompareOp::Co
                && op != CompareOp::Sw
                && op != CompareOp::Ew
                && let (Some(x), Some(y)) = (parse_date(a), parse_date(b))
            {
                return ordered(x.cmp(&y), op);
            }
            let (a, b) = if case_exact {
                (a.clone(), b.clone())
            } else {
                (a.to_lowercase(), b.to_lowercase())
            };
            match op {
                CompareOp::Co => a.contains(&b),
                CompareOp::Sw => a.starts_with(&b),
                CompareOp::Ew => a.ends_with(&b),
                _ => ordered(a.cmp(&b), op),
            }
        }
        _ => false,
    }
}

fn ordered(o: Ordering, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => o == Ordering::Equal,
        CompareOp::Ne => o != Ordering::Equal,
        CompareOp::Gt => o == Ordering::Greater,
        CompareOp::Ge => o != Ordering::Less,
        CompareOp::Lt => o == Ordering::Less,
        CompareOp::Le => o != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// Orders two resources by the first value at `r` (for `sortBy`): strings by the
/// attribute's case rule, dates as instants; resources without a value sort last.
pub fn sort_key(root: &Value, r: &Resolved) -> Option<String> {
    let leaf = r.leaf();
    let v = values_at(root, r).into_iter().next()?;
    Some(match v {
        Value::String(s) if leaf.kind == Kind::DateTime => parse_date(s)
            .map(|d| format!("{:020}", d.timestamp_micros() + 1_000_000_000_000_000))
            .unwrap_or_else(|| s.clone()),
        Value::String(s) if !leaf.case_exact => s.to_lowercase(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "schemas": [schema::USER_SCHEMA, schema::ENTERPRISE_SCHEMA],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "Ext-1",
            "userName": "BJENSEN@EXAMPLE.COM",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "displayName": "Babs Jensen",
            "title": "Partner",
            "active": true,
            "emails": [{"value": "bjensen@firm.example", "type": "work", "primary": true}],
            "groups": [{"value": "g1", "display": "Litigation"}],
            schema::ENTERPRISE_SCHEMA: {"department": "Tax"},
            "meta": {"resourceType": "User", "created": "2026-01-02T03:04:05Z",
                     "lastModified": "2026-06-01T00:00:00+00:00", "version": "W/\"3\""},
        })
    }

    fn eval_user(text: &str) -> bool {
        let f = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        validate(&f, ResourceKind::User).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        matches(&f, ResourceKind::User, &user())
    }

    fn rejected(text: &str) -> String {
        match parse(text).and_then(|f| validate(&f, ResourceKind::User)) {
            Ok(()) => panic!("{text} was accepted"),
            Err(FilterError(m)) => m,
        }
    }

    #[test]
    fn every_operator() {
        assert!(eval_user(r#"userName eq "bjensen@example.com""#));
        assert!(!eval_user(r#"userName ne "bjensen@example.com""#));
        assert!(eval_user(r#"userName co "JENSEN""#));
        assert!(eval_user(r#"userName sw "bj""#));
        assert!(eval_user(r#"userName ew ".com""#));
        assert!(eval_user(r#"title pr"#));
        assert!(!eval_user(r#"name.formatted pr"#));
        assert!(eval_user(r#"userName gt "a""#));
        assert!(eval_user(r#"userName ge "bjensen@example.com""#));
        assert!(eval_user(r#"userName lt "c""#));
        assert!(eval_user(r#"userName le "bjensen@example.com""#));
        assert!(!eval_user(r#"userName lt "bjensen@example.com""#));
        assert!(eval_user(r#"meta.lastModified gt "2026-05-31T23:00:00Z""#));
        assert!(!eval_user(r#"meta.created ge "2026-01-02T04:04:05+00:59""#));
        assert!(eval_user(r#"meta.created lt "2026-01-02T04:04:05+00:59""#));
        assert!(eval_user("active eq true"));
        assert!(eval_user("active ne false"));
    }

    #[test]
    fn case_rules_follow_the_schema() {
        assert!(eval_user(r#"USERNAME Eq "BJensen@Example.com""#));
        // id and externalId are caseExact.
        assert!(eval_user(r#"externalId eq "Ext-1""#));
        assert!(!eval_user(r#"externalId eq "ext-1""#));
        assert!(eval_user(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "barbara""#
        ));
        assert!(eval_user(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tax""#
        ));
    }

    #[test]
    fn logic_and_precedence() {
        // and binds tighter than or.
        assert!(eval_user(
            r#"title eq "x" and title eq "y" or active eq true"#
        ));
        assert!(!eval_user(
            r#"title eq "x" and (title eq "y" or active eq true)"#
        ));
        assert!(eval_user(r#"not (title eq "x")"#));
        assert!(!eval_user(r#"not(title pr) or not (active eq true)"#));
        assert!(eval_user(
            r#"((userName sw "b") and (not (displayName ew "x")))"#
        ));
    }

    #[test]
    fn value_paths_and_multi_valued_attributes() {
        assert!(eval_user(r#"emails[type eq "work" and value co "@firm"]"#));
        assert!(!eval_user(r#"emails[type eq "home"]"#));
        assert!(eval_user(r#"emails co "@FIRM""#));
        assert!(eval_user(r#"emails.value ew "example""#));
        assert!(eval_user(
            r#"emails[type eq "work"].value eq "bjensen@firm.example""#
        ));
        assert!(eval_user(r#"groups.value eq "g1""#));
        assert!(eval_user(r#"groups eq "g1" and emails[primary eq true]"#));
    }

    #[test]
    fn null_and_unkept_attributes() {
        assert!(eval_user("nickName eq null"));
        assert!(!eval_user(r#"nickName eq "x""#));
        assert!(!eval_user(r#"nickName co "x""#));
        assert!(eval_user(r#"nickName ne "x""#));
        assert!(!eval_user("nickName ne null"));
        assert!(eval_user(
            r#"addresses[type eq "work"] or title eq null or active eq true"#
        ));
        assert!(!eval_user("title eq null"));
        assert!(eval_user("phoneNumbers eq null"));
    }

    #[test]
    fn attributes_a_type_lacks_are_unassigned() {
        let g = json!({"displayName": "Page Group"});
        let f = parse(r#"displayName sw "page" or userName sw "page""#).unwrap();
        assert!(validate(&f, ResourceKind::Group).is_err());
        assert!(matches(&f, ResourceKind::Group, &g));
        assert!(!matches(
            &parse("userName pr").unwrap(),
            ResourceKind::Group,
            &g
        ));
        assert!(matches(
            &parse(r#"userName ne "x""#).unwrap(),
            ResourceKind::Group,
            &g
        ));
    }

    #[test]
    fn malformed_filters_are_rejected() {
        for bad in [
            "",
            "   ",
            "userName",
            r#"userName eq"#,
            r#"userName zz "x""#,
            r#"(userName eq "x""#,
            r#"userName eq "x")"#,
            r#"userName eq "x"#,
            r#"userName eq "x" and"#,
            r#"userName eq "x" or or title pr"#,
            r#"emails[type eq "work""#,
            r#"emails[type eq "work"]]"#,
            r#"not title pr"#,
            r#"userName eq bob"#,
            r#"1abc eq "x""#,
            r#"user*name eq "x""#,
            r#"userName eq "\q""#,
            r#"name.givenName.x eq "x""#,
        ] {
            assert!(
                parse(bad)
                    .and_then(|f| validate(&f, ResourceKind::User))
                    .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn schema_checks() {
        assert!(rejected(r#"shoeSize eq "x""#).contains("no attribute"));
        assert!(rejected(r#"name.middle eq "x""#).contains("no attribute"));
        assert!(rejected("active gt true").contains("boolean"));
        assert!(rejected(r#"userName eq 12"#).contains("same type"));
        assert!(rejected(r#"meta.created gt "yesterday""#).contains("date-time"));
        assert!(rejected(r#"password eq "secret""#).contains("cannot be filtered"));
        assert!(rejected(r#"name eq "x""#).contains("complex"));
        assert!(rejected(r#"emails[shoe eq "x"]"#).contains("sub-attribute"));
        assert!(
            parse(r#"members eq "x""#)
                .and_then(|f| validate(&f, ResourceKind::Group))
                .is_ok()
        );
    }

    #[test]
    fn hostile_filters_are_bounded() {
        let many = (0..10_000)
            .map(|i| format!(r#"userName eq "u{i}""#))
            .collect::<Vec<_>>()
            .join(" or ");
        assert!(parse(&many).is_err());
        let terms = (0..MAX_TERMS + 1)
            .map(|_| "title pr")
            .collect::<Vec<_>>()
            .join(" or ");
        assert!(terms.len() < MAX_LEN);
        assert!(parse(&terms).unwrap_err().0.contains("comparisons"));
        let deep = format!("{}title pr{}", "(".repeat(2000), ")".repeat(2000));
        assert!(parse(&deep).unwrap_err().0.contains("deeper"));
        let nots = format!("{}title pr{}", "not (".repeat(600), ")".repeat(600));
        assert!(parse(&nots).is_err());
        let brackets = "[".repeat(3000);
        assert!(parse(&brackets).is_err());
        let quotes = "\"".repeat(3001);
        assert!(parse(&quotes).is_err());
    }

    #[test]
    fn store_narrowing_only_uses_top_level_conjuncts() {
        let f = parse(r#"userName eq "a" and active eq true"#).unwrap();
        assert_eq!(f.required_eq("username"), Some("a"));
        let f = parse(r#"userName eq "a" or active eq true"#).unwrap();
        assert_eq!(f.required_eq("userName"), None);
        let f = parse(r#"not (userName eq "a")"#).unwrap();
        assert_eq!(f.required_eq("userName"), None);
        assert!(parse(r#"groups[value eq "x"]"#).unwrap().mentions("GROUPS"));
    }

    #[test]
    fn patch_paths() {
        assert_eq!(
            parse_path(schema::ENTERPRISE_SCHEMA),
            Ok(PatchPath::Extension(schema::ENTERPRISE_SCHEMA))
        );
        let PatchPath::Attr { attr, filter } =
            parse_path(r#"emails[type eq "work"].value"#).unwrap()
        else {
            panic!()
        };
        assert_eq!(attr.name, "emails");
        assert_eq!(attr.sub.as_deref(), Some("value"));
        assert!(filter.is_some());
        let PatchPath::Attr { attr, .. } =
            parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")
                .unwrap()
        else {
            panic!()
        };
        assert_eq!(attr.urn.as_deref(), Some(schema::ENTERPRISE_SCHEMA));
        for bad in [
            "",
            "members[",
            r#"members[value eq "x"] x"#,
            "a.b.c",
            r#"emails[type eq "x"].7"#,
        ] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }
}

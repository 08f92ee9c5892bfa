//! iManage identifiers: libraries (`ACTIVE`), containers (`ACTIVE!427`) and document
//! versions (`ACTIVE!453.2`). This module is the one place that parses and prints them.

use std::fmt;
use std::str::FromStr;

use crate::error::DomainError;

/// A library (iManage "database") alias such as `ACTIVE`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LibraryId(String);

impl LibraryId {
    /// Library aliases are what iManage allows for a database name: ASCII letters, digits and
    /// underscores, 1–32 characters, compared case-insensitively (stored upper-case).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok = !raw.is_empty()
            && raw.len() <= 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(raw.to_ascii_uppercase()))
        } else {
            Err(DomainError::invalid(
                "library",
                format!("'{raw}' is not a valid library id"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LibraryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn parse_number(raw: &str, what: &'static str, whole: &str) -> Result<i64, DomainError> {
    // Only plain decimal digits: no sign, no leading `+`, no zero, no overflow.
    let bad = || DomainError::invalid(what, format!("'{whole}' is not a valid {what} id"));
    if raw.is_empty() || raw.len() > 15 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = raw.parse().map_err(|_| bad())?;
    if n < 1 {
        return Err(bad());
    }
    Ok(n)
}

fn split_library<'a>(
    raw: &'a str,
    what: &'static str,
) -> Result<(LibraryId, &'a str), DomainError> {
    let (lib, rest) = raw
        .split_once('!')
        .ok_or_else(|| DomainError::invalid(what, format!("'{raw}' is not a valid {what} id")))?;
    Ok((LibraryId::parse(lib)?, rest))
}

/// A workspace, folder, tab or search folder: `ACTIVE!427`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContainerId {
    pub library: LibraryId,
    pub number: i64,
}

impl ContainerId {
    pub fn new(library: LibraryId, number: i64) -> Self {
        Self { library, number }
    }
}

impl FromStr for ContainerId {
    type Err = DomainError;
    fn from_str(raw: &str) -> Result<Self, DomainError> {
        let (library, rest) = split_library(raw, "container")?;
        Ok(Self {
            library,
            number: parse_number(rest, "container", raw)?,
        })
    }
}

impl fmt::Display for ContainerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}!{}", self.library, self.number)
    }
}

/// One version of a document: `ACTIVE!453.2`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DocumentId {
    pub library: LibraryId,
    pub number: i64,
    pub version: i64,
}

impl DocumentId {
    pub fn new(library: LibraryId, number: i64, version: i64) -> Self {
        Self {
            library,
            number,
            version,
        }
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}!{}.{}", self.library, self.number, self.version)
    }
}

/// A document as a client names it in a URL: with a version (`ACTIVE!453.2`) or without one
/// (`ACTIVE!453`, meaning the latest version).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DocumentRef {
    pub library: LibraryId,
    pub number: i64,
    pub version: Option<i64>,
}

impl FromStr for DocumentRef {
    type Err = DomainError;
    fn from_str(raw: &str) -> Result<Self, DomainError> {
        let (library, rest) = split_library(raw, "document")?;
        let (number, version) = match rest.split_once('.') {
            Some((n, v)) => (
                parse_number(n, "document", raw)?,
                Some(parse_number(v, "document", raw)?),
            ),
            None => (parse_number(rest, "document", raw)?, None),
        };
        Ok(Self {
            library,
            number,
            version,
        })
    }
}

impl fmt::Display for DocumentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            Some(v) => write!(f, "{}!{}.{}", self.library, self.number, v),
            None => write!(f, "{}!{}", self.library, self.number),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_imanage_forms() {
        let d: DocumentRef = "ACTIVE!453.2".parse().unwrap();
        assert_eq!(
            (d.library.as_str(), d.number, d.version),
            ("ACTIVE", 453, Some(2))
        );
        let d: DocumentRef = "active!453".parse().unwrap();
        assert_eq!((d.library.as_str(), d.version), ("ACTIVE", None));
        let c: ContainerId = "ACTIVE!427".parse().unwrap();
        assert_eq!(c.to_string(), "ACTIVE!427");
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "ACTIVE!abc",
            "ACTIVE!1.0",
            "ACTIVE!-3",
            "ACTIVE!",
            "!3",
            "ACTIVE!1.2.3",
            "ACT/../x!1",
            "ACTIVE!+4",
            "ACTIVE!99999999999999999999",
        ] {
            assert!(
                bad.parse::<DocumentRef>().is_err(),
                "{bad} should not parse"
            );
        }
        assert!("ACTIVE!4.1".parse::<ContainerId>().is_err());
    }

    proptest! {
        #[test]
        fn document_ids_round_trip(lib in "[A-Z][A-Z0-9_]{0,20}", n in 1i64..1_000_000_000, v in 1i64..10_000) {
            let id = DocumentId::new(LibraryId::parse(&lib).unwrap(), n, v);
            let back: DocumentRef = id.to_string().parse().unwrap();
            prop_assert_eq!((back.library, back.number, back.version), (id.library, id.number, Some(id.version)));
        }
    }
}

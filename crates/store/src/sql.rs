//! A small SQL builder that numbers `$N` placeholders itself, because sqlx's Any driver on
//! PostgreSQL rejects the `?` placeholders that `QueryBuilder<Any>` writes.

use chrono::{DateTime, Utc};
use dossier_core::custom::{CUSTOM_COUNT, CustomKind};
use dossier_core::{CustomValue, CustomValues};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe, Row};

use crate::{DbResult, Result};

#[derive(Clone, Debug)]
pub enum Param {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
}

impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(Some(v.to_string()))
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(Some(v))
    }
}
impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Self {
        Param::Text(v)
    }
}
impl From<Option<&str>> for Param {
    fn from(v: Option<&str>) -> Self {
        Param::Text(v.map(str::to_string))
    }
}
impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(Some(v))
    }
}
impl From<Option<i64>> for Param {
    fn from(v: Option<i64>) -> Self {
        Param::Int(v)
    }
}
impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Param::Int(Some(i64::from(v)))
    }
}
impl From<DateTime<Utc>> for Param {
    fn from(v: DateTime<Utc>) -> Self {
        Param::Int(Some(v.timestamp_micros()))
    }
}
impl From<Option<DateTime<Utc>>> for Param {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Param::Int(v.map(|t| t.timestamp_micros()))
    }
}

#[derive(Default, Debug, Clone)]
pub struct Sql {
    text: String,
    params: Vec<Param>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_string(),
            params: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the next placeholder and records its value.
    pub fn bind(&mut self, value: impl Into<Param>) -> &mut Self {
        self.params.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.params.len().to_string());
        self
    }

    /// Appends `a, b, c` placeholders for a list.
    pub fn bind_list<P: Into<Param>>(&mut self, values: impl IntoIterator<Item = P>) -> &mut Self {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn query(&self) -> Query<'static, Any, AnyArguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.text.clone()));
        for p in &self.params {
            q = match p.clone() {
                Param::Text(v) => q.bind(v),
                Param::Int(v) => q.bind(v),
                // sqlx 0.9's Any driver sends a NULL f64 to PostgreSQL as FLOAT4 (its Real and
                // Double null mappings are swapped), which poisons the cached statement for a
                // later non-null FLOAT8. A NULL f32 travels as FLOAT8, matching the column.
                Param::Float(None) => q.bind(Option::<f32>::None),
                Param::Float(Some(v)) => q.bind(v),
            };
        }
        q
    }

    pub async fn execute(&self, conn: &mut sqlx::AnyConnection) -> Result<u64> {
        Ok(self.query().execute(conn).await.db()?.rows_affected())
    }

    pub async fn fetch_all(&self, conn: &mut sqlx::AnyConnection) -> Result<Vec<AnyRow>> {
        self.query().fetch_all(conn).await.db()
    }

    pub async fn fetch_optional(&self, conn: &mut sqlx::AnyConnection) -> Result<Option<AnyRow>> {
        self.query().fetch_optional(conn).await.db()
    }

    pub async fn fetch_one(&self, conn: &mut sqlx::AnyConnection) -> Result<AnyRow> {
        self.query().fetch_one(conn).await.db()
    }
}

pub fn ts(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

pub fn get_ts(row: &AnyRow, col: &str) -> Result<DateTime<Utc>> {
    Ok(ts(row.try_get::<i64, _>(col).db()?))
}

pub fn get_opt_ts(row: &AnyRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(row.try_get::<Option<i64>, _>(col).db()?.map(ts))
}

pub fn get_bool(row: &AnyRow, col: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(col).db()? != 0)
}

/// `c1, c2, …, c30`, the custom columns in order.
pub fn custom_columns() -> String {
    (1..=CUSTOM_COUNT)
        .map(|n| format!("c{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds custom1..custom30 as `$a, $b, …` in column order.
pub fn bind_customs(sql: &mut Sql, customs: &CustomValues) {
    for n in 1..=CUSTOM_COUNT {
        if n > 1 {
            sql.push(", ");
        }
        sql.bind(custom_param(n, customs.get(n)));
    }
}

/// The parameter that stores one custom value in its column's type.
pub fn custom_param(n: usize, value: Option<&CustomValue>) -> Param {
    match CustomKind::of(n) {
        CustomKind::Lookup | CustomKind::Text => {
            Param::Text(value.and_then(|v| v.as_text().map(str::to_string)))
        }
        CustomKind::Number => Param::Float(match value {
            Some(CustomValue::Number(f)) => Some(*f),
            _ => None,
        }),
        CustomKind::Timestamp => Param::Int(match value {
            Some(CustomValue::Timestamp(t)) => Some(t.timestamp_micros()),
            _ => None,
        }),
        CustomKind::Boolean => Param::Int(match value {
            Some(CustomValue::Boolean(b)) => Some(i64::from(*b)),
            _ => None,
        }),
    }
}

pub fn read_customs(row: &AnyRow) -> Result<CustomValues> {
    let mut out = CustomValues::default();
    for n in 1..=CUSTOM_COUNT {
        let col = format!("c{n}");
        let value = match CustomKind::of(n) {
            CustomKind::Lookup | CustomKind::Text => row
                .try_get::<Option<String>, _>(col.as_str())
                .db()?
                .map(CustomValue::Text),
            CustomKind::Number => row
                .try_get::<Option<f64>, _>(col.as_str())
                .db()?
                .map(CustomValue::Number),
            CustomKind::Timestamp => row
                .try_get::<Option<i64>, _>(col.as_str())
                .db()?
                .map(|v| CustomValue::Timestamp(ts(v))),
            CustomKind::Boolean => row
                .try_get::<Option<i64>, _>(col.as_str())
                .db()?
                .map(|v| CustomValue::Boolean(v != 0)),
        };
        out.set(n, value);
    }
    Ok(out)
}

/// Paging is part of the query model (`dossier_core::query`); the store only writes it.
pub use dossier_core::query::Page;

impl Sql {
    /// Appends `page`'s `LIMIT/OFFSET`; in cursor mode the keyset condition is the caller's.
    pub fn push_page(&mut self, page: &Page) -> &mut Self {
        self.push(" LIMIT ").bind(page.limit);
        if page.after.is_none() {
            self.push(" OFFSET ").bind(page.offset);
        }
        self
    }
}

/// Turns a user's wildcard pattern (`*` any run, `?` one character) into a LIKE pattern,
/// escaping LIKE's own metacharacters.
pub fn like_pattern(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 2);
    for c in raw.to_lowercase().chars() {
        match c {
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '*' => out.push('%'),
            '?' => out.push('_'),
            _ => out.push(c),
        }
    }
    out
}

//! Workspaces, tabs, folders and search folders.

use dossier_core::changes::{DocumentDefaults, SavedSearch};
use dossier_core::custom::CUSTOM_COUNT;
use dossier_core::model::{Container, ContainerKind};
use dossier_core::query::{ContainerQuery, Templates};

use dossier_core::{ContainerId, CustomValue, DefaultSecurity, DomainError, LibraryId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::acl::Visible;
use crate::sql::{
    Page, Sql, bind_customs, custom_columns, custom_param, get_bool, get_ts, like_pattern,
    read_customs,
};
use crate::{DbResult, Result};

fn columns() -> String {
    format!(
        "library, number, kind, parent, workspace, name, description, owner, author, class, subclass, default_security, email, view_type, default_profile, search_profile, create_date, edit_date, acl, is_template, required, project_custom1, project_custom2, project_custom3, {}",
        custom_columns()
    )
}

fn default_profile(row: &AnyRow) -> Result<Option<DocumentDefaults>> {
    let text: Option<String> = row.try_get("default_profile").db()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

fn search_profile(row: &AnyRow) -> Result<Option<SavedSearch>> {
    let text: Option<String> = row.try_get("search_profile").db()?;
    Ok(text.and_then(|t| SavedSearch::from_json_text(&t).ok()))
}

/// The stored form of a default profile (see `DocumentDefaults`'s `Serialize`).
fn default_profile_text(c: &Container) -> Option<String> {
    c.default_profile
        .as_ref()
        .and_then(|d| serde_json::to_string(d).ok())
}

fn container(row: &AnyRow) -> Result<Container> {
    let kind: String = row.try_get("kind").db()?;
    let security: String = row.try_get("default_security").db()?;
    Ok(Container {
        id: ContainerId::new(
            LibraryId::parse(&row.try_get::<String, _>("library").db()?)?,
            row.try_get("number").db()?,
        ),
        kind: ContainerKind::parse(&kind)
            .ok_or_else(|| DomainError::internal(format!("unknown container kind {kind}")))?,
        parent: row.try_get("parent").db()?,
        workspace: row.try_get("workspace").db()?,
        name: row.try_get("name").db()?,
        description: row.try_get("description").db()?,
        owner: row.try_get("owner").db()?,
        author: row.try_get("author").db()?,
        class: row.try_get("class").db()?,
        subclass: row.try_get("subclass").db()?,
        default_security: DefaultSecurity::parse("default_security", &security)?,
        email: row.try_get("email").db()?,
        view_type: row.try_get("view_type").db()?,
        default_profile: default_profile(row)?,
        search_profile: search_profile(row)?,
        create_date: get_ts(row, "create_date")?,
        edit_date: get_ts(row, "edit_date")?,
        acl: row.try_get("acl").db()?,
        customs: read_customs(row)?,
        is_template: get_bool(row, "is_template")?,
        required: get_bool(row, "required")?,
        project_customs: [
            row.try_get("project_custom1").db()?,
            row.try_get("project_custom2").db()?,
            row.try_get("project_custom3").db()?,
        ],
    })
}

pub async fn insert(conn: &mut AnyConnection, c: &Container) -> Result<()> {
    let mut sql = Sql::new(&format!("INSERT INTO containers ({}) VALUES (", columns()));
    sql.bind(c.id.library.as_str())
        .push(", ")
        .bind(c.id.number)
        .push(", ")
        .bind(c.kind.as_str())
        .push(", ")
        .bind(c.parent)
        .push(", ")
        .bind(c.workspace)
        .push(", ")
        .bind(c.name.as_str())
        .push(", ")
        .bind(c.description.as_str())
        .push(", ")
        .bind(c.owner.as_str())
        .push(", ")
        .bind(c.author.clone())
        .push(", ")
        .bind(c.class.clone())
        .push(", ")
        .bind(c.subclass.clone())
        .push(", ")
        .bind(c.default_security.as_str())
        .push(", ")
        .bind(c.email.clone())
        .push(", ")
        .bind(c.view_type.as_str())
        .push(", ")
        .bind(default_profile_text(c))
        .push(", ")
        .bind(
            c.search_profile
                .as_ref()
                .map(|s| s.as_json_text().to_string()),
        )
        .push(", ")
        .bind(c.create_date)
        .push(", ")
        .bind(c.edit_date)
        .push(", ")
        .bind(c.acl)
        .push(", ")
        .bind(c.is_template)
        .push(", ")
        .bind(c.required)
        .push(", ");
    for p in &c.project_customs {
        sql.bind(p.clone()).push(", ");
    }
    bind_customs(&mut sql, &c.customs);
    sql.push(")");
    sql.execute(conn).await?;
    Ok(())
}

/// Writes every mutable column of the container back.
pub async fn update(conn: &mut AnyConnection, c: &Container) -> Result<()> {
    let mut sql = Sql::new("UPDATE containers SET parent = ");
    sql.bind(c.parent)
        .push(", workspace = ")
        .bind(c.workspace)
        .push(", name = ")
        .bind(c.name.as_str())
        .push(", description = ")
        .bind(c.description.as_str())
        .push(", owner = ")
        .bind(c.owner.as_str())
        .push(", author = ")
        .bind(c.author.clone())
        .push(", class = ")
        .bind(c.class.clone())
        .push(", subclass = ")
        .bind(c.subclass.clone())
        .push(", default_security = ")
        .bind(c.default_security.as_str())
        .push(", email = ")
        .bind(c.email.clone())
        .push(", view_type = ")
        .bind(c.view_type.as_str())
        .push(", default_profile = ")
        .bind(default_profile_text(c))
        .push(", search_profile = ")
        .bind(
            c.search_profile
                .as_ref()
                .map(|s| s.as_json_text().to_string()),
        )
        .push(", required = ")
        .bind(c.required)
        .push(", edit_date = ")
        .bind(c.edit_date);
    for (i, p) in c.project_customs.iter().enumerate() {
        sql.push(&format!(", project_custom{} = ", i + 1))
            .bind(p.clone());
    }
    for n in 1..=CUSTOM_COUNT {
        sql.push(&format!(", c{n} = "))
            .bind(custom_param(n, c.customs.get(n)));
    }
    sql.push(" WHERE library = ")
        .bind(c.id.library.as_str())
        .push(" AND number = ")
        .bind(c.id.number);
    sql.execute(conn).await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &ContainerId) -> Result<Option<Container>> {
    Sql::new(&format!(
        "SELECT {} FROM containers WHERE library = ",
        columns()
    ))
    .bind(id.library.as_str())
    .push(" AND number = ")
    .bind(id.number)
    .fetch_optional(conn)
    .await?
    .map(|r| container(&r))
    .transpose()
}

pub async fn delete(conn: &mut AnyConnection, id: &ContainerId) -> Result<()> {
    Sql::new("DELETE FROM containers WHERE library = ")
        .bind(id.library.as_str())
        .push(" AND number = ")
        .bind(id.number)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count_children(conn: &mut AnyConnection, id: &ContainerId) -> Result<i64> {
    let row = Sql::new("SELECT COUNT(*) AS n FROM containers WHERE library = ")
        .bind(id.library.as_str())
        .push(" AND parent = ")
        .bind(id.number)
        .fetch_one(conn)
        .await?;
    row.try_get("n").db()
}

/// Sets the workspace of every container below `root`, and of the documents filed there
/// (after a move across workspaces).
pub async fn set_workspace_of_subtree(
    conn: &mut AnyConnection,
    root: &ContainerId,
    workspace: i64,
) -> Result<()> {
    let mut pending = vec![root.number];
    while let Some(n) = pending.pop() {
        Sql::new("UPDATE containers SET workspace = ")
            .bind(workspace)
            .push(" WHERE library = ")
            .bind(root.library.as_str())
            .push(" AND number = ")
            .bind(n)
            .execute(conn)
            .await?;
        Sql::new("UPDATE documents SET workspace = ")
            .bind(workspace)
            .push(" WHERE library = ")
            .bind(root.library.as_str())
            .push(" AND number IN (SELECT document FROM filings WHERE is_reference = 0 AND library = ")
            .bind(root.library.as_str())
            .push(" AND folder = ")
            .bind(n)
            .push(")")
            .execute(conn)
            .await?;
        let rows = Sql::new("SELECT number FROM containers WHERE library = ")
            .bind(root.library.as_str())
            .push(" AND parent = ")
            .bind(n)
            .fetch_all(conn)
            .await?;
        for r in rows {
            pending.push(r.try_get("number").db()?);
        }
    }
    Ok(())
}

/// The chain from the workspace down to `id` (inclusive). Bounded, so a corrupt cycle
/// cannot loop forever.
pub async fn ancestors(conn: &mut AnyConnection, id: &ContainerId) -> Result<Vec<Container>> {
    let mut chain = Vec::new();
    let mut next = Some(id.number);
    while let Some(n) = next {
        if chain.len() > 256 {
            return Err(DomainError::internal(format!(
                "container chain of {id} is too deep or cyclic"
            )));
        }
        let Some(c) = get(conn, &ContainerId::new(id.library.clone(), n)).await? else {
            break;
        };
        next = c.parent;
        chain.push(c);
    }
    chain.reverse();
    Ok(chain)
}

fn push_where(sql: &mut Sql, library: &LibraryId, f: &ContainerQuery, visible: Option<&Visible>) {
    sql.push(" WHERE library = ").bind(library.as_str());
    if let Some(v) = visible {
        // Qualified by the table name: the filter's subqueries have containers of their own.
        v.push_filter(sql, crate::acl::Listed::Containers, "containers");
    }
    if !f.kinds.is_empty() {
        sql.push(" AND kind IN (")
            .bind_list(f.kinds.iter().map(|k| k.as_str()))
            .push(")");
    }
    if let Some(p) = f.parent {
        sql.push(" AND parent = ").bind(p);
    }
    if let Some(w) = f.workspace {
        sql.push(" AND workspace = ").bind(w);
    }
    if !f.names.is_empty() {
        sql.push(" AND lower(name) IN (")
            .bind_list(f.names.iter().map(|n| n.to_lowercase()))
            .push(")");
    }
    if let Some(p) = &f.name_or_description {
        let pat = like_pattern(p);
        sql.push(" AND (lower(name) LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR lower(description) LIKE ")
            .bind(pat)
            .push(" ESCAPE '\\')");
    }
    for (column, pattern) in [
        ("description", &f.description),
        ("owner", &f.owner),
        ("email", &f.email),
    ] {
        if let Some(p) = pattern {
            sql.push(&format!(" AND lower({column}) LIKE "))
                .bind(like_pattern(p))
                .push(" ESCAPE '\\'");
        }
    }
    if let Some(w) = &f.workspace_name {
        sql.push(" AND workspace IN (SELECT w.number FROM containers w WHERE w.library = containers.library AND w.kind = 'workspace' AND lower(w.name) LIKE ")
            .bind(like_pattern(w))
            .push(" ESCAPE '\\')");
    }
    for (n, v) in &f.customs {
        match v {
            CustomValue::Text(t) => sql
                .push(&format!(" AND upper(c{n}) = "))
                .bind(t.to_uppercase()),
            other => sql
                .push(&format!(" AND c{n} = "))
                .bind(custom_param(*n, Some(other))),
        };
    }
    if !f.numbers.is_empty() {
        sql.push(" AND number IN (")
            .bind_list(f.numbers.iter().copied())
            .push(")");
    }
    match f.templates {
        Templates::Excluded => sql.push(" AND is_template = 0"),
        Templates::Only => sql.push(" AND is_template = 1"),
        Templates::Included => sql,
    };
}

/// The numbers of every container matching `f` that `visible` admits, in number order.
pub async fn numbers(
    conn: &mut AnyConnection,
    library: &LibraryId,
    f: &ContainerQuery,
    visible: Option<&Visible>,
) -> Result<Vec<i64>> {
    let mut sql = Sql::new("SELECT number FROM containers");
    push_where(&mut sql, library, f, visible);
    sql.push(" ORDER BY number");
    sql.fetch_all(conn)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>("number").db())
        .collect()
}

/// Containers matching `f` that `visible` admits (`None`: every one), in number order,
/// plus the total when asked for.
pub async fn search(
    conn: &mut AnyConnection,
    library: &LibraryId,
    f: &ContainerQuery,
    visible: Option<&Visible>,
    page: Page,
) -> Result<(Vec<Container>, Option<i64>)> {
    let total = if page.want_total {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM containers");
        push_where(&mut sql, library, f, visible);
        Some(sql.fetch_one(conn).await?.try_get::<i64, _>("n").db()?)
    } else {
        None
    };
    let mut sql = Sql::new(&format!("SELECT {} FROM containers", columns()));
    push_where(&mut sql, library, f, visible);
    if let Some(after) = page.after {
        sql.push(" AND number > ").bind(after);
    }
    sql.push(" ORDER BY number");
    sql.push_page(&page);
    let rows = sql.fetch_all(conn).await?;
    Ok((rows.iter().map(container).collect::<Result<_>>()?, total))
}

/// Whether `candidate` lies in the subtree of `ancestor` (or is it).
pub async fn is_within(
    conn: &mut AnyConnection,
    candidate: &ContainerId,
    ancestor: i64,
) -> Result<bool> {
    Ok(ancestors(conn, candidate)
        .await?
        .iter()
        .any(|c| c.id.number == ancestor))
}

/// Numbers of every container in the subtree rooted at `root` (inclusive).
pub async fn subtree(conn: &mut AnyConnection, root: &ContainerId) -> Result<Vec<i64>> {
    let mut out = vec![];
    let mut pending = vec![root.number];
    while let Some(n) = pending.pop() {
        out.push(n);
        let rows = Sql::new("SELECT number FROM containers WHERE library = ")
            .bind(root.library.as_str())
            .push(" AND parent = ")
            .bind(n)
            .fetch_all(conn)
            .await?;
        for r in rows {
            pending.push(r.try_get("number").db()?);
        }
    }
    Ok(out)
}

/// These containers of a library (those that still exist), for the search indexer.
pub async fn many(
    conn: &mut AnyConnection,
    library: &LibraryId,
    numbers: &[i64],
) -> Result<Vec<Container>> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(500) {
        let rows = Sql::new(&format!(
            "SELECT {} FROM containers WHERE library = ",
            columns()
        ))
        .bind(library.as_str())
        .push(" AND number IN (")
        .bind_list(chunk.iter().copied())
        .push(")")
        .fetch_all(conn)
        .await?;
        for r in &rows {
            out.push(container(r)?);
        }
    }
    Ok(out)
}

/// The next `limit` containers after `(library, number)` in (library, number) order: the
/// walk of an index rebuild.
pub async fn walk(
    conn: &mut AnyConnection,
    after: &(String, i64),
    limit: i64,
) -> Result<Vec<(String, i64)>> {
    crate::search::walk_keys(conn, "containers WHERE", after, limit).await
}

/// How many containers there are (a rebuild's progress).
pub async fn count(conn: &mut AnyConnection) -> Result<i64> {
    Sql::new("SELECT COUNT(*) AS n FROM containers")
        .fetch_one(conn)
        .await?
        .try_get("n")
        .db()
}

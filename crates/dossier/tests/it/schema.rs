//! The two migration folders must describe the same schema.

use std::collections::BTreeSet;

use sqlx::{Connection, Row};

use crate::harness::{fresh_postgres, postgres_base};

#[tokio::test]
async fn sqlite_and_postgres_migrations_define_the_same_tables_and_columns() {
    let sqlite_dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/s.db", sqlite_dir.path().display());
    dossier_store::Store::open(&url)
        .await
        .unwrap()
        .migrate()
        .await
        .unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let mut sqlite = BTreeSet::new();
    let tables = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'").fetch_all(&mut conn).await.unwrap();
    for t in tables {
        let name: String = t.get("name");
        for c in sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info({name})")))
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            sqlite.insert(format!("{name}.{}", c.get::<String, _>("name")));
        }
    }
    assert!(sqlite.contains("documents.c30") && sqlite.contains("events.seq"));
    let Some(base) = postgres_base() else { return };
    let (pg_url, _) = fresh_postgres(&base).await;
    dossier_store::Store::open(&pg_url)
        .await
        .unwrap()
        .migrate()
        .await
        .unwrap();
    let mut pg = sqlx::PgConnection::connect(&pg_url).await.unwrap();
    let rows = sqlx::query("SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'").fetch_all(&mut pg).await.unwrap();
    let postgres: BTreeSet<String> = rows
        .iter()
        .map(|r| format!("{}.{}", r.get::<String, _>("t"), r.get::<String, _>("c")))
        .collect();
    assert_eq!(sqlite, postgres);
}

// `sqlx::migrate!` embeds the migration files at compile time; a new file must rebuild
// this crate (sqlx's documented build script).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

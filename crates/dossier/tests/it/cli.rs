//! The binary itself: configuration errors, migrate, admin, healthcheck and check.

use std::process::Command;

fn dossier() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dossier"));
    c.env_remove("DOSSIER_DATABASE_URL")
        .env_remove("DOSSIER_CONTENT_URL")
        .env("DOSSIER_ADMIN_PASSWORD", "cli-admin-pass")
        .env("DOSSIER_LOG", "warn");
    c
}

#[test]
fn a_bad_setting_is_named_with_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let out = dossier()
        .args(["--data-dir", dir.path().to_str().unwrap(), "migrate"])
        .env("DOSSIER_ACCESS_TOKEN_SECONDS", "soon")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("access_token_seconds") && err.contains("DOSSIER_ACCESS_TOKEN_SECONDS"),
        "{err}"
    );
}

#[tokio::test]
async fn serve_healthcheck_admin_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let out = dossier()
        .args(["--data-dir", &data, "migrate"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = dossier()
        .args([
            "--data-dir",
            &data,
            "admin",
            "create-library",
            "ARCHIVE",
            "--description",
            "Closed matters",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A sandbox of it: its configuration (here the seeded one) and none of its content.
    let out = dossier()
        .args([
            "--data-dir",
            &data,
            "admin",
            "create-sandbox",
            "ARCHIVE",
            "ASTEST",
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success()
            && said.contains("created library ASTEST from ARCHIVE")
            && said.contains(" 6 classes"),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = dossier()
        .args([
            "--data-dir",
            &data,
            "admin",
            "create-sandbox",
            "ARCHIVE",
            "ASTEST",
        ])
        .output()
        .unwrap();
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("already exists"),
        "a second sandbox of one name is refused"
    );
    let out = dossier()
        .args(["--data-dir", &data, "admin", "set-password", "admin"])
        .env("DOSSIER_NEW_PASSWORD", "a-new-password")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let listen = free_listen();
    // What a kill -9 during a large upload leaves (reliability review, December 2026):
    // `check` reports it, and the next start removes it.
    let staging = dir.path().join("content").join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let leftover = staging.join("5f0c1d9e-interrupted#1");
    std::fs::write(&leftover, vec![0u8; 4096]).unwrap();
    // And content whose upload failed after storing it: nothing refers to it.
    let unregistered = "ab".repeat(32);
    let blob_dir = dir
        .path()
        .join("content")
        .join("blobs")
        .join("ab")
        .join("ab");
    std::fs::create_dir_all(&blob_dir).unwrap();
    std::fs::write(blob_dir.join(&unregistered), b"orphan").unwrap();
    let out = run_ok(&["--data-dir", &data, "check"], None);
    assert!(
        out.contains("staging/5f0c1d9e-interrupted#1 (4096 bytes)")
            && out.contains(&format!(
                "no document refers to (its upload failed after storing it): {unregistered} (6 bytes)"
            ))
            && out.contains("no damage found"),
        "{out}"
    );
    std::fs::remove_file(blob_dir.join(&unregistered)).unwrap();
    let mut server = dossier()
        .args(["--data-dir", &data, "--listen", &listen, "serve"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let healthy = answers_healthcheck(&listen).await;
    assert!(healthy, "the server answers its health check");
    assert!(!leftover.exists(), "the start removed the leftover");

    let http = reqwest::Client::new();
    let base = format!("http://{listen}");
    let token: serde_json::Value = http
        .post(format!("{base}/auth/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "a-new-password"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"]
        .as_str()
        .expect("the new password works")
        .to_string();
    let libs: serde_json::Value = http
        .get(format!("{base}/work/api/v2/customers/1/libraries"))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<_> = libs["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["ACTIVE", "ARCHIVE", "ASTEST"]);

    let lib = format!("{base}/work/api/v2/customers/1/libraries/ARCHIVE");
    let ws: serde_json::Value = http
        .post(format!("{lib}/workspaces"))
        .header("X-Auth-Token", &token)
        .json(&serde_json::json!({"name": "Old matter"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ws = ws["data"]["id"].as_str().unwrap().to_string();
    let f: serde_json::Value = http
        .post(format!("{lib}/workspaces/{ws}/folders"))
        .header("X-Auth-Token", &token)
        .json(&serde_json::json!({"name": "F"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let f = f["data"]["id"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"archived bytes".to_vec()).file_name("old.txt"),
    );
    let r = http
        .post(format!("{lib}/folders/{f}/documents"))
        .header("X-Auth-Token", &token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    let _ = server.kill();
    let log = server.wait_with_output().unwrap();
    // DOSSIER_ADMIN_PASSWORD is set, but ADMIN exists since `migrate`: the operator is told.
    assert!(
        String::from_utf8_lossy(&log.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&log.stderr)
    );
    // Written into a pipe (a file, a journal), the log has no colour codes.
    assert!(
        !log.stderr.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&log.stderr)
    );

    let out = dossier()
        .args(["--data-dir", &data, "check"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("checked 1 blobs and 1 document versions")
    );

    // Damage one blob on disk: check must find it and fail.
    let blob = crate::harness::walk(&dir.path().join("content").join("blobs"))
        .pop()
        .expect("a blob file");
    std::fs::write(&blob, b"tampered").unwrap();
    let out = dossier()
        .args(["--data-dir", &data, "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("DAMAGE corrupt blob"));
    std::fs::remove_file(&blob).unwrap();
    let out = dossier()
        .args(["--data-dir", &data, "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("DAMAGE missing blob"));
}

/// `127.0.0.1:<a port free just now>`, for a server the test starts itself.
fn free_listen() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("127.0.0.1:{}", l.local_addr().unwrap().port())
}

/// Whether `dossier healthcheck` succeeds against `listen` within 10 s (a server starting).
async fn answers_healthcheck(listen: &str) -> bool {
    for _ in 0..100 {
        let out = dossier()
            .args(["--listen", listen, "healthcheck"])
            .output()
            .unwrap();
        if out.status.success() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

fn run_ok(args: &[&str], password: Option<&str>) -> String {
    let mut c = dossier();
    c.args(args);
    if let Some(p) = password {
        c.env("DOSSIER_NEW_PASSWORD", p);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "dossier {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[tokio::test]
async fn users_and_groups_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let d = ["--data-dir", data.as_str()];
    run_ok(&[d[0], d[1], "migrate"], None);
    let out = run_ok(
        &[
            d[0],
            d[1],
            "user",
            "add",
            "jdoe",
            "--full-name",
            "Jane Doe",
            "--email",
            "jdoe@firm.example",
            "--admin",
        ],
        Some("jane-password"),
    );
    assert!(out.contains("created user JDOE (NRTADMIN)"), "{out}");
    run_ok(
        &[d[0], d[1], "group", "add", "tax", "--full-name", "Tax team"],
        None,
    );
    let out = run_ok(
        &[d[0], d[1], "group", "member", "tax", "add", "jdoe", "admin"],
        None,
    );
    assert!(out.contains("TAX members: ADMIN, JDOE"), "{out}");
    run_ok(&[d[0], d[1], "user", "lock", "jdoe"], None);
    let out = run_ok(&[d[0], d[1], "user", "list"], None);
    assert!(
        out.contains("JDOE\tJane Doe\tjdoe@firm.example\tlocked"),
        "{out}"
    );
    run_ok(&[d[0], d[1], "user", "unlock", "jdoe"], None);
    run_ok(
        &[d[0], d[1], "user", "passwd", "jdoe"],
        Some("jane-new-password"),
    );
    // An unknown user is a clear failure.
    let out = dossier()
        .args([d[0], d[1], "user", "lock", "nobody"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOBODY"));

    // The new password signs in; the audit log names the command line.
    let env = std::collections::BTreeMap::new();
    let flags = vec![("data_dir", Some(data.clone()))];
    let config = dossier::config::load(None, &env, &flags).unwrap();
    let dossier = dossier::open(&config).await.unwrap();
    let tokens = dossier
        .password_grant(
            None,
            "jdoe",
            "jane-new-password",
            Some("admin"),
            &dossier_service::oauth::GrantContext {
                issuer: "http://localhost".into(),
                address: None,
            },
        )
        .await
        .unwrap();
    let caller = dossier.authenticate(&tokens.access_token).await.unwrap();
    assert!(caller.is_admin);
    let log = dossier
        .audit_log(
            &caller,
            &Default::default(),
            dossier_service::Page::default(),
        )
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|r| r.action == "user.create" && r.actor.as_deref() == Some("CONSOLE")),
        "{log:?}"
    );
    dossier.close().await;
}

#[test]
fn migrate_starts_a_new_installation_where_the_other_commands_refuse_to() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("not").join("yet").join("there");
    let fresh = fresh.to_str().unwrap();
    for args in [vec!["check"], vec!["reindex"], vec!["user", "list"]] {
        let out = dossier()
            .args(["--data-dir", fresh])
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("there is no database at"), "{args:?}: {err}");
        assert!(
            !std::path::Path::new(fresh).exists(),
            "{args:?} created the data directory"
        );
    }
    let out = run_ok(&["--data-dir", fresh, "migrate"], None);
    assert!(out.contains("migrations applied"), "{out}");
    let out = run_ok(&["--data-dir", fresh, "check"], None);
    assert!(out.contains("checked 0 blobs"), "{out}");
}

/// A database the server cannot reach or that does not exist is named, not "internal error".
#[test]
fn a_database_that_cannot_be_opened_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let (url, expect) = match crate::harness::postgres_base() {
        Some(base) => (
            format!("{}/dossier_no_such_database", base.trim_end_matches('/')),
            "dossier_no_such_database",
        ),
        None => (
            "postgres://postgres@127.0.0.1:1/dossier".to_string(),
            "refused",
        ),
    };
    let out = dossier()
        .args(["--data-dir", dir.path().to_str().unwrap(), "migrate"])
        .env("DOSSIER_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(expect) && !err.contains("internal error"),
        "{err}"
    );
}

/// SIGTERM (what systemd, Docker and Kubernetes send) during 16 uploads: the server stops
/// accepting, lets every upload in flight finish, and exits 0; none is cut.
#[tokio::test]
async fn sigterm_lets_uploads_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let mut server = Spawned::start(&data).await;
    let (http, token, lib, base) = (
        server.http.clone(),
        server.token.clone(),
        server.lib(),
        server.base.clone(),
    );
    let folder = Spawned::folder(&http, &token, &lib).await;
    // Each upload sends its body over 3 s, so all 16 are mid-body when the signal comes.
    let uploads: Vec<_> = (0..16)
        .map(|i| {
            let http = http.clone();
            let url = format!("{lib}/folders/{folder}/documents");
            let token = token.clone();
            tokio::spawn(async move {
                let chunks = futures::stream::unfold(0u32, move |n| async move {
                    if n == 30 {
                        return None;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    let chunk = bytes::Bytes::from(format!("upload {i} chunk {n}\n").repeat(64));
                    Some((Ok::<_, std::io::Error>(chunk), n + 1))
                });
                let part = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(chunks))
                    .file_name(format!("slow-{i}.txt"));
                http.post(url)
                    .header("X-Auth-Token", token)
                    .multipart(reqwest::multipart::Form::new().part("file", part))
                    .send()
                    .await
                    .map(|r| r.status())
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut statuses = Vec::new();
    for u in uploads {
        statuses.push(u.await.unwrap().map_err(|e| e.to_string()));
    }
    assert!(
        statuses.iter().all(|s| s
            .as_ref()
            .is_ok_and(|st| *st == reqwest::StatusCode::CREATED)),
        "every upload in flight finished: {statuses:?}"
    );
    let exit = tokio::task::spawn_blocking(move || server.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "a graceful stop exits 0: {exit:?}");
    // Stopped: new connections are refused.
    assert!(http.get(format!("{base}/healthz")).send().await.is_err());
    // Everything acknowledged is there after a restart.
    let out = run_ok(&["--data-dir", &data, "check"], None);
    assert!(
        out.contains("checked 16 blobs and 16 document versions"),
        "{out}"
    );
}

/// At a terminal (a pseudo-terminal from util-linux's `script`), `admin set-password` asks
/// for the password twice without echoing it.
#[test]
fn a_password_typed_at_a_terminal_is_asked_for_twice_and_not_echoed() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    run_ok(&["--data-dir", data, "migrate"], None);
    let typed = |first: &str, second: &str| {
        let command = format!(
            "{} --data-dir {data} admin set-password admin",
            env!("CARGO_BIN_EXE_dossier")
        );
        let mut child = std::process::Command::new("script")
            .args(["-q", "-e", "-c", &command, "/dev/null"])
            .env("DOSSIER_LOG", "warn")
            .env_remove("DOSSIER_NEW_PASSWORD")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("util-linux's script runs");
        let mut input = child.stdin.take().unwrap();
        // Each answer once its prompt can have been shown (the terminal discards typeahead
        // when echo is switched off).
        for line in [first, second] {
            std::thread::sleep(std::time::Duration::from_millis(700));
            input.write_all(format!("{line}\n").as_bytes()).unwrap();
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (ok, screen) = typed("a-typed-password-1", "a-typed-password-1");
    assert!(ok, "{screen}");
    assert!(
        screen.contains("New password:") && screen.contains("password of ADMIN changed"),
        "{screen}"
    );
    assert!(!screen.contains("a-typed-password-1"), "echoed: {screen}");
    let (ok, screen) = typed("a-typed-password-2", "a-typo-password-2");
    assert!(!ok && screen.contains("differ"), "{screen}");
}

/// The real binary serving a data directory, signed in as the administrator.
struct Spawned {
    child: std::process::Child,
    base: String,
    http: reqwest::Client,
    token: String,
}

impl Spawned {
    async fn start(data: &str) -> Spawned {
        let listen = free_listen();
        let mut child = dossier()
            .args(["--data-dir", data, "--listen", &listen, "serve"])
            .env("DOSSIER_EXTRACT_PROGRAM", env!("CARGO_BIN_EXE_dossier"))
            .spawn()
            .unwrap();
        let base = format!("http://{listen}");
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = http
                .post(format!("{base}/auth/oauth2/token"))
                .form(&[
                    ("grant_type", "password"),
                    ("username", "admin"),
                    ("password", "cli-admin-pass"),
                ])
                .send()
                .await
            {
                let t: serde_json::Value = r.json().await.unwrap();
                let token = t["access_token"].as_str().expect("signed in").to_string();
                return Spawned {
                    child,
                    base,
                    http,
                    token,
                };
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not start");
    }

    fn lib(&self) -> String {
        format!("{}/work/api/v2/customers/1/libraries/ACTIVE", self.base)
    }

    /// A new workspace with one folder; returns the folder's id.
    async fn folder(http: &reqwest::Client, token: &str, lib: &str) -> String {
        let create = |url: String| async move {
            let v: serde_json::Value = http
                .post(url)
                .header("X-Auth-Token", token)
                .json(&serde_json::json!({"name": "Matter"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["data"]["id"].as_str().unwrap().to_string()
        };
        let ws = create(format!("{lib}/workspaces")).await;
        create(format!("{lib}/workspaces/{ws}/folders")).await
    }

    /// Uploads `bytes` into `folder`; the new document's id without its version, if it was
    /// acknowledged.
    async fn upload(
        http: &reqwest::Client,
        token: &str,
        lib: &str,
        folder: &str,
        bytes: Vec<u8>,
    ) -> Option<String> {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("doc.bin"),
        );
        let r = http
            .post(format!("{lib}/folders/{folder}/documents"))
            .header("X-Auth-Token", token)
            .multipart(form)
            .send()
            .await
            .ok()?;
        if r.status() != reqwest::StatusCode::CREATED {
            return None;
        }
        let v: serde_json::Value = r.json().await.ok()?;
        let id = v["data"]["id"].as_str()?;
        Some(id.rsplit_once('.').map_or(id, |(d, _)| d).to_string())
    }

    async fn download(&self, id: &str) -> (reqwest::StatusCode, Vec<u8>) {
        let r = self
            .http
            .get(format!("{}/documents/{id}/download", self.lib()))
            .header("X-Auth-Token", &self.token)
            .send()
            .await
            .unwrap();
        (r.status(), r.bytes().await.unwrap().to_vec())
    }

    fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// A failing test must not leave its server running.
impl Drop for Spawned {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A backup taken while uploads run restores into a new directory with every document it
/// holds byte for byte; a second backup copies only new blobs; a damaged backup restores
/// nothing; PostgreSQL is refused with the advice to use pg_dump.
#[tokio::test]
async fn a_backup_taken_during_uploads_restores_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let dest = dir.path().join("backup");
    let server = Spawned::start(data).await;
    let lib = server.lib();
    let folder = Spawned::folder(&server.http, &server.token, &lib).await;
    let content = |i: usize| {
        format!("document {i} of the backup test\n")
            .repeat(100 + i * 37)
            .into_bytes()
    };
    let mut before = Vec::new();
    for i in 0..10 {
        let id = Spawned::upload(&server.http, &server.token, &lib, &folder, content(i))
            .await
            .expect("uploaded");
        before.push((id, content(i)));
    }
    // Twenty more uploads run while the backup is taken.
    let during: Vec<_> = (10..30)
        .map(|i| {
            let (http, token, lib, folder) = (
                server.http.clone(),
                server.token.clone(),
                lib.clone(),
                folder.clone(),
            );
            tokio::spawn(async move {
                (
                    Spawned::upload(&http, &token, &lib, &folder, content(i)).await,
                    content(i),
                )
            })
        })
        .collect();
    let backup = |dest: std::path::PathBuf| {
        let data = data.to_string();
        tokio::task::spawn_blocking(move || {
            dossier()
                .args(["--data-dir", &data, "backup", dest.to_str().unwrap()])
                .output()
                .unwrap()
        })
    };
    let out = backup(dest.clone()).await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut racing = Vec::new();
    for u in during {
        racing.push(u.await.unwrap());
    }
    // A second backup into the same place copies only what the first did not hold.
    let out = backup(dest.clone()).await.unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{said}");
    let copied: usize = said
        .split(" blobs, ")
        .next()
        .and_then(|s| s.rsplit('(').next())
        .and_then(|n| n.trim().parse().ok())
        .expect("the count of blobs copied");
    assert!(copied <= 20, "only new blobs are copied: {said}");
    server.stop();

    let restored = dir.path().join("restored");
    let out = dossier()
        .args([
            "--data-dir",
            restored.to_str().unwrap(),
            "restore",
            dest.to_str().unwrap(),
        ])
        .env("DOSSIER_EXTRACT_PROGRAM", env!("CARGO_BIN_EXE_dossier"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = Spawned::start(restored.to_str().unwrap()).await;
    for (id, bytes) in &before {
        assert_eq!(
            server.download(id).await,
            (reqwest::StatusCode::OK, bytes.clone()),
            "{id}"
        );
    }
    // What raced the second backup is there whole (every upload had finished by then).
    for (id, bytes) in &racing {
        let id = id.as_ref().expect("uploaded");
        assert_eq!(
            server.download(id).await,
            (reqwest::StatusCode::OK, bytes.clone()),
            "{id}"
        );
    }
    server.stop();

    // One changed byte in a blob of the backup: nothing is restored.
    let blob = crate::harness::walk(&dest.join("blobs"))
        .pop()
        .expect("a blob");
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    let damaged = dir.path().join("damaged");
    let out = dossier()
        .args([
            "--data-dir",
            damaged.to_str().unwrap(),
            "restore",
            dest.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("the backup is damaged"));
    assert!(!damaged.join("dossier.db").exists(), "nothing was restored");

    let out = dossier()
        .args(["--data-dir", data, "backup", dest.to_str().unwrap()])
        .env(
            "DOSSIER_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/dossier",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
}

/// `log_format = "json"`: every line the server logs is one JSON object.
#[tokio::test]
async fn json_logs_are_one_object_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let listen = free_listen();
    let server = dossier()
        .args(["--data-dir", data, "--listen", &listen, "serve"])
        .env("DOSSIER_LOG_FORMAT", "json")
        .env("DOSSIER_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let healthy = answers_healthcheck(&listen).await;
    // A request with an id of the client's own: answered with it, and logged with it.
    let answer = reqwest::Client::new()
        .get(format!("http://{listen}/healthz"))
        .header("X-Request-Id", "client-request-42")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["x-request-id"], "client-request-42");
    let generated = reqwest::Client::new()
        .get(format!("http://{listen}/healthz"))
        .header("X-Request-Id", "not an id; with spaces")
        .send()
        .await
        .unwrap();
    let generated = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(generated.len() == 32 && generated.bytes().all(|b| b.is_ascii_hexdigit()));
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let log = server.wait_with_output().unwrap();
    assert!(healthy);
    let text = String::from_utf8_lossy(&log.stderr);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("shutting down"))),
        "{text}"
    );
    // The access log: one line per request, with its id, path and status.
    let access = |id: &str| {
        lines.iter().any(|l| {
            l["target"] == "dossier::access"
                && l["span"]["request_id"] == id
                && l["fields"]["path"] == "/healthz"
                && l["fields"]["status"] == 200
        })
    };
    assert!(access("client-request-42") && access(&generated), "{text}");
}

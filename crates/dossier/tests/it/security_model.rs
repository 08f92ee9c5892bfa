//! Security proven against an independent reference. Each case builds a random library
//! through the HTTP API (users, external users, groups, an administrator, workspaces and
//! nested folders with random default securities and trustees, documents by random
//! authors), then asks, for every user and every object, what the server shows and lets
//! them do — and compares each answer with `Reference`, a plain evaluator of the rules
//! written here with loops over the model, sharing no code with the server. Then it
//! re-secures a container and changes a group, and checks everything again (readable-set
//! caches must notice at once).
//!
//! `DOSSIER_SECURITY_CASES` sets the number of random libraries (default 6; `.ci/run` runs
//! more); `DOSSIER_SECURITY_SEED` replays one case.

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN_PASSWORD, TestServer};

const PASSWORD: &str = "model-password";
const LEVELS: [&str; 4] = ["no_access", "read", "read_write", "full_access"];
const DEFAULTS: [&str; 3] = ["public", "view", "private"];
const CLIENTS: [&str; 2] = ["ACME", "GLOBEX"];
const MATTERS: [&str; 2] = ["M1", "M2"];

/// No client, a client alone, or a client and matter.
fn random_matter(rng: &mut StdRng) -> (Option<String>, Option<String>) {
    match rng.random_range(0..3) {
        0 => (None, None),
        1 => (Some(CLIENTS[rng.random_range(0..2)].to_string()), None),
        _ => (
            Some(CLIENTS[rng.random_range(0..2)].to_string()),
            Some(MATTERS[rng.random_range(0..2)].to_string()),
        ),
    }
}

fn random_wall(rng: &mut StdRng, m: &Model) -> ModelWall {
    let (mut client, mut matter, mut workspace) = (None, None, None);
    match rng.random_range(0..3) {
        0 => client = Some(CLIENTS[rng.random_range(0..2)].to_string()),
        1 => {
            client = Some(CLIENTS[rng.random_range(0..2)].to_string());
            matter = Some(MATTERS[rng.random_range(0..2)].to_string());
        }
        _ => {
            let workspaces: Vec<usize> = (0..m.containers.len())
                .filter(|i| m.containers[*i].is_workspace)
                .collect();
            workspace = Some(workspaces[rng.random_range(0..workspaces.len())]);
        }
    }
    ModelWall {
        id: 0,
        inclusive: rng.random_bool(0.5),
        client,
        matter,
        workspace,
        users: m
            .users
            .iter()
            .filter(|_| rng.random_bool(0.3))
            .map(|u| u.id.clone())
            .collect(),
        groups: m
            .groups
            .keys()
            .filter(|_| rng.random_bool(0.3))
            .cloned()
            .collect(),
    }
}

fn wall_body(m: &Model, w: &ModelWall) -> Value {
    json!({"name": "wall", "kind": if w.inclusive { "inclusive" } else { "exclusive" },
           "client": w.client, "matter": w.matter,
           "workspace_id": w.workspace.map(|i| m.containers[i].id.clone()),
           "users": w.users, "groups": w.groups})
}

#[derive(Clone, Debug)]
struct User {
    id: String,
    external: bool,
    admin: bool,
    token: String,
}

#[derive(Clone, Debug)]
struct Entry {
    group: bool,
    id: String,
    level: usize,
}

#[derive(Clone, Debug)]
struct Object {
    /// The server's id (`LIB!n`).
    id: String,
    /// Index of the parent container (a document's home folder).
    parent: Option<usize>,
    is_workspace: bool,
    default: String,
    entries: Vec<Entry>,
    owner: String,
    /// custom1 / custom2
    client: Option<String>,
    matter: Option<String>,
}

#[derive(Clone, Debug)]
struct ModelWall {
    id: i64,
    inclusive: bool,
    client: Option<String>,
    matter: Option<String>,
    /// A container index, for a workspace wall.
    workspace: Option<usize>,
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
}

#[derive(Debug, Default)]
struct Model {
    library: String,
    users: Vec<User>,
    /// group id → members
    groups: BTreeMap<String, BTreeSet<String>>,
    containers: Vec<Object>,
    documents: Vec<Object>,
    walls: Vec<ModelWall>,
}

/// The rules, evaluated the slow and obvious way.
struct Reference<'a>(&'a Model);

impl Reference<'_> {
    fn object(&self, is_document: bool, i: usize) -> &Object {
        if is_document {
            &self.0.documents[i]
        } else {
            &self.0.containers[i]
        }
    }

    /// The object whose security applies: walk up while the default security is inherit.
    fn governing(&self, is_document: bool, i: usize) -> &Object {
        let mut o = self.object(is_document, i);
        while o.default == "inherit" {
            o = &self.0.containers[o.parent.expect("an inheriting object has a parent")];
        }
        o
    }

    /// The workspace an object lies in: walk up to the root.
    fn workspace(&self, is_document: bool, i: usize) -> usize {
        let mut at = if is_document {
            self.0.documents[i].parent.expect("filed")
        } else {
            i
        };
        while let Some(p) = self.0.containers[at].parent {
            at = p;
        }
        at
    }

    /// Whether a wall shuts the user out of the object: a wall covers an object whose own
    /// client (and matter) match, or whose workspace's do, or that lies in its workspace.
    fn walled_out(&self, user: &User, is_document: bool, i: usize) -> bool {
        let o = self.object(is_document, i);
        let ws_index = self.workspace(is_document, i);
        let ws = &self.0.containers[ws_index];
        for w in &self.0.walls {
            let pair = |x: &Object| match (&w.client, &w.matter) {
                (Some(c), Some(m)) => x.client.as_ref() == Some(c) && x.matter.as_ref() == Some(m),
                (Some(c), None) => x.client.as_ref() == Some(c),
                _ => false,
            };
            let covers = match w.workspace {
                Some(x) => x == ws_index,
                None => pair(o) || pair(ws),
            };
            if !covers {
                continue;
            }
            let mut inside = w.users.contains(&user.id);
            for g in &w.groups {
                if self.0.groups.get(g).is_some_and(|m| m.contains(&user.id)) {
                    inside = true;
                }
            }
            if inside != w.inclusive {
                return true;
            }
        }
        false
    }

    fn level(&self, user: &User, is_document: bool, i: usize) -> usize {
        if self.walled_out(user, is_document, i) {
            return 0;
        }
        if user.admin {
            return 3;
        }
        if self.object(is_document, i).owner == user.id {
            return 3;
        }
        let g = self.governing(is_document, i);
        let mut own = None;
        for e in &g.entries {
            if !e.group && e.id == user.id {
                own = Some(e.level);
            }
        }
        if let Some(l) = own {
            return l;
        }
        let mut group_levels = Vec::new();
        for e in &g.entries {
            if e.group
                && self
                    .0
                    .groups
                    .get(&e.id)
                    .is_some_and(|m| m.contains(&user.id))
            {
                group_levels.push(e.level);
            }
        }
        if !group_levels.is_empty() {
            if group_levels.contains(&0) {
                return 0;
            }
            return *group_levels.iter().max().expect("not empty");
        }
        if user.external {
            return 0;
        }
        match g.default.as_str() {
            "public" => 2,
            "view" => 1,
            _ => 0,
        }
    }
}

async fn call(
    s: &TestServer,
    token: &str,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = s.http.request(method, url).header("X-Auth-Token", token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.expect("request");
    let status = r.status();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn random_entries(rng: &mut StdRng, m: &Model) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for _ in 0..rng.random_range(0..3) {
        let group = rng.random_bool(0.5) && !m.groups.is_empty();
        let id = if group {
            m.groups
                .keys()
                .nth(rng.random_range(0..m.groups.len()))
                .expect("group")
                .clone()
        } else {
            m.users[rng.random_range(0..m.users.len())].id.clone()
        };
        if out.iter().any(|e| e.group == group && e.id == id) {
            continue;
        }
        out.push(Entry {
            group,
            id,
            level: rng.random_range(0..4),
        });
    }
    out
}

fn trustee_body(entries: &[Entry]) -> (Value, Value) {
    let pick = |group: bool| {
        entries
            .iter()
            .filter(|e| e.group == group)
            .map(|e| json!({"id": e.id, "access_level": LEVELS[e.level]}))
            .collect::<Vec<_>>()
    };
    (Value::Array(pick(false)), Value::Array(pick(true)))
}

/// Builds a random library through the API as the administrator.
async fn build(s: &TestServer, admin: &str, case: u64, rng: &mut StdRng) -> Model {
    let library = format!("SEC{case}");
    s.dossier()
        .create_library(&library, "security case")
        .await
        .expect("library");
    let v2 = format!("{}/work/api/v2/customers/1", s.base);
    let lib = format!("{v2}/libraries/{library}");
    let mut m = Model {
        library: library.clone(),
        ..Model::default()
    };
    // Walls bind administrators too; the administrator who builds and changes the model
    // holds the audited break-glass role in this library.
    let (st, b) = call(
        s,
        admin,
        Method::PUT,
        &format!("{v2}/users/ADMIN/libraries/{library}"),
        Some(json!({"role": "BREAK_GLASS"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    for i in 0..rng.random_range(3..6) {
        let id = format!("C{case}U{i}");
        let external = rng.random_bool(0.25);
        let (st, b) = call(s, admin, Method::POST, &format!("{v2}/users"), Some(json!({"id": id, "password": PASSWORD, "is_external": external, "libraries": [library]}))).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        m.users.push(User {
            id,
            external,
            admin: false,
            token: String::new(),
        });
    }
    if rng.random_bool(0.3) {
        let who = m.users[0].id.clone();
        let (st, b) = call(
            s,
            admin,
            Method::PUT,
            &format!("{v2}/groups/NRTADMIN/members"),
            Some(json!({"action": "add", "data": [who]})),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        m.users[0].admin = true;
    }
    for g in 0..rng.random_range(1..4) {
        let id = format!("C{case}G{g}");
        let members: BTreeSet<String> = m
            .users
            .iter()
            .filter(|_| rng.random_bool(0.5))
            .map(|u| u.id.clone())
            .collect();
        let (st, b) = call(
            s,
            admin,
            Method::POST,
            &format!("{v2}/groups"),
            Some(json!({"id": id, "members": members})),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        m.groups.insert(id, members);
    }
    let owners: Vec<String> = m
        .users
        .iter()
        .map(|u| u.id.clone())
        .chain(["ADMIN".to_string()])
        .collect();
    // Two clients with two matters each, for walls to cover.
    for client in CLIENTS {
        let (st, b) = call(
            s,
            admin,
            Method::POST,
            &format!("{lib}/customs/custom1"),
            Some(json!({"id": client, "description": client})),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        for matter in MATTERS {
            let (st, b) = call(
                s,
                admin,
                Method::POST,
                &format!("{lib}/customs/custom2"),
                Some(json!({"id": matter, "description": matter, "parent": {"id": client}})),
            )
            .await;
            assert_eq!(st, StatusCode::CREATED, "{b}");
        }
    }
    for _ in 0..rng.random_range(1..3) {
        let default = DEFAULTS[rng.random_range(0..3)].to_string();
        let entries = random_entries(rng, &m);
        let owner = owners[rng.random_range(0..owners.len())].clone();
        let (ut, gt) = trustee_body(&entries);
        let (client, matter) = random_matter(rng);
        let (st, b) = call(s, admin, Method::POST, &format!("{lib}/workspaces"), Some(json!({"name": "matter", "default_security": default, "owner": owner, "user_trustees": ut, "group_trustees": gt, "custom1": client, "custom2": matter}))).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        m.containers.push(Object {
            id: b["data"]["id"].as_str().expect("id").into(),
            parent: None,
            is_workspace: true,
            default,
            entries,
            owner,
            client,
            matter,
        });
    }
    for _ in 0..rng.random_range(2..7) {
        let parent = rng.random_range(0..m.containers.len());
        // An inheriting object gets no trustees of its own (that case is the snapshot rule,
        // tested on its own below).
        let default = if rng.random_bool(0.5) {
            "inherit".to_string()
        } else {
            DEFAULTS[rng.random_range(0..3)].to_string()
        };
        let entries = if default == "inherit" {
            Vec::new()
        } else {
            random_entries(rng, &m)
        };
        let owner = owners[rng.random_range(0..owners.len())].clone();
        let (ut, gt) = trustee_body(&entries);
        let p = &m.containers[parent];
        let url = if p.is_workspace {
            format!("{lib}/workspaces/{}/folders", p.id)
        } else {
            format!("{lib}/folders/{}/subfolders", p.id)
        };
        let (st, b) = call(s, admin, Method::POST, &url, Some(json!({"name": "folder", "default_security": default, "owner": owner, "user_trustees": ut, "group_trustees": gt}))).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        m.containers.push(Object {
            id: b["data"]["id"].as_str().expect("id").into(),
            parent: Some(parent),
            is_workspace: false,
            default,
            entries,
            owner,
            client: None,
            matter: None,
        });
    }
    let folders: Vec<usize> = (0..m.containers.len())
        .filter(|i| !m.containers[*i].is_workspace)
        .collect();
    for n in 0..rng.random_range(3..9) {
        let folder = folders[rng.random_range(0..folders.len())];
        let default = if rng.random_bool(0.5) {
            "inherit".to_string()
        } else {
            DEFAULTS[rng.random_range(0..3)].to_string()
        };
        let entries = if default == "inherit" {
            Vec::new()
        } else {
            random_entries(rng, &m)
        };
        let author = owners[rng.random_range(0..owners.len())].clone();
        let (ut, gt) = trustee_body(&entries);
        let (client, matter) = random_matter(rng);
        let profile = json!({"doc_profile": {"author": author, "default_security": default, "custom1": client, "custom2": matter}, "user_trustees": ut, "group_trustees": gt});
        let form = TestServer::upload_form(
            profile,
            &format!("d{n}.txt"),
            format!("case {case} doc {n}").into_bytes(),
        );
        let r = s
            .http
            .post(format!(
                "{lib}/folders/{}/documents",
                m.containers[folder].id
            ))
            .header("X-Auth-Token", admin)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let st = r.status();
        let b: Value = r.json().await.expect("json");
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let id = b["data"]["id"].as_str().expect("id");
        // The version suffix goes: `LIB!n.1` names one version, `LIB!n` the document.
        let id = id.rsplit_once('.').map_or(id, |(d, _)| d).to_string();
        m.documents.push(Object {
            id,
            parent: Some(folder),
            is_workspace: false,
            default,
            entries,
            owner: author,
            client,
            matter,
        });
    }
    for _ in 0..rng.random_range(0..3) {
        let wall = random_wall(rng, &m);
        let (st, b) = call(
            s,
            admin,
            Method::POST,
            &format!("{lib}/walls"),
            Some(wall_body(&m, &wall)),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        m.walls.push(ModelWall {
            id: b["data"]["id"].as_i64().expect("wall id"),
            ..wall
        });
    }
    for u in &mut m.users {
        u.token = s.login(&u.id, PASSWORD).await;
    }
    m
}

/// The objects of a list as `D:LIB!n` (documents, any version) and `C:LIB!n` (containers):
/// documents and containers are numbered separately, so `LIB!4` can name one of each.
fn ids(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|o| {
            let id = o["id"].as_str().expect("id");
            if matches!(o["wstype"].as_str(), Some("document" | "email")) {
                doc_key(id.rsplit_once('.').map_or(id, |(d, _)| d))
            } else {
                con_key(id)
            }
        })
        .collect()
}

fn doc_key(id: &str) -> String {
    format!("D:{id}")
}

fn con_key(id: &str) -> String {
    format!("C:{id}")
}

/// Checks every user against the reference; returns the number of comparisons made.
async fn check(s: &TestServer, m: &Model, seed: u64, round: &str) -> usize {
    let reference = Reference(m);
    // Searches below must see every change made so far (a re-secured subtree is re-keyed
    // in the index by the indexer).
    s.wait_for_index().await;
    let lib = format!("{}/work/api/v2/customers/1/libraries/{}", s.base, m.library);
    let mut checks = 0;
    for u in &m.users {
        let ctx = |what: &str| {
            format!(
                "seed {seed} {round}: user {} ({}{}) {what}",
                u.id,
                if u.external { "external" } else { "internal" },
                if u.admin { ", NRTADMIN" } else { "" }
            )
        };
        let doc_levels: Vec<usize> = (0..m.documents.len())
            .map(|i| reference.level(u, true, i))
            .collect();
        let con_levels: Vec<usize> = (0..m.containers.len())
            .map(|i| reference.level(u, false, i))
            .collect();
        for (i, d) in m.documents.iter().enumerate() {
            let want = doc_levels[i];
            let readable = want >= 1;
            let expect = if readable {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            for path in [
                "",
                "/versions",
                "/history",
                "/path",
                "/download",
                "/security",
                "/name-value-pairs",
            ] {
                let r = s
                    .http
                    .get(format!("{lib}/documents/{}{path}", d.id))
                    .header("X-Auth-Token", &u.token)
                    .send()
                    .await
                    .expect("GET");
                assert_eq!(
                    r.status(),
                    expect,
                    "{}",
                    ctx(&format!("GET document {}{path}, level {want}", d.id))
                );
                if path.is_empty() && readable {
                    // The profile names the document's workspace exactly when the caller
                    // may read that workspace, as the path below shows only readable
                    // containers.
                    let body: Value = r.json().await.expect("json");
                    let ws = reference.workspace(true, i);
                    assert_eq!(
                        body["data"].get("workspace_name").is_some(),
                        con_levels[ws] >= 1,
                        "{}",
                        ctx(&format!(
                            "workspace name on the profile of {} (workspace {})",
                            d.id, m.containers[ws].id
                        ))
                    );
                    assert_eq!(
                        body["data"].get("workspace_id").is_some(),
                        con_levels[ws] >= 1,
                        "{}",
                        ctx(&format!("workspace id on the profile of {}", d.id))
                    );
                } else if path == "/path" && readable {
                    let body: Value = r.json().await.expect("json");
                    for chain in body["data"].as_array().expect("paths") {
                        for c in ids(chain) {
                            let ci = m
                                .containers
                                .iter()
                                .position(|x| con_key(&x.id) == c)
                                .expect("known container");
                            assert!(
                                con_levels[ci] >= 1,
                                "{}",
                                ctx(&format!("path of {} shows unreadable {c}", d.id))
                            );
                        }
                    }
                }
                checks += 1;
            }
            // Editing: a 404 below read, a 403 below read/write.
            let (st, _) = call(
                s,
                &u.token,
                Method::PATCH,
                &format!("{lib}/documents/{}", d.id),
                Some(json!({"comment": format!("edit by {}", u.id)})),
            )
            .await;
            let expect = match want {
                0 => StatusCode::NOT_FOUND,
                1 => StatusCode::FORBIDDEN,
                _ => StatusCode::OK,
            };
            assert_eq!(
                st,
                expect,
                "{}",
                ctx(&format!("PATCH document {}, level {want}", d.id))
            );
            checks += 1;
            if want < 3 {
                let (st, _) = call(
                    s,
                    &u.token,
                    Method::POST,
                    &format!("{lib}/documents/{}/security", d.id),
                    Some(json!({"default_security": "public"})),
                )
                .await;
                let expect = if readable {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::NOT_FOUND
                };
                assert_eq!(
                    st,
                    expect,
                    "{}",
                    ctx(&format!("POST security of {}, level {want}", d.id))
                );
                checks += 1;
            }
        }
        for (i, c) in m.containers.iter().enumerate() {
            let want = con_levels[i];
            let kind = if c.is_workspace {
                "workspaces"
            } else {
                "folders"
            };
            let expect = if want >= 1 {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            let (st, body) = call(
                s,
                &u.token,
                Method::GET,
                &format!("{lib}/{kind}/{}/children?total=true&limit=9999", c.id),
                None,
            )
            .await;
            assert_eq!(
                st,
                expect,
                "{}",
                ctx(&format!("children of {}, level {want}", c.id))
            );
            checks += 1;
            if want >= 1 {
                let mut visible: BTreeSet<String> = BTreeSet::new();
                for (j, x) in m.containers.iter().enumerate() {
                    if x.parent == Some(i) && con_levels[j] >= 1 {
                        visible.insert(con_key(&x.id));
                    }
                }
                for (j, x) in m.documents.iter().enumerate() {
                    if x.parent == Some(i) && doc_levels[j] >= 1 {
                        visible.insert(doc_key(&x.id));
                    }
                }
                assert_eq!(
                    ids(&body["data"]),
                    visible,
                    "{}",
                    ctx(&format!("children of {}", c.id))
                );
                assert_eq!(
                    body["total_count"],
                    visible.len(),
                    "{} {body}",
                    ctx(&format!("children count of {}", c.id))
                );
                checks += 2;
            }
            for path in ["", "/security", "/name-value-pairs"] {
                let (st, _) = call(
                    s,
                    &u.token,
                    Method::GET,
                    &format!("{lib}/{kind}/{}{path}", c.id),
                    None,
                )
                .await;
                assert_eq!(
                    st,
                    expect,
                    "{}",
                    ctx(&format!("GET {}{path}, level {want}", c.id))
                );
                checks += 1;
            }
            let (st, _) = call(
                s,
                &u.token,
                Method::PATCH,
                &format!("{lib}/{kind}/{}", c.id),
                Some(json!({"description": format!("by {}", u.id)})),
            )
            .await;
            let expect = match want {
                0 => StatusCode::NOT_FOUND,
                1 => StatusCode::FORBIDDEN,
                _ => StatusCode::OK,
            };
            assert_eq!(
                st,
                expect,
                "{}",
                ctx(&format!("PATCH {}, level {want}", c.id))
            );
            checks += 1;
        }
        // Library-wide lists and counts.
        let (st, body) = call(
            s,
            &u.token,
            Method::GET,
            &format!("{lib}/documents?total=true&limit=9999"),
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        let want: BTreeSet<String> = m
            .documents
            .iter()
            .enumerate()
            .filter(|(j, _)| doc_levels[*j] >= 1)
            .map(|(_, d)| doc_key(&d.id))
            .collect();
        assert_eq!(
            ids(&body["data"]["results"]),
            want,
            "{}",
            ctx("document search")
        );
        assert_eq!(body["total_count"], want.len(), "{}", ctx("document count"));
        let names_shown = |body: &Value| -> BTreeMap<String, bool> {
            body["data"]["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|d| {
                    let key = ids(&json!([d])).pop_first().expect("an id");
                    (key, d.get("workspace_name").is_some())
                })
                .collect()
        };
        let names_readable: BTreeMap<String, bool> = m
            .documents
            .iter()
            .enumerate()
            .filter(|(j, _)| doc_levels[*j] >= 1)
            .map(|(j, d)| {
                (
                    doc_key(&d.id),
                    con_levels[reference.workspace(true, j)] >= 1,
                )
            })
            .collect();
        assert_eq!(
            names_shown(&body),
            names_readable,
            "{}",
            ctx("workspace names in the document list")
        );
        // Full-text search: the same readable set, counted and faceted inside the index.
        let (st, body) = call(
            s,
            &u.token,
            Method::GET,
            &format!("{lib}/documents?anywhere=case&total=true&limit=9999&facets=custom1,custom2"),
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        assert_eq!(
            ids(&body["data"]["results"]),
            want,
            "{}",
            ctx("full-text search hits")
        );
        assert_eq!(
            body["total_count"],
            want.len(),
            "{}",
            ctx("full-text search total")
        );
        assert_eq!(
            names_shown(&body),
            names_readable,
            "{}",
            ctx("workspace names in full-text search hits")
        );
        for (field, value_of) in [
            (
                "custom1",
                (|d: &Object| d.client.clone()) as fn(&Object) -> Option<String>,
            ),
            ("custom2", |d: &Object| d.matter.clone()),
        ] {
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for (j, d) in m.documents.iter().enumerate() {
                if doc_levels[j] >= 1
                    && let Some(v) = value_of(d)
                {
                    *counts.entry(v).or_default() += 1;
                }
            }
            let got: BTreeMap<String, u64> = body["data"]["facets"][field]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|f| {
                            (
                                f["alias"].as_str().expect("alias").to_string(),
                                f["count"].as_u64().expect("count"),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(got, counts, "{}", ctx(&format!("{field} facet counts")));
        }
        checks += 3;
        // A page of the trimmed list is that slice of the readable documents in number order.
        let mut ordered: Vec<(i64, String)> = want
            .iter()
            .map(|k| {
                let n = k
                    .rsplit('!')
                    .next()
                    .expect("number")
                    .parse::<i64>()
                    .expect("number");
                (n, k.clone())
            })
            .collect();
        ordered.sort();
        let (_, page) = call(
            s,
            &u.token,
            Method::GET,
            &format!("{lib}/documents?limit=2&offset=1"),
            None,
        )
        .await;
        let got: Vec<String> = page["data"]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|o| {
                doc_key(
                    o["id"]
                        .as_str()
                        .expect("id")
                        .rsplit_once('.')
                        .map_or("", |(d, _)| d),
                )
            })
            .collect();
        let expected: Vec<String> = ordered
            .iter()
            .skip(1)
            .take(2)
            .map(|(_, k)| k.clone())
            .collect();
        assert_eq!(
            got,
            expected,
            "{}",
            ctx("document page 2 of 2 from offset 1")
        );
        let (_, body) = call(
            s,
            &u.token,
            Method::POST,
            &format!("{lib}/documents/search"),
            Some(json!({"filters": {}, "limit": 9999})),
        )
        .await;
        assert_eq!(ids(&body["data"]), want, "{}", ctx("POST document search"));
        let (_, body) = call(
            s,
            &u.token,
            Method::GET,
            &format!("{lib}/workspaces?total=true&limit=9999"),
            None,
        )
        .await;
        let want: BTreeSet<String> = m
            .containers
            .iter()
            .enumerate()
            .filter(|(j, c)| c.is_workspace && con_levels[*j] >= 1)
            .map(|(_, c)| con_key(&c.id))
            .collect();
        assert_eq!(
            ids(&body["data"]["results"]),
            want,
            "{}",
            ctx("workspace search")
        );
        assert_eq!(
            body["total_count"],
            want.len(),
            "{}",
            ctx("workspace count")
        );
        // The same workspaces through the search index: hits and total trimmed inside it.
        let (st, body) = call(
            s,
            &u.token,
            Method::GET,
            &format!("{lib}/workspaces?anywhere=matter&total=true&limit=9999"),
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        assert_eq!(
            ids(&body["data"]["results"]),
            want,
            "{}",
            ctx("workspace full-text search hits")
        );
        assert_eq!(
            body["total_count"],
            want.len(),
            "{}",
            ctx("workspace full-text search total")
        );
        let want_folders: BTreeSet<String> = m
            .containers
            .iter()
            .enumerate()
            .filter(|(j, c)| !c.is_workspace && con_levels[*j] >= 1)
            .map(|(_, c)| con_key(&c.id))
            .collect();
        let (st, body) = call(
            s,
            &u.token,
            Method::GET,
            &format!("{lib}/folders/search?anywhere=folder&total=true&limit=9999"),
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        assert_eq!(
            ids(&body["data"]["results"]),
            want_folders,
            "{}",
            ctx("folder full-text search hits")
        );
        assert_eq!(
            body["total_count"],
            want_folders.len(),
            "{}",
            ctx("folder full-text search total")
        );
        checks += 4;
        // The change-events feed: exactly the library's events the reference says the
        // user may be told of.
        checks += check_feed(s, m, &reference, u, &ctx("change-events")).await;
    }
    checks
}

/// Whether the reference lets `u` be told of an outbox row, read from its stored strings
/// (not the server's decoding of them): every document (`LIB!n.v`) and container (`LIB!n`)
/// it names must be readable; a lookup entry is for every member of the library (all the
/// model's users are); a wall (`wall N`) for administrators.
fn feed_reference(m: &Model, reference: &Reference<'_>, u: &User, row: &EventRow) -> bool {
    if row.item_type == "lookup" {
        return true;
    }
    if row.object_id.starts_with("wall ") {
        return u.admin;
    }
    [
        Some(&row.object_id),
        row.related.as_ref(),
        row.root.as_ref(),
    ]
    .into_iter()
    .flatten()
    .all(|id| {
        let (document, id) = match id.rsplit_once('.') {
            Some((d, _)) => (true, d),
            None => (false, id.as_str()),
        };
        let objects = if document {
            &m.documents
        } else {
            &m.containers
        };
        let i = objects
            .iter()
            .position(|o| o.id == id)
            .unwrap_or_else(|| panic!("the outbox names {id}, which the model does not know"));
        reference.level(u, document, i) >= 1
    })
}

/// An outbox row's strings, as stored.
#[derive(Debug)]
struct EventRow {
    seq: i64,
    item_type: String,
    object_id: String,
    related: Option<String>,
    root: Option<String>,
}

/// Reads the whole feed as `u` in pages of 7 and compares the events shown with every
/// event of the library's outbox that the reference lets `u` be told of. Returns the
/// comparisons made.
async fn check_feed(
    s: &TestServer,
    m: &Model,
    reference: &Reference<'_>,
    u: &User,
    ctx: &str,
) -> usize {
    let lib = format!("{}/work/api/v2/customers/1/libraries/{}", s.base, m.library);
    let mut conn = s.dossier().store().read().await.expect("connection");
    let rows: Vec<EventRow> =
        dossier_store::events::after(&mut conn, &m.library, 0, 1_000_000, None, None)
            .await
            .expect("outbox")
            .into_iter()
            .map(|e| EventRow {
                seq: e.seq,
                item_type: e.row.item_type,
                object_id: e.row.object_id,
                related: e.row.related_object_id,
                root: e.row.root_id,
            })
            .collect();
    drop(conn);
    let want: Vec<i64> = rows
        .iter()
        .filter(|r| feed_reference(m, reference, u, r))
        .map(|r| r.seq)
        .collect();
    let mut got = Vec::new();
    let mut cursor = 0i64;
    loop {
        let (st, page) = call(
            s,
            &u.token,
            Method::GET,
            &format!("{lib}/change-events?cursor={cursor}&limit=7"),
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{ctx}: {page}");
        let events = page["data"].as_array().expect("events");
        assert!(events.len() <= 7, "{ctx}: {page}");
        got.extend(
            events
                .iter()
                .map(|e| e["id"].as_str().expect("id").parse::<i64>().expect("seq")),
        );
        let next: i64 = page["cursor"]
            .as_str()
            .expect("cursor")
            .parse()
            .expect("seq");
        if page["overflow"] != true {
            break;
        }
        assert!(next > cursor, "{ctx}: the cursor moves on: {page}");
        cursor = next;
    }
    let name = |seqs: &[i64]| -> Vec<String> {
        seqs.iter()
            .filter_map(|q| rows.iter().find(|r| r.seq == *q))
            .map(|r| format!("{} {}", r.seq, r.object_id))
            .collect()
    };
    assert_eq!(
        name(&got),
        name(&want),
        "{ctx}: the feed shows (left) what the reference says (right)"
    );
    assert_eq!(got, want, "{ctx}");
    rows.len()
}

/// Re-secures one container and moves one user in or out of one group, in the model and
/// on the server.
async fn mutate(s: &TestServer, admin: &str, m: &mut Model, rng: &mut StdRng) {
    let lib = format!("{}/work/api/v2/customers/1/libraries/{}", s.base, m.library);
    let i = rng.random_range(0..m.containers.len());
    let default = if m.containers[i].is_workspace || rng.random_bool(0.6) {
        DEFAULTS[rng.random_range(0..3)].to_string()
    } else {
        "inherit".to_string()
    };
    let entries = if default == "inherit" {
        Vec::new()
    } else {
        random_entries(rng, m)
    };
    let remove: Vec<Value> = m.containers[i]
        .entries
        .iter()
        .map(|e| json!({"id": e.id, "type": if e.group { "group" } else { "user" }}))
        .collect();
    let include: Vec<Value> = entries.iter().map(|e| json!({"id": e.id, "type": if e.group { "group" } else { "user" }, "access_level": LEVELS[e.level]})).collect();
    let kind = if m.containers[i].is_workspace {
        "workspaces"
    } else {
        "folders"
    };
    let (st, b) = call(
        s,
        admin,
        Method::POST,
        &format!("{lib}/{kind}/{}/security", m.containers[i].id),
        Some(json!({"default_security": default, "remove": remove, "include": include})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    m.containers[i].default = default;
    m.containers[i].entries = entries;
    let group = m
        .groups
        .keys()
        .nth(rng.random_range(0..m.groups.len()))
        .expect("group")
        .clone();
    let user = m.users[rng.random_range(0..m.users.len())].id.clone();
    let members = m.groups.get_mut(&group).expect("group");
    let action = if members.contains(&user) {
        "delete"
    } else {
        "add"
    };
    let v2 = format!("{}/work/api/v2/customers/1", s.base);
    let (st, b) = call(
        s,
        admin,
        Method::PUT,
        &format!("{v2}/groups/{group}/members"),
        Some(json!({"action": action, "data": [user]})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    if action == "add" {
        members.insert(user);
    } else {
        members.remove(&user);
    }
    // And one wall gains or loses a member (or a first wall goes up).
    if m.walls.is_empty() {
        let wall = random_wall(rng, m);
        let (st, b) = call(
            s,
            admin,
            Method::POST,
            &format!("{lib}/walls"),
            Some(wall_body(m, &wall)),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        m.walls.push(ModelWall {
            id: b["data"]["id"].as_i64().expect("wall id"),
            ..wall
        });
    } else {
        let w = rng.random_range(0..m.walls.len());
        let user = m.users[rng.random_range(0..m.users.len())].id.clone();
        if !m.walls[w].users.remove(&user) {
            m.walls[w].users.insert(user);
        }
        let body = wall_body(m, &m.walls[w]);
        let (st, b) = call(
            s,
            admin,
            Method::PUT,
            &format!("{lib}/walls/{}", m.walls[w].id),
            Some(body),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
}

/// The seeds of the random libraries: `DOSSIER_SECURITY_CASES` of them (default 6), or
/// the one `DOSSIER_SECURITY_SEED` replays.
fn seeds() -> Vec<u64> {
    let cases: u64 = std::env::var("DOSSIER_SECURITY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    match std::env::var("DOSSIER_SECURITY_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(seed) => vec![seed],
        None => (0..cases).map(|c| 0x5ec0_0000 + c * 7919).collect(),
    }
}

/// Compares, for every user and every document, each form of the readable-set rule as the
/// server holds it (`Dossier::readable_documents_by_form`: the calculus, the SQL filter, its
/// in-memory twin, the index's trimming) with the reference. The HTTP check above sees the
/// forms only combined (a search is the index *and* the re-check), where one form's drift
/// hides behind another's; here each is held on its own. Returns the comparisons made.
async fn check_forms(s: &TestServer, m: &Model, seed: u64, round: &str) -> usize {
    let reference = Reference(m);
    s.wait_for_index().await;
    let library = dossier_core::LibraryId::parse(&m.library).expect("library id");
    let number = |id: &str| -> i64 {
        id.rsplit('!')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a document number")
    };
    let mut checks = 0;
    for u in &m.users {
        let caller = s.dossier().authenticate(&u.token).await.expect("caller");
        let forms = s
            .dossier()
            .readable_documents_by_form(&caller, &library)
            .await
            .expect("forms");
        let index = forms.index.as_ref().expect("the test server has an index");
        for (i, d) in m.documents.iter().enumerate() {
            let want = reference.level(u, true, i) >= 1;
            let n = number(&d.id);
            for (form, set) in [
                ("calculus", &forms.calculus),
                ("SQL filter", &forms.sql),
                ("in-memory filter", &forms.in_memory),
                ("index trimming", index),
            ] {
                assert_eq!(
                    set.contains(&n),
                    want,
                    "seed {seed} {round}: user {} ({}{}) reads document {} by the {form}: {}, \
                     by the reference: {want} (forms: {forms:?})",
                    u.id,
                    if u.external { "external" } else { "internal" },
                    if u.admin { ", NRTADMIN" } else { "" },
                    d.id,
                    set.contains(&n),
                );
                checks += 1;
            }
        }
        // Nothing beyond the model's documents either.
        let known: BTreeSet<i64> = m.documents.iter().map(|d| number(&d.id)).collect();
        for (form, set) in [
            ("calculus", &forms.calculus),
            ("SQL filter", &forms.sql),
            ("in-memory filter", &forms.in_memory),
            ("index trimming", index),
        ] {
            assert!(
                set.is_subset(&known),
                "seed {seed} {round}: user {} reads unknown documents by the {form}: {set:?}",
                u.id
            );
        }
    }
    checks
}

/// The readable-set rule is written four times over (calculus, SQL, the same conditions
/// in memory, the index); on random libraries, before and after a security, group and
/// wall change, each form must agree with the reference, document by document.
#[tokio::test]
async fn each_form_of_the_readable_set_matches_the_reference() {
    let s = TestServer::start().await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "admin").await;
    let seeds = seeds();
    let mut total = 0;
    for (case, seed) in seeds.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(*seed);
        let mut m = build(&s, &admin, case as u64, &mut rng).await;
        total += check_forms(&s, &m, *seed, "as built").await;
        mutate(&s, &admin, &mut m, &mut rng).await;
        total += check_forms(&s, &m, *seed, "after a security and a group change").await;
    }
    eprintln!(
        "readable-set forms: {} random libraries, {total} answers compared with the reference",
        seeds.len()
    );
    s.stop().await;
}

#[tokio::test]
async fn every_answer_matches_the_reference_evaluator() {
    let s = TestServer::start().await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "admin").await;
    let seeds = seeds();
    let mut total = 0;
    for (case, seed) in seeds.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(*seed);
        let mut m = build(&s, &admin, case as u64, &mut rng).await;
        if std::env::var("DOSSIER_SECURITY_SEED").is_ok() {
            eprintln!("model: {m:#?}");
        }
        total += check(&s, &m, *seed, "as built").await;
        mutate(&s, &admin, &mut m, &mut rng).await;
        total += check(&s, &m, *seed, "after a security and a group change").await;
    }
    eprintln!(
        "security model: {} random libraries, {total} answers compared with the reference",
        seeds.len()
    );
    s.stop().await;
}

#[tokio::test]
async fn an_inheriting_upload_with_trustees_keeps_what_it_inherited_and_adds_them() {
    let s = TestServer::start().await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "admin").await;
    let v2 = format!("{}/work/api/v2/customers/1", s.base);
    for id in ["VIEWER", "OUTSIDER"] {
        let (st, b) = call(
            &s,
            &admin,
            Method::POST,
            &format!("{v2}/users"),
            Some(json!({"id": id, "password": PASSWORD, "libraries": ["ACTIVE"]})),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    let (st, ws) = s.post(&s.lib("/workspaces"), json!({"name": "Private matter", "default_security": "private", "user_trustees": [{"id": "VIEWER", "access_level": "read"}]})).await;
    assert_eq!(st, StatusCode::CREATED, "{ws}");
    let folder = s
        .create_folder(ws["data"]["id"].as_str().unwrap(), "Docs")
        .await;
    let profile = json!({"doc_profile": {"default_security": "inherit"}, "user_trustees": [{"id": "OUTSIDER", "access_level": "read"}]});
    let (st, d) = s
        .upload_raw(
            &folder,
            TestServer::upload_form(profile, "x.txt", b"x".to_vec()),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    assert_eq!(
        d["data"]["default_security"], "private",
        "the inherited default, made its own"
    );
    let id = d["data"]["id"].as_str().unwrap();
    let outsider = s.login("OUTSIDER", PASSWORD).await;
    let viewer = s.login("VIEWER", PASSWORD).await;
    let (st, _) = call(
        &s,
        &outsider,
        Method::GET,
        &s.lib(&format!("/documents/{id}")),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "its own trustee reads it");
    let (st, _) = call(
        &s,
        &viewer,
        Method::GET,
        &s.lib(&format!("/documents/{id}")),
        None,
    )
    .await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "the workspace's trustee does not: the document governs itself"
    );
    // Choosing inherit gives the document's own security up.
    let (st, b) = s
        .post(
            &s.lib(&format!("/documents/{id}/security")),
            json!({"default_security": "inherit"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["default_security"], "inherit");
    assert_eq!(b["inherited_default_security"], "private");
    let (st, _) = call(
        &s,
        &viewer,
        Method::GET,
        &s.lib(&format!("/documents/{id}")),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = call(
        &s,
        &outsider,
        Method::GET,
        &s.lib(&format!("/documents/{id}")),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Every change left an audit record with before and after.
    let (_, log) = call(
        &s,
        &admin,
        Method::GET,
        &format!("{v2}/audit-log?action=security.change"),
        None,
    )
    .await;
    assert_eq!(
        log["data"][0]["detail"]["before"]["default_security"],
        "private"
    );
    assert_eq!(
        log["data"][0]["detail"]["after"]["default_security"],
        "inherit"
    );
    // A workspace cannot inherit.
    let (st, e) = s
        .post(
            &s.lib(&format!(
                "/workspaces/{}/security",
                ws["data"]["id"].as_str().unwrap()
            )),
            json!({"default_security": "inherit"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    s.stop().await;
}

#[tokio::test]
async fn a_member_of_one_library_reaches_nothing_in_another_whatever_ids_it_guesses() {
    let s = TestServer::start().await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "admin").await;
    s.dossier()
        .create_library("OTHER", "another library")
        .await
        .unwrap();
    let v2 = format!("{}/work/api/v2/customers/1", s.base);
    let (st, b) = call(
        &s,
        &admin,
        Method::POST,
        &format!("{v2}/users"),
        Some(json!({"id": "INSIDER", "password": PASSWORD, "libraries": ["ACTIVE"]})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let other = format!("{v2}/libraries/OTHER");
    let (st, ws) = call(
        &s,
        &admin,
        Method::POST,
        &format!("{other}/workspaces"),
        Some(json!({"name": "public matter", "default_security": "public"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{ws}");
    let ws = ws["data"]["id"].as_str().unwrap().to_string();
    let (st, f) = call(
        &s,
        &admin,
        Method::POST,
        &format!("{other}/workspaces/{ws}/folders"),
        Some(json!({"name": "docs"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{f}");
    let folder = f["data"]["id"].as_str().unwrap().to_string();
    let form = TestServer::upload_form(json!({}), "x.txt", b"other".to_vec());
    let r = s
        .http
        .post(format!("{other}/folders/{folder}/documents"))
        .header("X-Auth-Token", &admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc: Value = r.json().await.unwrap();
    let doc = doc["data"]["id"].as_str().unwrap().to_string();

    let t = s.login("INSIDER", PASSWORD).await;
    let (_, libs) = call(&s, &t, Method::GET, &format!("{v2}/libraries"), None).await;
    let aliases: Vec<&str> = libs["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        aliases,
        ["ACTIVE"],
        "only the libraries the user belongs to"
    );
    for (method, url, body) in [
        (Method::GET, format!("{other}/workspaces/{ws}"), None),
        (Method::GET, format!("{other}/documents/{doc}"), None),
        (
            Method::GET,
            format!("{other}/documents/{doc}/download"),
            None,
        ),
        (Method::GET, format!("{other}/documents?total=true"), None),
        (Method::GET, format!("{other}/workspaces"), None),
        (
            Method::GET,
            format!("{other}/folders/{folder}/children"),
            None,
        ),
        (Method::GET, format!("{other}/change-events"), None),
        (
            Method::PATCH,
            format!("{other}/documents/{doc}"),
            Some(json!({"comment": "x"})),
        ),
        (
            Method::POST,
            format!("{other}/workspaces"),
            Some(json!({"name": "mine"})),
        ),
        (Method::DELETE, format!("{other}/folders/{folder}"), None),
        // OTHER's ids under ACTIVE's URL name nothing.
        (Method::GET, s.lib(&format!("/documents/{doc}")), None),
        (Method::GET, s.lib(&format!("/workspaces/{ws}")), None),
        // Another customer does not exist for this caller.
        (
            Method::GET,
            format!(
                "{}/work/api/v2/customers/2/libraries/ACTIVE/workspaces",
                s.base
            ),
            None,
        ),
        (
            Method::GET,
            format!("{}/work/api/v2/customers/2/users", s.base),
            None,
        ),
    ] {
        let (st, e) = call(&s, &t, method.clone(), &url, body).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{method} {url}: {e}");
    }
    // Nothing was written.
    let (_, list) = call(
        &s,
        &admin,
        Method::GET,
        &format!("{other}/workspaces?total=true"),
        None,
    )
    .await;
    assert_eq!(list["total_count"], 1);
    // Joining the library opens its public matter.
    let (st, _) = call(
        &s,
        &admin,
        Method::PUT,
        &format!("{v2}/users/INSIDER/libraries/OTHER"),
        Some(json!({})),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = call(
        &s,
        &t,
        Method::GET,
        &format!("{other}/documents/{doc}"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn security_is_copied_by_overwrite_or_merge_and_operations_follow_the_callers_level() {
    let s = TestServer::start().await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "admin").await;
    let v2 = format!("{}/work/api/v2/customers/1", s.base);
    for id in ["ANN", "BOB"] {
        let (st, b) = call(
            &s,
            &admin,
            Method::POST,
            &format!("{v2}/users"),
            Some(json!({"id": id, "password": PASSWORD})),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    let make = |default: &str, trustees: Value| json!({"name": "m", "default_security": default, "user_trustees": trustees});
    let (_, src) = s.post(&s.lib("/workspaces"), make("private", json!([{"id": "ANN", "access_level": "read_write"}, {"id": "BOB", "access_level": "read"}]))).await;
    let (_, dst) = s
        .post(
            &s.lib("/workspaces"),
            make("public", json!([{"id": "ANN", "access_level": "read"}])),
        )
        .await;
    let (src, dst) = (
        src["data"]["id"].as_str().unwrap().to_string(),
        dst["data"]["id"].as_str().unwrap().to_string(),
    );
    let levels = |b: &Value| -> BTreeMap<String, String> {
        b["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["id"].as_str().unwrap().to_string(),
                    t["access_level"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let copy = |mode: &str, with_default: bool| json!({"containers": [dst.clone()], "mode": mode, "include_default_security": with_default});
    // Pessimistic merge: both lists, the lower level, the more closed default.
    let (st, b) = s
        .post(
            &s.lib(&format!("/workspaces/{src}/security/copy")),
            copy("Merge (Pessimistic)", true),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, sec) = call(
        &s,
        &admin,
        Method::GET,
        &s.lib(&format!("/workspaces/{dst}/security")),
        None,
    )
    .await;
    assert_eq!(sec["default_security"], "private");
    assert_eq!(
        levels(&sec),
        BTreeMap::from([("ANN".into(), "read".into()), ("BOB".into(), "read".into())])
    );
    // Optimistic merge without the default: the higher level, the default kept.
    let (_, b) = s
        .post(
            &s.lib(&format!("/workspaces/{src}/security/copy")),
            copy("merge_optimistic", false),
        )
        .await;
    assert_eq!(b["data"]["copied_to"], 1);
    let (_, sec) = call(
        &s,
        &admin,
        Method::GET,
        &s.lib(&format!("/workspaces/{dst}/security")),
        None,
    )
    .await;
    assert_eq!(sec["default_security"], "private");
    assert_eq!(levels(&sec)["ANN"], "read_write");
    // Overwrite: the source's list exactly.
    s.post(
        &s.lib(&format!("/workspaces/{dst}/security")),
        json!({"include": [{"id": "ADMIN", "type": "user", "access_level": "full_access"}]}),
    )
    .await;
    let (_, b) = s
        .post(
            &s.lib(&format!("/workspaces/{src}/security/copy")),
            copy("overwrite", true),
        )
        .await;
    assert_eq!(b["data"]["copied_to"], 1);
    let (_, sec) = call(
        &s,
        &admin,
        Method::GET,
        &s.lib(&format!("/workspaces/{dst}/security")),
        None,
    )
    .await;
    assert_eq!(
        levels(&sec),
        BTreeMap::from([
            ("ANN".into(), "read_write".into()),
            ("BOB".into(), "read".into())
        ])
    );
    // A bad mode or a target the caller cannot change leaves everything as it was.
    let (st, _) = s
        .post(
            &s.lib(&format!("/workspaces/{src}/security/copy")),
            copy("sideways", true),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let bob = s.login("BOB", PASSWORD).await;
    let (st, _) = call(
        &s,
        &bob,
        Method::POST,
        &s.lib(&format!("/workspaces/{src}/security/copy")),
        Some(copy("overwrite", true)),
    )
    .await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "BOB reads the target but cannot change its security"
    );
    // Operations report what the caller's level allows.
    let folder = s.create_folder(&src, "docs").await;
    let doc = s.upload(&folder, "a.txt", b"a", json!({})).await;
    let doc = doc["id"].as_str().unwrap();
    let (_, ops) = call(
        &s,
        &bob,
        Method::GET,
        &s.lib(&format!("/documents/{doc}/operations")),
        None,
    )
    .await;
    assert_eq!(ops["data"]["access_level"], "read");
    assert_eq!(ops["data"]["update"], false);
    assert_eq!(ops["data"]["set_security"], false);
    let ann = s.login("ANN", PASSWORD).await;
    let (_, ops) = call(
        &s,
        &ann,
        Method::GET,
        &s.lib(&format!("/documents/{doc}?include_operations=true")),
        None,
    )
    .await;
    assert_eq!(ops["data"]["operations"]["update"], true);
    assert_eq!(ops["data"]["operations"]["set_security"], false);
    let (_, ops) = call(
        &s,
        &admin,
        Method::GET,
        &s.lib(&format!("/documents/{doc}/operations")),
        None,
    )
    .await;
    assert_eq!(ops["data"]["set_security"], true);
    s.stop().await;
}

#[tokio::test]
async fn a_workspace_wall_follows_documents_and_folders_that_move() {
    let s = TestServer::start().await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "admin").await;
    let v2 = format!("{}/work/api/v2/customers/1", s.base);
    let (st, b) = call(
        &s,
        &admin,
        Method::POST,
        &format!("{v2}/users"),
        Some(json!({"id": "WALLED", "password": PASSWORD})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (_, w1) = s
        .post(&s.lib("/workspaces"), json!({"name": "walled matter"}))
        .await;
    let (_, w2) = s
        .post(&s.lib("/workspaces"), json!({"name": "open matter"}))
        .await;
    let (w1, w2) = (
        w1["data"]["id"].as_str().unwrap().to_string(),
        w2["data"]["id"].as_str().unwrap().to_string(),
    );
    let f1 = s.create_folder(&w1, "f1").await;
    let f2 = s.create_folder(&w2, "f2").await;
    let doc = s.upload(&f1, "a.txt", b"a", json!({})).await;
    let doc = doc["id"]
        .as_str()
        .unwrap()
        .rsplit_once('.')
        .unwrap()
        .0
        .to_string();
    let (st, b) = call(
        &s,
        &admin,
        Method::POST,
        &s.lib("/walls"),
        Some(json!({"name": "w", "kind": "exclusive", "workspace_id": w1, "users": ["WALLED"]})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let t = s.login("WALLED", PASSWORD).await;
    let visible = |t: String| {
        let s = &s;
        async move {
            let (_, b) = call(s, &t, Method::GET, &s.lib("/documents?limit=100"), None).await;
            b["data"]["results"].as_array().unwrap().len()
        }
    };
    assert_eq!(visible(t.clone()).await, 0);
    // Moving the document out of the walled workspace opens it.
    let (st, b) = s
        .post(
            &s.lib(&format!("/folders/{f1}/documents/{doc}/move")),
            json!({"destination_folder_id": f2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(visible(t.clone()).await, 1);
    let (st, _) = call(
        &s,
        &t,
        Method::GET,
        &s.lib(&format!("/documents/{doc}")),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    // Moving its folder into the walled workspace closes it again, in lists and by id.
    let (st, b) = s
        .post(
            &s.lib(&format!("/folders/{f2}/move")),
            json!({"destination_id": w1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(visible(t.clone()).await, 0);
    let (st, _) = call(
        &s,
        &t,
        Method::GET,
        &s.lib(&format!("/documents/{doc}")),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn the_access_report_says_who_reads_a_matter_and_why() {
    let s = TestServer::start().await;
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "admin").await;
    let v2 = format!("{}/work/api/v2/customers/1", s.base);
    let lib = s.lib("");
    for (field, body) in [
        ("custom1", json!({"id": "ACME", "description": "Acme"})),
        (
            "custom2",
            json!({"id": "0001", "description": "Deal", "parent": {"id": "ACME"}}),
        ),
    ] {
        let (st, b) = call(
            &s,
            &admin,
            Method::POST,
            &format!("{lib}/customs/{field}"),
            Some(body),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    for (id, external) in [
        ("PARTNER", false),
        ("CLERK", false),
        ("GUEST", true),
        ("RIVAL", false),
    ] {
        let (st, b) = call(
            &s,
            &admin,
            Method::POST,
            &format!("{v2}/users"),
            Some(json!({"id": id, "password": PASSWORD, "is_external": external})),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    let (st, b) = call(
        &s,
        &admin,
        Method::POST,
        &format!("{v2}/groups"),
        Some(json!({"id": "DEALTEAM", "members": ["CLERK"]})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, ws) = call(&s, &admin, Method::POST, &format!("{lib}/workspaces"), Some(json!({"name": "Acme deal", "custom1": "ACME", "custom2": "0001", "default_security": "view", "owner": "PARTNER", "group_trustees": [{"id": "DEALTEAM", "access_level": "read_write"}]}))).await;
    assert_eq!(st, StatusCode::CREATED, "{ws}");
    let (st, b) = call(
        &s,
        &admin,
        Method::POST,
        &format!("{lib}/walls"),
        Some(
            json!({"name": "conflict", "kind": "exclusive", "client": "ACME", "users": ["RIVAL"]}),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, report) = call(
        &s,
        &admin,
        Method::GET,
        &format!("{lib}/access-report?client=ACME&matter=0001"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{report}");
    let by_user: BTreeMap<String, (String, String)> = report["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["user"].as_str().unwrap().to_string(),
                (
                    l["access_level"].as_str().unwrap().to_string(),
                    l["reason"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect();
    assert_eq!(by_user["PARTNER"].0, "full_access");
    assert!(by_user["PARTNER"].1.contains("owner"));
    assert_eq!(by_user["CLERK"].0, "read_write");
    assert!(by_user["CLERK"].1.contains("DEALTEAM"));
    assert_eq!(by_user["GUEST"].0, "no_access");
    assert!(by_user["GUEST"].1.contains("external"));
    assert_eq!(by_user["RIVAL"].0, "no_access");
    assert!(by_user["RIVAL"].1.contains("wall"));
    assert_eq!(by_user["ADMIN"].0, "full_access");
    // Each line agrees with what the user's own token can do.
    for (user, (level, _)) in &by_user {
        if user == "ADMIN" {
            continue;
        }
        let t = s.login(user, PASSWORD).await;
        let (st, _) = call(
            &s,
            &t,
            Method::GET,
            &format!("{lib}/workspaces/{}", ws["data"]["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert_eq!(st == StatusCode::OK, level != "no_access", "{user}");
    }
    // The report for a moment before a change still tells the old story.
    let before = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (st, _) = call(
        &s,
        &admin,
        Method::PUT,
        &format!("{v2}/groups/DEALTEAM/members"),
        Some(json!({"action": "delete", "data": ["CLERK"]})),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = call(
        &s,
        &admin,
        Method::PUT,
        &format!("{lib}/walls/{}", 1),
        Some(json!({"name": "conflict", "kind": "exclusive", "client": "ACME", "users": []})),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let level_of = |report: &Value, user: &str| -> (String, String) {
        let l = report["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["user"] == user)
            .unwrap();
        (
            l["access_level"].as_str().unwrap().to_string(),
            l["reason"].as_str().unwrap().to_string(),
        )
    };
    let (_, now) = call(
        &s,
        &admin,
        Method::GET,
        &format!("{lib}/access-report?client=ACME&matter=0001"),
        None,
    )
    .await;
    assert_eq!(
        level_of(&now, "CLERK").0,
        "read",
        "view default now that the group entry no longer applies"
    );
    assert_eq!(
        level_of(&now, "RIVAL").0,
        "read",
        "the wall no longer names RIVAL"
    );
    let when = before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (st, then) = call(
        &s,
        &admin,
        Method::GET,
        &format!(
            "{lib}/access-report?client=ACME&matter=0001&date={}",
            when.replace('+', "%2B")
        ),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{then}");
    assert_eq!(level_of(&then, "CLERK"), by_user["CLERK"].clone());
    assert_eq!(level_of(&then, "RIVAL"), by_user["RIVAL"].clone());
    // Before the history begins there is nothing to say; the report is for administrators.
    let (st, e) = call(
        &s,
        &admin,
        Method::GET,
        &format!("{lib}/access-report?client=ACME&date=2020-01-01"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    let (st, _) = call(
        &s,
        &admin,
        Method::GET,
        &format!("{lib}/access-report?client=ACME&date=yesterday"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let clerk = s.login("CLERK", PASSWORD).await;
    let (st, _) = call(
        &s,
        &clerk,
        Method::GET,
        &format!("{lib}/access-report?client=ACME"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    s.stop().await;
}

/// A client wall covers what lies in that client's workspace even when the document's own
/// profile names no client, on every path: the single-object check, the database list, the
/// search index with its re-check, and each form of the readable set. The search re-check
/// once built its wall facts without the workspace's client; it went unnoticed because the
/// in-memory filter reads the client's workspaces from the flattened walls, not from the
/// facts, so this holds every path to the one rule.
#[tokio::test]
async fn a_client_wall_hides_a_document_in_the_clients_workspace_from_search() {
    let s = TestServer::start().await;
    let (st, b) = s
        .post(
            &s.lib("/customs/custom1"),
            json!({"id": "INITECH", "description": "Initech"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = s
        .post(
            &s.lib("/workspaces"),
            json!({"name": "Initech matter", "default_security": "public", "custom1": "INITECH"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let workspace = b["data"]["id"].as_str().expect("id").to_string();
    let folder = s.create_folder(&workspace, "memos").await;
    let doc = s
        .upload(&folder, "memo.txt", b"quarterly staplers", json!({}))
        .await;
    let doc = doc["id"].as_str().expect("id");
    let doc = doc.rsplit_once('.').map_or(doc, |(d, _)| d).to_string();
    assert!(
        doc_custom1_is_empty(&s, &doc).await,
        "the memo names no client itself"
    );
    let eve = s.new_user("EVE", PASSWORD).await;
    let library = dossier_core::LibraryId::parse("ACTIVE").expect("library");
    let number: i64 = doc
        .rsplit('!')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("number");
    let seen = |eve: String| {
        let s = &s;
        let doc = doc.clone();
        let library = library.clone();
        async move {
            s.wait_for_index().await;
            let (st, _) = call(
                s,
                &eve,
                Method::GET,
                &s.lib(&format!("/documents/{doc}")),
                None,
            )
            .await;
            let listed = call(s, &eve, Method::GET, &s.lib("/documents?limit=9999"), None)
                .await
                .1;
            let found = call(
                s,
                &eve,
                Method::GET,
                &s.lib("/documents?anywhere=staplers"),
                None,
            )
            .await
            .1;
            let caller = s.dossier().authenticate(&eve).await.expect("caller");
            let forms = s
                .dossier()
                .readable_documents_by_form(&caller, &library)
                .await
                .expect("forms");
            [
                ("GET", st == StatusCode::OK),
                (
                    "list",
                    ids(&listed["data"]["results"]).contains(&doc_key(&doc)),
                ),
                (
                    "search",
                    ids(&found["data"]["results"]).contains(&doc_key(&doc)),
                ),
                ("calculus", forms.calculus.contains(&number)),
                ("SQL filter", forms.sql.contains(&number)),
                ("in-memory filter", forms.in_memory.contains(&number)),
                (
                    "index trimming",
                    forms.index.expect("index").contains(&number),
                ),
            ]
        }
    };
    for (path, visible) in seen(eve.clone()).await {
        assert!(
            visible,
            "before the wall, EVE reads the public memo by {path}"
        );
    }
    // Walls are administered with the admin scope.
    let admin = s.login_scoped("admin", ADMIN_PASSWORD, "admin").await;
    let (st, b) = call(
        &s,
        &admin,
        Method::POST,
        &s.lib("/walls"),
        Some(
            json!({"name": "Initech", "kind": "exclusive", "client": "INITECH", "users": ["EVE"]}),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    for (path, visible) in seen(eve).await {
        assert!(
            !visible,
            "the Initech wall hides the memo from EVE by {path}"
        );
    }
    s.stop().await;
}

async fn doc_custom1_is_empty(s: &TestServer, doc: &str) -> bool {
    let body = s.get_json(&s.lib(&format!("/documents/{doc}"))).await;
    body["data"].get("custom1").is_none_or(Value::is_null)
}

//! `dossier user …` and `dossier group …`: identity administration from the server's
//! command line, through the same service use cases as the APIs (as the `CONSOLE`
//! operator, so every change is audited).

use std::io::Read;

use clap::Subcommand;
use dossier_core::identity::ADMIN_GROUP;
use dossier_service::identity::{GroupChanges, MemberAction, NewUser, UserChanges};
use dossier_service::{Caller, Dossier, Page};

#[derive(Subcommand)]
pub enum UserTask {
    /// Create a user. The password is read from standard input with --password-stdin, or
    /// from DOSSIER_NEW_PASSWORD; without either the user cannot sign in with a password.
    Add {
        id: String,
        #[arg(long)]
        full_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Library to join (repeatable; default: the preferred library, else ACTIVE).
        #[arg(long = "library")]
        libraries: Vec<String>,
        /// Role in those libraries (default: DEFAULT).
        #[arg(long)]
        role: Option<String>,
        /// Also make the user a member of NRTADMIN.
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (standard input or DOSSIER_NEW_PASSWORD); unlocks the account.
    Passwd { id: String },
    /// Lock an account: its sign-ins are refused and its sessions end.
    Lock { id: String },
    /// Unlock an account and clear its failed sign-in count.
    Unlock { id: String },
    /// List users.
    List,
}

#[derive(Subcommand)]
pub enum GroupTask {
    /// Create a group.
    Add {
        id: String,
        #[arg(long)]
        full_name: Option<String>,
    },
    /// Add or remove members: `dossier group member LITIGATION add JSMITH AJONES`.
    Member {
        group: String,
        #[arg(value_parser = ["add", "remove"])]
        action: String,
        #[arg(required = true)]
        users: Vec<String>,
    },
}

/// Reads a new password from DOSSIER_NEW_PASSWORD or, failing that, standard input.
pub fn read_password() -> Result<String, String> {
    use std::io::IsTerminal;
    if let Ok(p) = std::env::var("DOSSIER_NEW_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        // Typed by a person: asked for without echo, twice, as passwd does.
        let ask = |prompt: &str| {
            rpassword::prompt_password(prompt)
                .map_err(|e| format!("cannot read the password from the terminal: {e}"))
        };
        let first = ask("New password: ")?;
        if ask("Repeat the new password: ")? != first {
            return Err("the two passwords differ; nothing was changed".into());
        }
        return Ok(first);
    }
    let mut p = String::new();
    std::io::stdin()
        .read_to_string(&mut p)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    Ok(p.trim_end_matches(['\r', '\n']).to_string())
}

fn console(d: &Dossier) -> Caller {
    Caller::console(d.settings.customer_id)
}

pub async fn user(d: &Dossier, task: UserTask) -> Result<(), String> {
    let c = console(d);
    let err = |e: dossier_core::DomainError| e.to_string();
    match task {
        UserTask::Add {
            id,
            full_name,
            email,
            mut libraries,
            role,
            admin,
            password_stdin,
        } => {
            let password = if password_stdin || std::env::var("DOSSIER_NEW_PASSWORD").is_ok() {
                Some(read_password()?)
            } else {
                None
            };
            if libraries.is_empty() {
                libraries.push(dossier_core::identity::DEFAULT_LIBRARY.to_string());
            }
            let fields = UserChanges {
                full_name,
                email: email.map(Some),
                password,
                ..UserChanges::default()
            };
            let libraries = libraries.into_iter().map(|l| (l, role.clone())).collect();
            let u = d
                .create_user(
                    &c,
                    NewUser {
                        id,
                        fields,
                        libraries,
                    },
                )
                .await
                .map_err(err)?;
            if admin {
                d.change_group_members(
                    &c,
                    ADMIN_GROUP,
                    MemberAction::Add,
                    std::slice::from_ref(&u.id),
                )
                .await
                .map_err(err)?;
            }
            println!(
                "created user {}{}",
                u.id,
                if admin { " (NRTADMIN)" } else { "" }
            );
        }
        UserTask::Passwd { id } => {
            let password = read_password()?;
            d.set_password(&id, &password).await.map_err(err)?;
            println!("password of {} changed", id.to_uppercase());
        }
        UserTask::Lock { id } => {
            let changes = UserChanges {
                is_locked: Some(true),
                ..UserChanges::default()
            };
            let u = d.update_user(&c, &id, changes).await.map_err(err)?;
            println!("locked {}", u.id);
        }
        UserTask::Unlock { id } => {
            let changes = UserChanges {
                is_locked: Some(false),
                ..UserChanges::default()
            };
            let u = d.update_user(&c, &id, changes).await.map_err(err)?;
            println!("unlocked {}", u.id);
        }
        UserTask::List => {
            let page = Page {
                limit: 100_000,
                ..Page::default()
            };
            let (users, _) = d.users(&c, &Default::default(), page).await.map_err(err)?;
            let now = d.now();
            for u in users {
                let state = match (u.active, u.is_locked, u.signin_locked_until) {
                    (false, ..) => "inactive".to_string(),
                    (true, true, _) => "locked".to_string(),
                    (true, false, Some(until)) if until > now => {
                        format!(
                            "sign-in locked until {}",
                            until.format("%Y-%m-%d %H:%M:%SZ")
                        )
                    }
                    _ => "active".to_string(),
                };
                println!(
                    "{}\t{}\t{}\t{state}",
                    u.id,
                    u.full_name,
                    u.email.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

pub async fn group(d: &Dossier, task: GroupTask) -> Result<(), String> {
    let c = console(d);
    let err = |e: dossier_core::DomainError| e.to_string();
    match task {
        GroupTask::Add { id, full_name } => {
            let g = d
                .create_group(
                    &c,
                    &id,
                    GroupChanges {
                        full_name,
                        ..GroupChanges::default()
                    },
                    &[],
                )
                .await
                .map_err(err)?;
            println!("created group {}", g.id);
        }
        GroupTask::Member {
            group,
            action,
            users,
        } => {
            let action = if action == "add" {
                MemberAction::Add
            } else {
                MemberAction::Remove
            };
            let members = d
                .change_group_members(&c, &group, action, &users)
                .await
                .map_err(err)?;
            println!("{} members: {}", group.to_uppercase(), members.join(", "));
        }
    }
    Ok(())
}

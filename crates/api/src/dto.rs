//! Wire shapes of the Work API v2, converted from domain records. Field names follow the
//! profiles iManage clients read (docs/imanage-api.md §3).

use dossier_core::custom::{CUSTOM_COUNT, format_timestamp, is_lookup};
use dossier_core::fields::CustomFieldDefinition;
use dossier_core::matters::{
    Category, CategoryKind, ClosingSettings, Closure, MatterEvent, Shortcut,
};
use dossier_core::model::{
    ChangeEvent, Checkout, Class, ClassSettings, Container, ContainerKind, DocType, DocumentView,
    HistoryEntry, Library, Lookup, Subclass, Trustee,
};
use dossier_core::{ContainerId, CustomKind, CustomValues};
use dossier_service::Caller;
use dossier_service::documents::Operations;
use dossier_service::my_matters::{ShortcutTarget, ShortcutView};
use dossier_service::upload::Uploaded;

use crate::work::wire::custom_json;
use serde_json::{Map, Value, json};

fn ts(t: chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(format_timestamp(t))
}

fn opt_ts(t: Option<chrono::DateTime<chrono::Utc>>) -> Value {
    t.map_or(Value::Null, ts)
}

fn put_customs(out: &mut Map<String, Value>, customs: &CustomValues) {
    for n in 1..=CUSTOM_COUNT {
        if let Some(v) = customs.get(n) {
            out.insert(format!("custom{n}"), custom_json(v));
            if is_lookup(n) {
                // Descriptions come from the lookup table; the alias stands in until the
                // profile is decorated with them.
                out.insert(format!("custom{n}_description"), custom_json(v));
            }
        }
    }
}

pub fn library(l: &Library) -> Value {
    json!({"id": l.id.as_str(), "alias": l.id.as_str(), "description": l.description, "type": "worksite", "is_hidden": l.is_hidden})
}

pub fn document(v: &DocumentView, caller: &Caller, ops: Option<&Operations>) -> Value {
    let d = &v.doc;
    let mut o = Map::new();
    let full_name = d.full_file_name();
    let fields = json!({
        "id": d.id.to_string(),
        "database": d.id.library.as_str(),
        "document_number": d.id.number,
        "version": d.id.version,
        "latest": v.latest_version.to_string(),
        "is_latest": d.id.version == v.latest_version,
        "name": d.name,
        "extension": d.extension,
        "full_file_name": full_name,
        "type": d.doc_type,
        "class": d.class,
        "subclass": d.subclass,
        "author": d.author,
        "operator": d.operator,
        "last_user": d.last_user,
        "comment": d.comment,
        "size": d.size,
        "content_type": d.content_type,
        "checksum": format!("blake3:{}", d.content_hash),
        "default_security": d.default_security.as_str(),
        "wstype": d.wstype.as_str(),
        "create_date": ts(d.create_date),
        "edit_date": ts(d.edit_date),
        "edit_profile_date": ts(d.edit_profile_date),
        "file_create_date": opt_ts(d.file_create_date),
        "file_edit_date": opt_ts(d.file_edit_date),
        "is_checked_out": v.checkout.is_some(),
        "is_in_use": v.checkout.is_some(),
        "in_use_by": v.checkout.as_ref().map(|c| c.user_id.clone()),
        "checkout_comment": v.checkout.as_ref().map(|c| c.comments.clone()),
        "checkout_date": v.checkout.as_ref().map_or(Value::Null, |c| ts(c.checkout_date)),
        "checkout_due_date": v.checkout.as_ref().map_or(Value::Null, |c| opt_ts(c.due_date)),
        "checkout_path": v.checkout.as_ref().map(|c| c.path.clone()),
    });
    if let Value::Object(f) = fields {
        o.extend(f);
    }
    // Absent, not null, when the document is not filed or the caller may not read its
    // workspace (the service leaves it out then): either way nothing is revealed.
    if let Some((n, name)) = &v.workspace {
        o.insert(
            "workspace_id".into(),
            json!(ContainerId::new(d.id.library.clone(), *n).to_string()),
        );
        o.insert("workspace_name".into(), json!(name));
    }
    put_customs(&mut o, &d.customs);
    if d.wstype == dossier_core::model::WsType::Email {
        let e = &d.email;
        o.insert("from".into(), json!(e.from));
        o.insert("to".into(), json!(e.to));
        o.insert("cc".into(), json!(e.cc));
        o.insert("bcc".into(), json!(e.bcc));
        o.insert("subject".into(), json!(e.subject));
        o.insert("sent_date".into(), opt_ts(e.sent_date));
        o.insert("received_date".into(), opt_ts(e.received_date));
        o.insert("message_id".into(), json!(e.message_id));
        o.insert("in_reply_to".into(), json!(e.in_reply_to));
        o.insert("conversation_id".into(), json!(e.conversation_id));
        o.insert(
            "conversation_name".into(),
            json!(
                e.subject
                    .as_deref()
                    .map(dossier_core::email::conversation_name)
            ),
        );
        o.insert("has_attachment".into(), json!(e.has_attachment()));
        let attachments: Vec<Value> = e
            .attachments
            .iter()
            .map(|a| {
                json!({
                    "attachment_id": a.number.to_string(),
                    "id": a.number.to_string(),
                    "name": a.name,
                    "size": a.size,
                    "content_type": a.content_type,
                })
            })
            .collect();
        o.insert("attachments".into(), Value::Array(attachments));
    }
    if let Some(ops) = ops {
        o.insert("operations".into(), operations(ops, caller));
    }
    Value::Object(o)
}

/// An upload's answer: the document's profile; for an email, whether it was a duplicate
/// (then the profile is the email already filed, now referenced in the folder too).
pub fn uploaded(u: &Uploaded, caller: &Caller) -> Value {
    let mut v = document(&u.view, caller, None);
    if u.view.doc.wstype == dossier_core::model::WsType::Email
        && let Value::Object(o) = &mut v
    {
        o.insert("is_duplicate".into(), json!(u.duplicate));
    }
    v
}

pub fn operations(ops: &Operations, caller: &Caller) -> Value {
    use dossier_core::AccessLevel;
    let edit = ops.editable;
    let change = ops.level >= AccessLevel::ReadWrite;
    json!({
        "copy": true,
        "create_new_version": edit,
        "delete": edit && !ops.checked_out,
        "lock": change && !ops.checked_out,
        "unlock": change && ops.checked_out && (!ops.checked_out_by_other || caller.is_admin),
        "move": edit,
        "replace": edit,
        "update": edit,
        "set_security": ops.level >= AccessLevel::FullAccess,
        "checkout": change && !ops.checked_out,
        "access_level": ops.level.as_str(),
    })
}

pub fn container(c: &Container, contents: Option<(bool, bool)>) -> Value {
    let mut o = Map::new();
    let lib = c.id.library.clone();
    let folder_type = match c.kind {
        ContainerKind::Workspace => None,
        ContainerKind::Folder => Some("regular"),
        ContainerKind::Tab => Some("tab"),
        ContainerKind::SearchFolder => Some("search"),
    };
    let fields = json!({
        "id": c.id.to_string(),
        "database": lib.as_str(),
        "document_number": c.id.number,
        "name": c.name,
        "description": c.description,
        "owner": c.owner,
        "author": c.author,
        "class": c.class,
        "subclass": c.subclass,
        "default_security": c.default_security.as_str(),
        "wstype": if c.kind == ContainerKind::Workspace { "workspace" } else { "folder" },
        "create_date": ts(c.create_date),
        "edit_date": ts(c.edit_date),
    });
    if let Value::Object(f) = fields {
        o.extend(f);
    }
    if let Some(ft) = folder_type {
        o.insert("folder_type".into(), json!(ft));
        o.insert(
            "parent_id".into(),
            json!(
                c.parent
                    .map(|p| ContainerId::new(lib.clone(), p).to_string())
            ),
        );
        o.insert(
            "workspace_id".into(),
            json!(ContainerId::new(lib.clone(), c.workspace).to_string()),
        );
        o.insert("view_type".into(), json!(c.view_type));
        o.insert("email".into(), json!(c.email));
        o.insert(
            "profile".into(),
            c.default_profile
                .as_ref()
                .and_then(|d| serde_json::to_value(d).ok())
                .unwrap_or_else(|| json!({})),
        );
    }
    if let Some(sp) = &c.search_profile {
        // Shown as the client saved it; a row that no longer parses shows as empty.
        let saved = serde_json::from_str(sp.as_json_text()).unwrap_or_else(|_| json!({}));
        o.insert("searchprofile".into(), saved);
    }
    // Only templates carry these, so the profile of a matter keeps iManage's shape.
    if c.is_template {
        o.insert("is_template".into(), json!(true));
        if c.kind != ContainerKind::Workspace {
            o.insert("required".into(), json!(c.required));
        }
    }
    if let Some((subfolders, documents)) = contents {
        o.insert("has_subfolders".into(), json!(subfolders));
        o.insert("has_documents".into(), json!(documents));
    }
    put_customs(&mut o, &c.customs);
    for (i, p) in c.project_customs.iter().enumerate() {
        if let Some(p) = p {
            o.insert(format!("project_custom{}", i + 1), json!(p));
        }
    }
    Value::Object(o)
}

pub fn history(h: &HistoryEntry) -> Value {
    json!({
        "id": h.id,
        "document_id": h.document.to_string(),
        "database": h.document.library.as_str(),
        "document_number": h.document.number,
        "version": h.document.version,
        "activity": h.activity,
        "activity_code": h.activity_code,
        "activity_date": ts(h.activity_date),
        "user": h.user_id,
        "application_name": h.application_name,
        "location": h.location,
        "comments": h.comments,
        "duration": h.duration,
        "pages_printed": h.pages_printed,
        "data1": h.data1,
        "data2": h.data2,
        "num1": h.num1,
        "num2": h.num2,
        "num3": h.num3,
    })
}

pub fn checkout(c: &Checkout) -> Value {
    json!({"in_use_by": c.user_id, "comments": c.comments, "location": c.location, "path": c.path, "due_date": opt_ts(c.due_date), "checkout_date": ts(c.checkout_date)})
}

pub fn lookup(l: &Lookup, library: &str) -> Value {
    json!({"id": l.alias, "description": l.description, "enabled": l.enabled, "database": library, "parent": l.parent_alias.as_ref().map(|p| json!({"id": p}))})
}

/// A class's or subclass's fields, as iManage's class lists name them.
fn class_fields(alias: &str, description: &str, s: &ClassSettings, library: &str) -> Value {
    json!({
        "id": alias,
        "description": description,
        "hipaa": s.hipaa,
        "indexable": s.indexable,
        "retain": s.retain_days,
        "required_fields": s.required_fields.iter().map(|n| format!("custom{n}")).collect::<Vec<_>>(),
        "shadow": s.shadow,
        "echo": s.echo,
        "default_security": s.default_security.as_str(),
        "database": library,
    })
}

pub fn class(c: &Class, library: &str) -> Value {
    let mut v = class_fields(&c.alias, &c.description, &c.settings, library);
    v["subclass_required"] = json!(c.subclass_required);
    v
}

pub fn subclass(s: &Subclass, library: &str) -> Value {
    let mut v = class_fields(&s.alias, &s.description, &s.settings, library);
    v["parent"] = json!({"id": s.class});
    v
}

/// A custom field's caption (`GET …/captions/{field}`: `id, type, label, num, locale,
/// database`), with the rest of its definition beside it. `type` is the field's kind.
pub fn caption(d: &CustomFieldDefinition, locale: i64, library: &str) -> Value {
    let kind = match CustomKind::of(d.field) {
        CustomKind::Lookup => "lookup",
        CustomKind::Text => "text",
        CustomKind::Number => "number",
        CustomKind::Timestamp => "date",
        CustomKind::Boolean => "boolean",
    };
    let mut v = json!({
        "id": format!("custom{}", d.field),
        "type": kind,
        "label": d.caption,
        "num": d.field,
        "locale": locale,
        "database": library,
        "enabled": d.enabled,
        "required": d.required,
    });
    if is_lookup(d.field) {
        v["lookup_enabled"] = json!(d.lookup_validated);
    }
    v
}

pub fn doc_type(t: &DocType, library: &str) -> Value {
    json!({"id": t.alias, "description": t.description, "app_extension": t.app_extension, "database": library})
}

/// iManage's change-events shape carries the outbox row's strings as they are: the change
/// is shown in its stored encoding.
pub fn event(e: &ChangeEvent) -> Value {
    let r = e.change.encode();
    json!({"id": e.seq.to_string(), "action_type": r.action, "item_type": r.item_type, "object_id": r.object_id, "related_object_id": r.related_object_id, "root_id": r.root_id, "user": e.user_id, "event_date": ts(e.event_date)})
}

pub fn nvps(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

pub fn trustee(t: &Trustee) -> Value {
    json!({"id": t.id, "type": t.trustee_type.as_str(), "access": t.access.number(), "access_level": t.access.as_str()})
}

// The matter lifecycle (Dossier's extension) and My Matters / My Favorites.

pub fn matter_event(e: &MatterEvent) -> Value {
    json!({
        "activity": e.activity.as_str(),
        "activity_date": dossier_core::custom::format_timestamp(e.date),
        "user": e.user,
        "name_before": e.name_before,
        "name_after": e.name_after,
        "read_only": e.read_only,
        "comments": e.comments,
        "workspace_id": e.workspace.to_string(),
    })
}

/// A workspace's closes and re-opens, and whether it is closed now:
/// `{data: [entries, newest first], closed: {…} | null}`.
pub fn matter_history(events: &[MatterEvent], closure: Option<&Closure>) -> Value {
    json!({
        "data": events.iter().map(matter_event).collect::<Vec<_>>(),
        "closed": closure.map(self::closure),
    })
}

pub fn closure(c: &Closure) -> Value {
    json!({
        "original_name": c.original_name,
        "read_only": c.read_only,
        "closed_date": dossier_core::custom::format_timestamp(c.closed_at),
        "closed_by": c.closed_by,
    })
}

pub fn email_settings(s: &dossier_core::email::EmailSettings) -> Value {
    json!({"deduplicate": s.deduplicate})
}

/// Another document of the same message, as an email's copies list it.
pub fn email_copy(d: &dossier_core::model::Document) -> Value {
    json!({"id": d.id.to_string(), "name": d.name, "database": d.id.library.as_str()})
}

pub fn closing_settings(s: &ClosingSettings) -> Value {
    let status = s.status.as_ref();
    json!({
        "prefix": s.prefix,
        "status_field": status.map(|f| format!("custom{}", f.field)),
        "closed_value": status.and_then(|f| f.closed.as_text().map(str::to_string)),
        "open_value": status.and_then(|f| f.open.as_ref()).and_then(|v| v.as_text().map(str::to_string)),
        "read_only": s.read_only,
    })
}

pub fn category(c: &Category, has_children: bool) -> Value {
    json!({
        "id": c.id.to_string(),
        "database": c.id.library.as_str(),
        "name": c.name,
        "folder_type": c.kind.as_str(),
        "wstype": "folder",
        "owner": c.owner,
        "default_security": "private",
        "parent_id": c.parent.map(|p| ContainerId::new(c.id.library.clone(), p).to_string()),
        "has_subfolders": has_children,
        "create_date": dossier_core::custom::format_timestamp(c.created),
    })
}

/// A category as the admin connector's `getMyMattersCategories` lists it.
pub fn category_summary(c: &Category, has_children: bool) -> Value {
    json!({
        "id": c.id.to_string(),
        "name": c.name,
        "category_type": CategoryKind::MyMatters.as_str(),
        "default_security": "private",
        "has_subfolders": has_children,
        "owner": c.owner,
    })
}

/// A shortcut: its target's profile, with the shortcut's own id and `wstype`, and the
/// target named in `target` (what clients follow).
pub fn shortcut(v: &ShortcutView) -> Value {
    let s = &v.shortcut;
    let (mut base, target) = match &v.target {
        ShortcutTarget::Container(c) => {
            let base = container(c, None);
            let mut t = Map::new();
            for k in ["id", "database", "name", "wstype", "folder_type"] {
                if let Some(v) = base.get(k) {
                    t.insert(k.into(), v.clone());
                }
            }
            (base, Value::Object(t))
        }
        ShortcutTarget::Document(d) => {
            let t = json!({
                "id": d.id.to_string(),
                "database": d.id.library.as_str(),
                "name": d.name,
                "document_number": d.id.number,
                "version": d.id.version,
                "type": d.doc_type,
                "doc_type": d.doc_type,
                "extension": d.extension,
                "wstype": "document",
            });
            let mut base = t.clone();
            if let Some(o) = base.as_object_mut() {
                o.insert("author".into(), json!(d.author));
                o.insert("class".into(), json!(d.class));
                o.insert(
                    "edit_date".into(),
                    json!(dossier_core::custom::format_timestamp(d.edit_date)),
                );
            }
            (base, t)
        }
    };
    if let Some(o) = base.as_object_mut() {
        o.insert("id".into(), json!(s.id.to_string()));
        o.insert("shortcut_id".into(), json!(s.id.to_string()));
        o.insert("wstype".into(), json!(s.kind.shortcut_wstype()));
        o.insert("target".into(), target);
    }
    base
}

pub fn shortcuts_added(added: &[Shortcut]) -> Value {
    let shortcuts: Vec<Value> = added
        .iter()
        .map(|s| {
            json!({
                "id": s.id.to_string(),
                "wstype": s.kind.shortcut_wstype(),
                "target": {"id": ContainerId::new(s.id.library.clone(), s.target).to_string()},
            })
        })
        .collect();
    let all = added
        .iter()
        .map(|s| s.id.to_string())
        .collect::<Vec<_>>()
        .join(";");
    json!({"shortcuts": shortcuts, "all_workspace_shortcut_ids": all})
}

/// A document in the recycle bin: its latest version's profile, with when and by whom it
/// was deleted, when it is purged and the folder a restore puts it back in.
pub fn recycled(r: &dossier_core::disposal::RecycledDocument, caller: &Caller) -> Value {
    let view = DocumentView {
        latest_version: r.document.id.version,
        doc: r.document.clone(),
        checkout: None,
        workspace: None,
    };
    let mut v = document(&view, caller, None);
    if let Value::Object(o) = &mut v {
        o.insert("deleted_by".into(), json!(r.deleted_by));
        o.insert("deleted_date".into(), ts(r.deleted_at));
        o.insert("purge_date".into(), ts(r.purge_after));
        o.insert(
            "folder_id".into(),
            r.home_folder
                .as_ref()
                .map_or(Value::Null, |f| json!(f.to_string())),
        );
        o.insert("is_restorable".into(), json!(true));
    }
    v
}

/// A legal hold.
pub fn legal_hold(h: &dossier_core::disposal::LegalHold) -> Value {
    use dossier_core::disposal::HoldTarget;
    let id = match &h.target {
        HoldTarget::Document { library, number } => format!("{library}!{number}"),
        HoldTarget::Workspace(w) => w.to_string(),
    };
    json!({
        "id": id,
        "database": h.target.library().as_str(),
        "wstype": h.target.kind(),
        "reason": h.reason,
        "held_by": h.held_by,
        "held_date": ts(h.held_at),
    })
}

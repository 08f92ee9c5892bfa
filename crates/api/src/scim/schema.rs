//! The SCIM schemas Dossier serves (RFC 7643 §4, §8.7): the attributes of User, the
//! enterprise extension and Group, with the characteristics that drive filtering (type,
//! caseExact), projection (returned), PATCH and PUT (mutability) and `/Schemas`. One table
//! feeds all four, so what the server publishes is what it does.

use serde_json::{Value, json};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Boolean,
    DateTime,
    Reference,
    Complex,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

#[derive(Debug)]
pub struct Attr {
    pub name: &'static str,
    pub kind: Kind,
    pub multi: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub unique: bool,
    pub canonical: &'static [&'static str],
    pub refs: &'static [&'static str],
    pub sub: &'static [Attr],
    pub description: &'static str,
}

/// A plain, optional, read-write, case-insensitive single string: the most common shape.
const fn text(name: &'static str, description: &'static str) -> Attr {
    Attr {
        name,
        kind: Kind::String,
        multi: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        unique: false,
        canonical: &[],
        refs: &[],
        sub: &[],
        description,
    }
}

const fn complex(name: &'static str, description: &'static str, sub: &'static [Attr]) -> Attr {
    Attr {
        kind: Kind::Complex,
        sub,
        ..text(name, description)
    }
}

const fn multi(attr: Attr) -> Attr {
    Attr {
        multi: true,
        ..attr
    }
}

const fn read_only(attr: Attr) -> Attr {
    Attr {
        mutability: Mutability::ReadOnly,
        ..attr
    }
}

const fn boolean(name: &'static str, description: &'static str) -> Attr {
    Attr {
        kind: Kind::Boolean,
        ..text(name, description)
    }
}

const fn reference(name: &'static str, refs: &'static [&'static str]) -> Attr {
    Attr {
        kind: Kind::Reference,
        case_exact: true,
        refs,
        ..text(name, "The URI of the resource.")
    }
}

/// `value`, `type` and `primary` of emails and phone numbers. Dossier keeps one work
/// address and one number: `work` is the only type it can give back, and the value it
/// keeps is always the primary one, so `primary` is derived (read-only) and shown only on
/// request. On input the primary value, else the work one, else the first is kept.
const CONTACT: [Attr; 3] = [
    text("value", "The address or number."),
    Attr {
        canonical: &["work"],
        ..text("type", "The kind of address or number.")
    },
    Attr {
        returned: Returned::Request,
        ..read_only(boolean(
            "primary",
            "Always true: Dossier keeps only the primary value.",
        ))
    },
];

pub static USER_ATTRS: [Attr; 9] = [
    Attr {
        required: true,
        unique: true,
        // The login id: Dossier keys documents and history by it, so it cannot be renamed.
        mutability: Mutability::Immutable,
        ..text(
            "userName",
            "The login id; Dossier keeps it in upper case and it cannot be changed.",
        )
    },
    complex(
        "name",
        "The components of the user's name.",
        &[
            Attr {
                // Derived from the given and family names, so it is shown only on request
                // and written through displayName.
                returned: Returned::Request,
                ..read_only(text("formatted", "The full name, derived from its parts."))
            },
            text("familyName", "The family name."),
            text("givenName", "The given name."),
        ],
    ),
    Attr {
        required: true,
        ..text(
            "displayName",
            "The name shown for the user (Dossier's full name).",
        )
    },
    text("title", "The user's job title."),
    Attr {
        // Dossier always knows whether an account is active (absent on input means
        // active), so the attribute cannot be unassigned.
        required: true,
        ..boolean(
            "active",
            "Whether the user may sign in; deactivated users keep their documents.",
        )
    },
    Attr {
        mutability: Mutability::WriteOnly,
        returned: Returned::Never,
        case_exact: true,
        ..text("password", "A new password for signing in to Dossier.")
    },
    multi(complex(
        "emails",
        "The user's work e-mail address.",
        &CONTACT,
    )),
    multi(complex(
        "phoneNumbers",
        "The user's work phone number.",
        &CONTACT,
    )),
    read_only(multi(complex(
        "groups",
        "The groups the user belongs to; change them through the Group resource.",
        &[
            read_only(text("value", "The group's id.")),
            read_only(reference("$ref", &["Group"])),
            read_only(text("display", "The group's display name.")),
            Attr {
                canonical: &["direct"],
                ..read_only(text("type", "How the user belongs to the group."))
            },
        ],
    ))),
];

pub static ENTERPRISE_ATTRS: [Attr; 1] = [text("department", "The user's department.")];

pub static GROUP_ATTRS: [Attr; 2] = [
    Attr {
        required: true,
        ..text("displayName", "The group's name.")
    },
    multi(complex(
        "members",
        "The users in the group.",
        &[
            Attr {
                mutability: Mutability::Immutable,
                case_exact: true,
                ..text("value", "The member's id.")
            },
            Attr {
                mutability: Mutability::Immutable,
                ..reference("$ref", &["User"])
            },
            Attr {
                returned: Returned::Request,
                ..read_only(text("display", "The member's display name."))
            },
            Attr {
                canonical: &["User"],
                mutability: Mutability::Immutable,
                ..text(
                    "type",
                    "The kind of member; Dossier groups hold users only.",
                )
            },
        ],
    )),
];

/// RFC 7643 §3.1 common attributes: part of every resource, not of any schema.
pub static COMMON_ATTRS: [Attr; 3] = [
    Attr {
        returned: Returned::Always,
        case_exact: true,
        ..read_only(text("id", "The stable id of the resource."))
    },
    Attr {
        case_exact: true,
        ..text(
            "externalId",
            "The provisioning client's id for the resource.",
        )
    },
    read_only(complex(
        "meta",
        "Resource metadata.",
        &[
            Attr {
                case_exact: true,
                ..read_only(text("resourceType", "User or Group."))
            },
            Attr {
                kind: Kind::DateTime,
                ..read_only(text("created", "When the resource was created."))
            },
            Attr {
                kind: Kind::DateTime,
                ..read_only(text("lastModified", "When the resource last changed."))
            },
            read_only(reference("location", &[])),
            Attr {
                case_exact: true,
                ..read_only(text("version", "The entity tag of the resource."))
            },
        ],
    )),
];

/// RFC 7643 core User attributes and enterprise attributes Dossier has no field for.
/// Provisioning clients send them by default (Entra's standard mappings do), so writes to
/// them are accepted and dropped rather than failing the whole provisioning cycle, and
/// filters on them match nothing.
pub const UNKEPT_USER_ATTRS: &[&str] = &[
    "nickName",
    "profileUrl",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "addresses",
    "ims",
    "photos",
    "entitlements",
    "roles",
    "x509Certificates",
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "manager",
];

/// The schema a resource type is made of.
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attrs: &'static [Attr],
}

pub static USER: Schema = Schema {
    id: USER_SCHEMA,
    name: "User",
    description: "User Account",
    attrs: &USER_ATTRS,
};

pub static ENTERPRISE: Schema = Schema {
    id: ENTERPRISE_SCHEMA,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attrs: &ENTERPRISE_ATTRS,
};

pub static GROUP: Schema = Schema {
    id: GROUP_SCHEMA,
    name: "Group",
    description: "Group",
    attrs: &GROUP_ATTRS,
};

pub static ALL: [&Schema; 3] = [&USER, &ENTERPRISE, &GROUP];

static USER_EXTENSIONS: [&Schema; 1] = [&ENTERPRISE];

/// A SCIM resource type: its core schema and its extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }

    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "/Users",
            ResourceKind::Group => "/Groups",
        }
    }

    pub fn core(self) -> &'static Schema {
        match self {
            ResourceKind::User => &USER,
            ResourceKind::Group => &GROUP,
        }
    }

    pub fn extensions(self) -> &'static [&'static Schema] {
        match self {
            ResourceKind::User => &USER_EXTENSIONS,
            ResourceKind::Group => &[],
        }
    }

    pub fn extension(self, urn: &str) -> Option<&'static Schema> {
        self.extensions()
            .iter()
            .copied()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `name` is a standard attribute this resource accepts but does not keep.
    pub fn is_unkept(self, name: &str) -> bool {
        self == ResourceKind::User
            && UNKEPT_USER_ATTRS
                .iter()
                .any(|a| a.eq_ignore_ascii_case(name))
    }
}

/// Where an attribute lives: at the top of the resource, or inside an extension's object.
#[derive(Clone, Copy, Debug)]
pub struct Located {
    /// The extension's URN, `None` for core and common attributes.
    pub extension: Option<&'static str>,
    pub attr: &'static Attr,
}

pub fn find<'a>(attrs: &'a [Attr], name: &str) -> Option<&'a Attr> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// Finds a top-level attribute of `kind` by optional schema URN and name.
pub fn locate(kind: ResourceKind, urn: Option<&str>, name: &str) -> Option<Located> {
    match urn {
        None => find(&COMMON_ATTRS, name)
            .or_else(|| find(kind.core().attrs, name))
            .map(|attr| Located {
                extension: None,
                attr,
            }),
        Some(u) if u.eq_ignore_ascii_case(kind.core().id) => find(kind.core().attrs, name)
            .or_else(|| find(&COMMON_ATTRS, name))
            .map(|attr| Located {
                extension: None,
                attr,
            }),
        Some(u) => {
            let ext = kind.extension(u)?;
            find(ext.attrs, name).map(|attr| Located {
                extension: Some(ext.id),
                attr,
            })
        }
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::String => "string",
        Kind::Boolean => "boolean",
        Kind::DateTime => "dateTime",
        Kind::Reference => "reference",
        Kind::Complex => "complex",
    }
}

fn mutability_name(m: Mutability) -> &'static str {
    match m {
        Mutability::ReadOnly => "readOnly",
        Mutability::ReadWrite => "readWrite",
        Mutability::Immutable => "immutable",
        Mutability::WriteOnly => "writeOnly",
    }
}

fn returned_name(r: Returned) -> &'static str {
    match r {
        Returned::Always => "always",
        Returned::Never => "never",
        Returned::Default => "default",
        Returned::Request => "request",
    }
}

/// An attribute definition as RFC 7643 §7 describes it.
fn attr_json(a: &Attr) -> Value {
    let mut v = json!({
        "name": a.name,
        "type": kind_name(a.kind),
        "multiValued": a.multi,
        "description": a.description,
        "required": a.required,
        "mutability": mutability_name(a.mutability),
        "returned": returned_name(a.returned),
    });
    if a.kind != Kind::Complex && a.kind != Kind::Boolean {
        v["caseExact"] = json!(a.case_exact);
        v["uniqueness"] = json!(if a.unique { "server" } else { "none" });
    }
    if !a.canonical.is_empty() {
        v["canonicalValues"] = json!(a.canonical);
    }
    if a.kind == Kind::Reference {
        let refs: Vec<&str> = if a.refs.is_empty() {
            vec!["external"]
        } else {
            a.refs.to_vec()
        };
        v["referenceTypes"] = json!(refs);
    }
    if a.kind == Kind::Complex {
        v["subAttributes"] = Value::Array(a.sub.iter().map(attr_json).collect());
    }
    v
}

/// The `/Schemas/{id}` resource for one schema.
pub fn schema_json(s: &Schema, base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "attributes": s.attrs.iter().map(attr_json).collect::<Vec<_>>(),
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{}", s.id)},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_found_by_any_case_and_by_urn() {
        let a = locate(ResourceKind::User, None, "USERNAME").map(|l| l.attr.name);
        assert_eq!(a, Some("userName"));
        let d = locate(ResourceKind::User, Some(ENTERPRISE_SCHEMA), "Department");
        assert_eq!(d.and_then(|l| l.extension), Some(ENTERPRISE_SCHEMA));
        assert!(locate(ResourceKind::Group, Some(ENTERPRISE_SCHEMA), "department").is_none());
        assert!(locate(ResourceKind::User, None, "members").is_none());
        assert!(locate(ResourceKind::Group, Some(GROUP_SCHEMA), "id").is_some());
    }

    #[test]
    fn published_schemas_describe_sub_attributes() {
        let s = schema_json(&USER, "http://x/scim/v2");
        let emails = s["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["name"] == "emails"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(emails["multiValued"], true);
        assert_eq!(emails["subAttributes"][1]["canonicalValues"][0], "work");
        assert_eq!(s["attributes"][5]["returned"], "never");
    }
}

//! Field length limits, as iManage's database columns define them. Longer input is rejected
//! with a clear error rather than silently truncated.

/// Document and container names (DOCNAME, PRJ_NAME).
pub const NAME_MAX: usize = 254;
/// Workspace and folder descriptions (PRJ_DESCRIPT).
pub const DESCRIPTION_MAX: usize = 254;
/// Document comments (COMMENTS).
pub const COMMENT_MAX: usize = 254;
/// Free-text custom fields custom13–16.
pub const CUSTOM_TEXT_MAX: usize = 254;
/// Lookup aliases (custom1–12, 29, 30; classes; types).
pub const ALIAS_MAX: usize = 64;
/// File extensions, without the dot.
pub const EXTENSION_MAX: usize = 32;
/// User ids (login names).
pub const USER_ID_MAX: usize = 64;
/// Name-value pair keys and values.
pub const NVP_KEY_MAX: usize = 128;
pub const NVP_VALUE_MAX: usize = 4000;
/// Name-value pairs one request may set or remove (an object's pairs are all read back
/// with every answer, and each one written is a row).
pub const NVP_PAIRS_MAX: usize = 256;
/// Free text kept with a history entry (`comments`, `application_name`, `location`,
/// `data1`, `data2`, an upload's `audit.comments`) and with a check-out (`comments`,
/// `location`, `path`): 254 characters, as the other free-text columns.
pub const FREE_TEXT_MAX: usize = 254;

use crate::error::DomainError;

/// Reads a new alias (a lookup entry's, a class's): trimmed, upper-case as iManage stores
/// them, not blank, within `ALIAS_MAX`, and without characters that would break the URL
/// that names it.
pub fn check_alias(field: &str, value: &str) -> Result<String, DomainError> {
    let alias = value.trim().to_uppercase();
    if alias.is_empty() {
        return Err(DomainError::required(field));
    }
    check_len(field, &alias, ALIAS_MAX)?;
    if alias.contains(['/', '\\']) || alias.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "an alias may not contain '/', '\\' or control characters",
        ));
    }
    Ok(alias)
}

/// Checks a required name: not blank, within `NAME_MAX`, and free of characters that would
/// make a path component dangerous when the name becomes a download file name.
pub fn check_name(field: &str, value: &str) -> Result<String, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::required(field));
    }
    check_len(field, trimmed, NAME_MAX)?;
    if trimmed
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
        || trimmed == "."
        || trimmed == ".."
    {
        return Err(DomainError::invalid(
            field,
            format!("{field} may not contain '/', '\\' or control characters"),
        ));
    }
    Ok(trimmed.to_string())
}

pub fn check_len(field: &str, value: &str, max: usize) -> Result<(), DomainError> {
    let n = value.chars().count();
    if n > max {
        return Err(DomainError::invalid(
            field,
            format!("{field} is {n} characters long; the limit is {max}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_upper_case_bounded_and_safe_in_a_url() {
        assert_eq!(check_alias("id", " letter ").unwrap(), "LETTER");
        assert!(check_alias("id", "  ").is_err());
        assert!(check_alias("id", &"A".repeat(ALIAS_MAX + 1)).is_err());
        assert!(check_alias("id", "A/B").is_err());
        assert!(check_alias("id", "A\\B").is_err());
        assert!(check_alias("id", "A\u{7}").is_err());
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("name", "Engagement letter").is_ok());
        assert!(check_name("name", "   ").is_err());
        assert!(check_name("name", "../../etc/passwd").is_err());
        assert!(check_name("name", "..").is_err());
        assert!(check_name("name", &"x".repeat(255)).is_err());
        assert!(check_name("name", &"é".repeat(254)).is_ok());
    }
}

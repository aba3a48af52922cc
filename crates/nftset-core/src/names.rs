//! Checks on table, set and chain names before they are sent.

use crate::sys::NFT_NAME_MAXLEN;

/// Checks that a table, set or chain name is one the kernel accepts:
/// 1 to 255 bytes with no NUL byte. `what` names the kind in the error.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("{what} name is empty"));
    }
    if name.len() > NFT_NAME_MAXLEN {
        return Err(format!(
            "{what} name \"{}...\" is {} bytes; the kernel allows at most {NFT_NAME_MAXLEN}",
            name.chars().take(16).collect::<String>(),
            name.len()
        ));
    }
    if name.contains('\0') {
        return Err(format!("{what} name {:?} contains a NUL byte", name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_within_limits_pass() {
        assert!(check_name("set", "blocklist").is_ok());
        assert!(check_name("set", &"a".repeat(255)).is_ok());
    }

    #[test]
    fn bad_names_fail() {
        assert_eq!(check_name("table", "").unwrap_err(), "table name is empty");
        assert!(check_name("set", &"a".repeat(256))
            .unwrap_err()
            .contains("256 bytes"));
        assert!(check_name("chain", "a\0b").unwrap_err().contains("NUL"));
    }
}

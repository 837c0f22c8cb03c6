//! Which machine and user a scan ran as, for the team inventory.

/// The name [`machine_name`] and [`user_name`] give when nothing says who or where.
pub const UNKNOWN: &str = "unknown";

/// Whether a recorded user name names someone: not empty and not [`UNKNOWN`]. A scan run with
/// no `$USER`/`$LOGNAME` records `unknown`, which must never count as anyone's ownership.
pub fn is_known_user(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty() && name != UNKNOWN
}

/// The host name: `$STRAY_MACHINE` when set (to name a machine the same way across
/// re-installs), else what the operating system says (`gethostname(2)`, also on macOS, which has
/// no `/proc` and does not export `$HOSTNAME`); `unknown` when neither says.
pub fn machine_name() -> String {
    if let Ok(name) = std::env::var("STRAY_MACHINE")
        && !name.trim().is_empty()
    {
        return name.trim().to_string();
    }
    let name = gethostname::gethostname();
    let name = name.to_string_lossy();
    if name.trim().is_empty() {
        UNKNOWN.to_string()
    } else {
        name.trim().to_string()
    }
}

/// The login name, from the environment (`$USER`, `%USERNAME%`, `$LOGNAME`); `unknown` when it
/// is not set. Deliberately not the password database: in a CI container every job is `root`
/// or a numeric uid, which would name an owner nobody is.
pub fn user_name() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| UNKNOWN.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unknown_user_is_not_a_known_user() {
        assert!(is_known_user("ada"));
        assert!(!is_known_user(UNKNOWN));
        assert!(!is_known_user("  "));
    }
}

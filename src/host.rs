//! Which machine and user a scan ran as, for the team inventory.

/// The name [`machine_name`] and [`user_name`] give when nothing says who or where.
pub const UNKNOWN: &str = "unknown";

/// Whether a recorded user name names someone: not empty and not [`UNKNOWN`]. A scan run with
/// no `$USER`/`$LOGNAME` records `unknown`, which must never count as anyone's ownership.
pub fn is_known_user(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty() && name != UNKNOWN
}

/// The host name, from the environment or the kernel; `unknown` when neither says.
pub fn machine_name() -> String {
    for var in ["STRAY_MACHINE", "HOSTNAME", "COMPUTERNAME"] {
        if let Ok(name) = std::env::var(var)
            && !name.trim().is_empty()
        {
            return name.trim().to_string();
        }
    }
    for file in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(name) = std::fs::read_to_string(file)
            && !name.trim().is_empty()
        {
            return name.trim().to_string();
        }
    }
    UNKNOWN.to_string()
}

/// The login name, from the environment; `unknown` when it is not set.
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

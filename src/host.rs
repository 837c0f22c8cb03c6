//! Which machine and user a scan ran as, for the team inventory.

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
    "unknown".to_string()
}

/// The login name, from the environment; `unknown` when it is not set.
pub fn user_name() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

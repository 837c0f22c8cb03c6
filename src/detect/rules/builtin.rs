//! The rule packs compiled into the binary, one per provider family.

pub const PACKS: &[(&str, &str)] = &[
    ("ai.toml", include_str!("../../../rules/ai.toml")),
    (
        "code-hosts.toml",
        include_str!("../../../rules/code-hosts.toml"),
    ),
    ("cloud.toml", include_str!("../../../rules/cloud.toml")),
    ("saas.toml", include_str!("../../../rules/saas.toml")),
    (
        "packages.toml",
        include_str!("../../../rules/packages.toml"),
    ),
    (
        "secret-managers.toml",
        include_str!("../../../rules/secret-managers.toml"),
    ),
    ("keys.toml", include_str!("../../../rules/keys.toml")),
    (
        "structured.toml",
        include_str!("../../../rules/structured.toml"),
    ),
];

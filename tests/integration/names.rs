//! Every library enum of user-facing names (`names::Named`): each name once, lowercase,
//! found again, and the one serde uses. (An integration test: it names enums of every stage,
//! which `src/names.rs`, a support module, may not import.)

use stray::names::Named;

/// Every name is distinct, non-empty, lowercase and found again by `from_name`.
fn names_round_trip<T: Named + PartialEq + std::fmt::Debug>() {
    let mut seen = std::collections::HashSet::new();
    for &value in T::ALL {
        assert!(!value.name().is_empty(), "{value:?} has no name");
        // `.stray.toml` matches a lowercased value against the names.
        assert_eq!(value.name(), value.name().to_ascii_lowercase());
        assert!(seen.insert(value.name()), "{} named twice", value.name());
        assert_eq!(T::from_name(value.name()), Some(value));
    }
    assert_eq!(T::from_name("no-such-name"), None);
}

#[test]
fn every_named_enum_round_trips() {
    names_round_trip::<stray::report::Format>();
    names_round_trip::<stray::vault::VaultFormat>();
    names_round_trip::<stray::input::archive::ArchiveMode>();
    names_round_trip::<stray::inventory::query::Period>();
    names_round_trip::<stray::inventory::render::OutputFormat>();
    names_round_trip::<stray::judge::reconcile::FailOn>();
}

#[test]
fn serde_uses_the_names() {
    use stray::vault::VaultFormat;
    for &format in VaultFormat::ALL {
        let text = serde_json::to_string(&format).expect("serialize");
        assert_eq!(text, format!("\"{}\"", format.name()));
        let back: VaultFormat = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(back, format);
    }
    let wrong = serde_json::from_str::<VaultFormat>("\"lastpass\"");
    assert!(wrong.is_err_and(|e| e.to_string().contains("1password-csv")));
    let period = serde_json::to_string(&stray::inventory::query::Period::Week);
    assert_eq!(period.ok().as_deref(), Some("\"week\""));
}

#[test]
fn name_lists_read_as_prose() {
    use stray::input::archive::ArchiveMode;
    assert_eq!(ArchiveMode::name_list(), "auto, all or never");
}

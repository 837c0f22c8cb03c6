//! Names users type for the library's choices (`--format json`, `fail_on = ["shared"]`,
//! `"format": "1password-csv"` in a fingerprint file): each enum writes every variant's name
//! once, in its [`Named::name`], and everything else (the command line's parser and help,
//! `.stray.toml`, serde, the tests' lists of formats) reads it from there.

use serde::{Deserializer, Serializer};

/// A closed set of choices with one name each.
pub trait Named: Sized + Copy + 'static {
    /// Every variant, in the order help lists them.
    const ALL: &'static [Self];

    /// The name users type and files hold.
    fn name(self) -> &'static str;

    /// One line for `--help`; empty when the name says it all.
    fn help(self) -> &'static str {
        ""
    }

    /// The variant called `name` (exactly: names are case-sensitive).
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.name() == name)
    }

    /// Every name, in order.
    fn names() -> impl Iterator<Item = &'static str> {
        Self::ALL.iter().map(|value| value.name())
    }

    /// `a, b or c`: the names for an error message.
    fn name_list() -> String {
        let names: Vec<&str> = Self::names().collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => (*last).to_string(),
            None => String::new(),
        }
    }
}

/// Serializes a [`Named`] value as its name (for a `Serialize` impl to delegate to).
pub fn serialize<T: Named, S: Serializer>(value: T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.name())
}

/// Deserializes a [`Named`] value from its name (for a `Deserialize` impl to delegate to).
pub fn deserialize<'de, T: Named, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    struct NameVisitor<T>(std::marker::PhantomData<T>);

    impl<T: Named> serde::de::Visitor<'_> for NameVisitor<T> {
        type Value = T;

        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(formatter, "one of {}", T::name_list())
        }

        fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<T, E> {
            T::from_name(name)
                .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(name), &self))
        }
    }

    deserializer.deserialize_str(NameVisitor(std::marker::PhantomData))
}

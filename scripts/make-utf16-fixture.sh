#!/usr/bin/env bash
# Writes fixtures/utf16/: a PowerShell profile as Windows PowerShell's `Out-File` and Notepad
# save it (UTF-16LE with a byte-order mark, CRLF line ends), holding a fake OpenAI key made
# here from a fixed seed. Never paste a real key into a fixture; rerun this script instead.
# tests/utf16.rs checks what stray reports on it.
set -euo pipefail
cd "$(dirname "$0")/.."

state=20240425
base62=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz
# $1 characters from a linear congruential generator: the same key on every run and machine.
fake() {
  local i
  for ((i = 0; i < $1; i++)); do
    state=$(((state * 1103515245 + 12345) % 2147483648))
    printf '%s' "${base62:$(((state >> 16) % 62)):1}"
  done
}
# Command substitution runs in a subshell, so each part carries its own copy of the state:
# draw both halves in one call.
body=$(fake 80)
key="sk-proj-${body:0:40}T3BlbkFJ${body:40:40}"

dir=fixtures/utf16/Documents/PowerShell
mkdir -p "$dir"
{
  printf '\xff\xfe'
  sed 's/$/\r/' <<PROFILE | iconv -f UTF-8 -t UTF-16LE
# PowerShell profile – loaded by every pwsh session
Import-Module posh-git
Set-Alias ll Get-ChildItem
\$env:EDITOR = "code --wait"
\$env:OPENAI_API_KEY = "$key"
\$env:ANTHROPIC_API_KEY = "<your-anthropic-key>"
function prompt { "PS \$(Get-Location)> " }
PROFILE
} >"$dir/Microsoft.PowerShell_profile.ps1"
echo "wrote $dir/Microsoft.PowerShell_profile.ps1"

#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test of the
# workspace (extra arguments go to `cargo test`).
#
# - Debian's `chromium`, for the browser tests (tests/browser.rs, tests/differential.rs):
#   installed with apt-get when missing and this runs as root (or with password-less sudo);
#   otherwise say how.
# - playwright-core from npm (tests/browser/package-lock.json), which drives that Chromium.
#
# Without them the browser tests report themselves as skipped (and fail under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  else
    echo "scripts/test.sh: no chromium; install it (sudo apt-get install chromium) for the browser tests" >&2
  fi
fi

if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error >/dev/null
else
  echo "scripts/test.sh: no npm; install Node.js and npm for the browser tests" >&2
fi

cargo test --workspace "$@"

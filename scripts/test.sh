#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test of the
# workspace (extra arguments go to `cargo test`), and exits with cargo's status.
#
# - Debian's `chromium`, for the browser tests (tests/browser.rs, tests/differential.rs):
#   installed with apt-get when missing and this runs as root (or with password-less sudo).
# - playwright-core from npm (tests/browser/package-lock.json), which drives that Chromium.
# - Debian's `redis-server`, for tests/cache_redis.rs (each test starts its own on a free
#   port); without it those tests fail unless SKIP_REDIS_TESTS=1, which this script sets
#   (outside CI) when it cannot install it, with a banner like the browser tests'.
#
# A browser test that finds no Chromium, node or playwright-core fails, unless
# SKIP_BROWSER_TESTS=1. When this script cannot provide them (no chromium it can install, no
# npm), it sets SKIP_BROWSER_TESTS=1, runs the other tests, and ends with a banner on stderr:
# BROWSER TESTS DID NOT RUN: <why>. Under CI=true (as .ci/run sets it) it fails instead.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()

# Whether the command exists and is executable (`command -v` alone accepts a file on PATH that
# is not).
have() {
  local path
  path=$(command -v "$1" 2>/dev/null) && [ -x "$path" ]
}

# Where the browser tests look for it (tests/chromium.rs): $CHROMIUM, else Debian's paths.
has_chromium() {
  if [ -n "${CHROMIUM:-}" ]; then
    [ -f "$CHROMIUM" ] && [ -x "$CHROMIUM" ]
  else
    { [ -f /usr/bin/chromium ] && [ -x /usr/bin/chromium ]; } ||
      { [ -f /usr/bin/chromium-browser ] && [ -x /usr/bin/chromium-browser ]; }
  fi
}

if ! has_chromium; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
  if [ -z "${CHROMIUM:-}" ] && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
  if ! has_chromium; then
    if [ -n "${CHROMIUM:-}" ]; then
      missing+=("CHROMIUM=$CHROMIUM is not an executable")
    else
      missing+=("no chromium (sudo apt-get install chromium)")
    fi
  fi
fi

# Debian's redis-server, for the tests of cached slots shared through Redis
# (tests/cache_redis.rs, which start their own server on a free port).
if ! have redis-server && [ -z "${REDIS_SERVER:-}" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
  fi
fi
redis_missing=""
if ! have redis-server && [ -z "${REDIS_SERVER:-}" ]; then
  redis_missing="no redis-server (sudo apt-get install redis-server)"
fi

if have npm && have node; then
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error >/dev/null
else
  missing+=("no node/npm (sudo apt-get install nodejs npm, Node.js 20 or later)")
fi

if [ ${#missing[@]} -gt 0 ] && [ "${CI:-}" = true ]; then
  # CI must run every test: a machine that cannot is a broken CI machine, not a skip.
  printf 'scripts/test.sh: CI=true, but the browser tests cannot run: %s\n' "${missing[@]}" >&2
  exit 1
elif [ ${#missing[@]} -gt 0 ]; then
  export SKIP_BROWSER_TESTS=1
elif [ "${SKIP_BROWSER_TESTS:-}" = 1 ]; then
  missing+=("SKIP_BROWSER_TESTS=1 was set")
fi

if [ -n "$redis_missing" ]; then
  if [ "${CI:-}" = true ]; then
    echo "scripts/test.sh: CI=true, but the Redis tests cannot run: $redis_missing" >&2
    exit 1
  fi
  export SKIP_REDIS_TESTS=1
fi

status=0
cargo test --workspace "$@" || status=$?

if [ -n "$redis_missing" ]; then
  {
    echo
    echo "################################################################################"
    echo "REDIS TESTS DID NOT RUN: $redis_missing"
    echo "(tests/cache_redis.rs returned at once: SKIP_REDIS_TESTS=1)"
    echo "################################################################################"
  } >&2
fi

if [ ${#missing[@]} -gt 0 ]; then
  why=$(printf '%s; ' "${missing[@]}")
  {
    echo
    echo "################################################################################"
    echo "BROWSER TESTS DID NOT RUN: ${why%; }"
    echo "(tests/browser.rs and tests/differential.rs returned at once: SKIP_BROWSER_TESTS=1)"
    echo "################################################################################"
  } >&2
fi
exit "$status"

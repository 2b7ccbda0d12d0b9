#!/usr/bin/env bash
# The README's screenshots of the app example (docs/screenshots/*.png): runs
# `cargo run --example app` on a fresh database in a temporary folder, walks its pages in
# headless Chromium with tests/browser/app.mjs (the script the browser test runs, which also
# sends a chat message), and writes one full-page PNG per step. Needs what the browser tests
# need: Debian's chromium and `npm ci --prefix tests/browser` (scripts/test.sh installs both).
#
#   bash scripts/screenshots.sh            # then look at docs/screenshots/*.png
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PORT:-3917}
out=docs/screenshots
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$out"

cargo build -q -p parallel-routes-examples --example app
DATABASE_URL="sqlite:$work/app.sqlite" PORT=$port cargo run -q -p parallel-routes-examples --example app &
server=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  sleep 0.1
done

htmx=$(grep -o 'https://unpkg.com/htmx.org@[^"]*' examples/tabs.rs)
node tests/browser/app.mjs "http://127.0.0.1:$port" "$htmx" "$work" >"$work/run.json"
if grep -q '"errors":\[\]' "$work/run.json"; then :; else
  echo "the walk reported errors: $(cat "$work/run.json")" >&2
  exit 1
fi
# The four pages, as the README shows them.
cp "$work/dashboard.png" "$out/dashboard.png"
cp "$work/sent.png" "$out/chat.png"
cp "$work/filtered.png" "$out/shop.png"
cp "$work/post.png" "$out/blog.png"
ls -l "$out"

#!/usr/bin/env bash
# The build-time ratio (issue 10): how much longer a crate of LAYOUTS layouts (default 50),
# each with four slots and a page (five regions), takes to compile with the macros than the
# same routes written by hand in plain axum. The target: ≤ 1.5× (debug, non-incremental).
#
# Generates two binary crates under target/build-ratio/ (each its own [workspace], its own
# CARGO_TARGET_DIR, the workspace's Cargo.lock as a start, so the same axum and tokio):
#
# - generated/: per layout N, `#[layout("/pN", slots(a, b, c, d))] async fn lN(..)`, its four
#   `#[slot]`s and its `#[page]`; `app()` merges every `lN::router()`.
# - hand/: the same functions (the layout takes `&str`s instead of `Fragment`s), a page handler
#   per layout that `tokio::join!`s the slots and the page and calls the layout, and the same
#   fragment routes (`/pN/@a` … `/pN/@children`, each the slot's function as the handler).
#
# Then:
# 1. builds both (their dependencies, once: untimed), and refuses to time unless both answer
#    every route (`--check`: all LAYOUTS × 6 GETs in process, status, headers and body) with
#    the same bytes;
# 2. prints the size of each source, and of the generated crate's expansion (`cargo expand`
#    if installed, else the `-Zunpretty=expanded` that cargo-expand runs);
# 3. times the crate alone: `touch src/main.rs`, then `CARGO_INCREMENTAL=0 cargo build`,
#    ROUNDS rounds (default 5) alternating generated/hand (ABBA), then the same with
#    CARGO_INCREMENTAL=1 (a rebuild after a touch, the incremental cache warm); prints each
#    round, and the median ratio generated/hand with its range.
#
# A timed build must compile the crate alone: when it compiles anything else (the library
# changed under it, say) or waits for a lock, the round is built again (at most 3 times).
#
#   bash scripts/build-ratio.sh               # LAYOUTS=50 ROUNDS=5
#   LAYOUTS=3 ROUNDS=1 bash scripts/build-ratio.sh   # a quick try of the script itself
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
layouts=${LAYOUTS:-50}
rounds=${ROUNDS:-5}
slots=(a b c d)      # and `children`, the page: five regions
slot_list=$(IFS=,; echo "${slots[*]}") && slot_list=${slot_list//,/, }   # "a, b, c, d"
dir=$root/target/build-ratio
script_start=$EPOCHREALTIME

echo "== uptime before: $(uptime)"
echo "   $(nproc) cores; $(rustc --version)"

# What the library was at the start (and at the end, below): a commit, and a hash of its
# sources, since another engineer may be editing them.
library_state() {
  local files
  files=$(find parallel-routes/src parallel-routes/Cargo.toml parallel-routes-macros/src \
    parallel-routes-macros/Cargo.toml -type f | sort)
  local dirty=""
  git diff --quiet HEAD -- parallel-routes parallel-routes-macros || dirty=" + uncommitted changes"
  # shellcheck disable=SC2086 # the paths have no spaces
  echo "commit $(git rev-parse --short HEAD)$dirty, sources $(cat $files | sha256sum | cut -c1-12)"
}
library_before=$(library_state)
echo "   library: $library_before"

# ---------------------------------------------------------------------------------------------
# The two crates' sources
# ---------------------------------------------------------------------------------------------

# Cargo.toml of crate $1, with the dependencies $2 (the lines after `[dependencies]`).
manifest() {
  cat <<EOF
[package]
name = "$1"
version = "0.1.0"
edition = "2024"
publish = false

# Not a member of /work/main's workspace.
[workspace]

[dependencies]
$2
# The same as the workspace's (Cargo.toml, parallel-routes/Cargo.toml).
axum = { version = "0.8.9", default-features = false }
tokio = { version = "1.48", default-features = false, features = ["macros", "rt"] }
# For --check.
tower = { version = "0.5.3", default-features = false, features = ["util"] }
http-body-util = "0.1.3"
EOF
}

# What the layout prints around its regions, a `format!` string: the same in both crates.
layout_format() {
  local s out="<div><h1>Layout $1</h1><div class=\\\"slots\\\">"
  for s in "${slots[@]}"; do out+="<section>{$s}</section>"; done
  echo "$out</div><main>{children}</main></div>"
}

# The slots' and the page's functions of layout $1, the same bodies in both crates, each after
# its attribute: $2 for the slots (with `SLOT` for the slot's name), $3 for the page (none when
# empty).
region_fns() {
  local n=$1 slot_attribute=$2 page_attribute=$3 s
  for s in "${slots[@]}"; do
    [ -z "$slot_attribute" ] || echo "${slot_attribute//SLOT/$s}"
    cat <<EOF
async fn l${n}_$s() -> Html<&'static str> {
    Html("<div>Slot $s of page $n</div>")
}

EOF
  done
  [ -z "$page_attribute" ] || echo "$page_attribute"
  cat <<EOF
async fn l${n}_page() -> Html<&'static str> {
    Html("<p>Page $n</p>")
}

EOF
}

# `main` and `--check`, the same in both crates: `--check` GETs every route in process and
# prints status, version, headers, announced length and body, for the script to diff.
main_and_check() {
  local suffixes='""' s
  for s in "${slots[@]}" children; do suffixes+=", \"/@$s\""; done
  cat <<EOF
#[tokio::main(flavor = "current_thread")]
async fn main() {
    if std::env::args().nth(1).as_deref() == Some("--check") {
        check(app()).await;
    } else {
        eprintln!("usage: {} --check", env!("CARGO_PKG_NAME"));
    }
}

async fn check(app: Router) {
    use axum::body::{Body, HttpBody};
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    for n in 1..=$layouts {
        for suffix in [$suffixes] {
            let path = format!("/p{n}{suffix}");
            let request = Request::get(&path).body(Body::empty()).unwrap();
            let (parts, body) = app.clone().oneshot(request).await.unwrap().into_parts();
            let exact_len = body.size_hint().exact();
            let body = body.collect().await.unwrap().to_bytes();
            println!("GET {path}: {:?} {}", parts.version, parts.status);
            for (name, value) in &parts.headers {
                println!("{name}: {value:?}");
            }
            println!("(exact length {exact_len:?}) {}", String::from_utf8_lossy(&body));
        }
    }
}
EOF
}

generate_generated() {
  local n s args
  manifest generated 'parallel-routes = { path = "../../../parallel-routes" }'
  printf -- '-- src/main.rs\n'
  cat <<EOF
//! $layouts layouts of four slots and a page, through the macros (scripts/build-ratio.sh).

use axum::Router;
use axum::response::Html;
use parallel_routes::prelude::*;

EOF
  args=""
  for s in "${slots[@]}"; do args+="$s: Fragment, "; done
  for ((n = 1; n <= layouts; n++)); do
    cat <<EOF
#[layout("/p$n", slots($slot_list))]
async fn l$n(${args}children: Fragment) -> Html<String> {
    Html(format!("$(layout_format "$n")"))
}

EOF
    region_fns "$n" "#[slot(l$n, SLOT)]" "#[page(l$n)]"
  done
  echo "fn app() -> Router {"
  echo "    Router::new()"
  for ((n = 1; n <= layouts; n++)); do echo "        .merge(l$n::router())"; done
  echo "}"
  echo
  main_and_check
}

generate_hand() {
  local n s args joined fields
  manifest hand ''
  printf -- '-- src/main.rs\n'
  cat <<EOF
//! The same $layouts pages and fragment routes, written by hand in plain axum
//! (scripts/build-ratio.sh).

use axum::Router;
use axum::response::Html;
use axum::routing::get;

EOF
  args="" joined="" fields=""
  for s in "${slots[@]}"; do
    args+="$s: &str, "
    fields+="$s.0, "
  done
  for ((n = 1; n <= layouts; n++)); do
    joined=""
    for s in "${slots[@]}"; do joined+="l${n}_$s(), "; done
    cat <<EOF
async fn l$n(${args}children: &str) -> Html<String> {
    Html(format!("$(layout_format "$n")"))
}

EOF
    region_fns "$n" "" ""
    cat <<EOF
/// GET /p$n: the regions concurrently, then the layout.
async fn page_$n() -> Html<String> {
    let ($slot_list, children) = tokio::join!(${joined}l${n}_page());
    l$n(${fields}children.0).await
}

fn router_$n() -> Router {
    Router::new()
        .route("/p$n", get(page_$n))
EOF
    for s in "${slots[@]}"; do echo "        .route(\"/p$n/@$s\", get(l${n}_$s))"; done
    echo "        .route(\"/p$n/@children\", get(l${n}_page))"
    echo "}"
    echo
  done
  echo "fn app() -> Router {"
  echo "    Router::new()"
  for ((n = 1; n <= layouts; n++)); do echo "        .merge(router_$n())"; done
  echo "}"
  echo
  main_and_check
}

# Writes crate $1 from generator $2's output (Cargo.toml, then `-- src/main.rs`, then the
# source), with the workspace's Cargo.lock as its lock, so it resolves to the same versions.
write_crate() {
  local crate=$dir/$1
  mkdir -p "$crate/src"
  "$2" | awk -v toml="$crate/Cargo.toml" -v main="$crate/src/main.rs" \
    '/^-- src\/main.rs$/ { out = main; next } { print > (out ? out : toml) }'
  [ -f "$crate/Cargo.lock" ] || cp Cargo.lock "$crate/Cargo.lock"
}

echo "== generating $layouts layouts × $((${#slots[@]} + 1)) regions in target/build-ratio/"
write_crate generated generate_generated
write_crate hand generate_hand

# ---------------------------------------------------------------------------------------------
# Building and checking
# ---------------------------------------------------------------------------------------------

# `cargo build` of crate $1 in its own target dir, with the environment assignments that
# follow; cargo's output goes to $dir/$1.log. Exits on a compile error.
build() {
  local crate=$1
  shift
  (cd "$dir/$crate" && env CARGO_TARGET_DIR="$dir/target-$crate" "$@" \
    cargo build --offline --color never 2>"$dir/$crate.log") || {
    cat "$dir/$crate.log" >&2
    echo "build-ratio: $crate does not build (log above)" >&2
    exit 1
  }
}

# What the last build of crate $1 did besides compiling that crate: the `Compiling` lines of
# other packages and any `Blocking` (waiting for a lock). Empty: it built the crate alone.
built_besides() {
  grep -E '^ *(Compiling|Blocking) ' "$dir/$1.log" | grep -vE "^ *Compiling $1 v" || true
}

echo "== building both crates and their dependencies (untimed)"
for crate in generated hand; do
  build "$crate" CARGO_INCREMENTAL=0
  echo "   $crate: $(grep -cE '^ *Compiling ' "$dir/$crate.log") packages compiled"
  # The crate's own warnings (cargo's summary line names it): the generator's to fix.
  if grep -q "^warning: \`$crate\`" "$dir/$crate.log"; then
    cat "$dir/$crate.log" >&2
    echo "build-ratio: $crate builds with warnings (above): fix the generator" >&2
    exit 1
  fi
done

echo "== checking that both answer every route with the same bytes"
for crate in generated hand; do
  "$dir/target-$crate/debug/$crate" --check >"$dir/check-$crate.txt"
done
if ! diff -u "$dir/check-generated.txt" "$dir/check-hand.txt" >"$dir/check.diff"; then
  head -40 "$dir/check.diff" >&2
  echo "REFUSING TO TIME: the generated and the hand-written routes answer differently" \
    "(whole diff: $dir/check.diff)" >&2
  exit 1
fi
routes=$(grep -c '^GET ' "$dir/check-generated.txt")
ok=$(grep -c '^GET .*: HTTP/1.1 200 OK$' "$dir/check-generated.txt" || true)
page='<section><div>Slot a of page [0-9]*</div></section>.*<main><p>Page [0-9]*</p></main>'
pages=$(grep -c "$page" "$dir/check-generated.txt" || true)
if [ "$routes" -ne $((layouts * (${#slots[@]} + 2))) ] || [ "$ok" -ne "$routes" ] ||
  [ "$pages" -ne "$layouts" ]; then
  echo "REFUSING TO TIME: expected $((layouts * (${#slots[@]} + 2))) routes answering 200 and" \
    "$layouts full pages; got $routes routes, $ok answering 200, $pages pages" >&2
  exit 1
fi
echo "   identical: $routes routes, each 200 with the same headers and body" \
  "($dir/check-generated.txt)"

# ---------------------------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------------------------

echo "== sizes"
for crate in generated hand; do
  printf '   %-9s src/main.rs: %6d lines, %7d bytes\n' "$crate" \
    "$(wc -l <"$dir/$crate/src/main.rs")" "$(wc -c <"$dir/$crate/src/main.rs")"
done
# The expansion: what cargo-expand prints (formatted), else rustc's own pretty-printing of the
# expanded crate, which is what cargo-expand runs on a stable compiler (RUSTC_BOOTSTRAP=1). It
# rebuilds the crate alone (another unit: the timed builds below rebuild it anyway).
if command -v cargo-expand >/dev/null; then
  how="cargo expand"
  (cd "$dir/generated" && CARGO_TARGET_DIR="$dir/target-generated" CARGO_INCREMENTAL=0 \
    cargo expand --offline --bin generated 2>/dev/null) >"$dir/expanded.rs"
else
  how="rustc -Zunpretty=expanded, unformatted: cargo-expand is not installed"
  (cd "$dir/generated" && CARGO_TARGET_DIR="$dir/target-generated" CARGO_INCREMENTAL=0 \
    RUSTC_BOOTSTRAP=1 cargo rustc --quiet --offline --bin generated -- -Zunpretty=expanded \
    2>/dev/null) >"$dir/expanded.rs"
fi
printf '   %-9s expanded:    %6d lines, %7d bytes (%s; %s)\n' generated \
  "$(wc -l <"$dir/expanded.rs")" "$(wc -c <"$dir/expanded.rs")" "$how" "$dir/expanded.rs"

# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------

# Seconds of one build of crate $1 alone after a touch, with CARGO_INCREMENTAL=$2. Rebuilds
# when anything else was compiled, or cargo waited for a lock (up to 3 tries).
timed_build() {
  local crate=$1 incremental=$2 try start end besides compiled
  for try in 1 2 3; do
    touch "$dir/$crate/src/main.rs"
    start=$EPOCHREALTIME
    build "$crate" CARGO_INCREMENTAL="$incremental"
    end=$EPOCHREALTIME
    besides=$(built_besides "$crate")
    if [ -z "$besides" ]; then
      echo "$start $end" | awk '{ printf "%.2f", $2 - $1 }'
      return
    fi
    compiled=$(echo "$besides" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//' | cut -c1-200)
    echo "   ($crate, try $try: cargo said \"$compiled\": building again)" >&2
    build "$crate" CARGO_INCREMENTAL="$incremental" # settle whatever it was, untimed
  done
  echo "build-ratio: $crate would not build alone 3 times in a row" >&2
  exit 1
}

# ROUNDS rounds, alternating which crate goes first (builds G H, H G, G H, …: ABBA); prints
# each round, then the medians and ranges. $1: CARGO_INCREMENTAL; $2: a title.
measure() {
  local incremental=$1 round g h order crate
  echo "== $2"
  # Untimed: so that the first timed round does not build the incremental cache (or rebuild
  # the path dependencies, whose fingerprint CARGO_INCREMENTAL is part of).
  build generated CARGO_INCREMENTAL="$incremental"
  build hand CARGO_INCREMENTAL="$incremental"
  : >"$dir/times-$incremental.txt"
  for ((round = 1; round <= rounds; round++)); do
    if ((round % 2)); then order="generated hand"; else order="hand generated"; fi
    for crate in $order; do
      if [ "$crate" = generated ]; then
        g=$(timed_build generated "$incremental")
      else
        h=$(timed_build hand "$incremental")
      fi
    done
    load=$(cut -d' ' -f1 /proc/loadavg)
    printf '   round %d (%s first): generated %6.2f s, hand %6.2f s, ratio %.3f   (load %s)\n' \
      "$round" "${order%% *}" "$g" "$h" "$(echo "$g $h" | awk '{ print $1 / $2 }')" "$load"
    echo "$g $h" >>"$dir/times-$incremental.txt"
  done
  # Each line of the file: generated's seconds, hand's.
  awk '
    function sort(v, n,   i, j, t) {
      for (i = 2; i <= n; i++)
        for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    }
    # "median (min–max)" of v[1..n], with format f.
    function summary(v, n, f) {
      sort(v, n)
      return sprintf(f " (" f "–" f ")", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2,
        v[1], v[n])
    }
    { g[NR] = $1; h[NR] = $2; r[NR] = $1 / $2 }
    END {
      printf "   median of %d rounds: generated %s s, hand %s s; ratio generated/hand %s\n",
        NR, summary(g, NR, "%.2f"), summary(h, NR, "%.2f"), summary(r, NR, "%.3f")
    }' "$dir/times-$incremental.txt"
}

measure 0 "debug, non-incremental (CARGO_INCREMENTAL=0): touch src/main.rs, cargo build"
measure 1 "debug, incremental (CARGO_INCREMENTAL=1): touch src/main.rs, cargo build"

library_after=$(library_state)
if [ "$library_after" != "$library_before" ]; then
  echo "   NOTE: the library changed during the run: now $library_after"
fi
echo "== uptime after: $(uptime)"
took=$(echo "$script_start $EPOCHREALTIME" | awk '{ printf "%.0f", $2 - $1 }')
echo "   the script took $took s"

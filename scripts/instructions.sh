#!/usr/bin/env bash
# Instructions per request of each bench page, generated and hand-written, counted by
# callgrind (stable on a noisy machine): the difference between runs of 2,000 and 1,000
# requests, over 1,000. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -q -p parallel-routes --bench instructions --no-run 2>/dev/null
bin=$(ls -t target/release/deps/instructions-* | grep -v '\.d$' | head -1)
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for pair in ${PAIRS:-dashboard wide10 wide30}; do
  declare -A per
  for side in generated hand-written; do
    a=$(count "$pair" "$side" 1000)
    b=$(count "$pair" "$side" 2000)
    per[$side]=$(( (b - a) / 1000 ))
  done
  awk -v p="$pair" -v g="${per[generated]}" -v h="${per[hand-written]}" \
    'BEGIN { printf "%-10s generated %7d  hand-written %7d  instructions per request; ratio %.3f\n", p, g, h, h / g }'
done

#!/usr/bin/env bash
# Runs the benchmarks of one build (bench/run.sh build/release [ARGS...]): a header
# naming the machine and the commit, then the table of each bench/bench_* binary.
# ARGS, or BENCH_ARGS from the environment, go to every binary, e.g.
#   BENCH_ARGS=--quick make bench          a smoke run (seconds)
#   bench/run.sh build/release --runs 5    more runs per configuration
# Without arguments bench_core also runs keyby-reduce paced at 1M records/s, for the
# latency below saturation.  Figures are kept in bench/RESULTS.md.
set -u
dir=${1:?usage: bench/run.sh BUILD_DIR [ARGS...]}
shift
args=("$@")
if [ ${#args[@]} -eq 0 ] && [ -n "${BENCH_ARGS:-}" ]; then read -r -a args <<<"$BENCH_ARGS"; fi
root=$(cd "$(dirname "$0")/.." && pwd)

commit=${STROM_COMMIT:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)}
if [ -z "${STROM_COMMIT:-}" ] && git -C "$root" rev-parse --git-dir >/dev/null 2>&1 &&
  ! git -C "$root" diff --quiet HEAD -- src include Makefile 2>/dev/null; then
  commit="$commit (+ uncommitted changes in src/include/Makefile)"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null)
cc_version=$(${CC:-cc} --version 2>/dev/null | head -n 1)

echo "== Strom benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commit:  $commit"
echo "cpu:     ${cpu:-unknown}, nproc $(nproc), $mem"
echo "kernel:  $(uname -sr)"
echo "cc:      $cc_version ($dir)"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; other work on the machine skews the figures)"
echo

rc=0
found=0
for b in "$dir"/bench/bench_*; do
  [ -x "$b" ] || continue
  found=1
  name=$(basename "$b")
  echo "== $name ${args[*]:-}"
  "$b" "${args[@]}" || rc=1
  if [ "$name" = bench_core ] && [ ${#args[@]} -eq 0 ]; then
    echo
    echo "== $name --jobs keyby-reduce --par 1 --rate 1000000 --runs 1   (latency below saturation)"
    "$b" --jobs keyby-reduce --par 1 --rate 1000000 --runs 1 || rc=1
  fi
  echo
done
if [ "$found" = 0 ]; then
  echo "no benchmark binaries in $dir/bench (build them with make bench)" >&2
  exit 1
fi
exit $rc

#!/usr/bin/env bash
# Runs the Nexmark SQL scripts (ddl.sql followed by qN.sql) through `strom sql`
# (bench/nexmark/run_sql.sh BUILD_DIR [ARGS...]; `make bench-nexmark-sql`) and prints one
# table: events/s, CPU cores used (user + system time over wall time), events/s per core,
# peak RSS, next to Flink's best published events/s per core (../shared/NEXMARK.md) and
# the ratio.  Exactly-once checkpoints every 10 s, into a temporary directory.  Each
# script writes to its own sink (blackhole in the scripts as written).
#   ARGS / BENCH_ARGS: --events N (default 10000000), --queries "0 1 2 ..." (default:
#   every script that runs today), --set "key=value" (a SET before each script, repeatable:
#   --set table.exec.mini-batch.enabled=true --set table.exec.mini-batch.allow-latency=2s ...)
set -u
dir=${1:?usage: bench/nexmark/run_sql.sh BUILD_DIR [ARGS...]}
shift
args=("$@")
if [ ${#args[@]} -eq 0 ] && [ -n "${BENCH_ARGS:-}" ]; then read -r -a args <<<"$BENCH_ARGS"; fi
events=10000000
# Every script runs.  q14 loads its UDF from $dir/lib/libnexmark_udf.so; q10 writes its
# partitions under a temporary directory.
queries="0 1 2 3 4 5 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"
sets=()
while [ ${#args[@]} -gt 0 ]; do
  case "${args[0]}" in
    --events) events=${args[1]} ;;
    --queries) queries=${args[1]} ;;
    --set) sets+=("${args[1]}") ;;
    *) echo "bench/nexmark/run_sql.sh: unknown argument '${args[0]}'" >&2; exit 2 ;;
  esac
  args=("${args[@]:2}")
done
root=$(cd "$(dirname "$0")/../.." && pwd)
strom="$dir/strom"
[ -x "$strom" ] || { echo "no $strom (run make first)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 1; }

# Flink's best published events/s per core (Flink 1.13 or 2.x, whichever is higher).
flink() {
  case $1 in
    0) echo 378000 ;; 1) echo 395000 ;; 2) echo 414000 ;; 3) echo 219000 ;; 4) echo 34000 ;;
    5) echo 75000 ;; 7) echo 23000 ;; 8) echo 162000 ;; 9) echo 14000 ;; 11) echo 46000 ;;
    12) echo 194000 ;; 19) echo 63000 ;; 20) echo 19000 ;; *) echo 0 ;;
  esac
}

work=$(mktemp -d /tmp/strom-nexmark-sql-XXXXXX)
trap 'rm -rf "$work"' EXIT
# q13's side input, as Flink's Nexmark and RisingWave generate it: keys 0-9999, value the key as text
seq 0 9999 | awk '{ print $1 "," $1 }' >"$work/side_input.csv"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "== Nexmark SQL queries (strom sql, parallelism 1), $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), nproc $(nproc); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "events per run: $events; checkpoints every 10 s (exactly-once)${sets[*]:+; SET ${sets[*]}}"
echo
printf '%-5s %12s %6s %14s %10s %12s %7s\n' query events/s cores events/s/core "peak RSS" "Flink best" ratio
rc=0
for q in $queries; do
  script="$work/q$q.sql"
  {
    echo "SET 'parallelism.default' = '1';"
    echo "SET 'execution.checkpointing.interval' = '10 s';"
    echo "SET 'state.checkpoints.dir' = '$work/ckpt-q$q';"
    for kv in "${sets[@]}"; do echo "SET '${kv%%=*}' = '${kv#*=}';"; done
    cat "$root/bench/nexmark/ddl.sql" "$root/bench/nexmark/q$q.sql"
  } >"$script"
  out=$( { /usr/bin/time -f 'TIME %e %U %S %M' "$strom" sql -f "$script" -D TPS=10000000 -D EVENTS_NUM="$events" \
    -D PERSON_PROPORTION=1 -D AUCTION_PROPORTION=3 -D BID_PROPORTION=46 -D NEXMARK_OUT="$work/out-q$q" -D SIDE_INPUT_PATH="$work/side_input.csv" \
    -D NEXMARK_UDF="$(cd "$dir" && pwd)/lib/libnexmark_udf.so" >/dev/null; } 2>&1)
  if [ $? -ne 0 ]; then
    echo "q$q failed: $(grep -v '^TIME' <<<"$out" | head -3)" >&2
    rc=1
    continue
  fi
  read -r _ wall user sys rss_kb <<<"$(grep '^TIME' <<<"$out")"
  eps=$(awk -v n="$events" -v w="$wall" 'BEGIN { printf "%.0f", n / (w > 0 ? w : 0.01) }')
  cores=$(awk -v u="$user" -v s="$sys" -v w="$wall" 'BEGIN { printf "%.2f", (u + s) / (w > 0 ? w : 0.01) }')
  epc=$(awk -v n="$events" -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", n / (u + s > 0 ? u + s : 0.01) }')
  fl=$(flink "$q")
  ratio=$(awk -v a="$epc" -v b="$fl" 'BEGIN { if (b > 0) printf "%.0fx", a / b; else print "-" }')
  printf '%-5s %12s %6s %14s %7.1f MB %12s %7s\n' "q$q" "$eps" "$cores" "$epc" "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')" "$fl" "$ratio"
  rm -rf "$work/ckpt-q$q" "$work/out-q$q"
done
exit $rc

#!/usr/bin/env bash
# Runs the Nexmark queries written as DataStream jobs (bench/nexmark/run.sh BUILD_DIR
# [ARGS...]; `make bench-nexmark`) and prints one table: each query at parallelism 1
# and 2 on the same generated input, through `strom nexmark run` (generator inside the
# job, blackhole sink, exactly-once checkpoints every 10 s), next to Flink's best
# published events/s per core (../shared/NEXMARK.md) and the ratio.
#   ARGS / BENCH_ARGS: --events N (default 10000000), --queries "0 1 2 3 4 5 7 8",
#   --par "1 2", --rate R (first-event rate, events/s of event time; default 10000000)
set -u
dir=${1:?usage: bench/nexmark/run.sh BUILD_DIR [ARGS...]}
shift
args=("$@")
if [ ${#args[@]} -eq 0 ] && [ -n "${BENCH_ARGS:-}" ]; then read -r -a args <<<"$BENCH_ARGS"; fi
events=10000000 queries="0 1 2 3 4 5 7 8" pars="1 2" rate=""
while [ ${#args[@]} -gt 0 ]; do
  case "${args[0]}" in
    --events) events=${args[1]} ;;
    --queries) queries=${args[1]} ;;
    --par) pars=${args[1]} ;;
    --rate) rate=${args[1]} ;;
    *) echo "bench/nexmark/run.sh: unknown argument '${args[0]}'" >&2; exit 2 ;;
  esac
  args=("${args[@]:2}")
done
root=$(cd "$(dirname "$0")/../.." && pwd)
strom="$dir/strom"
[ -x "$strom" ] || { echo "no $strom (run make first)" >&2; exit 1; }

# Flink's best published events/s per core (Flink 1.13 or 2.x, whichever is higher).
flink() {
  case $1 in
    0) echo 378000 ;; 1) echo 395000 ;; 2) echo 414000 ;; 3) echo 219000 ;; 4) echo 34000 ;;
    5) echo 75000 ;; 7) echo 23000 ;; 8) echo 162000 ;; *) echo 0 ;;
  esac
}

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "== Nexmark DataStream queries, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), nproc $(nproc); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "events per run: $events; first-event rate: ${rate:-10000000}/s; checkpoints every 10 s (exactly-once)"
echo
printf '%-5s %3s %12s %6s %14s %9s %6s %21s %12s %7s\n' query par events/s cores events/s/core "peak RSS" ckpts "latency p50/p99 ms" "Flink best" ratio
rc=0
for q in $queries; do
  for p in $pars; do
    out=$("$strom" nexmark run --query "q$q" --events "$events" -p "$p" ${rate:+--rate "$rate"} 2>&1)
    if [ $? -ne 0 ]; then
      echo "q$q p=$p failed: $out" >&2
      rc=1
      continue
    fi
    eps=$(sed -n 's/.* s: \([0-9]*\) events\/s,.*/\1/p' <<<"$out")
    cores=$(sed -n 's/.*, \([0-9.]*\) cores used.*/\1/p' <<<"$out")
    epc=$(sed -n 's/.*, \([0-9]*\) events\/s per core.*/\1/p' <<<"$out")
    rss=$(sed -n 's/.*peak RSS \([0-9.]*\) MB.*/\1/p' <<<"$out")
    ck=$(sed -n 's/.*, \([0-9]*\) checkpoints.*/\1/p' <<<"$out")
    lat=$(sed -n 's/.*latency p50 \([0-9.]*\) ms p99 \([0-9.]*\) ms.*/\1 \/ \2/p' <<<"$out")
    fl=$(flink "$q")
    ratio=$(awk -v a="$epc" -v b="$fl" 'BEGIN { if (b > 0) printf "%.0fx", a / b; else print "-" }')
    printf '%-5s %3s %12s %6s %14s %6s MB %6s %21s %12s %7s\n' "q$q" "$p" "$eps" "$cores" "$epc" "$rss" "$ck" "${lat:--}" "$fl" "$ratio"
  done
done
exit $rc

#!/usr/bin/env bash
# Runs every test binary of one build (tests/run.sh build/release), each under a
# time limit, and ends with the total "N passed, N failed".  TESTS_ONLY="a b" limits
# the run to those binaries.  TEST_JOBS=N runs N binaries at once (default: twice the
# number of cores, as most of a test's time is spent waiting on servers, checkpoints and
# killed processes); every test takes its own temporary directories, free ports and
# servers, so binaries do not share anything.  Each binary's output is printed whole, in name
# order, with the seconds it took.
set -u
dir=${1:?usage: tests/run.sh BUILD_DIR}
export STROM_TEST_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export STROM_BIN="$STROM_TEST_ROOT/$dir/strom"
jobs=${TEST_JOBS:-$(( $(nproc 2>/dev/null || echo 1) * 2 ))}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

names=()
for t in "$dir"/tests/test_*; do
  name=$(basename "$t")
  if [ -n "${TESTS_ONLY:-}" ] && [[ " $TESTS_ONLY " != *" $name "* ]]; then continue; fi
  names+=("$name")
done

# One binary: its output to $work/NAME.out, "rc seconds" to $work/NAME.rc.
run_one() {
  local name=$1 start rc
  start=$(date +%s)
  # A hang detector, not a speed test: ASan and TSan binaries on a loaded 2-core machine
  # take several times their quiet-machine time (test_sql_upsert_kafka: 150 s).
  timeout -k 5 900 "$dir/tests/$name" >"$work/$name.out" 2>&1
  rc=$?
  echo "$rc $(( $(date +%s) - start ))" >"$work/$name.rc"
}

# The slowest binaries of the last run start first, so that no long one is left
# running alone at the end; the log still prints in name order.
order=("${names[@]}")
if [ -s "$dir/test-times" ]; then
  mapfile -t order < <(for n in "${names[@]}"; do
    echo "$(awk -v n="$n" '$1 == n {print $2}' "$dir/test-times" | tail -1) $n"
  done | sort -k1,1nr | awk '{print $NF}')
fi
running=0
for name in "${order[@]}"; do
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait

passed=0 failed=0 broken=()
: >"$work/times"
for name in "${names[@]}"; do
  read -r rc secs <"$work/$name.rc"
  echo "$name $secs" >>"$work/times"
  echo "== $dir/$name (${secs}s)"
  cat "$work/$name.out"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/$name.out" | tail -1)
  if [ -z "$line" ]; then
    echo "!! $name exited with $rc before finishing"
    failed=$((failed + 1)); broken+=("$name"); continue
  fi
  p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "!! $name exited with $rc (sanitizer report?)"
    failed=$((failed + 1)); broken+=("$name")
  fi
  [ "$f" -gt 0 ] && broken+=("$name")
done
[ -n "${TESTS_ONLY:-}" ] || cp "$work/times" "$dir/test-times"
[ ${#broken[@]} -gt 0 ] && echo "failing: ${broken[*]}"
echo "$passed passed, $failed failed"
echo "$passed $failed" >> "$(dirname "$0")/../build/test-totals"
[ "$failed" -eq 0 ]

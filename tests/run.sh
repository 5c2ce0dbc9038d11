#!/usr/bin/env bash
# Runs every test binary of one build (tests/run.sh build/release), each under a
# time limit, and ends with the total "N passed, N failed".  TESTS_ONLY="a b" limits
# the run to those binaries.
set -u
dir=${1:?usage: tests/run.sh BUILD_DIR}
export STROM_TEST_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export STROM_BIN="$STROM_TEST_ROOT/$dir/strom"
passed=0 failed=0 broken=()
for t in "$dir"/tests/test_*; do
  name=$(basename "$t")
  if [ -n "${TESTS_ONLY:-}" ] && [[ " $TESTS_ONLY " != *" $name "* ]]; then continue; fi
  echo "== $dir/$name"
  out=$(mktemp)
  timeout -k 5 300 "$t" >"$out" 2>&1
  rc=$?
  cat "$out"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
  rm -f "$out"
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
[ ${#broken[@]} -gt 0 ] && echo "failing: ${broken[*]}"
echo "$passed passed, $failed failed"
echo "$passed $failed" >> "$(dirname "$0")/../build/test-totals"
[ "$failed" -eq 0 ]

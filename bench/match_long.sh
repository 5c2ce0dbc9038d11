#!/bin/sh
# match_long.sh -- MATCH_RECOGNIZE with one long partial match: one key, A then ROWS - 2
# rows of B* then C, 1 ms apart, in event time, through `strom sql -f`; prints the match
# and, with CALLGRIND=1, the instructions valgrind's callgrind counts (the per-row cost
# must not grow with the partial match: instructions grow linearly in ROWS).
#   bench/match_long.sh [build/release]     ROWS=5000 CALLGRIND=1
set -e
dir=${1:-build/release}
ROWS=${ROWS:-5000}
tmp=$(mktemp -d /tmp/strom-match-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
awk -v n="$ROWS" 'BEGIN { for (i = 1; i <= n; i++) { s = int(i / 1000)
  printf "%d,a,%d,2020-01-01 %02d:%02d:%02d.%03d\n", i, i == 1 ? 1 : (i == n ? 3 : 2), int(s / 3600), int(s / 60) % 60, s % 60, i % 1000 } }' >"$tmp/long.csv"
cat >"$tmp/q.sql" <<SQL
CREATE TABLE ev (id INT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
  WITH ('connector' = 'filesystem', 'path' = '$tmp/long.csv', 'format' = 'csv', 'scan.watermark.emit.strategy' = 'on-event');
SELECT * FROM ev MATCH_RECOGNIZE (PARTITION BY k ORDER BY ts
  MEASURES A.id AS a, COUNT(B.id) AS nb, LAST(B.id) AS lb, C.id AS c PATTERN (A B* C)
  DEFINE A AS A.v = 1, B AS B.v = 2 AND B.v >= COALESCE(LAST(B.v, 1), A.v), C AS C.v = 3);
SQL
if [ -n "$CALLGRIND" ]; then
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$dir/strom" sql -f "$tmp/q.sql" 2>"$tmp/err" | grep '+I'
  grep 'refs' "$tmp/err"
else
  /usr/bin/time -f "wall_s %e  peak_rss_KiB %M" "$dir/strom" sql -f "$tmp/q.sql" | grep '+I'
fi

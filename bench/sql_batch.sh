#!/bin/sh
# sql_batch.sh -- a GROUP BY in streaming and in batch mode ('execution.runtime-mode'),
# over bounded Nexmark bids and over a CSV file, through `strom sql -f`: wall seconds
# and peak RSS (/usr/bin/time), the median of RUNS runs each; then ORDER BY in batch mode
# (a full sort, and a LIMIT).
#   bench/sql_batch.sh [build/release]     EVENTS=1000000 ROWS=1000000 KEYS=10000 RUNS=3
set -e
dir=${1:-build/release}
EVENTS=${EVENTS:-1000000}
ROWS=${ROWS:-1000000}
KEYS=${KEYS:-10000}
RUNS=${RUNS:-3}
tmp=$(mktemp -d /tmp/strom-sql-batch-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
awk -v n="$ROWS" -v k="$KEYS" 'BEGIN { for (i = 0; i < n; i++) printf "k%d,%d\n", (i * 7919) % k, (i * 31) % 1000 }' >"$tmp/rows.csv"

nexmark="CREATE TABLE datagen (event_type INT, bid_auction BIGINT, bid_price BIGINT, bid_channel VARCHAR,
  date_time TIMESTAMP(3), WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND)
  WITH ('connector' = 'nexmark', 'events.num' = '$EVENTS');
CREATE VIEW bid AS SELECT bid_auction AS auction, bid_price AS price, bid_channel AS channel FROM datagen WHERE event_type = 2;"
file="CREATE TABLE rows_t (k STRING, v INT) WITH ('connector' = 'filesystem', 'path' = '$tmp/rows.csv', 'format' = 'csv');"

# name, DDL, sink columns, query[, modes]
run_case() {
  for mode in ${5:-streaming batch}; do
    cat >"$tmp/q.sql" <<SQL
SET 'execution.runtime-mode' = '$mode';
$2
CREATE TABLE sink ($3) WITH ('connector' = 'blackhole');
INSERT INTO sink $4;
SQL
    : >"$tmp/t"
    i=0
    while [ $i -lt "$RUNS" ]; do
      /usr/bin/time -f "%e %M" -a -o "$tmp/t" "$dir/strom" sql -f "$tmp/q.sql" >/dev/null
      i=$((i + 1))
    done
    sort -n "$tmp/t" | awk -v name="$1" -v mode="$mode" -v runs="$RUNS" \
      '{ w[NR] = $1; m[NR] = $2 } END { k = int((NR + 1) / 2); printf "%-28s %-9s wall_s %6.2f  peak_rss_MiB %7.1f  (median of %d)\n", name, mode, w[k], m[k] / 1024, runs }'
  done
}

run_case "nexmark bids by auction" "$nexmark" "auction BIGINT, n BIGINT, s BIGINT, m BIGINT" \
  "SELECT auction, COUNT(*), SUM(price), MAX(price) FROM bid GROUP BY auction"
run_case "nexmark bids by channel" "$nexmark" "channel STRING, n BIGINT, a BIGINT" \
  "SELECT channel, COUNT(*), AVG(price) FROM bid GROUP BY channel"
run_case "csv rows by k ($KEYS keys)" "$file" "k STRING, n BIGINT, s BIGINT, d BIGINT" \
  "SELECT k, COUNT(*), SUM(v), COUNT(DISTINCT v) FROM rows_t GROUP BY k"
run_case "csv rows ORDER BY v DESC, k" "$file" "k STRING, v INT" "SELECT k, v FROM rows_t ORDER BY v DESC, k" batch
run_case "csv rows ORDER BY v LIMIT 3" "$file" "k STRING, v INT" "SELECT k, v FROM rows_t ORDER BY v DESC LIMIT 3" batch

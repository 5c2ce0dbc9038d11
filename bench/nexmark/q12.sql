-- q12.sql -- Nexmark q12, processing-time windows: bids per bidder in 10 s tumbling windows of the clock.
-- Written from the query's definition in ../shared/NEXMARK.md; run after ddl.sql.
-- Uses: PROCTIME() and processing-time TUMBLE.

CREATE VIEW bid_proctime AS SELECT *, PROCTIME() AS p_time FROM bid;

CREATE TABLE nexmark_q12 (
  bidder BIGINT,
  bid_count BIGINT,
  starttime TIMESTAMP(3),
  endtime TIMESTAMP(3)
) WITH (
  'connector' = 'blackhole'
);

INSERT INTO nexmark_q12
SELECT bidder, COUNT(*) AS bid_count, window_start AS starttime, window_end AS endtime
FROM TABLE(TUMBLE(TABLE bid_proctime, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
GROUP BY bidder, window_start, window_end;

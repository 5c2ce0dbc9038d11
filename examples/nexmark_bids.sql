-- nexmark_bids.sql -- a Flink SQL job on the embedded runtime: Nexmark's auction
-- events, generated inside the job, and per 2 seconds of event time the number of bids
-- and the highest price per channel (a tumbling window TVF over a view).
--   build/release/strom run examples/nexmark_bids.sql [-D EVENTS=1000000]

SET 'parallelism.default' = '2';

CREATE TABLE events (
  event_type INT,
  bid_auction BIGINT, bid_price BIGINT, bid_channel VARCHAR,
  date_time TIMESTAMP(3),
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH (
  'connector' = 'nexmark',
  'events.num' = '${EVENTS}',
  'first-event.rate' = '100000'
);

CREATE TEMPORARY VIEW bids AS
SELECT date_time, bid_price,
       CASE WHEN bid_channel IN ('Google', 'Facebook', 'Baidu', 'Apple') THEN bid_channel ELSE 'other' END AS channel
FROM events WHERE event_type = 2;

CREATE TABLE results (
  window_start TIMESTAMP(3), channel VARCHAR, bids BIGINT, top_price BIGINT
) WITH ('connector' = 'print');

INSERT INTO results
SELECT window_start, channel, COUNT(*), MAX(bid_price)
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(date_time), INTERVAL '2' SECOND))
GROUP BY window_start, window_end, channel;

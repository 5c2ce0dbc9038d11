-- ddl_flat.sql -- a stand-in for ddl.sql's `bid` view while ROW columns do not bind:
-- the nexmark connector's flattened columns (bid_auction, ..., date_time) renamed to
-- the view's.  q15-q19 run on it:
--   cat ddl_flat.sql q19.sql > /tmp/q.sql && strom sql -D TPS=10000000 -D EVENTS_NUM=2000000 -f /tmp/q.sql
-- (the watermark is the same 4 s bound; the proportions are the connector's fixed 1:3:46).

CREATE TABLE datagen (
  event_type INT,
  bid_auction BIGINT, bid_bidder BIGINT, bid_price BIGINT, bid_channel VARCHAR, bid_url VARCHAR,
  bid_date_time TIMESTAMP(3), bid_extra VARCHAR,
  date_time TIMESTAMP(3),
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'first-event.rate' = '${TPS}', 'events.num' = '${EVENTS_NUM}');

CREATE VIEW bid AS
SELECT bid_auction AS auction, bid_bidder AS bidder, bid_price AS price, bid_channel AS channel,
       bid_url AS url, date_time AS dateTime, bid_extra AS extra
FROM datagen WHERE event_type = 2;

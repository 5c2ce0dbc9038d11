-- q13.sql -- Nexmark q13, bounded side input join: bids with a value looked up in a file.
-- Written from the query's definition in ../shared/NEXMARK.md; run after ddl.sql.
-- Uses: filesystem CSV source, processing-time temporal (lookup) join.

CREATE TABLE side_input (
  key BIGINT,
  `value` VARCHAR
) WITH (
  'connector' = 'filesystem',
  'path' = '${SIDE_INPUT_PATH}',
  'format' = 'csv'
);

CREATE VIEW bid_proctime AS SELECT *, PROCTIME() AS p_time FROM bid;

CREATE TABLE nexmark_q13 (
  auction BIGINT,
  bidder BIGINT,
  price BIGINT,
  dateTime TIMESTAMP(3),
  `value` VARCHAR
) WITH (
  'connector' = 'blackhole'
);

INSERT INTO nexmark_q13
SELECT B.auction, B.bidder, B.price, B.dateTime, S.`value`
FROM bid_proctime AS B
JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON MOD(B.auction, 10000) = S.key;

-- q0.sql -- Nexmark q0, pass-through: every bid, unchanged (measures the source and the sink).
-- Written from the query's definition in ../shared/NEXMARK.md; run after ddl.sql.
-- Uses: projection and filter over a view.

CREATE TABLE nexmark_q0 (
  auction BIGINT,
  bidder BIGINT,
  price BIGINT,
  dateTime TIMESTAMP(3),
  extra VARCHAR
) WITH (
  'connector' = 'blackhole'
);

INSERT INTO nexmark_q0
SELECT auction, bidder, price, dateTime, extra FROM bid;

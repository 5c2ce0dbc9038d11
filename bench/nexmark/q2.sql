-- q2.sql -- Nexmark q2, selection: bids on a few auctions.
-- Written from the query's definition in ../shared/NEXMARK.md; run after ddl.sql.
-- Uses: MOD.

CREATE TABLE nexmark_q2 (
  auction BIGINT,
  price BIGINT
) WITH (
  'connector' = 'blackhole'
);

INSERT INTO nexmark_q2
SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;

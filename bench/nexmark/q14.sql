-- q14.sql -- Nexmark q14, calculation: a user-defined function and filters on the converted price.
-- Written from the query's definition in ../shared/NEXMARK.md; run after ddl.sql.
-- Uses: user-defined scalar function count_char, HOUR.

-- count_char(s, c): how many times the character c occurs in s (a scalar UDF in C,
-- bench/nexmark/udf/count_char.c; NEXMARK_UDF is the path of build/<BUILD>/lib/libnexmark_udf.so).
CREATE FUNCTION count_char AS '${NEXMARK_UDF}:count_char_udf' LANGUAGE C;

CREATE TABLE nexmark_q14 (
  auction BIGINT,
  bidder BIGINT,
  price DECIMAL(23,
  3),
  bidTimeType VARCHAR,
  dateTime TIMESTAMP(3),
  extra VARCHAR,
  c_counts BIGINT
) WITH (
  'connector' = 'blackhole'
);

INSERT INTO nexmark_q14
SELECT auction, bidder, 0.908 * price AS price,
       CASE WHEN HOUR(dateTime) >= 8 AND HOUR(dateTime) <= 18 THEN 'dayTime'
            WHEN HOUR(dateTime) <= 6 OR HOUR(dateTime) >= 20 THEN 'nightTime'
            ELSE 'otherTime' END AS bidTimeType,
       dateTime, extra, count_char(extra, 'c') AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;

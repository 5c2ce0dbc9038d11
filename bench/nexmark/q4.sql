-- q4.sql -- Nexmark q4, average closing price per category.
-- Written from the query's definition in ../shared/NEXMARK.md; run after ddl.sql.
-- Uses: regular join, nested GROUP BY with retractions (updating result).

CREATE TABLE nexmark_q4 (
  id BIGINT,
  final BIGINT
) WITH (
  'connector' = 'blackhole'
);

INSERT INTO nexmark_q4
SELECT Q.category, AVG(Q.final)
FROM (
  SELECT MAX(B.price) AS final, A.category
  FROM auction AS A, bid AS B
  WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
  GROUP BY A.id, A.category
) AS Q
GROUP BY Q.category;

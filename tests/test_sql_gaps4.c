/*
 * test_sql_gaps4.c -- the fourth round of SQL gaps: ALTER TABLE changes of the schema
 * (ADD / MODIFY / DROP / RENAME of columns, watermarks and primary keys, with Flink's
 * errors), ROW values as CAST arguments, CAST to CHAR(n) / VARCHAR(n) / BINARY(n), the
 * nullability of derived types, EXPLAIN's sink names and ROW comparisons with NULLs.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_parse_test.h"
#include "sql_test.h"

/* t over ${TMP}/t.csv: (1, 'a', 1 s), (2, 'b', 2 s), (3, NULL, 3 s) */
#define T3                                                                                          \
  "CREATE TABLE t (id INT NOT NULL, v STRING, ts TIMESTAMP(3)) WITH ('connector' = 'filesystem', "  \
  "'path' = '${TMP}/t.csv', 'format' = 'csv');\n"

static void write_t3(void) {
  write_tmp_file("t.csv", "1,a,2020-01-01 00:00:01\n2,b,2020-01-01 00:00:02\n3,,2020-01-01 00:00:03\n");
}

/* ---- 1. ALTER TABLE of the schema ---- */

TEST(alter_table_add_columns_with_positions) {
  CHECK_OUT(T3 "ALTER TABLE t ADD (c INT COMMENT 'first one' FIRST, d AS id * 10 AFTER id, e BIGINT);\n"
               "SHOW CREATE TABLE t;",
            "CREATE TABLE `default_catalog`.`default_database`.`t` (\n"
            "  `c` INT COMMENT 'first one',\n"
            "  `id` INT NOT NULL,\n"
            "  `d` AS `id` * 10,\n"
            "  `v` VARCHAR(2147483647),\n"
            "  `ts` TIMESTAMP(3),\n"
            "  `e` BIGINT\n"
            ")\n");
  /* a single element without parentheses; the query sees the new computed column */
  CHECK_ROWS(T3 "ALTER TABLE t ADD x AS id + 100;\nSELECT id, x FROM t;", true,
             "+I[1, 101]\n+I[2, 102]\n+I[3, 103]\n");
  CHECK_ROWS(T3 "ALTER TABLE t ADD (d AS id * 10 FIRST);\nSELECT * FROM t WHERE id = 2;", false,
             "+I[20, 2, b, 2020-01-01 00:00:02.000]\n");
  /* AFTER a column added by the same statement */
  CHECK_OUT(T3 "ALTER TABLE t ADD (a INT FIRST, b INT AFTER a);\nDESCRIBE t;",
            "|    a |          INT |  TRUE |     |        |           |\n|    b |          INT |  TRUE |");
  CHECK_ERR(T3 "ALTER TABLE t ADD (v INT);", "ALTER TABLE t: Try to add a column `v` which already exists in the table.");
  CHECK_ERR(T3 "ALTER TABLE t ADD (x INT, x BIGINT);", "Encounter duplicate column `x`.");
  CHECK_ERR(T3 "ALTER TABLE t ADD (x INT AFTER nope);", "Referenced column `nope` by 'AFTER' does not exist in the table.");
  /* the new definition must bind: a computed column over a missing column */
  CHECK_ERR(T3 "ALTER TABLE t ADD (x AS nope + 1);\n", "ALTER TABLE t:");
  /* a failed ALTER leaves the table as it was (a script goes on only in the CLI: check SHOW CREATE after the error) */
}

TEST(alter_table_watermark_and_primary_key) {
  CHECK_OUT(T3 "ALTER TABLE t ADD (WATERMARK FOR ts AS ts - INTERVAL '1' SECOND, PRIMARY KEY (id) NOT ENFORCED);\n"
               "SHOW CREATE TABLE t;",
            "  `ts` TIMESTAMP(3),\n"
            "  WATERMARK FOR `ts` AS `ts` - INTERVAL '1' SECOND,\n"
            "  CONSTRAINT `PK_id` PRIMARY KEY (`id`) NOT ENFORCED\n)\n");
  /* ADD WATERMARK alone; the query then has a time attribute: a TUMBLE over it */
  CHECK_ROWS(T3 "ALTER TABLE t ADD WATERMARK FOR ts AS ts;\n"
                "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '2' SECOND)) "
                "GROUP BY window_start, window_end;",
             true, "+I[2020-01-01 00:00:00.000, 1]\n+I[2020-01-01 00:00:02.000, 2]\n");
  CHECK_ERR(T3 "ALTER TABLE t ADD WATERMARK FOR ts AS ts;\nALTER TABLE t ADD WATERMARK FOR ts AS ts - INTERVAL '1' SECOND;",
            "The base table has already defined the watermark strategy `ts` AS `ts`. You might want to drop it before adding a new one.");
  CHECK_ERR(T3 "ALTER TABLE t MODIFY WATERMARK FOR ts AS ts;",
            "The base table does not define any watermark. You might want to add a new one.");
  CHECK_OUT(T3 "ALTER TABLE t ADD WATERMARK FOR ts AS ts;\nALTER TABLE t MODIFY WATERMARK FOR ts AS ts - INTERVAL '3' SECOND;\n"
               "SHOW CREATE TABLE t;",
            "WATERMARK FOR `ts` AS `ts` - INTERVAL '3' SECOND\n");
  CHECK_ERR(T3 "ALTER TABLE t ADD PRIMARY KEY (id) NOT ENFORCED;\nALTER TABLE t ADD PRIMARY KEY (v) NOT ENFORCED;",
            "The base table has already defined the primary key constraint [`id`]. You might want to drop it before adding a new one.");
  CHECK_ERR(T3 "ALTER TABLE t MODIFY PRIMARY KEY (v) NOT ENFORCED;",
            "The base table does not define any primary key constraint. You might want to add a new one.");
  CHECK_OUT(T3 "ALTER TABLE t ADD PRIMARY KEY (id) NOT ENFORCED;\nALTER TABLE t MODIFY PRIMARY KEY (id, v) NOT ENFORCED;\n"
               "SHOW CREATE TABLE t;",
            "  `v` VARCHAR(2147483647) NOT NULL,\n  `ts` TIMESTAMP(3),\n"
            "  CONSTRAINT `PK_id_v` PRIMARY KEY (`id`, `v`) NOT ENFORCED\n)\n");
  CHECK_OUT(T3 "ALTER TABLE t ADD PRIMARY KEY (id) NOT ENFORCED;\nALTER TABLE t DROP PRIMARY KEY;\n"
               "ALTER TABLE t ADD WATERMARK FOR ts AS ts;\nALTER TABLE t DROP WATERMARK;\nSHOW CREATE TABLE t;",
            "  `ts` TIMESTAMP(3)\n)\n");
  CHECK_ERR(T3 "ALTER TABLE t DROP PRIMARY KEY;", "ALTER TABLE t: The base table does not define any primary key.");
  CHECK_ERR(T3 "ALTER TABLE t DROP WATERMARK;", "ALTER TABLE t: The base table does not define any watermark strategy.");
  /* the watermark's column must be a timestamp, as at CREATE TABLE */
  CHECK_ERR(T3 "ALTER TABLE t ADD WATERMARK FOR v AS v;", "WATERMARK FOR v: the column must be TIMESTAMP(3)");
}

TEST(alter_table_modify_columns) {
  /* a new type and place; MODIFY keeps the comment it does not give */
  CHECK_OUT("CREATE TABLE m (a INT COMMENT 'the a', b STRING, c AS a + 1) WITH ('connector' = 'datagen');\n"
            "ALTER TABLE m MODIFY (a BIGINT AFTER b, c AS a * 2 FIRST);\nSHOW CREATE TABLE m;",
            "  `c` AS `a` * 2,\n  `b` VARCHAR(2147483647),\n  `a` BIGINT COMMENT 'the a'\n)\n");
  CHECK_ROWS(T3 "ALTER TABLE t MODIFY v STRING NOT NULL;\nALTER TABLE t MODIFY id BIGINT;\n"
                "SELECT id * 3000000000 FROM t WHERE id = 3;",
             false, "+I[9000000000]\n");
  CHECK_ERR(T3 "ALTER TABLE t MODIFY (nope INT);", "Try to modify a column `nope` which does not exist in the table.");
}

TEST(alter_table_drop_and_rename_columns) {
  CHECK_ROWS(T3 "ALTER TABLE t ADD (w AS UPPER(v), z AS id + 1);\nALTER TABLE t DROP (z);\nSELECT * FROM t WHERE id < 3;", true,
             "+I[1, a, 2020-01-01 00:00:01.000, A]\n+I[2, b, 2020-01-01 00:00:02.000, B]\n");
  /* a computed column that uses v, dropped with it */
  CHECK_OUT(T3 "ALTER TABLE t ADD (w AS UPPER(v));\nALTER TABLE t DROP (v, w);\nSHOW CREATE TABLE t;",
            "  `id` INT NOT NULL,\n  `ts` TIMESTAMP(3)\n)\n");
  CHECK_ERR(T3 "ALTER TABLE t ADD (w AS UPPER(v), z AS v || 'x');\nALTER TABLE t DROP v;",
            "ALTER TABLE t: The column `v` is referenced by computed column `w`, `z`.");
  CHECK_ERR(T3 "ALTER TABLE t ADD WATERMARK FOR ts AS ts;\nALTER TABLE t DROP ts;",
            "The column `ts` is referenced by watermark expression.");
  CHECK_ERR(T3 "ALTER TABLE t ADD PRIMARY KEY (id) NOT ENFORCED;\nALTER TABLE t DROP id;",
            "The column `id` is used as the primary key.");
  CHECK_ERR(T3 "ALTER TABLE t DROP (v, v);", "Duplicate column `v`.");
  CHECK_ERR(T3 "ALTER TABLE t DROP nope;", "The column `nope` does not exist in the base table.");
  CHECK_ERR("CREATE TABLE p (a INT, b STRING) PARTITIONED BY (b) WITH ('connector' = 'filesystem', "
            "'path' = '${TMP}/p', 'format' = 'csv');\nALTER TABLE p DROP b;",
            "The column `b` is used as the partition keys.");
  /* RENAME: the key follows the column; a used column cannot be renamed */
  CHECK_OUT(T3 "ALTER TABLE t ADD PRIMARY KEY (id) NOT ENFORCED;\nALTER TABLE t RENAME id TO k;\nSHOW CREATE TABLE t;",
            "  `k` INT NOT NULL,\n  `v` VARCHAR(2147483647),\n  `ts` TIMESTAMP(3),\n"
            "  CONSTRAINT `PK_k` PRIMARY KEY (`k`) NOT ENFORCED\n)\n");
  CHECK_ROWS(T3 "ALTER TABLE t RENAME v TO name;\nSELECT name FROM t WHERE id = 1;", false, "+I[a]\n");
  CHECK_ERR(T3 "ALTER TABLE t RENAME v TO ts;", "The column `ts` already existed in table schema.");
  CHECK_ERR(T3 "ALTER TABLE t ADD (w AS UPPER(v));\nALTER TABLE t RENAME v TO u;", "The column `v` is referenced by computed column `w`.");
  CHECK_ERR(T3 "ALTER TABLE t RENAME nope TO u;", "The column `nope` does not exist in the base table.");
  /* IF EXISTS on a missing table does nothing; without it, an error */
  CHECK_ROWS("ALTER TABLE IF EXISTS nope DROP x;", false, "");
  CHECK_ERR("ALTER TABLE nope DROP x;", "table 'default_catalog.default_database.nope' does not exist");
  CHECK_ERR("CREATE VIEW vv AS SELECT 1 AS a;\nALTER TABLE vv ADD (b INT);", "is a view: use ALTER VIEW");
}

TEST(alter_table_then_insert_uses_the_new_schema) {
  /* a sink gains a column: INSERT writes three columns in the new order */
  CHECK_ROWS(T3 "CREATE TABLE out (id INT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/out', 'format' = 'csv');\n"
                "ALTER TABLE out ADD (n INT FIRST);\n"
                "INSERT INTO out SELECT id * 2, id, v FROM t;\n"
                "CREATE TABLE back (n INT, id INT, v STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/out', 'format' = 'csv');\n"
                "SELECT * FROM back;",
             true, "+I[2, 1, a]\n+I[4, 2, b]\n+I[6, 3, ]\n");
}

TEST(alter_table_schema_parses) {
  CHECK_PARSE("ALTER TABLE t ADD (a INT FIRST, b AS a + 1 AFTER a, WATERMARK FOR ts AS ts, PRIMARY KEY (a) NOT ENFORCED)",
              "(alter-table-add t (column a INT) (column-list FIRST) (computed b (+ a 1)) (column-list AFTER a) (watermark ts ts) "
              "(primary-key a))");
  CHECK_PARSE("ALTER TABLE IF EXISTS c.d.t MODIFY x STRING NOT NULL COMMENT 'y'",
              "(alter-table-modify if-exists c.d.t (column x STRING NOT NULL (comment 'y')))");
  CHECK_PARSE("ALTER TABLE t DROP (a, `b c`)", "(alter-table-drop t a `b c`)");
  CHECK_PARSE("ALTER TABLE t DROP a", "(alter-table-drop t a)");
  CHECK_PARSE("ALTER TABLE t DROP PRIMARY KEY", "(alter-table-drop-pk t)");
  CHECK_PARSE("ALTER TABLE t DROP WATERMARK", "(alter-table-drop-watermark t)");
  CHECK_PARSE("ALTER TABLE t RENAME a TO b", "(alter-table-rename-column t a b)");
  CHECK_PARSE("ALTER TABLE t ADD (a INT AFTER)", "line 1, column 31: expected a column name, found ')'");
  CHECK_PARSE("ALTER TABLE t RENAME a", "line 1, column 23: expected TO, found end of input");
  CHECK_PARSE("ALTER TABLE t DROP ()", "line 1, column 21: expected a column name, found ')'");
}

TEST(alter_database_and_catalog) {
  CHECK_OUT("CREATE CATALOG c COMMENT 'first' WITH ('type' = 'generic_in_memory');\n"
            "ALTER CATALOG c SET ('default-database' = 'd');\nSHOW CREATE CATALOG c;",
            "CREATE CATALOG `c`\nCOMMENT 'first'\nWITH (\n  'default-database' = 'd',\n  'type' = 'generic_in_memory'\n)\n");
  CHECK_OUT("CREATE CATALOG c WITH ('type' = 'generic_in_memory', 'default-database' = 'd');\n"
            "ALTER CATALOG c COMMENT 'it''s';\nALTER CATALOG c RESET ('default-database');\nDESCRIBE CATALOG EXTENDED c;",
            "+-------------+-------------------+\n"
            "|   info name |        info value |\n"
            "+-------------+-------------------+\n"
            "|        name |                 c |\n"
            "|        type | generic_in_memory |\n"
            "|     comment |              it's |\n"
            "| option:type | generic_in_memory |\n"
            "+-------------+-------------------+\n4 rows in set\n");
  CHECK_OUT("CREATE CATALOG c WITH ('type' = 'generic_in_memory', 'default-database' = 'db1');\nDESCRIBE CATALOG EXTENDED c;",
            "|                    name |                 c |\n"
            "|                    type | generic_in_memory |\n"
            "|                 comment |                   |\n"
            "| option:default-database |               db1 |\n"
            "|             option:type | generic_in_memory |\n"
            "+-------------------------+-------------------+\n5 rows in set\n");
  CHECK_ERR("DESCRIBE CATALOG default_catalog;", "Cannot obtain metadata information from Catalog default_catalog.");
  /* the tables of an altered catalog stay */
  CHECK_OUT("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nCREATE TABLE c.`default`.t (a INT) WITH ('connector' = 'datagen');\n"
            "ALTER CATALOG c SET ('default-database' = 'default');\nSHOW TABLES FROM c.`default`;",
            "| t          |\n");
  CHECK_ERR("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nALTER CATALOG c RESET ('type');",
            "line 2, column 24: ALTER CATALOG RESET does not support changing 'type'");
  CHECK_ERR("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nALTER CATALOG c SET ('foo' = 'bar');",
            "catalog 'c': unsupported option 'foo'");
  CHECK_ERR("ALTER CATALOG nope SET ('default-database' = 'x');", "catalog 'nope' does not exist");
  CHECK_ERR("ALTER CATALOG default_catalog SET ('default-database' = 'x');", "Catalog default_catalog does not exist in the catalog store");
  /* a refused change leaves the options as they were */
  CHECK_ERR("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nALTER CATALOG c SET ('type' = 'hive');",
            "not supported: catalog type 'hive'");
  /* ALTER DATABASE: the database must exist; its properties merge */
  CHECK_ROWS("CREATE DATABASE d WITH ('k' = 'v');\nALTER DATABASE d SET ('k' = 'w');\nALTER DATABASE default_catalog.d SET ('x' = 'y');",
             false, "");
  CHECK_ERR("ALTER DATABASE nope SET ('k' = 'v');", "line 1, column 16: database 'default_catalog.nope' does not exist");
  CHECK_ERR("ALTER DATABASE nope.d SET ('k' = 'v');", "catalog 'nope' does not exist");
  CHECK_PARSE("ALTER DATABASE c.d SET ('k' = 'v')", "(alter-database c.d (with (option 'k' 'v')))");
  CHECK_PARSE("ALTER CATALOG c RESET ('a', 'b')", "(alter-catalog-reset c 'a' 'b')");
  CHECK_PARSE("ALTER CATALOG c COMMENT 'x'", "(alter-catalog-comment c 'x')");
  CHECK_PARSE("ALTER CATALOG c", "line 1, column 16: expected SET (...), RESET (...) or COMMENT, found end of input");
  CHECK_PARSE("DESCRIBE CATALOG EXTENDED c", "(show DESCRIBE CATALOG EXTENDED c)");
}

/* ---- 2. a ROW as CAST's argument: Flink's text form of a ROW ---- */

TEST(cast_of_a_row_to_string) {
  CHECK_ROWS("SELECT CAST(ROW(1, 'abc') AS STRING), CAST(ROW(1, NULL, ROW(TRUE, 2.5)) AS STRING), "
             "CAST(CAST(NULL AS ROW<x INT>) AS STRING), CAST(ROW(1, 'abcdef') AS VARCHAR(6)), "
             "CAST(ROW(1, CAST(NULL AS ROW<x INT>)) AS STRING), '<' || CAST(ROW(7) AS CHAR(5)) || '>';",
             false, "+I[(1, abc), (1, null, (TRUE, 2.5)), <NULL>, (1, ab, (1, null), <(7)  >]\n");
  write_tmp_file("p.json", "{\"id\": 1, \"person\": {\"pid\": 10, \"name\": \"a\"}}\n{\"id\": 2, \"person\": null}\n"
                           "{\"id\": 3, \"person\": {\"pid\": 30, \"name\": null}}\n");
#define PT "CREATE TABLE p (id INT, person ROW<pid BIGINT, name STRING>) WITH ('connector' = 'filesystem', " \
           "'path' = '${TMP}/p.json', 'format' = 'json');\n"
  CHECK_ROWS(PT "SELECT id, CAST(person AS STRING), UPPER(CAST(p.person AS STRING)) FROM p;", true,
             "+I[1, (10, a), (10, A)]\n+I[2, <NULL>, <NULL>]\n+I[3, (30, null), (30, NULL)]\n");
  /* over a GROUP BY of the ROW */
  CHECK_ROWS(PT "SELECT CAST(person AS STRING), COUNT(*) FROM p GROUP BY person;", true,
             "+I[(10, a), 1]\n+I[(30, null), 1]\n+I[<NULL>, 1]\n");
  /* what Flink refuses stays refused, by name */
  CHECK_ERR(PT "SELECT UPPER(person) FROM p;", "a ROW value as an argument of UPPER"); /* ARRAY[ROW(..)]: test_sql_rowfn.c */
  CHECK_ERR(PT "SELECT CAST(person AS INT) FROM p;", "cannot cast ROW<`pid` BIGINT, `name` STRING> to INT"); /* jsonagg: a ROW is a value */
}

/* ---- 3. CAST to CHAR(n) / VARCHAR(n): trimmed and padded as Flink 1.15+ ---- */

TEST(cast_to_char_and_varchar_fits_the_length) {
  CHECK_ROWS("SELECT CAST('abc' AS CHAR(5)) || '.', CHAR_LENGTH(CAST('abc' AS CHAR(5))), CAST('abcdef' AS VARCHAR(3)), "
             "CAST('abcdef' AS CHAR(2)), CAST(12345 AS VARCHAR(3)), CAST('abc' AS VARCHAR(10)) || '.', "
             "CAST('h\xc3\xa9llo' AS VARCHAR(2)), CAST(TRUE AS CHAR(2)), CAST('xyz' AS CHAR);",
             false, "+I[abc  ., 5, abc, ab, 123, abc., h\xc3\xa9, TR, x]\n");
  /* a column and NULL; TRY_CAST too; STRING is unbounded */
  write_t3();
  CHECK_ROWS(T3 "SELECT '(' || CAST(v AS CHAR(3)) || ')', TRY_CAST(CAST(id AS STRING) || 'xyz' AS VARCHAR(2)), "
                "CAST(CAST(ts AS STRING) AS STRING) FROM t WHERE id <> 2;",
             true, "+I[(   ), 3x, 2020-01-01 00:00:03.000]\n+I[(a  ), 1x, 2020-01-01 00:00:01.000]\n");
  /* binary strings keep types_bytes.c's fitting: BINARY pads with zero bytes */
  CHECK_ROWS("SELECT CAST(X'0102' AS BINARY(3)), CAST(X'010203' AS VARBINARY(2));", false, "+I[x'010200', x'0102']\n");
}

/* ---- 4. nullability of derived types ---- */

TEST(derived_types_are_not_null_as_flink_infers) {
  CHECK_OUT("CREATE TABLE s (id INT NOT NULL, v STRING, w STRING NOT NULL) WITH ('connector' = 'datagen');\n"
            "CREATE VIEW x AS SELECT id * 2 AS a, id > 1 AS b, CAST(id AS STRING) AS c, UPPER(w) AS d, "
            "CASE WHEN id > 1 THEN 1 ELSE 2 END AS e, v || 'x' AS f, CASE WHEN id > 1 THEN 1 END AS g, "
            "w || CAST(id + 1 AS STRING) AS h, CASE WHEN id > 1 THEN v ELSE w END AS i, TRY_CAST(w AS INT) AS j, "
            "COALESCE(v, w) AS k, -id AS l, id IN (1, 2) AND NOT w LIKE 'a%' AS m FROM s;\nDESCRIBE x;",
            "|    a |     INT | FALSE |     |        |           |\n"
            "|    b | BOOLEAN | FALSE |     |        |           |\n"
            "|    c |  STRING | FALSE |     |        |           |\n"
            "|    d |  STRING | FALSE |     |        |           |\n"
            "|    e |     INT | FALSE |     |        |           |\n"
            "|    f |  STRING |  TRUE |     |        |           |\n"
            "|    g |     INT |  TRUE |     |        |           |\n"
            "|    h |  STRING | FALSE |     |        |           |\n"
            "|    i |  STRING |  TRUE |     |        |           |\n"
            "|    j |     INT |  TRUE |     |        |           |\n"
            "|    k |  STRING | FALSE |     |        |           |\n"
            "|    l |     INT | FALSE |     |        |           |\n"
            "|    m | BOOLEAN | FALSE |     |        |           |\n");
  /* the side an outer join pads is nullable, and so is what is derived from it */
  CHECK_OUT("CREATE TABLE a (id INT NOT NULL) WITH ('connector' = 'datagen');\n"
            "CREATE TABLE b (id INT NOT NULL, v INT NOT NULL) WITH ('connector' = 'datagen');\n"
            "CREATE VIEW j AS SELECT a.id AS aid, b.v AS bv, b.v * 2 AS bv2, a.id + 1 AS aid1 FROM a LEFT JOIN b ON a.id = b.id;\n"
            "DESCRIBE j;",
            "|  aid |  INT | FALSE |     |        |           |\n"
            "|   bv |  INT |  TRUE |     |        |           |\n"
            "|  bv2 |  INT |  TRUE |     |        |           |\n"
            "| aid1 |  INT | FALSE |     |        |           |\n");
  /* SUM / MIN / MAX of a NOT NULL argument per group are NOT NULL; over the whole input, or with FILTER, not */
  CHECK_OUT("CREATE TABLE a (id INT NOT NULL, v INT) WITH ('connector' = 'datagen');\n"
            "CREATE VIEW g AS SELECT id, COUNT(*) AS n, SUM(id) AS s, MAX(id) + 1 AS m, SUM(v) AS sv, "
            "MIN(id) FILTER (WHERE id > 1) AS f, AVG(id) AS av FROM a GROUP BY id;\n"
            "CREATE VIEW h AS SELECT SUM(id) AS s FROM a;\nDESCRIBE g;\nDESCRIBE h;",
            "|   id |    INT | FALSE |     |        |           |\n"
            "|    n | BIGINT | FALSE |     |        |           |\n"
            "|    s |    INT | FALSE |     |        |           |\n"
            "|    m |    INT | FALSE |     |        |           |\n"
            "|   sv |    INT |  TRUE |     |        |           |\n"
            "|    f |    INT |  TRUE |     |        |           |\n"
            "|   av |    INT |  TRUE |     |        |           |\n"
            "+------+--------+-------+-----+--------+-----------+\n"
            "7 rows in set\n"
            "+------+------+------+-----+--------+-----------+\n"
            "| name | type | null | key | extras | watermark |\n"
            "+------+------+------+-----+--------+-----------+\n"
            "|    s |  INT | TRUE |     |        |           |\n");
}

/* the sink's NOT NULL columns: Flink's table.exec.sink.not-null-enforcer */
TEST(sink_not_null_enforcer) {
  write_tmp_file("src.csv", "1,x\n,y\n3,z\n");
#define SRC "CREATE TABLE src (a INT, b STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/src.csv', 'format' = 'csv');\n"
#define SNK(dir, key) "CREATE TABLE snk (a INT NOT NULL, b STRING" key ") WITH ('connector' = 'filesystem', 'path' = '${TMP}/" dir "', 'format' = 'csv');\n"
#define BACK(dir) "CREATE TABLE back (a INT, b STRING) WITH ('connector' = 'filesystem', 'path' = '${TMP}/" dir "', 'format' = 'csv');\nSELECT * FROM back;"
  CHECK_ERR(SRC SNK("nn1", "") "INSERT INTO snk SELECT a, b FROM src;",
            "Column 'a' is NOT NULL, however, a null value is being written into it. You can set job configuration "
            "'table.exec.sink.not-null-enforcer'='DROP' to suppress this exception and drop such records silently.");
  CHECK_ROWS(SRC SNK("nn2", "") "SET 'table.exec.sink.not-null-enforcer' = 'DROP';\nINSERT INTO snk SELECT a, b FROM src;\n" BACK("nn2"),
             true, "+I[1, x]\n+I[3, z]\n");
  /* a query that proves the column NOT NULL needs no check */
  CHECK_ROWS(SRC SNK("nn3", "") "INSERT INTO snk SELECT COALESCE(a, 0) * 2, b FROM src;\n" BACK("nn3"), true,
             "+I[0, y]\n+I[2, x]\n+I[6, z]\n");
  /* a primary key column is NOT NULL too */
  CHECK_ERR(SRC "CREATE TABLE pk (a INT, b STRING, PRIMARY KEY (b) NOT ENFORCED) WITH ('connector' = 'blackhole');\n"
                "INSERT INTO pk SELECT a, CASE WHEN a = 3 THEN NULL ELSE b END FROM src;",
            "Column 'b' is NOT NULL, however, a null value is being written into it.");
  CHECK_ERR("SET 'table.exec.sink.not-null-enforcer' = 'IGNORE';", "expected 'ERROR' or 'DROP', got 'IGNORE'");
}

/* ---- 5. EXPLAIN names the sink as Flink does ---- */

TEST(explain_prints_the_sink_as_flink) {
  CHECK_OUT("CREATE TABLE src (a INT, b STRING) WITH ('connector' = 'datagen');\n"
            "CREATE TABLE snk (x BIGINT, y STRING) WITH ('connector' = 'blackhole');\n"
            "EXPLAIN INSERT INTO snk SELECT a, b FROM src;",
            "Sink(table=[default_catalog.default_database.snk], fields=[x, y])\n");
  CHECK_OUT("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nCREATE DATABASE c.d;\n"
            "CREATE TABLE c.d.snk (x INT) WITH ('connector' = 'blackhole');\n"
            "EXPLAIN INSERT INTO c.d.snk SELECT 1;",
            "Sink(table=[c.d.snk], fields=[x])\n");
  /* a ROW column is one field */
  CHECK_OUT("CREATE TABLE snk (a INT, r ROW<x INT, y ROW<z STRING>>, b STRING) WITH ('connector' = 'blackhole');\n"
            "EXPLAIN INSERT INTO snk SELECT 1, ROW(2, ROW('z')), 'b';",
            "Sink(table=[default_catalog.default_database.snk], fields=[a, r, b])\n");
}

/* ---- 6. ROW comparisons expand field by field (Calcite), so a NULL field makes them UNKNOWN ---- */

TEST(row_comparison_with_nulls_is_fieldwise) {
  CHECK_ROWS("SELECT ROW(1, NULL) = ROW(1, NULL), ROW(1, NULL) = ROW(2, NULL), ROW(1, 2) = ROW(1, 2), "
             "ROW(1, 2) <> ROW(1, 3), ROW(1, NULL) <> ROW(1, 2);",
             false, "+I[<NULL>, FALSE, TRUE, TRUE, <NULL>]\n");
  /* in WHERE the UNKNOWN filters the row out */
  CHECK_ROWS("SELECT 1 FROM (VALUES (1)) AS v(a) WHERE ROW(a, NULL) = ROW(a, NULL);", false, "");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-gaps4-%d", (int)getpid());
  mkdir(tmp, 0777);
  write_t3();
  RUN(alter_table_add_columns_with_positions);
  RUN(alter_table_watermark_and_primary_key);
  RUN(alter_table_modify_columns);
  RUN(alter_table_drop_and_rename_columns);
  RUN(alter_table_then_insert_uses_the_new_schema);
  RUN(alter_table_schema_parses);
  RUN(alter_database_and_catalog);
  RUN(cast_of_a_row_to_string);
  RUN(cast_to_char_and_varchar_fits_the_length);
  RUN(derived_types_are_not_null_as_flink_infers);
  RUN(sink_not_null_enforcer);
  RUN(explain_prints_the_sink_as_flink);
  RUN(row_comparison_with_nulls_is_fieldwise);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) return 1;
  TEST_MAIN_END();
}

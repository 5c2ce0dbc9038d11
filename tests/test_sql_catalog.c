/*
 * test_sql_catalog.c -- catalogs and databases as Flink's SQL client has them: CREATE /
 * USE / DROP CATALOG and DATABASE, names t / db.t / c.db.t in FROM, INSERT INTO, DROP,
 * DESCRIBE and SHOW, views that resolve their names where they were made, the SHOW
 * statements (CREATE TABLE / VIEW text, COLUMNS, FUNCTIONS, CURRENT ...), ALTER TABLE /
 * VIEW, CREATE TABLE ... LIKE, and the errors naming what is missing with its position.
 * Expected outputs are written by hand from Flink's formats.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "sql_parse_test.h"
#include "sql_test.h"

#define SEQ(name, lo, hi)                                                                                  \
  "CREATE TABLE " name " (id INT, v STRING) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence', " \
  "'fields.id.start' = '" #lo "', 'fields.id.end' = '" #hi "', 'fields.v.length' = '1');\n"

TEST(catalogs_and_databases_are_created_used_and_listed) {
  CHECK_OUT("SHOW CATALOGS; SHOW CURRENT CATALOG; SHOW CURRENT DATABASE; SHOW DATABASES;",
            "+-----------------+\n| catalog name    |\n+-----------------+\n| default_catalog |\n+-----------------+\n"
            "1 row in set\n"
            "+----------------------+\n| current catalog name |\n+----------------------+\n| default_catalog      |\n"
            "+----------------------+\n1 row in set\n"
            "+-----------------------+\n| current database name |\n+-----------------------+\n| default_database      |\n"
            "+-----------------------+\n1 row in set\n"
            "+------------------+\n| database name    |\n+------------------+\n| default_database |\n"
            "+------------------+\n1 row in set\n");
  /* a generic_in_memory catalog starts with its database 'default' (or 'default-database') */
  CHECK_OUT("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\n"
            "CREATE CATALOG IF NOT EXISTS c WITH ('type' = 'generic_in_memory');\n"
            "CREATE CATALOG `my cat` WITH ('type' = 'generic_in_memory', 'default-database' = 'main');\n"
            "SHOW CATALOGS;\nUSE CATALOG c;\nSHOW CURRENT DATABASE;\n"
            "CREATE DATABASE db1 COMMENT 'first';\nCREATE DATABASE IF NOT EXISTS c.db1;\n"
            "CREATE DATABASE `my cat`.db2 WITH ('k' = 'v');\nSHOW DATABASES;\nUSE db1;\nSHOW CURRENT DATABASE;\n"
            "USE `my cat`.db2;\nSHOW CURRENT CATALOG;\nSHOW DATABASES;\nSHOW DATABASES FROM c LIKE 'd%';\n",
            "| catalog name    |\n+-----------------+\n| c               |\n| default_catalog |\n| my cat          |\n"
            "+-----------------+\n3 rows in set\n"
            "+-----------------------+\n| current database name |\n+-----------------------+\n| default               |\n"
            "+-----------------------+\n1 row in set\n"
            "+---------------+\n| database name |\n+---------------+\n| db1           |\n| default       |\n"
            "+---------------+\n2 rows in set\n"
            "+-----------------------+\n| current database name |\n+-----------------------+\n| db1                   |\n"
            "+-----------------------+\n1 row in set\n"
            "+----------------------+\n| current catalog name |\n+----------------------+\n| my cat               |\n"
            "+----------------------+\n1 row in set\n"
            "+---------------+\n| database name |\n+---------------+\n| db2           |\n| main          |\n"
            "+---------------+\n2 rows in set\n"
            "+---------------+\n| database name |\n+---------------+\n| db1           |\n| default       |\n"
            "+---------------+\n2 rows in set\n");
  /* USE CATALOG goes to the catalog's default database */
  CHECK_OUT("CREATE CATALOG c WITH ('type' = 'generic_in_memory', 'default-database' = 'main');\nUSE CATALOG c;\n"
            "CREATE DATABASE d;\nUSE d;\nUSE CATALOG default_catalog;\nUSE CATALOG c;\nSHOW CURRENT DATABASE;",
            "| main                  |");
}

TEST(names_resolve_in_the_current_or_named_database) {
  /* three tables named t: each name form reads its own one */
  const char *ddl = SEQ("t", 1, 2) "CREATE CATALOG c WITH ('type' = 'generic_in_memory');\n"
                    "CREATE DATABASE c.db1;\nUSE CATALOG c;\n" SEQ("t", 10, 11) "USE db1;\n" SEQ("t", 100, 101);
  char sql[4096];
  snprintf(sql, sizeof sql, "%sSELECT id FROM t;", ddl);
  CHECK_ROWS(sql, true, "+I[100]\n+I[101]\n");
  snprintf(sql, sizeof sql, "%sSELECT id FROM `default`.t;", ddl);
  CHECK_ROWS(sql, true, "+I[10]\n+I[11]\n");
  snprintf(sql, sizeof sql, "%sSELECT id FROM default_catalog.default_database.t;", ddl);
  CHECK_ROWS(sql, true, "+I[1]\n+I[2]\n");
  snprintf(sql, sizeof sql, "%sSELECT a.id + b.id FROM `c`.`db1`.`t` AS a JOIN c.`default`.t AS b ON a.id = b.id + 90;", ddl);
  CHECK_ROWS(sql, true, "+I[110]\n+I[112]\n");
  snprintf(sql, sizeof sql, "%sUSE CATALOG default_catalog;\nSELECT id FROM t;", ddl);
  CHECK_ROWS(sql, true, "+I[1]\n+I[2]\n");
  snprintf(sql, sizeof sql, "%sSHOW TABLES; SHOW TABLES FROM `default`; SHOW TABLES IN default_catalog.default_database;"
           " DESCRIBE c.`default`.t;", ddl);
  CHECK_OUT(sql, "| table name |\n+------------+\n| t          |\n");
  /* INSERT INTO a qualified name writes that table; reading it back by another name form */
  CHECK_ROWS("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nCREATE DATABASE c.d;\n" SEQ("src", 1, 3)
             "CREATE TABLE c.d.out (id INT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/out_d', 'format' = 'csv');\n"
             "CREATE TABLE out (id INT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/out_default', 'format' = 'csv');\n"
             "INSERT INTO c.d.out SELECT id * 7 FROM src;\nUSE CATALOG c;\nUSE d;\nSELECT id FROM out;",
             true, "+I[14]\n+I[21]\n+I[7]\n");
  /* the INSERTs planned before a DROP run first (their plans point at the dropped tables) */
  CHECK_ROWS(SEQ("src", 1, 2) "CREATE TABLE out (id INT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/out_drop', "
             "'format' = 'csv');\nINSERT INTO out SELECT id FROM src;\nDROP TABLE src;\nDROP TABLE out;\n"
             "CREATE TABLE back (id INT) WITH ('connector' = 'filesystem', 'path' = '${TMP}/out_drop', 'format' = 'csv');\n"
             "SELECT id FROM back;",
             true, "+I[1]\n+I[2]\n");
  /* DROP by a qualified name drops that one only */
  CHECK_ROWS("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\n" SEQ("t", 1, 1) "USE CATALOG c;\n" SEQ("t", 5, 5)
             "DROP TABLE default_catalog.default_database.t;\nSELECT id FROM t;",
             false, "+I[5]\n");
}

TEST(views_resolve_names_where_they_were_made) {
  /* v is made in c.db1 while db1 is current: its t is c.db1.t wherever v is read from */
  CHECK_ROWS(SEQ("t", 1, 2) "CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nCREATE DATABASE c.db1;\n"
             "USE CATALOG c;\nUSE db1;\n" SEQ("t", 30, 31) "CREATE VIEW v AS SELECT id + 1 AS x FROM t;\n"
             "USE CATALOG default_catalog;\nSELECT x FROM c.db1.v;",
             true, "+I[31]\n+I[32]\n");
  /* made in the default database with a qualified name: its t is the default one */
  CHECK_ROWS(SEQ("t", 1, 2) "CREATE CATALOG c WITH ('type' = 'generic_in_memory');\n"
             "CREATE VIEW c.`default`.v AS SELECT id FROM t;\nUSE CATALOG c;\n" SEQ("t", 50, 50) "SELECT id FROM v;",
             true, "+I[1]\n+I[2]\n");
  CHECK_OUT(SEQ("t", 1, 2) "CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nCREATE VIEW c.`default`.v AS SELECT id FROM t;\n"
            "SHOW VIEWS FROM c.`default`;\nDESCRIBE c.`default`.v;",
            "| view name |\n+-----------+\n| v         |\n");
}

TEST(drops_and_errors_name_what_is_missing) {
  CHECK_ERR("USE CATALOG nope;", "line 1, column 13: catalog 'nope' does not exist");
  CHECK_ERR("USE nope;", "line 1, column 5: database 'default_catalog.nope' does not exist");
  CHECK_ERR("SELECT * FROM x.y.t;", "catalog 'x' does not exist");
  CHECK_ERR("SELECT * FROM\n  y.t;", "line 2, column 3: database 'default_catalog.y' does not exist");
  CHECK_ERR("SELECT * FROM a.b.c.d;", "has 4 parts");
  CHECK_ERR("CREATE CATALOG h WITH ('type' = 'hive', 'hive-conf-dir' = '/x');",
            "not supported: catalog type 'hive' (Strom has 'generic_in_memory' and 'jdbc' catalogs)");
  CHECK_ERR("CREATE CATALOG j WITH ('type' = 'jdbc');", "catalog 'j': the option 'base-url' is required for a jdbc catalog");
  CHECK_ERR("CREATE CATALOG j WITH ('default-database' = 'x');", "the 'type' option is missing");
  CHECK_ERR("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nCREATE CATALOG c WITH ('type' = 'generic_in_memory');",
            "line 2, column 16: catalog 'c' already exists");
  CHECK_ERR("CREATE DATABASE d; CREATE DATABASE d;", "database 'default_catalog.d' already exists");
  CHECK_ERR("CREATE DATABASE nope.d;", "catalog 'nope' does not exist");
  CHECK_ERR("DROP DATABASE default_database;", "cannot drop database 'default_catalog.default_database': it is the current database");
  CHECK_ERR("DROP CATALOG default_catalog;", "cannot drop catalog 'default_catalog': it is the current catalog");
  CHECK_ERR("DROP DATABASE d;", "line 1, column 15: database 'default_catalog.d' does not exist");
  CHECK_ERR("DROP CATALOG c;", "catalog 'c' does not exist");
  CHECK_ERR("CREATE DATABASE d;\n" SEQ("d.t", 1, 1) "DROP DATABASE d;",
            "line 3, column 15: database 'default_catalog.d' is not empty");
  CHECK_ERR("CREATE DATABASE d;\n" SEQ("d.t", 1, 1) "DROP DATABASE d RESTRICT;", "is not empty");
  /* CASCADE drops the tables too; IF EXISTS quietly does nothing */
  CHECK_ERR("CREATE DATABASE d;\n" SEQ("d.t", 1, 1) "DROP DATABASE IF EXISTS e;\nDROP DATABASE d CASCADE;\n"
            "CREATE DATABASE d;\nSELECT * FROM d.t;",
            "table or view 't' not found");
  CHECK_ERR("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\n" SEQ("c.`default`.t", 1, 1)
            "DROP CATALOG IF EXISTS x;\nDROP CATALOG c;\nSELECT * FROM c.`default`.t;",
            "catalog 'c' does not exist");
  CHECK_ERR("INSERT INTO nope.t SELECT 1;", "line 1, column 13: database 'default_catalog.nope' does not exist");
  CHECK_ERR("DROP TABLE c.d.t;", "catalog 'c' does not exist");
  CHECK_OUT("DROP TABLE IF EXISTS t; DROP VIEW IF EXISTS v; SHOW TABLES;", "Empty set\n");
  CHECK_ERR("DESCRIBE d.t;", "database 'default_catalog.d' does not exist");
  CHECK_ERR("CREATE TABLE d.t (a INT) WITH ('connector' = 'blackhole');", "database 'default_catalog.d' does not exist");
  CHECK_ERR("USE MODULES core, hive;", "No module with name 'hive' exists");
}

TEST(show_create_table_and_view_in_flinks_form) {
  CHECK_OUT("CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nCREATE DATABASE c.shop;\n"
            "CREATE TABLE c.shop.orders (\n  id BIGINT NOT NULL COMMENT 'the id',\n  name STRING,\n"
            "  price DECIMAL(10, 2),\n  tags ARRAY<STRING>,\n  ts TIMESTAMP(3),\n  lt TIMESTAMP_LTZ(3),\n"
            "  cost AS price * 2 + 1,\n  up AS UPPER(name),\n  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND,\n"
            "  PRIMARY KEY (id) NOT ENFORCED\n) COMMENT 'orders'\n"
            "WITH ('connector' = 'datagen', 'number-of-rows' = '1', 'fields.id.kind' = 'sequence', "
            "'fields.id.start' = '1', 'fields.id.end' = '1');\n"
            "SHOW CREATE TABLE c.shop.orders;",
            "CREATE TABLE `c`.`shop`.`orders` (\n"
            "  `id` BIGINT NOT NULL COMMENT 'the id',\n"
            "  `name` VARCHAR(2147483647),\n"
            "  `price` DECIMAL(10, 2),\n"
            "  `tags` ARRAY<VARCHAR(2147483647)>,\n"
            "  `ts` TIMESTAMP(3),\n"
            "  `lt` TIMESTAMP(3) WITH LOCAL TIME ZONE,\n"
            "  `cost` AS `price` * 2 + 1,\n"
            "  `up` AS UPPER(`name`),\n"
            "  WATERMARK FOR `ts` AS `ts` - INTERVAL '5' SECOND,\n"
            "  CONSTRAINT `PK_id` PRIMARY KEY (`id`) NOT ENFORCED\n"
            ")\n"
            "COMMENT 'orders'\n"
            "WITH (\n"
            "  'connector' = 'datagen',\n"
            "  'fields.id.end' = '1',\n"
            "  'fields.id.kind' = 'sequence',\n"
            "  'fields.id.start' = '1',\n"
            "  'number-of-rows' = '1'\n"
            ")\n");
  /* expressions written back as SQL */
  CHECK_OUT("CREATE TABLE t (a INT, s STRING, ts TIMESTAMP(3), lag INT, e1 AS EXTRACT(DAY FROM ts),\n"
            " e2 AS CASE WHEN a IS NULL THEN 'x' WHEN a BETWEEN 1 AND 2 THEN 'y' ELSE s END,\n"
            " e3 AS (a + 1) * 2 - (3 - a), e4 AS a IN (1, 2) AND NOT (s LIKE 'a%'), e5 AS CAST(s AS DECIMAL(5, 1)),\n"
            " e6 AS s || 'it''s', e7 AS ARRAY[1, 2], e8 AS DATE '2020-01-01',\n"
            " WATERMARK FOR ts AS TIMESTAMPADD(SECOND, -lag, ts)) WITH ('connector' = 'datagen');\nSHOW CREATE TABLE t;",
            "  `e1` AS EXTRACT(DAY FROM `ts`),\n"
            "  `e2` AS CASE WHEN `a` IS NULL THEN 'x' WHEN `a` BETWEEN 1 AND 2 THEN 'y' ELSE `s` END,\n"
            "  `e3` AS (`a` + 1) * 2 - (3 - `a`),\n  `e4` AS `a` IN (1, 2) AND NOT `s` LIKE 'a%',\n"
            "  `e5` AS CAST(`s` AS DECIMAL(5, 1)),\n  `e6` AS `s` || 'it''s',\n  `e7` AS ARRAY[1, 2],\n"
            "  `e8` AS DATE '2020-01-01',\n  WATERMARK FOR `ts` AS TIMESTAMPADD(SECOND, -`lag`, `ts`)\n)\n");
  /* the text runs: made again from it, the table prints the same text */
  char *o1, *o2, e[1024];
  const char *mk = "CREATE TABLE k (id BIGINT NOT NULL COMMENT 'i', s STRING, d DECIMAL(12, 3), lt TIMESTAMP_LTZ(3), "
                   "m MAP<STRING, ARRAY<INT>>, r ROW<x INT, y STRING>, c AS CAST(id AS STRING) || s, ts TIMESTAMP(3), "
                   "WATERMARK FOR ts AS ts - INTERVAL '2' SECOND, PRIMARY KEY (id, s) NOT ENFORCED) COMMENT 'k''s' "
                   "WITH ('connector' = 'datagen', 'rows-per-second' = '1');\nSHOW CREATE TABLE k;";
  CHECK_INT(run(mk, &o1, e, sizeof e), 0);
  char *again = malloc(strlen(o1) + 32);
  sprintf(again, "%s;\nSHOW CREATE TABLE k;", o1);
  CHECK_INT(run(again, &o2, e, sizeof e), 0);
  if (strcmp(o1, o2)) fprintf(stderr, "  first:\n%s  second:\n%s  error: %s\n", o1, o2, e);
  CHECK_STR(o1, o2);
  free(o1), free(o2), free(again);
  /* a key column is NOT NULL (Flink's resolved schema); partitions after the comment */
  CHECK_OUT("CREATE TABLE p (a INT, dt STRING, PRIMARY KEY (a) NOT ENFORCED) PARTITIONED BY (dt) WITH ("
            "'connector' = 'filesystem', 'path' = '${TMP}/p', 'format' = 'csv');\nSHOW CREATE TABLE p;",
            "CREATE TABLE `default_catalog`.`default_database`.`p` (\n  `a` INT NOT NULL,\n  `dt` VARCHAR(2147483647),\n"
            "  CONSTRAINT `PK_a` PRIMARY KEY (`a`) NOT ENFORCED\n)\nPARTITIONED BY (`dt`)\nWITH (\n");
  CHECK_OUT(SEQ("t", 1, 2) "CREATE VIEW v (n, w) COMMENT 'a view' AS SELECT id, v\n  FROM t -- the source\n  WHERE id > 1;\n"
            "SHOW CREATE VIEW v;",
            "CREATE VIEW `default_catalog`.`default_database`.`v` (\n  `n`,\n  `w`\n)\nCOMMENT 'a view'\n"
            "AS SELECT id, v\n  FROM t -- the source\n  WHERE id > 1\n");
  CHECK_ERR(SEQ("t", 1, 2) "SHOW CREATE VIEW t;", "SHOW CREATE VIEW is only supported for views, but 't' is a table");
  CHECK_ERR("SHOW CREATE TABLE nope;", "line 1, column 19: table 'default_catalog.default_database.nope' does not exist");
}

TEST(show_columns_and_functions) {
  const char *ddl = "CREATE TABLE t (id INT NOT NULL, name STRING, ts TIMESTAMP(3), up AS UPPER(name), "
                    "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND, PRIMARY KEY (id) NOT ENFORCED) "
                    "WITH ('connector' = 'datagen');\n";
  char sql[2048];
  snprintf(sql, sizeof sql, "%sSHOW COLUMNS FROM t;", ddl);
  CHECK_OUT(sql,
            "+------+------------------------+-------+---------+------------------+----------------------------+\n"
            "| name |                   type |  null |     key |           extras |                  watermark |\n"
            "+------+------------------------+-------+---------+------------------+----------------------------+\n"
            "|   id |                    INT | FALSE | PRI(id) |                  |                            |\n"
            "| name |                 STRING |  TRUE |         |                  |                            |\n"
            "|   ts | TIMESTAMP(3) *ROWTIME* |  TRUE |         |                  | `ts` - INTERVAL '1' SECOND |\n"
            "|   up |                 STRING |  TRUE |         | AS UPPER(`name`) |                            |\n"
            "+------+------------------------+-------+---------+------------------+----------------------------+\n"
            "4 rows in set\n");
  snprintf(sql, sizeof sql, "%sSHOW COLUMNS IN default_database.t LIKE '%%a%%';", ddl);
  CHECK_OUT(sql, "| name |   type | null | key | extras | watermark |\n+------+--------+------+-----+--------+-----------+\n"
                 "| name | STRING | TRUE |     |        |           |\n");
  snprintf(sql, sizeof sql, "%sSHOW COLUMNS FROM t NOT LIKE '_%%';", ddl);
  CHECK_OUT(sql, "Empty set\n");
  /* a ROW column is one line, as DESCRIBE shows it */
  CHECK_OUT("CREATE TABLE r (id INT, p ROW<x INT, y STRING>) WITH ('connector' = 'datagen');\nSHOW COLUMNS FROM r LIKE 'p';",
            "|    p | ROW<`x` INT, `y` STRING> | TRUE |");
  CHECK_OUT("SHOW FUNCTIONS LIKE 'UPP%';", "| function name |\n+---------------+\n| UPPER         |\n+---------------+\n1 row in set\n");
  /* the aggregate and OVER functions are listed too */
  CHECK_OUT("SHOW FUNCTIONS LIKE '%AGG';", "| function name  |\n+----------------+\n| ARRAY_AGG      |\n| JSON_ARRAYAGG  |\n"
                                           "| JSON_OBJECTAGG |\n| LISTAGG        |\n+----------------+\n4 rows in set\n");
  CHECK_OUT("SHOW USER FUNCTIONS;", "Empty set\n");
  CHECK_ERR("SHOW COLUMNS FROM nope;", "table 'default_catalog.default_database.nope' does not exist");
}

TEST(alter_table_and_view) {
  CHECK_ROWS(SEQ("t", 1, 3) "ALTER TABLE t RENAME TO u;\nALTER TABLE u SET ('fields.id.end' = '2', 'rows-per-second' = '100');\n"
             "ALTER TABLE u RESET ('rows-per-second');\nSELECT id FROM u;",
             true, "+I[1]\n+I[2]\n");
  CHECK_OUT(SEQ("t", 1, 3) "ALTER TABLE t SET ('rows-per-second' = '5');\nALTER TABLE t RESET ('fields.v.length');\n"
            "SHOW CREATE TABLE t;",
            "WITH (\n  'connector' = 'datagen',\n  'fields.id.end' = '3',\n  'fields.id.kind' = 'sequence',\n"
            "  'fields.id.start' = '1',\n  'rows-per-second' = '5'\n)\n");
  CHECK_ERR(SEQ("t", 1, 3) "SELECT * FROM t;\nALTER TABLE t RENAME TO u;\nSELECT * FROM t;", "table or view 't' not found");
  CHECK_ERR(SEQ("t", 1, 3) SEQ("u", 1, 3) "ALTER TABLE t RENAME TO u;",
            "a table or view 'default_catalog.default_database.u' already exists");
  CHECK_ERR(SEQ("t", 1, 3) "ALTER TABLE t SET ('connector' = 'nope');", "ALTER TABLE t: unknown connector 'nope'");
  CHECK_ERR(SEQ("t", 1, 3) "ALTER TABLE t RESET ('connector');", "ALTER TABLE RESET does not support changing 'connector'");
  CHECK_ERR("ALTER TABLE t RENAME TO u;", "table 'default_catalog.default_database.t' does not exist");
  CHECK_OUT("ALTER TABLE IF EXISTS t RENAME TO u; SHOW TABLES;", "Empty set\n");
  CHECK_ERR(SEQ("t", 1, 2) "CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nALTER TABLE t RENAME TO c.`default`.y;",
            "a rename stays in 'default_catalog.default_database'");
  /* a failed SET keeps the old options: the table still reads */
  size_t n;
  char *out;
  FILE *f = open_memstream(&out, &n);
  strom_sql_session *ss = strom_sql_session_new(f);
  const char *a = SEQ("t", 1, 2) "ALTER TABLE t SET ('fields.id.kind' = 'bogus');", *b = "SELECT id FROM t;";
  CHECK(strom_sql_execute(ss, a, strlen(a)) != 0);
  CHECK(strstr(strom_sql_errmsg(ss), "ALTER TABLE t:") != NULL);
  CHECK_INT(strom_sql_execute(ss, b, strlen(b)), 0);
  strom_sql_session_free(ss);
  fclose(f);
  char *rows = rows_of(out, true);
  CHECK_STR(rows, "+I[1]\n+I[2]\n");
  free(rows), free(out);
  CHECK_ROWS(SEQ("t", 1, 3) "CREATE VIEW v AS SELECT id FROM t WHERE id > 1;\nALTER VIEW v RENAME TO w;\n"
             "ALTER VIEW w AS SELECT id * 10 AS id FROM t WHERE id < 3;\nSELECT * FROM w;",
             true, "+I[10]\n+I[20]\n");
  CHECK_OUT(SEQ("t", 1, 3) "CREATE VIEW v AS SELECT id FROM t;\nALTER VIEW v AS SELECT id + 1 AS id FROM t;\nSHOW CREATE VIEW v;",
            "AS SELECT id + 1 AS id FROM t\n");
  CHECK_ERR(SEQ("t", 1, 3) "CREATE VIEW v (a) AS SELECT id FROM t;\nALTER VIEW v AS SELECT id, v FROM t;",
            "view 'v' names 1 columns, the new query has 2");
  CHECK_ERR(SEQ("t", 1, 3) "ALTER VIEW t RENAME TO w;", "'default_catalog.default_database.t' is a table: use ALTER TABLE");
  CHECK_ERR("ALTER TABLE t ADD (c INT);", "table 'default_catalog.default_database.t' does not exist");
}

#define BASE                                                                                                       \
  "CREATE TABLE base (id INT, name STRING, ts TIMESTAMP(3), up AS UPPER(name), "                                   \
  "WATERMARK FOR ts AS ts - INTERVAL '1' SECOND, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'datagen', "  \
  "'number-of-rows' = '3', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3', "       \
  "'fields.name.length' = '1');\n"

TEST(create_table_like_merges_as_flink) {
  /* default: INCLUDING ALL OVERWRITING OPTIONS -- the base's columns first, then the new ones */
  CHECK_OUT(BASE "CREATE TABLE d (extra AS id * 10) WITH ('number-of-rows' = '2') LIKE base;\nSHOW CREATE TABLE d;",
            "CREATE TABLE `default_catalog`.`default_database`.`d` (\n  `id` INT NOT NULL,\n  `name` VARCHAR(2147483647),\n"
            "  `ts` TIMESTAMP(3),\n  `up` AS UPPER(`name`),\n  `extra` AS `id` * 10,\n"
            "  WATERMARK FOR `ts` AS `ts` - INTERVAL '1' SECOND,\n  CONSTRAINT `PK_id` PRIMARY KEY (`id`) NOT ENFORCED\n)\n"
            "WITH (\n  'connector' = 'datagen',\n  'fields.id.end' = '3',\n  'fields.id.kind' = 'sequence',\n"
            "  'fields.id.start' = '1',\n  'fields.name.length' = '1',\n  'number-of-rows' = '2'\n)\n");
  CHECK_ROWS(BASE "CREATE TABLE d (extra AS id * 10) WITH ('number-of-rows' = '2') LIKE base;\nSELECT id, extra FROM d;",
             true, "+I[1, 10]\n+I[2, 20]\n");
  /* no column list; the options of the base as ALTER left them */
  CHECK_ROWS(BASE "ALTER TABLE base SET ('fields.id.end' = '1');\nCREATE TABLE d LIKE base;\nSELECT id FROM d;", true, "+I[1]\n");
  /* EXCLUDING ALL INCLUDING GENERATED: the physical and computed columns only, a new watermark */
  CHECK_OUT(BASE "CREATE TABLE d (WATERMARK FOR ts AS ts) WITH ('connector' = 'blackhole') LIKE base (\n"
            "  EXCLUDING ALL\n  INCLUDING GENERATED\n);\nSHOW CREATE TABLE d;",
            "CREATE TABLE `default_catalog`.`default_database`.`d` (\n  `id` INT,\n  `name` VARCHAR(2147483647),\n"
            "  `ts` TIMESTAMP(3),\n  `up` AS UPPER(`name`),\n  WATERMARK FOR `ts` AS `ts`\n)\nWITH (\n"
            "  'connector' = 'blackhole'\n)\n");
  /* OVERWRITING WATERMARKS / GENERATED replace the base's in place */
  CHECK_OUT(BASE "CREATE TABLE d (up AS LOWER(name), WATERMARK FOR ts AS ts) LIKE base (OVERWRITING WATERMARKS, "
            "OVERWRITING GENERATED);\nSHOW CREATE TABLE d;",
            "  `up` AS LOWER(`name`),\n  WATERMARK FOR `ts` AS `ts`,\n  CONSTRAINT");
  CHECK_ERR(BASE "CREATE TABLE d (id INT) LIKE base;", "line 2, column 17: a column named 'id' already exists in the base table");
  CHECK_ERR(BASE "CREATE TABLE d (WATERMARK FOR ts AS ts) LIKE base;",
            "there already exists a watermark spec for column 'ts' in the base table");
  CHECK_ERR(BASE "CREATE TABLE d (up AS LOWER(name)) LIKE base;", "a column named 'up' already exists in the base table");
  CHECK_ERR(BASE "CREATE TABLE d (PRIMARY KEY (name) NOT ENFORCED) LIKE base;", "the base table already has a primary key");
  CHECK_ERR(BASE "CREATE TABLE d WITH ('number-of-rows' = '1') LIKE base (INCLUDING OPTIONS);",
            "there already exists an option ['number-of-rows' -> '3'] in the base table");
  CHECK_ERR(BASE "CREATE TABLE d LIKE base (OVERWRITING CONSTRAINTS);", "illegal merging strategy 'OVERWRITING' for 'CONSTRAINTS' option");
  CHECK_ERR("CREATE TABLE d LIKE nope;", "line 1, column 21: source table 'default_catalog.default_database.nope' of the LIKE clause does not exist");
  CHECK_ERR(BASE "CREATE VIEW v AS SELECT id FROM base;\nCREATE TABLE d LIKE v;", "of the LIKE clause can not be a view");
  CHECK_ERR("CREATE TABLE d WITH ('connector' = 'blackhole');", "expected LIKE, AS, or a column list");
}

/* A C function for the function namespace tests: shout(s) = upper(s) || '!'. */
static const char *udf_src =
    "#include \"strom/sql.h\"\n"
    "static int shout(strom_sql_udf_ctx *ctx, int argc, const strom_sql_value *argv, strom_sql_value *r) {\n"
    "  (void)argc;\n"
    "  char *p = ctx->alloc(ctx, argv[0].len + 1);\n"
    "  for (size_t i = 0; i < argv[0].len; i++) p[i] = argv[0].s[i] >= 'a' && argv[0].s[i] <= 'z' ? argv[0].s[i] - 32 : argv[0].s[i];\n"
    "  p[argv[0].len] = '!';\n"
    "  r->type = STROM_VARCHAR, r->s = p, r->len = argv[0].len + 1;\n"
    "  return 0;\n"
    "}\n"
    "const strom_sql_udf shout_udf = {STROM_SQL_UDF_ABI, STROM_VARCHAR, 1, 1, 1, shout, 0};\n";

TEST(functions_live_in_their_database) {
  char src[300], lib[300], cmd[1400], sql[4096];
  snprintf(src, sizeof src, "%s/udf.c", tmp);
  snprintf(lib, sizeof lib, "%s/libshout.so", tmp);
  FILE *f = fopen(src, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(udf_src, f);
  fclose(f);
  const char *root = getenv("STROM_TEST_ROOT");
  snprintf(cmd, sizeof cmd, "cc -std=c17 -shared -fPIC -I%s/include -o %s %s", root ? root : ".", lib, src);
  CHECK_INT(system(cmd), 0);
  /* made in d: found from d only (and from a view made there) */
  snprintf(sql, sizeof sql,
           "CREATE DATABASE d;\nCREATE FUNCTION d.shout AS '%s:shout_udf' LANGUAGE C;\nUSE d;\n"
           "CREATE VIEW v AS SELECT shout(s) AS x FROM (VALUES ('ab')) AS t(s);\nUSE default_database;\n"
           "SELECT x FROM d.v;\nUSE d;\nSELECT shout('cd');", lib);
  CHECK_ROWS(sql, false, "+I[AB!]\n+I[CD!]\n");
  snprintf(sql, sizeof sql, "CREATE DATABASE d;\nCREATE FUNCTION d.shout AS '%s:shout_udf' LANGUAGE C;\nSELECT shout('a');", lib);
  CHECK_ERR(sql, "no function named SHOUT");
  /* a TEMPORARY SYSTEM function is seen from every database */
  snprintf(sql, sizeof sql, "CREATE TEMPORARY SYSTEM FUNCTION shout AS '%s:shout_udf' LANGUAGE C;\nCREATE DATABASE d;\n"
           "USE d;\nSELECT shout('x');", lib);
  CHECK_ROWS(sql, false, "+I[X!]\n");
  /* the same name in two databases; SHOW USER FUNCTIONS lists the current database's */
  snprintf(sql, sizeof sql, "CREATE DATABASE d;\nCREATE FUNCTION d.shout AS '%s:shout_udf' LANGUAGE C;\n"
           "CREATE FUNCTION shout AS '%s:shout_udf' LANGUAGE C;\nDROP FUNCTION d.shout;\nSHOW USER FUNCTIONS;\nUSE d;\n"
           "SHOW USER FUNCTIONS;", lib, lib);
  CHECK_OUT(sql, "| function name |\n+---------------+\n| shout         |\n+---------------+\n1 row in set\nEmpty set\n");
  /* a database with a function is not empty; CASCADE drops it */
  snprintf(sql, sizeof sql, "CREATE DATABASE d;\nCREATE FUNCTION d.shout AS '%s:shout_udf' LANGUAGE C;\nDROP DATABASE d;", lib);
  CHECK_ERR(sql, "line 3, column 15: database 'default_catalog.d' is not empty (it has functions");
  snprintf(sql, sizeof sql, "CREATE DATABASE d;\nCREATE FUNCTION d.shout AS '%s:shout_udf' LANGUAGE C;\nDROP DATABASE d CASCADE;\n"
           "CREATE DATABASE d;\nUSE d;\nSHOW USER FUNCTIONS;", lib);
  CHECK_OUT(sql, "Empty set\n");
  snprintf(sql, sizeof sql, "CREATE DATABASE d;\nCREATE FUNCTION d.shout AS '%s:shout_udf' LANGUAGE C;\n"
           "SHOW USER FUNCTIONS FROM d;\nSHOW FUNCTIONS IN default_catalog.d LIKE 'sh%%';\nSHOW USER FUNCTIONS;", lib);
  CHECK_OUT(sql, "| function name |\n+---------------+\n| shout         |\n+---------------+\n1 row in set\n"
                 "+---------------+\n| function name |\n+---------------+\n| shout         |\n+---------------+\n1 row in set\n"
                 "Empty set\n");
  /* called by a qualified name from anywhere */
  snprintf(sql, sizeof sql, "CREATE CATALOG c WITH ('type' = 'generic_in_memory');\nCREATE DATABASE c.d;\n"
           "CREATE FUNCTION c.d.shout AS '%s:shout_udf' LANGUAGE C;\nCREATE DATABASE e;\n"
           "CREATE FUNCTION e.shout AS '%s:shout_udf' LANGUAGE C;\n"
           "SELECT c.d.shout('a') || e.shout('b') || c.`d`.Shout('c');\nUSE CATALOG c;\nSELECT d.shout('x');", lib, lib);
  CHECK_ROWS(sql, false, "+I[A!B!C!]\n+I[X!]\n");
  CHECK_ERR("SELECT d.shout('a');", "no function named d.SHOUT");
  snprintf(sql, sizeof sql, "CREATE FUNCTION nope.shout AS '%s:shout_udf' LANGUAGE C;", lib);
  CHECK_ERR(sql, "line 1, column 17: database 'default_catalog.nope' does not exist");
}

TEST(catalog_statements_parse) {
  CHECK_PARSE("CREATE CATALOG IF NOT EXISTS c COMMENT 'x' WITH ('type' = 'generic_in_memory')",
              "(create-catalog if-not-exists c (comment 'x') (with (option 'type' 'generic_in_memory')))");
  CHECK_PARSE("create database c.`d b` with ('k'='v')", "(create-database c.`d b` (with (option 'k' 'v')))");
  CHECK_PARSE("DROP DATABASE IF EXISTS d CASCADE", "(drop-database if-exists d CASCADE)");
  CHECK_PARSE("DROP CATALOG c", "(drop-catalog c)");
  CHECK_PARSE("USE CATALOG c", "(use-catalog c)");
  CHECK_PARSE("USE catalog", "(use catalog)");
  CHECK_PARSE("USE c.d", "(use c.d)");
  CHECK_PARSE("SHOW CURRENT DATABASE", "(show CURRENT DATABASE)");
  CHECK_PARSE("SHOW TABLES FROM c.d NOT LIKE 'a%'", "(show TABLES c.d (not-like 'a%'))");
  CHECK_PARSE("SHOW COLUMNS IN t LIKE '%x'", "(show COLUMNS t (like '%x'))");
  CHECK_PARSE("SHOW CREATE VIEW c.d.v", "(show CREATE VIEW c.d.v)");
  CHECK_PARSE("SHOW USER FUNCTIONS", "(show USER FUNCTIONS)");
  CHECK_PARSE("ALTER TABLE IF EXISTS t RENAME TO u", "(alter-table-rename if-exists t u)");
  CHECK_PARSE("ALTER TABLE t RESET ('a', 'b')", "(alter-table-reset t 'a' 'b')");
  CHECK_PARSE("ALTER VIEW v AS SELECT 1", "(alter-view-as v (select (items 1)))");
  CHECK_PARSE("USE", "line 1, column 4: expected a database name, found end of input");
  CHECK_PARSE("ALTER TABLE t", "line 1, column 14: expected RENAME, ADD, MODIFY, DROP, SET (...) or RESET (...), found end of input");
  CHECK_PARSE("CREATE CATALOG c", "line 1, column 17: expected WITH, found end of input");
  CHECK_PARSE("CREATE TABLE t (a INT) WITH ('k' = 'v') LIKE s (EXCLUDING ALL INCLUDING GENERATED, OVERWRITING OPTIONS)",
              "(create-table t (columns (column a INT)) (with (option 'k' 'v')) "
              "(like s EXCLUDING ALL INCLUDING GENERATED OVERWRITING OPTIONS))");
  CHECK_PARSE("CREATE TABLE t LIKE s (INCLUDING NOTHING)",
              "line 1, column 34: expected ALL, CONSTRAINTS, PARTITIONS, GENERATED, OPTIONS, WATERMARKS or METADATA, found NOTHING");
  CHECK_PARSE("CREATE TEMPORARY SYSTEM FUNCTION f AS 'l.so:f'", "(create-function temporary system f 'l.so:f')");
  CHECK_PARSE("SELECT c.d.f(1), `d`.`g`(x)", "(select (items (c.d.F 1) (d.g x)))");
  CHECK_PARSE("SELECT a.b.c.f(1)", "line 1, column 15: expected a function name of at most three parts before '(', found '('");
  CHECK_PARSE("SHOW CURRENT x", "line 1, column 14: expected CATALOG or DATABASE, found x");
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  snprintf(tmp, sizeof tmp, "/tmp/strom-sql-catalog-%d", (int)getpid());
  mkdir(tmp, 0777);
  RUN(catalogs_and_databases_are_created_used_and_listed);
  RUN(names_resolve_in_the_current_or_named_database);
  RUN(views_resolve_names_where_they_were_made);
  RUN(drops_and_errors_name_what_is_missing);
  RUN(show_create_table_and_view_in_flinks_form);
  RUN(show_columns_and_functions);
  RUN(alter_table_and_view);
  RUN(create_table_like_merges_as_flink);
  RUN(functions_live_in_their_database);
  RUN(catalog_statements_parse);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  if (system(cmd)) return 1;
  TEST_MAIN_END();
}

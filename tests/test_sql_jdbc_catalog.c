/*
 * test_sql_jdbc_catalog.c -- CREATE CATALOG ... WITH ('type' = 'jdbc') against a real
 * PostgreSQL started on loopback by tests/pg_server.sh: the catalog lists the server's
 * databases and a database's tables ("schema.table"), DESCRIBE shows Flink's type
 * mapping, NOT NULL and the primary key read from PostgreSQL, SELECT and INSERT reach
 * the tables through the jdbc connector with no CREATE TABLE (upsert by the table's
 * key), DDL in the catalog is refused, and a wrong password, a server that is not
 * there or an unknown table give errors naming the catalog and the URL.  The catalog
 * logs in as a user with a password (scram-sha-256), so a wrong one fails.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "pg_test.h"
#include "sql_test.h"

static char base_url[256]; /* jdbc:postgresql://127.0.0.1:PORT */
static int pg_port;

/* The catalog pg (database shop by default) made first, then sql. */
static const char *with_cat(const char *sql) {
  static char buf[8192];
  snprintf(buf, sizeof buf,
           "CREATE CATALOG pg WITH ('type' = 'jdbc', 'base-url' = '%s', 'default-database' = 'shop', "
           "'username' = 'alice', 'password' = 's3cret');\n%s",
           base_url, sql);
  return buf;
}

/* Runs statements on database shop as the superuser. */
static bool shop_exec(const char *q) {
  char ci[300];
  snprintf(ci, sizeof ci, "host=127.0.0.1 port=%d dbname=shop user=postgres", pg_port);
  PGconn *c = PQconnectdb(ci);
  PGresult *r = PQexec(c, q);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) fprintf(stderr, "  SQL failed: %s: %s", q, PQerrorMessage(c));
  PQclear(r);
  PQfinish(c);
  return ok;
}

/* The result of q on database shop, as pg_query. */
static char *shop_query(const char *q) {
  PGconn *keep = pg;
  char ci[300];
  snprintf(ci, sizeof ci, "host=127.0.0.1 port=%d dbname=shop user=postgres", pg_port);
  pg = PQconnectdb(ci);
  char *r = pg_query(q);
  PQfinish(pg);
  pg = keep;
  return r;
}

/* The output of a script that must succeed (malloc'd). */
static char *output(const char *sql) {
  char *out, err[1024];
  int rc = run(sql, &out, err, sizeof err);
  if (rc) fprintf(stderr, "  error: %s\n", err), tests_failed++;
  return out;
}

/* Flink's one-column tableau of names (given sorted), appended to b. */
static void tableau(char *b, size_t cap, const char *title, const char *const *names, int n) {
  int w = (int)strlen(title);
  for (int i = 0; i < n; i++)
    if ((int)strlen(names[i]) > w) w = (int)strlen(names[i]);
  char line[128] = "+";
  for (int i = 0; i < w + 2; i++) strcat(line, "-");
  strcat(line, "+\n");
  size_t k = strlen(b);
  k += (size_t)snprintf(b + k, cap - k, "%s| %-*s |\n%s", line, w, title, line);
  for (int i = 0; i < n; i++) k += (size_t)snprintf(b + k, cap - k, "| %-*s |\n", w, names[i]);
  snprintf(b + k, cap - k, "%s%d row%s in set\n", line, n, n == 1 ? "" : "s");
}

TEST(lists_databases_and_tables) {
  char *out = output(with_cat("SHOW CATALOGS;\nUSE CATALOG pg;\nSHOW CURRENT DATABASE;\nSHOW DATABASES;\nSHOW TABLES;\n"
                              "SHOW TABLES FROM postgres;\nSHOW TABLES LIKE 'public.%';\nSHOW VIEWS;\n"));
  /* the server's databases less the templates; base tables of every user schema (the
   * view order_view is not one); what user alice may see */
  const char *cats[] = {"default_catalog", "pg"}, *cur[] = {"shop"}, *dbs[] = {"postgres", "shop"};
  const char *tables[] = {"inventory.items", "public.Mixed Case", "public.orders", "public.quoted_cols", "public.types",
                          "public.unmappable"};
  const char *other[] = {"public.elsewhere"};
  char want[4096] = "";
  tableau(want, sizeof want, "catalog name", cats, 2);
  tableau(want, sizeof want, "current database name", cur, 1);
  tableau(want, sizeof want, "database name", dbs, 2);
  tableau(want, sizeof want, "table name", tables, 6);
  tableau(want, sizeof want, "table name", other, 1);
  tableau(want, sizeof want, "table name", tables + 1, 5);
  strcat(want, "Empty set\n");
  CHECK_STR(out, want);
  free(out);
}

TEST(describe_maps_postgresql_types) {
  char *out = output(with_cat("DESCRIBE pg.shop.types;\nUSE CATALOG pg;\nDESCRIBE `inventory.items`;\nDESCRIBE orders;\n"));
  /* Flink's mapping (int2 SMALLINT, float4 FLOAT, bpchar(n) CHAR(n)) */
  const char *want =
      "+------+------------------+-------+--------+--------+-----------+\n"
      "| name |             type |  null |    key | extras | watermark |\n"
      "+------+------------------+-------+--------+--------+-----------+\n"
      "|    a |         SMALLINT |  TRUE |        |        |           |\n"
      "|    b |              INT | FALSE | PRI(b) |        |           |\n"
      "|    c |           BIGINT |  TRUE |        |        |           |\n"
      "|    d |            FLOAT |  TRUE |        |        |           |\n"
      "|    e |           DOUBLE |  TRUE |        |        |           |\n"
      "|    f |   DECIMAL(10, 2) |  TRUE |        |        |           |\n"
      "|    g |  DECIMAL(38, 18) |  TRUE |        |        |           |\n"
      "|    h |          BOOLEAN |  TRUE |        |        |           |\n"
      "|    i |           STRING |  TRUE |        |        |           |\n"
      "|    j |      VARCHAR(20) |  TRUE |        |        |           |\n"
      "|    k |          CHAR(3) |  TRUE |        |        |           |\n"
      "|    l |             DATE |  TRUE |        |        |           |\n"
      "|    m |          TIME(6) |  TRUE |        |        |           |\n"
      "|    n |     TIMESTAMP(3) |  TRUE |        |        |           |\n"
      "|    o |     TIMESTAMP(6) |  TRUE |        |        |           |\n"
      "|    p | TIMESTAMP_LTZ(6) |  TRUE |        |        |           |\n"
      "|    q |            BYTES |  TRUE |        |        |           |\n"
      "|    r |       ARRAY<INT> |  TRUE |        |        |           |\n"
      "|    s |    ARRAY<STRING> |  TRUE |        |        |           |\n"
      "+------+------------------+-------+--------+--------+-----------+\n"
      "19 rows in set\n"
      "+-------+--------+-------+-----------------+--------+-----------+\n"
      "|  name |   type |  null |             key | extras | watermark |\n"
      "+-------+--------+-------+-----------------+--------+-----------+\n"
      "|   sku | STRING | FALSE | PRI(store, sku) |        |           |\n"
      "| store |    INT | FALSE | PRI(store, sku) |        |           |\n"
      "|   qty | BIGINT |  TRUE |                 |        |           |\n"
      "+-------+--------+-------+-----------------+--------+-----------+\n"
      "3 rows in set\n"
      "+----------+----------------+-------+---------+--------+-----------+\n"
      "|     name |           type |  null |     key | extras | watermark |\n"
      "+----------+----------------+-------+---------+--------+-----------+\n"
      "|       id |            INT | FALSE | PRI(id) |        |           |\n"
      "| customer |    VARCHAR(20) | FALSE |         |        |           |\n"
      "|   amount | DECIMAL(10, 2) |  TRUE |         |        |           |\n"
      "+----------+----------------+-------+---------+--------+-----------+\n"
      "3 rows in set\n";
  CHECK_STR(out, want);
  free(out);
}

TEST(reads_tables) {
  CHECK_ROWS(with_cat("SELECT id, customer, amount FROM pg.shop.orders;"), true,
             "+I[1, ann, 10.50]\n+I[2, bob, 3.25]\n+I[3, ann, <NULL>]\n");
  /* every mapped type read back; the timestamptz 10:00+02 is the instant 08:00 UTC */
  CHECK_ROWS(with_cat("SELECT a, b, c, d, e, f, g, h, i, j, k, l, CAST(m AS STRING), n, o, p, q, r, s "
                      "FROM pg.shop.types;"), true,
             "+I[-2, 1, 9000000000, 1.5, 2.25, 12345678.91, 0.000000000000000001, TRUE, t'x, vc, ab, 2024-02-29, "
             "13:14:15.500000, 2024-03-01 10:00:00.123, 2024-03-01 10:00:00.123456, 2024-03-01 08:00:00.000000, x'00ff', "
             "[1, 2, NULL], [a b, c]]\n"
             "+I[<NULL>, 2, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>, "
             "<NULL>, <NULL>, <NULL>, <NULL>, <NULL>, <NULL>]\n");
  /* another schema by its "schema.table" name, from the current catalog and database */
  CHECK_ROWS(with_cat("USE CATALOG pg;\nSELECT sku, qty * 2 FROM `inventory.items` WHERE store = 7;"), true,
             "+I[a-1, 10]\n+I[b-2, 0]\n");
  /* the public schema spelled out */
  CHECK_ROWS(with_cat("SELECT o.customer, o.amount FROM pg.shop.`public.orders` AS o WHERE o.amount > 5;"), true,
             "+I[ann, 10.50]\n");
}

TEST(writes_with_upsert_by_the_tables_key) {
  /* a changelog (GROUP BY) upserted by orders' primary key id: 1 and 3 updated, 4 added */
  char *out = output(with_cat("INSERT INTO pg.shop.orders SELECT id, MAX(c), SUM(x) FROM (VALUES (1, 'cy', 1.00), "
                              "(3, 'dee', 2.50), (1, 'cy', 4.00), (4, 'eve', 7.25)) AS v(id, c, x) GROUP BY id;\n"));
  free(out);
  char *got = shop_query("SELECT id, customer, amount FROM orders ORDER BY id");
  CHECK_STR(got, "1,cy,5.00;2,bob,3.25;3,dee,2.50;4,eve,7.25");
  free(got);
  /* every type written back: a row copied with a new key */
  out = output(with_cat("INSERT INTO pg.shop.types SELECT a, b + 10, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s "
                        "FROM pg.shop.types WHERE b = 1;\n"));
  free(out);
  got = shop_query("SELECT a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s FROM types WHERE b = 11");
  CHECK_STR(got, "-2,11,9000000000,1.5,2.25,12345678.91,0.000000000000000001,t,t'x,vc,ab ,2024-02-29,13:14:15.5,"
                 "2024-03-01 10:00:00.123,2024-03-01 10:00:00.123456,2024-03-01 08:00:00+00,\\x00ff,{1,2,NULL},"
                 "{\"a b\",c}");
  free(got);
}

/* array elements with quotes, backslashes, newlines and NULL survive the way out and back */
TEST(array_text_round_trip) {
  free(output(with_cat("INSERT INTO pg.shop.types (b, r, s) VALUES (20, ARRAY[7, CAST(NULL AS INT)], "
                       "ARRAY['x\"y', 'back\\slash', 'new\nline', CAST(NULL AS STRING), 'NULL', '{,}']);\n")));
  char *got = shop_query("SELECT r[1], r[2] IS NULL, s[1], s[2], s[3], s[4] IS NULL, s[5], s[6] FROM types WHERE b = 20");
  CHECK_STR(got, "7,t,x\"y,back\\slash,new\nline,t,NULL,{,}");
  free(got);
  CHECK_ROWS(with_cat("SELECT r, s[1], s[2], CHAR_LENGTH(s[3]), s[4] IS NULL, s[5], s[6] FROM pg.shop.types WHERE b = 20;"), true,
             "+I[[7, NULL], x\"y, back\\slash, 8, TRUE, NULL, {,}]\n");
}

TEST(lookup_join_quoted_names_and_show_create) {
  /* a catalog table as the dimension of a lookup join */
  CHECK_ROWS(with_cat("CREATE VIEW o AS SELECT *, PROCTIME() AS p FROM (VALUES (11, 2), (12, 9), (13, 2)) AS x(n, k);\n"
                      "SELECT o.n, c.customer, c.amount FROM o JOIN pg.shop.orders FOR SYSTEM_TIME AS OF o.p AS c "
                      "ON o.k = c.id;"),
             true, "+I[11, bob, 3.25]\n+I[13, bob, 3.25]\n");
  /* a table name PostgreSQL keeps only in double quotes: read and written */
  CHECK_ROWS(with_cat("INSERT INTO pg.shop.`public.Mixed Case` VALUES (2, 'two');\n"
                      "SELECT id, v FROM pg.shop.`public.Mixed Case`;"),
             true, "+I[1, one]\n+I[2, two]\n");
  /* a column name that needs quoting is refused by name (the connector writes names unquoted) */
  CHECK_ERR(with_cat("SELECT * FROM pg.shop.quoted_cols;"),
            "column 'Bad Col' of table 'shop.public.quoted_cols': not supported yet");
  char *out = output(with_cat("SHOW CREATE TABLE pg.shop.orders;"));
  CHECK(strstr(out, "CREATE TABLE `pg`.`shop`.`public.orders` (") != NULL);
  CHECK(strstr(out, "CONSTRAINT `PK_id` PRIMARY KEY (`id`) NOT ENFORCED") != NULL);
  CHECK(strstr(out, "'table-name' = 'public.orders'") != NULL);
  if (!strstr(out, "'table-name' = 'public.orders'")) fprintf(stderr, "%s", out);
  free(out);
}

/* DATE and TIME columns reach text sinks as text (the sink's columns are the encoded ones) */
TEST(json_sink_writes_dates_as_text) {
  char sql[1024];
  snprintf(sql, sizeof sql,
           "CREATE TABLE j (id INT, d DATE, t TIME(0)) WITH ('connector' = 'filesystem', 'path' = '%s/j', "
           "'format' = 'json');\nINSERT INTO j VALUES (1, DATE '2024-02-29', TIME '10:11:12');\nSELECT * FROM j;", tmp);
  CHECK_ROWS(sql, true, "+I[1, 2024-02-29, 10:11:12]\n");
  char *got = slurp_tmp_dir("j");
  CHECK_STR(got, "{\"id\":1,\"d\":\"2024-02-29\",\"t\":\"10:11:12\"}\n");
  free(got);
}

TEST(ddl_in_the_catalog_is_refused) {
  CHECK_ERR(with_cat("CREATE TABLE pg.shop.t2 (x INT) WITH ('connector' = 'datagen');"),
            "could not execute CreateTable in path `pg`.`shop`.`t2`: catalog 'pg' (type 'jdbc') is read-only");
  CHECK_ERR(with_cat("USE CATALOG pg;\nDROP TABLE orders;"), "could not execute DropTable in path `pg`.`shop`.`public.orders`");
  CHECK_ERR(with_cat("CREATE VIEW pg.shop.v AS SELECT 1;"), "could not execute CreateView");
  CHECK_ERR(with_cat("CREATE DATABASE pg.more;"), "could not execute CreateDatabase in path `pg`.`more`");
  CHECK_ERR(with_cat("DROP DATABASE pg.postgres;"), "could not execute DropDatabase");
  CHECK_ERR(with_cat("ALTER TABLE pg.shop.orders RENAME TO o2;"), "could not execute AlterTable");
  CHECK_ERR(with_cat("CREATE FUNCTION pg.shop.f AS 'x.so:f' LANGUAGE C;"),
            "could not execute CreateFunction in path `pg`.`shop`.`f`");
  /* the table is still there, and DROP ... IF EXISTS of a missing one is no error */
  CHECK_ROWS(with_cat("DROP TABLE IF EXISTS pg.shop.nothing;\nSELECT id FROM pg.shop.orders WHERE id = 2;"), false, "+I[2]\n");
  /* the default catalog is not affected */
  CHECK_ROWS(with_cat("CREATE TABLE d (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '0');\nDROP TABLE d;\n"
                      "SELECT 1;"), false, "+I[1]\n");
}

TEST(errors_name_the_catalog_and_url) {
  char want[512];
  CHECK_ERR(with_cat("SELECT * FROM pg.shop.nosuch;"), "table 'pg.shop.public.nosuch' does not exist (catalog 'pg'");
  CHECK_ERR(with_cat("USE CATALOG pg;\nINSERT INTO `a.b.c` VALUES (1);"), "table name 'a.b.c' is not valid");
  CHECK_ERR(with_cat("SELECT * FROM pg.nodb.orders;"), "database 'pg.nodb' does not exist");
  /* a table with a type Flink has no mapping for is refused when it is used, naming the column */
  CHECK_ERR(with_cat("SELECT id FROM pg.shop.unmappable;"),
            "column 'u' of table 'shop.public.unmappable' has PostgreSQL type 'uuid'");
  char sql[1024];
  snprintf(sql, sizeof sql, "CREATE CATALOG pg WITH ('type' = 'jdbc', 'base-url' = '%s', 'default-database' = 'shop', "
           "'username' = 'alice', 'password' = 'wrong');", base_url);
  snprintf(want, sizeof want, "catalog 'pg': cannot connect to %s/shop as user 'alice': ", base_url);
  CHECK_ERR(sql, want);
  CHECK_ERR(sql, "password authentication failed for user \"alice\"");
  /* nothing listens on port 1 */
  CHECK_ERR("CREATE CATALOG down WITH ('type' = 'jdbc', 'base-url' = 'jdbc:postgresql://127.0.0.1:1', "
            "'default-database' = 'shop', 'username' = 'alice', 'password' = 'x');",
            "catalog 'down': cannot connect to jdbc:postgresql://127.0.0.1:1/shop as user 'alice': ");
  snprintf(sql, sizeof sql, "CREATE CATALOG pg WITH ('type' = 'jdbc', 'base-url' = '%s', 'default-database' = 'nodb', "
           "'username' = 'alice', 'password' = 's3cret');", base_url);
  CHECK_ERR(sql, "database \"nodb\" does not exist");
  snprintf(sql, sizeof sql, "CREATE CATALOG pg WITH ('type' = 'jdbc', 'base-url' = '%s/shop', 'default-database' = 'shop', "
           "'username' = 'alice', 'password' = 's3cret');", base_url);
  CHECK_ERR(sql, "must not name a database");
  CHECK_ERR("CREATE CATALOG pg WITH ('type' = 'jdbc', 'base-url' = 'jdbc:mysql://h:3306', 'default-database' = 'd', "
            "'username' = 'u', 'password' = 'p');", "is not a PostgreSQL URL");
  CHECK_ERR("CREATE CATALOG pg WITH ('type' = 'jdbc', 'base-url' = 'jdbc:postgresql://h:1', 'username' = 'u', "
            "'password' = 'p');", "the option 'default-database' is required");
  CHECK_ERR("CREATE CATALOG pg WITH ('type' = 'jdbc', 'base-url' = 'jdbc:postgresql://h:1', 'default-database' = 'd', "
            "'username' = 'u', 'password' = 'p', 'colour' = 'red');", "unsupported option 'colour'");
  CHECK_ERR("CREATE CATALOG pg WITH ('type' = 'hive');", "catalog type 'hive'");
}

/* The server refusing the catalog after CREATE CATALOG: the statement that first needs
 * a table fails naming the catalog and URL; the session stays usable; DROP CATALOG frees it. */
TEST(connection_lost_after_create) {
  size_t n;
  char *out = NULL;
  FILE *f = open_memstream(&out, &n);
  strom_sql_session *s = strom_sql_session_new(f);
  const char *create = with_cat("");
  CHECK_INT(strom_sql_execute(s, create, strlen(create)), 0);
  /* a database made after CREATE CATALOG is listed and resolves, as Flink asks the server each time */
  CHECK(pg_exec("CREATE DATABASE later"));
  const char *q = "SHOW DATABASES FROM pg LIKE 'l%';\nUSE pg.later;\nSHOW TABLES;\nUSE pg.shop;";
  CHECK_INT(strom_sql_execute(s, q, strlen(q)), 0);
  q = "SELECT * FROM pg.other.t;";
  CHECK(strom_sql_execute(s, q, strlen(q)) != 0);
  CHECK(strstr(strom_sql_errmsg(s), "database 'pg.other' does not exist") != NULL);
  /* a table changed in PostgreSQL is read again (its old definition was read before) */
  q = "DESCRIBE pg.shop.orders;";
  CHECK_INT(strom_sql_execute(s, q, strlen(q)), 0);
  CHECK(shop_exec("ALTER TABLE orders ADD COLUMN note text"));
  CHECK_INT(strom_sql_execute(s, q, strlen(q)), 0);
  CHECK(shop_exec("ALTER TABLE orders DROP COLUMN note"));
  CHECK(pg_exec("ALTER ROLE alice PASSWORD 'changed'"));
  q = "SELECT * FROM pg.shop.orders;";
  CHECK(strom_sql_execute(s, q, strlen(q)) != 0);
  char want[400];
  snprintf(want, sizeof want, "catalog 'pg': cannot connect to %s/shop as user 'alice': ", base_url);
  if (!strstr(strom_sql_errmsg(s), want)) fprintf(stderr, "  error was: %s\n", strom_sql_errmsg(s));
  CHECK(strstr(strom_sql_errmsg(s), want) != NULL);
  q = "USE CATALOG pg;\nSHOW TABLES;";
  CHECK(strom_sql_execute(s, q, strlen(q)) != 0);
  CHECK(strstr(strom_sql_errmsg(s), "password authentication failed") != NULL);
  CHECK(pg_exec("ALTER ROLE alice PASSWORD 's3cret'"));
  q = "SELECT id FROM orders WHERE id = 2;\nUSE CATALOG default_catalog;\nDROP CATALOG pg;\n";
  CHECK_INT(strom_sql_execute(s, q, strlen(q)), 0);
  q = "SELECT * FROM pg.shop.orders;";
  CHECK(strom_sql_execute(s, q, strlen(q)) != 0);
  CHECK(strstr(strom_sql_errmsg(s), "catalog 'pg' does not exist") != NULL);
  strom_sql_session_free(s);
  fclose(f);
  CHECK(strstr(out, "| +I |           2 |") != NULL);
  CHECK(strstr(out, "|   amount | DECIMAL(10, 2) |  TRUE |         |        |           |\n"
                    "|     note |         STRING |  TRUE |         |        |           |\n") != NULL);
  CHECK(strstr(out, "+---------------+\n| database name |\n+---------------+\n| later         |\n+---------------+\n"
                    "1 row in set\nEmpty set\n") != NULL);
  free(out);
}

int main(int argc, char **argv) {
  TEST_MAIN_BEGIN(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!pg_start()) {
    fprintf(stderr, "cannot start PostgreSQL (tests/pg_server.sh)\n");
    printf("0 passed, 1 failed\n");
    return 1;
  }
  snprintf(tmp, sizeof tmp, "/tmp/strom-jdbccat-%d", (int)getpid());
  mkdir(tmp, 0777);
  sscanf(pg_url, "jdbc:postgresql://127.0.0.1:%d", &pg_port);
  snprintf(base_url, sizeof base_url, "jdbc:postgresql://127.0.0.1:%d", pg_port);
  /* alice logs in with a password over TCP; the superuser keeps trust */
  char hba[400];
  snprintf(hba, sizeof hba, "%s/data/pg_hba.conf", pg_dir);
  FILE *f = fopen(hba, "w");
  if (f) {
    fputs("local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n", f);
    fclose(f);
  }
  bool ok = f && pg_exec("SELECT pg_reload_conf()") && pg_exec("CREATE ROLE alice LOGIN PASSWORD 's3cret'") &&
            pg_exec("CREATE DATABASE shop OWNER alice") &&
            pg_exec("CREATE TABLE elsewhere (x int)") && pg_exec("GRANT SELECT ON elsewhere TO alice") &&
            shop_exec("CREATE SCHEMA inventory AUTHORIZATION alice") &&
            shop_exec("CREATE TABLE orders (id int PRIMARY KEY, customer varchar(20) NOT NULL, amount numeric(10, 2))") &&
            shop_exec("INSERT INTO orders VALUES (1, 'ann', 10.50), (2, 'bob', 3.25), (3, 'ann', NULL)") &&
            shop_exec("CREATE TABLE inventory.items (sku text, store int, qty bigint, PRIMARY KEY (store, sku))") &&
            shop_exec("INSERT INTO inventory.items VALUES ('a-1', 7, 5), ('b-2', 7, 0)") &&
            shop_exec("CREATE TABLE types (a int2, b int4 NOT NULL PRIMARY KEY, c int8, d float4, e float8, "
                      "f numeric(10, 2), g numeric, h bool, i text, j varchar(20), k char(3), l date, m time, "
                      "n timestamp(3), o timestamp, p timestamptz, q bytea, r int4[], s text[])") &&
            shop_exec("INSERT INTO types VALUES (-2, 1, 9000000000, 1.5, 2.25, 12345678.91, 0.000000000000000001, true, "
                      "'t''x', 'vc', 'ab', '2024-02-29', '13:14:15.5', '2024-03-01 10:00:00.123', "
                      "'2024-03-01 10:00:00.123456', '2024-03-01 10:00:00+02', '\\x00ff', '{1,2,NULL}', "
                      "'{\"a b\",c}'), (NULL, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                      "NULL, NULL, NULL, NULL, NULL, NULL)") &&
            shop_exec("CREATE TABLE unmappable (id int, u uuid)") &&
            shop_exec("CREATE VIEW order_view AS SELECT id FROM orders") &&
            shop_exec("CREATE TABLE \"Mixed Case\" (id int PRIMARY KEY, v text)") &&
            shop_exec("INSERT INTO \"Mixed Case\" VALUES (1, 'one')") &&
            shop_exec("CREATE TABLE quoted_cols (\"Bad Col\" int)") &&
            shop_exec("GRANT ALL ON ALL TABLES IN SCHEMA public, inventory TO alice");
  if (!ok) {
    printf("0 passed, 1 failed\n");
    return 1;
  }
  RUN(lists_databases_and_tables);
  RUN(describe_maps_postgresql_types);
  RUN(reads_tables);
  RUN(writes_with_upsert_by_the_tables_key);
  RUN(array_text_round_trip);
  RUN(lookup_join_quoted_names_and_show_create);
  RUN(json_sink_writes_dates_as_text);
  RUN(ddl_in_the_catalog_is_refused);
  RUN(errors_name_the_catalog_and_url);
  RUN(connection_lost_after_create);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmp);
  TEST_MAIN_END();
}

/*
 * catalog_grammar.h -- the parser rules of the catalog statements (CREATE / DROP / USE
 * CATALOG and DATABASE, ALTER TABLE / VIEW, the SHOW forms that name a catalog, database
 * or table).  Included by parser.c only, after its token helpers, so these rules use the
 * same helpers and error paths as every other rule while living apart from it; the
 * statements they build are run by catalog_ns.c and catalog_alter.c.
 */
#ifndef STROM_SQL_CATALOG_GRAMMAR_H
#define STROM_SQL_CATALOG_GRAMMAR_H

static unsigned if_not_exists(parser *p);
static unsigned if_exists(parser *p);

static sql_node *cat_stmt(parser *p, const sql_token *t, const char *what, unsigned flags) {
  sql_node *n = node_at(p, SQL_CATALOG_STMT, t, what);
  n->flags = flags;
  return n;
}

/* CREATE CATALOG [IF NOT EXISTS] c [COMMENT '...'] WITH (...)
 * CREATE DATABASE [IF NOT EXISTS] [c.]db [COMMENT '...'] [WITH (...)] */
static sql_node *cat_create(parser *p, const sql_token *t, unsigned flags) {
  bool catalog = accept_kw(p, "CATALOG");
  if (!catalog) expect_kw(p, "DATABASE");
  sql_node *n = cat_stmt(p, t, catalog ? "create-catalog" : "create-database", flags | if_not_exists(p));
  add(p, n, name(p, catalog ? "a catalog name" : "a database name"));
  add(p, n, comment(p));
  if (catalog) expect_kw(p, "WITH");
  else if (!accept_kw(p, "WITH")) return n;
  return add(p, n, with_options(p));
}

/* DROP CATALOG [IF EXISTS] c;  DROP DATABASE [IF EXISTS] [c.]db [RESTRICT | CASCADE] */
static sql_node *cat_drop(parser *p, const sql_token *t) {
  bool catalog = accept_kw(p, "CATALOG");
  if (!catalog) expect_kw(p, "DATABASE");
  sql_node *n = cat_stmt(p, t, catalog ? "drop-catalog" : "drop-database", if_exists(p));
  add(p, n, name(p, catalog ? "a catalog name" : "a database name"));
  if (!catalog && (is_kw(cur(p), "CASCADE") || is_kw(cur(p), "RESTRICT"))) {
    const sql_token *k = advance(p);
    add(p, n, node_at(p, SQL_ID, k, upper(p, k->text)));
  }
  return n;
}

/* USE CATALOG c;  USE [c.]db */
static sql_node *cat_use(parser *p, const sql_token *t) {
  if (is_kw(cur(p), "MODULES")) { /* USE MODULES m, ... (fid_modules.c) */
    advance(p);
    sql_node *n = node_at(p, SQL_SHOW, t, "USE MODULES");
    do add(p, n, ident(p, "a module name"));
    while (accept_op(p, ","));
    return n;
  }
  if (is_kw(cur(p), "CATALOG") && !is_op(peek(p, 1), ";") && peek(p, 1)->kind != SQL_TOK_EOF) {
    advance(p);
    return add(p, cat_stmt(p, t, "use-catalog", 0), name(p, "a catalog name"));
  }
  return add(p, cat_stmt(p, t, "use", 0), name(p, "a database name"));
}

/* One element of ALTER TABLE ADD / MODIFY: a table element, then for a column an optional
 * COLUMN_LIST "FIRST" (no kids) or "AFTER" (kid: the ID) right after it. */
static void cat_alter_element(parser *p, sql_node *n) {
  sql_node *e = table_element(p);
  add(p, n, e);
  if (e->kind != SQL_COLUMN && e->kind != SQL_COMPUTED && e->kind != SQL_METADATA) return;
  const sql_token *k = cur(p);
  if (accept_kw(p, "FIRST")) add(p, n, node_at(p, SQL_COLUMN_LIST, k, "FIRST"));
  else if (accept_kw(p, "AFTER")) add(p, n, add(p, node_at(p, SQL_COLUMN_LIST, k, "AFTER"), ident(p, "a column name")));
}

/* ALTER TABLE t ADD | MODIFY (element [FIRST | AFTER c], ...) or one element without the
 * parentheses: kids NAME, then the elements (catalog_alter_schema.c). */
static sql_node *cat_alter_schema(parser *p, const sql_token *t, sql_node *nm, unsigned flags) {
  bool add_ = is_kw(advance(p), "ADD");
  sql_node *n = add(p, cat_stmt(p, t, add_ ? "alter-table-add" : "alter-table-modify", flags), nm);
  if (accept_op(p, "(")) {
    do cat_alter_element(p, n);
    while (accept_op(p, ","));
    expect_op(p, ")");
  } else {
    cat_alter_element(p, n);
  }
  return n;
}

/* ALTER TABLE t DROP (c, ...) | c | PRIMARY KEY | WATERMARK */
static sql_node *cat_alter_drop(parser *p, const sql_token *t, sql_node *nm, unsigned flags) {
  if (is_kw(cur(p), "PRIMARY") && is_kw(peek(p, 1), "KEY")) {
    advance(p), advance(p);
    return add(p, cat_stmt(p, t, "alter-table-drop-pk", flags), nm);
  }
  if (is_kw(cur(p), "WATERMARK") && !is_op(peek(p, 1), ",")) {
    advance(p);
    return add(p, cat_stmt(p, t, "alter-table-drop-watermark", flags), nm);
  }
  if (is_kw(cur(p), "CONSTRAINT")) unsupported(p, cur(p), "ALTER TABLE ... DROP CONSTRAINT (use DROP PRIMARY KEY)");
  sql_node *n = add(p, cat_stmt(p, t, "alter-table-drop", flags), nm);
  if (accept_op(p, "(")) {
    do add(p, n, ident(p, "a column name"));
    while (accept_op(p, ","));
    expect_op(p, ")");
  } else {
    add(p, n, ident(p, "a column name, PRIMARY KEY or WATERMARK"));
  }
  return n;
}

/* ALTER TABLE [IF EXISTS] t (RENAME TO u | SET (...) | RESET ('k', ...))
 * ALTER VIEW v (RENAME TO w | AS query) */
static sql_node *cat_alter(parser *p, const sql_token *t) {
  bool view = accept_kw(p, "VIEW");
  if (!view && accept_kw(p, "DATABASE")) { /* ALTER DATABASE [c.]db SET (...) */
    sql_node *n = add(p, cat_stmt(p, t, "alter-database", 0), name(p, "a database name"));
    expect_kw(p, "SET");
    return add(p, n, with_options(p));
  }
  if (!view && accept_kw(p, "CATALOG")) { /* ALTER CATALOG c SET (...) | RESET ('k', ...) | COMMENT '...' */
    sql_node *nm = name(p, "a catalog name");
    if (is_kw(cur(p), "SET")) {
      advance(p);
      return add(p, add(p, cat_stmt(p, t, "alter-catalog-set", 0), nm), with_options(p));
    }
    if (accept_kw(p, "RESET")) {
      sql_node *n = add(p, cat_stmt(p, t, "alter-catalog-reset", 0), nm);
      expect_op(p, "(");
      do add(p, n, string(p, "an option key string"));
      while (accept_op(p, ","));
      expect_op(p, ")");
      return n;
    }
    if (accept_kw(p, "COMMENT")) return add(p, add(p, cat_stmt(p, t, "alter-catalog-comment", 0), nm), string(p, "a comment string"));
    expected(p, "SET (...), RESET (...) or COMMENT");
  }
  if (!view && !accept_kw(p, "TABLE")) {
    if (is_kw(cur(p), "FUNCTION") || is_kw(cur(p), "MODEL"))
      unsupported(p, cur(p), "this ALTER statement");
    expected(p, "TABLE or VIEW");
  }
  unsigned flags = view ? 0 : if_exists(p);
  sql_node *nm = name(p, view ? "a view name" : "a table name");
  if (accept_kw(p, "RENAME")) {
    if (is_kw(cur(p), "TO")) {
      advance(p);
      sql_node *n = cat_stmt(p, t, view ? "alter-view-rename" : "alter-table-rename", flags);
      return add(p, add(p, n, nm), name(p, "a new name"));
    }
    if (view) expected(p, "TO");
    /* RENAME col TO col2: kids NAME, ID old, ID new */
    sql_node *n = add(p, cat_stmt(p, t, "alter-table-rename-column", flags), nm);
    add(p, n, ident(p, "a column name or TO"));
    expect_kw(p, "TO");
    return add(p, n, ident(p, "the column's new name"));
  }
  if (view) {
    expect_kw(p, "AS");
    return add(p, add(p, cat_stmt(p, t, "alter-view-as", 0), nm), parse_query(p));
  }
  if (is_kw(cur(p), "SET") && is_op(peek(p, 1), "(")) {
    advance(p);
    return add(p, add(p, cat_stmt(p, t, "alter-table-set", flags), nm), with_options(p));
  }
  if (accept_kw(p, "RESET")) {
    sql_node *n = add(p, cat_stmt(p, t, "alter-table-reset", flags), nm);
    expect_op(p, "(");
    do add(p, n, string(p, "an option key string"));
    while (accept_op(p, ","));
    expect_op(p, ")");
    return n;
  }
  if (is_kw(cur(p), "ADD") || is_kw(cur(p), "MODIFY")) return cat_alter_schema(p, t, nm, flags);
  if (accept_kw(p, "DROP")) return cat_alter_drop(p, t, nm, flags);
  if (is_kw(cur(p), "SET")) unsupported(p, cur(p), "ALTER TABLE ... SET of a column");
  expected(p, "RENAME, ADD, MODIFY, DROP, SET (...) or RESET (...)");
}

/* CREATE TABLE ... LIKE source [( {INCLUDING | EXCLUDING | OVERWRITING} {ALL | CONSTRAINTS |
 * PARTITIONS | GENERATED | OPTIONS | WATERMARKS | METADATA} ... )]: each option an ID
 * "INCLUDING ALL" (checked by catalog_like.c). */
static sql_node *cat_like_clause(parser *p) {
  sql_node *n = node(p, SQL_LIKE_CLAUSE, NULL);
  advance(p); /* LIKE */
  add(p, n, name(p, "the source table's name"));
  if (!accept_op(p, "(")) return n;
  do {
    const sql_token *how = cur(p);
    if (!is_kw(how, "INCLUDING") && !is_kw(how, "EXCLUDING") && !is_kw(how, "OVERWRITING"))
      expected(p, "INCLUDING, EXCLUDING or OVERWRITING");
    advance(p);
    const sql_token *what = cur(p);
    static const char *const features[] = {"ALL", "CONSTRAINTS", "PARTITIONS", "GENERATED", "OPTIONS", "WATERMARKS", "METADATA"};
    size_t i = 0;
    while (i < sizeof features / sizeof *features && !is_kw(what, features[i])) i++;
    if (i == sizeof features / sizeof *features)
      expected(p, "ALL, CONSTRAINTS, PARTITIONS, GENERATED, OPTIONS, WATERMARKS or METADATA");
    advance(p);
    char *text = alloc(p, 32);
    snprintf(text, 32, "%s %s", upper(p, how->text), features[i]);
    add(p, n, node_at(p, SQL_ID, how, text));
  } while (accept_op(p, ",") || is_kw(cur(p), "INCLUDING") || is_kw(cur(p), "EXCLUDING") || is_kw(cur(p), "OVERWRITING"));
  expect_op(p, ")");
  return n;
}

/* db.f(...) / c.db.f(...): a CALL whose text is the qualified name ("db.F": the function's
 * part upper case unless quoted, as any call's); e is the FIELD chain read so far. */
static sql_node *cat_qualified_call(parser *p, sql_node *e) {
  const sql_node *parts[3];
  int n = 0;
  const sql_node *x = e;
  for (; x->kind == SQL_FIELD && n < 3; x = x->kids[0]) parts[n++] = x;
  if (x->kind != SQL_ID || n > 2) expected(p, "a function name of at most three parts before '('");
  parts[n++] = x;
  size_t len = 0;
  for (int i = 0; i < n; i++) len += strlen(parts[i]->text) + 1;
  char *text = alloc(p, len + 1);
  text[0] = 0;
  for (int i = n - 1; i > 0; i--) strcat(strcat(text, parts[i]->text), ".");
  strcat(text, e->flags & SQL_F(QUOTED) ? e->text : upper(p, e->text));
  sql_node *call = node_at(p, SQL_CALL, cur(p), text);
  call->line = x->line, call->col = x->col;
  return call_args(p, call);
}

/* DESCRIBE CATALOG [EXTENDED] c (a SHOW node, catalog_props.c); NULL (nothing consumed)
 * when DESCRIBE names a table called CATALOG. */
static sql_node *cat_describe(parser *p, const sql_token *t) {
  if (!is_kw(cur(p), "CATALOG") || !is_ident(peek(p, 1))) return NULL;
  advance(p);
  bool ext = is_kw(cur(p), "EXTENDED") && is_ident(peek(p, 1));
  if (ext) advance(p);
  return add(p, node_at(p, SQL_SHOW, t, ext ? "DESCRIBE CATALOG EXTENDED" : "DESCRIBE CATALOG"), name(p, "a catalog name"));
}

/* [NOT] LIKE 'pattern' after a SHOW: an OP like / not-like over the STRING. */
static void cat_like(parser *p, sql_node *n) {
  const sql_token *t = cur(p);
  bool not = is_kw(t, "NOT") && is_kw(peek(p, 1), "LIKE");
  if (not) advance(p);
  if (!accept_kw(p, "LIKE")) return;
  add(p, n, wrap(p, SQL_OP, t, not ? "not-like" : "like", string(p, "a LIKE pattern string"), NULL));
}

/* The SHOW forms besides the bare word ones: CURRENT CATALOG / DATABASE, CREATE TABLE /
 * VIEW t, COLUMNS FROM t, [USER] FUNCTIONS, TABLES / VIEWS [FROM db] [LIKE], DATABASES
 * [FROM c] [LIKE], CATALOGS [LIKE]; NULL (nothing consumed) for the others. */
static sql_node *cat_show(parser *p, const sql_token *t) {
  const sql_token *w = cur(p);
  sql_node *n;
  if (is_kw(w, "CURRENT")) {
    advance(p);
    if (accept_kw(p, "CATALOG")) return node_at(p, SQL_SHOW, t, "CURRENT CATALOG");
    if (accept_kw(p, "DATABASE")) return node_at(p, SQL_SHOW, t, "CURRENT DATABASE");
    expected(p, "CATALOG or DATABASE");
  }
  if (is_kw(w, "CREATE")) {
    advance(p);
    if (accept_kw(p, "TABLE")) n = node_at(p, SQL_SHOW, t, "CREATE TABLE");
    else if (accept_kw(p, "VIEW")) n = node_at(p, SQL_SHOW, t, "CREATE VIEW");
    else if (accept_kw(p, "CATALOG")) return add(p, node_at(p, SQL_SHOW, t, "CREATE CATALOG"), name(p, "a catalog name"));
    else expected(p, "TABLE, VIEW or CATALOG");
    return add(p, n, name(p, "a table name"));
  }
  if (is_kw(w, "COLUMNS")) {
    advance(p);
    if (!accept_kw(p, "FROM") && !accept_kw(p, "IN")) expected(p, "FROM or IN");
    n = add(p, node_at(p, SQL_SHOW, t, "COLUMNS"), name(p, "a table name"));
    cat_like(p, n);
    return n;
  }
  bool user = is_kw(w, "USER") && is_kw(peek(p, 1), "FUNCTIONS");
  const char *what = user ? "USER FUNCTIONS" : is_kw(w, "TABLES") ? "TABLES" : is_kw(w, "VIEWS") ? "VIEWS"
                     : is_kw(w, "DATABASES") ? "DATABASES" : is_kw(w, "CATALOGS") ? "CATALOGS"
                     : is_kw(w, "FUNCTIONS") ? "FUNCTIONS" : NULL;
  if (!what) return NULL;
  const sql_token *after = peek(p, user ? 2 : 1);
  bool more = is_kw(after, "FROM") || is_kw(after, "IN") || is_kw(after, "LIKE") || is_kw(after, "NOT");
  if (!user && !more) return NULL; /* the bare word: parser.c's own SHOW */
  advance(p);
  if (user) advance(p);
  n = node_at(p, SQL_SHOW, t, what);
  if (strcmp(what, "CATALOGS") && (accept_kw(p, "FROM") || accept_kw(p, "IN")))
    add(p, n, name(p, !strcmp(what, "DATABASES") ? "a catalog name" : "a database name"));
  cat_like(p, n);
  return n;
}

#endif

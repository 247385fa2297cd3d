/* check_catalog.c -- the GP schema is written four times: the column
 * catalogue spetl checks jobs against (etl/job/catalog.c) and the GP tables
 * of sql/{sqlite,postgresql,sqlserver}/gp.sql. This suite reads the three
 * scripts' CREATE TABLE statements and proves the four agree column by
 * column: the same columns in the same order for each entity's table, and
 * for every catalogue column the same type, width (char) and NOT NULL in
 * every dialect; and the dialects agree among themselves on what the
 * catalogue does not say (numeric precision and scale, the columns of
 * SY01200 and IV00105 that no entity reads).
 *
 * Types as each dialect writes them (the scripts' headers say why):
 *   catalogue   SQLite     PostgreSQL     SQL Server
 *   char(n)     char(n)    char(n)        char(n)
 *   datetime    datetime   timestamp(3)   datetime
 *   int         int        integer        int          (SQLite's DEX_ROW_ID: integer PRIMARY KEY)
 *   tinyint     tinyint    smallint       tinyint
 *   binary      blob       bytea          binary(4)
 *   numeric, smallint, text: the same word everywhere.
 *
 * spProspectContact, spetl's own table in GP's style, is read from
 * sql/<dialect>/salespad.sql and compared the same way (its Contact_ID is
 * char(15) like ADRSCODE, not a number). */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spetl/err.h"
#include "spetl/job.h"
#include "spetl/schema.h"

enum { SQLITE = 0, PG = 1, MSSQL = 2, NDIALECT = 3 };
static const char *const DIALECTS[NDIALECT] = {"sqlite", "postgresql", "sqlserver"};

#define MAX_TABLES 16
#define MAX_COLS 256

typedef struct ddl_col {
    char name[64];
    char type[32];   /* as written, lower case: "char", "timestamp", "bytea" */
    int width;       /* the first number in parentheses; 0 when none, -1 when not a number (max) */
    int scale;       /* the second; 0 when none */
    int notnull;
    int line;
} ddl_col;

typedef struct ddl_table {
    char name[64];
    ddl_col col[MAX_COLS];
    int n;
} ddl_table;

typedef struct ddl {
    ddl_table t[MAX_TABLES];
    int n;
} ddl;

static ddl scripts[NDIALECT];

/* ---- reading the scripts ---------------------------------------------------- */

static char *read_sql(int d, const char *file)
{
    char dir[1024], path[1200], msg[512];
    sp_err e;
    FILE *f;
    char *text;
    long n;

    ck_assert_msg(sp_schema_find_dir(dir, sizeof(dir), &e) != NULL, "%s", sp_err_format(&e, msg, sizeof(msg)));
    snprintf(path, sizeof(path), "%s/%s/%s", dir, DIALECTS[d], file);
    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    return text;
}

static const char *ident(const char *p, char *out, size_t n)
{
    size_t j = 0;
    while ((isalnum((unsigned char)*p) || *p == '_') && j + 1 < n)
        out[j++] = *p++;
    out[j] = '\0';
    return p;
}

/* "    NAME type[(w[,s])] rest" of line (len bytes) into c; 0 when the line
 * is a constraint, not a column. */
static int parse_column(const char *line, size_t len, int lineno, ddl_col *c)
{
    const char *p = ident(line + 4, c->name, sizeof(c->name));
    char rest[512];

    if (strcmp(c->name, "CONSTRAINT") == 0 || strcmp(c->name, "PRIMARY") == 0 ||
        strcmp(c->name, "UNIQUE") == 0 || strcmp(c->name, "CHECK") == 0)
        return 0;
    while (*p == ' ')
        p++;
    p = ident(p, c->type, sizeof(c->type));
    for (char *t = c->type; *t; t++)
        *t = (char)tolower((unsigned char)*t);
    c->width = c->scale = 0;
    if (*p == '(') {
        char *end;
        c->width = (int)strtol(p + 1, &end, 10);
        if (end == p + 1)
            c->width = -1;
        if (*end == ',')
            c->scale = (int)strtol(end + 1, &end, 10);
    }
    snprintf(rest, sizeof(rest), "%.*s", (int)len, line);
    /* SQLite's rowid alias (integer PRIMARY KEY) is never NULL: a NULL takes the next rowid */
    c->notnull = strstr(rest, " NOT NULL") != NULL ||
                 (strcmp(c->type, "integer") == 0 && strstr(rest, " PRIMARY KEY") != NULL);
    c->line = lineno;
    return 1;
}

/* Every CREATE TABLE of a script: a table's columns are the lines of its
 * body indented by exactly four spaces that start with a name. */
static void parse_ddl(const char *text, ddl *out)
{
    const char *line = text;
    ddl_table *t = NULL;
    int lineno = 1;

    memset(out, 0, sizeof(*out));
    while (*line != '\0') {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (t == NULL && strncmp(line, "CREATE TABLE ", 13) == 0) {
            const char *p = line + 13;
            if (strncmp(p, "IF NOT EXISTS ", 14) == 0)
                p += 14;
            if (strncmp(p, "dbo.", 4) == 0)
                p += 4;
            ck_assert_int_lt(out->n, MAX_TABLES);
            t = &out->t[out->n++];
            ident(p, t->name, sizeof(t->name));
        } else if (t != NULL && line[0] == ')') {
            t = NULL;
        } else if (t != NULL && len > 4 && strncmp(line, "    ", 4) == 0 &&
                   (isalpha((unsigned char)line[4]) || line[4] == '_')) {
            ck_assert_int_lt(t->n, MAX_COLS);
            if (parse_column(line, len, lineno, &t->col[t->n]))
                t->n++;
        }
        lineno++;
        line = nl ? nl + 1 : line + len;
    }
}

static void load_scripts(void)
{
    static ddl sp;   /* salespad.sql: its spProspectContact joins the GP tables */
    for (int d = 0; d < NDIALECT; d++) {
        char *text = read_sql(d, "gp.sql");
        parse_ddl(text, &scripts[d]);
        free(text);
        ck_assert_msg(scripts[d].n == 8, "%s/gp.sql: %d tables, want GP's 8", DIALECTS[d], scripts[d].n);
        text = read_sql(d, "salespad.sql");
        parse_ddl(text, &sp);
        free(text);
        for (int i = 0; i < sp.n; i++)
            if (strcmp(sp.t[i].name, "spProspectContact") == 0)
                scripts[d].t[scripts[d].n++] = sp.t[i];
        ck_assert_msg(scripts[d].n == 9, "%s/salespad.sql has no spProspectContact", DIALECTS[d]);
    }
}

static const ddl_table *table_of(int d, const char *name)
{
    for (int i = 0; i < scripts[d].n; i++)
        if (strcmp(scripts[d].t[i].name, name) == 0)
            return &scripts[d].t[i];
    return NULL;
}

static const ddl_col *column_of(const ddl_table *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->col[i].name, name) == 0)
            return &t->col[i];
    return NULL;
}

/* ---- comparing ------------------------------------------------------------- */

/* The script a table is written in. */
static const char *script_of(const char *table)
{
    return strcmp(table, "spProspectContact") == 0 ? "salespad.sql" : "gp.sql";
}

/* A dialect's type word in the catalogue's spelling. */
static const char *catalogue_type(const char *t)
{
    static const char *const map[][2] = {
        {"varchar", "char"}, {"nvarchar", "char"}, {"nchar", "char"},  {"timestamp", "datetime"},
        {"datetime2", "datetime"}, {"integer", "int"}, {"blob", "binary"}, {"bytea", "binary"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(t, map[i][0]) == 0)
            return map[i][1];
    return t;
}

static int same_type(int d, const char *catalogue, const char *written)
{
    const char *t = catalogue_type(written);
    if (strcmp(t, catalogue) == 0)
        return 1;
    return d == PG && strcmp(catalogue, "tinyint") == 0 && strcmp(t, "smallint") == 0;   /* PostgreSQL has no tinyint */
}

/* One catalogue column against its line in dialect d's gp.sql. */
static void compare_column(int d, const sp_job_column *c, const char *entity)
{
    const ddl_table *t = table_of(d, c->table);
    const ddl_col *dc;

    ck_assert_msg(t != NULL, "%s/gp.sql has no table %s (entity %s)", DIALECTS[d], c->table, entity);
    dc = column_of(t, c->name);
    ck_assert_msg(dc != NULL, "%s/%s: %s has no column %s (entity %s)", DIALECTS[d], script_of(c->table), c->table, c->name, entity);
    ck_assert_msg(same_type(d, c->type, dc->type), "%s/%s:%d: %s.%s is %s, the catalogue says %s",
                  DIALECTS[d], script_of(c->table), dc->line, c->table, c->name, dc->type, c->type);
    if (strcmp(c->type, "char") == 0)
        ck_assert_msg(dc->width == c->width, "%s/%s:%d: %s.%s is char(%d), the catalogue says char(%d)",
                      DIALECTS[d], script_of(c->table), dc->line, c->table, c->name, dc->width, c->width);
    ck_assert_msg(dc->notnull, "%s/%s:%d: %s.%s may be NULL; every GP column is NOT NULL", DIALECTS[d], script_of(c->table),
                  dc->line, c->table, c->name);
}

/* ---- the tests --------------------------------------------------------------- */


START_TEST(every_catalogue_column_has_its_type_width_and_not_null_in_every_dialect)
{
    int compared = 0;

    load_scripts();
    for (int e = 0; e < SP_ENTITY_COUNT; e++) {
        size_t n;
        const sp_job_column *cols = sp_job_entity_columns((sp_job_entity)e, &n);
        for (size_t i = 0; i < n; i++)
            for (int d = 0; d < NDIALECT; d++) {
                compare_column(d, &cols[i], sp_job_entity_name((sp_job_entity)e));
                compared++;
            }
    }
    /* 103 + 33 + 25 + 10 + 89 + 191 + 132 columns of the entities' tables, + INET1 twice, + LISTPRCE */
    ck_assert_int_eq(compared, NDIALECT * (103 + 33 + 25 + 10 + 89 + 191 + 132 + 2 + 1));
}
END_TEST

START_TEST(each_entity_table_has_the_catalogue_columns_in_order)
{
    load_scripts();
    for (int e = 0; e < SP_ENTITY_COUNT; e++) {
        size_t n, k = 0;
        const sp_job_column *cols = sp_job_entity_columns((sp_job_entity)e, &n);
        const char *table = sp_job_entity_table((sp_job_entity)e);
        for (int d = 0; d < NDIALECT; d++) {
            const ddl_table *t = table_of(d, table);
            ck_assert_msg(t != NULL, "%s/gp.sql has no table %s", DIALECTS[d], table);
            k = 0;
            for (size_t i = 0; i < n; i++) {
                if (strcmp(cols[i].table, table) != 0)
                    continue;   /* read from another table (INET1 from SY01200) */
                ck_assert_msg((int)k < t->n, "%s/gp.sql: %s ends before the catalogue's %s", DIALECTS[d], table,
                              cols[i].name);
                ck_assert_msg(strcmp(t->col[k].name, cols[i].name) == 0,
                              "%s/gp.sql:%d: column %zu of %s is %s, the catalogue's is %s", DIALECTS[d],
                              t->col[k].line, k + 1, table, t->col[k].name, cols[i].name);
                k++;
            }
            ck_assert_msg((int)k == t->n, "%s/gp.sql: %s has %d columns, the catalogue %zu (first extra: %s)",
                          DIALECTS[d], table, t->n, k, (int)k < t->n ? t->col[k].name : "-");
        }
    }
}
END_TEST

START_TEST(the_dialects_agree_on_every_gp_column)
{
    load_scripts();
    for (int i = 0; i < scripts[SQLITE].n; i++) {
        const ddl_table *s = &scripts[SQLITE].t[i];
        for (int d = PG; d < NDIALECT; d++) {
            const ddl_table *t = table_of(d, s->name);
            ck_assert_msg(t != NULL, "%s/gp.sql has no table %s", DIALECTS[d], s->name);
            ck_assert_msg(t->n == s->n, "%s: %d columns in sqlite/gp.sql, %d in %s/gp.sql", s->name, s->n, t->n,
                          DIALECTS[d]);
            for (int c = 0; c < s->n; c++) {
                const ddl_col *a = &s->col[c], *b = &t->col[c];
                const char *ta = catalogue_type(a->type), *tb = catalogue_type(b->type);
                ck_assert_msg(strcmp(a->name, b->name) == 0, "%s column %d: %s in sqlite, %s in %s", s->name, c + 1,
                              a->name, b->name, DIALECTS[d]);
                ck_assert_msg(same_type(d, ta, b->type), "%s.%s: %s in sqlite, %s in %s", s->name, a->name, a->type,
                              b->type, DIALECTS[d]);
                if (strcmp(ta, "char") == 0 || strcmp(ta, "numeric") == 0)
                    ck_assert_msg(a->width == b->width && a->scale == b->scale,
                                  "%s.%s: %s(%d,%d) in sqlite (line %d), %s(%d,%d) in %s (line %d)", s->name, a->name,
                                  a->type, a->width, a->scale, a->line, tb, b->width, b->scale, DIALECTS[d], b->line);
                ck_assert_msg(a->notnull && b->notnull, "%s.%s: NOT NULL in sqlite %d, in %s %d", s->name, a->name,
                              a->notnull, DIALECTS[d], b->notnull);
            }
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("catalog");
    TCase *tc = tcase_create("catalog");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, every_catalogue_column_has_its_type_width_and_not_null_in_every_dialect);
    tcase_add_test(tc, each_entity_table_has_the_catalogue_columns_in_order);
    tcase_add_test(tc, the_dialects_agree_on_every_gp_column);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

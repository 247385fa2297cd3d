/* check_tsql.c -- every statement text spetl sends for the SQL Server dialect,
 * parsed by a real T-SQL parser (sqlfluff's tsql dialect) since no SQL Server
 * runs here.
 *
 * The texts are captured at the ODBC boundary: spetl connects to the
 * recording driver (tests/odbc-rec/odbcrec.c, build/tests/odbcrec.so), which
 * says it is "Microsoft SQL Server" (so etl/db/ picks the SQL Server
 * dialect) and writes down each text it is asked to prepare or execute. The
 * db layer, the state module, the schema loader, the filter compiler and a
 * whole `spetl run` of jobs/examples/full-nightly.xml (exports, imports into
 * GP against the HubSpot simulator) run unchanged against it.
 *
 * The ? markers are written as @P1, @P2... as Microsoft's driver sends them
 * (sp_prepexec); each statement is one GO batch of one file per test, parsed
 * by one sqlfluff run (it takes about a second to start, and about 100 s of
 * CPU for the schema scripts' DDL). A statement sqlfluff rejects fails the
 * test with its text and sqlfluff's message; an unparsable section may run
 * on over the following GO batches, so fix the first one and run again.
 * sqlfluff skips files over 20,000 bytes unless configured not to, and the
 * test checks that it parsed every batch.
 * sqlfluff 1.4.5's own gaps are in `limits` below, each with its reason. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "../../etl/sync/deal_internal.h"
#include "../support/run.h"
#include "../support/sim.h"
#include "../support/skip.h"
#include "spetl/components.h"
#include "spetl/db.h"
#include "spetl/filter.h"
#include "spetl/gp_write.h"
#include "spetl/job.h"
#include "spetl/mem.h"
#include "spetl/schema.h"
#include "spetl/state.h"

/* Valid T-SQL that sqlfluff 1.4.5's tsql dialect cannot parse. With a `to`,
 * the text is rewritten to a form it can parse, so the rest of the statement
 * is still checked; without one (no such form), the statement is not parsed.
 * Each use is counted and printed: today one CREATE TABLE of salespad.sql
 * (spWorkflowQueueOrder's computed SOPTYPE) and grants.sql's CREATE LOGIN,
 * CREATE USER and GRANT CREATE TABLE are not parsed. */
static const struct {
    const char *from, *to, *why;
} limits[] = {
    {"CREATE OR ALTER TRIGGER", "CREATE TRIGGER",
     "sqlfluff 1.4.5 knows CREATE TRIGGER but not CREATE OR ALTER TRIGGER (SQL Server 2016 SP1+)"},
    {" WITH (HOLDLOCK) AS tgt", " AS tgt",
     "sqlfluff 1.4.5 has no table hint on MERGE's target (sp_sql_upsert's MERGE ... WITH (HOLDLOCK))"},
    {"DEFAULT 0x00000000", "DEFAULT 0",
     "sqlfluff 1.4.5 does not lex binary literals (0x...) such as GP's binary(4) defaults"},
    {") PERSISTED", NULL,
     "sqlfluff 1.4.5's tsql dialect has no computed columns (name AS (expression) PERSISTED)"},
    {"GRANT CREATE TABLE ", NULL,
     "sqlfluff 1.4.5 crashes on it (RuntimeError: Grammar refers to 'WarehouseKeywordSegment')"},
    {"CREATE LOGIN ", NULL, "sqlfluff 1.4.5's tsql dialect has no CREATE LOGIN"},
    {"CREATE USER ", NULL, "sqlfluff 1.4.5's tsql dialect has no CREATE USER"},
};
static int limit_uses[sizeof(limits) / sizeof(limits[0])];

static char tmpdir[512];

typedef struct stmts {
    char **v;
    int n, cap;
} stmts;

static int ready(void)
{
    if (getenv("SPETL_TEST_TMP") == NULL) {
        sp_skip_note("SPETL_TEST_TMP not set (run it under make test)");
        return 0;
    }
    if (system("sqlfluff --version >/dev/null 2>&1") != 0) {
        sp_skip_note("sqlfluff is not installed (scripts/install-deps.sh installs it)");
        return 0;
    }
    snprintf(tmpdir, sizeof(tmpdir), "%s/tsql-%d", getenv("SPETL_TEST_TMP"), (int)getpid());
    mkdir(tmpdir, 0755);
    return 1;
}

/* build/tests/odbcrec.so, next to this program. */
static void driver_path(char *buf, size_t n)
{
    char self[512];
    ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
    ck_assert_int_gt(l, 0);
    self[l] = '\0';
    *strrchr(self, '/') = '\0';
    snprintf(buf, n, "%s/odbcrec.so", self);
    ck_assert_msg(access(buf, R_OK) == 0, "%s is missing (make tests-build builds it)", buf);
}

static void recorder_conn(const char *record, const char *tables, char *buf, size_t n)
{
    char drv[600];
    driver_path(drv, sizeof(drv));
    snprintf(buf, n, "Driver=%s;Record=%s;Tables=%s;", drv, record, tables);
}

static void add(stmts *s, const char *text)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], text) == 0)
            return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = sp_xrealloc(s->v, (size_t)s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = sp_xstrdup(text);
}

static void free_stmts(stmts *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

/* The distinct texts in a record file (each followed by "\n\x1e\n"). */
static void load_record(const char *path, stmts *s)
{
    FILE *f = fopen(path, "r");
    char *text, *p, *end;
    long len;

    ck_assert_msg(f != NULL, "nothing was recorded in %s", path);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = sp_xcalloc(1, (size_t)len + 1);
    ck_assert_int_eq(fread(text, 1, (size_t)len, f), len);
    fclose(f);
    for (p = text; (end = strstr(p, "\n\x1e\n")) != NULL; p = end + 3) {
        *end = '\0';
        add(s, p);
    }
    free(text);
}

/* text as SQL Server receives it: ? outside quotes and comments -> @Pn, and
 * the rewrites of `limits`; NULL when a limit says it cannot be parsed. */
static char *as_sent(const char *text)
{
    sp_buf b;
    int n = 0;
    char *out;

    sp_buf_init(&b, (size_t)1 << 24);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\'' || (*p == '-' && p[1] == '-')) {
            const char *q = *p == '\'' ? strchr(p + 1, '\'') : strchr(p, '\n');
            size_t l = q != NULL ? (size_t)(q - p) + 1 : strlen(p);
            sp_buf_append(&b, p, l, NULL);
            p += l - 1;
        } else if (*p == '?') {
            sp_buf_printf(&b, NULL, "@P%d", ++n);
        } else {
            sp_buf_append(&b, p, 1, NULL);
        }
    }
    out = sp_xstrdup(sp_buf_str(&b));
    sp_buf_free(&b);
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        char *at;
        if (limits[i].to == NULL && strstr(out, limits[i].from) != NULL) {
            limit_uses[i]++;
            free(out);
            return NULL;
        }
        while (limits[i].to != NULL && (at = strstr(out, limits[i].from)) != NULL) {
            limit_uses[i]++;
            memcpy(at, limits[i].to, strlen(limits[i].to));
            memmove(at + strlen(limits[i].to), at + strlen(limits[i].from),
                    strlen(at + strlen(limits[i].from)) + 1);
        }
    }
    return out;
}

/* Line l of file path (for the report), into buf. */
static const char *file_line(const char *path, int l, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    for (int i = 1; f != NULL && fgets(buf, (int)n, f) != NULL && i < l; i++)
        buf[0] = '\0';
    if (f != NULL)
        fclose(f);
    return buf;
}

/* Parse every statement of s with one sqlfluff run; returns the number
 * rejected and describes them in report. */
static int parse_all(const char *name, const stmts *s, sp_buf *report)
{
    char path[700], outp[700], cmd[1600], line[2048];
    int *start = sp_xcalloc((size_t)s->n + 1, sizeof(int));
    int lineno = 1, bad = 0, rc, in_viol = 0, last = -1, gos = 0, written = 0, crashed = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.sql", tmpdir, name);
    snprintf(outp, sizeof(outp), "%s/%s.out", tmpdir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < s->n; i++) {
        char *t = as_sent(s->v[i]);
        start[i] = lineno;
        if (t == NULL)
            continue;
        fprintf(f, "%s\nGO\n", t);
        written++;
        for (const char *p = t; *p; p++)
            lineno += *p == '\n';
        lineno += 2;
        free(t);
    }
    fclose(f);
    /* sqlfluff skips a file over 20,000 bytes (with a warning and status 0)
     * unless told not to */
    snprintf(cmd, sizeof(cmd), "%s/sqlfluff.cfg", tmpdir);
    f = fopen(cmd, "w");
    ck_assert_ptr_nonnull(f);
    fputs("[sqlfluff]\ndialect = tsql\nlarge_file_skip_byte_limit = 0\n", f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "sqlfluff parse --config '%s/sqlfluff.cfg' --dialect tsql '%s' >'%s' 2>&1",
             tmpdir, path, outp);
    rc = system(cmd);
    f = fopen(outp, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        int l;
        if (strstr(line, "|    go_statement:") != NULL)
            gos++;
        crashed |= strncmp(line, "Traceback (most recent call last)", 33) == 0;
        if (strncmp(line, "==== parsing violations", 23) == 0)
            in_viol = 1;
        else if (in_viol && sscanf(line, "L: %d |", &l) == 1) {
            int i = 0;
            while (i + 1 < s->n && start[i + 1] <= l)
                i++;
            if (i != last)
                sp_buf_printf(report, NULL, "\n--- statement %d of %d (%s line %d):\n%.1500s\n", i + 1,
                              s->n, path, start[i], s->v[i]);
            char at[512];
            sp_buf_printf(report, NULL, "line %d: %ssqlfluff: %s", l,
                          file_line(path, l, at, sizeof(at)),
                          strstr(line, "|") ? strrchr(line, '|') + 1 : line);
            bad += i != last;
            last = i;
        } else if (in_viol && last >= 0 && strstr(line, "| ") != NULL && line[0] == ' ') {
            sp_buf_printf(report, NULL, "          %s", strrchr(line, '|') + 1);
        }
    }
    fclose(f);
    free(start);
    if (bad == 0 && gos != written) {
        /* every batch must have been parsed, not skipped */
        sp_buf_printf(report, NULL, "sqlfluff parsed %d of the %d batches of %s%s: see %s", gos, written,
                      path, crashed ? " (it crashed: a Python traceback)" : "", outp);
        bad = 1;
    } else if (rc != 0 && bad == 0) {
        sp_buf_printf(report, NULL, "sqlfluff failed (status %d) without a violation: see %s", rc, outp);
        bad = 1;
    }
    return bad;
}

static void assert_parses(const char *name, const stmts *s)
{
    sp_buf report;
    int bad, unparsed = 0;

    sp_buf_init(&report, (size_t)1 << 24);
    memset(limit_uses, 0, sizeof(limit_uses));
    bad = parse_all(name, s, &report);
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        unparsed += limits[i].to == NULL ? limit_uses[i] : 0;
        if (limit_uses[i] > 0)
            printf("check_tsql: %s: %d statement(s) %s%s%s for a sqlfluff 1.4.5 gap: %s (%s)\n",
                   name, limit_uses[i], limits[i].to ? "rewritten " : "not parsed",
                   limits[i].to ? "to " : "", limits[i].to ? limits[i].to : "", limits[i].from,
                   limits[i].why);
    }
    printf("check_tsql: %s: %d statement(s), %d parsed as T-SQL, %d rejected\n", name, s->n,
           s->n - unparsed, bad);
    ck_assert_msg(bad == 0, "%d of %d %s statement(s) are not T-SQL:%s", bad, s->n, name,
                  sp_buf_str(&report));
    sp_buf_free(&report);
}

/* The checker itself: LIMIT is not T-SQL and is reported with its text. */
START_TEST(checker_rejects_what_is_not_tsql)
{
    stmts s = {0};
    sp_buf report;

    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    sp_buf_init(&report, (size_t)1 << 20);
    add(&s, "SELECT TOP (10) CUSTNMBR FROM RM00101 WHERE CUSTNMBR > ? ORDER BY CUSTNMBR");
    add(&s, "SELECT CUSTNMBR FROM RM00101 ORDER BY CUSTNMBR LIMIT 10");
    add(&s, "UPDATE spAALock SET Heartbeat_On = SYSUTCDATETIME() WHERE Hub_ID = ?");
    ck_assert_int_eq(parse_all("checker", &s, &report), 1);
    ck_assert_ptr_nonnull(strstr(sp_buf_str(&report), "statement 2 of 3"));
    ck_assert_ptr_nonnull(strstr(sp_buf_str(&report), "LIMIT 10"));
    ck_assert_ptr_null(strstr(sp_buf_str(&report), "statement 1 of 3"));
    sp_buf_free(&report);
    free_stmts(&s);
}
END_TEST

static int add_split(const char *stmt, int line, void *ctx)
{
    (void)line;
    add(ctx, stmt);
    return 0;
}

/* The scripts of sql/sqlserver/ as files, batch by batch as sqlcmd or SSMS
 * would run them (split at their GO lines), grants.sql too. */
START_TEST(scripts_parse_as_files)
{
    static const char *const files[] = {"spetl.sql", "salespad.sql", "gp.sql", "grants.sql"};
    char dir[600], path[700];
    sp_err e;
    stmts s = {0};

    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    ck_assert_ptr_nonnull(sp_schema_find_dir(dir, sizeof(dir), &e));
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char text[1 << 17];
        snprintf(path, sizeof(path), "%s/sqlserver/%s", dir, files[i]);
        sp_test_slurp(path, text, sizeof(text));
        ck_assert_msg(strlen(text) > 100 && strlen(text) < sizeof(text) - 1, "%s", path);
        ck_assert_int_eq(sp_schema_split(text, add_split, &s, &e), 0);
    }
    assert_parses("scripts", &s);
    free_stmts(&s);
}
END_TEST

/* The SQL Server row of the dialect table (etl/db/dialect.c) put to use in
 * statements, each form parsed: identity, timestamp, now, TOP, quoting,
 * concatenation, lengths, OUTPUT, ADD, savepoints. */
START_TEST(dialect_table_forms_are_tsql)
{
    const sp_dialect_sql *d = sp_dialect_sql_of(SP_DIALECT_SQLSERVER);
    stmts s = {0};
    char *t;

    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    t = sp_xasprintf("CREATE TABLE dbo.spT (T_ID %s NOT NULL, At %s NOT NULL DEFAULT (%s), Name varchar(20) NULL)",
                     d->identity, d->timestamp, d->now);
    add(&s, t);
    free(t);
    ck_assert_int_eq(d->returning_before_values, 1);
    t = sp_xasprintf("INSERT INTO dbo.spT (Name) %sT_ID VALUES (?)", d->returning);
    add(&s, t);
    free(t);
    t = sp_xasprintf("SELECT %s %s(%sName%s) AS n, %s(Name) AS b, Name%s'|'%sName AS k FROM dbo.spT",
                     d->top ? "TOP (5)" : "", d->char_length, d->quote_open, d->quote_close,
                     d->stored_length, d->concat, d->concat);
    add(&s, t);
    free(t);
    t = sp_xasprintf("ALTER TABLE dbo.spT %s Seen_On %s NULL", d->add_column, d->timestamp);
    add(&s, t);
    free(t);
    t = sp_xasprintf("%sspetl_b1", d->savepoint);
    add(&s, t);
    free(t);
    t = sp_xasprintf("%sspetl_b1", d->rollback_to);
    add(&s, t);
    free(t);
    ck_assert_ptr_null(d->release);
    assert_parses("dialect", &s);
    free_stmts(&s);
}
END_TEST

static int no_link(const char *hub, const sp_link *l, void *ctx)
{
    (void)hub, (void)l, (void)ctx;
    return 0;
}

static int no_history(const sp_history_row *r, void *ctx)
{
    (void)r, (void)ctx;
    return 0;
}

static int no_action(const sp_action *a, void *ctx)
{
    (void)a, (void)ctx;
    return 0;
}

/* The db layer's own statements (the schema scripts, split by the loader's
 * own splitter, are parsed by scripts_parse_as_files): table look-ups, keyset paging, batches (multi-row INSERT, arrays, savepoints),
 * upserts, transactions. */
static void db_layer(sp_db *db)
{
    static const char *const keys[] = {"CUSTNMBR", "ADRSCODE"};
    static const sp_param_spec ps[] = {{SP_TYPE_TEXT, 15}, {SP_TYPE_TEXT, 15}, {SP_TYPE_TIME, 0},
                                       {SP_TYPE_NUMERIC, 21}, {SP_TYPE_INT, 0}};
    sp_keyset_spec ks = {"CUSTNMBR, ADRSCODE, ADDRESS1", "RM00102", "CUSTNMBR LIKE ?", keys, 2, 3};
    sp_stmt *st = NULL;
    sp_batch *b = NULL;
    sp_buf sql;
    sp_err e;
    int exists;

    ck_assert_int_eq(sp_db_table_exists(db, "RM00101", &exists, &e), 0);
    ck_assert_int_eq(sp_db_table_exists(db, "dbo.RM00101", &exists, &e), 0);
    ck_assert_int_eq(sp_stmt_prepare_keyset(db, &ks, &st, &e), 0);
    ck_assert_int_eq(sp_stmt_bind_text(st, 1, "A%", &e), 0);
    ck_assert_int_eq(sp_stmt_exec(st, NULL, &e), 0);
    ck_assert_int_eq(sp_stmt_fetch(st, &e), 0);
    sp_stmt_free(st);
    /* the following chunks (a page full of rows) are built the same way */
    sp_buf_init(&sql, 1 << 16);
    ck_assert_int_eq(sp_sql_keyset_select(SP_DIALECT_SQLSERVER, &ks, 1, &sql, &e), 0);
    ck_assert_int_eq(sp_stmt_prepare(db, sp_buf_str(&sql), &st, &e), 0);
    sp_stmt_free(st);
    sp_buf_free(&sql);
    ck_assert_int_eq(sp_db_begin(db, &e), 0);
    ck_assert_int_eq(sp_batch_open(db, "INSERT INTO RM00102 (CUSTNMBR, ADRSCODE, DEX_ROW_TS, "
                                       "CRLMTAMT, INACTIVE) VALUES (?, ?, ?, ?, ?)",
                                   ps, 5, 7, &b, &e), 0);
    for (int r = 0; r < 9; r++) {
        ck_assert_int_eq(sp_batch_text(b, 1, "AARONFIT0001", &e), 0);
        ck_assert_int_eq(sp_batch_text(b, 2, r ? "CONTACT001" : "PRIMARY", &e), 0);
        ck_assert_int_eq(sp_batch_time(b, 3, 1767225600000 + r, &e), 0);
        ck_assert_int_eq(sp_batch_numeric(b, 4, "100.50000", &e), 0);
        ck_assert_int_eq(sp_batch_int(b, 5, 0, &e), 0);
        ck_assert_int_eq(sp_batch_add(b, &e), 0);
    }
    ck_assert_int_eq(sp_batch_flush(b, &e), 0);
    sp_batch_free(b);
    ck_assert_int_eq(sp_batch_open(db, "UPDATE RM00101 SET CUSTNAME = ? WHERE CUSTNMBR = ?", ps,
                                   2, 4, &b, &e), 0);
    for (int r = 0; r < 3; r++) {
        ck_assert_int_eq(sp_batch_text(b, 1, "Aaron", &e), 0);
        ck_assert_int_eq(sp_batch_add(b, &e), 0);
    }
    ck_assert_int_eq(sp_batch_flush(b, &e), 0);
    sp_batch_free(b);
    ck_assert_int_eq(sp_db_commit(db, &e), 0);
    ck_assert_int_eq(sp_db_refresh_stats(db, "RM00101", &e), 0);
}

/* The state module: links, component state, history, Action Center, lock. */
static void state_module(sp_db *db)
{
    sp_link l = {"CUSTOMER", "AARONFIT0001", "companies", "1234567890123", "ab12", 0, 0};
    sp_link_sel sel = {.hub = "42", .entity_type = "CUSTOMER", .key_prefix = "AARON"};
    sp_link_sel page = {.hub = "42", .after_type = "CUSTOMER", .after_key = "AARONFIT0001"};
    sp_link_sel by_hs = {.hs_object = "companies", .hs_id = "1"};
    sp_action a = {0};
    sp_link_writer *lw = NULL;
    sp_action_writer *aw = NULL;
    sp_counts c = {1, 2, 3, 4, 5, 6, 7};
    int64_t n, m;
    int found;
    sp_err e;

    ck_assert_msg(sp_link_put(db, "42", &l, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(sp_link_get(db, "42", "CUSTOMER", "AARONFIT0001", &l, &found, &e), 0);
    ck_assert_int_eq(sp_link_get_by_hs(db, "42", "companies", "1", &l, &found, &e), 0);
    ck_assert_int_eq(sp_link_writer_open(db, &lw, &e), 0);
    ck_assert_int_eq(sp_link_writer_put(lw, "42", &l, &e), 0);
    sp_link_writer_free(lw);
    ck_assert_int_eq(sp_link_delete(db, "42", "CUSTOMER", "AARONFIT0001", &n, &e), 0);
    ck_assert_int_eq(sp_link_count(db, "42", "CUSTOMER", &n, &e), 0);
    ck_assert_int_eq(sp_link_list(db, &sel, 10, no_link, NULL, &e), 0);
    ck_assert_int_eq(sp_link_list(db, &page, 500, no_link, NULL, &e), 0);
    ck_assert_int_eq(sp_link_list(db, &by_hs, 0, no_link, NULL, &e), 0);
    ck_assert_int_eq(sp_link_repoint(db, "42", "companies", "1", "2", &n, &e), 0);
    ck_assert_int_eq(sp_state_get(db, "42", "customer-export", &n, &m, &e), 0);
    ck_assert_int_eq(sp_state_put(db, "42", "customer-export", 1767225600000, 1767225600001, &e), 0);
    ck_assert_int_eq(sp_history_start(db, "42", "run-1", "job", "customer-export", 1767225600000, &e), 0);
    ck_assert_int_eq(sp_history_finish(db, "42", "run-1", "customer-export", "ok", &c, "done", &e), 0);
    ck_assert_int_eq(sp_history_prune(db, "42", 30, &n, &e), 0);
    ck_assert_int_eq(sp_history_list(db, "42", 20, no_history, NULL, &e), 0);
    snprintf(a.component, sizeof(a.component), "customer-export");
    snprintf(a.entity_type, sizeof(a.entity_type), "CUSTOMER");
    snprintf(a.entity_key, sizeof(a.entity_key), "AARONFIT0001");
    snprintf(a.category, sizeof(a.category), "validation");
    snprintf(a.message, sizeof(a.message), "bad e-mail");
    snprintf(a.run_id, sizeof(a.run_id), "run-1");
    a.http_status = 400;
    ck_assert_msg(sp_action_upgrade(db, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(sp_action_add(db, "42", &a, &e), 0);
    ck_assert_int_eq(sp_action_list(db, "42", 20, no_action, NULL, &e), 0);
    ck_assert_int_eq(sp_action_list_run(db, "42", "run-1", 20, no_action, NULL, &e), 0);
    ck_assert_int_eq(sp_action_list_key(db, "42", "AARONFIT0001", 20, no_action, NULL, &e), 0);
    ck_assert_int_eq(sp_action_dismiss(db, "42", "AARONFIT0001", "me", &n, &e), 0);
    ck_assert_int_eq(sp_action_resolve(db, "42", "CUSTOMER", "AARONFIT0001", &e), 0);
    ck_assert_int_eq(sp_action_writer_open(db, "42", &aw, &e), 0);
    ck_assert_int_eq(sp_action_writer_add(aw, &a, 1, &e), 0);
    ck_assert_int_eq(sp_action_writer_resolve(aw, "CUSTOMER", "AARONFIT0001", &e), 0);
    sp_action_writer_free(aw);
    ck_assert_msg(sp_lock_acquire(db, "42", "run-1", 3600000, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(sp_lock_heartbeat(db, "42", "run-1", &e), 0);
    ck_assert_int_eq(sp_lock_release(db, "42", "run-1", &e), 0);
}

/* Filters of every entity compiled for SQL Server, in a read of its table. */
static void filters(sp_db *db)
{
    static const char *const texts[] = {
        "CUSTCLAS = 'RETAIL' AND INACTIVE = 0 AND (STATE IN ('IL','WI') OR CUSTNAME LIKE 'A%')",
        "DEX_ROW_TS >= '2026-01-01' AND NOT HOLD = 1",
        "CREATDDT BETWEEN '2025-12-31 23:59:59.5' AND '2026-02-28T08:30:00Z'",
        "[CUSTNAME] <> N'Zo\xc3\xab' AND COMMENT1 IS NOT NULL OR (COMMENT2 IS NULL)",
        "UPPER(RTRIM(CUSTNAME)) LIKE 'A%' AND LEN(ZIP) = 5 AND LOWER(LTRIM(STATE)) = 'il'",
        "CRLMTAMT BETWEEN 100 AND 5000.50 AND NOT STATE NOT IN ('IL') AND CRLMTAMT NOT BETWEEN -1 AND +.5",
        "CUSTNAME NOT LIKE '100!%%' ESCAPE '!' AND CRLMTTYP IN (1, 2)",
        "PRBTADCD = PRSTADCD AND CREATDDT < MODIFDT"};
    sp_arena *a = sp_arena_new(0);
    size_t n = 0;
    const sp_job_column *all = sp_job_entity_columns(SP_ENTITY_CUSTOMER, &n);
    sp_job_column *own = sp_xcalloc(n, sizeof(*own));
    size_t nown = 0;
    sp_filter_opts o;
    sp_err e;

    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].table, "RM00101") == 0)
            own[nown++] = all[i];
    memset(&o, 0, sizeof(o));
    o.columns = own;
    o.ncolumns = nown;
    o.table = "RM00101";
    o.component = "customer-export";
    o.dialect = SP_DIALECT_SQLSERVER;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        for (int q = 0; q < 2; q++) {
            sp_filter *f = NULL;
            sp_stmt *st = NULL;
            char *sql;
            o.quote_identifiers = q;
            o.alias = q ? "c" : NULL;
            ck_assert_msg(sp_filter_compile(texts[i], &o, a, &f, &e) == 0, "%s: %s", texts[i], e.msg);
            sql = sp_xasprintf("SELECT TOP (100) %s FROM RM00101%s WHERE %s ORDER BY 1", q ? "c.CUSTNMBR" : "CUSTNMBR",
                               q ? " c" : "", sp_filter_and(f, q ? "c.CUSTNMBR > ?" : NULL, a, NULL));
            ck_assert_int_eq(sp_stmt_prepare(db, sql, &st, &e), 0);
            sp_stmt_free(st);
            free(sql);
        }
    free(own);
    sp_arena_free(a);
}

/* The GP writer (etl/gpwrite): its INSERTs of every column of RM00101,
 * RM00102, SY01200, SOP00200 and spProspectContact, the key and contact-key
 * reads, the address-code UPDATE and its savepoints. */
static void gp_writer(sp_db *db)
{
    sp_job_import im = {0};
    static const sp_gpw_value v[] = {{"CUSTNAME", "Acme Corp", {1, 1}}, {"CREATDDT", "2026-01-31", {2, 1}}};
    sp_gpw_contact cs[2] = {{"c1", "a@acme.example", NULL, 0}, {"c2", NULL, NULL, 0}};
    sp_gpw_company c = {"101", "Acme Corp", v, 2, cs, 2};
    char key[SP_GPW_KEY], ck[2][SP_GPW_KEY];
    sp_gpw *w = NULL;
    sp_err e;

    im.key_generation = (sp_job_key_generation){{0, 0}, "name", 8, 4};
    im.contact_keys = (sp_job_contact_keys){{0, 0}, "PRIMARY", "CONTACT", 3};
    for (int t = 0; t < 2; t++) {
        ck_assert_msg(sp_gpw_open(db, t ? SP_GPW_PROSPECT : SP_GPW_CUSTOMER, &im, NULL, NULL, &w, &e) == 0, "%s",
                      e.msg);
        ck_assert_int_eq(sp_db_begin(db, &e), 0);
        ck_assert_msg(sp_gpw_insert_company(w, &c, key, ck, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(sp_db_commit(db, &e), 0);
        sp_gpw_free(w);
    }
}

START_TEST(db_state_and_filters_send_tsql)
{
    char rec[700], conn[1400];
    sp_db *db = NULL;
    sp_err e;
    stmts s = {0};

    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    snprintf(rec, sizeof(rec), "%s/db.rec", tmpdir);
    unlink(rec);
    recorder_conn(rec, "none", conn, sizeof(conn));
    ck_assert_msg(sp_db_open(&db, conn, NULL, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(sp_db_dialect(db), SP_DIALECT_SQLSERVER);
    db_layer(db);
    state_module(db);
    filters(db);
    gp_writer(db);
    sp_db_close(db);
    load_record(rec, &s);
    ck_assert_int_gt(s.n, 40);
    assert_parses("db", &s);
    free_stmts(&s);
}
END_TEST

/* deal-export's page reads (documents on their two-part key, their lines)
 * prepared on the recorder: the first page, the page after a key, one
 * key's rows, a page's lines, --key. */
static void prepare_read(int which, const char *sql, const xparams *p, void *ud)
{
    sp_stmt *st = NULL;
    sp_err e;
    (void)which, (void)p;
    ck_assert_msg(sp_stmt_prepare(ud, sql, &st, &e) == 0, "%s: %s", e.msg, sql);
    sp_stmt_free(st);
}

START_TEST(deal_page_reads_are_tsql)
{
    char rec[700], conn[1400], path[700], dir[600];
    sp_job_load_opts o = {0};
    sp_job *job = NULL;
    sp_run_ctx ctx;
    sp_deal_spec_parts parts;
    sp_db *db = NULL;
    sp_err e;
    stmts s = {0};

    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    ck_assert_ptr_nonnull(sp_schema_find_dir(dir, sizeof(dir), &e));
    snprintf(path, sizeof(path), "%s/../jobs/examples/full-nightly.xml", dir);
    o.skip_secrets = 1;
    o.validate_only = 1;
    ck_assert_msg(sp_job_load(path, &o, &job, &e) == 0, "%s", e.msg);
    snprintf(rec, sizeof(rec), "%s/deal.rec", tmpdir);
    unlink(rec);
    recorder_conn(rec, "none", conn, sizeof(conn));
    ck_assert_msg(sp_db_open(&db, conn, NULL, &e) == 0, "%s", e.msg);
    memset(&ctx, 0, sizeof(ctx));
    ctx.job = job;
    ctx.comp = job->components[SP_COMP_DEAL_EXPORT];
    ctx.db = db;
    ctx.hub = "41234567";
    ck_assert_ptr_nonnull(ctx.comp);
    sp_deal_spec_init(&ctx, &parts);
    ck_assert_msg(dl_statements(&ctx, &parts.spec, prepare_read, db, &e) == 0, "%s", e.msg);
    sp_db_close(db);
    sp_job_free(job);
    load_record(rec, &s);
    ck_assert_int_ge(s.n, 5);
    assert_parses("deal", &s);
    free_stmts(&s);
}
END_TEST

/* Copy of src with every `from` replaced by `to` (each must be found). */
static char *replaced(const char *src, const char *const *pairs, int npairs)
{
    char *cur = sp_xstrdup(src);
    for (int i = 0; i < npairs; i += 2) {
        char *at = strstr(cur, pairs[i]);
        ck_assert_msg(at != NULL, "full-nightly.xml no longer has %s", pairs[i]);
        *at = '\0';
        char *next = sp_xasprintf("%s%s%s", cur, pairs[i + 1], at + strlen(pairs[i]));
        free(cur);
        cur = next;
    }
    return cur;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

/* jobs/examples/full-nightly.xml on the recorder and the simulator. */
static char *nightly_job(const char *conn, const sp_sim *sim)
{
    char dir[600], path[700], dbattr[1500], url[200];
    static char text[1 << 17];
    sp_err e;

    ck_assert_ptr_nonnull(sp_schema_find_dir(dir, sizeof(dir), &e));
    snprintf(path, sizeof(path), "%s/../jobs/examples/full-nightly.xml", dir);
    sp_test_slurp(path, text, sizeof(text));
    snprintf(dbattr, sizeof(dbattr), "<database connection=\"%s\"", conn);
    snprintf(url, sizeof(url), "base-url=\"%s\"", sp_sim_base_url(sim));
    const char *pairs[] = {
        "<database connection=\"Driver={ODBC Driver 18 for SQL Server};Server=gp01.fabrikam.local;"
        "Database=TWO;Uid=spetl;Pwd=${GP_PASSWORD};Encrypt=yes;\"", dbattr,
        "base-url=\"https://api.hubapi.com\"", url,
        "<email-on-error enabled=\"true\"", "<email-on-error enabled=\"false\""};
    return replaced(text, pairs, 6);
}

/* A whole `spetl run` of jobs/examples/full-nightly.xml against the recorder
 * and the simulator (which holds companies to import): every component runs.
 * The reads find no GP rows, so the exports send their first pages' reads and
 * their bookkeeping (lock, history, component state); the import inserts the
 * seeded companies. */
START_TEST(full_nightly_run_sends_tsql)
{
    static const char *const seed =
        "{\"records\":[{\"properties\":{\"name\":\"Aaron Fitz Electrical\",\"type\":\"PARTNER\","
        "\"city\":\"Chicago\",\"state\":\"IL\",\"zip\":\"60601\"}},"
        "{\"properties\":{\"name\":\"Contoso Prospects\",\"type\":\"PROSPECT\",\"city\":\"Fargo\"}}]}";
    char rec[700], conn[1400], path[700], tok[700], args[1600], env[1200];
    char out[1 << 14], err[1 << 16];
    sp_sim *sim = NULL;
    sp_err e;
    stmts s = {0};
    char *job;
    int rc, inserts = 0, paged = 0;

    SP_SKIP_IF(!ready(), "%s", sp_skip_why());
    SP_SKIP_IF(getenv("SPETL_BIN") == NULL || sp_sim_binary() == NULL, "%s",
               "SPETL_BIN or the simulator is missing (run it under make test)");
    snprintf(rec, sizeof(rec), "%s/run.rec", tmpdir);
    recorder_conn(rec, "all", conn, sizeof(conn));
    ck_assert_int_eq(sp_sim_start(NULL, &sim, &e), 0);
    json_decref(sp_test_sim_json(sim, "POST", "/_sim/seed/companies", seed));
    job = nightly_job(conn, sim);
    snprintf(path, sizeof(path), "%s/full-nightly.xml", tmpdir);
    snprintf(tok, sizeof(tok), "%s/token", tmpdir);
    write_text(tok, "pat-na1-tsql-test-token\n", 0600);
    snprintf(env, sizeof(env), "SPETL_TOKEN_FILE='%s' HUBSPOT_HUB_ID=41234567", tok);
    unlink(rec);
    write_text(path, job, 0644);
    snprintf(args, sizeof(args), "setup-hubspot '%s'", path);
    rc = sp_test_run(tmpdir, env, getenv("SPETL_BIN"), args, out, sizeof(out), err, sizeof(err));
    ck_assert_msg(rc == 0, "spetl setup-hubspot exited %d: %.2000s", rc, err);
    snprintf(args, sizeof(args), "run '%s'", path);
    rc = sp_test_run(tmpdir, env, getenv("SPETL_BIN"), args, out, sizeof(out), err, sizeof(err));
    sp_sim_stop(sim);
    free(job);
    if (rc != 0)
        printf("%s\n", strlen(err) > 6000 ? err + strlen(err) - 6000 : err);
    ck_assert_msg(rc == 0, "spetl run exited %d (its log is above)", rc);
    load_record(rec, &s);
    for (int i = 0; i < s.n; i++) {
        inserts += strncmp(s.v[i], "INSERT INTO RM00101", 19) == 0;
        paged += strstr(s.v[i], "SELECT TOP (") != NULL && strstr(s.v[i], "ORDER BY") != NULL;
    }
    ck_assert_msg(inserts > 0, "company-customer-import ran and inserted no customer");
    ck_assert_msg(paged > 0, "no paged read was sent");
    assert_parses("run", &s);
    free_stmts(&s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("tsql");
    TCase *tc = tcase_create("tsql");
    tcase_set_timeout(tc, 1200);   /* sqlfluff parses the scripts in ~100 s of CPU */
    tcase_add_test(tc, checker_rejects_what_is_not_tsql);
    tcase_add_test(tc, scripts_parse_as_files);
    tcase_add_test(tc, dialect_table_forms_are_tsql);
    tcase_add_test(tc, db_state_and_filters_send_tsql);
    tcase_add_test(tc, full_nightly_run_sends_tsql);
    tcase_add_test(tc, deal_page_reads_are_tsql);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

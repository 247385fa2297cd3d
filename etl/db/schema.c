/*
 * schema.c -- find the SQL scripts in sql/<dialect>/, split them into
 * statements, run them in one transaction.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spetl/buf.h"
#include "spetl/log.h"
#include "spetl/mem.h"
#include "spetl/platform.h"
#include "spetl/schema.h"

#define SCRIPT_MAX ((size_t)4 << 20)

static char *g_dir_override;

void sp_schema_set_dir(const char *dir)
{
    free(g_dir_override);
    g_dir_override = dir != NULL ? sp_xstrdup(dir) : NULL;
}

static int has_scripts(const char *dir)
{
    char probe[PATH_MAX];
    snprintf(probe, sizeof(probe), "%s/sqlite/spetl.sql", dir);
    return sp_path_readable(probe);
}

const char *sp_schema_find_dir(char *buf, size_t n, sp_err *e)
{
    char exe[PATH_MAX];
    char tried[900];
    size_t tl = 0;
    const char *env;

    tried[0] = '\0';
#define TRY(path)                                                                        \
    do {                                                                                 \
        if (has_scripts(path)) {                                                         \
            snprintf(buf, n, "%s", path);                                                \
            return buf;                                                                  \
        }                                                                                \
        if (tl < sizeof(tried)) {                                                        \
            int w_ = snprintf(tried + tl, sizeof(tried) - tl, "%s%s", tl ? ", " : "", path); \
            if (w_ > 0)                                                                  \
                tl += (size_t)w_;                                                        \
        }                                                                                \
    } while (0)

    if (g_dir_override != NULL) {
        if (has_scripts(g_dir_override)) {
            snprintf(buf, n, "%s", g_dir_override);
            return buf;
        }
        SP_ERR(e, SP_EIO, "no SQL scripts in %s (expected %s/sqlite/spetl.sql)", g_dir_override,
               g_dir_override);
        return NULL;
    }
    env = sp_os_getenv("SPETL_SQL_DIR");
    if (env != NULL && env[0] != '\0') {
        if (has_scripts(env)) {
            snprintf(buf, n, "%s", env);
            return buf;
        }
        SP_ERR(e, SP_EIO, "SPETL_SQL_DIR=%s has no SQL scripts (expected %s/sqlite/spetl.sql)",
               env, env);
        return NULL;
    }
    if (sp_os_exe_dir(exe, sizeof(exe)) == 0) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof(path), "%s/../share/spetl/sql", exe);
        TRY(path);
        snprintf(path, sizeof(path), "%s/../sql", exe);
        TRY(path);
        snprintf(path, sizeof(path), "%s/../../sql", exe);
        TRY(path);
        /* C:\spetl\spetl.exe beside C:\spetl\sql (samples/scheduler's layout) */
        snprintf(path, sizeof(path), "%s/sql", exe);
        TRY(path);
    }
    env = sp_os_getenv("SPETL_TOP");
    if (env != NULL && env[0] != '\0') {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/sql", env);
        TRY(path);
    }
    TRY("/usr/local/share/spetl/sql");
    TRY("/usr/share/spetl/sql");
#undef TRY
    SP_ERR(e, SP_EIO,
           "cannot find spetl's SQL scripts; looked in %s; set SPETL_SQL_DIR to the directory "
           "that holds sqlite/, postgresql/ and sqlserver/",
           tried);
    return NULL;
}

/* ---- splitting ------------------------------------------------------------ */

static const char *skip_blank(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    return s;
}

/* [b, e) trimmed of blanks on both sides. */
static void trim_span(const char **b, const char **e)
{
    while (*b < *e && isspace((unsigned char)**b))
        (*b)++;
    while (*e > *b && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

static int span_is(const char *b, const char *e, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(e - b) == n && strncasecmp(b, word, n) == 0;
}

static int count_dollars(const char *b, const char *e)
{
    int n = 0;
    for (const char *p = b; p + 1 < e; p++)
        if (p[0] == '$' && p[1] == '$') {
            n++;
            p++;
        }
    return n;
}

/* Does the statement so far open a trigger body (CREATE [TEMP] TRIGGER ...
 * BEGIN)? */
static int in_trigger_body(const char *stmt)
{
    const char *p = skip_blank(stmt);
    while (*p == '\n' || *p == ' ' || *p == '\t' || *p == '\r')
        p++;
    if (strncasecmp(p, "CREATE", 6) != 0)
        return 0;
    p = skip_blank(p + 6);
    if (strncasecmp(p, "TEMP", 4) == 0) {
        p += 4;
        if (strncasecmp(p, "ORARY", 5) == 0)
            p += 5;
        p = skip_blank(p);
    }
    if (strncasecmp(p, "TRIGGER", 7) != 0)
        return 0;
    for (const char *q = p; *q != '\0'; q++) {
        if (strncasecmp(q, "BEGIN", 5) == 0 && (q == stmt || !isalnum((unsigned char)q[-1])) &&
            !isalnum((unsigned char)q[5]) && q[5] != '_')
            return 1;
    }
    return 0;
}

static int emit(sp_buf *stmt, int line, int strip_semicolon,
                int (*fn)(const char *, int, void *), void *ctx)
{
    char *s = stmt->data;
    size_t n = stmt->len;
    int rc = 0;

    if (s == NULL)
        return 0;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (strip_semicolon && n > 0 && s[n - 1] == ';')
        n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    s[n] = '\0';
    const char *b = s;
    while (isspace((unsigned char)*b))
        b++;
    if (*b != '\0')
        rc = fn(b, line, ctx);
    sp_buf_reset(stmt);
    return rc;
}

int sp_schema_split(const char *script, int (*fn)(const char *stmt, int line, void *ctx),
                    void *ctx, sp_err *e)
{
    sp_buf stmt;
    int go_mode = 0, line = 0, start = 0, dollars = 0, rc = -1;
    const char *p;

    /* GO mode when any line is only GO */
    for (p = script; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        const char *b = p, *en = end;
        trim_span(&b, &en);
        if (span_is(b, en, "GO")) {
            go_mode = 1;
            break;
        }
        p = nl ? nl + 1 : end;
    }

    sp_buf_init(&stmt, SCRIPT_MAX);
    for (p = script; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        const char *b = p, *en = end;
        line++;
        trim_span(&b, &en);
        p = nl ? nl + 1 : end;
        if (b == en && stmt.len == 0)
            continue;
        if (en - b >= 2 && b[0] == '-' && b[1] == '-')
            continue;   /* a comment line */
        if (go_mode && span_is(b, en, "GO")) {
            if (emit(&stmt, start, 0, fn, ctx) < 0)
                goto done;
            continue;
        }
        if (stmt.len == 0)
            start = line;
        if (sp_buf_append(&stmt, b, (size_t)(en - b), e) < 0 || sp_buf_append(&stmt, "\n", 1, e) < 0)
            goto done;
        if (go_mode)
            continue;
        dollars += count_dollars(b, en);
        if (en > b && en[-1] == ';') {
            if (dollars % 2 != 0)
                continue;   /* inside a $$ body */
            if (in_trigger_body(stmt.data) &&
                !(en - b >= 4 && strncasecmp(en - 4, "END;", 4) == 0))
                continue;   /* inside a trigger's BEGIN ... END */
            if (emit(&stmt, start, 1, fn, ctx) < 0)
                goto done;
            dollars = 0;
        }
    }
    if (emit(&stmt, start, !go_mode, fn, ctx) < 0)
        goto done;
    rc = 0;
done:
    sp_buf_free(&stmt);
    return rc;
}

/* ---- running -------------------------------------------------------------- */

typedef struct run_ctx {
    sp_db *db;
    const char *path;
    sp_err *e;
    int count;
} run_ctx;

static int run_one(const char *stmt, int line, void *vctx)
{
    run_ctx *c = vctx;
    if (sp_db_exec(c->db, stmt, NULL, c->e) < 0) {
        sp_err_at_input(c->e, c->path, line, 1);
        return -1;
    }
    c->count++;
    return 0;
}

static const char *dialect_dir(sp_dialect d)
{
    return sp_dialect_sql_of(d)->dir;
}

static int read_file(const char *path, sp_buf *out, sp_err *e)
{
    FILE *f = sp_os_fopen(path, "rb");
    char chunk[8192];
    size_t n;
    int rc = 0;

    if (f == NULL)
        return SP_ERR(e, SP_EIO, "cannot open %s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (sp_buf_append(out, chunk, n, e) < 0) {
            sp_err_prefix(e, "reading %s", path);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f))
        rc = SP_ERR(e, SP_EIO, "cannot read %s: %s", path, strerror(errno));
    fclose(f);
    return rc;
}

int sp_schema_run_file(sp_db *db, const char *name, sp_err *e)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    const char *sub = dialect_dir(sp_db_dialect(db));
    sp_buf text;
    run_ctx ctx;
    int rc = -1, own_txn = 0;

    sp_buf_init(&text, SCRIPT_MAX);
    if (sub == NULL) {
        SP_ERR(e, SP_EDB, "spetl has no SQL scripts for this database (%s); supported are SQLite, "
               "PostgreSQL and SQL Server", sp_db_server_version(db));
        goto done;
    }
    if (sp_schema_find_dir(dir, sizeof(dir), e) == NULL)
        goto done;
    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    if (read_file(path, &text, e) < 0)
        goto done;
    if (!sp_db_in_transaction(db)) {
        if (sp_db_begin(db, e) < 0)
            goto done;
        own_txn = 1;
    }
    ctx.db = db;
    ctx.path = path;
    ctx.e = e;
    ctx.count = 0;
    if (sp_schema_split(sp_buf_str(&text), run_one, &ctx, e) < 0)
        goto done;
    if (own_txn) {
        own_txn = 0;
        if (sp_db_commit(db, e) < 0)
            goto done;
    }
    SP_DEBUG("db", "ran %d statements of %s", ctx.count, path);
    rc = 0;
done:
    if (own_txn) {
        sp_err e2;
        sp_db_rollback(db, &e2);
    }
    sp_buf_free(&text);
    return rc;
}

int sp_schema_init(sp_db *db, sp_err *e)
{
    if (sp_schema_run_file(db, "spetl.sql", e) < 0)
        return -1;
    return sp_schema_run_file(db, "salespad.sql", e);
}

int sp_schema_create_gp(sp_db *db, sp_err *e)
{
    return sp_schema_run_file(db, "gp.sql", e);
}

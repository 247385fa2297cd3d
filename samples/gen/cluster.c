/*
 * cluster.c -- --cluster: on SQLite, the customers' tables stored in primary
 * key order, as GP's clustered primary keys keep them on SQL Server.
 *
 * SQL Server stores RM00101, RM00102 and SY01200 in the order of their
 * clustered primary keys (CUSTNMBR; CUSTNMBR, ADRSCODE; Master_Type,
 * Master_ID, ADRSCODE): a customer's addresses and e-mails sit together, and
 * customers follow each other by key. SQLite stores a table in rowid order
 * (DEX_ROW_ID here), which the generator hands out in the order it makes
 * customers, not by key. This rewrites each table's rows in key order (the
 * same rows, DEX_ROW_ID numbered again in that order), with the tables'
 * triggers set aside meanwhile so no timestamp moves. PostgreSQL and SQL
 * Server are left as they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "spetl/buf.h"
#include "spetl/mem.h"

#define MAX_TRIGGERS 32

typedef struct trig {
    char *name, *sql;
} trig;

/* The triggers of the three tables: their names and their CREATE text. */
static int triggers_of(sp_db *db, trig *t, int *n, sp_err *e)
{
    sp_stmt *st = NULL;
    int f, rc = -1;

    *n = 0;
    if (sp_stmt_prepare(db, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
                            "tbl_name IN ('RM00101', 'RM00102', 'SY01200')", &st, e) != 0 ||
        sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((f = sp_stmt_fetch(st, e)) == 1 && *n < MAX_TRIGGERS) {
        t[*n].name = sp_xstrdup(sp_stmt_text(st, 0) ? sp_stmt_text(st, 0) : "");
        t[*n].sql = sp_xstrdup(sp_stmt_text(st, 1) ? sp_stmt_text(st, 1) : "");
        (*n)++;
    }
    rc = f < 0 ? -1 : 0;
done:
    sp_stmt_free(st);
    return rc;
}

/* Table t's rows again, in the order of key. */
static int rewrite(sp_db *db, const gen_table *t, const char *key, sp_err *e)
{
    sp_buf cols, sql;
    int rc = -1;

    sp_buf_init(&cols, 8192);
    sp_buf_init(&sql, 20000);
    for (int c = 0; c < t->ncols; c++)
        if (t->param[c] != 0)
            sp_buf_printf(&cols, e, "%s%s", cols.len ? ", " : "", t->cols[c].name);
    if (sp_buf_check(&cols, e) != 0)
        goto done;
    sp_buf_printf(&sql, e, "CREATE TEMP TABLE gen_cluster AS SELECT %s FROM %s ORDER BY %s", sp_buf_str(&cols),
                  t->name, key);
    if (sp_buf_check(&sql, e) != 0 || sp_db_exec(db, sp_buf_str(&sql), NULL, e) != 0)
        goto done;
    sp_buf_reset(&sql);
    sp_buf_printf(&sql, e, "DELETE FROM %s", t->name);
    if (sp_buf_check(&sql, e) != 0 || sp_db_exec(db, sp_buf_str(&sql), NULL, e) != 0)
        goto done;
    sp_buf_reset(&sql);
    sp_buf_printf(&sql, e, "INSERT INTO %s (%s) SELECT %s FROM gen_cluster ORDER BY rowid", t->name,
                  sp_buf_str(&cols), sp_buf_str(&cols));
    if (sp_buf_check(&sql, e) != 0 || sp_db_exec(db, sp_buf_str(&sql), NULL, e) != 0 ||
        sp_db_exec(db, "DROP TABLE gen_cluster", NULL, e) != 0)
        goto done;
    rc = 0;
done:
    if (rc != 0)
        sp_err_prefix(e, "storing %s in key order", t->name);
    sp_buf_free(&cols);
    sp_buf_free(&sql);
    return rc;
}

int gen_cluster(sp_db *db, const gen_table *rm00101, const gen_table *rm00102, const gen_table *sy01200,
                sp_err *e)
{
    trig t[MAX_TRIGGERS];
    char sql[256];
    int n = 0, rc = -1;

    if (sp_db_dialect(db) != SP_DIALECT_SQLITE)
        return 0;
    if (triggers_of(db, t, &n, e) != 0)
        goto done;
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof(sql), "DROP TRIGGER %s", t[i].name);
        if (sp_db_exec(db, sql, NULL, e) != 0)
            goto done;
    }
    if (rewrite(db, rm00101, "CUSTNMBR", e) != 0 || rewrite(db, rm00102, "CUSTNMBR, ADRSCODE", e) != 0 ||
        rewrite(db, sy01200, "Master_Type, Master_ID, ADRSCODE", e) != 0)
        goto done;
    for (int i = 0; i < n; i++)
        if (sp_db_exec(db, t[i].sql, NULL, e) != 0)
            goto done;
    rc = 0;
done:
    for (int i = 0; i < n; i++) {
        free(t[i].name);
        free(t[i].sql);
    }
    return rc;
}

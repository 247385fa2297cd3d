/*
 * writer.c -- the GP writer (gp_write.h): its statements, prepared once in
 * sp_gpw_open(), and the two calls that write a new company with its
 * contacts or add contacts to an existing one, inside the caller's
 * transaction. With rollback-on-error true the first failure ends the call
 * (the caller rolls back to its savepoint); with false each contact is
 * written inside a savepoint of its own, a failing one is undone alone and
 * reported, and the next written contact takes its key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "spetl/buf.h"
#include "spetl/clock.h"
#include "spetl/log.h"
#include "spetl/mem.h"

#define ROW_SAVEPOINT "spetl_gpw_row"
#define DAY_MS 86400000LL

/* GP's CHAR keys compare with trailing blanks ignored on SQL Server and
 * PostgreSQL; SQLite (the sample database and the tests) keeps the padding
 * as data. There a key is found by a range from the trimmed key to the key
 * followed by '!' (the first character above the blank), which the key's
 * index serves, then compared trimmed: an index seek, not RTRIM(column) on
 * every row (a scan per company). key_eq() writes the test, gpw_bind_key()
 * binds its ? (three on SQLite, one elsewhere). */
static const char *key_eq(const sp_gpw *w, char *buf, size_t n, const char *name)
{
    if (sp_db_dialect(w->db) == SP_DIALECT_SQLITE)
        snprintf(buf, n, "%s >= ? AND %s < ? || '!' AND RTRIM(%s) = ?", name, name, name);
    else
        snprintf(buf, n, "%s = ?", name);
    return buf;
}

int gpw_bind_key(sp_gpw *w, sp_stmt *st, int idx, const char *key, sp_err *e)
{
    int n = sp_db_dialect(w->db) == SP_DIALECT_SQLITE ? 3 : 1;

    for (int i = 0; i < n; i++)
        if (sp_stmt_bind_text(st, idx + i, key, e) < 0)
            return -1;
    return idx + n;
}

/* Keys from lo to hi: on SQLite the padded hi is below hi || '!'. */
static const char *key_range(const sp_gpw *w, char *buf, size_t n, const char *name)
{
    if (sp_db_dialect(w->db) == SP_DIALECT_SQLITE)
        snprintf(buf, n, "%s >= ? AND %s < ? || '!'", name, name);
    else
        snprintf(buf, n, "%s >= ? AND %s <= ?", name, name);
    return buf;
}

/* The keys of GPW_PREFIXES prefixes at once (sp_gpw_insert_many): the
 * ranges OR-ed, each served by the key's index. */
static int prepare_taken_many(sp_gpw *w, sp_err *e)
{
    sp_buf sql;
    char a[120];
    int rc;

    sp_buf_init(&sql, 16384);
    for (int t = 0; t < 2; t++) {
        const char *k = t == 0 ? "CUSTNMBR" : "PROSPID";
        sp_buf_printf(&sql, e, "%sSELECT %s FROM %s WHERE ", t ? " UNION " : "", k, t == 0 ? "RM00101" : "SOP00200");
        for (int i = 0; i < GPW_PREFIXES; i++)
            sp_buf_printf(&sql, e, "%s(%s)", i ? " OR " : "", key_range(w, a, sizeof(a), k));
    }
    rc = sp_buf_check(&sql, e) < 0 || sp_stmt_prepare(w->db, sp_buf_str(&sql), &w->taken_many, e) < 0 ? -1 : 0;
    sp_buf_free(&sql);
    return rc;
}

static int prepare_all(sp_gpw *w, sp_err *e)
{
    int cust = w->target == SP_GPW_CUSTOMER;
    char sql[512], a[120], b[120];

    if (gpw_table_open(w, &w->company, cust ? SP_ENTITY_CUSTOMER : SP_ENTITY_PROSPECT, e) < 0 ||
        gpw_table_open(w, &w->contact, cust ? SP_ENTITY_CUSTOMER_ADDRESS : SP_ENTITY_PROSPECT_CONTACT,
                       e) < 0)
        return -1;
    snprintf(sql, sizeof(sql), "SELECT CUSTNMBR FROM RM00101 WHERE %s UNION SELECT PROSPID FROM SOP00200 WHERE %s",
             key_range(w, a, sizeof(a), "CUSTNMBR"), key_range(w, b, sizeof(b), "PROSPID"));
    if (sp_stmt_prepare(w->db, sql, &w->taken, e) < 0 || prepare_taken_many(w, e) < 0)
        return -1;
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s", cust ? "CUSTNMBR" : "PROSPID",
             cust ? "RM00101" : "SOP00200", key_eq(w, a, sizeof(a), cust ? "CUSTNMBR" : "PROSPID"));
    if (sp_stmt_prepare(w->db, sql, &w->exists, e) < 0)
        return -1;
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s", cust ? "ADRSCODE" : "Contact_ID",
             cust ? "RM00102" : "spProspectContact", key_eq(w, a, sizeof(a), cust ? "CUSTNMBR" : "PROSPID"));
    if (sp_stmt_prepare(w->db, sql, &w->contact_keys, e) < 0)
        return -1;
    return cust ? gpw_customer_open(w, sp_db_dialect(w->db) == SP_DIALECT_SQLITE, e) : 0;
}

int sp_gpw_open(sp_db *db, sp_gpw_target t, const sp_job_import *imp, sp_gpw_report_fn report,
                void *report_ud, sp_gpw **out, sp_err *e)
{
    sp_gpw *w;

    *out = NULL;
    if (db == NULL || imp == NULL || (t != SP_GPW_CUSTOMER && t != SP_GPW_PROSPECT))
        return SP_ERR(e, SP_EINTERNAL, "sp_gpw_open: no database, import settings or target");
    w = sp_xcalloc(1, sizeof(*w));
    w->db = db;
    w->target = t;
    w->imp = imp;
    w->report = report;
    w->report_ud = report_ud;
    w->hubspot_id = "";
    w->now_ms = sp_clock_wall_ms();
    w->today_ms = w->now_ms - ((w->now_ms % DAY_MS) + DAY_MS) % DAY_MS;
    if (prepare_all(w, e) < 0) {
        sp_err_prefix(e, "preparing the GP writer's statements");
        sp_gpw_free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void sp_gpw_set_job_path(sp_gpw *w, const char *path)
{
    w->job_path = path;
}

void sp_gpw_free(sp_gpw *w)
{
    if (w == NULL)
        return;
    gpw_table_free(&w->company);
    gpw_table_free(&w->contact);
    sp_stmt_free(w->email_ins);
    sp_batch_free(w->email_batch);
    sp_stmt_free(w->taken);
    sp_stmt_free(w->taken_many);
    sp_stmt_free(w->exists);
    sp_stmt_free(w->contact_keys);
    sp_stmt_free(w->pointers);
    free(w);
}

static int one_contact(sp_gpw *w, const char *key, const char *ckey, int first, const sp_gpw_contact *c,
                       const char *fallback_email, sp_err *e)
{
    if (w->target == SP_GPW_CUSTOMER)
        return gpw_customer_contact(w, key, ckey, c, first ? fallback_email : NULL, e);
    return gpw_prospect_contact(w, key, ckey, first, c, e);
}

/* Write contact c under the next contact number *next (inside a savepoint
 * when guarded); a duplicate key takes the next number when retry is set.
 * 0 written (ckey set, *next moved on), -1 failed (undone when guarded). */
static int write_contact(sp_gpw *w, const char *key, long *next, int guarded, int retry,
                         const sp_gpw_contact *c, const char *fallback_email, char ckey[SP_GPW_KEY],
                         sp_err *e)
{
    sp_err e2;
    for (int tries = 0; tries < SP_GPW_KEY_TRIES; tries++) {
        if (gpw_contact_key(&w->imp->contact_keys, *next, ckey, e) < 0)
            return -1;
        if (guarded && sp_db_savepoint(w->db, ROW_SAVEPOINT, e) < 0)
            return -1;
        int r = one_contact(w, key, ckey, *next == 0, c, fallback_email, e);
        if (r == 0) {
            (*next)++;
            return guarded ? sp_db_release(w->db, ROW_SAVEPOINT, e) : 0;
        }
        if (guarded && (sp_db_rollback_to(w->db, ROW_SAVEPOINT, &e2) < 0 ||
                        sp_db_release(w->db, ROW_SAVEPOINT, &e2) < 0)) {
            *e = e2;
            return -1;
        }
        if (!(guarded && retry && sp_err_is_unique_violation(e)))
            break;
        (*next)++;   /* a GP user added that key at the same moment */
    }
    ckey[0] = '\0';
    sp_err_prefix(e, "contact %s", c->hubspot_id != NULL ? c->hubspot_id : "?");
    return -1;
}

/* Write cs[0..n) from contact number next on. Returns how many were
 * written, or -1 (rollback-on-error true: at the first failure). */
static int write_contacts(sp_gpw *w, const char *key, long next, const sp_gpw_contact *cs, size_t n,
                          int retry, const char *fallback_email, char (*ckeys)[SP_GPW_KEY], sp_err *e)
{
    int keep = !w->imp->rollback_on_error, written = 0;
    for (size_t i = 0; i < n; i++) {
        sp_err e2;
        sp_err_clear(&e2);
        if (write_contact(w, key, &next, keep || retry, retry, &cs[i], fallback_email, ckeys[i],
                          keep ? &e2 : e) == 0) {
            written++;
            continue;
        }
        if (!keep)
            return -1;
        if (e2.code == SP_EDB && strncmp(e2.sqlstate, "08", 2) == 0) {
            *e = e2;   /* the connection is gone: nothing more can be written */
            return -1;
        }
        SP_WARN(NULL, "%s", e2.msg);
        if (w->report != NULL)
            w->report(w->report_ud, cs[i].hubspot_id, &e2);
    }
    return written;
}

static int company_intro(sp_gpw *w, const char *hubspot_id, sp_err *e)
{
    w->hubspot_id = hubspot_id != NULL ? hubspot_id : "?";
    if (!sp_db_in_transaction(w->db))
        return SP_ERR(e, SP_EINTERNAL, "company %s: the GP writer needs the caller's transaction",
                      w->hubspot_id);
    return 0;
}

/* The company row: under the next free key of its prefix, proved by the
 * database (keygen.c), or (preset: sp_gpw_insert_many) a row of the page's
 * batch under the key the read said is free, which the batch's flush proves. */
static int company_row(sp_gpw *w, const sp_gpw_company *c, const char *pointer, const char *preset,
                       char key[SP_GPW_KEY], sp_err *e)
{
    gpw_row_keys k = {.key = preset, .pointer = pointer};

    if (preset == NULL)
        return gpw_insert_company_row(w, c, pointer, key, e);
    snprintf(key, SP_GPW_KEY, "%s", preset);
    return gpw_table_insert(w, &w->company, &k, e);
}

/* One company and its contacts; preset: see company_row(). */
static int insert_one(sp_gpw *w, const sp_gpw_company *c, const char *preset, char key_out[SP_GPW_KEY],
                      char (*contact_keys)[SP_GPW_KEY], sp_err *e)
{
    int cust = w->target == SP_GPW_CUSTOMER, written;
    const char *inet1 = NULL;
    char first[SP_GPW_KEY];

    key_out[0] = '\0';
    for (size_t i = 0; i < c->ncontacts; i++)
        contact_keys[i][0] = '\0';
    if (company_intro(w, c->hubspot_id, e) < 0 ||
        gpw_table_take(w, &w->company, c->values, c->nvalues, cust ? &inet1 : NULL, e) < 0 ||
        gpw_contact_key(&w->imp->contact_keys, 0, first, e) < 0 ||
        company_row(w, c, cust && c->ncontacts > 0 ? first : NULL, preset, key_out, e) < 0)
        goto fail;
    if (cust && inet1 != NULL && inet1[0] != '\0' && c->ncontacts == 0)
        SP_WARN(NULL, "company %s: customer %s has no contact, so no address to hold the mapped INET1 "
                "(e-mail) \"%s\"", w->hubspot_id, key_out, inet1);
    written = write_contacts(w, key_out, 0, c->contacts, c->ncontacts, 0, inet1, contact_keys, e);
    if (written < 0)
        goto fail;
    /* rollback-on-error false and no contact written: no address to point at */
    if (cust && c->ncontacts > 0 && written == 0 && gpw_customer_pointers(w, key_out, "", first, e) < 0)
        goto fail;
    return 0;
fail:
    sp_err_record(e, NULL, w->hubspot_id);
    return -1;
}

int sp_gpw_insert_company(sp_gpw *w, const sp_gpw_company *c, char key_out[SP_GPW_KEY],
                          char (*contact_keys)[SP_GPW_KEY], sp_err *e)
{
    return insert_one(w, c, NULL, key_out, contact_keys, e);
}

/* ---- many companies at once ---------------------------------------------------------- */

/* Rows a batch holds before it writes them (one multi-row INSERT): 64 rows
 * of RM00101's 100 columns are 6,400 parameters; psqlODBC 13 lost the
 * connection on a statement of 100 such rows (10,000 parameters). */
#define MANY_ROWS 64

static int many_rows(sp_gpw *w, const sp_gpw_company *cs, size_t n, char (*keys)[SP_GPW_KEY],
                     char (*ckeys)[SP_GPW_KEY], sp_err *e)
{
    size_t at = 0;

    if (gpw_keys_many(w, cs, n, keys, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char preset[SP_GPW_KEY];
        snprintf(preset, sizeof(preset), "%s", keys[i]);
        if (insert_one(w, &cs[i], preset, keys[i], ckeys + at, e) < 0)
            return -1;
        at += cs[i].ncontacts;
    }
    if (sp_batch_flush(w->company.batch, e) < 0 || sp_batch_flush(w->contact.batch, e) < 0 ||
        (w->email_batch != NULL && sp_batch_flush(w->email_batch, e) < 0))
        return -1;
    return 0;
}

int sp_gpw_insert_many(sp_gpw *w, const sp_gpw_company *cs, size_t n, char (*keys)[SP_GPW_KEY],
                       char (*contact_keys)[SP_GPW_KEY], sp_err *e)
{
    int cust = w->target == SP_GPW_CUSTOMER, rc;

    if (w->imp->rollback_on_error == 0)
        return SP_ERR(e, SP_EINTERNAL, "many companies at once need rollback-on-error true");
    if (!sp_db_in_transaction(w->db))
        return SP_ERR(e, SP_EINTERNAL, "the GP writer needs the caller's transaction");
    if (gpw_table_batch(w, &w->company, MANY_ROWS, e) < 0 || gpw_table_batch(w, &w->contact, MANY_ROWS, e) < 0 ||
        (cust && gpw_customer_batch(w, MANY_ROWS, e) < 0))
        return -1;
    sp_batch_reset(w->company.batch);
    sp_batch_reset(w->contact.batch);
    if (cust)
        sp_batch_reset(w->email_batch);
    w->company.many = w->company.batch;
    w->contact.many = w->contact.batch;
    w->email_many = cust ? w->email_batch : NULL;
    rc = many_rows(w, cs, n, keys, contact_keys, e);
    w->company.many = w->contact.many = NULL;
    w->email_many = NULL;
    return rc;
}

int sp_gpw_add_contacts(sp_gpw *w, const char *key, const sp_gpw_contact *cs, size_t n,
                        char (*contact_keys)[SP_GPW_KEY], sp_err *e)
{
    long next = 0;
    int found, written;
    char first[SP_GPW_KEY];

    for (size_t i = 0; i < n; i++)
        contact_keys[i][0] = '\0';
    if (company_intro(w, key, e) < 0 || gpw_bind_key(w, w->exists, 1, key, e) < 0 ||
        sp_stmt_exec(w->exists, NULL, e) < 0 || (found = sp_stmt_fetch(w->exists, e)) < 0)
        return -1;
    sp_stmt_close_cursor(w->exists);
    if (!found)
        return SP_ERR(e, SP_EDATA, "%s %s does not exist in GP: no contact can be added to it",
                      w->target == SP_GPW_CUSTOMER ? "customer" : "prospect", key);
    if (gpw_next_contact_number(w, key, &next, e) < 0)
        return -1;
    written = write_contacts(w, key, next, cs, n, 1, NULL, contact_keys, e);
    if (written < 0)
        return -1;
    /* a customer without addresses: its first one becomes its address codes */
    if (w->target == SP_GPW_CUSTOMER && next == 0 && written > 0 &&
        gpw_contact_key(&w->imp->contact_keys, 0, first, e) == 0 &&
        gpw_customer_pointers(w, key, first, "", e) < 0)
        return -1;
    return 0;
}

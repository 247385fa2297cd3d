/*
 * internal.h -- shared between the files of etl/gpwrite/ only: the writer,
 * its per-table column plans and the helpers of keygen.c, values.c,
 * customer.c and prospect.c.
 */
#ifndef SPETL_GPWRITE_INTERNAL_H
#define SPETL_GPWRITE_INTERNAL_H

#include <stdint.h>

#include "spetl/gp_write.h"

/* What the writer puts in a column of a row it inserts. */
typedef enum gpw_role {
    GPW_VALUE = 0,     /* the mapping's value, else GP's default */
    GPW_KEY,           /* the row's own key (CUSTNMBR, ADRSCODE, PROSPID, Contact_ID) */
    GPW_PARENT,        /* the company's key in a contact row */
    GPW_POINTER,       /* RM00101's address codes: the first contact's key */
    GPW_TODAY,         /* CREATDDT / MODIFDT: the run's UTC date unless mapped */
    GPW_NOW,           /* Created_On / Modified_On: the run's start unless mapped */
    GPW_PRIMARY,       /* Is_Primary: 1 for the first contact */
    GPW_EMAIL          /* spProspectContact.Email: the contact's e-mail unless mapped */
} gpw_role;

typedef struct gpw_col {
    const sp_job_column *col;
    gpw_role role;
} gpw_col;

/* One table the writer inserts into: its columns in table order and the
 * prepared INSERT with one ? per column. */
typedef struct gpw_table {
    sp_job_entity entity;
    const char *table;
    gpw_col *cols;
    int ncols;
    const char **vals;            /* per call: the value of each column, NULL: none */
    const sp_gpw_value **src;     /* per call: where it came from (errors) */
    sp_stmt *ins;
    char *sql;                    /* the INSERT */
    sp_batch *batch;              /* the same INSERT for many rows (sp_gpw_insert_many), opened on first use */
    sp_batch *many;               /* batch while sp_gpw_insert_many() runs: rows go there, not to ins */
} gpw_table;

/* What one row's key-dependent columns get. */
typedef struct gpw_row_keys {
    const char *key;        /* GPW_KEY */
    const char *parent;     /* GPW_PARENT */
    const char *pointer;    /* GPW_POINTER */
    int primary;            /* GPW_PRIMARY */
    const char *email;      /* GPW_EMAIL */
} gpw_row_keys;

struct sp_gpw {
    sp_db *db;
    sp_gpw_target target;
    const sp_job_import *imp;
    sp_gpw_report_fn report;
    void *report_ud;
    const char *job_path;         /* for errors at a mapping line; may be NULL */
    gpw_table company, contact;
    sp_stmt *email_ins;           /* customers: INSERT INTO SY01200 */
    sp_batch *email_batch;        /* ... its rows for many companies (opened on first use) */
    sp_batch *email_many;         /* email_batch while sp_gpw_insert_many() runs */
    sp_stmt *taken;               /* keys between ? and ? in RM00101 and SOP00200 */
    sp_stmt *taken_many;          /* ... of GPW_PREFIXES ranges at once */
    sp_stmt *exists;              /* the company key exists */
    sp_stmt *contact_keys;        /* the contact keys of one company */
    sp_stmt *pointers;            /* customers: RM00101's address codes when blank */
    int64_t now_ms, today_ms;
    const char *hubspot_id;       /* the company being written (errors) */
};

/* ---- writer.c ---- */

/* Bind key to the key test of st from parameter idx on (SQLite: its three
 * ?, a range and the trimmed key); the next parameter's index, or -1. */
int gpw_bind_key(sp_gpw *w, sp_stmt *st, int idx, const char *key, sp_err *e);

/* ---- values.c ---- */

/* Build t's column plan for entity en and prepare its INSERT. */
int gpw_table_open(sp_gpw *w, gpw_table *t, sp_job_entity en, sp_err *e);
void gpw_table_free(gpw_table *t);
/* Open t's batch (t->batch) for rows at a time, once; -1 when a column's
 * type cannot be batched. */
int gpw_table_batch(sp_gpw *w, gpw_table *t, int rows, sp_err *e);
/* Take the values of one row: each must name a column of t that the mapping
 * may set (INET1, the e-mail, is given back in *inet1 when inet1 is not
 * NULL). Errors are SP_EJOB at the value's line. */
int gpw_table_take(sp_gpw *w, gpw_table *t, const sp_gpw_value *v, size_t n, const char **inet1,
                   sp_err *e);
/* Bind every column of t (values taken, the row's keys, defaults) and run
 * the INSERT. A value that does not fit its column is SP_EDATA naming it. */
int gpw_table_insert(sp_gpw *w, gpw_table *t, const gpw_row_keys *k, sp_err *e);
/* A char value that does not fit: SP_EDATA with column, width and length. */
int gpw_check_width(sp_gpw *w, const char *table, const char *column, int width, const char *value,
                    const sp_gpw_value *src, sp_err *e);

/* ---- keygen.c ---- */

/* Key-generation's letters of src: A-Z and 0-9 of the upper-cased text
 * (everything else dropped), at most `letters` of them. */
void gpw_key_prefix(const char *src, int letters, char *out, size_t n);
/* The first number >= from not taken by a key prefix + `digits` digits in
 * RM00101 or SOP00200. SP_EDATA when every number is taken. */
int gpw_first_free(sp_gpw *w, const char *prefix, int digits, long from, long *out, sp_err *e);
/* Prefixes per query of the keys taken (w->taken_many). */
enum { GPW_PREFIXES = 20 };
/* The keys of cs[0..n) (sp_gpw_insert_many): for each, the first number
 * of its prefix that the read says is free, past those given to the same
 * prefix earlier in the call; one query per GPW_PREFIXES distinct prefixes.
 * SP_EDATA when a prefix has no number left. */
int gpw_keys_many(sp_gpw *w, const sp_gpw_company *cs, size_t n, char (*keys)[SP_GPW_KEY], sp_err *e);
/* The contact key of the idx-th contact: first, then prefix + number idx. */
int gpw_contact_key(const sp_job_contact_keys *ck, long idx, char out[SP_GPW_KEY], sp_err *e);
/* The number the next contact of an existing company gets (0: it gets
 * `first`, the company has no contact yet). */
int gpw_next_contact_number(sp_gpw *w, const char *key, long *out, sp_err *e);
/* Insert the company row under a generated key: the first free number, the
 * next one when a duplicate key says another insert took it, at most
 * SP_GPW_KEY_TRIES times. */
int gpw_insert_company_row(sp_gpw *w, const sp_gpw_company *c, const char *pointer,
                           char key_out[SP_GPW_KEY], sp_err *e);

/* ---- customer.c / prospect.c ---- */

/* Insert one contact row (and, for customers, its SY01200 e-mail row). */
int gpw_customer_contact(sp_gpw *w, const char *custnmbr, const char *adrscode,
                         const sp_gpw_contact *c, const char *fallback_email, sp_err *e);
int gpw_prospect_contact(sp_gpw *w, const char *prospid, const char *contact_id, int primary,
                         const sp_gpw_contact *c, sp_err *e);
/* Customers: set RM00101's address codes to adrscode where they are `was`. */
int gpw_customer_pointers(sp_gpw *w, const char *custnmbr, const char *adrscode, const char *was,
                          sp_err *e);
/* The customer's SY01200 and pointer statements (trimmed: SQLite's padded keys). */
int gpw_customer_open(sp_gpw *w, int trimmed, sp_err *e);
/* The SY01200 batch of sp_gpw_insert_many (w->email_batch), once. */
int gpw_customer_batch(sp_gpw *w, int rows, sp_err *e);

/* Add "company <id>" and the job file position of src to e. */
void gpw_err_context(sp_gpw *w, const sp_gpw_value *src, sp_err *e);

#endif

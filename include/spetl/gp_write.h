/*
 * gp_write.h -- writing a HubSpot company and its contacts into GP as a new
 * customer (RM00101, RM00102, SY01200) or a new prospect (SOP00200,
 * spProspectContact), and adding contacts to an existing one. Only SQL
 * through etl/db; statements prepared once per writer (sp_gpw_open), values
 * always bound parameters.
 *
 * Ownership. sp_gpw_open() allocates the writer, sp_gpw_free() frees it
 * (its statements too); free it before the sp_db. The writer keeps pointers
 * to the sp_job_import it was opened with (the job outlives the run). The
 * structs passed to the insert calls are read during the call only.
 *
 * Values. Each sp_gpw_value names a GP column of the target table (RM00101 /
 * SOP00200 for the company, RM00102 / spProspectContact for a contact) and
 * its text. The writer converts it to the column's type (char: as is;
 * smallint/int/tinyint: an integer; numeric: a decimal; datetime:
 * "YYYY-MM-DD[ HH:MM:SS[.fff]]", UTC). A column nobody maps gets GP's default
 * (blank for char, 0 for numbers, 1900-01-01 for dates). A text longer than
 * its char column is SP_EDATA naming the column, its width, the value's
 * length and the company's HubSpot id: never cut silently (the mapping's
 * max-length transform is the user's way to cut). Key columns (CUSTNMBR,
 * ADRSCODE, PROSPID, Contact_ID), RM00101's address codes (ADRSCODE,
 * PRBTADCD, PRSTADCD, STADDRCD: the first contact's key) and
 * spProspectContact.Is_Primary (1 for the first contact) are set by the
 * writer; a value for them is SP_EJOB at the field's line. CREATDDT/MODIFDT
 * default to the run's UTC date, Created_On/Modified_On to its start,
 * spProspectContact.Email to the contact's e-mail. INET1 among a customer
 * contact's values is its e-mail (else c->email); among the company's, the
 * first contact's e-mail when that contact has none.
 *
 * Keys. The company key is key-generation's letters of the from-property
 * value (upper-cased, anything but A-Z and 0-9 dropped; non-ASCII letters
 * are dropped too) followed by a zero-padded number of `digits` digits: the
 * first free one. "Free" is decided by inserting: on a duplicate key (a GP
 * user took it at the same moment) the insert is undone to an inner
 * savepoint and the next number is tried, at most SP_GPW_KEY_TRIES times.
 * Contact keys: the first contact gets contact-keys' first ("PRIMARY"), the
 * others prefix + zero-padded number ("CONTACT001"...).
 *
 * Transactions. Every call runs inside the caller's open transaction
 * (sp_db_begin) and never commits; see each function for what stays on
 * failure.
 */
#ifndef SPETL_GP_WRITE_H
#define SPETL_GP_WRITE_H

#include <stddef.h>

#include "spetl/db.h"
#include "spetl/err.h"
#include "spetl/job.h"

enum { SP_GPW_KEY = 32 };   /* bytes of a GP key with its NUL (CUSTNMBR char(15), ADRSCODE char(15)) */
enum { SP_GPW_KEY_TRIES = 10 };   /* inserts tried for one key (each duplicate: the next number) */

typedef enum sp_gpw_target { SP_GPW_CUSTOMER = 0, SP_GPW_PROSPECT } sp_gpw_target;

/* One GP column and its value from an import mapping, transforms applied. */
typedef struct sp_gpw_value {
    const char *column;     /* GP column as in the mapping: "CUSTNAME" */
    const char *value;      /* UTF-8; NULL: not set, GP's default applies */
    sp_job_pos pos;         /* the mapping field's position, for errors */
} sp_gpw_value;

typedef struct sp_gpw_contact {
    const char *hubspot_id;               /* the contact's id */
    const char *email;                    /* NULL or "": no SY01200 row (customers) */
    const sp_gpw_value *values;           /* RM00102 / spProspectContact columns */
    size_t nvalues;
} sp_gpw_contact;

typedef struct sp_gpw_company {
    const char *hubspot_id;               /* the company's id */
    const char *key_source;               /* value of key-generation's from-property ("Acme Corp") */
    const sp_gpw_value *values;           /* RM00101 / SOP00200 columns */
    size_t nvalues;
    const sp_gpw_contact *contacts;       /* in order: the first gets contact-keys' first ("PRIMARY") */
    size_t ncontacts;
} sp_gpw_company;

/* A part that failed when rollback-on-error is false (what was written stays). */
typedef void (*sp_gpw_report_fn)(void *ud, const char *hubspot_id, const sp_err *e);

typedef struct sp_gpw sp_gpw;   /* a writer for one run on one connection */

/* imp: the component's import settings (key-generation, contact-keys,
 * rollback-on-error). report may be NULL (failed parts are then only logged). */
int sp_gpw_open(sp_db *db, sp_gpw_target t, const sp_job_import *imp,
                sp_gpw_report_fn report, void *report_ud, sp_gpw **out, sp_err *e);
void sp_gpw_free(sp_gpw *w);   /* NULL is fine */
/* Added to the contract: the job file's path, so that an error at a mapped
 * value names file:line:col (the value's pos); kept, not copied. */
void sp_gpw_set_job_path(sp_gpw *w, const char *path);

/* Insert the company and its contacts INSIDE the caller's open transaction (sp_db_begin).
 * The caller brackets each company with its own savepoint (sp_db_savepoint) so that its
 * links roll back with the GP rows; the writer uses inner savepoints of its own (the key
 * retry: insert, and on a duplicate key take the next number; and, with rollback-on-error
 * false, each row). key_out gets the CUSTNMBR/PROSPID; contact_keys[i] (caller's array of
 * c->ncontacts) gets each contact's ADRSCODE / Contact_ID, or "" when that contact was not
 * written (rollback-on-error false, reported through report).
 * 0: written. -1 with e: with rollback-on-error true nothing of the company may stay (the
 * caller rolls back to its savepoint); e names the company's HubSpot id, the GP table and
 * column when known, and the SQLSTATE. */
int sp_gpw_insert_company(sp_gpw *w, const sp_gpw_company *c, char key_out[SP_GPW_KEY],
                          char (*contact_keys)[SP_GPW_KEY], sp_err *e);

/* Many companies at once (an import page's optimistic path; rollback-on-error
 * true only): each written as sp_gpw_insert_company() would, but the rows of
 * every table go out as multi-row INSERTs (sp_batch), and each company key is
 * the first number the read says is free, with no retry. keys[i] gets company
 * i's key; contact_keys, an array of the sum of cs[i].ncontacts, gets the
 * contacts' keys in order. Inside the caller's transaction. 0: all written.
 * -1 with e: something failed (a value, a key a GP user took at the same
 * moment, a refused row) and part of it may be written: the caller rolls
 * back to a savepoint taken before the call and writes the companies one by
 * one with sp_gpw_insert_company(), which reports each failure and retries
 * taken keys. */
int sp_gpw_insert_many(sp_gpw *w, const sp_gpw_company *cs, size_t n, char (*keys)[SP_GPW_KEY],
                       char (*contact_keys)[SP_GPW_KEY], sp_err *e);

/* Add contacts to the existing customer/prospect key (import-new-contacts, or contacts of a
 * matched company that match none of its addresses): each takes the next free contact key
 * (CONTACT001, CONTACT002 ... after those present; PRIMARY when the customer has none).
 * Same transaction and error rules as above (errors name the GP key: no HubSpot id is
 * given). A key that does not exist is SP_EDATA. */
int sp_gpw_add_contacts(sp_gpw *w, const char *key, const sp_gpw_contact *cs, size_t n,
                        char (*contact_keys)[SP_GPW_KEY], sp_err *e);

#endif

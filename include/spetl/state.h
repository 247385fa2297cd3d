/*
 * state.h -- what spetl remembers between runs, in the job's database.
 *
 *   links          spAAIntegratedEntityLink: one row per linked pair, SalesPad
 *                  entity (type + key) <-> HubSpot object (type + id), with the
 *                  hash of the payload last sent. Unique per hub on both sides.
 *                  It is a cache: HubSpot also carries spetl's key in a unique
 *                  property, so a lost link is found again by upsert.
 *   component state spAAComponentState: an import's minimum create/modified
 *                  date, moved only after the records before it are committed.
 *   history        spAARunHistory: one row per component run with its counts.
 *   Action Center  spAAActionCenter: one row per failed record (what, why,
 *                  HubSpot's category and correlation id).
 *   run lock       spAARunLock: one row per hub while a run holds it.
 *
 * All functions take the caller's sp_db and return 0 / -1 with sp_err (SP_EDB
 * from the database; SP_ELOCKED from sp_lock_acquire). Strings passed in are
 * copied; structs handed out are filled by value. Timestamps are UTC epoch ms.
 * Nothing here starts or ends a transaction: callers decide what is atomic.
 */
#ifndef SPETL_STATE_H
#define SPETL_STATE_H

#include <stdint.h>

#include "spetl/db.h"
#include "spetl/err.h"

/* SalesPad entity types as stored in spAAIntegratedEntityLink.Entity_Type
 * (sp_job_entity in job.h names the same entities for the job file). */
#define SP_LINK_CUSTOMER "CUSTOMER"
#define SP_LINK_CUSTOMER_ADDRESS "CUSTOMER_ADDRESS"
#define SP_LINK_PROSPECT "PROSPECT"
#define SP_LINK_PROSPECT_CONTACT "PROSPECT_CONTACT"
#define SP_LINK_ITEM "ITEM"
#define SP_LINK_SALES_DOCUMENT "SALES_DOCUMENT"
#define SP_LINK_SALES_LINE "SALES_LINE"

typedef struct sp_link {
    char entity_type[24];
    char entity_key[96];     /* e.g. "AARONFIT0001" or "AARONFIT0001|PRIMARY" */
    char hs_object[24];      /* companies, contacts, products, deals, line_items */
    char hs_id[32];          /* numeric string, kept as text */
    char payload_hash[72];   /* hex digest of the last payload sent; "" = none */
    int64_t created_on;
    int64_t last_exported_on;
} sp_link;

/* ---- links ---------------------------------------------------------------- */

/* *found = 1 and *out filled when the SalesPad entity is linked, else 0. */
int sp_link_get(sp_db *db, const char *hub, const char *entity_type, const char *entity_key,
                sp_link *out, int *found, sp_err *e);
/* The same from the HubSpot side. */
int sp_link_get_by_hs(sp_db *db, const char *hub, const char *hs_object, const char *hs_id,
                      sp_link *out, int *found, sp_err *e);
/* The links of many HubSpot ids of one object (a page), in queries of 400
 * ids: fn is called for each linked one (entity_type, entity_key, hs_object,
 * hs_id filled); fn returning non-zero stops early. (link_many.c) */
int sp_link_find_hs_many(sp_db *db, const char *hub, const char *hs_object, const char *const *ids,
                         size_t n, int (*fn)(const sp_link *l, void *ud), void *ud, sp_err *e);
/* Insert or update the link of (entity_type, entity_key): HubSpot id, hash,
 * Last_Exported_On = now. A HubSpot id already linked to another entity of
 * the hub is SP_EDB with the unique-constraint SQLSTATE. */
int sp_link_put(sp_db *db, const char *hub, const sp_link *link, sp_err *e);
/* The same, many times, on one prepared statement (a page's links): open,
 * put any number, free. Strings are copied at each put. */
typedef struct sp_link_writer sp_link_writer;
int sp_link_writer_open(sp_db *db, sp_link_writer **out, sp_err *e);
int sp_link_writer_put(sp_link_writer *w, const char *hub, const sp_link *link, sp_err *e);
void sp_link_writer_free(sp_link_writer *w);   /* NULL is fine */
/* New links (rows that do not exist yet: an export's or import's new
 * records), many to a statement: open a batch for them once per run (packed
 * where the database takes it, sp_batch_pack), add a page's rows, flush them
 * in the page's transaction (sp_batch_flush; a row refused there -- a link
 * written meanwhile -- is known by its index, sp_batch_failure_at). Every
 * row gets Created_On, Last_Exported_On and Modified_On = now (epoch ms).
 * add: 0 added, 1 added but a flush it caused refused rows, -1 error. */
int sp_link_batch_open(sp_db *db, sp_batch **out, sp_err *e);
int sp_link_batch_add(sp_batch *b, const char *hub, const char *entity_type, const char *entity_key,
                      const char *hs_object, const char *hs_id, const char *hash, int64_t now, sp_err *e);

/* Delete the link of one entity; *deleted = rows removed (0 or 1). */
int sp_link_delete(sp_db *db, const char *hub, const char *entity_type, const char *entity_key,
                   int64_t *deleted, sp_err *e);
/* Number of links of a type ("" or NULL = all types). */
int sp_link_count(sp_db *db, const char *hub, const char *entity_type, int64_t *count, sp_err *e);

/* A selection of links (`spetl links`): every field NULL = any. key_prefix
 * selects keys that start with it (a document's lines: "DOC|"). */
typedef struct sp_link_sel {
    const char *hub;            /* NULL: every hub's links in this database */
    const char *entity_type;
    const char *entity_key;
    const char *key_prefix;
    const char *hs_object;
    const char *hs_id;
    const char *after_type;     /* keyset paging (with hub set): the links after */
    const char *after_key;      /* (after_type, after_key) in type, key order */
} sp_link_sel;

/* The selected links, by hub, type and key, to fn with their hub (stops on
 * fn returning -1); limit 0: all. */
int sp_link_list(sp_db *db, const sp_link_sel *sel, long limit,
                 int (*fn)(const char *hub, const sp_link *link, void *ctx), void *ctx,
                 sp_err *e);
/* Point the link of HubSpot (hs_object, old_id) at new_id, its payload hash
 * cleared so the next export sends the record whole; *changed = rows. */
int sp_link_repoint(sp_db *db, const char *hub, const char *hs_object, const char *old_id,
                    const char *new_id, int64_t *changed, sp_err *e);

/* ---- component state -------------------------------------------------------- */

/* Minimum create / modified dates of a component; 0 when never set. */
int sp_state_get(sp_db *db, const char *hub, const char *component, int64_t *min_create,
                 int64_t *min_modified, sp_err *e);
int sp_state_put(sp_db *db, const char *hub, const char *component, int64_t min_create,
                 int64_t min_modified, sp_err *e);

/* ---- run history ------------------------------------------------------------ */

typedef struct sp_counts {
    int64_t read, created, updated, linked, unchanged, skipped, failed;
} sp_counts;

typedef struct sp_history_row {
    char hub[24];
    char run_id[40];
    char job[128];
    char component[48];
    int64_t started_on, finished_on;   /* finished_on 0 = still running or died */
    char status[16];                   /* running, ok, failed-records, stopped, skipped, dry-run */
    sp_counts counts;
    char message[512];
} sp_history_row;

int sp_history_start(sp_db *db, const char *hub, const char *run_id, const char *job,
                     const char *component, int64_t started_on, sp_err *e);
int sp_history_finish(sp_db *db, const char *hub, const char *run_id, const char *component,
                      const char *status, const sp_counts *counts, const char *message,
                      sp_err *e);
/* Delete history rows and resolved Action Center rows older than
 * retention_days; *deleted = rows removed. */
int sp_history_prune(sp_db *db, const char *hub, int retention_days, int64_t *deleted, sp_err *e);
/* The newest `limit` rows, newest first, to fn (stops on fn returning -1);
 * hub NULL: every hub's rows in this database. */
int sp_history_list(sp_db *db, const char *hub, int limit,
                    int (*fn)(const sp_history_row *row, void *ctx), void *ctx, sp_err *e);

/* ---- Action Center ------------------------------------------------------------ */

typedef struct sp_action {
    int64_t error_id;
    char hub[24];
    char run_id[40];
    char component[48];
    char entity_type[24];
    char entity_key[96];
    char category[48];
    char message[1024];
    int http_status;
    char correlation_id[64];
    int64_t created_on;
} sp_action;

/* Unresolved rows whose Entity_Key is key or starts with "key|" (a
 * customer's addresses), newest first; key NULL: all; hub NULL: every hub's. */
int sp_action_list_key(sp_db *db, const char *hub, const char *key, int limit,
                       int (*fn)(const sp_action *a, void *ctx), void *ctx, sp_err *e);
/* A person dealt with them: the unresolved rows of key (as above; NULL: all)
 * are resolved, with Dismissed_By = who and Dismissed_On = now. A table
 * created before these columns existed is SP_EDB asking for `spetl init-db`.
 * *dismissed = rows closed. */
int sp_action_dismiss(sp_db *db, const char *hub, const char *key, const char *who,
                      int64_t *dismissed, sp_err *e);
/* Add Dismissed_By / Dismissed_On to an Action Center table created without
 * them (init-db; safe to run twice). */
int sp_action_upgrade(sp_db *db, sp_err *e);

/* Record one failed record; fields not known may be "" / 0. An unresolved
 * row of the same component and entity is marked resolved first (superseded),
 * so each failing record has one open row, with its latest reason. */
int sp_action_add(sp_db *db, const char *hub, const sp_action *a, sp_err *e);
/* Unresolved rows, newest first, to fn; hub NULL: every hub's. */
int sp_action_list(sp_db *db, const char *hub, int limit,
                   int (*fn)(const sp_action *a, void *ctx), void *ctx, sp_err *e);
/* The rows run_id wrote (resolved or not), oldest first, at most limit, to fn
 * (stops on fn returning -1). */
int sp_action_list_run(sp_db *db, const char *hub, const char *run_id, int limit,
                       int (*fn)(const sp_action *a, void *ctx), void *ctx, sp_err *e);
/* Mark every unresolved row of an entity resolved (it went through). */
int sp_action_resolve(sp_db *db, const char *hub, const char *entity_type,
                      const char *entity_key, sp_err *e);
/* The same writes for a run, each statement prepared once (when first used). */
typedef struct sp_action_writer sp_action_writer;
int sp_action_writer_open(sp_db *db, const char *hub, sp_action_writer **out, sp_err *e);
/* may_be_open 0: the caller knows the record has no unresolved row of this
 * component (nothing to supersede). */
int sp_action_writer_add(sp_action_writer *w, const sp_action *a, int may_be_open, sp_err *e);
int sp_action_writer_resolve(sp_action_writer *w, const char *entity_type, const char *entity_key,
                             sp_err *e);
void sp_action_writer_free(sp_action_writer *w);   /* NULL is fine */

/* ---- run lock ------------------------------------------------------------------ */

/* Take the hub's run lock for run_id. When another run holds it and its
 * heartbeat is younger than stale_after_ms, fail with SP_ELOCKED naming the
 * holder (run id, host, pid, since). An older lock is taken over (its holder
 * died without releasing) with a warning; so is, at once, a lock whose holder
 * ran on this host (same host name) and whose process is gone. */
int sp_lock_acquire(sp_db *db, const char *hub, const char *run_id, int64_t stale_after_ms,
                    sp_err *e);
/* Refresh run_id's heartbeat; SP_ELOCKED when run_id no longer holds the
 * lock (taken over as stale, or deleted by a person). */
int sp_lock_heartbeat(sp_db *db, const char *hub, const char *run_id, sp_err *e);
/* Release only when run_id still holds it. */
int sp_lock_release(sp_db *db, const char *hub, const char *run_id, sp_err *e);

/* A new run id: "20261127T054300Z-4242-9f3a" (UTC time, pid, random). */
const char *sp_run_id_new(char *buf, size_t n);

#endif

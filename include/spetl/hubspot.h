/*
 * hubspot.h -- the HubSpot CRM client: the only caller of libcurl.
 *
 * One sp_hs_client per HubSpot account (token). It keeps one libcurl multi
 * handle (one keep-alive connection pool), a queue of requests and the
 * pacers (hs_pace.h) that keep them under the account's 10-second budget and
 * search's per-second budget. Work is submitted as operations (a batch write
 * of any size, split into requests of at most 100 inputs; an association
 * batch; a raw request) each with its own completion callback; sp_hs_run()
 * (or sp_hs_drain()) drives the queue until they are done, several requests
 * in flight at once. The synchronous calls (sp_hs_get, sp_hs_search,
 * sp_hs_batch_run ...) are submit + run.
 *
 * Failures, in layers:
 *  - a record HubSpot refuses (a 207 error, or a batch refused whole with
 *    400/409 that bisection narrowed down to it) is an item in state
 *    SP_HS_ITEM_FAILED with category, message, code, correlation id and, for
 *    a duplicate contact email, the existing record's id. The rest go on.
 *  - a request that could not be completed (retries spent within the time
 *    budget, outcome unknown for a create, malformed reply, body too large)
 *    fails its operation: the items it carried are SP_HS_ITEM_NOT_DONE and
 *    the result's err says why. Other operations go on.
 *  - 401/403 (SP_EAUTH) and the daily limit (SP_EDAILY) stop the client: every
 *    queued request is cancelled (their operations complete with
 *    SP_HS_ITEM_NOT_DONE items), in-flight ones finish, sp_hs_run() returns
 *    -1 with that error, and later submissions fail with it. The caller
 *    checkpoints and exits.
 * Retries (5xx, timeouts, dropped connections; each logs one WARN line),
 * 429 back-off and pacing happen inside.
 *
 * Conventions: functions return 0 / -1 and fill the caller's sp_err. Record
 * ids are strings, always. Results live in an arena owned by the result
 * struct and are freed with its *_free() function. Strings passed in are
 * copied at submission. The token is registered with sp_log_secret() and
 * never appears in a log line or an error; headers are never logged.
 * Callbacks run inside sp_hs_run()/sp_hs_drain(); they may submit more work
 * but must not call sp_hs_run(), sp_hs_drain() or a synchronous call.
 */
#ifndef SPETL_HUBSPOT_H
#define SPETL_HUBSPOT_H

#include <stddef.h>
#include <stdint.h>

#include "spetl/err.h"
#include "spetl/mem.h"

/* ---- configuration ---------------------------------------------------- */

typedef struct sp_hs_config {
    const char *base_url;       /* NULL: https://api.hubapi.com; http only for 127.0.0.1/localhost/::1 */
    const char *token;          /* private app / service key token (required) */
    const char *api_version;    /* "2026-03" (default) or "v3" (v3 objects/properties, v4 associations) */
    int rate_10s;               /* requests per 10 s: 100/190/250; 0: 100; < 0: unlimited (tests) */
    int search_per_sec;         /* search requests per second; 0: 5; < 0: unlimited (tests) */
    double pace_target;         /* fraction of each budget used; 0: 0.98 */
    int max_in_flight;          /* concurrent requests; 0: 8 */
    int max_batch;              /* inputs per batch request, 1..100; 0: 100 */
    long connect_timeout_ms;    /* 0: 10000 */
    long request_timeout_ms;    /* whole request; 0: 60000 */
    long retry_budget_ms;       /* total time for one request's retries; 0: 120000 */
    int max_attempts;           /* sends per request, first included; 0: 8 */
    long backoff_base_ms;       /* 0: 500 */
    long backoff_cap_ms;        /* 0: 30000 */
    const char *ca_bundle;      /* CA bundle file; NULL: the system's */
    size_t max_body;            /* response body bound in bytes; 0: 32 MiB */
    uint64_t seed;              /* jitter PRNG seed; 0: from the clock */
} sp_hs_config;

typedef struct sp_hs_client sp_hs_client;

/* Check the configuration (URL scheme and host, version, ranges, token
 * present and single-line) without creating anything. */
int sp_hs_config_check(const sp_hs_config *cfg, sp_err *e);

/* Create a client (copies everything it keeps). SP_EJOB for a bad setting,
 * SP_EAUTH for a missing token. */
int sp_hs_client_new(const sp_hs_config *cfg, sp_hs_client **out, sp_err *e);
void sp_hs_client_free(sp_hs_client *c);

/* ---- objects ------------------------------------------------------------ */

typedef enum sp_hs_object {
    SP_HS_COMPANIES = 0,
    SP_HS_CONTACTS,
    SP_HS_DEALS,
    SP_HS_PRODUCTS,
    SP_HS_LINE_ITEMS,
    SP_HS_OBJECT_COUNT
} sp_hs_object;

const char *sp_hs_object_name(sp_hs_object o);           /* "companies" ... "line_items" */
int sp_hs_object_parse(const char *name, sp_hs_object *out); /* -1 when unknown */

/* HUBSPOT_DEFINED unlabelled association type id from -> to: contact->company
 * 279, company->contact 280, deal->company 341, company->deal 342, line
 * item->deal 20, deal->line item 19, deal->contact 3, contact->deal 4;
 * 0 when there is none. */
int sp_hs_assoc_type_id(sp_hs_object from, sp_hs_object to);

typedef struct sp_hs_prop {
    const char *name;
    const char *value;          /* NULL: JSON null (in results); "" clears on input */
} sp_hs_prop;

typedef struct sp_hs_record {
    const char *id;             /* "" when HubSpot sent none */
    sp_hs_prop *props;
    size_t nprops;
    const char *created_at;     /* ISO 8601 or NULL */
    const char *updated_at;
    int archived;
} sp_hs_record;

/* A property's value, or NULL when absent or null. */
const char *sp_hs_record_get(const sp_hs_record *r, const char *name);

/* ---- request queue: batch operations -------------------------------- */

typedef enum sp_hs_batch_kind {
    SP_HS_CREATE = 0,  /* batch/create: NOT idempotent (no retry once sent) */
    SP_HS_UPDATE,      /* batch/update by id (or by a unique property: id_property) */
    SP_HS_UPSERT,      /* batch/upsert by id_property (unique): create or update */
    SP_HS_READ,        /* batch/read by id or id_property */
    SP_HS_ARCHIVE      /* batch/archive by id */
} sp_hs_batch_kind;

/* A create-time association (create only). */
typedef struct sp_hs_assoc_to {
    const char *to_id;
    int type_id;                /* e.g. 279 (contact->company) */
} sp_hs_assoc_to;

typedef struct sp_hs_input {
    const char *id;             /* update/read/archive: record id or unique value; upsert: unique value */
    const sp_hs_prop *props;    /* create/update/upsert */
    size_t nprops;
    const sp_hs_assoc_to *assocs; /* create only */
    size_t nassocs;
} sp_hs_input;

enum {
    SP_HS_NO_TRACE_IDS = 1,     /* send inputs without objectWriteTraceId (tests) */
    SP_HS_CREATE_KEYED = 2,     /* create: every input carries a unique property, so a create
                                   sent twice is refused (409, "Existing ID") rather than
                                   duplicated: sent again like an upsert when its outcome is
                                   unknown (transport failure, 5xx, an unanswered input) */
    SP_HS_IDS_ONLY = 4          /* create/update/upsert: an OK item's rec holds only the id and
                                   (of its properties) the id_property; the reply is parsed
                                   for those alone (less CPU and memory on large batches) */
};

typedef struct sp_hs_batch {
    sp_hs_batch_kind kind;
    sp_hs_object object;
    const char *id_property;    /* upsert: required; update/read: optional */
    const sp_hs_input *inputs;  /* any number: sent in requests of max_batch */
    size_t n;
    const char *const *properties; /* read: properties to return */
    size_t nproperties;
    unsigned flags;
} sp_hs_batch;

typedef enum sp_hs_item_state {
    SP_HS_ITEM_NOT_DONE = 0,    /* no outcome: see the result's err */
    SP_HS_ITEM_OK,
    SP_HS_ITEM_FAILED           /* HubSpot refused this record */
} sp_hs_item_state;

typedef struct sp_hs_item {
    sp_hs_item_state state;
    sp_hs_record rec;           /* OK: the record as HubSpot returned it */
    int is_new;                 /* upsert: 1 created, 0 updated, -1 unknown */
    /* FAILED: */
    int status;                 /* HTTP-ish: 400, 404, 409 ... */
    const char *category;       /* VALIDATION_ERROR, CONFLICT, OBJECT_NOT_FOUND ... */
    const char *message;
    const char *code;           /* first errors[].code, e.g. INVALID_OPTION; NULL if none */
    const char *correlation_id;
    const char *existing_id;    /* 409 duplicate: "Existing ID: N" -> "N"; else NULL */
} sp_hs_item;

typedef struct sp_hs_batch_result {
    sp_hs_item *items;          /* one per input, in input order */
    size_t n;
    size_t n_ok, n_failed, n_not_done;
    sp_err err;                 /* code != SP_OK when some items are NOT_DONE */
    int requests;               /* HTTP requests the operation took (bisection shows) */
    sp_arena *arena;
} sp_hs_batch_result;

/* Completion: r is owned by the client and freed after the callback, unless
 * the callback takes it with sp_hs_batch_result_take(). */
typedef void (*sp_hs_batch_fn)(sp_hs_batch_result *r, void *ud);

/* Queue a batch operation. Inputs are copied. -1 only when the client is
 * stopped or the batch is malformed (no callback then). */
int sp_hs_batch_submit(sp_hs_client *c, const sp_hs_batch *b, sp_hs_batch_fn fn, void *ud,
                       sp_err *e);

/* Synchronous: submit, run until done, move the result into *out (free it
 * with sp_hs_batch_result_free). Returns -1 when the client stopped or some
 * items are NOT_DONE (e = the reason); FAILED items alone do not fail it. */
int sp_hs_batch_run(sp_hs_client *c, const sp_hs_batch *b, sp_hs_batch_result *out, sp_err *e);

/* Inside a callback: move the result into *dst so it outlives the callback. */
void sp_hs_batch_result_take(sp_hs_batch_result *r, sp_hs_batch_result *dst);
void sp_hs_batch_result_free(sp_hs_batch_result *r);

/* Fill e from a FAILED item: SP_EDATA "category: message" with http status,
 * category and correlation id. */
void sp_hs_item_err(const sp_hs_item *it, sp_err *e);

/* Associations: v4-style batch create (both api versions), one type id for
 * all pairs, category HUBSPOT_DEFINED. Idempotent. Items: one per pair, in
 * order; an OK item's rec.id is the from id. */
typedef struct sp_hs_assoc_pair {
    const char *from_id;
    const char *to_id;
} sp_hs_assoc_pair;

int sp_hs_assoc_submit(sp_hs_client *c, sp_hs_object from, sp_hs_object to, int type_id,
                       const sp_hs_assoc_pair *pairs, size_t n, sp_hs_batch_fn fn, void *ud,
                       sp_err *e);
int sp_hs_assoc_create(sp_hs_client *c, sp_hs_object from, sp_hs_object to, int type_id,
                       const sp_hs_assoc_pair *pairs, size_t n, sp_hs_batch_result *out,
                       sp_err *e);

/* Associations batch read: for each of ids[0..n) of `from`, the ids of the
 * `to` records associated with it (any type), in requests of at most 1,000
 * ids; a long list is followed page by page. items[i] is ids[i]'s list (n 0
 * when it has none). Free with sp_hs_assoc_lists_free. (assoc_read.c) */
typedef struct sp_hs_assoc_list {
    const char *from_id;
    const char **to_ids;
    size_t n, cap;
} sp_hs_assoc_list;

typedef struct sp_hs_assoc_lists {
    sp_hs_assoc_list *items;
    size_t n;
    int requests;
    sp_arena *arena;
} sp_hs_assoc_lists;

int sp_hs_assoc_read(sp_hs_client *c, sp_hs_object from, sp_hs_object to, const char *const *ids,
                     size_t n, sp_hs_assoc_lists *out, sp_err *e);
void sp_hs_assoc_lists_free(sp_hs_assoc_lists *l);

/* The same read, asynchronous: fn gets the lists (then owns them: free with
 * sp_hs_assoc_lists_free) with err NULL, or lists NULL and err when the read
 * failed; it runs inside sp_hs_run(), sp_hs_run_until() or a synchronous
 * call and may submit more work. ids are copied. -1 only when nothing could
 * be sent (fn is not called then). */
typedef void (*sp_hs_assoc_read_fn)(sp_hs_assoc_lists *lists, const sp_err *err, void *ud);
int sp_hs_assoc_read_submit(sp_hs_client *c, sp_hs_object from, sp_hs_object to, const char *const *ids,
                            size_t n, sp_hs_assoc_read_fn fn, void *ud, sp_err *e);

/* ---- driving the queue ---------------------------------------------- */

/* Run until every submitted operation has completed (requests go out in
 * submission order, as pacing allows). -1 when the client stopped
 * (SP_EAUTH, SP_EDAILY: queued work cancelled, e = why) or when an
 * asynchronous operation failed whole since the last sp_hs_run() (e = the
 * first such error; its callback had it too). */
int sp_hs_run(sp_hs_client *c, sp_err *e);

/* Run until *flag is non-zero (a callback sets it) or nothing is left to
 * do; other work stays in flight. -1 (e) when the client stopped before. */
int sp_hs_run_until(sp_hs_client *c, const int *flag, sp_err *e);

/* Run until at most `keep` operations are unfinished: lets a producer keep
 * a bounded number of batches queued. -1 only when the client stopped;
 * operation failures stay with the callbacks (and the next sp_hs_run). */
int sp_hs_drain(sp_hs_client *c, size_t keep, sp_err *e);

size_t sp_hs_pending(const sp_hs_client *c);   /* unfinished operations */

/* ---- synchronous calls ---------------------------------------------- */

/* A page of records (get, list, search). */
typedef struct sp_hs_page {
    sp_hs_record *recs;
    size_t n;
    long long total;            /* search: HubSpot's total; else -1 */
    const char *next_after;     /* paging.next.after, NULL on the last page */
    sp_arena *arena;
} sp_hs_page;

void sp_hs_page_free(sp_hs_page *p);

/* GET one record by id (or by a unique property). *out has n == 0 when
 * HubSpot answers 404. */
int sp_hs_get(sp_hs_client *c, sp_hs_object o, const char *id, const char *id_property,
              const char *const *properties, size_t nproperties, sp_hs_page *out, sp_err *e);

/* One page of GET {objects} (limit 1..100, after NULL for the first). */
int sp_hs_list(sp_hs_client *c, sp_hs_object o, const char *const *properties,
               size_t nproperties, const char *after, int limit, sp_hs_page *out, sp_err *e);

typedef struct sp_hs_filter {
    const char *property;
    const char *op;             /* EQ NEQ LT LTE GT GTE BETWEEN IN NOT_IN HAS_PROPERTY ... */
    const char *value;          /* NULL for HAS_PROPERTY / NOT_HAS_PROPERTY / IN */
    const char *high_value;     /* BETWEEN */
    const char *const *values;  /* IN / NOT_IN */
    size_t nvalues;
} sp_hs_filter;

typedef struct sp_hs_filter_group {
    const sp_hs_filter *filters;
    size_t n;
} sp_hs_filter_group;

typedef struct sp_hs_search_req {
    const sp_hs_filter_group *groups; /* ORed; filters within a group ANDed; <= 5 groups */
    size_t ngroups;
    const char *sort_property;  /* one sort, or NULL */
    int sort_descending;
    const char *const *properties;
    size_t nproperties;
    const char *query;          /* free text or NULL */
    int limit;                  /* 1..200; 0: 200 */
    const char *after;          /* NULL or "0" for the first page */
} sp_hs_search_req;

/* One page of POST {objects}/search (paced by the search budget). */
int sp_hs_search(sp_hs_client *c, sp_hs_object o, const sp_hs_search_req *q, sp_hs_page *out,
                 sp_err *e);

/* ---- reading past search's 10,000 cap ------------------------------- */

/* All records of an object whose date property is in [since - lookback,
 * until), in date windows: a window whose total exceeds the cap is narrowed
 * to the dates of its first and last record and halved; a one-millisecond
 * window is read by hs_object_id ranges. Within a window records come by
 * hs_object_id ascending (keyset paging, "hs_object_id GT last": the search
 * offset never grows, and a record modified while we read cannot shift the
 * pages), windows come in date order, and window edges are half-open (GTE
 * lo, LT hi), so no record is read twice or lost, equal timestamps
 * included. Search requests are paced by the search budget; SP_EHUBSPOT if
 * a date comes back unparseable or the search does not advance. */
typedef struct sp_hs_since {
    sp_hs_object object;
    const char *date_property;  /* createdate, hs_lastmodifieddate (contacts: lastmodifieddate) */
    int64_t since_ms;           /* UTC epoch ms */
    int64_t lookback_ms;        /* the minimum-date offset: search lags behind writes */
    int64_t until_ms;           /* exclusive; 0: now (wall clock at the start) */
    const char *const *properties;
    size_t nproperties;
    const sp_hs_filter *extra;  /* ANDed to the window filters (at most 3) */
    size_t nextra;
    int page_limit;             /* 1..200; 0: 200 */
    long long cap;              /* search's result cap; 0: 10000 */
} sp_hs_since;

typedef struct sp_hs_window {
    int64_t lo, hi;             /* the window [lo, hi) the page came from */
    int64_t done_before;        /* every record dated before this has been delivered */
} sp_hs_window;

/* Called once per non-empty page. Return 0 to go on, or -1 with e set to
 * stop the read, which then returns -1 with that e. */
typedef int (*sp_hs_page_fn)(const sp_hs_record *recs, size_t n, const sp_hs_window *w, void *ud,
                             sp_err *e);

typedef struct sp_hs_since_stats {
    long long records;
    int requests;
    int windows;                /* windows read to the end */
    int splits;                 /* windows halved because they held more than the cap */
    int id_ranges;              /* extra queries within one-millisecond windows */
} sp_hs_since_stats;

int sp_hs_read_since(sp_hs_client *c, const sp_hs_since *q, sp_hs_page_fn fn, void *ud,
                     sp_hs_since_stats *stats, sp_err *e);

/* ---- properties and account ------------------------------------------- */

typedef struct sp_hs_property {
    const char *name, *label, *type, *field_type, *group_name;
    int has_unique_value;
    const char **options;       /* enumeration option values */
    size_t noptions;
} sp_hs_property;

typedef struct sp_hs_properties {
    sp_hs_property *items;
    size_t n;
    sp_arena *arena;
} sp_hs_properties;

int sp_hs_properties_read(sp_hs_client *c, sp_hs_object o, sp_hs_properties *out, sp_err *e);
/* Send the read of o's property definitions now, without waiting: it goes
 * with whatever request the client sends next (a run's start-up reads go
 * together), and sp_hs_properties_read(o) takes its answer. */
int sp_hs_properties_prefetch(sp_hs_client *c, sp_hs_object o, sp_err *e);
void sp_hs_properties_free(sp_hs_properties *p);
const sp_hs_property *sp_hs_properties_find(const sp_hs_properties *p, const char *name);

/* Create a property group; an existing one (409) counts as success. */
int sp_hs_property_group_create(sp_hs_client *c, sp_hs_object o, const char *name,
                                const char *label, sp_err *e);

typedef struct sp_hs_property_def {
    const char *name, *label, *group_name, *description;
    const char *type;           /* NULL: "string" */
    const char *field_type;     /* NULL: "text" */
    int has_unique_value;
} sp_hs_property_def;

/* Create a property; an existing one (409) counts as success, *created
 * (may be NULL) says which. */
int sp_hs_property_create(sp_hs_client *c, sp_hs_object o, const sp_hs_property_def *d,
                          int *created, sp_err *e);

typedef struct sp_hs_account {
    char portal_id[32];         /* the hub id */
    char account_type[48];
    char time_zone[64];
    char currency[16];
    char ui_domain[128];
    char data_hosting[32];
    int has_utc_offset;
    int64_t utc_offset_ms;      /* utcOffsetMilliseconds: the time zone's offset now */
} sp_hs_account;

/* Account details (GET /account-info/v3/details). The client keeps the time
 * zone so a daily-limit stop can say when the limit resets. */

int sp_hs_account_details(sp_hs_client *c, sp_hs_account *out, sp_err *e);

/* ---- raw requests, statistics, helpers --------------------------------- */

/* Any request, synchronously: path is relative to the base URL and already
 * versioned ("/crm/v3/..."); body is JSON text or NULL. On any 2xx..4xx
 * reply returns 0 with *status and, when reply is not NULL, *reply: the
 * reply as JSON text (free() it; NULL when the body was empty or not JSON;
 * text, so that Jansson stays inside etl/hubspot/); -1 on transport
 * failure, 401/403, 429 DAILY. */
int sp_hs_raw(sp_hs_client *c, const char *method, const char *path, const char *body,
              int idempotent, int *status, char **reply, sp_err *e);

typedef struct sp_hs_stats {
    long long requests;         /* sends, retries included */
    long long retries;          /* 5xx / transport retries */
    long long throttled;        /* 429 TEN_SECONDLY_ROLLING / SECONDLY received */
    long long bisections;       /* batches split after a whole-batch refusal */
    int max_in_flight;          /* largest number in flight at once */
    int limit_10s;              /* the pacer's current limit per window (0 = unlimited) */
} sp_hs_stats;

void sp_hs_get_stats(const sp_hs_client *c, sp_hs_stats *out);

/* The path prefix for the configured version: "/crm/objects/2026-03" or "/crm/v3/objects". */
const char *sp_hs_objects_prefix(const sp_hs_client *c);

/* "Contact already exists. Existing ID: 6001" -> "6001" into out; -1 when absent. */
int sp_hs_parse_existing_id(const char *message, char *out, size_t n);

#endif

/*
 * hubsim.h -- internal interfaces of the HubSpot simulator (bin/hubspot-sim).
 *
 * The simulator is a test tool, not part of libspetl: it may use the core
 * library (errors, memory, buffers, clock) but never etl/hubspot, the code
 * under test. See README.md in this directory for what it simulates.
 *
 * Structure: hs_main.c (command line, daemon, signals), hs_http.c (the
 * libmicrohttpd handler: routing, auth, scopes, rate limits, faults, latency,
 * stats), hs_store.c (records, unique indexes, associations; one rwlock),
 * hs_props.c (property definitions and the properties API), hs_objects.c
 * (CRM object endpoints), hs_search.c (search), hs_assoc.c (associations
 * API), hs_pipelines.c (deal pipelines), hs_control.c (/_sim/ endpoints), hs_util.c (hash map, JSON helpers,
 * error bodies, PRNG).
 *
 * Ownership: handlers receive a parsed request (hs_ctx) and fill an hs_resp
 * whose json body they own until hs_http.c serialises and frees it. Every
 * record access happens under the store lock (read for reads, write for
 * writes); JSON built from records is a copy, so it can be serialised after
 * the lock is released.
 */
#ifndef HUBSIM_H
#define HUBSIM_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* ---- object types ---------------------------------------------------- */

typedef enum hs_obj {
    HS_COMPANIES = 0,
    HS_CONTACTS,
    HS_DEALS,
    HS_PRODUCTS,
    HS_LINE_ITEMS,
    HS_NOBJ
} hs_obj;

/* "companies", "company", "0-2", "COMPANY" ... -1 when unknown. */
int hs_obj_parse(const char *s);
const char *hs_obj_name(hs_obj o);      /* "companies" */
const char *hs_obj_type_id(hs_obj o);   /* "0-2" */
const char *hs_obj_singular(hs_obj o);  /* "company" */
const char *hs_obj_upper(hs_obj o);     /* "COMPANY" */

/* ---- a string-keyed hash map (open addressing) ----------------------- */

typedef struct hs_map {
    char **keys;    /* NULL = empty slot, HS_MAP_TOMB = deleted */
    void **vals;
    uint64_t *hashes; /* the key's hash per slot: most probes end without a strcmp */
    size_t cap, len, used;
} hs_map;

void hs_map_init(hs_map *m);
void hs_map_free(hs_map *m, void (*free_val)(void *));
void *hs_map_get(const hs_map *m, const char *key);
void hs_map_put(hs_map *m, const char *key, void *val);   /* copies key, replaces */
int hs_map_del(hs_map *m, const char *key);               /* 1 when removed */
/* Iterate: size_t i = 0; while (hs_map_next(m, &i, &k, &v)) ... */
int hs_map_next(const hs_map *m, size_t *i, const char **key, void **val);

/* ---- property definitions --------------------------------------------- */

typedef enum hs_ptype {
    HS_T_STRING = 0,
    HS_T_NUMBER,
    HS_T_DATE,
    HS_T_DATETIME,
    HS_T_ENUM,
    HS_T_BOOL
} hs_ptype;

typedef struct hs_prop {
    char *name, *label, *field_type, *group, *description;
    hs_ptype type;
    json_t *options;        /* array of Option objects (enumeration, bool) */
    int unique;             /* hasUniqueValue: indexed in `index` */
    int read_only;          /* refused on write with READ_ONLY_VALUE */
    int hubspot_defined;
    int calculated;
    int display_order;
    int64_t created_ms;
    hs_map index;           /* normalised value -> hs_rec* (live records only) */
} hs_prop;

const char *hs_ptype_name(hs_ptype t);
int hs_ptype_parse(const char *s);   /* -1 when unknown */

/* ---- records ------------------------------------------------------------ */

typedef struct hs_assoc {
    hs_obj to;
    int64_t to_id;
    int type_id;
} hs_assoc;

typedef struct hs_rec {
    int64_t id;
    char ids[24];           /* id as text */
    hs_obj obj;
    json_t *props;          /* name -> string value; unset = absent */
    int64_t created_ms, updated_ms, archived_ms;   /* wall clock, epoch ms */
    int64_t visible_at;     /* sim monotonic ms from which search sees the current version */
    json_t *indexed;        /* what search sees before visible_at: the previous version's
                               properties (shared strings), NULL = not in the index yet */
    int64_t indexed_updated_ms;
    int archived;
    hs_assoc *assoc;
    size_t nassoc, cap_assoc;
} hs_rec;

typedef struct hs_table {
    hs_obj obj;
    hs_rec **recs;          /* ascending id (ids are handed out in order) */
    size_t n, cap;
    hs_map by_id;           /* ids -> hs_rec* */
    hs_prop **props;
    size_t nprops, cap_props;
    hs_map prop_by_name;    /* name -> hs_prop* */
    json_t *groups;         /* array of PropertyGroup objects */
    int64_t iso_ms;         /* the last date written, shared by the records of one batch */
    json_t *iso;
    json_t *pipelines;      /* deals: Pipeline objects (hs_pipelines.c); NULL for other objects */
} hs_table;

typedef struct hs_store {
    pthread_rwlock_t lock;
    hs_table t[HS_NOBJ];
    int64_t next_id;
} hs_store;

#define HS_FIRST_ID 10000000001LL

void hs_store_init(hs_store *s);
void hs_store_free(hs_store *s);
void hs_store_clear(hs_store *s);     /* records, custom properties and groups; caller holds the write lock */

hs_rec *hs_rec_find(hs_table *t, const char *id);   /* by record id, NULL when unknown */
/* By a unique property: value normalised per the property; live records only. */
hs_rec *hs_rec_find_unique(hs_table *t, const hs_prop *p, const char *value);
/* Normalised index key of a unique value (email: lower case). Caller frees. */
char *hs_unique_key(const hs_prop *p, const char *value);
/* The same key without a copy where it can: value itself, or lower-cased into buf (n bytes);
 * a longer value is lower-cased into *owned (malloc'd, caller frees; NULL otherwise). */
const char *hs_unique_key_buf(const hs_prop *p, const char *value, char *buf, size_t n, char **owned);

/* Create a record with already validated, normalised properties: the record takes the
 * object over (a reference of its own; empty values are removed from it), so the caller
 * only drops its reference afterwards.
 * created_ms/updated_ms: wall ms; sets createdate, hs_lastmodifieddate,
 * (contacts) lastmodifieddate, hs_object_id; indexes unique values. */
hs_rec *hs_rec_create(hs_store *s, hs_table *t, json_t *props, int64_t created_ms,
                      int64_t updated_ms, int64_t visible_at);
/* Apply normalised properties (borrowed; "" clears), maintaining indexes and
 * the modified dates. */
void hs_rec_update(hs_table *t, hs_rec *r, json_t *props, int64_t now_ms, int64_t visible_at,
                   int64_t now_mono);
void hs_rec_archive(hs_table *t, hs_rec *r, int64_t now_ms);
/* Line items: amount = quantity * price when both are numbers. */
void hs_rec_compute(hs_table *t, hs_rec *r);

/* Associations (both directions are stored). 0 = added or already there. */
int hs_assoc_add(hs_store *s, hs_rec *from, hs_rec *to, int type_id);
void hs_assoc_remove_pair(hs_store *s, hs_rec *from, hs_rec *to);

typedef struct hs_assoc_type {
    hs_obj from, to;
    int type_id, inverse_id;
    const char *label;      /* NULL for unlabelled */
    const char *v3_name;    /* "contact_to_company_unlabeled" */
    int is_default;
} hs_assoc_type;
const hs_assoc_type *hs_assoc_type_find(int type_id);
const hs_assoc_type *hs_assoc_default(hs_obj from, hs_obj to);   /* NULL when none */

/* ---- property API (hs_props.c) ------------------------------------------ */

void hs_props_install_defaults(hs_table *t);
hs_prop *hs_prop_find(hs_table *t, const char *name);
json_t *hs_prop_json(const hs_prop *p);
void hs_prop_free(hs_prop *p);
/* Default property names returned when a request names none (NULL-terminated). */
const char *const *hs_default_props(hs_obj o);

/* Validate and normalise one input's properties. Returns the number of
 * invalid values; each adds an entry to `details` (ErrorDetail objects) and to
 * `legacy` (HubSpot's older {isValid,message,error,name} objects used in the
 * message text). `out` receives normalised string values. allow_read_only:
 * seeding may set createdate and friends. */
int hs_validate_props(hs_table *t, json_t *props, int allow_read_only, json_t *out,
                      json_t *details, json_t *legacy);

/* ---- deal pipelines (hs_pipelines.c) ----------------------------------- */

/* HubSpot's default deal pipeline ("default", "Sales Pipeline", its seven stages) as the
 * table's only one; the options of "pipeline" and "dealstage" follow. */
void hs_pipelines_install_default(hs_table *t);
/* A deal input (norm: its validated properties; target: the record it updates, or NULL):
 * NULL when it sets neither pipeline nor dealstage, or when its stage (the input's, else
 * the record's) is a stage of its pipeline (the input's, else the record's, else
 * "default"); otherwise a malloc'd message, *stage the stage named (NULL: none). */
char *hs_deal_stage_problem(const hs_table *t, const json_t *norm, const hs_rec *target, const char **stage);
/* Adds the problem above to details/legacy as an INVALID_OPTION of "dealstage" (hs_props.c):
 * 1 when there was one. */
int hs_validate_deal_stage(const hs_table *t, const json_t *norm, const hs_rec *target, json_t *details,
                           json_t *legacy);

/* ---- the request and its response ------------------------------------- */

typedef struct hs_sim hs_sim;

typedef struct hs_ctx {
    hs_sim *sim;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    char **seg;             /* path segments (URL-decoded) */
    int nseg;
    json_t *body;           /* parsed JSON body or NULL */
    const char *raw_body;
    size_t raw_len;
    int base;               /* index of the first segment after the API prefix */
    hs_obj obj, obj2;       /* object types named by the route */
} hs_ctx;

typedef struct hs_resp {
    int status;
    json_t *json;           /* body, owned; NULL with raw == NULL = empty body */
    char *raw;              /* raw body (malloc'd) instead of json */
    const char *ctype;
    int search;             /* search responses carry no rate-limit headers */
    int drop;               /* close the connection without a response */
} hs_resp;

/* Query string value (first), NULL when absent. */
const char *hs_query(const hs_ctx *c, const char *name);
/* Query list: all values of `name`, each split on commas; NULL when absent. */
json_t *hs_query_list(const hs_ctx *c, const char *name);

/* ---- helpers (hs_util.c) ------------------------------------------------- */

void hs_uuid(hs_sim *sim, char out[37]);
uint64_t hs_rand(hs_sim *sim);
double hs_rand_pct(hs_sim *sim);       /* [0, 100) */
int64_t hs_now_mono(hs_sim *sim);      /* monotonic ms + the /_sim/clock offset */
int64_t hs_now_wall(hs_sim *sim);      /* epoch ms + the /_sim/clock offset */
const char *hs_iso(int64_t ms, char buf[32]);

/* {status:"error", message, correlationId, category} (+ errors, context when
 * given; both stolen). */
json_t *hs_error_json(hs_sim *sim, const char *category, const char *message, json_t *errors,
                      json_t *context);
void hs_resp_error(hs_resp *r, hs_sim *sim, int status, const char *category, const char *message);
void hs_resp_json(hs_resp *r, int status, json_t *json);   /* steals json */
/* Batch response envelope: {status:"COMPLETE", results, [numErrors, errors], requestedAt?, startedAt, completedAt} */
json_t *hs_batch_json(hs_sim *sim, json_t *results, json_t *errors, int64_t started_ms);
/* A StandardError for one batch input: {status:"error", category, message, context, errors, links}. */
json_t *hs_standard_error(const char *category, const char *message, json_t *context,
                          json_t *errors);
int hs_str_ieq(const char *a, const char *b);
char *hs_lower(const char *s);
/* Strict decimal number ("-12", "3.50", "1e3"): 1 and *out when valid. */
int hs_parse_number(const char *s, double *out);
/* Property value as text from JSON: strings as is, numbers/bools printed,
 * null as ""; NULL for objects and arrays. Caller frees. */
char *hs_json_text(const json_t *v);

/* A request body: the same tree (and, on failure, the same error) as json_loadb(data, len, 0, je).
 * Plain ASCII documents (the hot path) are read by a small parser of our own; anything it does
 * not handle exactly like Jansson (\u escapes, non-ASCII bytes, reals, errors ...) is left to
 * json_loadb. */
json_t *hs_json_parse(const char *data, size_t len, json_error_t *je);

/* Ask for transparent huge pages on the part of the malloc heap (brk) grown since the last
 * call: the store only grows, and 4 KiB page faults were a sixth of the simulator's CPU.
 * Cheap when the heap has not grown; a no-op where malloc does not use brk. */
void hs_heap_hugepages(void);

/* A growing text buffer for replies written directly (the hot paths skip building a JSON tree). */
typedef struct hs_out {
    char *data;
    size_t len, cap;
} hs_out;

void hs_out_init(hs_out *o, size_t cap);
void hs_out_raw(hs_out *o, const char *s, size_t n);
void hs_out_puts(hs_out *o, const char *s);
void hs_out_str(hs_out *o, const char *s);         /* a JSON string: quoted and escaped */
void hs_out_json(hs_out *o, const json_t *j);      /* compact JSON */
char *hs_out_take(hs_out *o);                      /* the text (malloc'd); o is reset */

/* ---- the simulator --------------------------------------------------------- */

typedef struct hs_config {
    int rate_10s;           /* 0 = unlimited */
    int search_per_sec;
    long daily;
    int latency_ms, jitter_ms;
    int search_lag_ms;
    double fail_5xx_pct, drop_pct, slow_pct, malformed_pct;
    int slow_ms;
    int max_batch;
    int search_cap;
    int lenient;            /* accept bodies that lack attributes the published schema requires */
} hs_config;

typedef struct hs_fault {
    int status;             /* 0 = none */
    char policy[32];        /* 429: TEN_SECONDLY_ROLLING, SECONDLY, DAILY */
    char retry_after[48];   /* Retry-After header text sent with the fault ("" = none) */
    int drop, drop_after, malformed;
    int omit_result;        /* process the call, leave the last result out of the reply */
    int unnamed_errors;     /* process the call, strip what names the input from each error */
    int unnamed_holders;    /* process the call, strip the holder (Existing ID) from each 409 */
    int delay_ms;
    char *match;            /* path substring or NULL */
    char *body_match;       /* request body substring or NULL */
} hs_fault;

typedef struct hs_window {
    int64_t *ts;            /* ring of accepted request times */
    size_t head, count, cap;
} hs_window;

typedef struct hs_stats {
    uint64_t requests, status_429, status_5xx, status_4xx, dropped;
    uint64_t writes, created, updated, archived;
    int in_flight, max_in_flight;
    hs_map by_endpoint;     /* "METHOD /template" -> uint64_t* */
} hs_stats;

struct hs_sim {
    hs_config cfg;          /* under mu */
    pthread_mutex_t mu;     /* cfg, stats, faults, windows */
    pthread_mutex_t rng_mu; /* prng (taken inside mu as well) */
    hs_store store;
    hs_stats stats;
    hs_fault *faults;
    size_t nfaults, cap_faults;
    hs_map token_windows;   /* token -> hs_window* (10-second bucket per app token) */
    hs_window search_window;
    long daily_used;
    uint64_t prng;
    int64_t clock_offset_ms;
    char *token;            /* --token, NULL = any bearer token */
    char **scopes;          /* --scopes, NULL = all granted */
    int nscopes;
    int verbose;
    int64_t portal_id;
    pthread_mutex_t stop_mu; /* latency sleeps wait on stop_cv, so a stop need not wait them out */
    pthread_cond_t stop_cv;
    int stopping;
};

void hs_sim_init(hs_sim *sim, uint64_t seed);
/* Sleep ms in the calling thread; returns early once hs_sim_stopping() was called. */
void hs_sim_sleep(hs_sim *sim, int64_t ms);
void hs_sim_stopping(hs_sim *sim);
void hs_sim_free(hs_sim *sim);
/* Clear records, counters, faults and limit windows; keep config. */
void hs_sim_reset(hs_sim *sim);
void hs_config_defaults(hs_config *c);
json_t *hs_config_json(const hs_config *c);
/* Apply the known keys of `in`; returns -1 and a message on a bad value. */
int hs_config_apply(hs_config *c, const json_t *in, char *msg, size_t n);

/* Strict schema checks (the default): 0 when obj (a JSON object) carries every attribute in
 * names (NULL-terminated; present and not null); otherwise r becomes HubSpot's 400
 * "Invalid input JSON: Cannot build SCHEMA, some of required attributes are not set [a, b]"
 * and -1. With --lenient (config "lenient") always 0. */
int hs_require(hs_ctx *c, hs_resp *r, const json_t *obj, const char *schema, const char *const *names);
/* The same for every element of an array (a missing array passes: check it with hs_require). */
int hs_require_each(hs_ctx *c, hs_resp *r, const json_t *arr, const char *schema, const char *const *names);

/* Register the MHD handler: returns the daemon or NULL. */
struct MHD_Daemon *hs_http_start(hs_sim *sim, int listen_fd, int threads);

/* Handlers. Each fills r. */
void hs_handle_objects(hs_ctx *c, hs_resp *r);      /* /crm/v3/objects/OBJ... */
/* hs_merge.c: POST .../OBJ/merge; the live record a merged id now reads as (or NULL). */
void hs_handle_merge(hs_ctx *c, hs_table *t, hs_resp *r);
hs_rec *hs_merged_into(hs_table *t, const char *id);
void hs_handle_search(hs_ctx *c, hs_resp *r);
void hs_handle_assoc(hs_ctx *c, hs_resp *r);        /* /crm/v4/associations/A/B/batch/... */
void hs_handle_assoc_object(hs_ctx *c, hs_resp *r); /* /crm/v4/objects/A/ID/associations/... */
void hs_handle_props(hs_ctx *c, hs_resp *r);        /* /crm/v3/properties/OBJ... */
void hs_handle_control(hs_ctx *c, hs_resp *r);      /* /_sim/... */
void hs_handle_pipelines(hs_ctx *c, hs_resp *r);    /* GET /crm/pipelines/VERSION/deals */
void hs_control_pipelines(hs_ctx *c, hs_resp *r);   /* POST /_sim/pipelines/deals */

/* Record JSON (a copy). want: array of property names, or NULL for the
 * object's defaults; all: every set property plus the defaults. */
json_t *hs_rec_json(hs_table *t, const hs_rec *r, const json_t *want, int all);
/* The same record written as JSON text; extra (may be NULL) is appended inside the
 * object, e.g. ",\"new\":true". */
void hs_rec_write(hs_out *o, hs_table *t, const hs_rec *r, const json_t *want, int all, const char *extra);
/* What search sees of r at sim time now (NULL = nothing yet), and its updatedAt. */
json_t *hs_rec_searchable(const hs_rec *r, int64_t now, int64_t *updated_ms);
/* Write r as search sees it: props and updated_ms from hs_rec_searchable. */
void hs_rec_write_as(hs_out *o, hs_table *t, const hs_rec *r, json_t *props, int64_t updated_ms,
                     const json_t *want);
/* associations=companies,contacts on GET: the v3 "associations" member. */
json_t *hs_rec_assoc_json(hs_store *s, const hs_rec *r, const json_t *types);

void hs_stats_count_write(hs_sim *sim, int created, int updated, int archived);

#endif

/*
 * hs_internal.h -- shared inside etl/hubspot/ only: the client struct, the
 * request queue (client.c) and the JSON codec (codec.c). Not a public API.
 *
 * A request (hs_req) is one HTTP exchange with its retries. hs_submit() takes
 * a JSON body (ownership passes to the queue) and a completion function that
 * is called exactly once with an hs_reply: either err == NULL and an HTTP
 * status the caller must judge (2xx, or a 4xx other than 401/403/429), or
 * err != NULL (retries spent, outcome unknown, cancelled by a stop, body too
 * large, malformed JSON in a 2xx). The reply and everything it points to is
 * valid only during the call.
 */
#ifndef SPETL_HS_INTERNAL_H
#define SPETL_HS_INTERNAL_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdint.h>

#include "spetl/buf.h"
#include "spetl/err.h"
#include "spetl/hs_pace.h"
#include "spetl/hubspot.h"
#include "spetl/mem.h"

#define HS_COMP "hubspot"

enum {
    HS_IDEMPOTENT = 1,   /* safe to send again when the outcome is unknown */
    HS_SEARCH = 2,       /* paced by the search budget, not the 10-second one */
    HS_NO_RETRY = 4      /* one attempt only (best-effort probes) */
};

typedef struct hs_reply {
    int status;                 /* HTTP status; 0 when none was received */
    json_t *json;               /* parsed body, or NULL (empty, or not JSON on a 4xx) */
    const char *body;           /* raw body, NUL-terminated */
    size_t len;
    const char *correlation_id; /* from the body, else the header; "" when none */
    const char *what;           /* "POST /crm/objects/2026-03/contacts/batch/upsert" */
    const sp_err *err;          /* non-NULL: the request failed as a whole */
} hs_reply;

typedef void (*hs_done_fn)(sp_hs_client *c, const hs_reply *r, void *ud);

typedef struct hs_req hs_req;

struct sp_hs_client {
    /* settings */
    char *base;                 /* without a trailing slash */
    int v3;                     /* v3 objects/properties, v4 associations */
    char objects_prefix[64];    /* "/crm/objects/2026-03" | "/crm/v3/objects" */
    char assoc_prefix[64];      /* "/crm/associations/2026-03" | "/crm/v4/associations" */
    char props_prefix[64];      /* "/crm/properties/2026-03" | "/crm/v3/properties" */
    int max_in_flight;
    int max_batch;
    long connect_timeout_ms, request_timeout_ms;
    char *ca_bundle;
    size_t max_body;
    sp_hs_backoff backoff;
    /* machinery */
    CURLM *multi;
    struct curl_slist *headers;
    CURL **pool;                /* idle easy handles */
    hs_req **live;              /* requests in flight, max_in_flight slots */
    sp_buf *spare;              /* response buffers kept for reuse */
    int nspare;
    int npool;
    sp_hs_pacer pace;           /* the 10-second budget */
    sp_hs_pacer search_pace;    /* search's per-second budget */
    hs_req *head, *tail;        /* queued requests, FIFO */
    int active;                 /* requests in flight */
    size_t ops;                 /* unfinished operations */
    uint64_t rng;
    int stopped;                /* 401/403/daily: nothing more is sent */
    sp_err stop_err;
    int daily_probe;            /* ask when the daily limit resets, once */
    int op_failed;              /* an operation failed whole since the last sp_hs_run */
    sp_err op_err;
    char time_zone[64];         /* from account details, for the daily-limit message */
    int has_utc_offset;
    int64_t utc_offset_ms;
    sp_hs_stats stats;
    struct hs_prefetch {         /* property definitions read ahead (calls.c) */
        int sent, done, failed;
        sp_err err;
        sp_hs_properties props;
    } prefetch[SP_HS_OBJECT_COUNT];
};

/* Queue a request. path starts with '/' (may carry a query); what is the
 * method and path template for messages (NULL: method + path). body is
 * taken (freed by the queue), may be NULL. -1 when the client is stopped
 * (done is not called then). */
int hs_submit(sp_hs_client *c, const char *method, const char *path, const char *what,
              char *body, unsigned flags, hs_done_fn done, void *ud, sp_err *e);

/* hs_submit() for a batch write whose caller reads of each result only
 * what slim.c keeps (id, new, objectWriteTraceId, from/toObjectId, and the
 * property keep, may be NULL): a 2xx body is parsed by hs_json_load_slim(). */
int hs_submit_slim(sp_hs_client *c, const char *method, const char *path, const char *what, char *body,
                   unsigned flags, const char *keep, hs_done_fn done, void *ud, sp_err *e);

/* ---- slim.c ---- */

/* json_loadb(buf, len, 0, err) less, in each object of the top-level
 * "results" array, every member but id, new, objectWriteTraceId,
 * fromObjectId, toObjectId and properties (of which only keep). NULL (err
 * set by Jansson) for anything json_loadb refuses. */
json_t *hs_json_load_slim(const char *buf, size_t len, const char *keep, json_error_t *err);

/* Operation accounting: hs_op_begin() when a caller-visible operation starts,
 * hs_op_end() when it completes; failure (may be NULL) is remembered for
 * sp_hs_run(). */
void hs_op_begin(sp_hs_client *c);
void hs_op_end(sp_hs_client *c, const sp_err *failure);

/* Drive the queue until *flag becomes non-zero (or nothing is left to do). */
void hs_run_until(sp_hs_client *c, const int *flag);

/* A synchronous request (counted as an operation): 0 with *status and *json
 * (json_decref it; NULL when empty) for any reply hs_submit hands back
 * without err; -1 with e otherwise. */
int hs_call(sp_hs_client *c, const char *method, const char *path, const char *what,
            char *body, unsigned flags, int *status, json_t **json, sp_err *e);

/* A synchronous request whose reply (any status hs_submit hands back
 * without err) is judged by fn during the completion: fn returns 0, or -1
 * with e set. */
typedef int (*hs_reply_fn)(const hs_reply *r, void *ud, sp_err *e);
int hs_call_with(sp_hs_client *c, const char *method, const char *path, const char *what, char *body,
                 unsigned flags, hs_reply_fn fn, void *ud, sp_err *e);

double hs_rand(sp_hs_client *c);   /* [0, 1) */

/* ---- codec.c ---- */

/* Append s as a JSON string (quotes included). -1 (SP_EDATA) when s is not
 * valid UTF-8. */
int hs_json_str(sp_buf *b, const char *s, sp_err *e);

/* Percent-encode s for a URL path segment or query value into b. */
int hs_url_escape(sp_buf *b, const char *s, sp_err *e);

/* A JSON value as text in the arena: strings as is, numbers and booleans
 * printed, null -> NULL. */
const char *hs_json_text(sp_arena *a, const json_t *v);

/* A record id from JSON as text in out (n bytes): a string as it is, an integer exactly
 * (HubSpot's v4 association replies send ids as int64 numbers, past 2^32: never through a
 * double), a real only when integral and below 2^53 (where a double is exact). NULL for
 * anything else, or when out is too small. */
const char *hs_json_id(const json_t *v, char *out, size_t n);

/* SimplePublicObject -> record (strings copied into the arena). -1 when v is
 * not an object. */
int hs_record_from_json(const json_t *v, sp_arena *a, sp_hs_record *out);

/* Error body fields (pointers into the json). */
typedef struct hs_errinfo {
    const char *message;
    const char *category;
    const char *sub_category;
    const char *correlation_id;
    const char *policy;         /* 429 policyName */
    const char *code;           /* first errors[].code */
    int status;                 /* numeric status when the body has one, else 0 */
} hs_errinfo;

void hs_errinfo_parse(const json_t *j, hs_errinfo *out);

/* An error for a reply that is not what the caller wanted: code by status
 * (401/403 SP_EAUTH, 400/409/422 SP_EDATA, else SP_EHUBSPOT), message
 * "WHAT: STATUS CATEGORY: message" (or the first 200 bytes of a non-JSON
 * body), http context. */
int hs_reply_err(const hs_reply *r, sp_err *e);

/* "WHAT: unexpected reply (status N): DETAIL; body starts: ..." SP_EHUBSPOT */
int hs_shape_err(const hs_reply *r, const char *detail, sp_err *e);

/* First n bytes of a body, printable, for messages. */
void hs_body_excerpt(const char *body, size_t len, char *out, size_t n);

/* A page (results[] + paging.next.after + total) from a list/search reply. */
int hs_page_from_reply(const hs_reply *r, sp_hs_page *out, sp_err *e);

#endif

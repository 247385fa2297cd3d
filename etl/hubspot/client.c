/*
 * client.c -- the HubSpot client's request queue: configuration, libcurl
 * multi loop, pacing, retries, 429 handling, stop on 401/403/daily limit.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hs_internal.h"
#include "spetl/clock.h"
#include "spetl/log.h"

#define DEFAULT_BASE "https://api.hubapi.com"
#define DEFAULT_VERSION "2026-03"
#define EXCERPT 200
/* The longest Retry-After taken as given (a day): longer ones, and numbers too large to
 * multiply by 1000, are read as a day -- past any retry budget, so the request gives up. */
#define RETRY_AFTER_MAX_MS ((int64_t)86400 * 1000)
/* Response buffers are kept for the next request: replies are tens of KB
 * and growing a buffer from nothing for each one costs more than parsing. */
#define SPARE_BUFS 16

struct hs_req {
    hs_req *next;
    char method[8];
    char *url;
    char *what;
    char *body;
    size_t body_len;
    unsigned flags;
    int sends;                  /* sends so far, 429s included */
    int throttles;              /* 429s (not counted as failed attempts) */
    int slot;                   /* index in the client's live[] while in flight */
    int64_t first_sent_ms;
    int64_t sent_ms;
    int64_t ready_ms;
    /* last failure, for the give-up message */
    int last_status;
    char last_corr[64];
    char last_reason[160];
    /* the exchange in flight */
    CURL *easy;
    sp_buf resp;
    int too_large;
    int hdr_max, hdr_remaining;
    int64_t hdr_interval, hdr_retry_after;
    char hdr_corr[64];
    hs_done_fn done;
    void *ud;
    int slim;                   /* a 2xx body parsed by hs_json_load_slim() */
    char *keep;                 /* ... keeping this property (or NULL) */
};

/* ---- configuration ---------------------------------------------------- */

static int is_date_version(const char *v)
{
    /* YYYY-MM, 2026-03 or later */
    if (strlen(v) != 7 || v[4] != '-')
        return 0;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)v[i]))
            return 0;
    return strcmp(v, "2026-03") >= 0;
}

static int loopback_host(const char *h)
{
    return strcmp(h, "127.0.0.1") == 0 || strcasecmp(h, "localhost") == 0 || strcmp(h, "[::1]") == 0 ||
           strcmp(h, "::1") == 0;
}

int sp_hs_config_check(const sp_hs_config *cfg, sp_err *e)
{
    const char *base = cfg->base_url != NULL ? cfg->base_url : DEFAULT_BASE;
    const char *ver = cfg->api_version != NULL ? cfg->api_version : DEFAULT_VERSION;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *query = NULL;
    int rc = -1;

    if (cfg->token == NULL || cfg->token[0] == '\0') {
        SP_ERR(e, SP_EAUTH, "no HubSpot token: set HUBSPOT_TOKEN or the token file named in the job");
        goto done;
    }
    for (const char *p = cfg->token; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
            SP_ERR(e, SP_EJOB, "the HubSpot token contains a space, line break or non-ASCII character "
                               "at position %zu: check the token file", (size_t)(p - cfg->token) + 1);
            goto done;
        }
    }
    /* any scheme parses (libcurl may be built without it): spetl names the one it refuses */
    if (u == NULL || curl_url_set(u, CURLUPART_URL, base, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        SP_ERR(e, SP_EJOB, "HubSpot base URL \"%s\" is not a URL (expected https://api.hubapi.com)", base);
        goto done;
    }
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK && query != NULL) {
        SP_ERR(e, SP_EJOB, "HubSpot base URL \"%s\" must not carry a query", base);
        goto done;
    }
    if (strcasecmp(scheme, "https") != 0) {
        if (strcasecmp(scheme, "http") != 0) {
            SP_ERR(e, SP_EJOB, "HubSpot base URL \"%s\": scheme %s is not supported (use https)", base, scheme);
            goto done;
        }
        if (!loopback_host(host)) {
            SP_ERR(e, SP_EJOB, "HubSpot base URL \"%s\": plain http is refused for host %s (the token "
                               "would travel unencrypted); use https, or http only for 127.0.0.1, "
                               "localhost or ::1", base, host);
            goto done;
        }
    }
    if (strcmp(ver, "v3") != 0 && !is_date_version(ver)) {
        SP_ERR(e, SP_EJOB, "HubSpot API version \"%s\" is not supported: use \"2026-03\" (or a later "
                           "YYYY-MM version) or \"v3\"", ver);
        goto done;
    }
    if (cfg->max_batch < 0 || cfg->max_batch > 100) {
        SP_ERR(e, SP_EJOB, "HubSpot batch size %d is out of range 1..100", cfg->max_batch);
        goto done;
    }
    if (cfg->max_in_flight < 0 || cfg->max_in_flight > 64) {
        SP_ERR(e, SP_EJOB, "HubSpot requests in flight %d is out of range 1..64", cfg->max_in_flight);
        goto done;
    }
    if (cfg->pace_target != 0 && (cfg->pace_target <= 0.5 || cfg->pace_target > 1.0)) {
        SP_ERR(e, SP_EJOB, "HubSpot pace target %.2f is out of range (0.5, 1]", cfg->pace_target);
        goto done;
    }
    if (cfg->max_attempts < 0 || cfg->connect_timeout_ms < 0 || cfg->request_timeout_ms < 0 ||
        cfg->retry_budget_ms < 0 || cfg->backoff_base_ms < 0 || cfg->backoff_cap_ms < 0) {
        SP_ERR(e, SP_EJOB, "HubSpot timeouts, budgets and attempts must not be negative");
        goto done;
    }
    rc = 0;
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(query);
    curl_url_cleanup(u);
    return rc;
}

static void global_init(void)
{
    static int done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
}

int sp_hs_client_new(const sp_hs_config *cfg, sp_hs_client **out, sp_err *e)
{
    sp_hs_client *c;
    const char *base = cfg->base_url != NULL ? cfg->base_url : DEFAULT_BASE;
    const char *ver = cfg->api_version != NULL ? cfg->api_version : DEFAULT_VERSION;
    char *auth;
    size_t n;

    *out = NULL;
    if (sp_hs_config_check(cfg, e) != 0)
        return -1;
    global_init();
    c = sp_xcalloc(1, sizeof(*c));
    c->base = sp_xstrdup(base);
    n = strlen(c->base);
    while (n > 0 && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    c->v3 = strcmp(ver, "v3") == 0;
    if (c->v3) {
        snprintf(c->objects_prefix, sizeof(c->objects_prefix), "/crm/v3/objects");
        snprintf(c->assoc_prefix, sizeof(c->assoc_prefix), "/crm/v4/associations");
        snprintf(c->props_prefix, sizeof(c->props_prefix), "/crm/v3/properties");
    } else {
        snprintf(c->objects_prefix, sizeof(c->objects_prefix), "/crm/objects/%s", ver);
        snprintf(c->assoc_prefix, sizeof(c->assoc_prefix), "/crm/associations/%s", ver);
        snprintf(c->props_prefix, sizeof(c->props_prefix), "/crm/properties/%s", ver);
    }
    c->max_in_flight = cfg->max_in_flight > 0 ? cfg->max_in_flight : 8;
    c->max_batch = cfg->max_batch > 0 ? cfg->max_batch : 100;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
    c->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 60000;
    c->ca_bundle = cfg->ca_bundle != NULL ? sp_xstrdup(cfg->ca_bundle) : NULL;
    c->max_body = cfg->max_body > 0 ? cfg->max_body : (size_t)32 << 20;
    c->backoff.base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 500;
    c->backoff.cap_ms = cfg->backoff_cap_ms > 0 ? cfg->backoff_cap_ms : 30000;
    c->backoff.budget_ms = cfg->retry_budget_ms > 0 ? cfg->retry_budget_ms : 120000;
    c->backoff.max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 8;
    sp_hs_pacer_init(&c->pace, cfg->rate_10s < 0 ? 0 : (cfg->rate_10s > 0 ? cfg->rate_10s : 100), 10000,
                     cfg->pace_target);
    sp_hs_pacer_init(&c->search_pace,
                     cfg->search_per_sec < 0 ? 0 : (cfg->search_per_sec > 0 ? cfg->search_per_sec : 5), 1000,
                     cfg->pace_target);
    c->rng = cfg->seed != 0 ? cfg->seed : (uint64_t)sp_clock_wall_ms() ^ 0x9e3779b97f4a7c15ULL;

    sp_log_secret(cfg->token);
    auth = sp_xasprintf("Authorization: Bearer %s", cfg->token);
    c->headers = curl_slist_append(c->headers, auth);
    free(auth);
    c->headers = curl_slist_append(c->headers, "Content-Type: application/json");
    c->headers = curl_slist_append(c->headers, "Accept: application/json");
    c->headers = curl_slist_append(c->headers, "Expect:");
    c->multi = curl_multi_init();
    if (c->headers == NULL || c->multi == NULL) {
        sp_hs_client_free(c);
        return SP_ERR(e, SP_EINTERNAL, "libcurl could not be initialised");
    }
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->max_in_flight);
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->max_in_flight * 2);
    c->pool = sp_xcalloc((size_t)c->max_in_flight, sizeof(*c->pool));
    c->live = sp_xcalloc((size_t)c->max_in_flight, sizeof(*c->live));
    c->spare = sp_xcalloc(SPARE_BUFS, sizeof(*c->spare));
    *out = c;
    return 0;
}


static void req_free(sp_hs_client *c, hs_req *r)
{
    if (r == NULL)
        return;
    free(r->url);
    free(r->what);
    free(r->body);
    free(r->keep);
    if (c != NULL && c->nspare < SPARE_BUFS && r->resp.cap > 0 && r->resp.cap <= ((size_t)1 << 20)) {
        sp_buf_reset(&r->resp);
        c->spare[c->nspare++] = r->resp;
    } else {
        sp_buf_free(&r->resp);
    }
    free(r);
}

static void stop(sp_hs_client *c, const sp_err *why);
static void fail(sp_hs_client *c, hs_req *r, const sp_err *err);

void sp_hs_client_free(sp_hs_client *c)
{
    sp_err closing;

    if (c == NULL)
        return;
    /* Work still pending belongs to an abandoned run: its operations are
     * completed as not done (callbacks run, nothing leaks), nothing more is
     * sent. */
    SP_ERR(&closing, SP_EINTERNAL, "the HubSpot client was closed with requests pending");
    stop(c, &closing);
    for (int i = 0; c->live != NULL && i < c->max_in_flight; i++) {
        hs_req *r = c->live[i];
        if (r == NULL)
            continue;
        c->live[i] = NULL;
        curl_multi_remove_handle(c->multi, r->easy);
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
        c->active--;
        fail(c, r, &closing);
    }
    stop(c, &closing); /* anything a callback queued meanwhile */
    for (int i = 0; i < SP_HS_OBJECT_COUNT; i++)
        sp_hs_properties_free(&c->prefetch[i].props);   /* read ahead, never asked for */
    free(c->live);
    for (int i = 0; i < c->npool; i++)
        curl_easy_cleanup(c->pool[i]);
    for (int i = 0; i < c->nspare; i++)
        sp_buf_free(&c->spare[i]);
    free(c->spare);
    free(c->pool);
    if (c->multi != NULL)
        curl_multi_cleanup(c->multi);
    curl_slist_free_all(c->headers);
    sp_hs_pacer_free(&c->pace);
    sp_hs_pacer_free(&c->search_pace);
    free(c->base);
    free(c->ca_bundle);
    free(c);
}

const char *sp_hs_objects_prefix(const sp_hs_client *c)
{
    return c->objects_prefix;
}

double hs_rand(sp_hs_client *c)
{
    /* xorshift64* */
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    return (double)((c->rng * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0);
}

void sp_hs_get_stats(const sp_hs_client *c, sp_hs_stats *out)
{
    *out = c->stats;
    out->limit_10s = c->pace.limit;
}

size_t sp_hs_pending(const sp_hs_client *c)
{
    return c->ops;
}

/* ---- operations ------------------------------------------------------ */

void hs_op_begin(sp_hs_client *c)
{
    c->ops++;
}

void hs_op_end(sp_hs_client *c, const sp_err *failure)
{
    if (c->ops > 0)
        c->ops--;
    if (failure != NULL && failure->code != SP_OK && !c->op_failed) {
        c->op_failed = 1;
        c->op_err = *failure;
    }
}

/* ---- queue ------------------------------------------------------------ */

static void enqueue(sp_hs_client *c, hs_req *r)
{
    r->next = NULL;
    if (c->tail != NULL)
        c->tail->next = r;
    else
        c->head = r;
    c->tail = r;
}

static hs_req *req_new(sp_hs_client *c, const char *method, const char *path, const char *what,
                       char *body, unsigned flags, hs_done_fn done, void *ud, sp_err *e)
{
    hs_req *r;

    if (c->stopped) {
        free(body);
        *e = c->stop_err;
        return NULL;
    }
    r = sp_xcalloc(1, sizeof(*r));
    snprintf(r->method, sizeof(r->method), "%s", method);
    r->url = sp_xasprintf("%s%s", c->base, path);
    r->what = what != NULL ? sp_xstrdup(what) : sp_xasprintf("%s %s", method, path);
    r->body = body;
    r->body_len = body != NULL ? strlen(body) : 0;
    r->flags = flags;
    r->ready_ms = sp_clock_now_ms();
    r->done = done;
    r->ud = ud;
    if (c->nspare > 0) {
        r->resp = c->spare[--c->nspare];
        r->resp.max = c->max_body;
    } else {
        sp_buf_init(&r->resp, c->max_body);
    }
    return r;
}

int hs_submit(sp_hs_client *c, const char *method, const char *path, const char *what,
              char *body, unsigned flags, hs_done_fn done, void *ud, sp_err *e)
{
    hs_req *r = req_new(c, method, path, what, body, flags, done, ud, e);

    if (r == NULL)
        return -1;
    enqueue(c, r);
    return 0;
}

int hs_submit_slim(sp_hs_client *c, const char *method, const char *path, const char *what, char *body,
                   unsigned flags, const char *keep, hs_done_fn done, void *ud, sp_err *e)
{
    hs_req *r = req_new(c, method, path, what, body, flags, done, ud, e);

    if (r == NULL)
        return -1;
    r->slim = 1;
    r->keep = keep != NULL ? sp_xstrdup(keep) : NULL;
    enqueue(c, r);
    return 0;
}

static void complete(sp_hs_client *c, hs_req *r, int status, json_t *json, const char *corr,
                     const sp_err *err)
{
    hs_reply rep;

    rep.status = status;
    rep.json = json;
    rep.body = sp_buf_str(&r->resp);
    rep.len = r->resp.len;
    rep.correlation_id = corr != NULL ? corr : r->hdr_corr;
    rep.what = r->what;
    rep.err = err;
    r->done(c, &rep, r->ud);
    req_free(c, r);
}

static void fail(sp_hs_client *c, hs_req *r, const sp_err *err)
{
    complete(c, r, r->last_status, NULL, r->last_corr, err);
}

/* Stop the client: remember why, cancel everything queued. */
static void stop(sp_hs_client *c, const sp_err *why)
{
    hs_req *list;
    sp_err cancel;
    char line[SP_ERR_MSG_MAX];

    if (!c->stopped) {
        c->stopped = 1;
        c->stop_err = *why;
    }
    list = c->head;
    c->head = c->tail = NULL;
    while (list != NULL) {
        hs_req *r = list;
        list = r->next;
        cancel = c->stop_err;
        snprintf(line, sizeof(line), "%s not sent: %s", r->what, c->stop_err.msg);
        snprintf(cancel.msg, sizeof(cancel.msg), "%s", line);
        fail(c, r, &cancel);
    }
}

/* ---- one exchange: header and body capture ------------------------------ */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    hs_req *r = ud;
    size_t n = size * nmemb;
    sp_err e;

    if (sp_buf_append(&r->resp, ptr, n, &e) != 0) {
        r->too_large = 1;
        return 0;
    }
    return n;
}

static int header_is(const char *line, size_t len, const char *name, const char **value, size_t *vlen)
{
    size_t n = strlen(name);

    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return 0;
    *value = line + n + 1;
    *vlen = len - n - 1;
    while (*vlen > 0 && (**value == ' ' || **value == '\t')) {
        (*value)++;
        (*vlen)--;
    }
    while (*vlen > 0 && ((*value)[*vlen - 1] == '\r' || (*value)[*vlen - 1] == '\n' ||
                         (*value)[*vlen - 1] == ' '))
        (*vlen)--;
    return 1;
}

static long long header_num(const char *v, size_t vlen)
{
    char tmp[32];
    char *end;
    long long x;

    if (vlen == 0 || vlen >= sizeof(tmp))
        return -1;
    memcpy(tmp, v, vlen);
    tmp[vlen] = '\0';
    x = strtoll(tmp, &end, 10);
    if (*end != '\0' || x < 0)
        return -1;
    return x;
}

static void reset_headers(hs_req *r)
{
    r->hdr_max = -1;
    r->hdr_remaining = -1;
    r->hdr_interval = -1;
    r->hdr_retry_after = -1;
    r->hdr_corr[0] = '\0';
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    hs_req *r = ud;
    size_t len = size * nmemb;
    const char *v;
    size_t vlen;
    long long x;

    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        reset_headers(r);  /* a new response (after a 100 Continue, say) */
    } else if (header_is(line, len, "X-HubSpot-RateLimit-Max", &v, &vlen)) {
        x = header_num(v, vlen);
        r->hdr_max = x > INT32_MAX ? INT32_MAX : (int)x;
    } else if (header_is(line, len, "X-HubSpot-RateLimit-Remaining", &v, &vlen)) {
        x = header_num(v, vlen);
        r->hdr_remaining = x > INT32_MAX ? INT32_MAX : (int)x;
    } else if (header_is(line, len, "X-HubSpot-RateLimit-Interval-Milliseconds", &v, &vlen)) {
        r->hdr_interval = header_num(v, vlen);
    } else if (header_is(line, len, "Retry-After", &v, &vlen)) {
        char tmp[64];
        x = header_num(v, vlen);
        if (x >= 0) {
            r->hdr_retry_after = x > RETRY_AFTER_MAX_MS / 1000 ? RETRY_AFTER_MAX_MS : (int64_t)x * 1000;
        } else if (vlen < sizeof(tmp)) {
            time_t t;
            memcpy(tmp, v, vlen);
            tmp[vlen] = '\0';
            t = curl_getdate(tmp, NULL);
            if (t != (time_t)-1) {
                int64_t now_s = sp_clock_wall_ms() / 1000;
                int64_t d = (int64_t)t - now_s; /* seconds: no overflow for any time_t */
                r->hdr_retry_after = d <= 0 ? 0 : d > RETRY_AFTER_MAX_MS / 1000 ? RETRY_AFTER_MAX_MS : d * 1000;
            }
        }
    } else if (header_is(line, len, "X-HubSpot-Correlation-Id", &v, &vlen)) {
        if (vlen >= sizeof(r->hdr_corr))
            vlen = sizeof(r->hdr_corr) - 1;
        memcpy(r->hdr_corr, v, vlen);
        r->hdr_corr[vlen] = '\0';
    }
    return len;
}

static CURL *take_easy(sp_hs_client *c)
{
    if (c->npool > 0) {
        CURL *h = c->pool[--c->npool];
        curl_easy_reset(h);
        return h;
    }
    return curl_easy_init();
}

static void give_easy(sp_hs_client *c, CURL *h)
{
    if (c->npool < c->max_in_flight)
        c->pool[c->npool++] = h;
    else
        curl_easy_cleanup(h);
}

static int start(sp_hs_client *c, hs_req *r, int64_t now, sp_err *e)
{
    CURL *h = take_easy(c);

    if (h == NULL)
        return SP_ERR(e, SP_EINTERNAL, "libcurl could not create a handle");
    sp_buf_reset(&r->resp);
    r->too_large = 0;
    reset_headers(r);
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_bundle != NULL)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_bundle);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->request_timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "spetl/" SPETL_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_PRIVATE, (char *)r);
    /* libcurl silently resends a request once when a reused keep-alive
     * connection turns out dead; for a request that must not be sent twice
     * use a fresh connection, so a drop is reported, not repeated. */
    if (!(r->flags & HS_IDEMPOTENT))
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    if (strcmp(r->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        if (strcmp(r->method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
        if (r->body != NULL) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        } else if (strcmp(r->method, "DELETE") != 0) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        }
    }
    if (curl_multi_add_handle(c->multi, h) != CURLM_OK) {
        curl_easy_cleanup(h);
        return SP_ERR(e, SP_EINTERNAL, "libcurl refused a request handle");
    }
    r->easy = h;
    r->sends++;
    if (r->sends == 1)
        r->first_sent_ms = now;
    for (int i = 0; i < c->max_in_flight; i++) {
        if (c->live[i] == NULL) {
            c->live[i] = r;
            r->slot = i;
            break;
        }
    }
    r->sent_ms = now;
    c->active++;
    c->stats.requests++;
    if (c->active > c->stats.max_in_flight)
        c->stats.max_in_flight = c->active;
    return 0;
}

/* ---- outcome of one exchange ------------------------------------------ */

static void give_up(sp_hs_client *c, hs_req *r, int why)
{
    sp_err e;
    int64_t elapsed = sp_clock_now_ms() - r->first_sent_ms;

    SP_ERR(&e, SP_EHUBSPOT, "%s gave up after %d attempt%s in %.1f s (%s): last %s%s%s", r->what,
           r->sends, r->sends == 1 ? "" : "s", (double)elapsed / 1000.0,
           why == SP_HS_GIVE_UP_ATTEMPTS ? "attempts spent" : "retry time budget spent",
           r->last_reason, r->last_corr[0] ? ", correlationId " : "", r->last_corr);
    sp_err_http(&e, r->last_status, NULL, r->last_corr[0] ? r->last_corr : NULL);
    SP_ERROR(HS_COMP, "%s", e.msg);
    fail(c, r, &e);
}

/* Schedule another attempt after a retryable failure, or give up. */
static void retry(sp_hs_client *c, hs_req *r)
{
    int64_t now = sp_clock_now_ms();
    int64_t delay;
    int why;

    if (r->flags & HS_NO_RETRY) {
        give_up(c, r, SP_HS_GIVE_UP_ATTEMPTS);
        return;
    }
    why = sp_hs_backoff_next(&c->backoff, r->sends - r->throttles, now - r->first_sent_ms,
                             r->hdr_retry_after, hs_rand(c), &delay);
    if (why != SP_HS_RETRY) {
        give_up(c, r, why);
        return;
    }
    SP_WARN(HS_COMP, "%s attempt %d of %d failed (%s%s%s); retrying in %lld ms", r->what,
            r->sends - r->throttles,
            c->backoff.max_attempts, r->last_reason, r->last_corr[0] ? ", correlationId " : "",
            r->last_corr, (long long)delay);
    c->stats.retries++;
    r->ready_ms = now + delay;
    enqueue(c, r);
}

static int transport_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
        return 1;
    default:
        return 0;
    }
}

static void outcome_unknown(sp_hs_client *c, hs_req *r)
{
    sp_err e;

    SP_ERR(&e, SP_EHUBSPOT, "%s: outcome unknown (%s after the request was sent): HubSpot may or may "
                            "not have written it, and a create is not retried blindly; look the "
                            "records up (or upsert by a unique property) before sending them again",
           r->what, r->last_reason);
    sp_err_http(&e, r->last_status, NULL, r->last_corr[0] ? r->last_corr : NULL);
    SP_ERROR(HS_COMP, "%s", e.msg);
    fail(c, r, &e);
}

static void daily_message(sp_hs_client *c, const char *detail, sp_err *e)
{
    const int64_t day = 86400000;
    char when[96] = "";

    if (c->time_zone[0] != '\0' && c->has_utc_offset) {
        /* the next local midnight, by the zone's offset now */
        int64_t local = sp_clock_wall_ms() + c->utc_offset_ms;
        int64_t next = (local / day + 1) * day - c->utc_offset_ms;
        char iso[32];
        snprintf(when, sizeof(when), " (%s), %s", c->time_zone, sp_time_iso8601(next, iso, sizeof(iso)));
    } else if (c->time_zone[0] != '\0') {
        snprintf(when, sizeof(when), " (%s)", c->time_zone);
    }
    SP_ERR(e, SP_EDAILY, "HubSpot's daily API request limit for this account is spent (%s); it resets at "
                         "midnight in the account's time zone%s: the run stopped cleanly, run it again "
                         "after the reset",
           detail, when);
}

static void on_429(sp_hs_client *c, hs_req *r, json_t *json, int64_t now)
{
    hs_errinfo ei;
    sp_hs_pacer *p;
    int64_t pause, left;
    sp_err e;
    int secondly;

    hs_errinfo_parse(json, &ei);
    if ((ei.policy != NULL && strcasecmp(ei.policy, "DAILY") == 0) ||
        (ei.message != NULL && strstr(ei.message, "daily limit") != NULL)) {
        char detail[256];
        snprintf(detail, sizeof(detail), "429 %s on %s", ei.policy != NULL ? ei.policy : "DAILY", r->what);
        daily_message(c, detail, &e);
        sp_err_http(&e, 429, ei.policy != NULL ? ei.policy : "DAILY", ei.correlation_id);
        if (!c->stopped) {
            SP_ERROR(HS_COMP, "%s", e.msg);
            c->daily_probe = 1;
        }
        stop(c, &e);
        complete(c, r, 429, NULL, ei.correlation_id, &e);
        return;
    }
    secondly = (ei.policy != NULL && strcasecmp(ei.policy, "SECONDLY") == 0) ||
               (ei.policy == NULL && (r->flags & HS_SEARCH));
    p = secondly ? &c->search_pace : &c->pace;
    r->throttles++;
    c->stats.throttled++;
    snprintf(r->last_reason, sizeof(r->last_reason), "status 429 %s",
             ei.policy != NULL ? ei.policy : "rate limit");
    r->last_status = 429;
    snprintf(r->last_corr, sizeof(r->last_corr), "%s", ei.correlation_id != NULL ? ei.correlation_id : r->hdr_corr);
    left = c->backoff.budget_ms - (now - r->first_sent_ms);
    if (r->hdr_retry_after >= 0 && r->hdr_retry_after > left) {
        /* The server's wait ends past this request's budget: give up now, and do not pause
         * every other request for a wait nobody will take. */
        snprintf(r->last_reason, sizeof(r->last_reason), "status 429 %s with Retry-After %lld s",
                 ei.policy != NULL ? ei.policy : "rate limit", (long long)(r->hdr_retry_after / 1000));
        give_up(c, r, SP_HS_GIVE_UP_BUDGET);
        return;
    }
    pause = sp_hs_pacer_throttled(p, now, r->sent_ms, r->hdr_retry_after, hs_rand(c));
    if (pause > left) {
        give_up(c, r, SP_HS_GIVE_UP_BUDGET);
        return;
    }
    SP_WARN(HS_COMP, "%s rate limited (429 %s%s%s); pausing %s requests %lld ms, limit now %d per %lld ms",
            r->what, ei.policy != NULL ? ei.policy : "", r->last_corr[0] ? ", correlationId " : "",
            r->last_corr, secondly ? "search" : "all", (long long)pause, p->limit, (long long)p->window_ms);
    r->ready_ms = now;
    enqueue(c, r);
}

static void on_auth(sp_hs_client *c, hs_req *r, int status, json_t *json)
{
    hs_errinfo ei;
    sp_err e;

    hs_errinfo_parse(json, &ei);
    if (status == 401) {
        SP_ERR(&e, SP_EAUTH, "HubSpot refused the token (401%s%s) on %s: check HUBSPOT_TOKEN / token "
                             "file; the private app may have been deleted",
               ei.category != NULL ? " " : "", ei.category != NULL ? ei.category : "", r->what);
    } else {
        char scopes[512] = "";
        const json_t *ctx = json_object_get(json, "context");
        const json_t *list = json_object_get(ctx, "requiredGranularScopes");
        size_t i, used = 0;
        const json_t *v;

        if (!json_is_array(list))
            list = json_object_get(ctx, "missingScopes");
        json_array_foreach(list, i, v) {
            if (json_is_string(v) && used < sizeof(scopes))
                used += (size_t)snprintf(scopes + used, sizeof(scopes) - used, "%s%s", i ? ", " : "",
                                         json_string_value(v));
        }
        if (ei.category != NULL && strcmp(ei.category, "MISSING_SCOPES") == 0)
            SP_ERR(&e, SP_EAUTH, "the HubSpot token lacks scopes for %s (403 MISSING_SCOPES): grant %s "
                                 "to the private app / service key",
                   r->what, scopes[0] ? scopes : "the scopes HubSpot names in its message");
        else
            SP_ERR(&e, SP_EAUTH, "HubSpot refused %s (403%s%s): %s", r->what, ei.category ? " " : "",
                   ei.category ? ei.category : "", ei.message ? ei.message : "forbidden");
    }
    sp_err_http(&e, status, ei.category, ei.correlation_id != NULL ? ei.correlation_id : r->hdr_corr);
    SP_ERROR(HS_COMP, "%s", e.msg);
    stop(c, &e);
    complete(c, r, status, NULL, ei.correlation_id, &e);
}

static void finish(sp_hs_client *c, hs_req *r, CURLcode rc)
{
    long status = 0;
    int64_t now = sp_clock_now_ms();
    json_t *json = NULL;
    json_error_t jerr;
    hs_errinfo ei;
    sp_err e;
    sp_hs_pacer *p = (r->flags & HS_SEARCH) ? &c->search_pace : &c->pace;

    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        curl_off_t up = 0;
        int sent;

        curl_easy_getinfo(r->easy, CURLINFO_SIZE_UPLOAD_T, &up);
        give_easy(c, r->easy);
        r->easy = NULL;
        if (r->too_large) {
            SP_ERR(&e, SP_ETOOLARGE, "%s: the response body exceeds the bound of %zu bytes", r->what,
                   c->max_body);
            sp_err_http(&e, (int)status, NULL, r->hdr_corr[0] ? r->hdr_corr : NULL);
            fail(c, r, &e);
            return;
        }
        r->last_status = (int)status;
        snprintf(r->last_corr, sizeof(r->last_corr), "%s", r->hdr_corr);
        snprintf(r->last_reason, sizeof(r->last_reason), "%s", curl_easy_strerror(rc));
        if (!transport_retryable(rc)) {
            if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
                rc == CURLE_SSL_CONNECT_ERROR)
                SP_ERR(&e, SP_EHUBSPOT, "%s: TLS failed (%s): check the CA bundle setting and the base URL",
                       r->what, curl_easy_strerror(rc));
            else
                SP_ERR(&e, SP_EHUBSPOT, "%s: %s", r->what, curl_easy_strerror(rc));
            SP_ERROR(HS_COMP, "%s", e.msg);
            fail(c, r, &e);
            return;
        }
        /* Sent in full: the server may have acted on it. Connection refused
         * means it never arrived. */
        sent = rc != CURLE_COULDNT_CONNECT && (r->body_len == 0 || (size_t)up >= r->body_len);
        if (sent && !(r->flags & HS_IDEMPOTENT)) {
            outcome_unknown(c, r);
            return;
        }
        retry(c, r);
        return;
    }
    give_easy(c, r->easy);
    r->easy = NULL;
    if (!(r->flags & HS_SEARCH))
        sp_hs_pacer_headers(&c->pace, now, r->sent_ms, r->hdr_max, r->hdr_remaining, r->hdr_interval);
    if (r->resp.len > 0)
        json = r->slim && status >= 200 && status < 300
                   ? hs_json_load_slim(r->resp.data, r->resp.len, r->keep, &jerr)
                   : json_loadb(r->resp.data, r->resp.len, 0, &jerr);
    r->last_status = (int)status;
    if (status == 429) {
        on_429(c, r, json, now);
        json_decref(json);
        return;
    }
    sp_hs_pacer_ok(p);
    if (status == 401 || status == 403) {
        on_auth(c, r, (int)status, json);
        json_decref(json);
        return;
    }
    if (status >= 500) {
        hs_errinfo_parse(json, &ei);
        snprintf(r->last_corr, sizeof(r->last_corr), "%s",
                 ei.correlation_id != NULL ? ei.correlation_id : r->hdr_corr);
        snprintf(r->last_reason, sizeof(r->last_reason), "status %ld%s%s", status,
                 ei.category != NULL ? " " : "", ei.category != NULL ? ei.category : "");
        json_decref(json);
        /* A 503 means the request was not taken; other 5xx may come after a
         * write, so only idempotent requests are sent again. */
        if (status != 503 && !(r->flags & HS_IDEMPOTENT)) {
            outcome_unknown(c, r);
            return;
        }
        retry(c, r);
        return;
    }
    if (status >= 200 && status < 300 && r->resp.len > 0 && json == NULL) {
        char ex[EXCERPT + 1];
        hs_body_excerpt(r->resp.data, r->resp.len, ex, sizeof(ex));
        SP_ERR(&e, SP_EHUBSPOT, "%s: malformed JSON in the %ld reply (%s at byte %d); body starts: %s",
               r->what, status, jerr.text, jerr.position, ex);
        sp_err_http(&e, (int)status, NULL, r->hdr_corr[0] ? r->hdr_corr : NULL);
        SP_ERROR(HS_COMP, "%s", e.msg);
        fail(c, r, &e);
        return;
    }
    hs_errinfo_parse(json, &ei);
    complete(c, r, (int)status, json, ei.correlation_id, NULL);
    json_decref(json);
}

static void collect(sp_hs_client *c)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
        hs_req *r = NULL;
        CURLcode rc;

        if (m->msg != CURLMSG_DONE)
            continue;
        rc = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        curl_multi_remove_handle(c->multi, m->easy_handle);
        c->live[r->slot] = NULL;
        c->active--;
        finish(c, r, rc);
    }
}

/* Start what may start; returns ms until a queued request could start
 * (-1: nothing queued, or waiting only on completions). */
static int64_t start_ready(sp_hs_client *c)
{
    int64_t now = sp_clock_now_ms();
    int64_t wait = -1, w;
    int64_t pace_w = -2, search_w = -2; /* -2: not asked yet this pass */
    hs_req *prev = NULL, *r = c->head;
    sp_err e;

    while (r != NULL && c->active < c->max_in_flight) {
        hs_req *next = r->next;
        int search = (r->flags & HS_SEARCH) != 0;
        int64_t *pw = search ? &search_w : &pace_w;

        if (r->ready_ms > now) {
            w = r->ready_ms - now;
        } else {
            if (*pw == -2)
                *pw = sp_hs_pacer_wait(search ? &c->search_pace : &c->pace, now);
            w = *pw;
        }
        if (w > 0) {
            if (wait < 0 || w < wait)
                wait = w;
            prev = r;
            r = next;
            continue;
        }
        /* unlink and send */
        if (prev != NULL)
            prev->next = next;
        else
            c->head = next;
        if (c->tail == r)
            c->tail = prev;
        r->next = NULL;
        if (start(c, r, now, &e) != 0) {
            fail(c, r, &e);
        } else {
            sp_hs_pacer_sent(search ? &c->search_pace : &c->pace, now);
            *pw = -2;
        }
        r = next;
    }
    if (c->active >= c->max_in_flight && c->head != NULL)
        return -1;
    return wait;
}

static void pump(sp_hs_client *c)
{
    int64_t wait;
    int running = 0;

    wait = start_ready(c);
    if (c->active > 0) {
        int timeout;
        curl_multi_perform(c->multi, &running);
        collect(c);
        if (c->head != NULL) {
            /* the replies just handled queued requests: send them before waiting */
            wait = start_ready(c);
            curl_multi_perform(c->multi, &running);
        }
        timeout = (wait < 0 || wait > 1000) ? 1000 : (int)wait;
        if (c->active > 0 && running > 0) {
            curl_multi_poll(c->multi, NULL, 0, timeout, NULL);
            curl_multi_perform(c->multi, &running);
            collect(c);
        }
    } else if (wait > 0) {
        sp_clock_sleep_ms(wait);
    }
}

void hs_run_until(sp_hs_client *c, const int *flag)
{
    while (!*flag && (c->head != NULL || c->active > 0))
        pump(c);
}

static int usage_fn(const hs_reply *r, void *ud, sp_err *e)
{
    char *out = ud;
    const json_t *results = json_object_get(r->json, "results"), *v;
    size_t i;

    (void)e;
    json_array_foreach(results, i, v) {
        const json_t *at = json_object_get(v, "resetsAt");
        if (json_is_string(at)) {
            snprintf(out, 64, "%s", json_string_value(at));
            break;
        }
    }
    return 0;
}

/* After a daily-limit stop: ask once when the limit resets (best effort,
 * one attempt) and put it in the stop message. */
static void probe_daily_reset(sp_hs_client *c)
{
    char resets[64] = "";
    sp_err saved = c->stop_err, ignored;
    char *cut;

    c->daily_probe = 0;
    c->stopped = 0;
    hs_call_with(c, "GET", "/account-info/v3/api-usage/daily/private-apps", NULL, NULL,
                 HS_IDEMPOTENT | HS_NO_RETRY, usage_fn, resets, &ignored);
    c->stopped = 1;
    c->stop_err = saved;
    c->daily_probe = 0;
    if (resets[0] == '\0')
        return;
    cut = strstr(c->stop_err.msg, "; it resets at midnight");
    if (cut != NULL)
        snprintf(cut, sizeof(c->stop_err.msg) - (size_t)(cut - c->stop_err.msg),
                 "; it resets at %s: the run stopped cleanly, run it again after the reset", resets);
    SP_ERROR(HS_COMP, "%s", c->stop_err.msg);
}

int sp_hs_drain(sp_hs_client *c, size_t keep, sp_err *e)
{
    while (c->ops > keep && (c->head != NULL || c->active > 0))
        pump(c);
    if (c->stopped && c->daily_probe && c->active == 0)
        probe_daily_reset(c);
    if (c->ops > keep) {
        /* Operations left with no request: a bug in the operation code. */
        return SP_ERR(e, SP_EINTERNAL, "%zu HubSpot operation(s) have no request left to wait for", c->ops);
    }
    if (c->stopped) {
        *e = c->stop_err;
        return -1;
    }
    return 0;
}

int sp_hs_run(sp_hs_client *c, sp_err *e)
{
    if (sp_hs_drain(c, 0, e) != 0) {
        c->op_failed = 0;
        return -1;
    }
    if (c->op_failed) {
        c->op_failed = 0;
        *e = c->op_err;
        return -1;
    }
    return 0;
}

/* ---- synchronous requests ---------------------------------------------- */

typedef struct call_slot {
    int done;
    int status;
    json_t *json;
    sp_err err;
    int failed;
    hs_reply_fn fn;
    void *ud;
} call_slot;

static void call_done(sp_hs_client *c, const hs_reply *r, void *ud)
{
    call_slot *s = ud;

    s->done = 1;
    s->status = r->status;
    if (r->err != NULL) {
        s->failed = 1;
        s->err = *r->err;
    } else if (s->fn != NULL) {
        s->failed = s->fn(r, s->ud, &s->err) != 0;
    } else {
        s->json = json_incref(r->json);
    }
    hs_op_end(c, NULL);
}

int hs_call_with(sp_hs_client *c, const char *method, const char *path, const char *what, char *body,
                 unsigned flags, hs_reply_fn fn, void *ud, sp_err *e)
{
    call_slot s;

    memset(&s, 0, sizeof(s));
    s.fn = fn;
    s.ud = ud;
    if (hs_submit(c, method, path, what, body, flags, call_done, &s, e) != 0)
        return -1;
    hs_op_begin(c);
    hs_run_until(c, &s.done);
    if (!s.done)
        return SP_ERR(e, SP_EINTERNAL, "%s: the request queue ended without an answer", what ? what : path);
    if (s.failed) {
        *e = s.err;
        return -1;
    }
    return 0;
}

int hs_call(sp_hs_client *c, const char *method, const char *path, const char *what, char *body,
            unsigned flags, int *status, json_t **json, sp_err *e)
{
    call_slot s;

    memset(&s, 0, sizeof(s));
    *status = 0;
    *json = NULL;
    if (hs_submit(c, method, path, what, body, flags, call_done, &s, e) != 0)
        return -1;
    hs_op_begin(c);
    hs_run_until(c, &s.done);
    if (!s.done)
        return SP_ERR(e, SP_EINTERNAL, "%s: the request queue ended without an answer", what ? what : path);
    *status = s.status;
    if (s.failed) {
        *e = s.err;
        return -1;
    }
    *json = s.json;
    return 0;
}

int sp_hs_raw(sp_hs_client *c, const char *method, const char *path, const char *body,
              int idempotent, int *status, char **reply, sp_err *e)
{
    unsigned flags = idempotent ? HS_IDEMPOTENT : 0;
    json_t *json = NULL;
    int rc;

    if (reply != NULL)
        *reply = NULL;

    if (path == NULL || path[0] != '/')
        return SP_ERR(e, SP_EUSAGE, "HubSpot path \"%s\" must start with /", path ? path : "");
    if (strstr(path, "/search") != NULL && strcmp(method, "POST") == 0)
        flags |= HS_SEARCH;
    rc = hs_call(c, method, path, NULL, body ? sp_xstrdup(body) : NULL, flags, status, &json, e);
    if (rc == 0 && reply != NULL && json != NULL)
        *reply = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    return rc;
}

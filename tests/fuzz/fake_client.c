/*
 * fake_client.c -- the request queue of etl/hubspot/client.c without the
 * network, for fuzz_reply: requests are answered from a script of replies
 * the fuzzer writes, so every reply decoder above the queue (batch.c,
 * calls.c, reader.c, codec.c) sees what a server could send.
 *
 * It keeps the queue's contract (hs_internal.h): done is called once per
 * request, with err set for what the real client turns into a failure
 * (no reply, 401/403, 429, 5xx after retries, malformed JSON in a 2xx),
 * otherwise with the status and the parsed body. It also checks the
 * requests the decoders send back: every body must be valid JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_client.h"

struct hs_req {
    hs_req *next;
    char *path, *what, *body;
    hs_done_fn done;
    void *ud;
    int slim;
    char *keep;
};

static const char *script;        /* the replies left: "STATUS BODY\n" lines */
static size_t script_left;

void fake_client_init(sp_hs_client *c, int v3, int max_batch)
{
    memset(c, 0, sizeof(*c));
    c->v3 = v3;
    snprintf(c->objects_prefix, sizeof(c->objects_prefix), "%s", v3 ? "/crm/v3/objects" : "/crm/objects/2026-03");
    snprintf(c->assoc_prefix, sizeof(c->assoc_prefix), "%s", v3 ? "/crm/v4/associations" : "/crm/associations/2026-03");
    snprintf(c->props_prefix, sizeof(c->props_prefix), "%s", v3 ? "/crm/v3/properties" : "/crm/properties/2026-03");
    c->max_batch = max_batch;
    c->max_in_flight = 1;
    c->rng = 1;
}

void fake_client_script(const char *replies, size_t len)
{
    script = replies;
    script_left = len;
}

int hs_submit(sp_hs_client *c, const char *method, const char *path, const char *what, char *body,
              unsigned flags, hs_done_fn done, void *ud, sp_err *e)
{
    hs_req *r;

    (void)flags;
    if (c->stopped) {
        free(body);
        *e = c->stop_err;
        return -1;
    }
    if (body != NULL) {
        json_error_t jerr;
        json_t *j = json_loads(body, 0, &jerr);
        if (j == NULL)
            abort();   /* a request body that is not JSON: a bug in the encoder */
        json_decref(j);
    }
    r = sp_xcalloc(1, sizeof(*r));
    r->path = sp_xstrdup(path);
    r->what = what != NULL ? sp_xstrdup(what) : sp_xasprintf("%s %s", method, path);
    r->body = body;
    r->done = done;
    r->ud = ud;
    if (c->tail != NULL)
        c->tail->next = r;
    else
        c->head = r;
    c->tail = r;
    return 0;
}

int hs_submit_slim(sp_hs_client *c, const char *method, const char *path, const char *what, char *body,
                   unsigned flags, const char *keep, hs_done_fn done, void *ud, sp_err *e)
{
    if (hs_submit(c, method, path, what, body, flags, done, ud, e) != 0)
        return -1;
    c->tail->slim = 1;
    c->tail->keep = keep != NULL ? sp_xstrdup(keep) : NULL;
    return 0;
}

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

/* The next reply of the script: a line "STATUS BODY" (the body is raw
 * bytes, NULs included; a copy with a NUL after it). */
static int next_reply(int *status, char **body, size_t *len)
{
    const char *nl;
    size_t n, skip;

    if (script_left == 0)
        return -1;
    nl = memchr(script, '\n', script_left);
    n = nl != NULL ? (size_t)(nl - script) : script_left;
    *status = 0;
    for (size_t i = 0; i < 3 && i < n; i++) {
        unsigned d = (unsigned char)script[i];
        *status = *status * 10 + (int)(d >= '0' && d <= '9' ? d - '0' : d % 10);
    }
    skip = n > 4 ? 4 : n;
    *len = n - skip;
    *body = sp_xmalloc(*len + 1);
    memcpy(*body, script + skip, *len);
    (*body)[*len] = '\0';
    script += nl != NULL ? n + 1 : n;
    script_left -= nl != NULL ? n + 1 : n;
    return 0;
}

/* Answer one request as client.c's finish() would, or with the error the
 * real client ends in after its retries. */
static void answer(sp_hs_client *c, hs_req *r)
{
    hs_reply rep;
    hs_errinfo ei;
    json_error_t jerr;
    json_t *json = NULL;
    char *body = NULL;
    size_t len = 0;
    int status = 0;
    sp_err e;

    memset(&rep, 0, sizeof(rep));
    sp_err_clear(&e);
    if (next_reply(&status, &body, &len) != 0) {
        SP_ERR(&e, SP_EHUBSPOT, "%s: no reply (script ended)", r->what);
        rep.err = &e;
    } else {
        if (len > 0)
            json = r->slim && status >= 200 && status < 300 ? hs_json_load_slim(body, len, r->keep, &jerr)
                                                             : json_loadb(body, len, 0, &jerr);
        hs_errinfo_parse(json, &ei);
        rep.correlation_id = ei.correlation_id != NULL ? ei.correlation_id : "";
        if (status == 401 || status == 403 || status == 429 || status >= 500 || status < 100) {
            SP_ERR(&e, status == 401 || status == 403 ? SP_EAUTH : SP_EHUBSPOT, "%s: status %d", r->what, status);
            sp_err_http(&e, status, ei.category, ei.correlation_id);
            rep.err = &e;
        } else if (status >= 200 && status < 300 && len > 0 && json == NULL) {
            SP_ERR(&e, SP_EHUBSPOT, "%s: malformed JSON in the %d reply", r->what, status);
            rep.err = &e;
        }
    }
    rep.status = status;
    rep.json = rep.err == NULL ? json : NULL;
    rep.body = body != NULL ? body : "";
    rep.len = len;
    if (rep.correlation_id == NULL)
        rep.correlation_id = "";
    rep.what = r->what;
    r->done(c, &rep, r->ud);
    json_decref(json);
    free(body);
}

void hs_run_until(sp_hs_client *c, const int *flag)
{
    while (!*flag && c->head != NULL) {
        hs_req *r = c->head;
        c->head = r->next;
        if (c->head == NULL)
            c->tail = NULL;
        answer(c, r);
        free(r->path);
        free(r->what);
        free(r->body);
        free(r->keep);
        free(r);
    }
}

typedef struct call_slot {
    int done, failed;
    sp_err err;
    hs_reply_fn fn;
    void *ud;
} call_slot;

static void call_done(sp_hs_client *c, const hs_reply *r, void *ud)
{
    call_slot *s = ud;

    s->done = 1;
    if (r->err != NULL) {
        s->failed = 1;
        s->err = *r->err;
    } else {
        s->failed = s->fn(r, s->ud, &s->err) != 0;
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

/* Drop what is still queued (a decoder that stopped half way). */
void fake_client_drain(sp_hs_client *c)
{
    int never = 0;

    script_left = 0;
    hs_run_until(c, &never);
}

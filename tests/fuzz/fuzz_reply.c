/*
 * fuzz_reply.c -- the HubSpot reply decoders (etl/hubspot/batch.c, calls.c,
 * reader.c, codec.c), fed through the request queue by fake_client.c.
 *
 * Input, text: a first line "OP N FLAGS" naming the call, then one line
 * "STATUS BODY" per request the call sends, in order (a request past the
 * last line gets no reply). OP: create update upsert read archive assoc
 * (batches of N inputs, 1..24, sent in requests of 4), get list search
 * props account group property since. FLAGS (letters, any order): v = v3
 * paths, p = an id property (email on contacts, update/read), c = contacts
 * instead of companies, s = the read-since callback stops after one page,
 * i = the batch asks for ids only (SP_HS_IDS_ONLY: replies parsed by
 * etl/hubspot/slim.c).
 *
 * Every reply body is also parsed by hs_json_load_slim() and json_loadb():
 * the slim tree must be Jansson's less what slim.c leaves out (or Jansson's
 * whole, for what slim.c hands to Jansson), and NULL exactly when Jansson
 * refuses the body (abort otherwise).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_client.h"
#include "fuzz.h"

#define MAX_INPUTS 24

typedef struct header {
    char op[16];
    int n;
    int v3, id_prop, contacts, stop, ids_only;
} header;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_log();
    json_object_seed(1);   /* the same object order every run */
    return 0;
}

static void batch(sp_hs_client *c, const header *h, sp_hs_batch_kind kind)
{
    static const sp_hs_prop props[2] = {{"name", "Fuzz Inc"}, {"phone", NULL}};
    static const char *const read_props[2] = {"name", "email"};
    sp_hs_input in[MAX_INPUTS];
    char ids[MAX_INPUTS][32];
    sp_hs_batch b;
    sp_hs_batch_result r;
    sp_err e;

    memset(in, 0, sizeof(in));
    for (int i = 0; i < h->n; i++) {
        snprintf(ids[i], sizeof(ids[i]), h->id_prop ? "p%d@example.com" : "%d", h->id_prop ? i : 1000 + i);
        in[i].id = i == 5 ? "" : ids[i];   /* one input the client refuses itself */
        in[i].props = props;
        in[i].nprops = 2;
    }
    memset(&b, 0, sizeof(b));
    b.kind = kind;
    b.object = h->contacts ? SP_HS_CONTACTS : SP_HS_COMPANIES;
    b.id_property = kind == SP_HS_UPSERT || h->id_prop ? "email" : NULL;
    b.inputs = in;
    b.n = (size_t)h->n;
    b.properties = read_props;
    b.nproperties = 2;
    b.flags = h->ids_only ? SP_HS_IDS_ONLY : 0;
    (void)sp_hs_batch_run(c, &b, &r, &e);
    for (size_t i = 0; i < r.n; i++)
        if (r.items[i].state == SP_HS_ITEM_FAILED)
            sp_hs_item_err(&r.items[i], &e);
        else if (r.items[i].state == SP_HS_ITEM_OK)
            (void)sp_hs_record_get(&r.items[i].rec, "name");
    sp_hs_batch_result_free(&r);
}

static void assoc(sp_hs_client *c, const header *h)
{
    sp_hs_assoc_pair pairs[MAX_INPUTS];
    char from[MAX_INPUTS][16], to[MAX_INPUTS][16];
    sp_hs_batch_result r;
    sp_err e;

    for (int i = 0; i < h->n; i++) {
        snprintf(from[i], sizeof(from[i]), "%d", 100 + i);
        snprintf(to[i], sizeof(to[i]), "%d", 200 + i % 3);
        pairs[i].from_id = from[i];
        pairs[i].to_id = to[i];
    }
    (void)sp_hs_assoc_create(c, SP_HS_CONTACTS, SP_HS_COMPANIES, 279, pairs, (size_t)h->n, &r, &e);
    sp_hs_batch_result_free(&r);
}

static void use_page(sp_hs_page *p)
{
    for (size_t i = 0; i < p->n; i++)
        (void)sp_hs_record_get(&p->recs[i], "hs_object_id");
    sp_hs_page_free(p);
}

static int since_page(const sp_hs_record *recs, size_t n, const sp_hs_window *w, void *ud, sp_err *e)
{
    const header *h = ud;

    (void)w;
    for (size_t i = 0; i < n; i++)
        (void)sp_hs_record_get(&recs[i], "hs_lastmodifieddate");
    if (h->stop)
        return SP_ERR(e, SP_EDATA, "stopped by the callback");
    return 0;
}

static void since(sp_hs_client *c, header *h)
{
    static const char *const props[1] = {"name"};
    sp_hs_filter extra = {"type", "EQ", "PROSPECT", NULL, NULL, 0};
    sp_hs_since q;
    sp_hs_since_stats st;
    sp_err e;

    memset(&q, 0, sizeof(q));
    q.object = h->contacts ? SP_HS_CONTACTS : SP_HS_COMPANIES;
    q.date_property = h->contacts ? "lastmodifieddate" : "hs_lastmodifieddate";
    q.since_ms = 1767225600000LL;               /* 2026-01-01 */
    q.lookback_ms = 300000;
    q.until_ms = q.since_ms + 86400000LL * 30;
    q.properties = props;
    q.nproperties = 1;
    q.extra = h->id_prop ? &extra : NULL;
    q.nextra = h->id_prop ? 1 : 0;
    q.page_limit = h->n;
    q.cap = 4 + h->n;
    (void)sp_hs_read_since(c, &q, since_page, h, &st, &e);
}

static void single(sp_hs_client *c, header *h)
{
    static const char *const props[2] = {"name", "domain"};
    sp_hs_object o = h->contacts ? SP_HS_CONTACTS : SP_HS_COMPANIES;
    sp_hs_page p;
    sp_err e;

    if (strcmp(h->op, "get") == 0) {
        if (sp_hs_get(c, o, "12345", h->id_prop ? "email" : NULL, props, 2, &p, &e) == 0)
            use_page(&p);
    } else if (strcmp(h->op, "list") == 0) {
        if (sp_hs_list(c, o, props, 2, h->id_prop ? "abc" : NULL, h->n, &p, &e) == 0)
            use_page(&p);
    } else if (strcmp(h->op, "search") == 0) {
        sp_hs_filter f = {"name", "EQ", "Fuzz", NULL, NULL, 0};
        sp_hs_filter_group g = {&f, 1};
        sp_hs_search_req q;
        memset(&q, 0, sizeof(q));
        q.groups = &g;
        q.ngroups = 1;
        q.properties = props;
        q.nproperties = 2;
        q.limit = h->n;
        if (sp_hs_search(c, o, &q, &p, &e) == 0)
            use_page(&p);
    } else if (strcmp(h->op, "props") == 0) {
        sp_hs_properties ps;
        if (sp_hs_properties_read(c, o, &ps, &e) == 0) {
            (void)sp_hs_properties_find(&ps, "email");
            sp_hs_properties_free(&ps);
        }
    } else if (strcmp(h->op, "account") == 0) {
        sp_hs_account a;
        (void)sp_hs_account_details(c, &a, &e);
    } else if (strcmp(h->op, "group") == 0) {
        (void)sp_hs_property_group_create(c, o, "spetl", "spetl", &e);
    } else if (strcmp(h->op, "property") == 0) {
        sp_hs_property_def d = {"gp_customer_number", "GP customer number", "spetl", "from GP", NULL, NULL, 1};
        int created = 0;
        (void)sp_hs_property_create(c, o, &d, &created, &e);
    } else if (strcmp(h->op, "since") == 0) {
        since(c, h);
    }
}

/* "OP N FLAGS" from the first line. */
static size_t parse_header(const uint8_t *data, size_t size, header *h)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t n = nl != NULL ? (size_t)(nl - data) : size;
    char line[64], flags[16] = "";

    memset(h, 0, sizeof(*h));
    snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), (const char *)data);
    if (sscanf(line, "%15s %d %15s", h->op, &h->n, flags) < 1)
        h->op[0] = '\0';
    if (h->n < 1 || h->n > MAX_INPUTS)
        h->n = 3;
    h->v3 = strchr(flags, 'v') != NULL;
    h->id_prop = strchr(flags, 'p') != NULL;
    h->contacts = strchr(flags, 'c') != NULL;
    h->stop = strchr(flags, 's') != NULL;
    h->ids_only = strchr(flags, 'i') != NULL;
    return nl != NULL ? n + 1 : n;
}

/* Jansson's tree of a batch reply less what slim.c leaves out: in each
 * object of "results", the members but id, new, objectWriteTraceId,
 * fromObjectId, toObjectId, and properties (an object) with keep alone. */
static void slim_expected(json_t *root, const char *keep)
{
    static const char *const kept[] = {"id", "new", "objectWriteTraceId", "fromObjectId", "toObjectId", "properties"};
    json_t *results = json_object_get(root, "results"), *res;
    size_t i;

    if (!json_is_array(results))
        return;
    json_array_foreach(results, i, res) {
        const char *k;
        json_t *v, *props;
        void *tmp;
        if (!json_is_object(res))
            continue;
        json_object_foreach_safe(res, tmp, k, v) {
            size_t j = 0;
            while (j < sizeof(kept) / sizeof(kept[0]) && strcmp(k, kept[j]) != 0)
                j++;
            if (j == sizeof(kept) / sizeof(kept[0]) || (strcmp(k, "properties") == 0 && !json_is_object(v)))
                json_object_del(res, k);
        }
        props = json_object_get(res, "properties");
        json_object_foreach_safe(props, tmp, k, v)
            if (strcmp(k, keep) != 0)
                json_object_del(props, k);
    }
}

/* Each "STATUS BODY" line after the header: the slim parse against Jansson's. */
static void slim_check(const uint8_t *data, size_t size)
{
    while (size > 0) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t n = nl != NULL ? (size_t)(nl - data) : size;
        if (n > 4) {
            json_error_t e1, e2;
            json_t *full = json_loadb((const char *)data + 4, n - 4, 0, &e1);
            json_t *slim = hs_json_load_slim((const char *)data + 4, n - 4, "email", &e2);
            json_t *whole = json_deep_copy(full);
            if ((full == NULL) != (slim == NULL))
                abort();
            slim_expected(full, "email");
            if (full != NULL && !json_equal(full, slim) && !json_equal(whole, slim))
                abort();
            json_decref(whole);
            json_decref(full);
            json_decref(slim);
        }
        data += nl != NULL ? n + 1 : n;
        size -= nl != NULL ? n + 1 : n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kinds[5] = {"create", "update", "upsert", "read", "archive"};
    sp_hs_client c;
    header h;
    size_t skip = parse_header(data, size, &h);

    fake_client_init(&c, h.v3, 4);
    fake_client_script((const char *)data + skip, size - skip);
    for (int k = 0; k < 5; k++)
        if (strcmp(h.op, kinds[k]) == 0)
            batch(&c, &h, (sp_hs_batch_kind)k);
    if (strcmp(h.op, "assoc") == 0)
        assoc(&c, &h);
    single(&c, &h);
    fake_client_drain(&c);
    slim_check(data + skip, size - skip);
    return 0;
}

/* hs_util.c -- hash map, object names, JSON and error helpers, PRNG, clock (see hubsim.h). */
#include "hubsim.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spetl/clock.h"
#include "spetl/mem.h"

/* ---- object names ------------------------------------------------------ */

static const struct {
    const char *name, *type_id, *singular, *upper;
} OBJS[HS_NOBJ] = {
    {"companies", "0-2", "company", "COMPANY"},
    {"contacts", "0-1", "contact", "CONTACT"},
    {"deals", "0-3", "deal", "DEAL"},
    {"products", "0-7", "product", "PRODUCT"},
    {"line_items", "0-8", "line_item", "LINE_ITEM"},
};

int hs_obj_parse(const char *s)
{
    for (int i = 0; i < HS_NOBJ; i++) {
        if (hs_str_ieq(s, OBJS[i].name) || strcmp(s, OBJS[i].type_id) == 0 ||
            hs_str_ieq(s, OBJS[i].singular))
            return i;
    }
    return -1;
}

const char *hs_obj_name(hs_obj o) { return OBJS[o].name; }
const char *hs_obj_type_id(hs_obj o) { return OBJS[o].type_id; }
const char *hs_obj_singular(hs_obj o) { return OBJS[o].singular; }
const char *hs_obj_upper(hs_obj o) { return OBJS[o].upper; }

/* ---- hash map ---------------------------------------------------------- */

static char tomb_mark;
#define HS_MAP_TOMB (&tomb_mark)

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 31);   /* the slot is the low bits: fold the well-mixed high ones in */
}

void hs_map_init(hs_map *m)
{
    memset(m, 0, sizeof(*m));
}

void hs_map_free(hs_map *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] != NULL && m->keys[i] != HS_MAP_TOMB) {
            free(m->keys[i]);
            if (free_val != NULL)
                free_val(m->vals[i]);
        }
    }
    free(m->keys);
    free(m->vals);
    free(m->hashes);
    hs_map_init(m);
}

static size_t map_slot(const hs_map *m, const char *key, uint64_t h, int *found)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;
    size_t first_tomb = (size_t)-1;
    for (;;) {
        char *k = m->keys[i];
        if (k == NULL) {
            *found = 0;
            return first_tomb != (size_t)-1 ? first_tomb : i;
        }
        if (k == HS_MAP_TOMB) {
            if (first_tomb == (size_t)-1)
                first_tomb = i;
        } else if (m->hashes[i] == h && strcmp(k, key) == 0) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static void map_grow(hs_map *m)
{
    hs_map old = *m;
    size_t cap = old.cap ? old.cap * 2 : 16;
    if (old.len * 4 < old.cap)   /* mostly tombstones: rehash at the same size */
        cap = old.cap;
    m->cap = cap;
    m->keys = sp_xcalloc(cap, sizeof(char *));
    m->vals = sp_xmalloc(cap * sizeof(void *));
    m->hashes = sp_xmalloc(cap * sizeof(uint64_t));
    m->len = m->used = 0;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.keys[i] != NULL && old.keys[i] != HS_MAP_TOMB) {
            size_t j = (size_t)old.hashes[i] & (cap - 1);
            while (m->keys[j] != NULL)   /* fresh table: no tombstones, keys are distinct */
                j = (j + 1) & (cap - 1);
            m->keys[j] = old.keys[i];
            m->vals[j] = old.vals[i];
            m->hashes[j] = old.hashes[i];
            m->len++;
            m->used++;
        }
    }
    free(old.keys);
    free(old.vals);
    free(old.hashes);
}

void *hs_map_get(const hs_map *m, const char *key)
{
    int found;
    size_t i;
    if (m->cap == 0)
        return NULL;
    i = map_slot(m, key, hash_str(key), &found);
    return found ? m->vals[i] : NULL;
}

void hs_map_put(hs_map *m, const char *key, void *val)
{
    int found;
    size_t i;
    uint64_t h = hash_str(key);
    if ((m->used + 1) * 2 > m->cap)   /* at most half full: short probe runs */
        map_grow(m);
    i = map_slot(m, key, h, &found);
    if (found) {
        m->vals[i] = val;
        return;
    }
    if (m->keys[i] == NULL)
        m->used++;
    m->keys[i] = sp_xstrdup(key);
    m->vals[i] = val;
    m->hashes[i] = h;
    m->len++;
}

int hs_map_del(hs_map *m, const char *key)
{
    int found;
    size_t i;
    if (m->cap == 0)
        return 0;
    i = map_slot(m, key, hash_str(key), &found);
    if (!found)
        return 0;
    free(m->keys[i]);
    m->keys[i] = HS_MAP_TOMB;
    m->vals[i] = NULL;
    m->len--;
    return 1;
}

int hs_map_next(const hs_map *m, size_t *i, const char **key, void **val)
{
    while (*i < m->cap) {
        size_t j = (*i)++;
        if (m->keys[j] != NULL && m->keys[j] != HS_MAP_TOMB) {
            *key = m->keys[j];
            *val = m->vals[j];
            return 1;
        }
    }
    return 0;
}

/* ---- strings and numbers ---------------------------------------------- */

int hs_str_ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

char *hs_lower(const char *s)
{
    char *out = sp_xstrdup(s);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

int hs_parse_number(const char *s, double *out)
{
    char *end;
    double v;
    if (*s == '\0' || isspace((unsigned char)*s))
        return 0;
    /* strtod accepts hex, inf and nan: HubSpot does not. */
    for (const char *p = s; *p; p++) {
        if (!(isdigit((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.' || *p == 'e' ||
              *p == 'E'))
            return 0;
    }
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

char *hs_json_text(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return sp_xstrndup(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return sp_xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL: {
        char buf[64];
        snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
        return sp_xstrdup(buf);
    }
    case JSON_TRUE:
        return sp_xstrdup("true");
    case JSON_FALSE:
        return sp_xstrdup("false");
    case JSON_NULL:
        return sp_xstrdup("");
    default:
        return NULL;
    }
}

/* ---- clock and randomness --------------------------------------------- */

int64_t hs_now_mono(hs_sim *sim)
{
    int64_t off = __atomic_load_n(&sim->clock_offset_ms, __ATOMIC_RELAXED);
    return sp_clock_now_ms() + off;
}

int64_t hs_now_wall(hs_sim *sim)
{
    int64_t off = __atomic_load_n(&sim->clock_offset_ms, __ATOMIC_RELAXED);
    return sp_clock_wall_ms() + off;
}

const char *hs_iso(int64_t ms, char buf[32])
{
    /* A batch reply prints the same instant for every record: format it once per thread. */
    static __thread int64_t last_ms;
    static __thread char last[32];
    if (last[0] == '\0' || ms != last_ms) {
        sp_time_iso8601(ms, last, sizeof(last));
        last_ms = ms;
    }
    memcpy(buf, last, sizeof(last));
    return buf;
}

uint64_t hs_rand(hs_sim *sim)
{
    uint64_t x;
    pthread_mutex_lock(&sim->rng_mu);
    x = sim->prng;   /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    sim->prng = x;
    pthread_mutex_unlock(&sim->rng_mu);
    return x * 2685821657736338717ULL;
}

double hs_rand_pct(hs_sim *sim)
{
    return (double)(hs_rand(sim) >> 11) / (double)(1ULL << 53) * 100.0;
}

void hs_uuid(hs_sim *sim, char out[37])
{
    uint64_t a = hs_rand(sim), b = hs_rand(sim);
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xfff),
             (unsigned)(0x8000 | ((b >> 48) & 0x3fff)), (unsigned long long)(b & 0xffffffffffffULL));
}

/* ---- error and batch bodies ------------------------------------------- */

json_t *hs_error_json(hs_sim *sim, const char *category, const char *message, json_t *errors,
                      json_t *context)
{
    char uuid[37];
    json_t *o = json_object();
    hs_uuid(sim, uuid);
    json_object_set_new(o, "status", json_string("error"));
    json_object_set_new(o, "message", json_string(message));
    json_object_set_new(o, "correlationId", json_string(uuid));
    if (errors != NULL)
        json_object_set_new(o, "errors", errors);
    if (context != NULL)
        json_object_set_new(o, "context", context);
    json_object_set_new(o, "category", json_string(category));
    return o;
}

void hs_resp_json(hs_resp *r, int status, json_t *json)
{
    json_decref(r->json);
    r->status = status;
    r->json = json;
}

void hs_resp_error(hs_resp *r, hs_sim *sim, int status, const char *category, const char *message)
{
    hs_resp_json(r, status, hs_error_json(sim, category, message, NULL, NULL));
}

json_t *hs_batch_json(hs_sim *sim, json_t *results, json_t *errors, int64_t started_ms)
{
    char a[32], b[32];
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("COMPLETE"));
    json_object_set_new(o, "results", results);
    if (errors != NULL && json_array_size(errors) > 0) {
        json_object_set_new(o, "numErrors", json_integer((json_int_t)json_array_size(errors)));
        json_object_set_new(o, "errors", errors);
    } else {
        json_decref(errors);
    }
    json_object_set_new(o, "startedAt", json_string(hs_iso(started_ms, a)));
    json_object_set_new(o, "completedAt", json_string(hs_iso(hs_now_wall(sim), b)));
    return o;
}

json_t *hs_standard_error(const char *category, const char *message, json_t *context,
                          json_t *errors)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("error"));
    json_object_set_new(o, "category", json_string(category));
    json_object_set_new(o, "message", json_string(message));
    json_object_set_new(o, "context", context != NULL ? context : json_object());
    json_object_set_new(o, "errors", errors != NULL ? errors : json_array());
    json_object_set_new(o, "links", json_object());
    return o;
}

/* ---- request bodies ------------------------------------------------------------ */

#define FAST_MAX_DEPTH 32

typedef struct fastp {
    const char *p, *end;
    char *buf;              /* unescaped string text */
    size_t cap;
} fastp;

static void fast_ws(fastp *f)
{
    while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
        f->p++;
}

/* A string at f->p (just after the opening quote): printable ASCII and the simple escapes only.
 * 0 with *out and *n (into the input or f->buf), -1 = leave the document to Jansson. */
static int fast_str(fastp *f, const char **out, size_t *n)
{
    const char *start = f->p;
    size_t len = 0;
    int escaped = 0;
    while (f->p < f->end && *f->p != '"') {
        unsigned char ch = (unsigned char)*f->p;
        if (ch < 0x20 || ch >= 0x80)
            return -1;
        if (ch == '\\') {
            escaped = 1;
            f->p++;
            if (f->p >= f->end || strchr("\"\\/bfnrt", *f->p) == NULL || *f->p == '\0')
                return -1;
        }
        f->p++;
        len++;
    }
    if (f->p >= f->end)
        return -1;
    if (!escaped) {
        *out = start;
        *n = len;
    } else {
        size_t k = 0;
        if (len + 1 > f->cap) {
            f->cap = len + 64;
            f->buf = sp_xrealloc(f->buf, f->cap);
        }
        for (const char *q = start; q < f->p; q++) {
            char ch = *q;
            if (ch == '\\') {
                q++;
                switch (*q) {
                case 'b': ch = '\b'; break;
                case 'f': ch = '\f'; break;
                case 'n': ch = '\n'; break;
                case 'r': ch = '\r'; break;
                case 't': ch = '\t'; break;
                default: ch = *q; break;   /* " \ / */
                }
            }
            f->buf[k++] = ch;
        }
        *out = f->buf;
        *n = k;
    }
    f->p++;   /* the closing quote */
    return 0;
}

static json_t *fast_value(fastp *f, int depth);

static json_t *fast_object(fastp *f, int depth)
{
    json_t *o = json_object();
    f->p++;   /* { */
    fast_ws(f);
    if (f->p < f->end && *f->p == '}') {
        f->p++;
        return o;
    }
    for (;;) {
        const char *key;
        size_t klen;
        char kbuf[128], *kheap = NULL;
        json_t *v;
        int rc;
        if (f->p >= f->end || *f->p != '"')
            goto fail;
        f->p++;
        if (fast_str(f, &key, &klen) != 0)
            goto fail;
        if (key == f->buf) {   /* the value may reuse f->buf: keep the key */
            if (klen < sizeof(kbuf)) {
                memcpy(kbuf, key, klen);
                key = kbuf;
            } else {
                kheap = sp_xstrndup(key, klen);
                key = kheap;
            }
        }
        fast_ws(f);
        if (f->p >= f->end || *f->p != ':') {
            free(kheap);
            goto fail;
        }
        f->p++;
        fast_ws(f);
        v = fast_value(f, depth + 1);
        rc = v == NULL ? -1 : json_object_setn_new_nocheck(o, key, klen, v);   /* as Jansson: a repeated key replaces */
        free(kheap);
        if (rc != 0)
            goto fail;
        fast_ws(f);
        if (f->p < f->end && *f->p == ',') {
            f->p++;
            fast_ws(f);
            continue;
        }
        if (f->p < f->end && *f->p == '}') {
            f->p++;
            return o;
        }
        goto fail;
    }
fail:
    json_decref(o);
    return NULL;
}

static json_t *fast_array(fastp *f, int depth)
{
    json_t *a = json_array();
    f->p++;   /* [ */
    fast_ws(f);
    if (f->p < f->end && *f->p == ']') {
        f->p++;
        return a;
    }
    for (;;) {
        json_t *v = fast_value(f, depth + 1);
        if (v == NULL || json_array_append_new(a, v) != 0)
            goto fail;
        fast_ws(f);
        if (f->p < f->end && *f->p == ',') {
            f->p++;
            fast_ws(f);
            continue;
        }
        if (f->p < f->end && *f->p == ']') {
            f->p++;
            return a;
        }
        goto fail;
    }
fail:
    json_decref(a);
    return NULL;
}

static int fast_word(fastp *f, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(f->end - f->p) < n || memcmp(f->p, w, n) != 0)
        return 0;
    if (f->p + n < f->end && isalpha((unsigned char)f->p[n]))
        return 0;   /* "truex": Jansson's invalid token */
    f->p += n;
    return 1;
}

static json_t *fast_value(fastp *f, int depth)
{
    if (depth > FAST_MAX_DEPTH || f->p >= f->end)
        return NULL;
    switch (*f->p) {
    case '{':
        return fast_object(f, depth);
    case '[':
        return fast_array(f, depth);
    case '"': {
        const char *s;
        size_t n;
        f->p++;
        return fast_str(f, &s, &n) == 0 ? json_stringn_nocheck(s, n) : NULL;
    }
    case 't':
        return fast_word(f, "true") ? json_true() : NULL;
    case 'f':
        return fast_word(f, "false") ? json_false() : NULL;
    case 'n':
        return fast_word(f, "null") ? json_null() : NULL;
    default: {
        /* integers of up to 18 digits; reals, leading zeros and the rest go to Jansson */
        int neg = 0, digits = 0;
        long long v = 0;
        if (*f->p == '-') {
            neg = 1;
            f->p++;
        }
        if (f->p >= f->end || !isdigit((unsigned char)*f->p))
            return NULL;
        if (*f->p == '0' && f->p + 1 < f->end && isdigit((unsigned char)f->p[1]))
            return NULL;
        while (f->p < f->end && isdigit((unsigned char)*f->p)) {
            if (++digits > 18)
                return NULL;
            v = v * 10 + (*f->p - '0');
            f->p++;
        }
        if (f->p < f->end && (*f->p == '.' || *f->p == 'e' || *f->p == 'E'))
            return NULL;
        return json_integer(neg ? -v : v);
    }
    }
}

json_t *hs_json_parse(const char *data, size_t len, json_error_t *je)
{
    fastp f = {data, data + len, NULL, 0};
    json_t *j = NULL;
    fast_ws(&f);
    if (f.p < f.end && (*f.p == '{' || *f.p == '[')) {
        j = fast_value(&f, 1);
        fast_ws(&f);
        if (j != NULL && f.p != f.end) {   /* trailing text: Jansson's "end of file expected" */
            json_decref(j);
            j = NULL;
        }
    }
    free(f.buf);
    if (j == NULL)
        j = json_loadb(data, len, 0, je);
    return j;
}

/* ---- heap -------------------------------------------------------------------- */

static uintptr_t heap_advised;   /* heap end up to which MADV_HUGEPAGE was asked; 0 = not yet */
static pthread_mutex_t heap_mu = PTHREAD_MUTEX_INITIALIZER;

void hs_heap_hugepages(void)
{
    uintptr_t end = (uintptr_t)sbrk(0), page = 4096;
    if (end == (uintptr_t)-1 || end <= __atomic_load_n(&heap_advised, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&heap_mu);
    if (heap_advised == 0) {
        heap_advised = end;   /* the first call (at start-up) only marks where the heap ends */
    } else if (end > heap_advised) {
        uintptr_t from = heap_advised & ~(page - 1);
        /* best effort: a kernel without THP (or THP off) refuses, and the heap stays as it is */
        (void)madvise((void *)from, ((end + page - 1) & ~(page - 1)) - from, MADV_HUGEPAGE);
        __atomic_store_n(&heap_advised, end, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&heap_mu);
}

/* ---- direct JSON text ---------------------------------------------------------- */

void hs_out_init(hs_out *o, size_t cap)
{
    o->cap = cap > 16 ? cap : 16;
    o->data = sp_xmalloc(o->cap);
    o->len = 0;
    o->data[0] = '\0';
}

void hs_out_raw(hs_out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        while (o->len + n + 1 > o->cap)
            o->cap *= 2;
        o->data = sp_xrealloc(o->data, o->cap);
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
}

void hs_out_puts(hs_out *o, const char *s)
{
    hs_out_raw(o, s, strlen(s));
}

void hs_out_str(hs_out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    hs_out_raw(o, "\"", 1);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        char esc[7];
        size_t n = 0;
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            n = 2;
        } else if (ch < 0x20) {
            esc[0] = '\\';
            switch (ch) {
            case '\n': esc[1] = 'n'; n = 2; break;
            case '\r': esc[1] = 'r'; n = 2; break;
            case '\t': esc[1] = 't'; n = 2; break;
            case '\b': esc[1] = 'b'; n = 2; break;
            case '\f': esc[1] = 'f'; n = 2; break;
            default:
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[ch >> 4];
                esc[5] = hex[ch & 15];
                n = 6;
                break;
            }
        } else {
            continue;
        }
        hs_out_raw(o, run, (size_t)(s - run));
        hs_out_raw(o, esc, n);
        run = s + 1;
    }
    hs_out_raw(o, run, (size_t)(s - run));
    hs_out_raw(o, "\"", 1);
}

static int out_cb(const char *buffer, size_t size, void *data)
{
    hs_out_raw(data, buffer, size);
    return 0;
}

void hs_out_json(hs_out *o, const json_t *j)
{
    json_dump_callback(j, out_cb, o, JSON_COMPACT | JSON_ENCODE_ANY);
}

char *hs_out_take(hs_out *o)
{
    char *d = o->data;
    o->data = NULL;
    o->len = o->cap = 0;
    return d;
}

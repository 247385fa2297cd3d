/*
 * slim.c -- a batch write's reply parsed for what its outcomes need.
 *
 * A reply to a batch create, update or upsert of 100 records echoes every
 * record whole (all its properties, created and updated times): parsed by
 * Jansson into a tree, then copied into the result, it cost more CPU than
 * anything else the export does with HubSpot. hs_json_load_slim() builds the
 * same tree as json_loadb() except inside the top-level "results" array:
 * each result object keeps only the members that match results to inputs
 * and tell the outcome (id, new, objectWriteTraceId, fromObjectId,
 * toObjectId, and of "properties" the one named keep). Everything it skips
 * is still checked as JSON (strings as UTF-8 with their escapes, numbers by
 * Jansson itself), and whatever it does not accept -- malformed or merely
 * unusual (a key with an escape, nesting deeper than SLIM_DEPTH) -- is
 * parsed by json_loadb() instead, so a reply Jansson refuses is refused
 * here too with Jansson's own error, and a reply it accepts gives the same
 * tree less the members left out.
 */
#include <string.h>

#include "hs_internal.h"

#define SLIM_DEPTH 64

typedef struct scan {
    const char *p, *end;
} scan;

static void ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* One UTF-8 sequence at p (n bytes left): its length, 0 when invalid
 * (overlong, a surrogate, above U+10FFFF, truncated), as Jansson judges. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0], v;
    size_t len;

    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < len)
        return 0;
    v = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return len;
}

/* A string at s->p (the opening quote): past its closing quote; *esc when
 * it holds an escape. -1 when it is not one Jansson takes without a doubt
 * (escapes are left to Jansson: the caller checks them). */
static int skip_string(scan *s, int *esc)
{
    const unsigned char *p = (const unsigned char *)s->p + 1, *end = (const unsigned char *)s->end;

    *esc = 0;
    while (p < end && *p != '"') {
        size_t n;
        if ((unsigned char)(*p - 0x20) < 0x60 && *p != '\\') {   /* plain ASCII: the common case */
            const unsigned char *q = memchr(p, '"', (size_t)(end - p));
            const unsigned char *stop = q != NULL ? q : end;
            while (p < stop && (unsigned char)(*p - 0x20) < 0x60 && *p != '\\')
                p++;
            continue;
        }
        if (*p == '\\') {
            *esc = 1;
            if (p + 1 >= end)
                return -1;
            p += 2;
            continue;
        }
        if (*p < 0x20 || (n = utf8_len(p, (size_t)(end - p))) == 0)
            return -1;
        p += n;
    }
    if (p >= end)
        return -1;
    s->p = (const char *)p + 1;
    return 0;
}

/* A scalar's span [from, s->p) checked (and built when out != NULL) by
 * Jansson itself. */
static int jansson_span(const char *from, const scan *s, json_t **out)
{
    json_error_t err;
    json_t *v = json_loadb(from, (size_t)(s->p - from), JSON_DECODE_ANY, &err);

    if (v == NULL)
        return -1;
    if (out != NULL)
        *out = v;
    else
        json_decref(v);
    return 0;
}

static int skip_value(scan *s, int depth);

/* The members or elements of a container at s->p ('{' or '['). */
static int skip_container(scan *s, int depth)
{
    char close = *s->p == '{' ? '}' : ']';
    int obj = close == '}', esc;

    if (depth >= SLIM_DEPTH)
        return -1;
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    for (;;) {
        if (obj) {
            const char *k = s->p;
            if (s->p >= s->end || *s->p != '"' || skip_string(s, &esc) != 0 || (esc && jansson_span(k, s, NULL)))
                return -1;
            ws(s);
            if (s->p >= s->end || *s->p++ != ':')
                return -1;
        }
        if (skip_value(s, depth + 1) != 0)
            return -1;
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            ws(s);
            continue;
        }
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return 0;
        }
        return -1;
    }
}

/* Any value at s->p (after whitespace), checked; *out built when out != NULL. */
static int value(scan *s, int depth, json_t **out)
{
    const char *from;
    int esc;

    ws(s);
    from = s->p;
    if (s->p >= s->end)
        return -1;
    switch (*s->p) {
    case '{':
    case '[':
        if (skip_container(s, depth) != 0)
            return -1;
        return out != NULL ? jansson_span(from, s, out) : 0;
    case '"':
        if (skip_string(s, &esc) != 0)
            return -1;
        if (esc)
            return jansson_span(from, s, out);
        if (out != NULL)
            *out = json_stringn_nocheck(from + 1, (size_t)(s->p - from - 2));
        return 0;
    case 't':
    case 'f':
    case 'n': {
        static const char *const lit[3] = {"true", "false", "null"};
        const char *l = lit[*s->p == 't' ? 0 : *s->p == 'f' ? 1 : 2];
        size_t n = strlen(l);
        if ((size_t)(s->end - s->p) < n || memcmp(s->p, l, n) != 0)
            return -1;
        s->p += n;
        if (out != NULL)
            *out = *l == 't' ? json_true() : *l == 'f' ? json_false() : json_null();
        return 0;
    }
    default:
        /* a number: its characters, judged by Jansson */
        while (s->p < s->end && strchr("+-.0123456789eE", *s->p) != NULL && *s->p != '\0')
            s->p++;
        return s->p > from ? jansson_span(from, s, out) : -1;
    }
}

static int skip_value(scan *s, int depth)
{
    return value(s, depth, NULL);
}

/* The key at s->p into key (its bytes, no escapes), then past the ':'. */
static int member_key(scan *s, const char **key, size_t *klen)
{
    const char *k;
    int esc;

    ws(s);
    k = s->p;
    if (s->p >= s->end || *s->p != '"' || skip_string(s, &esc) != 0 || esc)
        return -1;   /* an escaped key: rare, left to Jansson */
    *key = k + 1;
    *klen = (size_t)(s->p - k - 2);
    ws(s);
    if (s->p >= s->end || *s->p != ':')
        return -1;
    s->p++;
    return 0;
}

static int key_is(const char *key, size_t klen, const char *name)
{
    return strlen(name) == klen && memcmp(key, name, klen) == 0;
}

typedef int (*member_fn)(scan *s, const char *key, size_t klen, json_t *obj, const char *keep, int depth);

/* An object at s->p, each member handed to fn, into a new object *out. */
static int object(scan *s, int depth, member_fn fn, const char *keep, json_t **out)
{
    json_t *obj;

    ws(s);
    if (depth >= SLIM_DEPTH || s->p >= s->end || *s->p != '{')
        return -1;
    obj = json_object();
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        *out = obj;
        return 0;
    }
    for (;;) {
        const char *key;
        size_t klen;
        if (member_key(s, &key, &klen) != 0 || fn(s, key, klen, obj, keep, depth + 1) != 0)
            break;
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            *out = obj;
            return 0;
        }
        break;
    }
    json_decref(obj);
    return -1;
}

/* Set obj[key] = the value at s->p, built whole. */
static int keep_member(scan *s, const char *key, size_t klen, json_t *obj, int depth)
{
    json_t *v = NULL;

    if (value(s, depth, &v) != 0 || v == NULL)
        return -1;
    if (json_object_setn_new_nocheck(obj, key, klen, v) != 0)
        return -1;
    return 0;
}

static int prop_member(scan *s, const char *key, size_t klen, json_t *obj, const char *keep, int depth)
{
    if (keep != NULL && key_is(key, klen, keep))
        return keep_member(s, key, klen, obj, depth);
    return skip_value(s, depth);
}

static int result_member(scan *s, const char *key, size_t klen, json_t *obj, const char *keep, int depth)
{
    static const char *const kept[] = {"id", "new", "objectWriteTraceId", "fromObjectId", "toObjectId"};

    ws(s);
    if (key_is(key, klen, "properties") && s->p < s->end && *s->p == '{') {
        json_t *props = NULL;
        if (object(s, depth, prop_member, keep, &props) != 0)
            return -1;
        return json_object_setn_new_nocheck(obj, key, klen, props);
    }
    if (key_is(key, klen, "properties"))
        json_object_del(obj, "properties");   /* the last one counts, as in Jansson's tree */
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        if (key_is(key, klen, kept[i]))
            return keep_member(s, key, klen, obj, depth);
    return skip_value(s, depth);
}

/* The results array: each object slimmed, anything else built whole. */
static int results(scan *s, int depth, const char *keep, json_t **out)
{
    json_t *arr = json_array();

    s->p++;   /* '[' */
    ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        *out = arr;
        return 0;
    }
    for (;;) {
        json_t *v = NULL;
        ws(s);
        if ((s->p < s->end && *s->p == '{' ? object(s, depth, result_member, keep, &v) : value(s, depth, &v)) != 0 ||
            json_array_append_new(arr, v) != 0)
            break;
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            *out = arr;
            return 0;
        }
        break;
    }
    json_decref(arr);
    return -1;
}

static int top_member(scan *s, const char *key, size_t klen, json_t *obj, const char *keep, int depth)
{
    ws(s);
    if (key_is(key, klen, "results") && s->p < s->end && *s->p == '[') {
        json_t *arr = NULL;
        if (results(s, depth, keep, &arr) != 0)
            return -1;
        return json_object_setn_new_nocheck(obj, key, klen, arr);
    }
    return keep_member(s, key, klen, obj, depth);
}

json_t *hs_json_load_slim(const char *buf, size_t len, const char *keep, json_error_t *err)
{
    scan s = {buf, buf + len};
    json_t *root = NULL;

    if (object(&s, 0, top_member, keep, &root) == 0) {
        ws(&s);
        if (s.p == s.end)
            return root;
        json_decref(root);
    }
    return json_loadb(buf, len, 0, err);   /* whatever was not plain: Jansson decides */
}

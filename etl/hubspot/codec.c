/* codec.c -- JSON in and out for the HubSpot client (Jansson), URL escaping. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_internal.h"
#include "spetl/utf8.h"

int hs_json_str(sp_buf *b, const char *s, sp_err *e)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *run = p;
    char esc[8];

    if (sp_buf_append(b, "\"", 1, e) != 0)
        return -1;
    while (*p != '\0') {
        size_t n;
        if (*p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) {
            p++;
            continue;
        }
        if (*p >= 0x80) {
            n = sp_utf8_seq((const char *)p, 4);   /* NUL-terminated: 4 is safe */
            if (n == 0)
                return SP_ERR(e, SP_EDATA, "text is not valid UTF-8 at byte %zu (0x%02X): convert it from "
                                           "the database's code page",
                              (size_t)(p - (const unsigned char *)s) + 1, *p);
            p += n;
            continue;
        }
        if (sp_buf_append(b, run, (size_t)(p - run), e) != 0)
            return -1;
        switch (*p) {
        case '"': snprintf(esc, sizeof(esc), "\\\""); break;
        case '\\': snprintf(esc, sizeof(esc), "\\\\"); break;
        case '\n': snprintf(esc, sizeof(esc), "\\n"); break;
        case '\r': snprintf(esc, sizeof(esc), "\\r"); break;
        case '\t': snprintf(esc, sizeof(esc), "\\t"); break;
        default: snprintf(esc, sizeof(esc), "\\u%04x", *p); break;
        }
        if (sp_buf_puts(b, esc, e) != 0)
            return -1;
        p++;
        run = p;
    }
    if (sp_buf_append(b, run, (size_t)(p - run), e) != 0)
        return -1;
    return sp_buf_append(b, "\"", 1, e);
}

int hs_url_escape(sp_buf *b, const char *s, sp_err *e)
{
    static const char hex[] = "0123456789ABCDEF";
    char enc[3];

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            if (sp_buf_append(b, p, 1, e) != 0)
                return -1;
            continue;
        }
        enc[0] = '%';
        enc[1] = hex[*p >> 4];
        enc[2] = hex[*p & 15];
        if (sp_buf_append(b, enc, 3, e) != 0)
            return -1;
    }
    return 0;
}

const char *hs_json_text(sp_arena *a, const json_t *v)
{
    char tmp[64];

    if (v == NULL)
        return NULL;
    switch (json_typeof(v)) {
    case JSON_STRING:
        return sp_arena_strndup(a, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return sp_arena_strdup(a, tmp);
    case JSON_REAL:
        snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
        return sp_arena_strdup(a, tmp);
    case JSON_TRUE:
        return sp_arena_strdup(a, "true");
    case JSON_FALSE:
        return sp_arena_strdup(a, "false");
    default:
        return NULL;
    }
}

const char *hs_json_id(const json_t *v, char *out, size_t n)
{
    int len = -1;

    if (json_is_string(v)) {
        len = snprintf(out, n, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        len = snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(long long)d)
            len = snprintf(out, n, "%lld", (long long)d);
    }
    return len >= 0 && (size_t)len < n ? out : NULL;
}

int hs_record_from_json(const json_t *v, sp_arena *a, sp_hs_record *out)
{
    const json_t *props, *pv;
    const char *k;
    size_t i = 0;
    const char *id;
    char idbuf[128];

    memset(out, 0, sizeof(*out));
    if (!json_is_object(v))
        return -1;
    id = hs_json_id(json_object_get(v, "id"), idbuf, sizeof(idbuf));
    out->id = id != NULL ? sp_arena_strdup(a, id) : "";
    out->created_at = hs_json_text(a, json_object_get(v, "createdAt"));
    out->updated_at = hs_json_text(a, json_object_get(v, "updatedAt"));
    out->archived = json_is_true(json_object_get(v, "archived"));
    props = json_object_get(v, "properties");
    if (json_is_object(props) && json_object_size(props) > 0) {
        out->props = sp_arena_alloc(a, json_object_size(props) * sizeof(*out->props));
        json_object_foreach((json_t *)props, k, pv) {
            out->props[i].name = sp_arena_strdup(a, k);
            out->props[i].value = hs_json_text(a, pv);
            i++;
        }
        out->nprops = i;
    }
    return 0;
}

const char *sp_hs_record_get(const sp_hs_record *r, const char *name)
{
    for (size_t i = 0; i < r->nprops; i++)
        if (strcmp(r->props[i].name, name) == 0)
            return r->props[i].value;
    return NULL;
}

static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

void hs_errinfo_parse(const json_t *j, hs_errinfo *out)
{
    const json_t *errs, *st;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(j))
        return;
    out->message = str_of(j, "message");
    out->category = str_of(j, "category");
    out->sub_category = str_of(j, "subCategory");
    out->correlation_id = str_of(j, "correlationId");
    out->policy = str_of(j, "policyName");
    errs = json_object_get(j, "errors");
    if (json_is_array(errs) && json_array_size(errs) > 0)
        out->code = str_of(json_array_get(errs, 0), "code");
    st = json_object_get(j, "status");
    if (json_is_integer(st))
        out->status = (int)json_integer_value(st);
    else if (json_is_string(st) && isdigit((unsigned char)json_string_value(st)[0]))
        out->status = (int)strtol(json_string_value(st), NULL, 10);
}

void hs_body_excerpt(const char *body, size_t len, char *out, size_t n)
{
    size_t j = 0;

    if (n == 0)
        return;
    for (size_t i = 0; i < len && j + 1 < n; i++) {
        unsigned char ch = (unsigned char)body[i];
        out[j++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    out[j] = '\0';
}

int hs_reply_err(const hs_reply *r, sp_err *e)
{
    hs_errinfo ei;
    sp_code code;
    char ex[201];

    if (r->err != NULL) {
        *e = *r->err;
        return -1;
    }
    hs_errinfo_parse(r->json, &ei);
    if (r->status == 401 || r->status == 403)
        code = SP_EAUTH;
    else if (r->status == 400 || r->status == 409 || r->status == 422)
        code = SP_EDATA;
    else
        code = SP_EHUBSPOT;
    if (ei.message != NULL) {
        SP_ERR(e, code, "%s: %d %s%s%s", r->what, r->status, ei.category ? ei.category : "",
               ei.category ? ": " : "", ei.message);
    } else {
        hs_body_excerpt(r->body, r->len, ex, sizeof(ex));
        SP_ERR(e, code, "%s: status %d; body starts: %s", r->what, r->status, ex[0] ? ex : "(empty)");
    }
    sp_err_http(e, r->status, ei.category, ei.correlation_id != NULL ? ei.correlation_id :
                                          (r->correlation_id[0] ? r->correlation_id : NULL));
    return -1;
}

int hs_shape_err(const hs_reply *r, const char *detail, sp_err *e)
{
    char ex[201];

    hs_body_excerpt(r->body, r->len, ex, sizeof(ex));
    SP_ERR(e, SP_EHUBSPOT, "%s: unexpected reply (status %d): %s; body starts: %s", r->what, r->status,
           detail, ex[0] ? ex : "(empty)");
    sp_err_http(e, r->status, NULL, r->correlation_id[0] ? r->correlation_id : NULL);
    return -1;
}

int hs_page_from_reply(const hs_reply *r, sp_hs_page *out, sp_err *e)
{
    const json_t *results, *v, *after, *total;
    size_t i;

    memset(out, 0, sizeof(*out));
    out->total = -1;
    results = json_object_get(r->json, "results");
    if (!json_is_array(results))
        return hs_shape_err(r, "no results array", e);
    out->arena = sp_arena_new(0);
    out->recs = sp_arena_alloc(out->arena, (json_array_size(results) + 1) * sizeof(*out->recs));
    json_array_foreach(results, i, v) {
        if (hs_record_from_json(v, out->arena, &out->recs[out->n]) != 0) {
            sp_hs_page_free(out);
            return hs_shape_err(r, "a result is not an object", e);
        }
        out->n++;
    }
    total = json_object_get(r->json, "total");
    if (json_is_integer(total))
        out->total = json_integer_value(total);
    after = json_object_get(json_object_get(json_object_get(r->json, "paging"), "next"), "after");
    if (after != NULL && !json_is_null(after)) {
        const char *a = hs_json_text(out->arena, after);
        if (a != NULL && a[0] != '\0')
            out->next_after = a;
    }
    return 0;
}

void sp_hs_page_free(sp_hs_page *p)
{
    if (p->arena != NULL)
        sp_arena_free(p->arena);
    memset(p, 0, sizeof(*p));
}

int sp_hs_parse_existing_id(const char *message, char *out, size_t n)
{
    const char *p;
    size_t len = 0;

    if (message == NULL || n == 0)
        return -1;
    p = strstr(message, "Existing ID:");
    if (p == NULL)
        return -1;
    p += strlen("Existing ID:");
    while (*p == ' ')
        p++;
    while (isdigit((unsigned char)p[len]))
        len++;
    if (len == 0 || len >= n)
        return -1;
    memcpy(out, p, len);
    out[len] = '\0';
    return 0;
}

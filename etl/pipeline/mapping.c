/* mapping.c -- apply an export or import mapping to one record (see include/spetl/mapping.h). */
#include "spetl/mapping.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "text.h"

#define SHOW_MAX 60                  /* characters of a record value quoted in an error */
#define GP_EMPTY_DATE "1900-01-01 00:00:00.000"

/* ---- small text helpers ---------------------------------------------------------- */

static int is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

/* Bytes of white space at s: ASCII or U+00A0 (C2 A0); 0 when none. */
static size_t space_at(const char *s)
{
    if (is_ascii_space(*s))
        return 1;
    if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
        return 2;
    return 0;
}

static const char *trim(sp_arena *a, const char *s)
{
    size_t n, k, end = 0;
    while ((k = space_at(s)) > 0)
        s += k;
    n = strlen(s);
    for (size_t i = 0; i < n;) {
        k = space_at(s + i);
        if (k == 0) {
            /* advance one character */
            i++;
            while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
                i++;
            end = i;
        } else {
            i += k;
        }
    }
    return sp_arena_strndup(a, s, end);
}

static const char *rtrim_spaces(sp_arena *a, const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return s[n] == '\0' ? s : sp_arena_strndup(a, s, n);
}

/* Case of one code point in U+0080..U+017F (Latin-1 Supplement and Latin
 * Extended-A); every mapping keeps the two-byte UTF-8 length. */
static unsigned case_cp(unsigned cp, int upper)
{
    if (upper) {
        if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)
            return cp - 0x20;
        if (cp == 0xFF)
            return 0x178;
        if (((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) &&
            (cp & 1))
            return cp - 1;
        if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) && !(cp & 1))
            return cp - 1;
    } else {
        if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
            return cp + 0x20;
        if (cp == 0x178)
            return 0xFF;
        if (((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) &&
            !(cp & 1))
            return cp + 1;
        if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) && (cp & 1))
            return cp + 1;
    }
    return cp;
}

static const char *change_case(sp_arena *a, const char *s, int upper)
{
    char *v = sp_arena_strdup(a, s);
    unsigned char *u = (unsigned char *)v;

    for (size_t i = 0; u[i]; i++) {
        if (u[i] < 0x80) {
            if (upper && u[i] >= 'a' && u[i] <= 'z')
                u[i] = (unsigned char)(u[i] - 32);
            else if (!upper && u[i] >= 'A' && u[i] <= 'Z')
                u[i] = (unsigned char)(u[i] + 32);
        } else if (u[i] >= 0xC2 && u[i] <= 0xC5 && (u[i + 1] & 0xC0) == 0x80) {
            unsigned cp = (unsigned)(u[i] & 0x1F) << 6 | (u[i + 1] & 0x3F);
            unsigned to = case_cp(cp, upper);
            u[i] = (unsigned char)(0xC0 | (to >> 6));
            u[i + 1] = (unsigned char)(0x80 | (to & 0x3F));
            i++;
        }
    }
    return v;
}

static const char *digits_only(sp_arena *a, const char *s)
{
    char *v = sp_arena_alloc(a, strlen(s) + 1);
    size_t n = 0;
    for (; *s; s++)
        if (*s >= '0' && *s <= '9')
            v[n++] = *s;
    v[n] = '\0';
    return v;
}

/* ---- names ----------------------------------------------------------------------- */

static int word_is(const char *w, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && strncmp(*list, w, n) == 0)
            return 1;
    return 0;
}

static int is_suffix(const char *w, size_t n)
{
    static const char *const suffixes[] = {"Jr", "Jr.", "JR", "JR.", "Sr", "Sr.", "SR", "SR.", "II", "III", "IV",
                                           "Ph.D.", "PhD", "MD", "M.D.", "Esq.", "CPA", NULL};
    return word_is(w, n, suffixes);
}

static int is_particle(const char *w, size_t n)
{
    static const char *const particles[] = {"van", "von", "de", "da", "del", "della", "der", "den", "di", "du",
                                            "la", "le", "dos", "das", "do", "ten", "ter", "bin", "ibn", "al",
                                            "st.", NULL};
    return word_is(w, n, particles);
}

typedef struct word {
    const char *s;
    size_t n;
} word;

/* Join words[from..to) with single spaces. */
static const char *join(sp_arena *a, const word *w, size_t from, size_t to)
{
    size_t len = 0, k = 0;
    char *v;
    for (size_t i = from; i < to; i++)
        len += w[i].n + 1;
    v = sp_arena_alloc(a, len + 1);
    for (size_t i = from; i < to; i++) {
        if (k > 0)
            v[k++] = ' ';
        memcpy(v + k, w[i].s, w[i].n);
        k += w[i].n;
    }
    v[k] = '\0';
    return v;
}

static size_t split_words(const char *s, size_t len, word *w, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len && n < max) {
        size_t k;
        while (i < len && (k = space_at(s + i)) > 0)
            i += k;
        if (i >= len)
            break;
        w[n].s = s + i;
        while (i < len && space_at(s + i) == 0)
            i++;
        w[n].n = (size_t)(s + i - w[n].s);
        n++;
    }
    return n;
}

/* Split a GP contact name into first and last name. */
static void split_name(sp_arena *a, const char *name, const char **first, const char **last)
{
    const char *s = trim(a, name);
    const char *comma = strchr(s, ',');
    size_t len = strlen(s), nw, cut;
    word *w = sp_arena_alloc(a, (len / 2 + 2) * sizeof(*w));

    *first = "";
    *last = "";
    if (comma != NULL && strchr(comma + 1, ',') == NULL) {
        word after[2];
        size_t na = split_words(comma + 1, strlen(comma + 1), after, 2);
        if (na == 1 && is_suffix(after[0].s, after[0].n)) {
            /* "John Smith, Jr.": the suffix stays with the last name, comma and all */
            nw = split_words(s, (size_t)(comma - s), w, len / 2 + 2);
            if (nw == 0)
                return;
            *first = join(a, w, 0, nw - 1);
            *last = sp_arena_printf(a, "%.*s, %.*s", (int)w[nw - 1].n, w[nw - 1].s, (int)after[0].n, after[0].s);
            return;
        }
        if (na > 0) {
            /* "O'Neil, Mary Ann" */
            nw = split_words(s, (size_t)(comma - s), w, len / 2 + 2);
            if (nw > 0) {
                *last = join(a, w, 0, nw);
                nw = split_words(comma + 1, strlen(comma + 1), w, len / 2 + 2);
                *first = join(a, w, 0, nw);
                return;
            }
        }
    }
    nw = split_words(s, len, w, len / 2 + 2);
    if (nw == 0)
        return;
    cut = nw - 1;   /* the last word starts the last name */
    if (nw >= 3 && is_suffix(w[cut].s, w[cut].n))
        cut--;
    while (cut > 1 && is_particle(w[cut - 1].s, w[cut - 1].n))
        cut--;
    *first = join(a, w, 0, cut);
    *last = join(a, w, cut, nw);
}

/* ---- dates ------------------------------------------------------------------------- */

#define EPOCH_MS_MIN (-62135596800000LL)   /* 0001-01-01T00:00:00.000Z */
#define EPOCH_MS_MAX 253402300799999LL     /* 9999-12-31T23:59:59.999Z */

/* Parse a date as GP writes it or HubSpot sends it: ISO date, ISO date-time
 * (UTC), or epoch milliseconds (years 1..9999, as for written dates). */
static int parse_when(const char *s, int64_t *ms)
{
    if (sp_text_all_digits(s) || (s[0] == '-' && sp_text_all_digits(s + 1))) {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0' || strlen(s) < 9)
            return -1;   /* 20261127 is not a date anyone means as epoch ms */
        if (v < EPOCH_MS_MIN || v > EPOCH_MS_MAX)
            return -1;
        *ms = v;
        return 0;
    }
    return sp_time_parse_date(s, ms, NULL);
}

static int64_t midnight(int64_t ms)
{
    int64_t day = 86400000LL;
    int64_t r = ms % day;
    return ms - (r < 0 ? r + day : r);
}

#define GP_EMPTY_DATE_MS (-2208988800000LL)   /* 1900-01-01T00:00:00Z */

static int date_transform(sp_arena *a, const char *in, int is_import, int keep_time, const char **out,
                          const char **why)
{
    int64_t ms;
    char buf[40];

    if (parse_when(in, &ms) != 0) {
        *why = keep_time ? "is not a date and time (YYYY-MM-DD HH:MM:SS, ISO 8601 or epoch milliseconds)"
                         : "is not a date (YYYY-MM-DD, ISO 8601 or epoch milliseconds)";
        return -1;
    }
    if (!keep_time)
        ms = midnight(ms);
    if (is_import) {
        *out = sp_arena_strdup(a, sp_time_sql(ms, buf, sizeof(buf)));
        return 0;
    }
    if (midnight(ms) == GP_EMPTY_DATE_MS) {
        *out = "";   /* GP's empty date */
        return 0;
    }
    snprintf(buf, sizeof(buf), "%lld", (long long)ms);
    *out = sp_arena_strdup(a, buf);
    return 0;
}

/* ---- transforms ---------------------------------------------------------------------- */

int sp_map_transform(const sp_job_transform *t, int is_import, const char *in, sp_arena *a, const char **out,
                     const char **why)
{
    *why = NULL;
    *out = in;
    if (in[0] == '\0' && t->kind != SP_XF_LOOKUP)
        return 0;
    switch (t->kind) {
    case SP_XF_TRIM:
        *out = trim(a, in);
        return 0;
    case SP_XF_UPPER:
    case SP_XF_LOWER:
        *out = change_case(a, in, t->kind == SP_XF_UPPER);
        return 0;
    case SP_XF_DIGITS:
        *out = digits_only(a, in);
        return 0;
    case SP_XF_DATE:
    case SP_XF_DATETIME: {
        const char *v = trim(a, in);
        if (v[0] == '\0') {
            *out = v;
            return 0;
        }
        return date_transform(a, v, is_import, t->kind == SP_XF_DATETIME, out, why);
    }
    case SP_XF_NUMBER: {
        char num[80];
        const char *v = trim(a, in);
        if (v[0] == '\0') {
            *out = v;
            return 0;
        }
        if (sp_text_decimal(v, num, sizeof(num)) != 0) {
            *why = "is not a number (a plain decimal such as 59.95)";
            return -1;
        }
        *out = sp_arena_strdup(a, num);
        return 0;
    }
    case SP_XF_MAX_LENGTH:
        if (t->max_length > 0)
            *out = sp_arena_strndup(a, in, sp_utf8_prefix(in, (size_t)t->max_length));
        return 0;
    case SP_XF_LOOKUP: {
        const char *to;
        if (t->lookup == NULL)
            return 0;
        to = sp_job_lookup_find(t->lookup, in);
        if (to != NULL) {
            *out = to;
            return 0;
        }
        if (in[0] == '\0' || t->lookup->missing == SP_LOOKUP_KEEP)
            return 0;
        if (t->lookup->missing == SP_LOOKUP_EMPTY) {
            *out = "";
            return 0;
        }
        *why = sp_arena_printf(a, "is not in lookup %s (add an <entry from=...> or set missing=\"keep\")",
                               t->lookup->id);
        return -1;
    }
    case SP_XF_FIRST_NAME:
    case SP_XF_LAST_NAME: {
        const char *first, *last;
        split_name(a, in, &first, &last);
        *out = t->kind == SP_XF_FIRST_NAME ? first : last;
        return 0;
    }
    }
    *why = "uses a transform this version does not know";
    return -1;
}

static const char *transform_name(const sp_job_transform *t, sp_arena *a)
{
    switch (t->kind) {
    case SP_XF_TRIM: return "trim";
    case SP_XF_UPPER: return "upper";
    case SP_XF_LOWER: return "lower";
    case SP_XF_DIGITS: return "digits";
    case SP_XF_DATE: return "date";
    case SP_XF_DATETIME: return "datetime";
    case SP_XF_NUMBER: return "number";
    case SP_XF_MAX_LENGTH: return sp_arena_printf(a, "max-length:%d", t->max_length);
    case SP_XF_LOOKUP: return sp_arena_printf(a, "lookup:%s", t->lookup ? t->lookup->id : "?");
    case SP_XF_FIRST_NAME: return "first-name";
    case SP_XF_LAST_NAME: return "last-name";
    }
    return "?";
}

/* ---- one field ----------------------------------------------------------------------- */

typedef struct mapper {
    const sp_job_mapping *m;
    const char *job_path;
    sp_map_column_fn get_column;
    sp_map_property_fn get_property;
    void *ctx;
    sp_arena *a;
    sp_err *e;
} mapper;

/* A record value as an error shows it: quoted, control characters escaped,
 * cut after SHOW_MAX characters (never inside a UTF-8 sequence). */
static const char *show(sp_arena *a, const char *v)
{
    size_t keep = sp_utf8_prefix(v, SHOW_MAX), n = 0;
    char *out = sp_arena_alloc(a, keep * 4 + 8);
    out[n++] = '"';
    for (size_t i = 0; i < keep; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t)snprintf(out + n, 5, "\\x%02x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    if (v[keep] != '\0') {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

/* "property closedate <- column DOCDATE" */
static const char *field_desc(const mapper *mp, const sp_job_field *f)
{
    const char *target = mp->m->is_import ? "column" : "property";
    switch (f->source) {
    case SP_SOURCE_COLUMN:
        return sp_arena_printf(mp->a, "%s %s <- column %s", target, f->target, f->source_name);
    case SP_SOURCE_PROPERTY:
        return sp_arena_printf(mp->a, "%s %s <- property %s", target, f->target, f->source_name);
    case SP_SOURCE_VALUE:
        return sp_arena_printf(mp->a, "%s %s <- value %s", target, f->target, show(mp->a, f->source_name));
    case SP_SOURCE_TEMPLATE:
        return sp_arena_printf(mp->a, "%s %s <- template %s", target, f->target, show(mp->a, f->source_name));
    }
    return f->target;
}

/* "mapping M, property P <- column C[, transform T]: "value" why" at the field's position. */
static int field_error(const mapper *mp, const sp_job_field *f, const char *stage, const char *value,
                       const char *why)
{
    SP_ERR(mp->e, SP_EDATA, "mapping %s, %s%s: %s %s", mp->m->id ? mp->m->id : "?", field_desc(mp, f),
           stage ? stage : "", show(mp->a, value), why);
    sp_err_at_input(mp->e, mp->job_path, f->pos.line, f->pos.col);
    return -1;
}

/* The text of a source column (export) or property (import). */
static const char *source_value(const mapper *mp, const char *name, const sp_job_column *col)
{
    const char *v;
    if (!mp->m->is_import) {
        if (col == NULL)
            return "";
        v = mp->get_column(mp->ctx, col);
        if (v == NULL)
            return "";
        return col->type != NULL && strcmp(col->type, "char") == 0 ? rtrim_spaces(mp->a, v) : v;
    }
    v = mp->get_property(mp->ctx, name);
    return v != NULL ? v : "";
}

static const char *raw_value(const mapper *mp, const sp_job_field *f)
{
    switch (f->source) {
    case SP_SOURCE_COLUMN:
        return source_value(mp, f->source_name, f->source_column);
    case SP_SOURCE_PROPERTY:
        return source_value(mp, f->source_name, NULL);
    case SP_SOURCE_VALUE:
        return f->source_name != NULL ? f->source_name : "";
    case SP_SOURCE_TEMPLATE: {
        const char **parts = sp_arena_alloc(mp->a, (f->nparts + 1) * sizeof(*parts));
        size_t len = 0, k = 0;
        char *v;
        for (size_t i = 0; i < f->nparts; i++) {
            const sp_job_template_part *p = &f->parts[i];
            parts[i] = p->is_field ? source_value(mp, p->text, p->column) : p->text;
            len += strlen(parts[i]);
        }
        v = sp_arena_alloc(mp->a, len + 1);
        for (size_t i = 0; i < f->nparts; i++) {
            size_t l = strlen(parts[i]);
            memcpy(v + k, parts[i], l);
            k += l;
        }
        v[k] = '\0';
        return v;
    }
    }
    return "";
}

/* Make an import value fit its GP column. */
static int fit_column(const mapper *mp, const sp_job_field *f, const char *v, const char **out)
{
    const sp_job_column *col = f->target_column;
    const char *type;
    *out = v;
    if (col == NULL || col->type == NULL)
        return 0;
    type = col->type;
    if (strcmp(type, "char") == 0) {
        size_t chars = sp_utf8_chars(v);
        if (col->width > 0 && chars > (size_t)col->width)
            return field_error(mp, f, NULL, v,
                               sp_arena_printf(mp->a, "is %zu characters; %s holds %d (add transform "
                                                      "max-length:%d to cut it)",
                                               chars, col->name, col->width, col->width));
        return 0;
    }
    if (strcmp(type, "datetime") == 0) {
        int64_t ms;
        char buf[40];
        const char *t = trim(mp->a, v);
        if (t[0] == '\0') {
            *out = GP_EMPTY_DATE;
            return 0;
        }
        if (parse_when(t, &ms) != 0)
            return field_error(mp, f, NULL, v,
                               sp_arena_printf(mp->a, "is not a date for %s (YYYY-MM-DD, ISO 8601 or epoch "
                                                      "milliseconds)",
                                               col->name));
        *out = sp_arena_strdup(mp->a, sp_time_sql(ms, buf, sizeof(buf)));
        return 0;
    }
    if (strcmp(type, "numeric") == 0 || strcmp(type, "int") == 0 || strcmp(type, "smallint") == 0 ||
        strcmp(type, "tinyint") == 0) {
        char num[80];
        const char *t = trim(mp->a, v);
        long long lo = 0, hi = 0, x;
        if (t[0] == '\0') {
            *out = "0";
            return 0;
        }
        if (sp_text_decimal(t, num, sizeof(num)) != 0)
            return field_error(mp, f, NULL, v, sp_arena_printf(mp->a, "is not a number for %s", col->name));
        *out = sp_arena_strdup(mp->a, num);
        if (strcmp(type, "numeric") == 0)
            return 0;
        if (strcmp(type, "int") == 0) {
            lo = -2147483647LL - 1;
            hi = 2147483647LL;
        } else if (strcmp(type, "smallint") == 0) {
            lo = -32768;
            hi = 32767;
        } else {
            lo = 0;
            hi = 255;
        }
        x = strchr(num, '.') == NULL && strlen(num) < 19 ? strtoll(num, NULL, 10) : hi + 1;
        if (x < lo || x > hi)
            return field_error(mp, f, NULL, v,
                               sp_arena_printf(mp->a, "is not a whole number from %lld to %lld for %s", lo, hi,
                                               col->name));
    }
    return 0;
}

static int map_field(const mapper *mp, const sp_job_field *f, const char **out)
{
    const char *v = raw_value(mp, f);

    for (size_t i = 0; i < f->ntransforms; i++) {
        const char *next, *why;
        if (sp_map_transform(&f->transforms[i], mp->m->is_import, v, mp->a, &next, &why) != 0)
            return field_error(mp, f,
                               sp_arena_printf(mp->a, ", transform %s", transform_name(&f->transforms[i], mp->a)), v,
                               why);
        v = next;
    }
    if (v[0] == '\0' && f->default_value != NULL)
        v = f->default_value;
    if (v[0] == '\0' && f->required)
        return field_error(mp, f, NULL, v, "is empty, and the field is required (fix the record or set default=\"...\")");
    if (mp->m->is_import)
        return fit_column(mp, f, v, out);
    *out = v;
    return 0;
}

static int map_all(const mapper *mp, sp_map_out *out)
{
    const sp_job_mapping *m = mp->m;

    memset(out, 0, sizeof(*out));
    out->props = sp_arena_alloc(mp->a, (m->nfields ? m->nfields : 1) * sizeof(*out->props));
    if (m->is_import)
        out->columns = sp_arena_alloc(mp->a, (m->nfields ? m->nfields : 1) * sizeof(*out->columns));
    for (size_t i = 0; i < m->nfields; i++) {
        const sp_job_field *f = &m->fields[i];
        const char *v = "";
        if (map_field(mp, f, &v) != 0)
            return -1;
        out->props[out->n].name = f->target;
        out->props[out->n].value = v;
        if (m->is_import)
            out->columns[out->n] = f->target_column;
        out->n++;
        if (!m->is_import && m->key_property != NULL && strcmp(f->target, m->key_property) == 0) {
            if (v[0] == '\0') {
                SP_ERR(mp->e, SP_EDATA, "mapping %s, %s: the key property %s is empty: the record cannot be "
                                        "upserted without it",
                       m->id ? m->id : "?", field_desc(mp, f), m->key_property);
                sp_err_at_input(mp->e, mp->job_path, f->pos.line, f->pos.col);
                return -1;
            }
            out->key = v;
        }
    }
    return 0;
}

int sp_map_export(const sp_job_mapping *m, const char *job_path, sp_map_column_fn get, void *ctx, sp_arena *row,
                  sp_map_out *out, sp_err *e)
{
    mapper mp = {m, job_path, get, NULL, ctx, row, e};
    if (m->is_import) {
        memset(out, 0, sizeof(*out));
        return SP_ERR(e, SP_EINTERNAL, "mapping %s is an import mapping, used for an export", m->id ? m->id : "?");
    }
    return map_all(&mp, out);
}

int sp_map_import(const sp_job_mapping *m, const char *job_path, sp_map_property_fn get, void *ctx, sp_arena *row,
                  sp_map_out *out, sp_err *e)
{
    mapper mp = {m, job_path, NULL, get, ctx, row, e};
    if (!m->is_import) {
        memset(out, 0, sizeof(*out));
        return SP_ERR(e, SP_EINTERNAL, "mapping %s is an export mapping, used for an import", m->id ? m->id : "?");
    }
    return map_all(&mp, out);
}

const char *sp_map_get(const sp_map_out *out, const char *name)
{
    for (size_t i = 0; i < out->n; i++)
        if (strcmp(out->props[i].name, name) == 0)
            return out->props[i].value;
    return NULL;
}

/*
 * ids.c -- GP-shaped keys: CUSTNMBR/PROSPID from a name plus a sequence.
 *
 * GP shops (and Fabrikam) key customers by the first eight letters of the
 * name and a four-digit sequence: Aaron Fitz Electrical -> AARONFIT0001.
 * gen_ids keeps the last sequence used per prefix in an open-addressing
 * table; its size follows the number of distinct prefixes, not of customers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "spetl/mem.h"

/* ASCII folding of U+00C0..U+00FF (UTF-8 C3 80..C3 BF); "" = dropped. */
static const char *const latin1_fold[64] = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
    "D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "SS",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
};

/* Walk name, calling out for each ASCII character after folding accents. */
static size_t fold(const char *name, char *out, size_t max, int upper, int keep_digits)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t n = 0;

    while (*p && n + 1 < max) {
        const char *piece = NULL;
        char one[2] = { 0, 0 };
        if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
            piece = latin1_fold[p[1] - 0x80];
            p += 2;
        } else if (*p >= 0x80) {
            p++;                        /* other non-ASCII bytes are dropped */
            while (*p >= 0x80 && *p < 0xC0)
                p++;
            continue;
        } else {
            one[0] = (char)*p++;
            piece = one;
        }
        for (; *piece && n + 1 < max; piece++) {
            char c = *piece;
            if (c >= 'a' && c <= 'z') {
                out[n++] = upper ? (char)(c - 'a' + 'A') : c;
            } else if (c >= 'A' && c <= 'Z') {
                out[n++] = upper ? c : (char)(c - 'A' + 'a');
            } else if (keep_digits && c >= '0' && c <= '9') {
                out[n++] = c;
            }
        }
    }
    out[n] = '\0';
    return n;
}

char *gen_key_prefix(const char *name, char *out)
{
    if (fold(name, out, 9, 1, 0) == 0)
        memcpy(out, "CUST", 5);
    return out;
}

char *gen_slug(const char *name, char *out, size_t max)
{
    if (fold(name, out, max, 0, 1) == 0)
        snprintf(out, max, "company");
    return out;
}

size_t gen_utf8_len(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

typedef struct slot {
    char prefix[9];
    uint32_t last;      /* 0 = empty slot */
} slot;

struct gen_ids {
    slot *slots;
    size_t cap;         /* power of two */
    size_t used;
};

gen_ids *gen_ids_new(void)
{
    gen_ids *ids = sp_xcalloc(1, sizeof(*ids));
    ids->cap = 1024;
    ids->slots = sp_xcalloc(ids->cap, sizeof(slot));
    return ids;
}

void gen_ids_free(gen_ids *ids)
{
    if (!ids)
        return;
    free(ids->slots);
    free(ids);
}

static uint64_t hash_prefix(const char *s)
{
    uint64_t h = 1469598103934665603ULL;        /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static slot *find(slot *slots, size_t cap, const char *prefix)
{
    size_t i = (size_t)hash_prefix(prefix) & (cap - 1);
    while (slots[i].last != 0 && strcmp(slots[i].prefix, prefix) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static void grow(gen_ids *ids)
{
    size_t ncap = ids->cap * 2;
    slot *ns = sp_xcalloc(ncap, sizeof(slot));
    for (size_t i = 0; i < ids->cap; i++)
        if (ids->slots[i].last != 0)
            *find(ns, ncap, ids->slots[i].prefix) = ids->slots[i];
    free(ids->slots);
    ids->slots = ns;
    ids->cap = ncap;
}

void gen_ids_next(gen_ids *ids, const char *name, char *out)
{
    char prefix[9];
    slot *s;

    gen_key_prefix(name, prefix);
    if ((ids->used + 1) * 10 > ids->cap * 7)
        grow(ids);
    s = find(ids->slots, ids->cap, prefix);
    if (s->last == 0) {
        memcpy(s->prefix, prefix, sizeof(prefix));
        ids->used++;
    }
    s->last++;
    /* 8 letters + at most 7 digits fits char(15); 4 digits until 9999. */
    snprintf(out, 16, "%s%04u", prefix, (unsigned)s->last);
}

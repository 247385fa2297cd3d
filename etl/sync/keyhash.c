/* keyhash.c -- the key-to-index table of the sync engines (keyhash.h). */
#include "keyhash.h"

#include <string.h>

static size_t fnv(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void sp_kh_init(sp_keyhash *h, sp_arena *a, size_t n)
{
    h->cap = 16;
    while (h->cap < n * 2)
        h->cap *= 2;
    h->keys = sp_arena_alloc(a, h->cap * sizeof(char *));
    h->idx = sp_arena_alloc(a, h->cap * sizeof(size_t));
}

void sp_kh_put(sp_keyhash *h, const char *k, size_t i)
{
    size_t p = fnv(k) & (h->cap - 1);
    while (h->keys[p] != NULL)
        p = (p + 1) & (h->cap - 1);
    h->keys[p] = k;
    h->idx[p] = i;
}

int sp_kh_get(const sp_keyhash *h, const char *k, size_t *i)
{
    size_t p;

    if (h->cap == 0)
        return 0;
    p = fnv(k) & (h->cap - 1);
    while (h->keys[p] != NULL) {
        if (strcmp(h->keys[p], k) == 0) {
            *i = h->idx[p];
            return 1;
        }
        p = (p + 1) & (h->cap - 1);
    }
    return 0;
}

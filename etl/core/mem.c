/* mem.c -- checked allocation and arenas (see include/spetl/mem.h). */
#include "spetl/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "spetl: out of memory allocating %zu bytes\n", n);
    abort();
}

void *sp_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *sp_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        oom(count * size);
    return p;
}

void *sp_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

/* The capacity after cap that holds element n: first_cap from nothing, else
 * doubled (more than once only if the caller skipped past cap). A size that
 * does not fit in size_t is out of memory like any other. */
static size_t grown_cap(size_t n, size_t cap, size_t elem, size_t first_cap)
{
    size_t next = cap > 0 ? cap : first_cap > 0 ? first_cap : 1;

    while (next <= n) {
        if (next > SIZE_MAX / 2)
            oom(SIZE_MAX);
        next *= 2;
    }
    if (elem > 0 && next > SIZE_MAX / elem)
        oom(SIZE_MAX);
    return next;
}

void *sp_xgrow(void *old, size_t n, size_t *cap, size_t elem, size_t first_cap)
{
    if (n < *cap)
        return old;
    *cap = grown_cap(n, *cap, elem, first_cap);
    return sp_xrealloc(old, *cap * elem);
}

char *sp_xstrdup(const char *s)
{
    return sp_xstrndup(s, strlen(s));
}

char *sp_xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = sp_xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *sp_xasprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    char *s;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    s = sp_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

typedef struct block {
    struct block *next;
    size_t size, used;
    unsigned char data[];
} block;

typedef struct cleanup {
    struct cleanup *next;
    sp_cleanup_fn fn;
    void *ptr;
} cleanup;

struct sp_arena {
    block *head;      /* current block first */
    size_t block_size;
    size_t used;
    cleanup *cleanups;
};

static block *block_new(size_t size)
{
    block *b = sp_xmalloc(sizeof(block) + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

sp_arena *sp_arena_new(size_t block_size)
{
    sp_arena *a = sp_xcalloc(1, sizeof(*a));
    a->block_size = block_size ? block_size : 64 * 1024;
    return a;
}

static void run_cleanups(sp_arena *a)
{
    while (a->cleanups != NULL) {
        cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->ptr);
        free(c);
    }
}

void sp_arena_reset(sp_arena *a)
{
    block *keep = NULL;

    if (a == NULL)
        return;
    run_cleanups(a);
    while (a->head != NULL) {
        block *b = a->head;
        a->head = b->next;
        if (keep == NULL && b->size == a->block_size) {
            keep = b;
            continue;
        }
        free(b);
    }
    if (keep != NULL) {
        keep->used = 0;
        keep->next = NULL;
        a->head = keep;
    }
    a->used = 0;
}

void sp_arena_free(sp_arena *a)
{
    if (a == NULL)
        return;
    sp_arena_reset(a);
    free(a->head);
    free(a);
}

void *sp_arena_alloc(sp_arena *a, size_t n)
{
    size_t need = (n + 15u) & ~(size_t)15u;
    block *b = a->head;
    void *p;

    if (need == 0)
        need = 16;
    if (need > a->block_size) {
        /* A large allocation gets a block of its own behind the current one. */
        block *big = block_new(need);
        big->used = need;
        if (b != NULL) {
            big->next = b->next;
            b->next = big;
        } else {
            a->head = big;
        }
        a->used += need;
        memset(big->data, 0, need);
        return big->data;
    }
    if (b == NULL || b->size - b->used < need) {
        b = block_new(a->block_size);
        b->next = a->head;
        a->head = b;
    }
    p = b->data + b->used;
    b->used += need;
    a->used += need;
    memset(p, 0, need);
    return p;
}

void *sp_arena_grow(sp_arena *a, void *old, size_t n, size_t *cap, size_t elem, size_t first_cap)
{
    void *p;

    if (n < *cap)
        return old;
    *cap = grown_cap(n, *cap, elem, first_cap);
    p = sp_arena_alloc(a, *cap * elem);
    if (n > 0)
        memcpy(p, old, n * elem);
    return p;
}

char *sp_arena_strndup(sp_arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = sp_arena_alloc(a, len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *sp_arena_strdup(sp_arena *a, const char *s)
{
    return s == NULL ? NULL : sp_arena_strndup(a, s, strlen(s));
}

char *sp_arena_vprintf(sp_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *s;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    s = sp_arena_alloc(a, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *sp_arena_printf(sp_arena *a, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = sp_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

void sp_arena_on_reset(sp_arena *a, sp_cleanup_fn fn, void *ptr)
{
    cleanup *c = sp_xmalloc(sizeof(*c));
    c->fn = fn;
    c->ptr = ptr;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t sp_arena_used(const sp_arena *a)
{
    return a->used;
}

/*
 * mem.h -- allocation that never returns NULL, and arenas by lifetime.
 *
 * spetl is a batch program: running out of memory is not a condition it can
 * recover from, so sp_xmalloc() and friends print one line and abort instead
 * of returning NULL (as Redis and jq do). This removes NULL checks everywhere.
 *
 * An sp_arena is a bump allocator for one lifetime: the job (settings, parsed
 * once), the page (rows read from the database or HubSpot), the row (scratch
 * while one record is mapped). Free everything at once with sp_arena_reset()
 * (keeps the first block for reuse) or sp_arena_free(). Cleanup callbacks run
 * on reset/free in reverse order of registration, so a handle owned by an
 * arena (a statement, a json_t) cannot leak on an error path.
 */
#ifndef SPETL_MEM_H
#define SPETL_MEM_H

#include <stdarg.h>
#include <stddef.h>

#include "spetl/platform.h"

void *sp_xmalloc(size_t n);
void *sp_xcalloc(size_t count, size_t size);
void *sp_xrealloc(void *p, size_t n);
char *sp_xstrdup(const char *s);
char *sp_xstrndup(const char *s, size_t n);
char *sp_xasprintf(const char *fmt, ...) SP_PRINTF(1, 2);

/*
 * Growing an array of elem-byte elements that holds n and has room for *cap:
 * returns old while n < *cap, else a larger array holding the same n
 * elements, with *cap updated (first_cap from an empty array, then doubled).
 * Call it before storing element n:
 *     s->v = sp_xgrow(s->v, s->n, &s->cap, sizeof(*s->v), 64);
 *     s->v[s->n++] = x;
 * sp_xgrow reallocs old (NULL when *cap is 0) on the heap: the caller frees
 * it. A capacity whose bytes overflow size_t aborts as out of memory.
 */
void *sp_xgrow(void *old, size_t n, size_t *cap, size_t elem, size_t first_cap);

typedef struct sp_arena sp_arena;
typedef void (*sp_cleanup_fn)(void *ptr);

/* block_size: bytes per block (0 = 64 KiB); larger allocations get their own block. */
sp_arena *sp_arena_new(size_t block_size);
void sp_arena_free(sp_arena *a);
void sp_arena_reset(sp_arena *a);
void *sp_arena_alloc(sp_arena *a, size_t n);       /* 16-byte aligned, zeroed */
char *sp_arena_strdup(sp_arena *a, const char *s);
char *sp_arena_strndup(sp_arena *a, const char *s, size_t n);
char *sp_arena_printf(sp_arena *a, const char *fmt, ...) SP_PRINTF(2, 3);
char *sp_arena_vprintf(sp_arena *a, const char *fmt, va_list ap);
void sp_arena_on_reset(sp_arena *a, sp_cleanup_fn fn, void *ptr);
size_t sp_arena_used(const sp_arena *a);             /* bytes handed out since the last reset */

/* sp_xgrow in arena a: the larger array is a new zeroed block of a, and old
 * stays in a, unused, until a is reset or freed (so grow in the arena of the
 * array's own lifetime, and size the first capacity for the usual case). */
void *sp_arena_grow(sp_arena *a, void *old, size_t n, size_t *cap, size_t elem, size_t first_cap);

#endif

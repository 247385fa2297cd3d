/*
 * keyhash.h -- a fixed-size open-addressing table from key strings to
 * indexes, for the files of etl/sync/ only (a page's parents by key, the
 * records with an open Action Center row, keys seen twice in a page).
 *
 * Ownership: the table's slots live in the arena given to sp_kh_init(); the
 * keys are not copied (they must outlive the table). Sized once for n keys:
 * putting more than n is a caller's error. Nothing here fails.
 */
#ifndef SPETL_SYNC_KEYHASH_H
#define SPETL_SYNC_KEYHASH_H

#include <stddef.h>

#include "spetl/mem.h"

typedef struct sp_keyhash {
    const char **keys;
    size_t *idx;
    size_t cap;                  /* 0: never initialised (every lookup misses) */
} sp_keyhash;

/* Room for n keys, from arena a. */
void sp_kh_init(sp_keyhash *h, sp_arena *a, size_t n);

/* Add key k with index i (a key put twice is found with its first index). */
void sp_kh_put(sp_keyhash *h, const char *k, size_t i);

/* 1 and *i when k is in the table, else 0. */
int sp_kh_get(const sp_keyhash *h, const char *k, size_t *i);

#endif

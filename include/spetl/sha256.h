/*
 * sha256.h -- SHA-256 (FIPS 180-4), written for spetl.
 *
 * Used for the canonical hash of a payload (payload.h): the link table keeps
 * the hash of what was last sent to HubSpot so an unchanged record sends
 * nothing. Incremental: init, update any number of times, final. No heap, no
 * errors; a context is a plain struct the caller owns.
 */
#ifndef SPETL_SHA256_H
#define SPETL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SP_SHA256_LEN 32          /* digest bytes */
#define SP_SHA256_HEX_LEN 65      /* 64 lowercase hex digits + NUL */

typedef struct sp_sha256 {
    uint32_t h[8];
    uint64_t bytes;               /* message length so far */
    unsigned char block[64];
    size_t used;                  /* bytes waiting in block */
} sp_sha256;

void sp_sha256_init(sp_sha256 *c);
void sp_sha256_update(sp_sha256 *c, const void *data, size_t n);
void sp_sha256_final(sp_sha256 *c, unsigned char out[SP_SHA256_LEN]);

/* One shot: the digest of data as 64 lowercase hex digits in hex. */
void sp_sha256_hex(const void *data, size_t n, char hex[SP_SHA256_HEX_LEN]);
/* The CPU's SHA instructions (x86 SHA-NI) when it has them: want 1 (the
 * default, decided on first use) or 0 (the portable code; for tests).
 * Returns 1 when they are in use. Not thread-safe: call before threads. */
int sp_sha256_accel(int want);
/* Digest bytes -> lowercase hex. */
void sp_sha256_to_hex(const unsigned char d[SP_SHA256_LEN], char hex[SP_SHA256_HEX_LEN]);

#endif

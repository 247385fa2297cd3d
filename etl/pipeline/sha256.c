/* sha256.c -- SHA-256 from FIPS 180-4 section 6.2 (see include/spetl/sha256.h). */
#include "spetl/sha256.h"

#include <stdatomic.h>
#include <string.h>

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }
static uint32_t ch(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (~x & z); }
static uint32_t maj(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (x & z) ^ (y & z); }
static uint32_t big_s0(uint32_t x) { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
static uint32_t big_s1(uint32_t x) { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
static uint32_t small_s0(uint32_t x) { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
static uint32_t small_s1(uint32_t x) { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

/* 6.2.2: process one 512-bit block. */
static void compress(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];

    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 |
               (uint32_t)p[4 * t + 3];
    for (int t = 16; t < 64; t++)
        w[t] = small_s1(w[t - 2]) + w[t - 7] + small_s0(w[t - 15]) + w[t - 16];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = hh + big_s1(e) + ch(e, f, g) + K[t] + w[t];
        uint32_t t2 = big_s0(a) + maj(a, b, c);
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

/* ---- the CPU's SHA extensions (x86: SHA-NI), when it has them --------------
 * Two rounds per sha256rnds2; the state lives as ABEF and CDGH (the order the
 * instruction wants), the message schedule four words at a time (msg1 adds
 * sigma0 of w[t-15], the aligned pair brings w[t-7], msg2 adds sigma1 of
 * w[t-2]). Same digests as compress() (check_payload runs both). */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#include <immintrin.h>
#define SHA_NI 1

__attribute__((target("sha,ssse3,sse4.1"))) static void compress_ni(uint32_t h[8], const unsigned char *p)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i abcd = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
    __m128i efgh = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
    __m128i badc = _mm_shuffle_epi32(abcd, 0xB1), hgfe = _mm_shuffle_epi32(efgh, 0x1B);
    __m128i abef = _mm_alignr_epi8(badc, hgfe, 8), cdgh = _mm_blend_epi16(hgfe, badc, 0xF0);
    __m128i abef0 = abef, cdgh0 = cdgh, w[4];

    for (int i = 0; i < 16; i++) {
        __m128i m;
        if (i < 4) {
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)), bswap);
        } else {
            __m128i x = _mm_add_epi32(_mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]),
                                      _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
            w[i & 3] = _mm_sha256msg2_epu32(x, w[(i + 3) & 3]);
        }
        m = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)(const void *)&K[4 * i]));
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
    }
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);
    {
        __m128i feba = _mm_shuffle_epi32(abef, 0x1B), dchg = _mm_shuffle_epi32(cdgh, 0xB1);
        _mm_storeu_si128((__m128i *)(void *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
        _mm_storeu_si128((__m128i *)(void *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
    }
}

/* SHA (CPUID 7.EBX bit 29), SSSE3 (1.ECX bit 9), SSE4.1 (1.ECX bit 19). */
static int cpu_has_sha(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
        return 0;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}
#endif

static atomic_int use_ni = -1;   /* -1: not asked yet (threads may race to ask: same answer) */

int sp_sha256_accel(int want)
{
#ifdef SHA_NI
    if (want >= 0 || atomic_load_explicit(&use_ni, memory_order_relaxed) < 0)
        atomic_store_explicit(&use_ni, want != 0 && cpu_has_sha(), memory_order_relaxed);
    return atomic_load_explicit(&use_ni, memory_order_relaxed);
#else
    (void)want;
    return 0;
#endif
}

static void block(uint32_t h[8], const unsigned char *p)
{
#ifdef SHA_NI
    int ni = atomic_load_explicit(&use_ni, memory_order_relaxed);
    if (ni < 0)
        ni = sp_sha256_accel(1);
    if (ni) {
        compress_ni(h, p);
        return;
    }
#endif
    compress(h, p);
}

void sp_sha256_init(sp_sha256 *c)
{
    /* 5.3.3: the first 32 bits of the fractional parts of the square roots
     * of the first 8 primes. */
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, h0, sizeof(h0));
    c->bytes = 0;
    c->used = 0;
}

void sp_sha256_update(sp_sha256 *c, const void *data, size_t n)
{
    const unsigned char *p = data;

    c->bytes += n;
    if (c->used > 0) {
        size_t take = 64 - c->used < n ? 64 - c->used : n;
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        n -= take;
        if (c->used < 64)
            return;
        block(c->h, c->block);
        c->used = 0;
    }
    for (; n >= 64; p += 64, n -= 64)
        block(c->h, p);
    if (n > 0) {
        memcpy(c->block, p, n);
        c->used = n;
    }
}

void sp_sha256_final(sp_sha256 *c, unsigned char out[SP_SHA256_LEN])
{
    /* 5.1.1: a 1 bit, zeros up to 448 mod 512, the length in bits (64-bit big endian). */
    uint64_t bits = c->bytes * 8;

    c->block[c->used++] = 0x80;
    if (c->used > 56) {
        memset(c->block + c->used, 0, 64 - c->used);
        block(c->h, c->block);
        c->used = 0;
    }
    memset(c->block + c->used, 0, 56 - c->used);
    for (int i = 0; i < 8; i++)
        c->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    block(c->h, c->block);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
    memset(c->block, 0, sizeof(c->block));
    c->used = 0;
}

void sp_sha256_to_hex(const unsigned char d[SP_SHA256_LEN], char hex[SP_SHA256_HEX_LEN])
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 0; i < SP_SHA256_LEN; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[64] = '\0';
}

void sp_sha256_hex(const void *data, size_t n, char hex[SP_SHA256_HEX_LEN])
{
    sp_sha256 c;
    unsigned char d[SP_SHA256_LEN];

    sp_sha256_init(&c);
    sp_sha256_update(&c, data, n);
    sp_sha256_final(&c, d);
    sp_sha256_to_hex(d, hex);
}

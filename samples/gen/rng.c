/*
 * rng.c -- splitmix64 streams: one per (seed, kind, index).
 *
 * splitmix64 (Steele, Lea and Flood's SplitMix, in Vigna's 64-bit form) is
 * tiny, fast and passes BigCrush; seeding one stream per record makes a
 * record independent of how many records came before it.
 */
#include "gen.h"

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void gen_rng_init(gen_rng *r, uint64_t seed, unsigned kind, uint64_t index)
{
    r->state = mix64(seed ^ mix64(((uint64_t)kind << 56) ^ mix64(index + 0x632be59bd9b4e019ULL)));
}

uint64_t gen_rng_next(gen_rng *r)
{
    r->state += 0x9e3779b97f4a7c15ULL;
    return mix64(r->state);
}

uint32_t gen_rng_below(gen_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift with rejection of the biased low range. */
    uint64_t m = (uint64_t)(uint32_t)gen_rng_next(r) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)gen_rng_next(r) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

int64_t gen_rng_range(gen_rng *r, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    if (hi <= lo)
        return lo;
    if (span <= UINT32_MAX)
        return lo + (int64_t)gen_rng_below(r, (uint32_t)span);
    return lo + (int64_t)(gen_rng_next(r) % span);
}

int gen_rng_permille(gen_rng *r, unsigned pm)
{
    return gen_rng_below(r, 1000) < pm;
}

const char *gen_rng_pick(gen_rng *r, const char *const *list, size_t n)
{
    return list[gen_rng_below(r, (uint32_t)n)];
}

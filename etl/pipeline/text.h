/*
 * text.h -- small text helpers shared inside etl/pipeline (not a public
 * module): plain decimals, strict dates, UTF-8 character counts, the days of
 * the proleptic Gregorian calendar. Pure functions, no allocation.
 */
#ifndef SPETL_PIPELINE_TEXT_H
#define SPETL_PIPELINE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Normalise a plain decimal ("  +059.95000 " -> "59.95", "-0.000" -> "0",
 * ".5" -> "0.5") into out. Leading/trailing ASCII spaces are allowed; no
 * exponent, no thousands separators. Returns 0, or -1 when s is not such a
 * number or the result does not fit in n bytes. */
int sp_text_decimal(const char *s, char *out, size_t n);

/* Parse a UTC date or date-time, strictly: "YYYY-MM-DD", optionally followed
 * by 'T' or ' ' and "HH:MM", ":SS", ".f..." (any digits; milliseconds kept),
 * then an optional "Z" or "+00:00". Days are checked against the month
 * (2026-02-29 is refused), years 1..9999. Sets *ms (epoch milliseconds) and
 * *has_time (1 when a time part was written). Returns 0 or -1. */
int sp_text_time(const char *s, int64_t *ms, int *has_time);

/* 1 when s is one or more ASCII digits, nothing else. */
int sp_text_all_digits(const char *s);

/* The number of UTF-8 characters in s (bytes that do not continue a sequence). */
size_t sp_utf8_chars(const char *s);
/* The byte length of s's first nchars characters (never inside a sequence). */
size_t sp_utf8_prefix(const char *s, size_t nchars);

#endif

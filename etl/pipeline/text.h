/*
 * text.h -- small text helpers shared inside etl/pipeline (not a public
 * module): plain decimals, UTF-8 character counts (dates: sp_time_parse_date
 * in spetl/clock.h). Pure functions, no allocation.
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

/* 1 when s is one or more ASCII digits, nothing else. */
int sp_text_all_digits(const char *s);

/* The number of UTF-8 characters in s (bytes that do not continue a sequence). */
size_t sp_utf8_chars(const char *s);
/* The byte length of s's first nchars characters (never inside a sequence). */
size_t sp_utf8_prefix(const char *s, size_t nchars);

#endif

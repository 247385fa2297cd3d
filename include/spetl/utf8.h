/*
 * utf8.h -- the one UTF-8 validator.
 *
 * Valid means RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF),
 * nothing past U+10FFFF. The job loader (variables), the filter compiler
 * (quoted values), the HubSpot encoder and the JSON writer all ask here.
 * Pure functions, no allocation.
 */
#ifndef SPETL_UTF8_H
#define SPETL_UTF8_H

#include <stddef.h>

/* The length (1..4) of the valid sequence at s, reading at most n bytes;
 * 0 when the bytes there are not valid UTF-8 (or n == 0). NUL-terminated
 * text may pass any n >= 4: a NUL never continues a sequence. */
size_t sp_utf8_seq(const char *s, size_t n);

/* 1 when s[0..n) is valid UTF-8; otherwise 0 and, when bad is not NULL, the
 * offset of the first byte that is not. */
int sp_utf8_valid(const char *s, size_t n, size_t *bad);

#endif

/*
 * utf16.h -- UTF-8 <-> UTF-16 for Windows' wide APIs (ODBC's W functions and
 * SQL_C_WCHAR, the command line, file names, the environment).
 *
 * Portable (the tests run on Linux too), pure, no allocation: the caller
 * gives the output buffer and its size in units (uint16_t) or bytes. What
 * cannot be carried is replaced by U+FFFD, never dropped: an invalid UTF-8
 * sequence (one byte at a time), an unpaired surrogate.
 *
 * Sizes: a text of n UTF-8 bytes never needs more than n UTF-16 units; a
 * text of n UTF-16 units never needs more than 3 * n UTF-8 bytes.
 */
#ifndef SPETL_UTF16_H
#define SPETL_UTF16_H

#include <stddef.h>
#include <stdint.h>

/* s[0..n) as UTF-16 into out (cap units, cap > 0), always terminated.
 * Returns the units the whole text needs (without the terminator); when
 * that is cap or more the text was cut at a character boundary. */
size_t sp_utf8_to_utf16(const char *s, size_t n, uint16_t *out, size_t cap);

/* w[0..n) as UTF-8 into out (cap bytes, cap > 0), always terminated.
 * Returns the bytes the whole text needs (without the terminator); when
 * that is cap or more the text was cut at a character boundary. */
size_t sp_utf16_to_utf8(const uint16_t *w, size_t n, char *out, size_t cap);

/* The length in units of a NUL-terminated UTF-16 text. */
size_t sp_utf16_len(const uint16_t *w);

#endif

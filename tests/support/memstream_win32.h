/*
 * memstream_win32.h -- open_memstream() for the unit suites built for
 * Windows (forced in with -include by mk/windows.mk; the C runtime of
 * Windows has no memory streams). The stream is a tmpfile(); fflush() and
 * fclose() of it copy what was written to *buf / *len, as POSIX's
 * open_memstream does, and the caller frees *buf.
 */
#ifndef SPETL_TEST_MEMSTREAM_WIN32_H
#define SPETL_TEST_MEMSTREAM_WIN32_H
#ifdef _WIN32
#include <stdio.h>

FILE *sp_test_open_memstream(char **buf, size_t *len);
int sp_test_fflush(FILE *f);
int sp_test_fclose(FILE *f);

#define open_memstream sp_test_open_memstream
#define fflush sp_test_fflush
#define fclose sp_test_fclose
#endif
#endif

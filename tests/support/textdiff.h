/*
 * textdiff.h -- where two texts part, for a test's message: Check refuses
 * messages over about 4 KB, so two long dumps cannot be printed whole.
 */
#ifndef SPETL_TEST_TEXTDIFF_H
#define SPETL_TEST_TEXTDIFF_H

/* "at byte N:" and the line of each text where they first differ (each cut
 * at 500 bytes); a static buffer, overwritten by the next call. */
const char *sp_test_first_diff(const char *a, const char *b);

#endif

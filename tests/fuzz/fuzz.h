/*
 * fuzz.h -- what every fuzz target in tests/fuzz/ defines and shares.
 *
 * A target is one file with LLVMFuzzerTestOneInput() (and, when it needs
 * one-time set-up, LLVMFuzzerInitialize()). `make fuzz` links each with
 * clang's libFuzzer; the Check suite check_fuzz_replay links all of them
 * into one gcc binary, each target compiled with its two entry points
 * renamed (-DFUZZ_NAME=job gives fuzz_job_one / fuzz_job_init), and feeds
 * it every file of tests/fuzz/<target>/.
 *
 * A target returns 0 for every input: only a crash, a leak or undefined
 * behaviour (the sanitizers) is a finding.
 */
#ifndef SPETL_FUZZ_H
#define SPETL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef FUZZ_NAME
#define FUZZ_CAT2(a, b) fuzz_##a##_##b
#define FUZZ_CAT(a, b) FUZZ_CAT2(a, b)
#define LLVMFuzzerTestOneInput FUZZ_CAT(FUZZ_NAME, one)
#define LLVMFuzzerInitialize FUZZ_CAT(FUZZ_NAME, init)
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Quiet logging: lines are still formatted (that code is fuzzed too) but go
 * to /dev/null. Called by each target's LLVMFuzzerInitialize(). */
void fuzz_quiet_log(void);

#endif

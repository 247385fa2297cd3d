/*
 * progress.h -- one progress line on a terminal while a component works.
 *
 *   customer-export: 1,200 done (1,500 read), 410 records/s, 9.6 requests/s of 10/s, ETA 0:42
 *
 * The line is written to a stream (stderr, which the caller has checked is
 * a terminal and not quieted: cli.progress) with "\r" and erase-to-end, at
 * most 4 times a second (the first at once), and erased when the progress
 * ends. While it is shown, every log line first erases it (log.h hooks),
 * so a warning never lands in the middle of it; the next update redraws it.
 * requests/s counts the HubSpot client's requests since the start, against
 * its budget (the pacer's limit per 10 s); the ETA needs a known total.
 *
 * Threads: updates come from the thread that drives the HubSpot client;
 * log lines from any thread (a mutex keeps erase + line + redraw whole).
 */
#ifndef SPETL_PROGRESS_H
#define SPETL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "spetl/hubspot.h"
#include "spetl/state.h"

#define SP_PROGRESS_MIN_MS 250

typedef struct sp_progress sp_progress;

/* label is copied; hs may be NULL (no request rate); total 0: unknown.
 * Installs the log hooks until sp_progress_end(). */
sp_progress *sp_progress_begin(FILE *out, const char *label, sp_hs_client *hs, int64_t total);
/* 1 when a redraw is due (the first call, then every SP_PROGRESS_MIN_MS). */
int sp_progress_due(sp_progress *p);
/* Redraw with done records (and read, -1: not shown) when due. */
void sp_progress_update(sp_progress *p, int64_t done, int64_t read);
/* Erase the line before writing something else to the same terminal (it
 * is redrawn by the next update). NULL is fine. */
void sp_progress_hide(sp_progress *p);
/* Erase the line, remove the log hooks, free. NULL is fine. */
void sp_progress_end(sp_progress *p);

/* The component hook (sp_run_ctx.progress): counts NULL asks whether a
 * redraw is due; else draws from them (done = every outcome). */
int sp_progress_counts(void *p, const sp_counts *counts);

/* The line's text (without "\r" and the erase), for tests: rate_budget 0 =
 * no budget known; total 0 = no ETA. */
void sp_progress_format(char *buf, size_t n, const char *label, int64_t done, int64_t read,
                        int64_t total, double elapsed_s, double req_per_s, double budget_per_s);

#endif

/*
 * hook_program.h -- program hooks: an executable spoken to in JSON lines.
 *
 * A program hook (a Python, PowerShell or dotnet-script file, any
 * executable) is started once per component run, with argv as a list (no
 * shell), and kept running. For each call spetl writes one line per record on
 * its stdin,
 *
 *     {"point":"pre-export","record":{...}}
 *
 * and reads one reply line per record, in the same order, on its stdout:
 *
 *     {"action":"keep"|"skip"|"fail","properties":{...},"message":"..."}
 *
 * Writing and reading overlap (a writer thread), so a batch of any size does
 * not deadlock against a program that replies while spetl is still writing.
 * Its stderr goes to spetl's log, one log line per line, redacted, prefixed
 * with the component and the hook. samples/hooks/README.md is the protocol's
 * reference for hook authors.
 *
 * A record whose reply did not come (the program crashed, exited, took longer
 * than timeout_ms, or printed a line that is not a valid reply) gets
 * SP_HOOK_FAIL with a message saying exactly what happened; so do the records
 * after it in that call. The program is then stopped, and started again at
 * the next call; with stop_on_failure the call returns -1 instead (the
 * replies are still filled).
 *
 * Threads: an sp_hookprog is used by one thread at a time. On Linux the
 * program is killed when the thread that started it ends (PR_SET_PDEATHSIG
 * follows the thread, not the process): start, call and stop it from one
 * thread that outlives it. Errors: sp_err (err.h); SP_EIO when the program
 * cannot be started or failed with stop_on_failure.
 */
#ifndef SPETL_HOOK_PROGRAM_H
#define SPETL_HOOK_PROGRAM_H

#include <stddef.h>

#include "spetl/err.h"
#include "spetl/job.h"

typedef struct sp_hookprog sp_hookprog;

typedef enum sp_hook_action { SP_HOOK_KEEP = 0, SP_HOOK_SKIP, SP_HOOK_FAIL } sp_hook_action;

typedef struct sp_hook_reply {
    sp_hook_action action;
    const char *const *names;   /* "properties": names and values; a JSON string as is, a number  */
    const char *const *values;  /* or boolean as its JSON text, null as NULL                       */
    size_t nprops;
    const char *message;        /* NULL when absent */
} sp_hook_reply;                /* owned by the sp_hookprog, valid until its next call */

typedef struct sp_hookprog_opts {
    const char *const *argv;    /* argv[0] a path (the job loader resolved it); argv[argc] == NULL */
    const char *working_dir;    /* NULL: the current one */
    int timeout_ms;             /* per record */
    int stop_on_failure;        /* 1: a crash/timeout/garbage stops the run (-1); 0: the records fail, the program is restarted */
    const char *component;      /* "customer-export", for messages */
    sp_job_pos pos;             /* the hook element, for messages (include/spetl/job.h) */
    /* Added after the first version (zero or NULL: the default): */
    const char *job_file;       /* the job file, for messages (NULL: none) */
    const char *name;           /* the hook in messages and log lines; NULL: argv[0]'s file name */
    int start_ms;               /* added to the first reply's timeout after each (re)start, for the
                                   program's start-up (dotnet-script compiles then); 0: none */
} sp_hookprog_opts;

/* The longest reply line read (longer: not a valid reply), and how long
 * sp_hookprog_stop waits for the program to end after closing its stdin.
 * timeout_ms <= 0 means 30000. */
#define SP_HOOKPROG_LINE_MAX (4u * 1024u * 1024u)
#define SP_HOOKPROG_GRACE_MS 2000

int sp_hookprog_start(const sp_hookprog_opts *o, sp_hookprog **out, sp_err *e);

/* Send n records of one point (each record a JSON object text built by the caller) as n lines
   {"point":"pre-export","record":{...}} and read n reply lines {"action":"keep"|"skip"|"fail",
   "properties":{...},"message":"..."}; replies[i] is record i's. A record whose reply did not come
   (the program crashed, exited, timed out, or printed a line that is not a valid reply) gets
   SP_HOOK_FAIL with a message saying exactly what happened (exit status/signal, the timeout, the
   first 200 bytes of the bad line); the program is then restarted for the next call, or, with
   stop_on_failure, -1 with e. 0 otherwise. */
/* Also -1 (SP_EIO), whatever stop_on_failure says, when the program cannot be
   started again; every record then gets SP_HOOK_FAIL with e's message. The
   replies' messages are redacted (log.h). Output left over from the last call
   (more replies than records) or a program that ended between calls restarts
   it before the records are sent (a warning in the log). */
int sp_hookprog_call(sp_hookprog *p, const char *point, const char *const *records, size_t n,
                     sp_hook_reply *replies, sp_err *e);

/* sp_hookprog_call in two halves, so the caller works meanwhile: send
   writes the lines (a writer thread) and returns at once; recv reads the
   replies, as the call does, when the caller is ready for them (the program
   runs meanwhile; its replies wait in the pipe). One call at a time: each send
   is received (or cancelled) before the next. send returns -1 only for a
   call sent twice; a program that cannot start fails at recv, as above. */
int sp_hookprog_send(sp_hookprog *p, const char *point, const char *const *records, size_t n, sp_err *e);
int sp_hookprog_recv(sp_hookprog *p, sp_hook_reply *replies, sp_err *e);
/* 1 when recv would not wait: every reply line of the call sent is in
   (or its stdout ended); what came is kept for recv. */
int sp_hookprog_ready(sp_hookprog *p);
/* A call sent and not to be received (the run stops): the program is killed,
   and started again at the next call. No call sent: nothing. */
void sp_hookprog_cancel(sp_hookprog *p);

void sp_hookprog_stop(sp_hookprog *p);   /* close its stdin, wait a short grace, then kill; NULL fine */

/* The program's process id (-1 when it is not running): for tests and logs. */
long long sp_hookprog_pid(const sp_hookprog *p);

#endif

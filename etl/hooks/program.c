/* program.c -- program hooks: one executable, JSON lines (see hook_program.h).
 *
 * The program runs through the platform seam (sp_proc_*). A call writes its
 * whole batch from a writer thread while this thread reads the replies, one
 * line at a time, each within the timeout, and copies the stderr it meets on
 * the way to the log. Any failure to get a reply ends the program: its
 * remaining stderr is logged, it is killed with what it started, and reaped;
 * the next call starts it again. Replies are parsed with Jansson (this file
 * and etl/hubspot/ are the only users: `make lint`). */
#include "spetl/hook_program.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/buf.h"
#include "spetl/json.h"
#include "spetl/log.h"
#include "spetl/mem.h"
#include "spetl/platform.h"

#define ERR_LINE_MAX 2000      /* a longer stderr line is logged in pieces */
#define EXCERPT_MAX 200        /* bytes of a bad reply line quoted in its message */
#define DRAIN_MS 1000          /* reading the last stderr of a program that ended */
#define DEFAULT_TIMEOUT_MS 30000

struct sp_hookprog {
    char **argv;
    char *cwd, *component, *name, *job_file;
    sp_job_pos pos;
    int timeout_ms, stop_on_failure, start_ms;
    int fresh;                 /* started since the last reply: the next one gets start_ms more */
    sp_proc *proc;
    char *out;                 /* stdout bytes not yet taken as lines: out[start, len) */
    size_t start, scan, len, cap;
    int out_end;               /* stdout ended */
    char err[ERR_LINE_MAX + 1];
    size_t errlen;
    sp_arena *arena;           /* the replies of the last call */
    struct call *fly;          /* the call sent and not received; NULL: none */
};

/* What ended the wait for one line. */
typedef enum { LINE_OK, LINE_TIMEOUT, LINE_END, LINE_TOO_LONG } line_rc;

typedef struct writer {
    sp_proc *proc;
    const char *buf;
    size_t len;
    pthread_mutex_t mu;
    int done;
} writer;

/* A call between sp_hookprog_send and sp_hookprog_recv: its lines written
 * by the writer thread (when started), or why it could not be sent. */
typedef struct call {
    writer w;
    pthread_t th;
    int writing;               /* th runs (joined by the receive) */
    char *text, *point;
    size_t n;
    int rc;                    /* -1: not sent, err says why */
    sp_err err;
} call;

/* ---- stderr to the log ------------------------------------------------------ */

static void log_err_line(sp_hookprog *p)
{
    if (p->errlen > 0 && p->err[p->errlen - 1] == '\r')
        p->errlen--;
    p->err[p->errlen] = '\0';
    sp_log(SP_LOG_INFO, p->component, "hook %s: %s", p->name, p->err);
    p->errlen = 0;
}

static void take_stderr(sp_hookprog *p)
{
    char chunk[4096];
    long r = sp_proc_read(p->proc, SP_PROC_ERR, chunk, sizeof(chunk));
    long i;

    if (r <= 0) {
        if (p->errlen > 0)
            log_err_line(p);
        return;
    }
    for (i = 0; i < r; i++) {
        if (chunk[i] == '\n') {
            log_err_line(p);
            continue;
        }
        p->err[p->errlen++] = chunk[i] == '\0' ? '?' : chunk[i];
        if (p->errlen == ERR_LINE_MAX)
            log_err_line(p);
    }
}

/* ---- stdout lines ----------------------------------------------------------- */

/* Appends what stdout has to the line buffer; past a line's bound the bytes
 * are read and dropped (the line is too long anyway). 1 when bytes came. */
static int take_stdout(sp_hookprog *p)
{
    char drop[4096];
    long r;

    if (p->len - p->start > SP_HOOKPROG_LINE_MAX) {
        if ((r = sp_proc_read(p->proc, SP_PROC_OUT, drop, sizeof(drop))) <= 0)
            p->out_end = 1;
        return r > 0;
    }
    if (p->start > 0 && p->start == p->len)
        p->start = p->scan = p->len = 0;
    if (p->cap - p->len < 4096) {
        if (p->start > 0) { /* compact before growing */
            memmove(p->out, p->out + p->start, p->len - p->start);
            p->len -= p->start, p->scan -= p->start, p->start = 0;
        }
        if (p->cap - p->len < 4096) {
            p->cap = p->cap < 65536 ? 65536 : p->cap * 2;
            p->out = sp_xrealloc(p->out, p->cap);
        }
    }
    r = sp_proc_read(p->proc, SP_PROC_OUT, p->out + p->len, p->cap - p->len - 1);
    if (r > 0)
        p->len += (size_t)r;
    else
        p->out_end = 1;
    return r > 0;
}

/* Reads what stdout and stderr have until deadline (a monotonic time), or
 * returns at once with timeout 0. 0: something came or deadline passed;
 * -1: both ended. */
static int pump(sp_hookprog *p, int64_t deadline)
{
    int64_t left = deadline - sp_os_mono_ms();
    int m = sp_proc_poll(p->proc, left > 0 ? (left > 0x7fffffff ? 0x7fffffff : (int)left) : 0);

    if (m < 0) {
        p->out_end = 1;
        return -1;
    }
    if (m & SP_PROC_ERR)
        take_stderr(p);
    if (m & SP_PROC_OUT)
        take_stdout(p);
    return 0;
}

/* The next stdout line (without its end of line) in *line, *n; its bytes
 * stay valid until the next read. */
static line_rc next_line(sp_hookprog *p, int64_t deadline, char **line, size_t *n)
{
    char *nl;

    for (;;) {
        nl = p->len > p->scan ? memchr(p->out + p->scan, '\n', p->len - p->scan) : NULL;
        if (nl != NULL) {
            *line = p->out + p->start;
            *n = (size_t)(nl - *line);
            p->start = p->scan = (size_t)(nl - p->out) + 1;
            if (*n > 0 && (*line)[*n - 1] == '\r')
                (*n)--;
            (*line)[*n] = '\0';
            return LINE_OK;
        }
        p->scan = p->len;
        if (p->len - p->start > SP_HOOKPROG_LINE_MAX)
            return LINE_TOO_LONG;
        if (p->out_end)
            return LINE_END;
        if (sp_os_mono_ms() >= deadline)
            return LINE_TIMEOUT;
        pump(p, deadline);
    }
}

/* ---- replies ---------------------------------------------------------------- */

/* A value as text: a string as is, an integer in decimal, a real in the
 * shortest of 15 or 17 digits that reads back as the same double (0.1, not
 * 0.10000000000000001), true / false; NULL for null. */
static const char *json_text(sp_arena *a, json_t *v)
{
    char num[40];
    double d;

    if (json_is_string(v))
        return sp_arena_strndup(a, json_string_value(v), json_string_length(v));
    if (json_is_integer(v))
        return sp_arena_printf(a, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    if (json_is_real(v)) {
        d = json_real_value(v);
        snprintf(num, sizeof(num), "%.15g", d);
        if (strtod(num, NULL) != d)
            snprintf(num, sizeof(num), "%.17g", d);
        return sp_arena_strdup(a, num);
    }
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

static int parse_props(sp_arena *a, json_t *props, sp_hook_reply *r, char *why, size_t wn)
{
    const char **names, **values;
    const char *k;
    json_t *v;
    size_t i = 0;

    if (props == NULL || json_is_null(props))
        return 0;
    if (!json_is_object(props)) {
        snprintf(why, wn, "\"properties\" is not an object");
        return -1;
    }
    names = sp_arena_alloc(a, (json_object_size(props) + 1) * sizeof(*names));
    values = sp_arena_alloc(a, (json_object_size(props) + 1) * sizeof(*values));
    json_object_foreach(props, k, v) {
        if (json_is_object(v) || json_is_array(v)) {
            snprintf(why, wn, "property \"%.64s\" is an %s, not a string, number, boolean or null", k,
                     json_is_object(v) ? "object" : "array");
            return -1;
        }
        names[i] = sp_arena_strdup(a, k);
        values[i++] = json_text(a, v);
    }
    r->names = names, r->values = values, r->nprops = i;
    return 0;
}

/* The most common reply, as Python's json.dumps and a compact writer print
 * it: known without a parse. */
static int plain_keep(const char *line, size_t n)
{
    static const char compact[] = "{\"action\":\"keep\"}", spaced[] = "{\"action\": \"keep\"}";

    return (n == sizeof(compact) - 1 && memcmp(line, compact, n) == 0) ||
           (n == sizeof(spaced) - 1 && memcmp(line, spaced, n) == 0);
}

/* One reply line into *r (its text in the arena); -1 with why. */
static int parse_reply(sp_arena *a, const char *line, size_t n, sp_hook_reply *r, char *why,
                       size_t wn)
{
    json_error_t je;
    json_t *root, *act, *msg;
    const char *s;
    int rc = -1;

    memset(r, 0, sizeof(*r));
    if (plain_keep(line, n))
        return 0; /* SP_HOOK_KEEP, nothing else */
    root = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        snprintf(why, wn, "not JSON: %s at column %d", je.text, je.column);
        goto done;
    }
    act = json_object_get(root, "action");
    msg = json_object_get(root, "message");
    s = json_string_value(act);
    if (!json_is_object(root) || s == NULL) {
        snprintf(why, wn, "%s", json_is_object(root) ? "no \"action\" string" : "not a JSON object");
        goto done;
    }
    if (strcmp(s, "keep") == 0)
        r->action = SP_HOOK_KEEP;
    else if (strcmp(s, "skip") == 0)
        r->action = SP_HOOK_SKIP;
    else if (strcmp(s, "fail") == 0)
        r->action = SP_HOOK_FAIL;
    else {
        snprintf(why, wn, "\"action\" is \"%.32s\", not keep, skip or fail", s);
        goto done;
    }
    if (msg != NULL && !json_is_null(msg) && !json_is_string(msg)) {
        snprintf(why, wn, "\"message\" is not a string");
        goto done;
    }
    if (json_is_string(msg)) {
        char *m = sp_arena_strndup(a, json_string_value(msg), json_string_length(msg));
        sp_log_redact(m);
        r->message = m;
    }
    rc = parse_props(a, json_object_get(root, "properties"), r, why, wn);
done:
    json_decref(root);
    return rc;
}

/* The first EXCERPT_MAX bytes of a bad line, cut at a character, controls
 * shown as '?', secrets redacted. */
static void excerpt(const char *line, size_t n, char *buf, size_t bn)
{
    const char *nl = memchr(line, '\n', n);
    size_t i, k;

    if (nl != NULL)
        n = (size_t)(nl - line);
    k = n > EXCERPT_MAX ? EXCERPT_MAX : n;
    if (k >= bn)
        k = bn - 1;
    while (k > 0 && k < n && ((unsigned char)line[k] & 0xC0) == 0x80)
        k--;
    for (i = 0; i < k; i++)
        buf[i] = (unsigned char)line[i] < 0x20 ? '?' : line[i];
    buf[k] = '\0';
    sp_log_redact(buf);
}

/* ---- the writer thread ------------------------------------------------------ */

static void *write_main(void *arg)
{
    writer *w = arg;

    (void)sp_proc_write(w->proc, w->buf, w->len);
    pthread_mutex_lock(&w->mu);
    w->done = 1;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int writer_done(writer *w)
{
    int d;
    pthread_mutex_lock(&w->mu);
    d = w->done;
    pthread_mutex_unlock(&w->mu);
    return d;
}

/* Raw CR and LF in s[0..n) become spaces. */
static void blank_ends(char *s, size_t n)
{
    char *c, *end = s + n;

    for (c = s; (c = memchr(c, '\n', (size_t)(end - c))) != NULL; )
        *c++ = ' ';
    for (c = s; (c = memchr(c, '\r', (size_t)(end - c))) != NULL; )
        *c++ = ' ';
}

/* The lines of a call: {"point":P,"record":R}\n each; a raw CR or LF in a
 * record (JSON whitespace: inside strings they are escaped) becomes a space. */
static char *batch_text(const char *point, const char *const *records, size_t n, size_t *len)
{
    size_t *rl = sp_xcalloc(n, sizeof(*rl));
    size_t total = 0, i, at = 0;
    sp_buf head;
    sp_err unused; /* the bound fits the point quoted */
    char *t;

    sp_buf_init(&head, 4096 + strlen(point) * 6);
    sp_buf_puts(&head, "{\"point\":", &unused);
    sp_json_quote(&head, point);
    sp_buf_puts(&head, ",\"record\":", &unused);
    for (i = 0; i < n; i++) {
        rl[i] = strlen(records[i]);
        total += head.len + rl[i] + 2;
    }
    t = sp_xmalloc(total + 1);
    for (i = 0; i < n; i++) {
        memcpy(t + at, head.data, head.len);
        at += head.len;
        memcpy(t + at, records[i], rl[i]);
        blank_ends(t + at, rl[i]);
        at += rl[i];
        t[at++] = '}';
        t[at++] = '\n';
    }
    t[at] = '\0';
    *len = at;
    sp_buf_free(&head);
    free(rl);
    return t;
}

/* ---- the program's life ----------------------------------------------------- */

static int launch(sp_hookprog *p, sp_err *e)
{
    char why[512];

    p->start = p->scan = p->len = 0;
    p->errlen = 0;
    p->out_end = 0;
    p->fresh = 1;
    if (sp_proc_spawn((const char *const *)p->argv, p->cwd, &p->proc, why, sizeof(why)) != 0) {
        SP_ERR(e, SP_EIO, "hook %s: %s", p->name, why);
        if (p->job_file != NULL)
            sp_err_at_input(e, p->job_file, p->pos.line, p->pos.col);
        sp_err_record(e, p->component, NULL);
        return -1;
    }
    sp_log(SP_LOG_DEBUG, p->component, "hook %s: started %s (pid %lld)", p->name, p->argv[0],
           sp_proc_pid(p->proc));
    return 0;
}

/* Logs what is left on stderr (until it ends or DRAIN_MS), kills what is
 * left of the program, reaps it; how it ended goes into how. No writer may
 * be running. */
static void end_program(sp_hookprog *p, int kill_first, char *how, size_t hn)
{
    int64_t until = sp_os_mono_ms() + DRAIN_MS, left;
    char ignored[96];

    if (p->proc == NULL)
        return;
    sp_proc_close_stdin(p->proc);
    if (kill_first)
        sp_proc_kill(p->proc);
    while (sp_os_mono_ms() < until && pump(p, until) == 0)
        ;
    if (p->errlen > 0)
        log_err_line(p);
    left = until - sp_os_mono_ms();
    if (!sp_proc_wait(p->proc, kill_first ? -1 : (int)(left > 0 ? left : 0), how, hn)) {
        snprintf(how, hn, "closed its stdout but kept running (it was killed)");
        sp_proc_kill(p->proc);
        sp_proc_wait(p->proc, -1, ignored, sizeof(ignored));
    }
    sp_proc_free(p->proc);
    p->proc = NULL;
}

/* Waits up to ms for the writer to finish, logging stderr meanwhile; 1 when
 * it did. */
static int await_writer(sp_hookprog *p, writer *w, int64_t ms)
{
    int64_t until = sp_os_mono_ms() + ms, now;

    while (!writer_done(w) && (now = sp_os_mono_ms()) < until)
        if (pump(p, now + 10 < until ? now + 10 : until) < 0)
            sp_os_sleep_ms(5);
    return writer_done(w);
}

/* Stops the writer: when it still writes after the grace, the program is
 * killed so that its stdin breaks. 1 when it was killed. */
static int stop_writer(sp_hookprog *p, writer *w, pthread_t th, int64_t grace_ms)
{
    int killed = 0;

    if (!await_writer(p, w, grace_ms)) {
        sp_proc_kill(p->proc);
        killed = 1;
    }
    pthread_join(th, NULL);
    pthread_mutex_destroy(&w->mu);
    return killed;
}

/* ---- the public functions --------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *b = path, *s;

    for (s = path; *s != '\0'; s++)
        if (sp_path_is_sep(*s))
            b = s + 1;
    return b;
}

int sp_hookprog_start(const sp_hookprog_opts *o, sp_hookprog **out, sp_err *e)
{
    sp_hookprog *p;
    size_t argc = 0, i;

    *out = NULL;
    if (o->argv == NULL || o->argv[0] == NULL || o->argv[0][0] == '\0')
        return SP_ERR(e, SP_EINTERNAL, "hook program: no program given (argv is empty)");
    while (o->argv[argc] != NULL)
        argc++;
    p = sp_xcalloc(1, sizeof(*p));
    p->argv = sp_xcalloc(argc + 1, sizeof(*p->argv));
    for (i = 0; i < argc; i++)
        p->argv[i] = sp_xstrdup(o->argv[i]);
    p->cwd = o->working_dir != NULL ? sp_xstrdup(o->working_dir) : NULL;
    p->component = sp_xstrdup(o->component != NULL ? o->component : "hook");
    p->name = sp_xstrdup(o->name != NULL ? o->name : base_name(o->argv[0]));
    p->job_file = o->job_file != NULL ? sp_xstrdup(o->job_file) : NULL;
    p->pos = o->pos;
    p->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    p->stop_on_failure = o->stop_on_failure;
    p->start_ms = o->start_ms > 0 ? o->start_ms : 0;
    p->arena = sp_arena_new(64 * 1024);
    if (launch(p, e) != 0) {
        sp_hookprog_stop(p);
        return -1;
    }
    *out = p;
    return 0;
}

long long sp_hookprog_pid(const sp_hookprog *p)
{
    return p != NULL && p->proc != NULL ? sp_proc_pid(p->proc) : -1;
}

void sp_hookprog_stop(sp_hookprog *p)
{
    int64_t until;
    char how[128] = "";
    size_t i;

    if (p == NULL)
        return;
    sp_hookprog_cancel(p);
    if (p->proc != NULL) {
        sp_proc_close_stdin(p->proc);
        until = sp_os_mono_ms() + SP_HOOKPROG_GRACE_MS;
        while (sp_os_mono_ms() < until && pump(p, until) == 0)
            ;
        if (!sp_proc_wait(p->proc, (int)(until > sp_os_mono_ms() ? until - sp_os_mono_ms() : 0), how,
                          sizeof(how)))
            sp_log(SP_LOG_WARN, p->component, "hook %s: still running %d ms after its stdin was "
                   "closed: killed", p->name, SP_HOOKPROG_GRACE_MS);
        end_program(p, 1, how, sizeof(how));
        sp_log(SP_LOG_DEBUG, p->component, "hook %s: stopped", p->name);
    }
    for (i = 0; p->argv != NULL && p->argv[i] != NULL; i++)
        free(p->argv[i]);
    free(p->argv);
    free(p->cwd), free(p->component), free(p->name), free(p->job_file), free(p->out);
    sp_arena_free(p->arena);
    free(p);
}

/* ---- a call ----------------------------------------------------------------- */

/* Why the replies stopped coming. */
typedef struct failure {
    line_rc kind;              /* LINE_OK: a line came that is not a valid reply */
    char why[256];
    char bad[EXCERPT_MAX + 1];
} failure;

static int blank(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

/* Reads the replies in order: the number that came (n when all did), the
 * reason in f when fewer. Blank lines are skipped, a UTF-8 byte order mark
 * at a line's start too (PowerShell writes one). */
static size_t read_replies(sp_hookprog *p, sp_hook_reply *replies, size_t n, failure *f)
{
    size_t i, len = 0;
    int64_t deadline;
    char *line = NULL;
    line_rc rc;

    for (i = 0; i < n; i++) {
        deadline = sp_os_mono_ms() + p->timeout_ms + (p->fresh ? p->start_ms : 0);
        do {
            rc = next_line(p, deadline, &line, &len);
            if (rc == LINE_OK && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
                line += 3, len -= 3;
        } while (rc == LINE_OK && blank(line, len));
        if (rc != LINE_OK) {
            f->kind = rc;
            return i;
        }
        p->fresh = 0;
        if (parse_reply(p->arena, line, len, &replies[i], f->why, sizeof(f->why)) != 0) {
            f->kind = LINE_OK;
            excerpt(line, len, f->bad, sizeof(f->bad));
            return i;
        }
    }
    return n;
}

/* Before a call: output left from the last one (a line no record asked
 * for), or a program that ended between calls, means a fresh start. */
static int fresh_if_stale(sp_hookprog *p, sp_err *e)
{
    char how[128] = "", bad[EXCERPT_MAX + 1] = "";
    int m, rounds = 0;

    while (rounds++ < 64 && !p->out_end && (m = sp_proc_poll(p->proc, 0)) != 0) {
        if (m < 0 || (m & SP_PROC_ERR))
            pump(p, 0);
        else if (!take_stdout(p) || p->len - p->start > SP_HOOKPROG_LINE_MAX)
            break;
    }
    if (!p->out_end && p->len == p->start)
        return 0;
    if (p->len > p->start)
        excerpt(p->out + p->start, p->len - p->start, bad, sizeof(bad));
    end_program(p, p->len > p->start, how, sizeof(how));
    if (bad[0] != '\0')
        sp_log(SP_LOG_WARN, p->component, "hook %s: the program printed output no record asked "
               "for (%s); it was stopped (%s) and is started again", p->name, bad, how);
    else
        sp_log(SP_LOG_WARN, p->component, "hook %s: the program %s between calls; it is started "
               "again", p->name, how);
    return launch(p, e);
}

static void describe_failure(const sp_hookprog *p, const failure *f, const char *how,
                             const char *point, size_t i, size_t n, char *msg, size_t mn)
{
    switch (f->kind) {
    case LINE_TIMEOUT:
        snprintf(msg, mn, "hook %s: the program did not reply to record %zu of %zu at %s within "
                 "%d ms (the timeout); it was killed", p->name, i + 1, n, point, p->timeout_ms);
        break;
    case LINE_TOO_LONG:
        snprintf(msg, mn, "hook %s: the program printed a line longer than %u bytes for record "
                 "%zu of %zu at %s; it was killed", p->name, SP_HOOKPROG_LINE_MAX, i + 1, n, point);
        break;
    case LINE_END:
        snprintf(msg, mn, "hook %s: the program %s before replying to record %zu of %zu at %s",
                 p->name, how, i + 1, n, point);
        break;
    case LINE_OK:
        snprintf(msg, mn, "hook %s: the program printed a line that is not a valid reply to "
                 "record %zu of %zu at %s (%s); it was killed; the line begins: %s", p->name,
                 i + 1, n, point, f->why, f->bad);
        break;
    }
    sp_log_redact(msg); /* the parser's text quotes the line too */
}

/* Fails records from..n-1 with msg, logs it; -1 with e under
 * stop_on_failure. */
static void fill_fail(sp_hookprog *p, sp_hook_reply *replies, size_t from, size_t n,
                      const char *msg)
{
    const char *m = sp_arena_strdup(p->arena, msg);
    size_t i;

    for (i = from; i < n; i++) {
        memset(&replies[i], 0, sizeof(replies[i]));
        replies[i].action = SP_HOOK_FAIL;
        replies[i].message = m;
    }
}

static int fail_rest(sp_hookprog *p, sp_hook_reply *replies, size_t from, size_t n,
                     const char *msg, sp_err *e)
{
    fill_fail(p, replies, from, n, msg);
    if (!p->stop_on_failure) {
        sp_log(SP_LOG_WARN, p->component, "%s; %zu record(s) failed; it is started again at the "
               "next call", msg, n - from);
        return 0;
    }
    SP_ERR(e, SP_EIO, "%s (the hook stops the run on failure)", msg);
    if (p->job_file != NULL)
        sp_err_at_input(e, p->job_file, p->pos.line, p->pos.col);
    sp_err_record(e, p->component, NULL);
    return -1;
}

int sp_hookprog_send(sp_hookprog *p, const char *point, const char *const *records, size_t n, sp_err *e)
{
    call *c;
    size_t len;

    if (p->fly != NULL)
        return SP_ERR(e, SP_EINTERNAL, "hook %s: a call is sent before the last one was received", p->name);
    sp_arena_reset(p->arena);
    c = p->fly = sp_xcalloc(1, sizeof(*c));
    c->point = sp_xstrdup(point);
    c->n = n;
    if (n == 0)
        return 0;
    if ((p->proc == NULL ? launch(p, &c->err) : fresh_if_stale(p, &c->err)) != 0) {
        c->rc = -1; /* it cannot run: -1 whatever stop_on_failure says */
        return 0;
    }
    c->text = batch_text(point, records, n, &len);
    c->w.proc = p->proc, c->w.buf = c->text, c->w.len = len;
    pthread_mutex_init(&c->w.mu, NULL);
    if (pthread_create(&c->th, NULL, write_main, &c->w) != 0) {
        pthread_mutex_destroy(&c->w.mu);
        c->rc = -1;
        SP_ERR(&c->err, SP_EINTERNAL, "hook %s: cannot start a writer thread", p->name);
        return 0;
    }
    c->writing = 1;
    return 0;
}

static void call_free(sp_hookprog *p)
{
    free(p->fly->text);
    free(p->fly->point);
    free(p->fly);
    p->fly = NULL;
}

/* The replies of the call sent, read as they come (see call). */
static int receive(sp_hookprog *p, call *c, sp_hook_reply *replies, sp_err *e)
{
    char how[128] = "", msg[SP_ERR_MSG_MAX];
    failure f = {LINE_OK, "", ""};
    size_t got, n = c->n;
    int killed;

    got = read_replies(p, replies, n, &f);
    killed = stop_writer(p, &c->w, c->th, got == n ? p->timeout_ms : f.kind == LINE_END ? DRAIN_MS : 0);
    if (got == n) {
        if (killed) { /* every reply came, but its input is out of step now */
            end_program(p, 1, how, sizeof(how));
            sp_log(SP_LOG_WARN, p->component, "hook %s: the program replied to every record of %s "
                   "but did not read all of its input within %d ms; it was killed and is started "
                   "again at the next call", p->name, c->point, p->timeout_ms);
        }
        return 0;
    }
    end_program(p, killed || f.kind != LINE_END, how, sizeof(how));
    describe_failure(p, &f, how, c->point, got, n, msg, sizeof(msg));
    return fail_rest(p, replies, got, n, msg, e);
}

int sp_hookprog_recv(sp_hookprog *p, sp_hook_reply *replies, sp_err *e)
{
    call *c = p->fly;
    int rc = -1;

    if (c == NULL)
        return SP_ERR(e, SP_EINTERNAL, "hook %s: a call is received that was not sent", p->name);
    memset(replies, 0, c->n * sizeof(*replies));
    if (c->rc != 0) {
        *e = c->err;
        fill_fail(p, replies, 0, c->n, e->msg);
    } else if (c->n == 0 || !c->writing) {
        rc = 0;
    } else {
        rc = receive(p, c, replies, e);
    }
    call_free(p);
    return rc;
}

/* Whole lines in the stdout buffer, counted up to max. */
static size_t lines_buffered(const sp_hookprog *p, size_t max)
{
    const char *s, *end, *nl;
    size_t k = 0;

    if (p->out == NULL)
        return 0;
    s = p->out + p->start, end = p->out + p->len;
    while (k < max && s < end && (nl = memchr(s, '\n', (size_t)(end - s))) != NULL)
        k++, s = nl + 1;
    return k;
}

int sp_hookprog_ready(sp_hookprog *p)
{
    int rounds = 0;

    if (p->fly == NULL || !p->fly->writing)
        return 1;
    while (rounds++ < 64 && !p->out_end && p->len - p->start <= SP_HOOKPROG_LINE_MAX &&
           sp_proc_poll(p->proc, 0) > 0)
        pump(p, 0);
    return p->out_end || lines_buffered(p, p->fly->n) == p->fly->n;
}

void sp_hookprog_cancel(sp_hookprog *p)
{
    char how[128] = "";

    if (p == NULL || p->fly == NULL)
        return;
    if (p->fly->writing) {
        sp_proc_kill(p->proc); /* its stdin breaks: the writer ends */
        pthread_join(p->fly->th, NULL);
        pthread_mutex_destroy(&p->fly->w.mu);
        end_program(p, 1, how, sizeof(how));
        sp_log(SP_LOG_DEBUG, p->component, "hook %s: a call was cancelled; the program was "
               "stopped (%s)", p->name, how);
    }
    call_free(p);
}

int sp_hookprog_call(sp_hookprog *p, const char *point, const char *const *records, size_t n,
                     sp_hook_reply *replies, sp_err *e)
{
    if (sp_hookprog_send(p, point, records, n, e) != 0)
        return -1;
    return sp_hookprog_recv(p, replies, e);
}

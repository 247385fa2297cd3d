/* notify.c -- the e-mail at the end of a run that did not succeed (see
 * include/spetl/mail.h): the run's failed records, the message, the sending,
 * and one log line either way. */
#include <stdlib.h>
#include <string.h>

#include "spetl/clock.h"
#include "spetl/log.h"
#include "spetl/mail.h"
#include "spetl/mem.h"

#define MAIL_MAX_BYTES (4 * 1024 * 1024)

typedef struct collect {
    sp_action *rows;
    size_t n, cap;
} collect;

static int keep_row(const sp_action *a, void *p)
{
    collect *c = p;

    if (c->n == c->cap)
        return -1;
    c->rows[c->n++] = *a;
    return c->n == c->cap ? -1 : 0;
}

/* Up to max-records failed records of the run; none when they cannot be read
 * (the message is still worth sending: it says what happened). */
static void read_records(const sp_job *job, sp_db *db, sp_mail_report *r, collect *c)
{
    sp_err e;
    char line[1024];

    if (db == NULL || r->hub[0] == '\0' || job->email.max_records <= 0)
        return;
    c->cap = (size_t)job->email.max_records;
    c->rows = sp_xcalloc(c->cap, sizeof(*c->rows));
    sp_err_clear(&e);
    if (sp_action_list_run(db, r->hub, r->run_id, job->email.max_records, keep_row, c, &e) != 0)
        SP_WARN("mail", "the e-mail on error lists no failed records: %s",
                sp_err_format(&e, line, sizeof(line)));
    r->records = c->rows;
    r->nrecords = c->n;
}

void sp_mail_run_failed(const sp_job *job, sp_db *db, sp_mail_report *r)
{
    const sp_job_email *m = &job->email;
    collect c = {NULL, 0, 0};
    sp_buf msg;
    sp_err e;
    char line[1024];

    if (m->pos.line == 0 || !m->enabled)
        return;
    sp_buf_init(&msg, MAIL_MAX_BYTES);
    sp_err_clear(&e);
    read_records(job, db, r, &c);
    if (sp_mail_build(m, r, sp_clock_wall_ms(), &msg, &e) != 0 ||
        sp_mail_send(m, sp_buf_str(&msg), &e) != 0) {
        sp_err_at_input(&e, job->path, m->pos.line, m->pos.col);
        SP_ERROR("mail", "%s", sp_err_format(&e, line, sizeof(line)));
    } else {
        SP_INFO("mail", "e-mail on error sent to %zu recipient%s (%zu failed record%s listed)", m->nto,
                m->nto == 1 ? "" : "s", c.n, c.n == 1 ? "" : "s");
    }
    sp_buf_free(&msg);
    free(c.rows);
}

/* read_ahead.c -- the pipeline's read-ahead thread (spetl/sync.h): while
 * the pages in flight wait for HubSpot, it reads (and the engine maps) the
 * next ones on a connection of its own (the server's round trips and work,
 * the mapping and hashing then cost the pipeline nothing; on PostgreSQL a
 * 10,000-customer export went from 3.3 to 2.3 s), or on SQLite on the run's
 * connection between commits. The engine's pages must be disjoint (keyset
 * ranges), so that reading one ahead sees what reading it later would. */
#include <stdlib.h>
#include <string.h>

#include "pipeline_internal.h"
#include "spetl/mem.h"

/* Wait for room; 0 when the run wants no more pages. */
static int reader_wait_room(sp_sync_reader *rd, size_t max)
{
    int go;

    pthread_mutex_lock(&rd->mu);
    while (rd->qn == max && !rd->stop)
        pthread_cond_wait(&rd->cv, &rd->mu);
    go = !rd->stop;
    pthread_mutex_unlock(&rd->mu);
    return go;
}

static void *reader_main(void *arg)
{
    sp_sync *s = arg;
    sp_sync_reader *rd = &s->rd;
    size_t max = (size_t)s->opts.read_ahead;

    while (reader_wait_room(rd, max)) {
        void *page = NULL;
        sp_err e;
        int got;
        sp_err_clear(&e);
        /* no page read ahead while the commit thread is behind: the caller
         * waits for it too, so the page would wait in memory (on SQLite it
         * would also take the connection from the commits) */
        sp_sync_committer_wait_room(s);
        if (rd->db == NULL)
            sp_sync_db_lock(s);
        got = s->ops->read(s->ud, rd->src, &page, &e);
        if (rd->db == NULL)
            sp_sync_db_unlock(s);
        if (got <= 0) {
            pthread_mutex_lock(&rd->mu);
            rd->failed = got < 0;
            rd->err = e;
            pthread_mutex_unlock(&rd->mu);
            break;
        }
        pthread_mutex_lock(&rd->mu);
        rd->q[rd->qn++] = page;
        pthread_cond_broadcast(&rd->cv);
        pthread_mutex_unlock(&rd->mu);
    }
    pthread_mutex_lock(&rd->mu);
    rd->done = 1;
    pthread_cond_broadcast(&rd->cv);
    pthread_mutex_unlock(&rd->mu);
    return NULL;
}

/* The connection the thread reads on: its own on a database server, the
 * run's on SQLite (with the commit thread, which shares it by dbmu). 1
 * chosen, 0 no read-ahead, -1 error. */
static int reader_db(sp_sync *s, sp_err *e)
{
    sp_db *run_db = s->opts.ctx->db;

    if (sp_db_dialect(run_db) == SP_DIALECT_SQLITE)
        return s->committer_on ? 1 : 0;
    if (sp_db_open(&s->rd.db, s->opts.read_conn, NULL, e) != 0) {
        sp_err_prefix(e, "opening the read-ahead connection");
        return -1;
    }
    if (sp_db_dialect(s->rd.db) != sp_db_dialect(run_db)) {
        sp_db_close(s->rd.db);
        s->rd.db = NULL;
        return 0;
    }
    return 1;
}

int sp_sync_reader_start(sp_sync *s, sp_err *e)
{
    sp_sync_reader *rd = &s->rd;
    int rc;

    if (!s->opts.threads || s->opts.read_conn == NULL || s->opts.read_ahead <= 0)
        return 0;   /* nothing to overlap */
    if ((rc = reader_db(s, e)) <= 0)
        return rc;
    rd->q = sp_xcalloc((size_t)s->opts.read_ahead, sizeof(*rd->q));
    rd->src = s->ops->src_open(s->ud, rd->db != NULL ? rd->db : s->opts.ctx->db);
    pthread_mutex_init(&rd->mu, NULL);
    pthread_cond_init(&rd->cv, NULL);
    rd->on = 1;
    if (pthread_create(&rd->th, NULL, reader_main, s) != 0) {
        rd->on = 0;
        pthread_mutex_destroy(&rd->mu);
        pthread_cond_destroy(&rd->cv);
        s->ops->src_close(s->ud, rd->src);
        rd->src = NULL;
        if (rd->db != NULL)
            sp_db_close(rd->db);
        rd->db = NULL;
        free(rd->q);
        rd->q = NULL;
        return 0;
    }
    return 1;
}

int sp_sync_reader_next(sp_sync *s, void **page, sp_err *e)
{
    sp_sync_reader *rd = &s->rd;
    int rc = 0;

    pthread_mutex_lock(&rd->mu);
    while (rd->qn == 0 && !rd->done)
        pthread_cond_wait(&rd->cv, &rd->mu);
    if (rd->qn > 0) {
        *page = rd->q[0];
        memmove(rd->q, rd->q + 1, (rd->qn - 1) * sizeof(rd->q[0]));
        rd->qn--;
        pthread_cond_broadcast(&rd->cv);
        rc = 1;
    } else if (rd->failed) {
        *e = rd->err;
        rc = -1;
    }
    pthread_mutex_unlock(&rd->mu);
    return rc;
}

void sp_sync_reader_stop(sp_sync *s)
{
    sp_sync_reader *rd = &s->rd;

    if (!rd->on)
        return;
    pthread_mutex_lock(&rd->mu);
    rd->stop = 1;
    pthread_cond_broadcast(&rd->cv);
    pthread_mutex_unlock(&rd->mu);
    pthread_join(rd->th, NULL);
    rd->on = 0;
    for (size_t i = 0; i < rd->qn; i++)
        s->ops->free_page(s->ud, rd->q[i]);
    rd->qn = 0;
    pthread_mutex_destroy(&rd->mu);
    pthread_cond_destroy(&rd->cv);
    if (rd->db == NULL)
        sp_sync_db_lock(s);   /* its statements are on the run's connection */
    s->ops->src_close(s->ud, rd->src);
    if (rd->db == NULL)
        sp_sync_db_unlock(s);
    else
        sp_db_close(rd->db);
    rd->src = NULL;
    rd->db = NULL;
    free(rd->q);
    rd->q = NULL;
}

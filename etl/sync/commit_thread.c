/* commit_thread.c -- the pipeline's commit thread (spetl/sync.h): pages
 * whose work is done wait in a queue and are committed in the order they
 * were done, holding the run's connection: one at a time, or, when the
 * engine commits many at once (ops->commit_many), every page waiting
 * together. */
#include <stdlib.h>

#include "pipeline_internal.h"
#include "spetl/mem.h"

/* The pages waiting, up to max, off the queue (s->mu held). */
static size_t take_pages(sp_sync *s, void **pages, size_t max)
{
    size_t n = 0;

    while (s->cq_head != NULL && n < max) {
        sp_sync_qnode *qn = s->cq_head;
        s->cq_head = qn->next;
        if (s->cq_head == NULL)
            s->cq_tail = NULL;
        s->cqn--;
        pages[n++] = qn->page;
        free(qn);
    }
    return n;
}

static void *committer_main(void *arg)
{
    sp_sync *s = arg;
    size_t group = s->ops->commit_many != NULL ? SP_SYNC_COMMIT_GROUP : 1;

    pthread_mutex_lock(&s->mu);
    for (;;) {
        void *pages[SP_SYNC_COMMIT_GROUP];
        size_t n;
        sp_err e;
        int rc;
        while (s->cq_head == NULL && !s->cclosing)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->cq_head == NULL)
            break;   /* closing, nothing left */
        n = take_pages(s, pages, group);
        pthread_cond_broadcast(&s->cv);   /* room in the queue */
        pthread_mutex_unlock(&s->mu);
        sp_err_clear(&e);
        pthread_mutex_lock(&s->dbmu);
        rc = sp_sync_commit_pages(s, pages, n, &e);
        pthread_mutex_unlock(&s->dbmu);
        for (size_t i = 0; i < n; i++)
            sp_sync_page_end(s, pages[i], rc, &e);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

void sp_sync_committer_push(sp_sync *s, void *page)
{
    sp_sync_qnode *qn = sp_xmalloc(sizeof(*qn));

    qn->page = page;
    qn->next = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->cq_tail != NULL)
        s->cq_tail->next = qn;
    else
        s->cq_head = qn;
    s->cq_tail = qn;
    s->cqn++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Wait while the commit thread has commit_queue_max pages to commit (the
 * disk is slower than HubSpot: read no more meanwhile). */
void sp_sync_committer_wait_room(sp_sync *s)
{
    if (!s->committer_on)
        return;
    pthread_mutex_lock(&s->mu);
    while (s->cqn >= (size_t)s->opts.commit_queue_max)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

void sp_sync_committer_start(sp_sync *s)
{
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->dbmu, NULL);
    s->committer_on = 1;
    if (pthread_create(&s->committer, NULL, committer_main, s) != 0) {
        s->committer_on = 0;
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->dbmu);
    }
}

/* Commit what is queued, then end the thread (the run's connection is the
 * caller's alone again). */
void sp_sync_committer_finish(sp_sync *s)
{
    if (!s->committer_on)
        return;
    pthread_mutex_lock(&s->mu);
    s->cclosing = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->committer, NULL);
    s->committer_on = 0;
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->dbmu);
}

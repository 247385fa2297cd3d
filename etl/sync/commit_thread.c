/* commit_thread.c -- the pipeline's commit thread (spetl/sync.h): pages
 * whose work is done wait in a queue and are committed one at a time, in
 * the order they were done, each holding the run's connection. */
#include <stdlib.h>

#include "pipeline_internal.h"
#include "spetl/mem.h"

static void *committer_main(void *arg)
{
    sp_sync *s = arg;

    pthread_mutex_lock(&s->mu);
    for (;;) {
        sp_sync_qnode *qn;
        void *page;
        sp_err e;
        int rc;
        while (s->cq_head == NULL && !s->cclosing)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->cq_head == NULL)
            break;   /* closing, nothing left */
        qn = s->cq_head;
        s->cq_head = qn->next;
        if (s->cq_head == NULL)
            s->cq_tail = NULL;
        s->cqn--;
        pthread_cond_broadcast(&s->cv);   /* room in the queue */
        pthread_mutex_unlock(&s->mu);
        page = qn->page;
        free(qn);
        sp_err_clear(&e);
        pthread_mutex_lock(&s->dbmu);
        rc = sp_sync_commit_page(s, page, &e);
        pthread_mutex_unlock(&s->dbmu);
        sp_sync_page_end(s, page, rc, &e);
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

/* export.c -- the export pipeline shared by every ERP -> HubSpot component
 * (see include/spetl/export.h for the flow, ownership and error rules). */
#include "spetl/export.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spetl/buf.h"
#include "spetl/clock.h"
#include "spetl/filter.h"
#include "spetl/log.h"
#include "spetl/payload.h"

#define SQL_MAX (64 * 1024)
#define MAX_COLS 96
#define MAX_PAGES_IN_FLIGHT 6
#define MAX_CHILD_ROWS 200000

typedef enum xoutcome {
    O_NONE = 0,      /* not decided yet (or not done: the run stopped) */
    O_CREATED,
    O_UPDATED,
    O_LINKED,
    O_UNCHANGED,
    O_SKIPPED,
    O_FAILED
} xoutcome;

typedef enum xop {
    OP_NONE = 0,
    OP_UPSERT,
    OP_UPDATE
} xop;

/* One record of a page. */
typedef struct xrec {
    int level;
    const char *k1, *k2;         /* trimmed key parts */
    const char *ekey;            /* entity key: "K1" or "K1|K2" */
    int parent;                  /* child: index among the page's parents; -1 none */
    sp_map_out map;
    char hash[SP_PAYLOAD_HASH_LEN];
    const char *link_id;         /* linked HubSpot id, NULL when not linked */
    const char *link_hash;
    int linked_before;           /* a link row existed when the page was read */
    int send;
    xop op;
    const char *hs_id;           /* the HubSpot id after the write */
    xoutcome outcome;
    int relinked;                /* its linked object was gone: re-resolved */
    const char *gone_id;
    int pend;                    /* flag for the next stage */
    const char *existing_id;     /* 409 on the email: the contact holding it */
    int assoc;                   /* to associate to its parent */
    const char *rawkey;          /* the key as stored, quoted (trailing spaces shown) */
    int quiet;                   /* failed with another record of its key: that one reports */
    int unlink;                  /* failed: its linked object is gone, the link is dropped */
    /* failure */
    int status;
    const char *category, *message, *corr;
} xrec;

typedef struct xlevel_rt {
    const sp_export_level *lv;
    const sp_job_column *cols[MAX_COLS];
    int ncols;
    sp_hs_object object;
    int key_width[2];
    const sp_job_column *keycol[2];
} xlevel_rt;

/* A fixed-size open-addressing set of keys (strings owned elsewhere). */
typedef struct khash {
    const char **keys;
    size_t *idx;
    size_t cap;
} khash;

static size_t fnv(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void kh_init(khash *h, sp_arena *a, size_t n)
{
    h->cap = 16;
    while (h->cap < n * 2)
        h->cap *= 2;
    h->keys = sp_arena_alloc(a, h->cap * sizeof(char *));
    h->idx = sp_arena_alloc(a, h->cap * sizeof(size_t));
}

static void kh_put(khash *h, const char *k, size_t i)
{
    size_t p = fnv(k) & (h->cap - 1);
    while (h->keys[p] != NULL)
        p = (p + 1) & (h->cap - 1);
    h->keys[p] = k;
    h->idx[p] = i;
}

static int kh_get(const khash *h, const char *k, size_t *i)
{
    size_t p = fnv(k) & (h->cap - 1);
    while (h->keys[p] != NULL) {
        if (strcmp(h->keys[p], k) == 0) {
            *i = h->idx[p];
            return 1;
        }
        p = (p + 1) & (h->cap - 1);
    }
    return 0;
}

typedef struct xrun xrun;

/* Where pages are read: a connection and its page reads, prepared once per
 * run (the first page's, the next pages', the children's, a key's rows), each re-executed
 * with new keys. The run's own connection, or the read-ahead thread's. */
typedef struct xsrc {
    sp_db *db;
    struct {
        char *sql;
        sp_stmt *st;
    } reads[4];
} xsrc;

static void src_close(xsrc *src)
{
    for (size_t i = 0; i < sizeof(src->reads) / sizeof(src->reads[0]); i++) {
        sp_stmt_free(src->reads[i].st);
        free(src->reads[i].sql);
    }
    memset(src->reads, 0, sizeof(src->reads));
}

typedef enum xstage {
    ST_START = 0,
    ST_P_SEND,
    ST_P_RERESOLVE,
    ST_C_SEND,
    ST_C_RERESOLVE,
    ST_C_CONFLICT_READ,
    ST_C_CONFLICT_UPDATE,
    ST_ASSOC,
    ST_COMMIT,
    ST_DONE
} xstage;

typedef struct xpage {
    xrun *run;
    sp_arena *arena;
    xrec *recs[2];
    size_t n[2];
    xstage stage;
    int pending;
    struct xpage *next;          /* in the commit queue */
} xpage;

struct xrun {
    sp_run_ctx *ctx;
    const sp_export_spec *spec;
    xlevel_rt lv[2];
    int nlevels;
    sp_filter *filter;
    sp_arena *job_arena;
    sp_link_writer *link_put;
    sp_batch *link_new;          /* new links, one page's per transaction */
    int64_t links_added;         /* new links committed by this run */
    int64_t next_stats;          /* refresh the link table's statistics at this many */
    int64_t beat_ms;             /* the run lock's last heartbeat (monotonic ms) */
    xsrc src;                    /* the page reads on the run's connection */
    sp_action_writer *actions;
    khash open;                  /* "TYPE|key" of this component's unresolved Action Center rows */
    atomic_int fatal;            /* the run stopped */
    sp_err err;                  /* why (under mu) */
    atomic_int pages_live;
    /* The commit thread: pages whose writes are done are committed there,
     * while this thread goes on with HTTP (a commit waits for the disk).
     * The run's connection is then used by one thread at a time (dbmu). */
    int committer_on;
    pthread_t committer;
    pthread_mutex_t mu;          /* fatal's err, the queue */
    pthread_cond_t cv;
    pthread_mutex_t dbmu;
    xpage *cq_head, *cq_tail;
    size_t cqn;
    int cclosing;
};

#define COMMIT_QUEUE_MAX 4

/* The run's connection, for this thread alone until db_unlock(). */
static void db_lock(xrun *r)
{
    if (r->committer_on)
        pthread_mutex_lock(&r->dbmu);
}

static void db_unlock(xrun *r)
{
    if (r->committer_on)
        pthread_mutex_unlock(&r->dbmu);
}

/* ---- small helpers ----------------------------------------------------- */

static const char *trimmed(sp_arena *a, const char *s)
{
    size_t n;
    if (s == NULL)
        return "";
    n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return sp_arena_strndup(a, s, n);
}

static const char *padded(sp_arena *a, const char *s, int width)
{
    size_t n = strlen(s);
    char *p;
    if (width <= 0 || n >= (size_t)width)
        return s;
    p = sp_arena_alloc(a, (size_t)width + 1);
    memcpy(p, s, n);
    memset(p + n, ' ', (size_t)width - n);
    p[width] = '\0';
    return p;
}

static const char *concat_op(sp_dialect d)
{
    return d == SP_DIALECT_SQLSERVER ? " + " : " || ";
}

static const char *qual(const sp_job_column *c, sp_job_entity ent)
{
    const char *t = sp_job_entity_table(ent);
    if (c->table != NULL && strcmp(c->table, "SY01200") == 0)
        return "i";
    if (c->table != NULL && strcmp(c->table, "IV00105") == 0)
        return "p";
    (void)t;
    return "t";
}

const char *sp_export_from(sp_job_entity ent, const char *currency)
{
    (void)currency;
    switch (ent) {
    case SP_ENTITY_CUSTOMER:
        return "RM00101 t LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' AND "
               "i.Master_ID = t.CUSTNMBR AND i.ADRSCODE = t.ADRSCODE";
    case SP_ENTITY_CUSTOMER_ADDRESS:
        return "RM00102 t LEFT JOIN SY01200 i ON i.Master_Type = 'CUS' AND "
               "i.Master_ID = t.CUSTNMBR AND i.ADRSCODE = t.ADRSCODE";
    case SP_ENTITY_ITEM:
        if (currency != NULL)
            return "IV00101 t LEFT JOIN IV00105 p ON p.ITEMNMBR = t.ITEMNMBR AND RTRIM(p.CURNCYID) = ?";
        return "IV00101 t LEFT JOIN IV00105 p ON p.ITEMNMBR = t.ITEMNMBR AND p.DEX_ROW_ID = "
               "(SELECT MIN(q.DEX_ROW_ID) FROM IV00105 q WHERE q.ITEMNMBR = t.ITEMNMBR)";
    case SP_ENTITY_PROSPECT:
        return "SOP00200 t";
    case SP_ENTITY_PROSPECT_CONTACT:
        return "spProspectContact t";
    default:
        return NULL;
    }
}

/* The FROM of level l. The e-mail join (SY01200) is left out when no column
 * of the level comes from it (a company mapping seldom has one).
 * SQLite keeps GP's CHAR padding as data: Master_ID char(31) never equals a
 * padded char(15) CUSTNMBR. There the e-mail join compares trimmed values,
 * with a range on Master_ID so SY01200's key is still used. */
static const char *from_for(sp_arena *a, const xlevel_rt *l, sp_dialect d)
{
    const char *f = l->lv->from;
    const char *join = "i.Master_ID = t.CUSTNMBR AND i.ADRSCODE = t.ADRSCODE";
    const char *left = " LEFT JOIN SY01200 i ON ";
    const char *at;
    int uses_i = 0;

    if (f == NULL || strstr(f, left) == NULL)
        return f;
    for (int i = 0; i < l->ncols && !uses_i; i++)
        uses_i = l->cols[i]->table != NULL && strcmp(l->cols[i]->table, "SY01200") == 0;
    if (!uses_i)   /* the join is the end of the FROM (sp_export_from) */
        return sp_arena_printf(a, "%.*s", (int)(strstr(f, left) - f), f);
    if (d != SP_DIALECT_SQLITE || (at = strstr(f, join)) == NULL)
        return f;
    return sp_arena_printf(a,
                           "%.*si.Master_ID >= RTRIM(t.CUSTNMBR) AND i.Master_ID < RTRIM(t.CUSTNMBR) || '!' "
                           "AND RTRIM(i.Master_ID) = RTRIM(t.CUSTNMBR) AND RTRIM(i.ADRSCODE) = RTRIM(t.ADRSCODE)%s",
                           (int)(at - f), f, at + strlen(join));
}

static void add_col(xlevel_rt *l, const sp_job_column *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < l->ncols; i++)
        if (l->cols[i] == c || strcmp(l->cols[i]->name, c->name) == 0)
            return;
    if (l->ncols < MAX_COLS)
        l->cols[l->ncols++] = c;
}

static size_t col_max(const sp_job_column *c)
{
    if (strcmp(c->type, "char") == 0)
        return (size_t)c->width * 4 + 4;
    if (strcmp(c->type, "text") == 0)
        return 8000;
    return 64;
}

static int level_setup(xlevel_rt *l, const sp_export_level *lv, sp_err *e)
{
    const sp_job_mapping *m = lv->mapping;
    sp_hs_object o;

    memset(l, 0, sizeof(*l));
    l->lv = lv;
    for (int k = 0; k < lv->nkeys; k++) {
        l->keycol[k] = sp_job_entity_column(lv->entity, lv->keys[k]);
        if (l->keycol[k] == NULL)
            return SP_ERR(e, SP_EINTERNAL, "export: %s has no key column %s",
                          sp_job_entity_name(lv->entity), lv->keys[k]);
        l->key_width[k] = l->keycol[k]->width;
        add_col(l, l->keycol[k]);
    }
    for (size_t i = 0; i < m->nfields; i++) {
        const sp_job_field *f = &m->fields[i];
        if (f->source == SP_SOURCE_COLUMN)
            add_col(l, f->source_column);
        for (size_t j = 0; j < f->nparts; j++)
            if (f->parts[j].is_field)
                add_col(l, f->parts[j].column);
    }
    if (sp_hs_object_parse(sp_job_object_name(m->object), &o) != 0)
        return SP_ERR(e, SP_EINTERNAL, "export: unknown object %s", sp_job_object_name(m->object));
    l->object = o;
    return 0;
}

/* The link-join key expression of a level. */
static const char *key_expr(sp_arena *a, const xlevel_rt *l, sp_dialect d)
{
    /* a key column that is not text (spProspectContact.Contact_ID) is cast first */
    const char *k1 = strcmp(l->keycol[0]->type, "char") == 0
                         ? sp_arena_printf(a, "RTRIM(t.%s)", l->lv->keys[0])
                         : sp_arena_printf(a, "RTRIM(CAST(t.%s AS varchar(40)))", l->lv->keys[0]);
    if (l->lv->nkeys == 1)
        return k1;
    return sp_arena_printf(a, "%s%s'|'%sRTRIM(CAST(t.%s AS varchar(40)))", k1, concat_op(d),
                           concat_op(d), l->lv->keys[1]);
}

/* ---- parameters ------------------------------------------------------- */

typedef struct xparam {
    int kind;                    /* 0 text, 1 time, 2 filter param */
    const char *text;
    int64_t ms;
    const sp_filter_param *fp;
} xparam;

typedef struct xparams {
    xparam v[SP_FILTER_MAX_PARAMS + 32];
    size_t n;
} xparams;

static void p_text(xparams *p, const char *s)
{
    if (p->n < sizeof(p->v) / sizeof(p->v[0]))
        p->v[p->n++] = (xparam){0, s, 0, NULL};
}

static void p_time(xparams *p, int64_t ms)
{
    if (p->n < sizeof(p->v) / sizeof(p->v[0]))
        p->v[p->n++] = (xparam){1, NULL, ms, NULL};
}

static int bind_all(sp_stmt *st, const xparams *p, sp_err *e)
{
    for (size_t i = 0; i < p->n; i++) {
        const xparam *x = &p->v[i];
        int idx = (int)i + 1, rc = 0;
        if (x->kind == 0) {
            rc = sp_stmt_bind_text(st, idx, x->text, e);
        } else if (x->kind == 1) {
            rc = sp_stmt_bind_time(st, idx, x->ms, e);
        } else if (x->fp->type == SP_FILTER_TEXT) {
            rc = sp_stmt_bind_text(st, idx, x->fp->text, e);
        } else if (x->fp->type == SP_FILTER_NUMBER) {
            if (x->fp->is_integer) {
                char *end;
                long long v = strtoll(x->fp->text, &end, 10);
                rc = *end == '\0' ? sp_stmt_bind_int(st, idx, v, e)
                                  : sp_stmt_bind_numeric(st, idx, x->fp->text, e);
            } else {
                rc = sp_stmt_bind_numeric(st, idx, x->fp->text, e);
            }
        } else {
            int64_t ms;
            if (sp_time_parse(x->fp->text, &ms) != 0)
                return SP_ERR(e, SP_EJOB, "filter value '%s' is not a date", x->fp->text);
            rc = sp_stmt_bind_time(st, idx, ms, e);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- reading a level into the page -------------------------------------- */

typedef struct rowget {
    const xlevel_rt *l;
    const char **vals;
} rowget;

static const char *row_get(void *ctx, const sp_job_column *col)
{
    const rowget *g = ctx;
    for (int i = 0; i < g->l->ncols; i++)
        if (g->l->cols[i] == col || strcasecmp(g->l->cols[i]->name, col->name) == 0)
            return g->vals[i];
    return NULL;
}

typedef struct xrow {
    const char **vals;           /* ncols values (page arena) */
    const char *link_id, *link_hash;
    int64_t klen[2];             /* the stored length of each key part (trailing spaces counted) */
} xrow;

/* The statement for sql: prepared the first time, re-executed after that
 * (no new column buffers, no new plan per page). */
static int read_stmt(xsrc *src, const xlevel_rt *l, const char *sql, sp_stmt **out, sp_err *e)
{
    size_t i, n = sizeof(src->reads) / sizeof(src->reads[0]);
    sp_stmt *st = NULL;

    for (i = 0; i < n && src->reads[i].sql != NULL; i++)
        if (strcmp(src->reads[i].sql, sql) == 0) {
            *out = src->reads[i].st;
            return 0;
        }
    if (i == n)
        return SP_ERR(e, SP_EINTERNAL, "export: more than %zu page reads", n);
    if (sp_stmt_prepare(src->db, sql, &st, e) != 0)
        return -1;
    for (int c = 0; c < l->ncols; c++)
        if (sp_stmt_set_text_max(st, l->cols[c]->name, col_max(l->cols[c]), e) != 0) {
            sp_stmt_free(st);
            return -1;
        }
    src->reads[i].sql = sp_xstrdup(sql);
    src->reads[i].st = st;
    *out = st;
    return 0;
}

/* Run sql, read every row into the page arena, close the cursor. */
static int read_rows(xsrc *src, const xlevel_rt *l, const char *sql, const xparams *p, long max,
                     sp_arena *a, xrow **out, size_t *nout, sp_err *e)
{
    sp_stmt *st = NULL;
    size_t cap = 64, n = 0;
    xrow *rows = sp_xmalloc(cap * sizeof(*rows));
    int rc = -1, f;

    if (read_stmt(src, l, sql, &st, e) != 0 || bind_all(st, p, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((f = sp_stmt_fetch(st, e)) == 1) {
        xrow *w;
        if ((long)n >= max) {
            SP_ERR(e, SP_ETOOLARGE, "more than %ld rows for one page of %s", max,
                   sp_job_entity_name(l->lv->entity));
            goto done;
        }
        if (n == cap) {
            cap *= 2;
            rows = sp_xrealloc(rows, cap * sizeof(*rows));
        }
        w = &rows[n++];
        w->vals = sp_arena_alloc(a, (size_t)(l->ncols ? l->ncols : 1) * sizeof(char *));
        for (int i = 0; i < l->ncols; i++) {
            const char *v = sp_stmt_text(st, i);
            w->vals[i] = v != NULL ? sp_arena_strdup(a, v) : NULL;
        }
        {
            const char *id = sp_stmt_text(st, l->ncols), *h = sp_stmt_text(st, l->ncols + 1);
            w->link_id = id != NULL && id[0] ? sp_arena_strdup(a, id) : NULL;
            w->link_hash = h != NULL ? sp_arena_strdup(a, h) : NULL;
            for (int k = 0; k < l->lv->nkeys && k < 2; k++)
                if (sp_stmt_int(st, l->ncols + 2 + k, &w->klen[k], e) < 0)
                    goto done;
        }
    }
    if (f < 0)
        goto done;
    {
        xrow *copy = sp_arena_alloc(a, (n ? n : 1) * sizeof(*copy));
        memcpy(copy, rows, n * sizeof(*copy));
        *out = copy;
        *nout = n;
    }
    rc = 0;
done:
    if (st != NULL)
        sp_stmt_close_cursor(st);   /* closed before anything is written */
    free(rows);
    return rc;
}

/* SELECT <cols>, l.HubSpot_ID, l.Payload_Hash FROM ... LEFT JOIN link ... */
static void select_head(xrun *r, const xlevel_rt *l, sp_arena *a, sp_buf *b, xparams *p, sp_err *e)
{
    sp_dialect d = sp_db_dialect(r->ctx->db);
    for (int i = 0; i < l->ncols; i++)
        sp_buf_printf(b, e, "%s%s.%s", i ? ", " : "", qual(l->cols[i], l->lv->entity),
                      l->cols[i]->name);
    sp_buf_printf(b, e, ", l.HubSpot_ID, l.Payload_Hash");
    /* the stored length of each key part: keys equal once trimmed are told apart */
    for (int k = 0; k < l->lv->nkeys; k++)
        sp_buf_printf(b, e, ", %s(CAST(t.%s AS varchar(200)))",
                      d == SP_DIALECT_SQLSERVER ? "DATALENGTH" : "LENGTH", l->lv->keys[k]);
    sp_buf_printf(b, e,
                  " FROM %s LEFT JOIN spAAIntegratedEntityLink l ON "
                  "l.Hub_ID = ? AND l.Entity_Type = ? AND l.Entity_Key = %s",
                  from_for(a, l, d), key_expr(a, l, d));
    for (size_t i = 0; i < l->lv->nfrom_params; i++)
        p_text(p, l->lv->from_params[i]);
    p_text(p, r->ctx->hub);
    p_text(p, l->lv->link_type);
}

static void where_common(xrun *r, const xlevel_rt *l, int with_filter, sp_buf *b, xparams *p,
                         sp_err *e)
{
    if (l->lv->links == SP_EXPORT_ANY)
        sp_buf_printf(b, e, " WHERE 1 = 1");
    else
        sp_buf_printf(b, e, " WHERE l.HubSpot_ID IS %sNULL",
                      l->lv->links == SP_EXPORT_LINKED ? "NOT " : "");
    if (with_filter && r->filter != NULL) {
        sp_buf_printf(b, e, " AND (%s)", r->filter->sql);
        for (size_t i = 0; i < r->filter->nparams; i++)
            if (p->n < sizeof(p->v) / sizeof(p->v[0]))
                p->v[p->n++] = (xparam){2, NULL, 0, &r->filter->params[i]};
    }
    if (l->lv->where != NULL) {
        sp_buf_printf(b, e, " AND (%s)", l->lv->where);
        for (size_t i = 0; i < l->lv->nwhere_texts; i++)
            p_text(p, l->lv->where_texts[i]);
        for (size_t i = 0; i < l->lv->nwhere_times; i++)
            p_time(p, l->lv->where_times[i]);
    }
}

/* ---- page: records ------------------------------------------------------ */

static void rec_fail(xrec *x, int status, const char *category, const char *message,
                     const char *corr, sp_arena *a)
{
    x->outcome = O_FAILED;
    x->status = status;
    x->category = sp_arena_strdup(a, category ? category : "");
    x->message = sp_arena_strdup(a, message ? message : "");
    x->corr = sp_arena_strdup(a, corr ? corr : "");
}

/* How many trailing spaces a key part had as stored. */
static int stored_pad(const char *trimmed_key, int64_t stored_len)
{
    int64_t pad = stored_len - (int64_t)strlen(trimmed_key);
    return pad > 0 && pad < 4096 ? (int)pad : 0;
}

/* Map the rows of one level into records. */
static void make_recs(xrun *r, xpage *pg, int level, const xrow *rows, size_t n)
{
    const xlevel_rt *l = &r->lv[level];
    const sp_export_level *lv = l->lv;
    xrec *recs = sp_arena_alloc(pg->arena, (n ? n : 1) * sizeof(*recs));
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        xrec *x = &recs[k];
        rowget g = {l, rows[i].vals};
        sp_err me;

        memset(x, 0, sizeof(*x));
        x->level = level;
        x->parent = -1;
        x->k1 = trimmed(pg->arena, rows[i].vals[0]);
        x->k2 = lv->nkeys > 1 ? trimmed(pg->arena, rows[i].vals[1]) : NULL;
        if (lv->only_codes != NULL && x->k2 != NULL) {
            int keep = 0;
            for (size_t c = 0; c < lv->nonly_codes && !keep; c++)
                keep = strcmp(lv->only_codes[c], x->k2) == 0;
            if (!keep)
                continue;
        }
        k++;
        x->ekey = x->k2 ? sp_arena_printf(pg->arena, "%s|%s", x->k1, x->k2) : x->k1;
        x->rawkey = x->k2 ? sp_arena_printf(pg->arena, "'%s%*s|%s%*s'", x->k1, stored_pad(x->k1, rows[i].klen[0]),
                                            "", x->k2, stored_pad(x->k2, rows[i].klen[1]), "")
                          : sp_arena_printf(pg->arena, "'%s%*s'", x->k1, stored_pad(x->k1, rows[i].klen[0]), "");
        x->link_id = rows[i].link_id;
        x->link_hash = rows[i].link_hash;
        x->linked_before = x->link_id != NULL;
        x->send = lv->send;
        if (!x->send)
            continue;
        sp_err_clear(&me);
        if (sp_map_export(lv->mapping, r->ctx->job->path, row_get, &g, pg->arena, &x->map, &me) != 0) {
            char line[1024];
            rec_fail(x, 0, "MAPPING", sp_err_format(&me, line, sizeof(line)), NULL, pg->arena);
            continue;
        }
        if (r->spec->hook != NULL) {
            int skip = 0;
            sp_err he;
            sp_err_clear(&he);
            if (r->spec->hook(r->spec->hook_ud, "pre-export", lv->link_type, x->ekey, &x->map, &skip,
                              &he) != 0) {
                char line[1024];
                rec_fail(x, 0, "HOOK", sp_err_format(&he, line, sizeof(line)), NULL, pg->arena);
                continue;
            }
            if (skip) {
                x->outcome = O_SKIPPED;
                continue;
            }
        }
        sp_payload_hash(x->map.props, x->map.n, x->hash);
        if (x->link_id == NULL) {
            if (x->map.key == NULL || x->map.key[0] == '\0') {
                rec_fail(x, 0, "MAPPING",
                         sp_arena_printf(pg->arena, "the key property %s of mapping %s is empty",
                                         lv->mapping->key_property ? lv->mapping->key_property : "(none)",
                                         lv->mapping->id),
                         NULL, pg->arena);
                continue;
            }
            x->op = OP_UPSERT;
        } else if (x->link_hash != NULL && strcmp(x->link_hash, x->hash) == 0) {
            x->outcome = O_UNCHANGED;
        } else {
            x->op = OP_UPDATE;
        }
    }
    pg->recs[level] = recs;
    pg->n[level] = k;
}

/* Records of one level whose keys are equal once trailing spaces are
 * trimmed (GP CHAR keys stored with different padding, 'X' and 'X '): in
 * HubSpot they would be one record, written by each in turn. All of them
 * fail, nothing is sent for them; the first carries the one Action Center
 * row, naming every stored key. A key's rows are all in one page (read_page
 * keeps them together). */
static void fail_collisions(xrun *r, xpage *pg, int level)
{
    const xlevel_rt *l = &r->lv[level];
    size_t n = pg->n[level];
    xrec *recs = pg->recs[level];
    khash h;

    if (n < 2)
        return;
    kh_init(&h, pg->arena, n);
    for (size_t i = 0; i < n; i++) {
        size_t first;
        sp_buf names;
        sp_err e;
        int count = 1;

        if (!kh_get(&h, recs[i].ekey, &first)) {
            kh_put(&h, recs[i].ekey, i);
            continue;
        }
        if (recs[i].quiet)
            continue;   /* reported with the first */
        sp_buf_init(&names, 4096);
        sp_err_clear(&e);
        sp_buf_puts(&names, recs[first].rawkey, &e);
        for (size_t j = first + 1; j < n; j++)
            if (strcmp(recs[j].ekey, recs[first].ekey) == 0) {
                sp_buf_printf(&names, &e, " and %s", recs[j].rawkey);
                recs[j].quiet = 1;
                rec_fail(&recs[j], 0, "KEY_COLLISION", "see the row of the same key", NULL, pg->arena);
                count++;
            }
        rec_fail(&recs[first], 0, "KEY_COLLISION",
                 sp_arena_printf(pg->arena,
                                 "%d %s rows have the key %s once trailing spaces are trimmed (stored as %s): "
                                 "HubSpot would hold one record for them, so nothing is sent for any; "
                                 "make their keys differ in GP",
                                 count, sp_job_entity_name(l->lv->entity), recs[first].ekey, sp_buf_str(&names)),
                 NULL, pg->arena);
        sp_buf_free(&names);
    }
}

/* ---- the stages --------------------------------------------------------- */

typedef enum xkind {
    K_UPSERT = 0,
    K_UPDATE,
    K_READ,
    K_LINK_UPDATE,
    K_ASSOC
} xkind;

typedef struct xop_ud {
    xpage *pg;
    int level;
    xkind kind;
    size_t *idx;
    size_t n;
} xop_ud;

static void advance(xpage *pg);

static void note_fatal(xrun *r, const sp_err *e)
{
    if (r->committer_on)
        pthread_mutex_lock(&r->mu);
    if (!r->fatal) {
        r->err = *e;
        r->fatal = 1;
    }
    if (r->committer_on)
        pthread_mutex_unlock(&r->mu);
}

static const char *parent_id(xpage *pg, const xrec *x)
{
    const xrec *p;
    if (x->parent < 0)
        return NULL;
    p = &pg->recs[0][x->parent];
    if (p->outcome == O_FAILED || p->outcome == O_SKIPPED)
        return NULL;
    if (p->hs_id != NULL)
        return p->hs_id;
    if (p->outcome == O_NONE && p->send && p->op != OP_NONE)
        return NULL;   /* not written (the run stopped) */
    return p->link_id;
}

/* A write refused because another input of the same batch holds the same
 * e-mail ("Duplicate ... in batch input"): the message names that record
 * (for an address: its customer and address code), so the person fixing it
 * knows which two addresses share it. NULL: no such input. */
static const char *batch_twin(xpage *pg, const xop_ud *u, size_t i, const sp_hs_item *it)
{
    const xrec *x = &pg->recs[u->level][u->idx[i]];
    const char *mail = sp_map_get(&x->map, "email");

    if (mail == NULL || mail[0] == '\0' ||
        (it->status != 409 && (it->message == NULL || strcasestr(it->message, "duplicate") == NULL)))
        return NULL;
    for (size_t j = 0; j < u->n; j++) {
        const xrec *o = &pg->recs[u->level][u->idx[j]];
        const char *om = sp_map_get(&o->map, "email");
        if (j == i || om == NULL || strcasecmp(om, mail) != 0)
            continue;
        if (o->k2 != NULL && strcmp(pg->run->lv[u->level].lv->link_type, SP_LINK_CUSTOMER_ADDRESS) == 0)
            return sp_arena_printf(pg->arena, "%s (the e-mail %s is also that of customer %s, address %s)",
                                   it->message ? it->message : "", mail, o->k1, o->k2);
        return sp_arena_printf(pg->arena, "%s (the e-mail %s is also that of %s %s)",
                               it->message ? it->message : "", mail, pg->run->lv[u->level].lv->link_type,
                               o->ekey);
    }
    return NULL;
}

static void on_result(sp_hs_batch_result *res, void *vud)
{
    xop_ud *u = vud;
    xpage *pg = u->pg;
    xrun *r = pg->run;
    const xlevel_rt *l = &r->lv[u->level];

    if (res->n_not_done > 0)
        note_fatal(r, &res->err);
    for (size_t i = 0; i < u->n && i < res->n; i++) {
        xrec *x = &pg->recs[u->level][u->idx[i]];
        const sp_hs_item *it = &res->items[i];

        if (it->state == SP_HS_ITEM_NOT_DONE)
            continue;
        if (it->state == SP_HS_ITEM_FAILED) {
            int gone = it->status == 404 ||
                       (it->category != NULL && strcmp(it->category, "OBJECT_NOT_FOUND") == 0);
            if (u->kind == K_UPDATE && gone && r->spec->link_by_sku) {
                /* products cannot be upserted (no unique properties): the
                 * link goes, and the next run matches by hs_sku or creates */
                x->unlink = 1;
                rec_fail(x, 404, "OBJECT_NOT_FOUND",
                         sp_arena_printf(pg->arena,
                                         "its HubSpot %s %s is gone (deleted or merged): unlinked; the next "
                                         "run links the product holding hs_sku %s, or creates one",
                                         sp_hs_object_name(l->object), x->link_id, x->map.key ? x->map.key : ""),
                         it->correlation_id, pg->arena);
                continue;
            }
            if (u->kind == K_UPDATE && gone && l->lv->mapping->key_property != NULL) {
                SP_WARN(r->ctx->comp->name,
                        "%s %s: its HubSpot %s %s is gone (%s); re-resolving it by %s",
                        l->lv->link_type, x->ekey, sp_hs_object_name(l->object), x->link_id,
                        it->message ? it->message : "404", l->lv->mapping->key_property);
                x->relinked = 1;
                x->gone_id = x->link_id;
                x->pend = 1;
                continue;
            }
            if (u->kind == K_UPSERT && u->level == 1 && it->status == 409 && it->existing_id != NULL &&
                l->object == SP_HS_CONTACTS) {
                x->existing_id = sp_arena_strdup(pg->arena, it->existing_id);
                x->pend = 1;
                continue;
            }
            {
                const char *twin = batch_twin(pg, u, i, it);
                rec_fail(x, it->status, it->category, twin ? twin : it->message, it->correlation_id,
                         pg->arena);
            }
            continue;
        }
        /* OK */
        switch (u->kind) {
        case K_UPSERT:
            x->hs_id = sp_arena_strdup(pg->arena, it->rec.id);
            x->outcome = x->relinked                               ? O_UPDATED
                         : it->is_new == 0 && !r->spec->link_by_sku ? O_LINKED
                                                                    : O_CREATED;
            x->assoc = 1;
            break;
        case K_UPDATE:
            x->hs_id = x->link_id;
            /* an item found by its SKU: linked (and given the payload) */
            x->outcome = x->existing_id != NULL ? O_LINKED : O_UPDATED;
            break;
        case K_READ: {
            const char *kp = l->lv->mapping->key_property;
            const char *held = sp_hs_record_get(&it->rec, kp);
            sp_link lk;
            int found = 0;
            sp_err le;
            int lrc;
            sp_err_clear(&le);
            db_lock(r);
            lrc = sp_link_get_by_hs(r->ctx->db, r->ctx->hub, sp_hs_object_name(l->object), x->existing_id, &lk,
                                    &found, &le);
            db_unlock(r);
            if (lrc != 0) {
                note_fatal(r, &le);
                break;
            }
            if (found && (strcmp(lk.entity_type, l->lv->link_type) != 0 || strcmp(lk.entity_key, x->ekey) != 0)) {
                /* a contact spetl already links to another record (a prospect contact, say) */
                rec_fail(x, 409, "CONFLICT",
                         sp_arena_printf(pg->arena,
                                         "the e-mail %s is already the contact %s, linked to %s %s: not "
                                         "linked twice",
                                         sp_map_get(&x->map, "email") ? sp_map_get(&x->map, "email") : "",
                                         x->existing_id, lk.entity_type, lk.entity_key),
                         it->correlation_id, pg->arena);
            } else if (held == NULL || held[0] == '\0' || strcmp(held, x->map.key) == 0) {
                x->pend = 1;
            } else {
                rec_fail(x, 409, "CONFLICT",
                         sp_arena_printf(pg->arena,
                                         "the e-mail %s is already the contact %s of another SalesPad "
                                         "record (%s %s): not linked twice",
                                         sp_map_get(&x->map, "email") ? sp_map_get(&x->map, "email") : "",
                                         x->existing_id, kp, held),
                         it->correlation_id, pg->arena);
            }
            break;
        }
        case K_LINK_UPDATE:
            x->hs_id = x->existing_id;
            x->outcome = O_LINKED;
            x->assoc = 1;
            break;
        case K_ASSOC:
            break;
        }
    }
    pg->pending--;
    if (pg->pending == 0)
        advance(pg);
}

/* Submit the records of level picked by want(); 1 when something was submitted. */
static int submit(xpage *pg, int level, xkind kind, int (*want)(xpage *, const xrec *))
{
    xrun *r = pg->run;
    const xlevel_rt *l = &r->lv[level];
    size_t n = 0, k = 0;
    xop_ud *u;
    sp_hs_input *in;
    sp_hs_assoc_pair *pairs;
    sp_err e;
    int rc;

    if (r->fatal)
        return 0;
    for (size_t i = 0; i < pg->n[level]; i++)
        if (want(pg, &pg->recs[level][i]))
            n++;
    if (n == 0)
        return 0;
    u = sp_arena_alloc(pg->arena, sizeof(*u));
    u->pg = pg;
    u->level = level;
    u->kind = kind;
    u->idx = sp_arena_alloc(pg->arena, n * sizeof(size_t));
    in = sp_arena_alloc(pg->arena, n * sizeof(*in));
    pairs = sp_arena_alloc(pg->arena, n * sizeof(*pairs));
    for (size_t i = 0; i < pg->n[level]; i++) {
        xrec *x = &pg->recs[level][i];
        if (!want(pg, x))
            continue;
        x->pend = 0;
        u->idx[k] = i;
        if (kind == K_ASSOC) {
            pairs[k].from_id = x->hs_id;
            pairs[k].to_id = parent_id(pg, x);
        } else if (kind == K_READ) {
            in[k].id = x->existing_id;
        } else {
            /* creating: empty values are left out (an empty e-mail is no e-mail) */
            sp_hs_prop *props = sp_arena_alloc(pg->arena, (x->map.n ? x->map.n : 1) * sizeof(*props));
            size_t np = 0;
            for (size_t j = 0; j < x->map.n; j++) {
                if (kind != K_UPDATE && x->map.props[j].value[0] == '\0')
                    continue;
                props[np].name = x->map.props[j].name;
                props[np].value = x->map.props[j].value;
                np++;
            }
            in[k].props = props;
            in[k].nprops = np;
            in[k].id = kind == K_UPSERT ? (r->spec->link_by_sku ? NULL : x->map.key)
                       : kind == K_UPDATE ? x->link_id
                                          : x->existing_id;
        }
        k++;
    }
    u->n = k;
    sp_err_clear(&e);
    if (kind == K_ASSOC) {
        rc = sp_hs_assoc_submit(r->ctx->hs, l->object, r->lv[0].object,
                                sp_hs_assoc_type_id(l->object, r->lv[0].object), pairs, k, on_result,
                                u, &e);
    } else {
        static const char *const none[1] = {NULL};
        sp_hs_batch b;
        const char *kp = l->lv->mapping->key_property;
        memset(&b, 0, sizeof(b));
        b.kind = kind == K_UPSERT ? SP_HS_UPSERT : kind == K_READ ? SP_HS_READ : SP_HS_UPDATE;
        if (kind == K_UPSERT && r->spec->link_by_sku)
            b.kind = SP_HS_CREATE;   /* products: matched by hs_sku before (link_by_sku) */
        b.object = l->object;
        b.id_property = kind == K_UPSERT && b.kind != SP_HS_CREATE ? kp : NULL;
        b.inputs = in;
        b.n = k;
        if (kind == K_READ) {
            b.properties = kp ? &l->lv->mapping->key_property : none;
            b.nproperties = kp ? 1 : 0;
        }
        rc = sp_hs_batch_submit(r->ctx->hs, &b, on_result, u, &e);
    }
    if (rc != 0) {
        note_fatal(r, &e);
        return 0;
    }
    pg->pending++;
    return 1;
}

static int want_upsert(xpage *pg, const xrec *x)
{
    if (x->outcome != O_NONE || x->op != OP_UPSERT || !x->send)
        return 0;
    if (x->level == 1 && x->parent >= 0 && parent_id(pg, x) == NULL)
        return 0;
    return 1;
}

static int want_update(xpage *pg, const xrec *x)
{
    (void)pg;
    return x->outcome == O_NONE && x->op == OP_UPDATE && x->send && !x->relinked;
}

static int want_pend(xpage *pg, const xrec *x)
{
    (void)pg;
    return x->outcome == O_NONE && x->pend;
}

static int want_assoc(xpage *pg, const xrec *x)
{
    return x->level == 1 && x->assoc && x->hs_id != NULL && x->outcome != O_FAILED &&
           parent_id(pg, x) != NULL && pg->run->lv[1].object == SP_HS_CONTACTS;
}

static int want_reresolve(xpage *pg, const xrec *x)
{
    (void)pg;
    return x->outcome == O_NONE && x->pend && x->relinked;
}

static int commit_page(xpage *pg, sp_err *e);
static void commit_push(xrun *r, xpage *pg);

static xpage *page_new(xrun *r)
{
    xpage *pg = sp_xcalloc(1, sizeof(*pg));
    pg->run = r;
    pg->arena = sp_arena_new(0);
    return pg;
}

static void page_free(xpage *pg)
{
    sp_arena_free(pg->arena);
    free(pg);
}


static void advance(xpage *pg)
{
    xrun *r = pg->run;
    int sent = 0;

    while (!sent && pg->stage != ST_DONE) {
        pg->stage++;
        switch (pg->stage) {
        case ST_P_SEND:
            sent |= submit(pg, 0, K_UPSERT, want_upsert);
            sent |= submit(pg, 0, K_UPDATE, want_update);
            break;
        case ST_P_RERESOLVE:
            sent = submit(pg, 0, K_UPSERT, want_reresolve);
            break;
        case ST_C_SEND:
            if (r->nlevels > 1) {
                /* new children of parents that failed are skipped (they could not be
                 * associated): the parent's Action Center row says why */
                for (size_t i = 0; i < pg->n[1]; i++) {
                    xrec *x = &pg->recs[1][i];
                    if (x->outcome == O_NONE && x->send && x->op == OP_UPSERT && x->parent >= 0 &&
                        parent_id(pg, x) == NULL && !r->fatal)
                        x->outcome = O_SKIPPED;
                }
                sent |= submit(pg, 1, K_UPSERT, want_upsert);
                sent |= submit(pg, 1, K_UPDATE, want_update);
            }
            break;
        case ST_C_RERESOLVE:
            if (r->nlevels > 1)
                sent = submit(pg, 1, K_UPSERT, want_reresolve);
            break;
        case ST_C_CONFLICT_READ:
            if (r->nlevels > 1)
                sent = submit(pg, 1, K_READ, want_pend);
            break;
        case ST_C_CONFLICT_UPDATE:
            if (r->nlevels > 1)
                sent = submit(pg, 1, K_LINK_UPDATE, want_pend);
            break;
        case ST_ASSOC:
            if (r->nlevels > 1)
                sent = submit(pg, 1, K_ASSOC, want_assoc);
            break;
        case ST_COMMIT: {
            sp_err e;
            if (r->committer_on) {
                commit_push(r, pg);   /* the commit thread commits and frees it */
                return;
            }
            sp_err_clear(&e);
            if (commit_page(pg, &e) != 0)
                note_fatal(r, &e);
            pg->stage = ST_DONE;
            break;
        }
        default:
            pg->stage = ST_DONE;
            break;
        }
    }
    if (pg->stage == ST_DONE) {
        r->pages_live--;
        page_free(pg);
    }
}

/* ---- committing a page -------------------------------------------------- */

static int put_link(xrun *r, const xlevel_rt *l, const xrec *x, sp_err *e)
{
    sp_link lk;

    if (r->link_put == NULL && sp_link_writer_open(r->ctx->db, &r->link_put, e) != 0)
        return -1;
    memset(&lk, 0, sizeof(lk));
    snprintf(lk.entity_type, sizeof(lk.entity_type), "%s", l->lv->link_type);
    snprintf(lk.entity_key, sizeof(lk.entity_key), "%s", x->ekey);
    snprintf(lk.hs_object, sizeof(lk.hs_object), "%s", sp_hs_object_name(l->object));
    snprintf(lk.hs_id, sizeof(lk.hs_id), "%s", x->hs_id);
    snprintf(lk.payload_hash, sizeof(lk.payload_hash), "%s", x->hash);
    return sp_link_writer_put(r->link_put, r->ctx->hub, &lk, e);
}

/* Has the record an unresolved Action Center row of this component from an
 * earlier run? */
static int is_open(const xrun *r, const xlevel_rt *l, const xrec *x)
{
    char key[256];
    size_t unused;

    if (r->open.cap == 0)
        return 0;
    snprintf(key, sizeof(key), "%s|%s", l->lv->link_type, x->ekey);
    return kh_get(&r->open, key, &unused);
}

static int add_action(xrun *r, const xlevel_rt *l, const xrec *x, const char *category,
                      const char *message, int status, const char *corr, sp_err *e)
{
    sp_action a;
    memset(&a, 0, sizeof(a));
    snprintf(a.run_id, sizeof(a.run_id), "%s", r->ctx->run_id);
    snprintf(a.component, sizeof(a.component), "%s", r->ctx->comp->name);
    snprintf(a.entity_type, sizeof(a.entity_type), "%s", l->lv->link_type);
    snprintf(a.entity_key, sizeof(a.entity_key), "%s", x->ekey);
    snprintf(a.category, sizeof(a.category), "%s", category && category[0] ? category : "ERROR");
    snprintf(a.message, sizeof(a.message), "%s", message ? message : "");
    a.http_status = status;
    snprintf(a.correlation_id, sizeof(a.correlation_id), "%s", corr ? corr : "");
    a.created_on = sp_clock_wall_ms();
    /* a record fails at most once per run: only one with a row from an
     * earlier run has one to supersede */
    return sp_action_writer_add(r->actions, &a, is_open(r, l, x), e);
}

/* New links of a page go in one multi-row INSERT batch; a row the batch
 * refuses (a link written meanwhile) is written again as an upsert. */
typedef struct newlinks {
    sp_batch *b;
    const xrec **recs;
    const xlevel_rt **lvs;
    size_t n;
} newlinks;

static int new_link(xrun *r, xpage *pg, newlinks *nl, const xlevel_rt *l, const xrec *x, sp_err *e)
{
    int64_t now = sp_clock_wall_ms();
    if (nl->b == NULL) {
        static const sp_param_spec ps[] = {{SP_TYPE_TEXT, 20}, {SP_TYPE_TEXT, 20}, {SP_TYPE_TEXT, 200},
                                           {SP_TYPE_TEXT, 40}, {SP_TYPE_TEXT, 40}, {SP_TYPE_TEXT, 64},
                                           {SP_TYPE_TIME, 0},  {SP_TYPE_TIME, 0}};
        size_t cap = pg->n[0] + pg->n[1] + 1;
        if (r->link_new == NULL &&
            sp_batch_open(r->ctx->db,
                          "INSERT INTO spAAIntegratedEntityLink (Hub_ID, Entity_Type, Entity_Key, "
                          "HubSpot_Object_Type, HubSpot_ID, Payload_Hash, Last_Exported_On, Modified_On) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          ps, 8, 500, &r->link_new, e) != 0)
            return -1;
        nl->b = r->link_new;
        sp_batch_reset(nl->b);
        nl->recs = sp_arena_alloc(pg->arena, cap * sizeof(*nl->recs));
        nl->lvs = sp_arena_alloc(pg->arena, cap * sizeof(*nl->lvs));
    }
    if (sp_batch_text(nl->b, 1, r->ctx->hub, e) != 0 || sp_batch_text(nl->b, 2, l->lv->link_type, e) != 0 ||
        sp_batch_text(nl->b, 3, x->ekey, e) != 0 ||
        sp_batch_text(nl->b, 4, sp_hs_object_name(l->object), e) != 0 ||
        sp_batch_text(nl->b, 5, x->hs_id, e) != 0 || sp_batch_text(nl->b, 6, x->hash, e) != 0 ||
        sp_batch_time(nl->b, 7, now, e) != 0 || sp_batch_time(nl->b, 8, now, e) != 0)
        return -1;
    nl->recs[nl->n] = x;
    nl->lvs[nl->n] = l;
    nl->n++;
    if (sp_batch_add(nl->b, e) != 0)
        return 1;   /* some rows failed: handled at the flush */
    return 0;
}

static int flush_new_links(xrun *r, newlinks *nl, sp_err *e)
{
    int failed;
    if (nl->b == NULL)
        return 0;
    failed = sp_batch_flush(nl->b, e) != 0 || sp_batch_rows_failed(nl->b) > 0;
    if (failed) {
        int nf = sp_batch_nfailures(nl->b);
        if (sp_batch_rows_failed(nl->b) > nf)
            return SP_ERR(e, SP_EDB, "writing %lld links failed", (long long)sp_batch_rows_failed(nl->b));
        sp_err_clear(e);
        for (int i = 0; i < nf; i++) {
            const sp_batch_failure *f = sp_batch_failure_at(nl->b, i);
            if (f->row < 0 || (size_t)f->row >= nl->n)
                return SP_ERR(e, SP_EINTERNAL, "link batch: row %lld out of range", (long long)f->row);
            if (put_link(r, nl->lvs[f->row], nl->recs[f->row], e) != 0) {
                /* the HubSpot object is linked to another SalesPad record
                 * (the link table is unique on both sides): this record fails */
                const xrec *x = nl->recs[f->row];
                sp_counts *c = &r->ctx->counts;
                char msg[1024], why[600];
                if (e->code != SP_EDB)
                    return -1;
                snprintf(msg, sizeof(msg),
                         "HubSpot %s %s is already linked to another SalesPad record: not linked twice (%s)",
                         sp_hs_object_name(nl->lvs[f->row]->object), x->hs_id,
                         sp_err_format(e, why, sizeof(why)));
                sp_err_clear(e);
                if (add_action(r, nl->lvs[f->row], x, "LINK_CONFLICT", msg, 0, NULL, e) != 0)
                    return -1;
                SP_WARN(r->ctx->comp->name, "%s %s failed: %s", nl->lvs[f->row]->lv->link_type, x->ekey, msg);
                if (x->outcome == O_CREATED)
                    c->created--;
                else if (x->outcome == O_UPDATED)
                    c->updated--;
                else
                    c->linked--;
                c->failed++;
            }
        }
    }
    return 0;
}

/* A record that went through: its open Action Center rows (from earlier
 * runs) are resolved. Only records known to have one cost a statement. */
static int resolve_action(xrun *r, const xlevel_rt *l, const xrec *x, sp_err *e)
{
    if (!is_open(r, l, x))
        return 0;
    return sp_action_writer_resolve(r->actions, l->lv->link_type, x->ekey, e);
}

static int commit_page(xpage *pg, sp_err *e)
{
    xrun *r = pg->run;
    sp_counts *c = &r->ctx->counts;
    newlinks nl;
    int rc = -1;

    memset(&nl, 0, sizeof(nl));
    if (sp_db_begin(r->ctx->db, e) != 0)
        return -1;
    for (int lv = 0; lv < r->nlevels; lv++) {
        const xlevel_rt *l = &r->lv[lv];
        for (size_t i = 0; i < pg->n[lv]; i++) {
            xrec *x = &pg->recs[lv][i];
            if (!x->send)
                continue;
            if (x->relinked && (x->outcome == O_CREATED || x->outcome == O_UPDATED || x->outcome == O_LINKED)) {
                char msg[512];
                snprintf(msg, sizeof(msg),
                         "the linked HubSpot %s %s was not found (deleted or merged); re-resolved by %s "
                         "and relinked to %s",
                         sp_hs_object_name(l->object), x->gone_id ? x->gone_id : "",
                         l->lv->mapping->key_property, x->hs_id);
                if (resolve_action(r, l, x, e) != 0)
                    goto done;
                if (put_link(r, l, x, e) != 0 ||
                    add_action(r, l, x, "OBJECT_NOT_FOUND", msg, 404, NULL, e) != 0)
                    goto done;
                c->updated++;
                continue;
            }
            switch (x->outcome) {
            case O_CREATED:
            case O_UPDATED:
            case O_LINKED:
                if (!x->linked_before) {
                    if (new_link(r, pg, &nl, l, x, e) < 0)
                        goto done;
                } else if (put_link(r, l, x, e) != 0) {
                    goto done;
                }
                if (resolve_action(r, l, x, e) != 0)
                    goto done;
                if (x->outcome == O_CREATED)
                    c->created++;
                else if (x->outcome == O_UPDATED)
                    c->updated++;
                else
                    c->linked++;
                break;
            case O_UNCHANGED:
                c->unchanged++;
                break;
            case O_SKIPPED:
                c->skipped++;
                break;
            case O_FAILED:
                if (x->quiet) {
                    c->failed++;   /* its key's first record reports both */
                    break;
                }
                if (x->unlink) {
                    int64_t gone = 0;
                    if (sp_link_delete(r->ctx->db, r->ctx->hub, l->lv->link_type, x->ekey, &gone, e) != 0)
                        goto done;
                }
                if (add_action(r, l, x, x->category, x->message, x->status, x->corr, e) != 0)
                    goto done;
                SP_WARN(r->ctx->comp->name, "%s %s failed: %s%s%s", l->lv->link_type, x->ekey,
                        x->category && x->category[0] ? x->category : "", x->category && x->category[0] ? ": " : "",
                        x->message);
                c->failed++;
                break;
            case O_NONE:
                break;   /* not done: the run stopped; the next run does it */
            }
        }
    }
    if (flush_new_links(r, &nl, e) != 0 || sp_db_commit(r->ctx->db, e) != 0)
        goto done;
    /* A first export can add hundreds of thousands of links in minutes:
     * each time they double, the planner is told (else the page reads join
     * them as if the table were still empty). */
    r->links_added += (int64_t)nl.n;
    if (r->links_added >= r->next_stats) {
        r->next_stats = r->links_added * 2;
        if (sp_db_refresh_stats(r->ctx->db, "spAAIntegratedEntityLink", e) != 0)
            goto done;
    }
    /* a long export keeps its run lock fresh; a lock lost to another run
     * stops this one */
    if (r->ctx->heartbeat_ms > 0 && sp_clock_now_ms() - r->beat_ms >= r->ctx->heartbeat_ms) {
        r->beat_ms = sp_clock_now_ms();
        if (sp_lock_heartbeat(r->ctx->db, r->ctx->hub, r->ctx->run_id, e) != 0)
            goto done;
    }
    rc = 0;
done:
    sp_batch_reset(nl.b);
    if (rc != 0)
        sp_db_rollback(r->ctx->db, NULL);
    return rc;
}

/* ---- the commit thread -------------------------------------------------- */

static void *committer_main(void *arg)
{
    xrun *r = arg;

    pthread_mutex_lock(&r->mu);
    for (;;) {
        xpage *pg;
        sp_err e;
        int rc;
        while (r->cq_head == NULL && !r->cclosing)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->cq_head == NULL)
            break;   /* closing, nothing left */
        pg = r->cq_head;
        r->cq_head = pg->next;
        if (r->cq_head == NULL)
            r->cq_tail = NULL;
        r->cqn--;
        pthread_cond_broadcast(&r->cv);   /* room in the queue */
        pthread_mutex_unlock(&r->mu);
        sp_err_clear(&e);
        pthread_mutex_lock(&r->dbmu);
        rc = commit_page(pg, &e);
        pthread_mutex_unlock(&r->dbmu);
        if (rc != 0)
            note_fatal(r, &e);
        r->pages_live--;
        page_free(pg);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void commit_push(xrun *r, xpage *pg)
{
    pg->stage = ST_DONE;
    pg->next = NULL;
    pthread_mutex_lock(&r->mu);
    if (r->cq_tail != NULL)
        r->cq_tail->next = pg;
    else
        r->cq_head = pg;
    r->cq_tail = pg;
    r->cqn++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* Wait while the commit thread has COMMIT_QUEUE_MAX pages to commit (the
 * disk is slower than HubSpot: read no more meanwhile). */
static void commit_wait_room(xrun *r)
{
    if (!r->committer_on)
        return;
    pthread_mutex_lock(&r->mu);
    while (r->cqn >= COMMIT_QUEUE_MAX)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

static void committer_start(xrun *r)
{
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_mutex_init(&r->dbmu, NULL);
    r->committer_on = 1;
    if (pthread_create(&r->committer, NULL, committer_main, r) != 0) {
        r->committer_on = 0;
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->dbmu);
    }
}

/* Commit what is queued, then end the thread (the run's connection is this
 * thread's alone again). */
static void committer_finish(xrun *r)
{
    if (!r->committer_on)
        return;
    pthread_mutex_lock(&r->mu);
    r->cclosing = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->committer, NULL);
    r->committer_on = 0;
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->dbmu);
}

/* ---- dry run ------------------------------------------------------------ */

static void dry_print(xrun *r, xpage *pg)
{
    sp_counts *c = &r->ctx->counts;
    for (int lv = 0; lv < r->nlevels; lv++) {
        const xlevel_rt *l = &r->lv[lv];
        for (size_t i = 0; i < pg->n[lv]; i++) {
            xrec *x = &pg->recs[lv][i];
            sp_payload_prev prev;
            sp_diff d;
            sp_buf out;
            sp_err e;

            if (!x->send)
                continue;
            if (x->outcome == O_FAILED) {
                printf("%s %s: would fail: %s\n", l->lv->link_type, x->ekey, x->message);
                c->failed++;
                continue;
            }
            if (x->outcome == O_SKIPPED) {
                c->skipped++;
                continue;
            }
            memset(&prev, 0, sizeof(prev));
            prev.linked = x->link_id != NULL;
            prev.hash = x->link_hash;
            sp_payload_diff(x->map.props, x->map.n, x->link_id ? &prev : NULL, pg->arena, &d);
            sp_buf_init(&out, 1 << 20);
            sp_err_clear(&e);
            sp_payload_diff_format(&d, "  ", 0, &out, &e);
            printf("%s %s -> %s %s\n%s", l->lv->link_type, x->ekey, sp_hs_object_name(l->object),
                   x->link_id ? x->link_id : "(new)", sp_buf_str(&out));
            sp_buf_free(&out);
            if (d.action == SP_DIFF_CREATE)
                c->created++;
            else if (d.action == SP_DIFF_UPDATE)
                c->updated++;
            else
                c->unchanged++;
        }
    }
    fflush(stdout);
}

/* ---- products: link by hs_sku ----------------------------------------- */

static int link_by_sku(xrun *r, xpage *pg, sp_err *e)
{
    const char **vals = sp_arena_alloc(pg->arena, (pg->n[0] ? pg->n[0] : 1) * sizeof(char *));
    size_t nv = 0;
    static const char *const props[] = {"hs_sku"};

    for (size_t i = 0; i < pg->n[0]; i++)
        if (pg->recs[0][i].op == OP_UPSERT && pg->recs[0][i].outcome == O_NONE)
            vals[nv++] = pg->recs[0][i].map.key;   /* the mapped hs_sku (the key-property) */
    for (size_t off = 0; off < nv; off += 100) {
        size_t m = nv - off < 100 ? nv - off : 100;
        sp_hs_filter f = {"hs_sku", "IN", NULL, NULL, vals + off, m};
        sp_hs_filter_group g = {&f, 1};
        sp_hs_search_req q;
        const char *after = NULL;
        memset(&q, 0, sizeof(q));
        q.groups = &g;
        q.ngroups = 1;
        q.properties = props;
        q.nproperties = 1;
        q.limit = 200;
        do {
            sp_hs_page hp;
            memset(&hp, 0, sizeof(hp));
            q.after = after;
            if (sp_hs_search(r->ctx->hs, SP_HS_PRODUCTS, &q, &hp, e) != 0)
                return -1;
            for (size_t j = 0; j < hp.n; j++) {
                const char *sku = sp_hs_record_get(&hp.recs[j], "hs_sku");
                for (size_t i = 0; sku != NULL && i < pg->n[0]; i++) {
                    xrec *x = &pg->recs[0][i];
                    if (x->op != OP_UPSERT || x->outcome == O_FAILED || x->map.key == NULL ||
                        strcmp(x->map.key, sku) != 0)
                        continue;
                    if (x->existing_id != NULL) {
                        rec_fail(x, 409, "AMBIGUOUS",
                                 sp_arena_printf(pg->arena,
                                                 "several HubSpot products have hs_sku %s (%s, %s, ...): "
                                                 "not linked; remove the duplicates or link one by hand",
                                                 sku, x->existing_id, hp.recs[j].id),
                                 NULL, pg->arena);
                    } else {
                        x->existing_id = sp_arena_strdup(pg->arena, hp.recs[j].id);
                    }
                }
            }
            after = hp.next_after ? sp_arena_strdup(pg->arena, hp.next_after) : NULL;
            sp_hs_page_free(&hp);
        } while (after != NULL);
    }
    /* found once: link (update by id with the payload), not create */
    for (size_t i = 0; i < pg->n[0]; i++) {
        xrec *x = &pg->recs[0][i];
        if (x->op == OP_UPSERT && x->outcome == O_NONE && x->existing_id != NULL) {
            x->op = OP_UPDATE;
            x->link_id = x->existing_id;
        }
    }
    return 0;
}

/* ---- the driver --------------------------------------------------------- */

/* The row after a full page (read to peek) has the page's last key once
 * trimmed (stored with other trailing spaces): the last key's rows are held
 * back for the next page, so a key's rows are read together. A page of one
 * key only is read again with every row of that key. */
static int keep_key_together(xrun *r, xsrc *src, xpage *pg, xrow **rows, size_t *n, sp_err *e)
{
    const xlevel_rt *l0 = &r->lv[0];
    const char *last = trimmed(pg->arena, (*rows)[*n - 1].vals[0]);
    size_t g = 1;
    sp_buf sql;
    xparams *p;
    int rc = -1;

    while (g < *n && strcmp(trimmed(pg->arena, (*rows)[*n - 1 - g].vals[0]), last) == 0)
        g++;
    if (g < *n) {
        *n -= g;
        return 0;
    }
    p = sp_xcalloc(1, sizeof(*p));
    sp_buf_init(&sql, SQL_MAX);
    sp_buf_printf(&sql, e, "SELECT ");
    select_head(r, l0, pg->arena, &sql, p, e);
    where_common(r, l0, 1, &sql, p, e);
    sp_buf_printf(&sql, e, " AND t.%s >= ? AND RTRIM(t.%s) = ? ORDER BY t.%s", l0->lv->keys[0],
                  l0->lv->keys[0], l0->lv->keys[0]);
    p_text(p, last);
    p_text(p, last);
    if (sql.len >= SQL_MAX - 1)
        SP_ERR(e, SP_EINTERNAL, "export: SQL text too long");
    else
        rc = read_rows(src, l0, sp_buf_str(&sql), p, MAX_CHILD_ROWS, pg->arena, rows, n, e);
    sp_buf_free(&sql);
    free(p);
    return rc;
}

/* Read the next page; *eof when there was nothing left. */
static int read_page(xrun *r, xsrc *src, xpage *pg, const char **last_key, int *eof, sp_err *e)
{
    const xlevel_rt *l0 = &r->lv[0];
    sp_buf sql, rest;
    xparams *p = sp_xcalloc(1, sizeof(*p));
    xrow *rows = NULL;
    size_t n = 0;
    int rc = -1;

    sp_buf_init(&sql, SQL_MAX);
    sp_buf_init(&rest, SQL_MAX);
    select_head(r, l0, pg->arena, &rest, p, e);
    where_common(r, l0, 1, &rest, p, e);
    if (*last_key != NULL) {
        /* after the last key, whatever trailing spaces its rows were stored with */
        sp_buf_printf(&rest, e, " AND t.%s > ? AND RTRIM(t.%s) <> ?", l0->lv->keys[0], l0->lv->keys[0]);
        p_text(p, *last_key);
        p_text(p, *last_key);
    }
    if (r->ctx->key != NULL) {
        sp_buf_printf(&rest, e, " AND RTRIM(t.%s) = ?", l0->lv->keys[0]);
        p_text(p, r->ctx->key);
    }
    sp_buf_printf(&rest, e, " ORDER BY t.%s", l0->lv->keys[0]);
    if (sp_buf_check(&rest, e) != 0)   /* a refused append: the text lacks a piece */
        goto done;
    /* one row more than a page: does the page's last key go on? */
    if (sp_db_sql_select_limit(r->ctx->db, &sql, sp_buf_str(&rest), r->spec->per_page + 1L, e) != 0)
        goto done;
    if (read_rows(src, l0, sp_buf_str(&sql), p, r->spec->per_page + 1, pg->arena, &rows, &n, e) != 0)
        goto done;
    if (n == 0) {
        *eof = 1;
        rc = 0;
        goto done;
    }
    *eof = (long)n <= r->spec->per_page || r->ctx->key != NULL;
    if (!*eof) {
        n--;   /* the peeked row starts the next page */
        if (strcmp(trimmed(pg->arena, rows[n].vals[0]), trimmed(pg->arena, rows[n - 1].vals[0])) == 0 &&
            keep_key_together(r, src, pg, &rows, &n, e) != 0)
            goto done;
    }
    make_recs(r, pg, 0, rows, n);
    fail_collisions(r, pg, 0);
    /* the last key read, kept across pages */
    free((void *)*last_key);
    *last_key = sp_xstrdup(trimmed(pg->arena, rows[n - 1].vals[0]));

    if (r->nlevels > 1) {
        const xlevel_rt *l1 = &r->lv[1];
        khash h;
        xrow *crows = NULL;
        size_t cn = 0;

        sp_buf_reset(&sql);
        sp_buf_reset(&rest);
        p->n = 0;
        sp_buf_printf(&sql, e, "SELECT ");
        select_head(r, l1, pg->arena, &sql, p, e);
        where_common(r, l1, 0, &sql, p, e);
        sp_buf_printf(&sql, e, " AND t.%s >= ? AND t.%s <= ? ORDER BY t.%s, t.%s", l1->lv->keys[0],
                      l1->lv->keys[0], l1->lv->keys[0], l1->lv->keys[1]);
        p_text(p, trimmed(pg->arena, rows[0].vals[0]));
        p_text(p, padded(pg->arena, trimmed(pg->arena, rows[n - 1].vals[0]), l1->key_width[0]));
        if (sp_buf_check(&sql, e) != 0)
            goto done;
        if (read_rows(src, l1, sp_buf_str(&sql), p, MAX_CHILD_ROWS, pg->arena, &crows, &cn, e) != 0)
            goto done;
        kh_init(&h, pg->arena, pg->n[0]);
        for (size_t i = 0; i < pg->n[0]; i++)
            kh_put(&h, pg->recs[0][i].k1, i);
        {
            /* keep only the children of this page's parents */
            xrow *keep = sp_arena_alloc(pg->arena, (cn ? cn : 1) * sizeof(*keep));
            size_t *par = sp_arena_alloc(pg->arena, (cn ? cn : 1) * sizeof(size_t));
            size_t kn = 0;
            for (size_t i = 0; i < cn; i++) {
                size_t pi;
                if (kh_get(&h, trimmed(pg->arena, crows[i].vals[0]), &pi)) {
                    par[kn] = pi;
                    keep[kn++] = crows[i];
                }
            }
            make_recs(r, pg, 1, keep, kn);
            fail_collisions(r, pg, 1);
            /* make_recs may drop rows (address types): match parents again by key */
            for (size_t i = 0; i < pg->n[1]; i++) {
                size_t pi;
                pg->recs[1][i].parent = kh_get(&h, pg->recs[1][i].k1, &pi) ? (int)pi : -1;
            }
        }
    }
    rc = 0;
done:
    if (rc == 0 && ((sql.len) >= SQL_MAX - 1 || (rest.len) >= SQL_MAX - 1))
        rc = SP_ERR(e, SP_EINTERNAL, "export: SQL text too long");
    sp_buf_free(&sql);
    sp_buf_free(&rest);
    free(p);
    return rc;
}

static int compile_filter(xrun *r, const sp_job_filter *f, sp_err *e)
{
    return sp_filter_compile_job(f, r->ctx->comp->name, r->ctx->job->path, sp_db_dialect(r->ctx->db),
                                 "t", r->job_arena, &r->filter, e);
}

/* The records of this component with an unresolved Action Center row. */
static int load_open_actions(xrun *r, sp_err *e)
{
    sp_stmt *st = NULL;
    const char **keys = NULL;
    size_t n = 0, cap = 0;
    int rc = -1, f;

    if (sp_stmt_prepare(r->ctx->db,
                        "SELECT Entity_Type, Entity_Key FROM spAAActionCenter WHERE Hub_ID = ? "
                        "AND Component = ? AND Resolved_On IS NULL",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, r->ctx->hub, e) != 0 ||
        sp_stmt_bind_text(st, 2, r->ctx->comp->name, e) != 0 || sp_stmt_exec(st, NULL, e) != 0)
        goto done;
    while ((f = sp_stmt_fetch(st, e)) == 1) {
        const char *t = sp_stmt_text(st, 0), *k = sp_stmt_text(st, 1);
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            keys = sp_xrealloc(keys, cap * sizeof(*keys));
        }
        keys[n++] = sp_arena_printf(r->job_arena, "%s|%s", t ? t : "", k ? k : "");
    }
    if (f < 0)
        goto done;
    if (n > 0) {
        kh_init(&r->open, r->job_arena, n);
        for (size_t i = 0; i < n; i++)
            kh_put(&r->open, keys[i], i);
    }
    rc = 0;
done:
    sp_stmt_free(st);
    free(keys);
    if (rc != 0)
        sp_err_prefix(e, "reading the open Action Center rows of %s", r->ctx->comp->name);
    return rc;
}

int sp_export_adopt_prospects(sp_run_ctx *ctx, int64_t *adopted, sp_err *e)
{
    sp_stmt *st = NULL;
    int rc = -1;

    *adopted = 0;
    if (ctx->dry_run)
        return 0;
    if (sp_stmt_prepare(ctx->db,
                        "UPDATE spAAIntegratedEntityLink SET Entity_Type = 'CUSTOMER', Payload_Hash = NULL "
                        "WHERE Hub_ID = ? AND Entity_Type = 'PROSPECT' "
                        "AND EXISTS (SELECT 1 FROM RM00101 c WHERE RTRIM(c.CUSTNMBR) = "
                        "spAAIntegratedEntityLink.Entity_Key) "
                        "AND NOT EXISTS (SELECT 1 FROM spAAIntegratedEntityLink o WHERE o.Hub_ID = ? "
                        "AND o.Entity_Type = 'CUSTOMER' AND o.Entity_Key = spAAIntegratedEntityLink.Entity_Key)",
                        &st, e) != 0 ||
        sp_stmt_bind_text(st, 1, ctx->hub, e) != 0 || sp_stmt_bind_text(st, 2, ctx->hub, e) != 0 ||
        sp_stmt_exec(st, adopted, e) != 0)
        goto done;
    if (*adopted > 0)
        SP_INFO(ctx->comp->name, "%lld prospect link%s taken over by %s customer%s (converted prospects)",
                (long long)*adopted, *adopted == 1 ? "" : "s", *adopted == 1 ? "its" : "their",
                *adopted == 1 ? "" : "s");
    rc = 0;
done:
    sp_stmt_free(st);
    if (rc != 0)
        sp_err_prefix(e, "taking over the links of converted prospects");
    return rc;
}

/* ---- reading ahead ------------------------------------------------------- */

/* While the pages in flight wait for HubSpot, a thread reads and maps the
 * next ones on a connection of its own (the server's round trips and work,
 * the mapping and hashing then cost the pipeline nothing; on PostgreSQL a
 * 10,000-customer export went from 3.3 to 2.3 s). Pages are disjoint ranges of keys, so reading one ahead sees
 * what reading it later would: the pages still in flight hold other keys. */
#define READ_AHEAD 2

typedef struct xreader {
    xrun *r;
    xsrc src;
    int own_db;                  /* src.db is its own connection (else the run's, under dbmu) */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    xpage *q[READ_AHEAD];
    size_t qn;
    int done;                    /* no page will come any more */
    int stop;                    /* the run wants no more */
    int failed;
    sp_err err;
} xreader;

static void *reader_main(void *arg)
{
    xreader *rd = arg;
    const char *last = NULL;
    int eof = 0, got;

    while (!eof) {
        xpage *pg;
        sp_err e;
        pthread_mutex_lock(&rd->mu);
        while (rd->qn == READ_AHEAD && !rd->stop)
            pthread_cond_wait(&rd->cv, &rd->mu);
        eof = rd->stop;
        pthread_mutex_unlock(&rd->mu);
        if (eof)
            break;
        pg = page_new(rd->r);
        sp_err_clear(&e);
        if (!rd->own_db)
            db_lock(rd->r);
        got = read_page(rd->r, &rd->src, pg, &last, &eof, &e);
        if (!rd->own_db)
            db_unlock(rd->r);
        if (got != 0) {
            page_free(pg);
            pthread_mutex_lock(&rd->mu);
            rd->failed = 1;
            rd->err = e;
            pthread_mutex_unlock(&rd->mu);
            break;
        }
        if (pg->n[0] == 0) {
            page_free(pg);
            break;
        }
        pthread_mutex_lock(&rd->mu);
        rd->q[rd->qn++] = pg;
        pthread_cond_broadcast(&rd->cv);
        pthread_mutex_unlock(&rd->mu);
    }
    free((void *)last);
    pthread_mutex_lock(&rd->mu);
    rd->done = 1;
    pthread_cond_broadcast(&rd->cv);
    pthread_mutex_unlock(&rd->mu);
    return NULL;
}

/* Start reading ahead; 1 started, 0 not worth it or not possible (the run
 * reads its pages itself), -1 error. */
static int reader_start(xrun *r, xreader *rd, sp_err *e)
{
    const char *conn = r->ctx->job->database.connection;

    memset(rd, 0, sizeof(rd[0]));
    rd->r = r;
    if (r->ctx->dry_run || r->ctx->key != NULL || conn == NULL)
        return 0;   /* nothing to overlap */
    if (sp_db_dialect(r->ctx->db) == SP_DIALECT_SQLITE) {
        /* SQLite: on the run's connection, between the commit thread's
         * commits (a second connection to the file would wait for their
         * locks, and they for its reads) */
        if (!r->committer_on)
            return 0;
        rd->src.db = r->ctx->db;
    } else {
        if (sp_db_open(&rd->src.db, conn, NULL, e) != 0) {
            sp_err_prefix(e, "opening the read-ahead connection");
            return -1;
        }
        rd->own_db = 1;
        if (sp_db_dialect(rd->src.db) != sp_db_dialect(r->ctx->db)) {
            sp_db_close(rd->src.db);
            rd->src.db = NULL;
            return 0;
        }
    }
    pthread_mutex_init(&rd->mu, NULL);
    pthread_cond_init(&rd->cv, NULL);
    if (pthread_create(&rd->th, NULL, reader_main, rd) != 0) {
        pthread_mutex_destroy(&rd->mu);
        pthread_cond_destroy(&rd->cv);
        if (rd->own_db)
            sp_db_close(rd->src.db);
        rd->src.db = NULL;
        return 0;
    }
    return 1;
}

/* The next page read ahead: 1 (*out), 0 none left, -1 the read failed. */
static int reader_next(xreader *rd, xpage **out, sp_err *e)
{
    int rc = 0;

    pthread_mutex_lock(&rd->mu);
    while (rd->qn == 0 && !rd->done)
        pthread_cond_wait(&rd->cv, &rd->mu);
    if (rd->qn > 0) {
        *out = rd->q[0];
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

static void reader_stop(xreader *rd)
{
    if (rd->src.db == NULL)
        return;
    pthread_mutex_lock(&rd->mu);
    rd->stop = 1;
    pthread_cond_broadcast(&rd->cv);
    pthread_mutex_unlock(&rd->mu);
    pthread_join(rd->th, NULL);
    for (size_t i = 0; i < rd->qn; i++)
        page_free(rd->q[i]);
    rd->qn = 0;
    pthread_mutex_destroy(&rd->mu);
    pthread_cond_destroy(&rd->cv);
    if (!rd->own_db)
        db_lock(rd->r);   /* its statements are on the run's connection */
    src_close(&rd->src);
    if (!rd->own_db)
        db_unlock(rd->r);
    else
        sp_db_close(rd->src.db);
    rd->src.db = NULL;
}

/* The next page, read ahead or here: 1 (*out), 0 none left, -1 error. */
static int next_page(xrun *r, xreader *rd, const char **last, int *eof, xpage **out, sp_err *e)
{
    xpage *pg;
    int got;

    if (rd->src.db != NULL)
        return reader_next(rd, out, e);
    if (*eof)
        return 0;
    pg = page_new(r);
    db_lock(r);
    got = read_page(r, &r->src, pg, last, eof, e);
    db_unlock(r);
    if (got != 0) {
        page_free(pg);
        return -1;
    }
    if (pg->n[0] == 0) {
        page_free(pg);
        *eof = 1;
        return 0;
    }
    *out = pg;
    return 1;
}

int sp_export_run(sp_run_ctx *ctx, const sp_export_spec *spec, sp_err *e)
{
    xrun r;
    xreader rd;
    const char *last = NULL;
    int eof = 0, rc = -1, got;
    xpage *pg = NULL;

    memset(&r, 0, sizeof(r));
    memset(&rd, 0, sizeof(rd));
    r.ctx = ctx;
    r.spec = spec;
    r.src.db = ctx->db;
    r.job_arena = sp_arena_new(0);
    r.nlevels = spec->child != NULL ? 2 : 1;
    r.next_stats = 1000;
    r.beat_ms = sp_clock_now_ms();
    if (level_setup(&r.lv[0], &spec->parent, e) != 0 ||
        (spec->child != NULL && level_setup(&r.lv[1], spec->child, e) != 0))
        goto done;
    if (spec->parent.filter != NULL && compile_filter(&r, spec->parent.filter, e) != 0)
        goto done;
    if (!ctx->dry_run && (load_open_actions(&r, e) != 0 ||
                          sp_action_writer_open(ctx->db, ctx->hub, &r.actions, e) != 0))
        goto done;
    if (!ctx->dry_run)
        committer_start(&r);
    if (reader_start(&r, &rd, e) < 0)
        goto done;

    while (!r.fatal && (got = next_page(&r, &rd, &last, &eof, &pg, e)) != 0) {
        if (got < 0)
            goto done;
        ctx->counts.read += (int64_t)pg->n[0] * (r.lv[0].lv->send ? 1 : 0) + (int64_t)pg->n[1];
        if (ctx->progress != NULL && ctx->progress(ctx->progress_ud, NULL)) {
            sp_counts now;   /* the commit thread counts under the connection's lock */
            db_lock(&r);
            now = ctx->counts;
            db_unlock(&r);
            ctx->progress(ctx->progress_ud, &now);
        }
        if (ctx->dry_run) {
            dry_print(&r, pg);
            page_free(pg);
            continue;
        }
        if (spec->link_by_sku && link_by_sku(&r, pg, e) != 0) {
            page_free(pg);
            goto done;
        }
        r.pages_live++;
        pg->stage = ST_START;
        advance(pg);   /* may finish the page at once (nothing to send) */
        if (sp_hs_drain(ctx->hs, MAX_PAGES_IN_FLIGHT, e) != 0)
            goto done;
        commit_wait_room(&r);
    }
    if (!ctx->dry_run) {
        sp_err e2;
        sp_err_clear(&e2);
        if (sp_hs_run(ctx->hs, &e2) != 0 && !r.fatal)
            note_fatal(&r, &e2);
    }
    reader_stop(&rd);
    committer_finish(&r);
    if (r.fatal) {
        *e = r.err;
        goto done;
    }
    rc = 0;
done:
    reader_stop(&rd);
    if (rc != 0 && r.pages_live > 0) {
        /* let the pages in flight finish (they commit what went through) */
        sp_err e3;
        sp_err_clear(&e3);
        (void)sp_hs_run(ctx->hs, &e3);
    }
    committer_finish(&r);
    sp_link_writer_free(r.link_put);
    sp_batch_free(r.link_new);
    sp_action_writer_free(r.actions);
    src_close(&r.src);
    free((void *)last);
    sp_arena_free(r.job_arena);
    return rc;
}

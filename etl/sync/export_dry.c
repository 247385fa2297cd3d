/* export_dry.c -- a dry run (ctx->dry_run): each record of a page read and
 * mapped is printed on stdout as it would be sent, field by field
 * (sp_payload_diff_format), and counted; nothing is sent or written. */
#include <stdio.h>
#include <string.h>

#include "export_internal.h"

/* Print x as its create or update; count it as such. */
static void dry_rec(const xlevel_rt *l, xrec *x, sp_arena *a, sp_counts *c)
{
    sp_payload_prev prev;
    sp_diff d;
    sp_buf out;
    sp_err e;

    memset(&prev, 0, sizeof(prev));
    prev.linked = x->link_id != NULL;
    prev.hash = x->link_hash;
    sp_payload_diff(x->map.props, x->map.n, x->link_id ? &prev : NULL, a, &d);
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

void sx_dry_print(xrun *r, xpage *pg)
{
    sp_counts *c = &r->ctx->counts;

    for (int lv = 0; lv < r->nlevels; lv++) {
        const xlevel_rt *l = &r->lv[lv];
        for (size_t i = 0; i < pg->n[lv]; i++) {
            xrec *x = &pg->recs[lv][i];
            if (!x->send)
                continue;
            if (x->outcome == O_FAILED) {
                printf("%s %s: would fail: %s\n", l->lv->link_type, x->ekey, x->message);
                c->failed++;
            } else if (x->outcome == O_SKIPPED) {
                if (x->message != NULL && x->message[0])
                    printf("%s %s: would skip: %s\n", l->lv->link_type, x->ekey, x->message);
                c->skipped++;
            } else {
                dry_rec(l, x, pg->arena, c);
            }
        }
    }
    fflush(stdout);
}

/* load.c -- sp_job_load(): read, parse, replace variables, validate, build, report.
 *
 * The only place libxml2 parses anything. The parser runs with XML_PARSE_NONET
 * and without DTD loading or entity substitution; on top of that a job file
 * with a DOCTYPE is refused before libxml2 sees it, and an external entity
 * loader that refuses everything is installed for the duration of the load,
 * so no job file can make spetl read another file or reach the network.
 * libxml2's errors are collected through its structured error callback (never
 * printed by libxml2 itself), sorted by position and handed out together.
 */
#include "internal.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "spetl/buf.h"
#include "spetl/log.h"
#include "spetl/platform.h"

/* ---- diagnostics -------------------------------------------------------------------- */

void jc_error(jctx *c, sp_job_pos pos, const char *fmt, ...)
{
    va_list ap;
    char buf[1024];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    c->diags = sp_xgrow(c->diags, c->ndiags, &c->capdiags, sizeof(*c->diags), 16);
    c->diags[c->ndiags].line = pos.line;
    c->diags[c->ndiags].col = pos.col;
    c->diags[c->ndiags].seq = c->ndiags;
    c->diags[c->ndiags].msg = sp_xstrdup(buf);
    c->ndiags++;
}

static int diag_cmp(const void *a, const void *b)
{
    const jdiag *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void print_diag(void *ctx, const sp_job_diag *d)
{
    (void)ctx;
    if (d->line > 0 && d->col > 0)
        fprintf(stderr, "%s:%d:%d: %s\n", d->file, d->line, d->col, d->message);
    else if (d->line > 0)
        fprintf(stderr, "%s:%d: %s\n", d->file, d->line, d->message);
    else
        fprintf(stderr, "%s: %s\n", d->file, d->message);
}

/* Sort, drop exact repeats, hand out; returns how many were handed out. */
static size_t emit_diags(jctx *c)
{
    sp_job_diag_fn fn = c->opts->on_diag ? c->opts->on_diag : print_diag;
    size_t n = 0;

    for (size_t i = 0; i < c->ndiags; i++)
        sp_log_redact(c->diags[i].msg);   /* a message may quote a setting that holds a secret */
    if (c->ndiags > 1)
        qsort(c->diags, c->ndiags, sizeof(*c->diags), diag_cmp);
    for (size_t i = 0; i < c->ndiags; i++) {
        sp_job_diag d;
        if (i > 0 && c->diags[i].line == c->diags[i - 1].line && c->diags[i].col == c->diags[i - 1].col &&
            strcmp(c->diags[i].msg, c->diags[i - 1].msg) == 0)
            continue;
        d.file = c->path;
        d.line = c->diags[i].line;
        d.col = c->diags[i].col;
        d.message = c->diags[i].msg;
        fn(c->opts->diag_ctx, &d);
        n++;
    }
    return n;
}

/* ---- libxml2's errors --------------------------------------------------------------- */

/* A few parser messages in plainer words; others keep libxml2's text. */
static char *parse_message(const char *msg)
{
    char a[128], b[128];
    int line;
    size_t len = strcspn(msg, "\n");

    if (sscanf(msg, "Opening and ending tag mismatch: %127s line %d and %127s", a, &line, b) == 3)
        return sp_xasprintf("end tag </%s> does not match <%s> (line %d)", b, a, line);
    if (sscanf(msg, "Premature end of data in tag %127s line %d", a, &line) == 2)
        return sp_xasprintf("the file ends before <%s> (line %d) is closed", a, line);
    if (sscanf(msg, "Couldn't find end of Start Tag %127s line %d", a, &line) == 2)
        return sp_xasprintf("the start tag <%s> (line %d) is not closed with >", a, line);
    if (strncmp(msg, "Document is empty", 17) == 0 || strncmp(msg, "Start tag expected", 18) == 0)
        return sp_xstrdup("not a job file: a job starts with <job xmlns=\"" JOB_NS "\" name=\"...\">");
    if (strncmp(msg, "AttValue: \" or ' expected", 25) == 0)
        return sp_xstrdup("an attribute value must be in double quotes: name=\"value\"");
    if (sscanf(msg, "Specification mandates value for attribute %127s", a) == 1)
        return sp_xasprintf("the attribute %s has no value: write %s=\"...\"", a, a);
    if (sscanf(msg, "Attribute %127s redefined", a) == 1)
        return sp_xasprintf("the attribute %s is given twice", a);
    if (strncmp(msg, "EntityRef: expecting ';'", 24) == 0)
        return sp_xstrdup("a bare & must be written &amp;");
    if (sscanf(msg, "Entity '%127[^']' not defined", a) == 1)
        return sp_xasprintf("&%s; is not an XML entity: write &amp; for &", a);
    return sp_xstrndup(msg, len);
}

#if LIBXML_VERSION >= 21200
static void on_libxml_error(void *ctx, const xmlError *err)
#else
static void on_libxml_error(void *ctx, xmlErrorPtr err)
#endif
{
    jctx *c = ctx;
    sp_job_pos pos;
    char *msg;

    if (c == NULL || err == NULL || err->message == NULL || err->level == XML_ERR_WARNING)
        return;
    if (c->stage == JSTAGE_SCHEMA_COMPILE)
        return;   /* reported once, as an internal error, by jschema_validate */
    if (c->stage == JSTAGE_VALIDATE) {
        msg = jschema_rewrite(c, (const xmlNode *)err->node, err->message, &pos);
        if (msg == NULL)
            return;
    } else {
        msg = parse_message(err->message);
        pos.line = err->line;
        pos.col = err->int2;
    }
    jc_error(c, pos, "%s", msg);
    free(msg);
}

static void on_generic_error(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;   /* everything that matters arrives through the structured callback */
}

static jctx *loader_ctx;   /* the load in progress, for the entity loader */

static xmlParserInputPtr refuse_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)id;
    (void)ctxt;
    if (loader_ctx != NULL) {
        sp_job_pos pos = {0, 0};
        jc_error(loader_ctx, pos, "refused to read the external resource %s: a job file is read alone",
                 url ? url : "(unnamed)");
    }
    return NULL;
}

/* ---- the load ------------------------------------------------------------------------- */

static int wide_encoding(const char *t, size_t len)
{
    const unsigned char *u = (const unsigned char *)t;
    if (len >= 2 && ((u[0] == 0xFE && u[1] == 0xFF) || (u[0] == 0xFF && u[1] == 0xFE)))
        return 1;
    return len >= 2 && (u[0] == 0 || u[1] == 0);
}

static void check_root(jctx *c, xmlNodePtr root)
{
    sp_job_pos pos = jnode_pos(root);
    const char *ns = root->ns && root->ns->href ? (const char *)root->ns->href : NULL;

    if (strcmp((const char *)root->name, "job") != 0)
        jc_error(c, pos, "the root element must be <job xmlns=\"" JOB_NS "\">, not <%s>", root->name);
    else if (ns == NULL)
        jc_error(c, pos, "<job> needs the namespace of spetl jobs: write <job xmlns=\"" JOB_NS "\" ...>");
    else if (strcmp(ns, JOB_NS) != 0)
        jc_error(c, pos, "<job> is in the namespace \"%s\"; spetl reads version 1 jobs: "
                         "xmlns=\"" JOB_NS "\"", ns);
}

static void run_stages(jctx *c, sp_err *e, int *internal)
{
    xmlParserCtxtPtr pctxt = NULL;
    xmlNodePtr root;
    int invalid;

    jscan(c);
    if (wide_encoding(c->text, c->len)) {
        sp_job_pos pos = {1, 1};
        jc_error(c, pos, "the job file must be UTF-8 (this one looks like UTF-16): save it as UTF-8");
        return;
    }
    if (c->doctype_off != (size_t)-1) {
        jc_error(c, jc_pos_at(c, c->doctype_off),
                 "a DOCTYPE is not allowed in a job file (no DTDs, no entities): remove the <!DOCTYPE ...> "
                 "declaration");
        return;
    }
    c->stage = JSTAGE_PARSE;
    pctxt = xmlNewParserCtxt();
    if (pctxt == NULL) {
        SP_ERR(e, SP_EINTERNAL, "cannot create an XML parser");
        *internal = 1;
        return;
    }
    c->doc = xmlCtxtReadMemory(pctxt, c->text, (int)c->len, c->path, NULL,
                               XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING);
    xmlFreeParserCtxt(pctxt);
    if (c->ndiags > 0 || c->doc == NULL) {
        if (c->ndiags == 0) {
            sp_job_pos pos = {1, 1};
            jc_error(c, pos, "not an XML document");
        }
        return;
    }
    root = xmlDocGetRootElement(c->doc);
    if (root == NULL) {
        sp_job_pos pos = {1, 1};
        jc_error(c, pos, "the file holds no element: a job starts with <job xmlns=\"" JOB_NS "\" name=\"...\">");
        return;
    }
    jscan_attach(c, root);
    check_root(c, root);
    if (c->ndiags > 0)
        return;
    jsubst_tree(c, root);
    invalid = jschema_validate(c, e);
    if (invalid < 0) {
        *internal = 1;
        return;
    }
    if (invalid > 0 || c->ndiags > 0)
        return;
    jbuild(c, root);
}

int sp_job_load_text(const char *name, const char *text, size_t len, const sp_job_load_opts *opts,
                     sp_job **out, sp_err *e)
{
    static const sp_job_load_opts defaults = {NULL, NULL, 0, 0};
    xmlStructuredErrorFunc old_serror;
    void *old_serror_ctx;
    xmlGenericErrorFunc old_generic;
    void *old_generic_ctx;
    xmlExternalEntityLoader old_loader;
    jctx c;
    char *copy;
    int internal = 0, rc = -1;
    size_t nerr;

    *out = NULL;
    if (len > JOB_MAX_BYTES)
        return SP_ERR(e, SP_EJOB, "%s: the job file is larger than %u bytes", name, JOB_MAX_BYTES);
    memset(&c, 0, sizeof(c));
    copy = sp_xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    c.path = name;
    c.dir = sp_path_dir(name);
    c.text = copy;
    c.len = len;
    c.opts = opts ? opts : &defaults;
    c.arena = sp_arena_new(0);
    c.job = sp_arena_alloc(c.arena, sizeof(*c.job));
    c.job->arena = c.arena;
    c.job->path = sp_arena_strdup(c.arena, name);
    c.job->dir = sp_arena_strdup(c.arena, c.dir);

    xmlInitParser();
    old_serror = xmlStructuredError;
    old_serror_ctx = xmlStructuredErrorContext;
    old_generic = xmlGenericError;
    old_generic_ctx = xmlGenericErrorContext;
    old_loader = xmlGetExternalEntityLoader();
    xmlSetStructuredErrorFunc(&c, on_libxml_error);
    xmlSetGenericErrorFunc(&c, on_generic_error);
    xmlSetExternalEntityLoader(refuse_entity);
    loader_ctx = &c;

    run_stages(&c, e, &internal);

    loader_ctx = NULL;
    xmlSetExternalEntityLoader(old_loader);
    xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
    xmlSetStructuredErrorFunc(old_serror_ctx, old_serror);
    if (c.doc != NULL)
        xmlFreeDoc(c.doc);

    nerr = emit_diags(&c);
    if (internal) {
        rc = -1;
    } else if (nerr > 0) {
        rc = SP_ERR(e, SP_EJOB, "%s: %zu error%s", name, nerr, nerr == 1 ? "" : "s");
    } else {
        *out = c.job;
        c.arena = NULL;
        rc = 0;
    }
    if (c.arena != NULL)
        sp_arena_free(c.arena);
    for (size_t i = 0; i < c.ndiags; i++)
        free(c.diags[i].msg);
    free(c.diags);
    jscan_free(&c);
    free(c.dir);
    free(copy);
    return rc;
}

int sp_job_load(const char *path, const sp_job_load_opts *opts, sp_job **out, sp_err *e)
{
    FILE *f;
    struct stat st;
    char *text = NULL;
    size_t n;
    int rc = -1;

    *out = NULL;
    f = sp_os_fopen(path, "rb");
    if (f == NULL)
        return SP_ERR(e, errno == ENOENT ? SP_EJOB : SP_EIO, "cannot read job file %s: %s", path,
                      strerror(errno));
    if (fstat(fileno(f), &st) != 0) {
        SP_ERR(e, SP_EIO, "cannot read job file %s: %s", path, strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        SP_ERR(e, SP_EJOB, "%s is a directory, not a job file", path);
        goto done;
    }
    if (st.st_size > (off_t)JOB_MAX_BYTES) {
        SP_ERR(e, SP_EJOB, "%s: the job file is larger than %u bytes", path, JOB_MAX_BYTES);
        goto done;
    }
    text = sp_xmalloc((size_t)st.st_size + 1);
    n = fread(text, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        SP_ERR(e, SP_EIO, "cannot read job file %s: %s", path, strerror(errno));
        goto done;
    }
    rc = sp_job_load_text(path, text, n, opts, out, e);
done:
    free(text);
    fclose(f);
    return rc;
}

void sp_job_free(sp_job *job)
{
    if (job != NULL)
        sp_arena_free(job->arena);   /* the job itself lives in its arena */
}

const char *sp_job_token(const sp_job *job)
{
    return job->token;
}

size_t sp_job_enabled_components(const sp_job *job, const sp_job_component **out, size_t max)
{
    size_t n = 0;
    for (int k = 0; k < SP_COMP_COUNT; k++) {
        const sp_job_component *comp = job->components[k];
        if (comp == NULL || !comp->enabled)
            continue;
        if (n < max)
            out[n] = comp;
        n++;
    }
    return n;
}

const char *sp_job_lookup_find(const sp_job_lookup *l, const char *value)
{
    for (size_t i = 0; i < l->nentries; i++)
        if (l->ignore_case ? strcasecmp(l->entries[i].from, value) == 0
                           : strcmp(l->entries[i].from, value) == 0)
            return l->entries[i].to;
    return NULL;
}

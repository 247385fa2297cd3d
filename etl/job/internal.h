/*
 * internal.h -- what the files of etl/job share (not part of the public API).
 *
 * A load keeps one jctx: the source text and its line index, the positions of
 * every start tag and attribute (found by scanning the source, since libxml2
 * keeps no columns for nodes), the diagnostics collected so far, and the job
 * being built in its arena. Element and attribute nodes of the libxml2 tree
 * point at their position records through their _private field.
 */
#ifndef SPETL_JOB_INTERNAL_H
#define SPETL_JOB_INTERNAL_H

#include <libxml/tree.h>
#include <stddef.h>

#include "spetl/job.h"

#define JOB_MAX_BYTES (4u * 1024u * 1024u)  /* a job file larger than this is refused */
#define JOB_NS "urn:spetl:job:1"

/* One attribute of a start tag, as written in the source. */
typedef struct jattr {
    const char *name;          /* as written, NUL-terminated copy: "page-size", "xmlns:xsi" */
    size_t name_off;           /* byte offset of the name */
    size_t value_off;          /* byte offset of the first character of the value */
    size_t value_len;          /* raw length (entity references not expanded) */
    sp_job_pos pos;            /* of the name */
    int bad;                   /* a variable in it could not be replaced */
} jattr;

/* One start tag, as written in the source. */
typedef struct jtag {
    const char *name;          /* as written: "job", "xs:element" */
    size_t off;                /* byte offset of '<' */
    size_t end;                /* byte offset just past the start tag's '>' */
    sp_job_pos pos;            /* of '<' */
    jattr *attrs;
    size_t nattrs;
    int bad;                   /* a variable in its text could not be replaced */
} jtag;

typedef struct jdiag {
    int line, col;
    size_t seq;                /* order of discovery, to keep the sort stable */
    char *msg;                 /* heap */
} jdiag;

typedef struct jctx {
    const char *path;          /* for diagnostics */
    char *dir;                 /* heap: directory of path ("." when none) */
    const char *text;          /* the source, NUL-terminated */
    size_t len;
    size_t *lines;             /* heap: byte offset of each line's start */
    size_t nlines;
    jtag *tags;                /* heap: start tags in document order */
    size_t ntags;
    size_t doctype_off;        /* offset of "<!DOCTYPE" or (size_t)-1 */
    jdiag *diags;              /* heap */
    size_t ndiags, capdiags;
    xmlDocPtr doc;
    const sp_job_load_opts *opts;
    sp_arena *arena;           /* the job's arena */
    sp_job *job;
    int stage;                 /* JSTAGE_* (how libxml2 errors are read) */
    int last_facet_line;       /* suppress libxml2's second error after a facet error */
    const void *last_facet_node;
    char last_facet_attr[64];
} jctx;

enum { JSTAGE_PARSE = 1, JSTAGE_SCHEMA_COMPILE, JSTAGE_VALIDATE };

/* ---- diagnostics (load.c) ---- */
void jc_error(jctx *c, sp_job_pos pos, const char *fmt, ...) SP_PRINTF(3, 4);
sp_job_pos jc_pos_at(const jctx *c, size_t off);   /* byte offset -> line/col */

/* ---- source scanner (scan.c) ---- */
/* Index lines and start tags; finds a DOCTYPE. Never fails (an unclosed
 * construct simply ends the scan; libxml2 reports it). */
void jscan(jctx *c);
void jscan_free(jctx *c);
/* Attach the tags to the libxml2 elements (document order) through _private.
 * Returns 0, or -1 when the two disagree (then positions come from libxml2's lines). */
int jscan_attach(jctx *c, xmlNodePtr root);

/* Position helpers for nodes of the parsed tree. */
sp_job_pos jnode_pos(const xmlNode *n);
sp_job_pos jattr_pos(const xmlNode *n, const char *attr);   /* the element's when absent */
jtag *jnode_tag(const xmlNode *n);
jattr *jnode_attr(const xmlNode *n, const char *attr);

/* ---- variables (subst.c) ---- */
/* Replace ${NAME} / ${NAME:-default} / $${ in every attribute and in the text
 * of <filter> (a hook's <sql> keeps its variables: build.c binds them); an unknown or malformed variable is an error (the
 * attribute or element is then marked bad). */
void jsubst_tree(jctx *c, xmlNodePtr root);

/* ---- schema (schema.c) ---- */
/* Validate the tree against the compiled-in schema; every problem becomes a
 * diagnostic. Returns the number of problems, or -1 when the schema itself
 * could not be compiled (a bug: SP_EINTERNAL). */
int jschema_validate(jctx *c, sp_err *e);
/* Rewrite a libxml2 schema message for a person; returns a heap string. */
char *jschema_rewrite(jctx *c, const xmlNode *node, const char *msg, sp_job_pos *pos);

/* ---- the model and its checks (build.c, components.c) ---- */
void jbuild(jctx *c, xmlNodePtr root);
void jbuild_components(jctx *c, xmlNodePtr comps);

/* helpers shared by build.c and components.c (build.c) */
const xmlNode *jchild(const xmlNode *n, const char *name);
const char *jget(jctx *c, const xmlNode *n, const char *attr);      /* arena copy or NULL */
int jget_bool(jctx *c, const xmlNode *n, const char *attr, int dflt);
int jget_int(jctx *c, const xmlNode *n, const char *attr, int dflt);
const char *jtext(jctx *c, const xmlNode *n, sp_job_pos *text_pos);  /* trimmed text */
char *jresolve_path(jctx *c, const char *path);                      /* against the job dir */
const sp_job_mapping *jfind_mapping(const sp_job *job, const char *id);
const sp_job_rule_set *jfind_rule_set(const sp_job *job, const char *id);
const sp_job_lookup *jfind_lookup(const sp_job *job, const char *id);
int jproperty_name_ok(const char *s);
/* "did you mean X?" among names, or "" */
const char *jsuggest(const char *word, const char *const *names, size_t n, char *buf, size_t bufn);
/* The list "a, b, c" of up to max names (", ..." when more). */
const char *jlist(jctx *c, const char *const *names, size_t n);
const char *jcolumn_hint(jctx *c, sp_job_entity ent, const char *name);
const sp_job_hook *jbuild_hook(jctx *c, const xmlNode *n, const char *point, int entity);
const sp_job_filter *jbuild_filter(jctx *c, const xmlNode *n, sp_job_entity entity);
unsigned jcompany_types(jctx *c, const xmlNode *n);
void jsecrets(jctx *c);

#endif

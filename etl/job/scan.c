/* scan.c -- line index and start-tag positions of the job file's source.
 *
 * libxml2 keeps a line number per element (the line where its start tag
 * ends) and no column at all, and nothing for attributes. A DBA needs
 * "job.xml:12:17", so this file scans the source once for start tags (skipping
 * comments, CDATA, processing instructions, end tags and the DOCTYPE) and
 * records where each tag and each of its attributes begins. Start tags come in
 * document order, the order of a pre-order walk of the tree, so the two are
 * zipped together in jscan_attach().
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Offset of needle at or after from, or len when absent. */
static size_t find(const jctx *c, size_t from, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= c->len; i++)
        if (memcmp(c->text + i, needle, n) == 0)
            return i;
    return c->len;
}

static int starts(const jctx *c, size_t at, const char *s)
{
    size_t n = strlen(s);
    return at + n <= c->len && memcmp(c->text + at, s, n) == 0;
}

sp_job_pos jc_pos_at(const jctx *c, size_t off)
{
    sp_job_pos p = {0, 0};
    size_t lo = 0, hi = c->nlines;

    if (c->nlines == 0)
        return p;
    if (off > c->len)
        off = c->len;
    while (hi - lo > 1) {   /* last line start <= off */
        size_t mid = lo + (hi - lo) / 2;
        if (c->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    p.line = (int)lo + 1;
    p.col = 1;
    for (size_t i = c->lines[lo]; i < off; i++)
        if (((unsigned char)c->text[i] & 0xC0) != 0x80)   /* count characters, not bytes */
            p.col++;
    return p;
}

static void index_lines(jctx *c)
{
    size_t cap = 64;

    c->lines = sp_xmalloc(cap * sizeof(*c->lines));
    c->nlines = 0;
    c->lines[c->nlines++] = 0;
    for (size_t i = 0; i < c->len; i++) {
        if (c->text[i] != '\n')
            continue;
        c->lines = sp_xgrow(c->lines, c->nlines, &cap, sizeof(*c->lines), 64);
        c->lines[c->nlines++] = i + 1;
    }
}

/* Skip a DOCTYPE (its internal subset may hold '>' inside [...]). */
static size_t skip_doctype(const jctx *c, size_t i)
{
    int depth = 0;
    char quote = 0;

    for (; i < c->len; i++) {
        char ch = c->text[i];
        if (quote) {
            if (ch == quote)
                quote = 0;
        } else if (ch == '"' || ch == '\'') {
            quote = ch;
        } else if (ch == '[') {
            depth++;
        } else if (ch == ']') {
            depth--;
        } else if (ch == '>' && depth <= 0) {
            return i + 1;
        }
    }
    return c->len;
}

/* Parse the start tag at i ('<' then a name); returns the offset past it. */
static size_t scan_tag(jctx *c, size_t i, jtag *t)
{
    size_t p = i + 1, cap = 0;

    memset(t, 0, sizeof(*t));
    t->off = i;
    t->pos = jc_pos_at(c, i);
    while (p < c->len && !is_space(c->text[p]) && c->text[p] != '>' && c->text[p] != '/')
        p++;
    t->name = sp_xstrndup(c->text + i + 1, p - i - 1);
    for (;;) {
        size_t name_off, q;
        char quote;
        jattr *a;

        while (p < c->len && is_space(c->text[p]))
            p++;
        if (p >= c->len)
            break;
        if (c->text[p] == '>') {
            p++;
            break;
        }
        if (c->text[p] == '/') {
            p++;
            continue;
        }
        name_off = p;
        while (p < c->len && !is_space(c->text[p]) && c->text[p] != '=' && c->text[p] != '>' &&
               c->text[p] != '/')
            p++;
        if (p == name_off) {   /* not well-formed; libxml2 will say where */
            p++;
            continue;
        }
        t->attrs = sp_xgrow(t->attrs, t->nattrs, &cap, sizeof(*t->attrs), 8);
        a = &t->attrs[t->nattrs++];
        memset(a, 0, sizeof(*a));
        a->name = sp_xstrndup(c->text + name_off, p - name_off);
        a->name_off = name_off;
        a->pos = jc_pos_at(c, name_off);
        while (p < c->len && is_space(c->text[p]))
            p++;
        if (p >= c->len || c->text[p] != '=')
            continue;
        p++;
        while (p < c->len && is_space(c->text[p]))
            p++;
        if (p >= c->len || (c->text[p] != '"' && c->text[p] != '\''))
            continue;
        quote = c->text[p++];
        q = p;
        while (q < c->len && c->text[q] != quote)
            q++;
        a->value_off = p;
        a->value_len = q - p;
        p = q < c->len ? q + 1 : q;
    }
    t->end = p;
    return p;
}

void jscan(jctx *c)
{
    size_t i = 0, cap = 0;

    index_lines(c);
    c->doctype_off = (size_t)-1;
    if (starts(c, 0, "\xEF\xBB\xBF"))
        i = 3;
    while (i < c->len) {
        if (c->text[i] != '<') {
            i++;
        } else if (starts(c, i, "<!--")) {
            i = find(c, i + 4, "-->") + 3;
        } else if (starts(c, i, "<![CDATA[")) {
            i = find(c, i + 9, "]]>") + 3;
        } else if (starts(c, i, "<?")) {
            i = find(c, i + 2, "?>") + 2;
        } else if (starts(c, i, "<!")) {
            if (c->doctype_off == (size_t)-1)
                c->doctype_off = i;
            i = skip_doctype(c, i);
        } else if (starts(c, i, "</")) {
            i = find(c, i, ">") + 1;
        } else {
            c->tags = sp_xgrow(c->tags, c->ntags, &cap, sizeof(*c->tags), 64);
            i = scan_tag(c, i, &c->tags[c->ntags++]);
        }
    }
}

void jscan_free(jctx *c)
{
    for (size_t i = 0; i < c->ntags; i++) {
        for (size_t j = 0; j < c->tags[i].nattrs; j++)
            free((char *)c->tags[i].attrs[j].name);
        free(c->tags[i].attrs);
        free((char *)c->tags[i].name);
    }
    free(c->tags);
    free(c->lines);
    c->tags = NULL;
    c->lines = NULL;
    c->ntags = c->nlines = 0;
}

static const char *local_part(const char *qname)
{
    const char *colon = strchr(qname, ':');
    return colon ? colon + 1 : qname;
}

static int attach(jctx *c, xmlNodePtr n, size_t *next)
{
    for (; n != NULL; n = n->next) {
        jtag *t;
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (*next >= c->ntags)
            return -1;
        t = &c->tags[(*next)++];
        if (strcmp(local_part(t->name), (const char *)n->name) != 0)
            return -1;
        n->_private = t;
        for (xmlAttrPtr a = n->properties; a != NULL; a = a->next) {
            char qname[256];
            if (a->ns != NULL && a->ns->prefix != NULL)
                snprintf(qname, sizeof(qname), "%s:%s", a->ns->prefix, a->name);
            else
                snprintf(qname, sizeof(qname), "%s", a->name);
            for (size_t j = 0; j < t->nattrs; j++)
                if (strcmp(t->attrs[j].name, qname) == 0)
                    a->_private = &t->attrs[j];
        }
        if (attach(c, n->children, next) != 0)
            return -1;
    }
    return 0;
}

static void detach(xmlNodePtr n)
{
    for (; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        n->_private = NULL;
        for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
            a->_private = NULL;
        detach(n->children);
    }
}

int jscan_attach(jctx *c, xmlNodePtr root)
{
    size_t next = 0;

    if (attach(c, root, &next) == 0)
        return 0;
    detach(root);
    return -1;
}

jtag *jnode_tag(const xmlNode *n)
{
    return n != NULL && n->type == XML_ELEMENT_NODE ? (jtag *)n->_private : NULL;
}

sp_job_pos jnode_pos(const xmlNode *n)
{
    sp_job_pos p = {0, 0};
    const jtag *t;

    if (n == NULL)
        return p;
    if (n->type == XML_ATTRIBUTE_NODE) {
        const jattr *a = (const jattr *)n->_private;
        if (a != NULL)
            return a->pos;
        n = n->parent;
        if (n == NULL)
            return p;
    }
    t = jnode_tag(n);
    if (t != NULL)
        return t->pos;
    p.line = (int)xmlGetLineNo(n);
    if (p.line < 0)
        p.line = 0;
    return p;
}

jattr *jnode_attr(const xmlNode *n, const char *attr)
{
    xmlAttrPtr a;

    if (n == NULL || n->type != XML_ELEMENT_NODE)
        return NULL;
    for (a = n->properties; a != NULL; a = a->next)
        if (a->ns == NULL && strcmp((const char *)a->name, attr) == 0)
            return (jattr *)a->_private;
    return NULL;
}

sp_job_pos jattr_pos(const xmlNode *n, const char *attr)
{
    const jattr *a = jnode_attr(n, attr);
    return a != NULL ? a->pos : jnode_pos(n);
}

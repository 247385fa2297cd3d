/* schema.c -- validate the job tree against the compiled-in XSD, in plain words.
 *
 * libxml2's schema messages name namespaces and XSD facets ("Element
 * '{urn:spetl:job:1}hubspot', attribute 'page-size': [facet 'minInclusive'] The
 * value '0' is less than the minimum value allowed ('1')."). A DBA should read
 * "page-size="0" is too small: the smallest allowed is 1" at the attribute's
 * line and column. jschema_rewrite() turns each message libxml2 2.9+ emits
 * into such a line; a message it does not know keeps libxml2's words with the
 * namespace removed.
 */
#include "internal.h"

#include <libxml/xmlschemas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/buf.h"

/* ---- names known to the schema, for "did you mean" ---- */

typedef struct names {
    char **v;
    size_t n, cap;
} names;

static void names_add(names *s, const char *p, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->v[i]) == len && memcmp(s->v[i], p, len) == 0)
            return;
    s->v = sp_xgrow(s->v, s->n, &s->cap, sizeof(*s->v), 64);
    s->v[s->n++] = sp_xstrndup(p, len);
}

static void names_free(names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* Every name="..." declared by an <xs:element> or <xs:attribute> of the schema. */
static void schema_names(const char *decl, names *out)
{
    const char *xsd = sp_job_xsd(NULL);
    size_t dlen = strlen(decl);

    for (const char *p = strstr(xsd, decl); p != NULL; p = strstr(p + dlen, decl)) {
        const char *q = p + dlen, *end;
        while (*q == ' ' || *q == '\n')
            q++;
        if (strncmp(q, "name=\"", 6) != 0)
            continue;
        q += 6;
        end = strchr(q, '"');
        if (end != NULL)
            names_add(out, q, (size_t)(end - q));
    }
}

/* ---- message parsing ---- */

/* Read a '...' quoted string at *p into out (may hold quotes of its own: the
 * string ends at the quote followed by end, ',' ':' ')' or '.'). */
static int quoted(const char **p, char *out, size_t n)
{
    const char *s = *p, *q;
    size_t len;

    if (*s != '\'')
        return -1;
    s++;
    for (q = s; *q != '\0'; q++)
        if (*q == '\'' && (q[1] == '\0' || q[1] == ',' || q[1] == ':' || q[1] == ')' ||
                           q[1] == '.' || q[1] == ';' || q[1] == ' ' || q[1] == '}'))
            break;
    if (*q != '\'')
        return -1;
    len = (size_t)(q - s);
    if (len >= n)
        len = n - 1;
    memcpy(out, s, len);
    out[len] = '\0';
    *p = q + 1;
    return 0;
}

static const char *skip(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* "{urn:spetl:job:1}name" -> "name"; other namespaces stay visible. */
static void local_name(const char *q, char *out, size_t n)
{
    const char *ns = "{" JOB_NS "}";
    if (strncmp(q, ns, strlen(ns)) == 0)
        q += strlen(ns);
    snprintf(out, n, "%s", q);
}

/* Remove the job namespace everywhere and turn "Element 'x'" into "<x>". */
static void plain(const char *msg, sp_buf *b)
{
    const char *ns = "{" JOB_NS "}";
    size_t nsl = strlen(ns);
    sp_err e;

    while (*msg != '\0' && *msg != '\n') {
        if (strncmp(msg, ns, nsl) == 0) {
            msg += nsl;
        } else {
            sp_buf_append(b, msg, 1, &e);
            msg++;
        }
    }
}

/* "( {ns}a, {ns}b )" -> "<a>, <b>" */
static void element_list(const char *s, sp_buf *b)
{
    const char *ns = "{" JOB_NS "}";
    int first = 1;
    sp_err e;

    s = strchr(s, '(');
    if (s == NULL)
        return;
    s++;
    while (*s != '\0' && *s != ')') {
        const char *start, *end;
        while (*s == ' ' || *s == ',')
            s++;
        if (*s == ')' || *s == '\0')
            break;
        start = s;
        while (*s != '\0' && *s != ',' && *s != ' ' && *s != ')')
            s++;
        end = s;
        if (strncmp(start, ns, strlen(ns)) == 0)
            start += strlen(ns);
        sp_buf_printf(b, &e, "%s<%.*s>", first ? "" : ", ", (int)(end - start), start);
        first = 0;
    }
}

typedef struct type_desc {
    const char *type;   /* as libxml2 names it */
    const char *desc;
} type_desc;

static const type_desc types[] = {
    {"xs:boolean", "write true or false"},
    {"xs:int", "a whole number"},
    {"xs:integer", "a whole number"},
    {"xs:unsignedLong", "a whole number"},
    {"{" JOB_NS "}pageSize", "a whole number from 1 to 100"},
    {"{" JOB_NS "}rateLimit", "a whole number of requests per 10 seconds, from 1 to 250"},
    {"{" JOB_NS "}searchRate", "a whole number of requests per second, from 1 to 5"},
    {"{" JOB_NS "}timeoutSeconds", "a whole number of seconds from 1 to 3600"},
    {"{" JOB_NS "}budgetSeconds", "a whole number of seconds from 0 to 86400"},
    {"{" JOB_NS "}offsetMinutes", "a whole number of minutes from 0 to 1440"},
    {"{" JOB_NS "}days", "a whole number of days from 1 to 3650"},
    {"{" JOB_NS "}hubId", "a HubSpot account id (a whole number)"},
    {"{" JOB_NS "}keyLetters", "a whole number from 1 to 14"},
    {"{" JOB_NS "}keyDigits", "a whole number from 1 to 9"},
    {"{" JOB_NS "}dateOrDateTime", "a date such as 2026-01-31 or a date and time such as 2026-01-31T08:00:00Z"},
    {"{" JOB_NS "}jobName", "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"},
    {"{" JOB_NS "}identifier", "an id: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter"},
    {"[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}", "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"},
    {"[A-Za-z][A-Za-z0-9_.\\-]{0,63}", "an id: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter"},
    {NULL, NULL},
};

static const char *describe(const char *type)
{
    for (const type_desc *t = types; t->type != NULL; t++)
        if (strcmp(t->type, type) == 0)
            return t->desc;
    return NULL;
}

static int is_component(const char *name)
{
    return sp_job_component_parse(name) >= 0;
}

static const char *inline_token_msg =
    "the HubSpot token must not be written in the job file: put it in an environment "
    "variable (<token env=\"HUBSPOT_TOKEN\"/>) or in a file only the job's user can read "
    "(<token file=\"/etc/spetl/hub.token\"/>, chmod 600)";

static int attr_is_bad(const xmlNode *node, const char *attr)
{
    const jattr *a = jnode_attr(node, attr);
    return a != NULL && a->bad;
}

/* Was the element name a sibling before node, and where? */
static const xmlNode *earlier_sibling(const xmlNode *node)
{
    for (const xmlNode *s = node->prev; s != NULL; s = s->prev)
        if (s->type == XML_ELEMENT_NODE && xmlStrEqual(s->name, node->name) &&
            ((s->ns == NULL) == (node->ns == NULL)))
            return s;
    return NULL;
}

static void not_expected(jctx *c, const xmlNode *node, const char *el, const char *rest, sp_buf *b)
{
    const xmlNode *parent = node != NULL ? node->parent : NULL;
    const char *pname = parent != NULL && parent->type == XML_ELEMENT_NODE ? (const char *)parent->name : NULL;
    const xmlNode *first = node != NULL ? earlier_sibling(node) : NULL;
    sp_err e;

    (void)c;
    if (first != NULL) {
        sp_buf_printf(b, &e, "<%s> may appear only once inside <%s> (the first is at line %d)", el,
                      pname ? pname : "?", jnode_pos(first).line);
    } else if (pname != NULL && strcmp(pname, "components") == 0 && !is_component(el)) {
        char hint[128];
        const char *all[SP_COMP_COUNT];
        for (int k = 0; k < SP_COMP_COUNT; k++)
            all[k] = sp_job_component_name((sp_job_component_kind)k);
        jsuggest(el, all, SP_COMP_COUNT, hint, sizeof(hint));
        sp_buf_printf(b, &e, "<%s> is not a component%s; the components are company-link, "
                             "company-customer-import, company-prospect-import, customer-export, "
                             "customer-updates-export, prospect-updates-export, product-export, deal-export",
                      el, hint);
    } else {
        names known = {0};
        char hint[128] = "";
        int exists = 0;
        schema_names("<xs:element", &known);
        for (size_t i = 0; i < known.n; i++)
            if (strcmp(known.v[i], el) == 0)
                exists = 1;
        if (!exists)
            jsuggest(el, (const char *const *)known.v, known.n, hint, sizeof(hint));
        names_free(&known);
        if (node != NULL && node->ns != NULL && node->ns->href != NULL &&
            strcmp((const char *)node->ns->href, JOB_NS) != 0)
            sp_buf_printf(b, &e, "<%s%s%s> (namespace %s) is not part of a spetl job: remove it",
                          node->ns->prefix ? (const char *)node->ns->prefix : "", node->ns->prefix ? ":" : "",
                          (const char *)node->name, (const char *)node->ns->href);
        else if (node != NULL && node->ns == NULL)
            sp_buf_printf(b, &e, "<%s> has no namespace: the job's elements are in the namespace of "
                                 "<job xmlns=\"" JOB_NS "\">", el);
        else if (exists)
            sp_buf_printf(b, &e, "<%s> is not allowed inside <%s>", el, pname ? pname : "?");
        else
            sp_buf_printf(b, &e, "unknown element <%s> inside <%s>%s", el, pname ? pname : "?", hint);
        if (rest != NULL && (rest = strstr(rest, "Expected is")) != NULL &&
            (node == NULL || node->ns == NULL || strcmp((const char *)node->ns->href, JOB_NS) == 0)) {
            sp_buf_puts(b, strstr(rest, "one of") ? "; expected one of " : "; expected ", &e);
            element_list(rest, b);
        }
    }
}

char *jschema_rewrite(jctx *c, const xmlNode *node, const char *msg, sp_job_pos *pos)
{
    char el[128] = "", attr[128] = "", v1[512], v2[512];
    const char *p = msg, *rest;
    sp_buf b;
    sp_err e;
    char *out = NULL;

    sp_buf_init(&b, 4096);
    *pos = jnode_pos(node);
    if ((p = skip(msg, "Element ")) == NULL || quoted(&p, v1, sizeof(v1)) != 0)
        goto fallback;
    local_name(v1, el, sizeof(el));
    if ((rest = skip(p, ", attribute ")) != NULL) {
        if (quoted(&rest, attr, sizeof(attr)) != 0)
            goto fallback;
        p = rest;
        if (node != NULL && node->type == XML_ELEMENT_NODE)
            *pos = jattr_pos(node, attr);
    }
    if ((p = skip(p, ": ")) == NULL)
        goto fallback;

    if (attr[0] != '\0' && node != NULL && attr_is_bad(node, attr))
        goto drop;   /* its variable was already reported */
    if (attr[0] == '\0' && jnode_tag(node) != NULL && jnode_tag(node)->bad)
        goto drop;

    if ((rest = skip(p, "This element is not expected.")) != NULL) {
        not_expected(c, node, el, rest, &b);
    } else if ((rest = skip(p, "Missing child element(s).")) != NULL) {
        sp_buf_printf(&b, &e, "<%s> is missing %s", el, strstr(rest, "one of") ? "one of " : "");
        element_list(rest, &b);
    } else if ((rest = skip(p, "The attribute ")) != NULL && quoted(&rest, v1, sizeof(v1)) == 0 &&
               strncmp(rest, " is required but missing", 24) == 0) {
        sp_buf_printf(&b, &e, "<%s> needs the attribute %s=\"...\"", el, v1);
    } else if ((rest = skip(p, "The attribute ")) != NULL && quoted(&rest, v1, sizeof(v1)) == 0 &&
               strncmp(rest, " is not allowed", 15) == 0) {
        if (strcmp(el, "token") == 0 && strcmp(v1, "env") != 0 && strcmp(v1, "file") != 0 &&
            (strstr(v1, "token") || strcmp(v1, "value") == 0 || strstr(v1, "secret") ||
             strcmp(v1, "key") == 0)) {
            sp_buf_puts(&b, inline_token_msg, &e);
        } else {
            names known = {0};
            char hint[128];
            schema_names("<xs:attribute", &known);
            jsuggest(v1, (const char *const *)known.v, known.n, hint, sizeof(hint));
            names_free(&known);
            sp_buf_printf(&b, &e, "<%s> has no attribute %s%s", el, v1, hint);
        }
    } else if ((rest = skip(p, "[facet '")) != NULL) {
        char facet[32];
        const char *f = strchr(rest, '\'');
        size_t fl = f ? (size_t)(f - rest) : 0;
        char subject[700];

        if (fl == 0 || fl >= sizeof(facet))
            goto fallback;
        memcpy(facet, rest, fl);
        facet[fl] = '\0';
        rest = strstr(rest, "] ");
        if (rest == NULL)
            goto fallback;
        rest += 2;
        if (strcmp(facet, "minLength") == 0) {
            if (attr[0])
                sp_buf_printf(&b, &e, "%s=\"\" must not be empty", attr);
            else
                sp_buf_printf(&b, &e, "<%s> must not be empty", el);
        } else {
            const char *q = skip(rest, "The value ");
            if (q == NULL || quoted(&q, v1, sizeof(v1)) != 0)
                goto fallback;
            if (attr[0])
                snprintf(subject, sizeof(subject), "%s=\"%s\"", attr, v1);
            else
                snprintf(subject, sizeof(subject), "<%s> \"%s\"", el, v1);
            if (strcmp(facet, "enumeration") == 0) {
                const char *set = strchr(q, '{');
                sp_buf_printf(&b, &e, "%s is not one of: ", subject);
                if (set != NULL) {
                    int first = 1;
                    set++;
                    while (*set == '\'' && quoted(&set, v2, sizeof(v2)) == 0) {
                        sp_buf_printf(&b, &e, "%s%s", first ? "" : ", ", v2);
                        first = 0;
                        while (*set == ',' || *set == ' ')
                            set++;
                    }
                }
            } else if (strcmp(facet, "minInclusive") == 0 || strcmp(facet, "maxInclusive") == 0) {
                const char *lim = strstr(q, "('");
                if (lim == NULL || (lim++, quoted(&lim, v2, sizeof(v2)) != 0))
                    goto fallback;
                if (facet[1] == 'i')
                    sp_buf_printf(&b, &e, "%s is too small: the smallest allowed is %s", subject, v2);
                else
                    sp_buf_printf(&b, &e, "%s is too large: the largest allowed is %s", subject, v2);
            } else if (strcmp(facet, "pattern") == 0) {
                const char *pat = strstr(q, "pattern ");
                const char *d = NULL;
                if (pat != NULL && (pat += 8, quoted(&pat, v2, sizeof(v2)) == 0))
                    d = describe(v2);
                sp_buf_printf(&b, &e, "%s is not valid%s%s", subject, d ? ": " : "", d ? d : "");
            } else {
                goto fallback;
            }
        }
        c->last_facet_node = node;
        snprintf(c->last_facet_attr, sizeof(c->last_facet_attr), "%s", attr);
    } else if (p[0] == '\'' && strstr(p, "is not a valid value of the") != NULL) {
        const char *q = p, *t;
        const char *d = NULL;
        if (quoted(&q, v1, sizeof(v1)) != 0)
            goto fallback;
        if (c->last_facet_node == node && strcmp(c->last_facet_attr, attr) == 0)
            goto drop;   /* libxml2's second line about the facet just reported */
        t = strstr(q, " type ");
        if (t != NULL && (t += 6, quoted(&t, v2, sizeof(v2)) == 0))
            d = describe(v2);
        if (attr[0])
            sp_buf_printf(&b, &e, "%s=\"%s\" is not valid%s%s", attr, v1, d ? ": " : "", d ? d : "");
        else
            sp_buf_printf(&b, &e, "<%s> \"%s\" is not valid%s%s", el, v1, d ? ": " : "", d ? d : "");
    } else if (skip(p, "Character content is not allowed, because the content type is empty") != NULL) {
        if (strcmp(el, "token") == 0)
            sp_buf_puts(&b, inline_token_msg, &e);
        else
            sp_buf_printf(&b, &e, "<%s> must be empty: remove the text inside it", el);
    } else if (skip(p, "Character content other than whitespace is not allowed") != NULL) {
        sp_buf_printf(&b, &e, "text is not allowed inside <%s>: only elements", el);
    } else if (skip(p, "Element content is not allowed, because the content type is a simple type") != NULL) {
        sp_buf_printf(&b, &e, "<%s> holds text only, no elements", el);
    } else {
        goto fallback;
    }
    goto done;

fallback:
    sp_buf_reset(&b);
    plain(msg, &b);
done:
    /* a message past the buffer's bound is refused whole: libxml2's own line then */
    out = sp_buf_ok(&b) ? sp_xstrdup(sp_buf_str(&b)) : sp_xstrndup(msg, strcspn(msg, "\n"));
    sp_buf_free(&b);
    return out;
drop:
    sp_buf_free(&b);
    return NULL;
}

#if LIBXML_VERSION >= 21200
static void on_error(void *ctx, const xmlError *err)
#else
static void on_error(void *ctx, xmlErrorPtr err)
#endif
{
    jctx *c = ctx;
    sp_job_pos pos;
    char *msg;

    if (err == NULL || err->message == NULL || err->level == XML_ERR_WARNING)
        return;
    msg = jschema_rewrite(c, (const xmlNode *)err->node, err->message, &pos);
    if (msg == NULL)
        return;
    if (pos.line == 0)
        pos.line = err->line;
    jc_error(c, pos, "%s", msg);
    free(msg);
}

/* The compiled-in schema, compiled once per process and kept (it is
 * read-only once compiled; each validation has its own context): compiling
 * it took most of a job load's time, which counts when one process loads
 * many jobs (spetl validate, the tests, the fuzzer). */
static xmlSchemaPtr the_schema;

static void compile_schema(void)
{
    size_t len;
    const char *xsd = sp_job_xsd(&len);
    xmlSchemaParserCtxtPtr pctx = xmlSchemaNewMemParserCtxt(xsd, (int)len);

    if (pctx != NULL)
        the_schema = xmlSchemaParse(pctx);
    xmlSchemaFreeParserCtxt(pctx);
}

int jschema_validate(jctx *c, sp_err *e)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    xmlSchemaValidCtxtPtr vctx = NULL;
    size_t before = c->ndiags;
    int rc = -1;

    c->stage = JSTAGE_SCHEMA_COMPILE;
    pthread_once(&once, compile_schema);
    if (the_schema == NULL) {
        SP_ERR(e, SP_EINTERNAL, "the compiled-in job schema does not compile (a bug in spetl)");
        goto done;
    }
    vctx = xmlSchemaNewValidCtxt(the_schema);
    if (vctx == NULL) {
        SP_ERR(e, SP_EINTERNAL, "cannot create a schema validation context");
        goto done;
    }
    c->stage = JSTAGE_VALIDATE;
    c->last_facet_node = NULL;
    xmlSchemaSetValidStructuredErrors(vctx, on_error, c);
    if (xmlSchemaValidateDoc(vctx, c->doc) < 0) {
        SP_ERR(e, SP_EINTERNAL, "the schema validation could not run");
        goto done;
    }
    rc = (int)(c->ndiags - before);
done:
    xmlSchemaFreeValidCtxt(vctx);
    return rc;
}

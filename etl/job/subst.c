/* subst.c -- ${NAME} and ${NAME:-default} in attributes and in <filter> text.
 *
 * Variables are replaced in the parsed tree before the schema check, so a
 * typed attribute such as page-size="${PAGE}" is checked as the number it
 * becomes. ${NAME:-default} takes the default when NAME is unset or empty (as
 * the shell does); $${ writes a literal ${. An unset variable without a
 * default, or a malformed ${...}, is an error at the '$' in the source.
 * A hook's <sql> is left alone here: its variables become bound parameters
 * (build.c), never text pasted into the statement.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spetl/buf.h"
#include "spetl/platform.h"
#include "spetl/utf8.h"

#define VALUE_MAX (64u * 1024u)

typedef struct problem {
    size_t off;          /* offset of the '$' in the expanded string's input */
    char msg[256];
} problem;

static int name_start(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static int name_char(char ch)
{
    return name_start(ch) || (ch >= '0' && ch <= '9');
}

/* Expand s into out; returns the number of problems (up to max recorded).
 * keep_unset: an unset variable without a default is kept as written. */
static size_t expand(const char *s, sp_buf *out, problem *probs, size_t max, int keep_unset)
{
    size_t n = 0, i = 0;
    int toolong = 0;
    sp_err e;

#define PROBLEM(at, ...)                                                        \
    do {                                                                        \
        if (n < max) {                                                          \
            probs[n].off = (at);                                                \
            snprintf(probs[n].msg, sizeof(probs[n].msg), __VA_ARGS__);          \
        }                                                                       \
        n++;                                                                    \
    } while (0)

    while (s[i] != '\0') {
        size_t start = i, name_off, name_len;
        const char *dflt = NULL;
        size_t dflt_len = 0;
        char name[128];
        const char *val;

        if (s[i] == '$' && s[i + 1] == '$' && s[i + 2] == '{') {   /* $${ -> ${ */
            if (sp_buf_append(out, "${", 2, &e) != 0) {
                toolong = 1;
                break;
            }
            i += 3;
            continue;
        }
        if (!(s[i] == '$' && s[i + 1] == '{')) {
            if (sp_buf_append(out, s + i, 1, &e) != 0) {
                toolong = 1;
                break;
            }
            i++;
            continue;
        }
        i += 2;
        name_off = i;
        while (name_char(s[i]))
            i++;
        name_len = i - name_off;
        if (name_len == 0 || !name_start(s[name_off]) || name_len >= sizeof(name)) {
            const char *close = strchr(s + start, '}');
            int shown = close ? (int)(close - (s + start) + 1) : (int)strlen(s + start);
            PROBLEM(start, "malformed variable \"%.*s\": write ${NAME} or ${NAME:-default} "
                           "(NAME: letters, digits and _), or $${ for a literal ${",
                    shown > 60 ? 60 : shown, s + start);
            i = close ? (size_t)(close - s) + 1 : strlen(s);
            continue;
        }
        memcpy(name, s + name_off, name_len);
        name[name_len] = '\0';
        if (s[i] == ':' && s[i + 1] == '-') {
            const char *close = strchr(s + i + 2, '}');
            if (close == NULL) {
                PROBLEM(start, "variable ${%s:-... has no closing }", name);
                break;
            }
            dflt = s + i + 2;
            dflt_len = (size_t)(close - dflt);
            i = (size_t)(close - s) + 1;
        } else if (s[i] == '}') {
            i++;
        } else {
            const char *close = strchr(s + i, '}');
            if (close == NULL)
                PROBLEM(start, "variable ${%s has no closing }", name);
            else
                PROBLEM(start, "malformed variable \"%.*s\": write ${NAME} or ${NAME:-default}",
                        (int)(close - (s + start) + 1) > 60 ? 60 : (int)(close - (s + start) + 1),
                        s + start);
            i = close ? (size_t)(close - s) + 1 : strlen(s);
            continue;
        }
        val = sp_os_getenv(name);
        if (dflt != NULL && (val == NULL || val[0] == '\0')) {
            if (sp_buf_append(out, dflt, dflt_len, &e) != 0) {
                toolong = 1;
                break;
            }
        } else if (val == NULL && keep_unset) {
            if (sp_buf_append(out, s + start, i - start, &e) != 0) {
                toolong = 1;
                break;
            }
        } else if (val == NULL) {
            PROBLEM(start, "variable ${%s} is not set: set it in the environment, "
                           "or give a default: ${%s:-value}", name, name);
        } else if (!sp_utf8_valid(val, strlen(val), NULL)) {
            PROBLEM(start, "variable ${%s} holds bytes that are not UTF-8 text", name);
        } else if (sp_buf_puts(out, val, &e) != 0) {
            toolong = 1;
            break;
        }
    }
    if (toolong)
        PROBLEM(0, "the value is longer than %u bytes once variables are replaced", VALUE_MAX);
#undef PROBLEM
    return n;
}

/* Map an offset into the parsed value to the byte offset in the source,
 * walking the raw text from raw (entity and character references count as
 * the characters they stand for; CDATA markers and comments count as nothing). */
static size_t source_offset(const jctx *c, size_t raw, size_t raw_end, size_t want)
{
    size_t dom = 0, i = raw;

    while (i < raw_end && dom < want) {
        const char *t = c->text + i;
        if (strncmp(t, "<![CDATA[", 9) == 0) {
            i += 9;
        } else if (strncmp(t, "]]>", 3) == 0) {
            i += 3;
        } else if (strncmp(t, "<!--", 4) == 0) {
            const char *end = strstr(t, "-->");
            i = end ? (size_t)(end - c->text) + 3 : raw_end;
        } else if (*t == '&') {
            const char *semi = memchr(t, ';', raw_end - i);
            size_t adv = 1;
            if (semi != NULL && t[1] == '#') {
                long cp = t[2] == 'x' ? strtol(t + 3, NULL, 16) : strtol(t + 2, NULL, 10);
                adv = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            }
            dom += adv;
            i = semi ? (size_t)(semi - c->text) + 1 : i + 1;
        } else {
            dom++;
            i++;
        }
    }
    return i;
}

static void report(jctx *c, size_t raw, size_t raw_end, const problem *probs, size_t n)
{
    for (size_t k = 0; k < n && k < 8; k++) {
        sp_job_pos pos = raw_end > raw ? jc_pos_at(c, source_offset(c, raw, raw_end, probs[k].off))
                                       : jc_pos_at(c, raw);
        jc_error(c, pos, "%s", probs[k].msg);
    }
}

static void subst_attr(jctx *c, xmlNodePtr n, xmlAttrPtr a)
{
    xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
    jattr *ja = (jattr *)a->_private;
    problem probs[8];
    sp_buf out;
    size_t nprob;

    if (v == NULL || strchr((const char *)v, '$') == NULL) {
        xmlFree(v);
        return;
    }
    sp_buf_init(&out, VALUE_MAX);
    /* a password of the connection is a secret: validate does not need it */
    nprob = expand((const char *)v, &out, probs, 8,
                   c->opts->validate_only && strcmp((const char *)n->name, "database") == 0 &&
                       strcmp((const char *)a->name, "connection") == 0);
    if (nprob > 0) {
        if (ja != NULL) {
            ja->bad = 1;
            report(c, ja->value_off, ja->value_off + ja->value_len, probs, nprob);
        } else {
            report(c, 0, 0, probs, nprob);
        }
    } else {
        xmlAttrPtr na = xmlSetNsProp(n, a->ns, a->name, (const xmlChar *)sp_buf_str(&out));
        if (na != NULL)
            na->_private = ja;
    }
    sp_buf_free(&out);
    xmlFree(v);
}

static void subst_text(jctx *c, xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    jtag *t = jnode_tag(n);
    problem probs[8];
    sp_buf out;
    size_t nprob;

    if (v == NULL || strchr((const char *)v, '$') == NULL) {
        xmlFree(v);
        return;
    }
    sp_buf_init(&out, VALUE_MAX);
    nprob = expand((const char *)v, &out, probs, 8, 0);
    if (nprob > 0) {
        if (t != NULL) {
            t->bad = 1;
            report(c, t->end, c->len, probs, nprob);
        } else {
            report(c, 0, 0, probs, nprob);
        }
    } else {
        xmlNodePtr child = n->children;
        while (child != NULL) {
            xmlNodePtr next = child->next;
            xmlUnlinkNode(child);
            xmlFreeNode(child);
            child = next;
        }
        xmlAddChild(n, xmlNewDocText(n->doc, (const xmlChar *)sp_buf_str(&out)));
    }
    sp_buf_free(&out);
    xmlFree(v);
}

void jsubst_tree(jctx *c, xmlNodePtr n)
{
    for (; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
            subst_attr(c, n, a);
        if (strcmp((const char *)n->name, "sql") == 0)
            continue;   /* its ${NAME} are bound parameters (build.c) */
        if (strcmp((const char *)n->name, "filter") == 0)
            subst_text(c, n);
        else
            jsubst_tree(c, n->children);
    }
}

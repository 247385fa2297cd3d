/* build.c -- from the validated tree to the job model, with the checks a schema cannot make.
 *
 * The schema has already guaranteed the shape (required attributes, types,
 * ranges, enumerations), so this file reads values without re-checking them and
 * spends its effort on meaning: ids that must exist, GP columns of an entity,
 * templates, transforms, hook statements, URLs, and every problem is reported
 * at the attribute that causes it. Everything built lives in the job arena.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spetl/buf.h"
#include "spetl/clock.h"
#include "spetl/filter.h"
#include "spetl/log.h"
#include "spetl/platform.h"
#include "spetl/utf8.h"

/* ---- small helpers ---------------------------------------------------------- */

const xmlNode *jchild(const xmlNode *n, const char *name)
{
    for (const xmlNode *k = n ? n->children : NULL; k != NULL; k = k->next)
        if (k->type == XML_ELEMENT_NODE && strcmp((const char *)k->name, name) == 0)
            return k;
    return NULL;
}

static size_t count_children(const xmlNode *n, const char *name)
{
    size_t count = 0;
    for (const xmlNode *k = n ? n->children : NULL; k != NULL; k = k->next)
        if (k->type == XML_ELEMENT_NODE && (name == NULL || strcmp((const char *)k->name, name) == 0))
            count++;
    return count;
}

const char *jget(jctx *c, const xmlNode *n, const char *attr)
{
    xmlChar *v;
    char *copy;

    if (n == NULL)
        return NULL;
    v = xmlGetNoNsProp(n, (const xmlChar *)attr);
    if (v == NULL)
        return NULL;
    copy = sp_arena_strdup(c->arena, (const char *)v);
    xmlFree(v);
    return copy;
}

int jget_bool(jctx *c, const xmlNode *n, const char *attr, int dflt)
{
    const char *v = jget(c, n, attr);
    if (v == NULL)
        return dflt;
    while (isspace((unsigned char)*v))
        v++;
    return strncmp(v, "true", 4) == 0 || v[0] == '1';
}

int jget_int(jctx *c, const xmlNode *n, const char *attr, int dflt)
{
    const char *v = jget(c, n, attr);
    char *end;
    long x;

    if (v == NULL)
        return dflt;
    errno = 0;
    x = strtol(v, &end, 10);
    if (errno != 0 || end == v || x < -2147483647L || x > 2147483647L)
        return dflt;   /* the schema allowed it, so this does not happen */
    return (int)x;
}

static char *trim_copy(jctx *c, const char *s)
{
    const char *end;
    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    return sp_arena_strndup(c->arena, s, (size_t)(end - s));
}

const char *jtext(jctx *c, const xmlNode *n, sp_job_pos *text_pos)
{
    xmlChar *v = xmlNodeGetContent(n);
    const jtag *t = jnode_tag(n);
    char *s = trim_copy(c, v ? (const char *)v : "");

    xmlFree(v);
    if (text_pos != NULL) {
        *text_pos = jnode_pos(n);
        if (t != NULL) {
            size_t i = t->end;
            for (;;) {
                while (i < c->len && isspace((unsigned char)c->text[i]))
                    i++;
                if (strncmp(c->text + i, "<![CDATA[", 9) == 0)
                    i += 9;
                else
                    break;
            }
            *text_pos = jc_pos_at(c, i);
        }
    }
    return s;
}

char *jresolve_path(jctx *c, const char *path)
{
    if (path[0] == '/' || path[0] == '\\' ||
        (isalpha((unsigned char)path[0]) && path[1] == ':'))
        return sp_arena_strdup(c->arena, path);
    if (strcmp(c->dir, ".") == 0)
        return sp_arena_strdup(c->arena, path);
    return sp_arena_printf(c->arena, "%s" SP_PATH_SEP_S "%s", c->dir, path);
}

int jproperty_name_ok(const char *s)
{
    if (s == NULL || !isalpha((unsigned char)s[0]))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[65], cur[65];

    if (la > 64 || lb > 64)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

const char *jsuggest(const char *word, const char *const *names, size_t n, char *buf, size_t bufn)
{
    size_t best = 99, wl = strlen(word);
    const char *pick = NULL;

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, names[i]);
        if (d < best) {
            best = d;
            pick = names[i];
        }
    }
    if (pick != NULL && best > 0 && best <= 2 && best * 3 <= wl + 1)
        snprintf(buf, bufn, " (did you mean %s?)", pick);
    return buf;
}

const char *jlist(jctx *c, const char *const *names, size_t n)
{
    char *s = sp_arena_strdup(c->arena, "");
    for (size_t i = 0; i < n && i < 12; i++)
        s = sp_arena_printf(c->arena, "%s%s%s", s, i ? ", " : "", names[i]);
    if (n > 12)
        s = sp_arena_printf(c->arena, "%s, ...", s);
    return s;
}

/* Names a DBA may try for a column GP calls otherwise. */
static const struct {
    const char *alias, *column, *why;
} column_aliases[] = {
    {"EMAIL", "INET1", "the e-mail address is INET1, from SY01200"},
    {"E_MAIL", "INET1", "the e-mail address is INET1, from SY01200"},
    {"PRICE", "LISTPRCE", "the list price is LISTPRCE, from IV00105"},
    {"ZIP", "ZIPCODE", "sales documents call it ZIPCODE"},
    {"PHONE1", "PHNUMBR1", "sales documents call it PHNUMBR1"},
    {"PHONE2", "PHNUMBR2", "sales documents call it PHNUMBR2"},
    {"FAX", "FAXNUMBR", "sales documents call it FAXNUMBR"},
};

const char *jcolumn_hint(jctx *c, sp_job_entity ent, const char *name)
{
    size_t n;
    const sp_job_column *cols = sp_job_entity_columns(ent, &n);
    const char **names = sp_arena_alloc(c->arena, n * sizeof(*names));
    char buf[160];

    for (size_t i = 0; i < sizeof(column_aliases) / sizeof(column_aliases[0]); i++)
        if (strcasecmp(column_aliases[i].alias, name) == 0 &&
            sp_job_entity_column(ent, column_aliases[i].column) != NULL)
            return sp_arena_printf(c->arena, " (%s)", column_aliases[i].why);

    for (size_t i = 0; i < n; i++)
        names[i] = cols[i].name;
    jsuggest(name, names, n, buf, sizeof(buf));
    return sp_arena_strdup(c->arena, buf);
}

/* "customer (RM00101)" */
static const char *entity_desc(jctx *c, sp_job_entity ent)
{
    return sp_arena_printf(c->arena, "%s (%s)", sp_job_entity_name(ent), sp_job_entity_table(ent));
}

const sp_job_mapping *jfind_mapping(const sp_job *job, const char *id)
{
    for (size_t i = 0; i < job->nmappings; i++)
        if (strcmp(job->mappings[i].id, id) == 0)
            return &job->mappings[i];
    return NULL;
}

const sp_job_rule_set *jfind_rule_set(const sp_job *job, const char *id)
{
    for (size_t i = 0; i < job->nrule_sets; i++)
        if (strcmp(job->rule_sets[i].id, id) == 0)
            return &job->rule_sets[i];
    return NULL;
}

const sp_job_lookup *jfind_lookup(const sp_job *job, const char *id)
{
    for (size_t i = 0; i < job->nlookups; i++)
        if (strcmp(job->lookups[i].id, id) == 0)
            return &job->lookups[i];
    return NULL;
}

/* ---- hubspot, database, e-mail ------------------------------------------------ */

/* Check base-url: https anywhere, http only to this machine. */
static void check_base_url(jctx *c, const xmlNode *n, const char *url)
{
    sp_job_pos pos = jattr_pos(n, "base-url");
    const char *host, *end;
    char hostname[256];
    size_t hl;
    int http;

    if (strncasecmp(url, "https://", 8) == 0) {
        host = url + 8;
        http = 0;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        host = url + 7;
        http = 1;
    } else {
        jc_error(c, pos, "base-url=\"%s\" must start with https:// (or http:// to this machine, "
                         "for the simulator)", url);
        return;
    }
    if (*host == '[') {
        end = strchr(host, ']');
        end = end ? end + 1 : host + strlen(host);
    } else {
        end = host + strcspn(host, ":/?#");
    }
    hl = (size_t)(end - host);
    if (hl == 0 || hl >= sizeof(hostname) || strchr(host, '@') != NULL) {
        jc_error(c, pos, "base-url=\"%s\" has no valid host name", url);
        return;
    }
    memcpy(hostname, host, hl);
    hostname[hl] = '\0';
    if (strpbrk(end, "?#") != NULL) {
        jc_error(c, pos, "base-url=\"%s\" must not hold a query or fragment", url);
        return;
    }
    if (http && strcmp(hostname, "127.0.0.1") != 0 && strcasecmp(hostname, "localhost") != 0 &&
        strcmp(hostname, "[::1]") != 0)
        jc_error(c, pos, "base-url=\"%s\": plain http is allowed only to this machine "
                         "(127.0.0.1, localhost, [::1]); use https://", url);
}

/* A CA bundle attribute: resolved, and refused when it cannot be read. */
static const char *jresolve_ca(jctx *c, const xmlNode *n, const char *attr)
{
    const char *ca = jget(c, n, attr), *path;
    sp_path_kind kind;

    if (ca == NULL)
        return NULL;
    path = jresolve_path(c, ca);
    if ((kind = sp_path_stat(path)) == SP_PATH_NONE)
        jc_error(c, jattr_pos(n, attr), "%s file %s: %s", attr, path, strerror(errno));
    else if (kind != SP_PATH_FILE)
        jc_error(c, jattr_pos(n, attr), "%s %s is not a file", attr, path);
    else if (!sp_path_readable(path))
        jc_error(c, jattr_pos(n, attr), "cannot read %s file %s: %s", attr, path, strerror(errno));
    return path;
}

/* <token> or <password>: exactly one of env= (a variable name) and file=
 * (resolved in place); what_held names the secret in the message. */
static void jcheck_secret_source(jctx *c, const xmlNode *el, const char *env, const char **file,
                                 const char *tag, const char *what_held)
{
    sp_job_pos pos = jnode_pos(el);

    if (env != NULL && *file != NULL) {
        jc_error(c, pos, "%s takes env=\"...\" or file=\"...\", not both", tag);
    } else if (env == NULL && *file == NULL) {
        jc_error(c, pos, "%s needs env=\"VARIABLE\" (the environment variable that holds the %s) or "
                         "file=\"PATH\" (a file that holds it)", tag, what_held);
    } else if (env != NULL) {
        int ok = isalpha((unsigned char)env[0]) || env[0] == '_';
        for (const char *p = env; *p; p++)
            if (!isalnum((unsigned char)*p) && *p != '_')
                ok = 0;
        if (!ok)
            jc_error(c, jattr_pos(el, "env"), "env=\"%s\" is not an environment variable name "
                                              "(letters, digits and _)", env);
    } else {
        *file = jresolve_path(c, *file);
    }
}

static void build_hubspot(jctx *c, const xmlNode *n)
{
    sp_job_hubspot *h = &c->job->hubspot;
    const xmlNode *tok = jchild(n, "token");
    const char *url = jget(c, n, "base-url");

    h->pos = jnode_pos(n);
    if (url == NULL)
        url = "https://api.hubapi.com";
    check_base_url(c, n, url);
    {
        char *u = sp_arena_strdup(c->arena, url);
        size_t l = strlen(u);
        while (l > 0 && u[l - 1] == '/')
            u[--l] = '\0';
        h->base_url = u;
    }
    h->api_version = jget(c, n, "api-version");
    if (h->api_version == NULL)
        h->api_version = "2026-03";
    h->page_size = jget_int(c, n, "page-size", 100);
    h->rate_limit = jget_int(c, n, "rate-limit", 100);
    h->search_rate = jget_int(c, n, "search-rate", 4);
    h->connect_timeout_s = jget_int(c, n, "connect-timeout-seconds", 10);
    h->request_timeout_s = jget_int(c, n, "request-timeout-seconds", 60);
    h->retry_budget_s = jget_int(c, n, "retry-budget-seconds", 300);
    h->min_date_offset_minutes = jget_int(c, n, "min-date-offset-minutes", 5);
    if (h->connect_timeout_s > h->request_timeout_s)
        jc_error(c, jattr_pos(n, "connect-timeout-seconds"),
                 "connect-timeout-seconds=\"%d\" is longer than request-timeout-seconds=\"%d\", "
                 "which includes the connection",
                 h->connect_timeout_s, h->request_timeout_s);
    h->ca_bundle = jresolve_ca(c, n, "ca-bundle");
    h->token_pos = jnode_pos(tok);
    h->token_env = jget(c, tok, "env");
    h->token_file = jget(c, tok, "file");
    jcheck_secret_source(c, tok, h->token_env, &h->token_file, "<token>", "token");
}

static int has_key(const char *conn, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = conn; *p; p++) {
        if ((p == conn || p[-1] == ';' || isspace((unsigned char)p[-1])) && strncasecmp(p, key, kl) == 0) {
            const char *q = p + kl;
            while (isspace((unsigned char)*q))
                q++;
            if (*q == '=')
                return 1;
        }
    }
    return 0;
}

static void build_database(jctx *c, const xmlNode *n)
{
    sp_job_database *d = &c->job->database;
    const char *dialect = jget(c, n, "dialect");

    d->pos = jnode_pos(n);
    d->connection = jget(c, n, "connection");
    if (!has_key(d->connection, "Driver") && !has_key(d->connection, "DSN") &&
        !has_key(d->connection, "FILEDSN"))
        jc_error(c, jattr_pos(n, "connection"),
                 "connection names no ODBC driver: start it with Driver={...}; or DSN=...;");
    d->dialect = SP_JOB_DIALECT_AUTO;
    if (dialect != NULL) {
        if (strcmp(dialect, "sqlite") == 0)
            d->dialect = SP_JOB_DIALECT_SQLITE;
        else if (strcmp(dialect, "postgresql") == 0)
            d->dialect = SP_JOB_DIALECT_POSTGRESQL;
        else if (strcmp(dialect, "sqlserver") == 0)
            d->dialect = SP_JOB_DIALECT_SQLSERVER;
    }
}

/* An address as it goes into a mail header and an SMTP command: no spaces,
 * no control characters (a line break written as &#10; would start a header
 * of its own), nothing that separates addresses. */
static int email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return 0;
    return at != NULL && at > s && strchr(at + 1, '.') != NULL && strchr(at + 1, '@') == NULL &&
           strpbrk(s, "<>,;\"()") == NULL;
}

/* 1 when an smtp:// or smtps:// URL names this machine. */
static int smtp_url_loopback(const char *url)
{
    const char *h = strstr(url, "://"), *end, *at;
    size_t hl;

    if (h == NULL)
        return 0;
    h += 3;
    end = h + strcspn(h, "/?#");
    at = memchr(h, '@', (size_t)(end - h));
    while (at != NULL) {   /* the host follows the last '@' of the authority */
        h = at + 1;
        at = memchr(h, '@', (size_t)(end - h));
    }
    hl = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/?#");
    return (hl == 9 && strncmp(h, "127.0.0.1", 9) == 0) || (hl == 9 && strncasecmp(h, "localhost", 9) == 0) ||
           (hl == 5 && strncmp(h, "[::1]", 5) == 0);
}

/* 1 when the URL carries a user name (smtp://user@host or user:password@host). */
static int smtp_url_has_user(const char *url)
{
    const char *h = strstr(url, "://");
    size_t alen = h ? strcspn(h + 3, "/?#") : 0;
    return h != NULL && memchr(h + 3, '@', alen) != NULL && h[3] != '@' && h[3] != ':';
}

static int smtp_url_has_password(const char *url)
{
    const char *h = strstr(url, "://");
    size_t alen = h ? strcspn(h + 3, "/?#") : 0;
    const char *at = h ? memchr(h + 3, '@', alen) : NULL;
    return at != NULL && memchr(h + 3, ':', (size_t)(at - h - 3)) != NULL;
}

static void build_email_to(jctx *c, const xmlNode *n, sp_job_email *m)
{
    const char *to = jget(c, n, "to");
    size_t cap = 1;
    const char **list;
    char *copy;

    if (to == NULL)
        return;
    copy = sp_arena_strdup(c->arena, to);
    for (const char *p = to; *p; p++)
        cap += (*p == ';' || *p == ',');
    list = sp_arena_alloc(c->arena, (cap + 1) * sizeof(*list));
    for (char *p = copy; p != NULL;) {
        char *sep = strpbrk(p, ";,");
        char *item;
        if (sep != NULL)
            *sep = '\0';
        item = trim_copy(c, p);
        if (item[0] != '\0') {
            if (!email_ok(item))
                jc_error(c, jattr_pos(n, "to"), "to: \"%s\" is not an e-mail address", item);
            list[m->nto++] = item;
        }
        p = sep ? sep + 1 : NULL;
    }
    m->to = list;
}

/* <email-on-error>'s server: TLS, AUTH, CA, timeouts. */
static void build_email_server(jctx *c, const xmlNode *n, sp_job_email *m)
{
    const xmlNode *pw = jchild(n, "password");
    const char *tls = jget(c, n, "starttls");
    int loopback = m->smtp_url != NULL && smtp_url_loopback(m->smtp_url);

    m->user = jget(c, n, "user");
    m->connect_timeout_s = jget_int(c, n, "connect-timeout-seconds", 10);
    m->timeout_s = jget_int(c, n, "timeout-seconds", 60);
    m->max_records = jget_int(c, n, "max-records", 20);
    if (m->connect_timeout_s > m->timeout_s)
        jc_error(c, jattr_pos(n, "connect-timeout-seconds"),
                 "connect-timeout-seconds=\"%d\" is longer than timeout-seconds=\"%d\", which includes "
                 "the connection", m->connect_timeout_s, m->timeout_s);
    m->starttls = loopback ? SP_STARTTLS_IF_AVAILABLE : SP_STARTTLS_REQUIRED;
    if (tls != NULL)
        m->starttls = strcmp(tls, "never") == 0          ? SP_STARTTLS_NEVER
                      : strcmp(tls, "if-available") == 0 ? SP_STARTTLS_IF_AVAILABLE
                                                         : SP_STARTTLS_REQUIRED;
    if (m->starttls == SP_STARTTLS_NEVER && !loopback)
        jc_error(c, jattr_pos(n, "starttls"), "starttls=\"never\" sends the mail and the password in plain "
                                              "text: it is allowed only to this machine (127.0.0.1, "
                                              "localhost, [::1])");
    if (tls != NULL && m->smtp_url != NULL && strncasecmp(m->smtp_url, "smtps://", 8) == 0)
        jc_error(c, jattr_pos(n, "starttls"), "starttls=\"%s\" is never used: smtps:// is TLS from the first "
                                              "byte (starttls is for smtp:// only); remove it", tls);
    m->ca_bundle = jresolve_ca(c, n, "ca-bundle");
    if (pw == NULL)
        return;
    m->password_pos = jnode_pos(pw);
    m->password_env = jget(c, pw, "env");
    m->password_file = jget(c, pw, "file");
    jcheck_secret_source(c, pw, m->password_env, &m->password_file, "<password>", "SMTP_PASSWORD");
    if (m->user == NULL && (m->smtp_url == NULL || !smtp_url_has_user(m->smtp_url)))
        jc_error(c, m->password_pos, "<password> needs user=\"...\" on <email-on-error> (the SMTP AUTH "
                                     "user name)");
    if (m->smtp_url != NULL && smtp_url_has_password(m->smtp_url))
        jc_error(c, m->password_pos, "smtp-url holds a password and <password> gives another: keep one "
                                     "(<password>)");
}

static void build_email(jctx *c, const xmlNode *n)
{
    sp_job_email *m = &c->job->email;

    if (n == NULL)
        return;
    m->pos = jnode_pos(n);
    m->enabled = jget_bool(c, n, "enabled", 1);
    m->from = jget(c, n, "from");
    m->smtp_url = jget(c, n, "smtp-url");
    if (m->from != NULL && !email_ok(m->from))
        jc_error(c, jattr_pos(n, "from"), "from=\"%s\" is not an e-mail address", m->from);
    build_email_to(c, n, m);
    if (m->smtp_url != NULL && strncasecmp(m->smtp_url, "smtp://", 7) != 0 &&
        strncasecmp(m->smtp_url, "smtps://", 8) != 0)
        jc_error(c, jattr_pos(n, "smtp-url"), "smtp-url=\"%s\" must start with smtp:// or smtps://",
                 m->smtp_url);
    build_email_server(c, n, m);
    if (m->enabled) {
        if (m->from == NULL)
            jc_error(c, m->pos, "<email-on-error> needs from=\"...\" (or enabled=\"false\")");
        if (m->nto == 0)
            jc_error(c, m->pos, "<email-on-error> needs to=\"...\" (one or more addresses, "
                                "separated by ;)");
        if (m->smtp_url == NULL)
            jc_error(c, m->pos, "<email-on-error> needs smtp-url=\"smtp://host:587\"");
    }
}

/* ---- lookups ---------------------------------------------------------------------- */

static void build_lookups(jctx *c, const xmlNode *n)
{
    size_t cap = count_children(n, "lookup"), k = 0;
    sp_job_lookup *v = sp_arena_alloc(c->arena, (cap ? cap : 1) * sizeof(*v));

    for (const xmlNode *l = n ? n->children : NULL; l != NULL; l = l->next) {
        sp_job_lookup *lk;
        sp_job_lookup_entry *ents;
        size_t ne = 0;
        const char *miss;

        if (l->type != XML_ELEMENT_NODE || strcmp((const char *)l->name, "lookup") != 0)
            continue;
        lk = &v[k];
        lk->pos = jnode_pos(l);
        lk->id = jget(c, l, "id");
        for (size_t j = 0; j < k; j++)
            if (strcmp(v[j].id, lk->id) == 0) {
                jc_error(c, jattr_pos(l, "id"), "lookup id \"%s\" is already defined at line %d",
                         lk->id, v[j].pos.line);
                break;
            }
        lk->ignore_case = jget_bool(c, l, "ignore-case", 0);
        miss = jget(c, l, "missing");
        lk->missing = miss == NULL || strcmp(miss, "keep") == 0 ? SP_LOOKUP_KEEP
                      : strcmp(miss, "empty") == 0             ? SP_LOOKUP_EMPTY
                                                               : SP_LOOKUP_FAIL;
        ents = sp_arena_alloc(c->arena, (count_children(l, "entry") + 1) * sizeof(*ents));
        for (const xmlNode *en = l->children; en != NULL; en = en->next) {
            sp_job_lookup_entry *x;
            if (en->type != XML_ELEMENT_NODE)
                continue;
            x = &ents[ne];
            x->pos = jnode_pos(en);
            x->from = jget(c, en, "from");
            x->to = jget(c, en, "to");
            for (size_t j = 0; j < ne; j++)
                if (lk->ignore_case ? strcasecmp(ents[j].from, x->from) == 0
                                    : strcmp(ents[j].from, x->from) == 0) {
                    jc_error(c, jattr_pos(en, "from"), "from=\"%s\" is already in lookup \"%s\" (line %d)",
                             x->from, lk->id, ents[j].pos.line);
                    break;
                }
            ne++;
        }
        lk->entries = ents;
        lk->nentries = ne;
        k++;
    }
    c->job->lookups = v;
    c->job->nlookups = k;
}

/* ---- mappings ---------------------------------------------------------------------- */

static const struct {
    const char *name;
    sp_job_transform_kind kind;
} transform_names[] = {
    {"trim", SP_XF_TRIM},       {"upper", SP_XF_UPPER},           {"lower", SP_XF_LOWER},
    {"digits", SP_XF_DIGITS},   {"date", SP_XF_DATE},             {"datetime", SP_XF_DATETIME},
    {"number", SP_XF_NUMBER},   {"max-length", SP_XF_MAX_LENGTH}, {"lookup", SP_XF_LOOKUP},
    {"first-name", SP_XF_FIRST_NAME}, {"last-name", SP_XF_LAST_NAME},
};
#define NTRANSFORMS (sizeof(transform_names) / sizeof(transform_names[0]))

static const char *lookup_ids(jctx *c)
{
    const char **ids = sp_arena_alloc(c->arena, (c->job->nlookups + 1) * sizeof(*ids));
    for (size_t i = 0; i < c->job->nlookups; i++)
        ids[i] = c->job->lookups[i].id;
    if (c->job->nlookups == 0)
        return "no <lookup> is defined";
    return sp_arena_printf(c->arena, "the lookups are %s", jlist(c, ids, c->job->nlookups));
}

static const char *lookup_hint(jctx *c, const char *id)
{
    const char **ids = sp_arena_alloc(c->arena, (c->job->nlookups + 1) * sizeof(*ids));
    char buf[160];
    for (size_t i = 0; i < c->job->nlookups; i++)
        ids[i] = c->job->lookups[i].id;
    jsuggest(id, ids, c->job->nlookups, buf, sizeof(buf));
    return sp_arena_strdup(c->arena, buf);
}

static void build_transforms(jctx *c, const xmlNode *n, sp_job_field *f)
{
    const char *spec = jget(c, n, "transform");
    sp_job_pos pos = jattr_pos(n, "transform");
    sp_job_transform *v;
    size_t cap = 1, k = 0;
    char *copy, *save = NULL;

    if (spec == NULL)
        return;
    for (const char *p = spec; *p; p++)
        cap += isspace((unsigned char)*p) != 0;
    v = sp_arena_alloc(c->arena, cap * sizeof(*v));
    copy = sp_arena_strdup(c->arena, spec);
    for (char *tok = strtok_r(copy, " \t\r\n", &save); tok != NULL; tok = strtok_r(NULL, " \t\r\n", &save)) {
        char *arg = strchr(tok, ':');
        size_t i;
        if (arg != NULL)
            *arg++ = '\0';
        for (i = 0; i < NTRANSFORMS; i++)
            if (strcmp(transform_names[i].name, tok) == 0)
                break;
        if (i == NTRANSFORMS) {
            const char *all[NTRANSFORMS];
            char hint[96];
            for (size_t j = 0; j < NTRANSFORMS; j++)
                all[j] = transform_names[j].name;
            jsuggest(tok, all, NTRANSFORMS, hint, sizeof(hint));
            jc_error(c, pos, "unknown transform \"%s\"%s; the transforms are trim, upper, lower, "
                             "digits, date, datetime, number, max-length:N, lookup:ID, first-name, last-name",
                     tok, hint);
            continue;
        }
        v[k].kind = transform_names[i].kind;
        if (v[k].kind == SP_XF_MAX_LENGTH) {
            char *end = NULL;
            long x = arg != NULL ? strtol(arg, &end, 10) : 0;
            if (arg == NULL || *arg == '\0' || *end != '\0' || x < 1 || x > 1000000 ||
                !isdigit((unsigned char)arg[0])) {
                jc_error(c, pos, "max-length needs a whole number from 1, as in max-length:50 "
                                 "(found \"max-length%s%s\")", arg ? ":" : "", arg ? arg : "");
                continue;
            }
            v[k].max_length = (int)x;
        } else if (v[k].kind == SP_XF_LOOKUP) {
            if (arg == NULL || *arg == '\0') {
                jc_error(c, pos, "lookup needs the id of a <lookup>, as in lookup:country-names");
                continue;
            }
            v[k].lookup = jfind_lookup(c->job, arg);
            if (v[k].lookup == NULL) {
                jc_error(c, pos, "lookup:%s: no <lookup> has this id%s; %s", arg,
                         lookup_hint(c, arg), lookup_ids(c));
                continue;
            }
        } else if (arg != NULL) {
            jc_error(c, pos, "transform %s takes no argument (found \"%s:%s\")", tok, tok, arg);
            continue;
        }
        k++;
    }
    f->transforms = v;
    f->ntransforms = k;
}

/* Parse a template into parts; fields are GP columns of ent (export) or
 * HubSpot properties (import, ent < 0). */
static void build_template(jctx *c, const xmlNode *n, sp_job_field *f, int ent)
{
    const char *t = f->source_name;
    sp_job_pos pos = jattr_pos(n, "template");
    sp_job_template_part *parts;
    size_t cap = 2, k = 0;
    char *lit = sp_arena_alloc(c->arena, strlen(t) + 1);
    size_t ll = 0;

    for (const char *p = t; *p; p++)
        cap += (*p == '{') * 2;
    parts = sp_arena_alloc(c->arena, cap * sizeof(*parts));
    for (const char *p = t; *p;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            lit[ll++] = p[0];
            p += 2;
        } else if (*p == '}') {
            jc_error(c, pos, "template \"%s\": \"}\" without an opening \"{\" (write }} for a literal })", t);
            return;
        } else if (*p == '{') {
            const char *close = strchr(p + 1, '}');
            const char *reopen = strchr(p + 1, '{');
            char *name;
            if (close == NULL || (reopen != NULL && reopen < close)) {
                jc_error(c, pos, "template \"%s\": \"{\" without a closing \"}\" (write {{ for a literal {)", t);
                return;
            }
            name = trim_copy(c, sp_arena_strndup(c->arena, p + 1, (size_t)(close - p - 1)));
            if (name[0] == '\0') {
                jc_error(c, pos, "template \"%s\": empty {} (name a %s inside the braces)", t,
                         ent >= 0 ? "GP column" : "HubSpot property");
                return;
            }
            if (ll > 0) {
                parts[k].text = sp_arena_strndup(c->arena, lit, ll);
                k++;
                ll = 0;
            }
            parts[k].is_field = 1;
            if (ent >= 0) {
                const sp_job_column *col = sp_job_entity_column((sp_job_entity)ent, name);
                if (col == NULL) {
                    jc_error(c, pos, "template \"%s\": %s has no column %s%s", t,
                             entity_desc(c, (sp_job_entity)ent), name,
                             jcolumn_hint(c, (sp_job_entity)ent, name));
                    name = NULL;
                } else {
                    parts[k].column = col;
                    name = (char *)col->name;
                }
            } else if (!jproperty_name_ok(name)) {
                jc_error(c, pos, "template \"%s\": {%s} is not a HubSpot property name "
                                 "(letters, digits and _)", t, name);
                name = NULL;
            }
            parts[k].text = name ? name : "";
            k++;
            p = close + 1;
        } else {
            lit[ll++] = *p++;
        }
    }
    if (ll > 0) {
        parts[k].text = sp_arena_strndup(c->arena, lit, ll);
        k++;
    }
    f->parts = parts;
    f->nparts = k;
}

static int is_gp_maintained(const char *col)
{
    return strcasecmp(col, "DEX_ROW_TS") == 0 || strcasecmp(col, "DEX_ROW_ID") == 0;
}

/* RM00101's address codes and spProspectContact.Is_Primary: the GP writer
 * sets them from the first contact (contact-keys' first), so a mapping may
 * not. */
static int is_set_by_import(sp_job_entity en, const char *col)
{
    return (en == SP_ENTITY_CUSTOMER &&
            (strcasecmp(col, "ADRSCODE") == 0 || strcasecmp(col, "PRBTADCD") == 0 ||
             strcasecmp(col, "PRSTADCD") == 0 || strcasecmp(col, "STADDRCD") == 0)) ||
           (en == SP_ENTITY_PROSPECT_CONTACT && strcasecmp(col, "Is_Primary") == 0);
}

/* Characters of UTF-8 text: the unit GP's char(n) widths count. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* NULL when text is a value of GP type `type`, else what it must be. */
static const char *import_type_problem(const char *type, const char *text)
{
    char *end;
    int64_t ms;
    if (strcmp(type, "numeric") == 0) {
        size_t ip = 0, fp = 0;
        const char *p = text + (*text == '-' || *text == '+');
        for (; isdigit((unsigned char)*p); p++)
            ip++;
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++)
                fp++;
        return *p == '\0' && ip + fp > 0 && ip <= 14 ? NULL : "a decimal such as 1500.25";
    }
    if (strcmp(type, "datetime") == 0)
        return sp_time_parse_date(text, &ms, NULL) == 0 ? NULL : "a date such as 2026-01-31";
    if (strcmp(type, "tinyint") == 0 || strcmp(type, "smallint") == 0 || strcmp(type, "int") == 0) {
        long long lo = strcmp(type, "tinyint") == 0 ? 0 : strcmp(type, "smallint") == 0 ? -32768 : -2147483648LL;
        long long hi = strcmp(type, "tinyint") == 0 ? 255 : strcmp(type, "smallint") == 0 ? 32767 : 2147483647LL;
        if (strcasecmp(text, "true") == 0 || strcasecmp(text, "false") == 0)
            return NULL;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        return end != text && *end == '\0' && errno == 0 && v >= lo && v <= hi
                   ? NULL
                   : strcmp(type, "tinyint") == 0 ? "a whole number from 0 to 255 (or true/false)"
                                                  : "a whole number in its range";
    }
    return NULL;
}

/* An import field against its GP column: a max-length wider than the
 * column, a constant longer than it (characters) or not of its type. */
static void check_import_field(jctx *c, const xmlNode *n, const sp_job_field *f)
{
    const sp_job_column *col = f->target_column;
    const char *why;
    if (col == NULL)
        return;
    if (strcmp(col->type, "char") == 0) {
        for (size_t i = 0; i < f->ntransforms; i++)
            if (f->transforms[i].kind == SP_XF_MAX_LENGTH && f->transforms[i].max_length > col->width)
                jc_error(c, jattr_pos(n, "transform"), "max-length:%d is longer than %s holds (%d characters)",
                         f->transforms[i].max_length, f->target, col->width);
        if (f->source == SP_SOURCE_VALUE && f->ntransforms == 0 && (int)utf8_chars(f->source_name) > col->width)
            jc_error(c, jattr_pos(n, "value"), "value=\"%s\" is %zu characters; %s holds %d", f->source_name,
                     utf8_chars(f->source_name), f->target, col->width);
    } else if (f->source == SP_SOURCE_VALUE && f->ntransforms == 0 &&
               (why = import_type_problem(col->type, f->source_name)) != NULL) {
        jc_error(c, jattr_pos(n, "value"), "value=\"%s\" does not fit %s (%s): it must be %s", f->source_name,
                 f->target, col->type, why);
    }
}

static void build_field(jctx *c, const xmlNode *n, sp_job_mapping *m, sp_job_field *f)
{
    const char *srcs[3], *names[3];
    int nsrc = 0;
    const char *s;

    f->pos = jnode_pos(n);
    f->target = jget(c, n, "name");
    f->default_value = jget(c, n, "default");
    f->required = jget_bool(c, n, "required", 0);
    if (!m->is_import) {
        if (!jproperty_name_ok(f->target))
            jc_error(c, jattr_pos(n, "name"), "name=\"%s\" is not a HubSpot property name: internal "
                                              "names hold letters, digits and _ (e.g. gp_customer_number)",
                     f->target);
        if ((s = jget(c, n, "column")) != NULL) {
            srcs[nsrc] = s;
            names[nsrc++] = "column";
        }
    } else {
        const sp_job_column *col = sp_job_entity_column(m->entity, f->target);
        if (col == NULL) {
            jc_error(c, jattr_pos(n, "name"), "%s has no column %s%s", entity_desc(c, m->entity), f->target,
                     jcolumn_hint(c, m->entity, f->target));
        } else if (col->key) {
            jc_error(c, jattr_pos(n, "name"), "%s is part of the key of %s: spetl sets it (key "
                                              "generation, or the record it belongs to); remove this line",
                     col->name, sp_job_entity_name(m->entity));
        } else if (is_gp_maintained(col->name)) {
            jc_error(c, jattr_pos(n, "name"), "%s is maintained by the database; it cannot be imported",
                     col->name);
        } else if (is_set_by_import(m->entity, col->name)) {
            jc_error(c, jattr_pos(n, "name"), "%s is set by the import from the first contact "
                                              "(contact-keys); remove this line", col->name);
        } else {
            f->target_column = col;
            f->target = col->name;
        }
        if ((s = jget(c, n, "property")) != NULL) {
            srcs[nsrc] = s;
            names[nsrc++] = "property";
        }
    }
    if ((s = jget(c, n, "template")) != NULL) {
        srcs[nsrc] = s;
        names[nsrc++] = "template";
    }
    if ((s = jget(c, n, "value")) != NULL) {
        srcs[nsrc] = s;
        names[nsrc++] = "value";
    }
    if (nsrc == 0) {
        jc_error(c, f->pos, "<%s name=\"%s\"> needs a source: %s=\"...\", template=\"...\" or value=\"...\"",
                 m->is_import ? "column" : "property", f->target, m->is_import ? "property" : "column");
        return;
    }
    if (nsrc > 1) {
        jc_error(c, f->pos, "<%s name=\"%s\"> has %s sources (%s= and %s=): keep one",
                 m->is_import ? "column" : "property", f->target, nsrc == 2 ? "two" : "three", names[0],
                 names[1]);
        return;
    }
    f->source_name = srcs[0];
    if (strcmp(names[0], "column") == 0) {
        const sp_job_column *col = sp_job_entity_column(m->entity, srcs[0]);
        f->source = SP_SOURCE_COLUMN;
        if (col == NULL) {
            jc_error(c, jattr_pos(n, "column"), "%s has no column %s%s", entity_desc(c, m->entity), srcs[0],
                     jcolumn_hint(c, m->entity, srcs[0]));
        } else {
            f->source_column = col;
            f->source_name = col->name;
        }
    } else if (strcmp(names[0], "property") == 0) {
        f->source = SP_SOURCE_PROPERTY;
        if (!jproperty_name_ok(srcs[0]))
            jc_error(c, jattr_pos(n, "property"), "property=\"%s\" is not a HubSpot property name "
                                                  "(letters, digits and _)", srcs[0]);
    } else if (strcmp(names[0], "template") == 0) {
        f->source = SP_SOURCE_TEMPLATE;
        build_template(c, n, f, m->is_import ? -1 : (int)m->entity);
    } else {
        f->source = SP_SOURCE_VALUE;
    }
    build_transforms(c, n, f);
    if (m->is_import)
        check_import_field(c, n, f);
}

static void build_mapping(jctx *c, const xmlNode *n, sp_job_mapping *m, const sp_job_mapping *prev, size_t nprev)
{
    const char *ent = jget(c, n, "entity"), *obj = jget(c, n, "object");
    size_t nf = count_children(n, NULL), k = 0;
    sp_job_field *fields = sp_arena_alloc(c->arena, (nf ? nf : 1) * sizeof(*fields));

    m->pos = jnode_pos(n);
    m->id = jget(c, n, "id");
    m->is_import = strcmp((const char *)n->name, "import-mapping") == 0;
    for (size_t i = 0; i < nprev; i++)
        if (strcmp(prev[i].id, m->id) == 0) {
            jc_error(c, jattr_pos(n, "id"), "mapping id \"%s\" is already defined at line %d", m->id,
                     prev[i].pos.line);
            break;
        }
    for (int i = 0; i < SP_ENTITY_COUNT; i++)
        if (strcmp(sp_job_entity_name((sp_job_entity)i), ent) == 0)
            m->entity = (sp_job_entity)i;
    for (int i = 0; i < SP_OBJECT_COUNT; i++)
        if (strcmp(sp_job_object_name((sp_job_object)i), obj) == 0)
            m->object = (sp_job_object)i;
    if (m->object != sp_job_entity_object(m->entity))
        jc_error(c, jattr_pos(n, "object"), "object=\"%s\": %s maps to HubSpot %s, not %s", obj,
                 sp_job_entity_name(m->entity), sp_job_object_name(sp_job_entity_object(m->entity)), obj);
    if (m->is_import && m->entity != SP_ENTITY_CUSTOMER && m->entity != SP_ENTITY_CUSTOMER_ADDRESS &&
        m->entity != SP_ENTITY_PROSPECT && m->entity != SP_ENTITY_PROSPECT_CONTACT)
        jc_error(c, jattr_pos(n, "entity"), "entity=\"%s\": imports create customers, customer addresses, "
                                            "prospects and prospect contacts only",
                 ent);
    for (const xmlNode *f = n->children; f != NULL; f = f->next) {
        if (f->type != XML_ELEMENT_NODE)
            continue;
        build_field(c, f, m, &fields[k]);
        for (size_t j = 0; j < k; j++)
            if (fields[j].target != NULL && fields[k].target != NULL &&
                strcasecmp(fields[j].target, fields[k].target) == 0) {
                jc_error(c, jattr_pos(f, "name"), "%s \"%s\" is already set at line %d",
                         m->is_import ? "column" : "property", fields[k].target, fields[j].pos.line);
                break;
            }
        k++;
    }
    m->fields = fields;
    m->nfields = k;
    m->key_property = m->is_import ? NULL : jget(c, n, "key-property");
    if (m->key_property != NULL) {
        int found = 0;
        for (size_t j = 0; j < k; j++)
            if (fields[j].target != NULL && strcmp(fields[j].target, m->key_property) == 0)
                found = 1;
        if (!found)
            jc_error(c, jattr_pos(n, "key-property"), "key-property=\"%s\" is not set by any <property> "
                                                      "of this mapping: add <property name=\"%s\" ...>",
                     m->key_property, m->key_property);
        /* HubSpot documents unique-value properties for companies, contacts,
         * deals, tickets and custom objects only */
        if (m->object == SP_OBJECT_PRODUCTS && strcmp(m->key_property, "hs_sku") != 0)
            jc_error(c, jattr_pos(n, "key-property"),
                     "key-property=\"%s\": HubSpot products take no unique-value properties, so a "
                     "product is matched by its SKU: use key-property=\"hs_sku\" (and set hs_sku)",
                     m->key_property);
        else if (m->object == SP_OBJECT_LINE_ITEMS)
            jc_error(c, jattr_pos(n, "key-property"),
                     "key-property=\"%s\": HubSpot line items take no unique-value properties; "
                     "remove key-property",
                     m->key_property);
    }
}

static void build_mappings(jctx *c, const xmlNode *n)
{
    size_t cap = count_children(n, NULL), k = 0;
    sp_job_mapping *v = sp_arena_alloc(c->arena, (cap ? cap : 1) * sizeof(*v));

    for (const xmlNode *m = n ? n->children : NULL; m != NULL; m = m->next) {
        if (m->type != XML_ELEMENT_NODE)
            continue;
        build_mapping(c, m, &v[k], v, k);
        k++;
    }
    c->job->mappings = v;
    c->job->nmappings = k;
}

/* ---- matching ---------------------------------------------------------------------- */

static void build_matching(jctx *c, const xmlNode *n)
{
    size_t cap = count_children(n, "rule-set"), k = 0;
    sp_job_rule_set *v = sp_arena_alloc(c->arena, (cap ? cap : 1) * sizeof(*v));

    for (const xmlNode *s = n ? n->children : NULL; s != NULL; s = s->next) {
        sp_job_rule_set *rs;
        sp_job_rule *rules;
        size_t nr = 0;
        const char *ent;

        if (s->type != XML_ELEMENT_NODE)
            continue;
        rs = &v[k];
        rs->pos = jnode_pos(s);
        rs->id = jget(c, s, "id");
        for (size_t j = 0; j < k; j++)
            if (strcmp(v[j].id, rs->id) == 0) {
                jc_error(c, jattr_pos(s, "id"), "rule set id \"%s\" is already defined at line %d", rs->id,
                         v[j].pos.line);
                break;
            }
        ent = jget(c, s, "entity");
        for (int i = 0; i < SP_ENTITY_COUNT; i++)
            if (strcmp(sp_job_entity_name((sp_job_entity)i), ent) == 0)
                rs->entity = (sp_job_entity)i;
        rules = sp_arena_alloc(c->arena, (count_children(s, "rule") + 1) * sizeof(*rules));
        for (const xmlNode *r = s->children; r != NULL; r = r->next) {
            sp_job_rule *rule;
            sp_job_comparison *cmp;
            size_t nc = 0;

            if (r->type != XML_ELEMENT_NODE)
                continue;
            rule = &rules[nr];
            rule->pos = jnode_pos(r);
            rule->name = jget(c, r, "name");
            if (rule->name == NULL)
                rule->name = sp_arena_printf(c->arena, "rule %zu", nr + 1);
            cmp = sp_arena_alloc(c->arena, (count_children(r, "compare") + 1) * sizeof(*cmp));
            for (const xmlNode *x = r->children; x != NULL; x = x->next) {
                const char *how, *col;
                if (x->type != XML_ELEMENT_NODE)
                    continue;
                cmp[nc].pos = jnode_pos(x);
                cmp[nc].property = jget(c, x, "property");
                if (!jproperty_name_ok(cmp[nc].property))
                    jc_error(c, jattr_pos(x, "property"), "property=\"%s\" is not a HubSpot property name "
                                                          "(letters, digits and _)", cmp[nc].property);
                col = jget(c, x, "column");
                cmp[nc].column = sp_job_entity_column(rs->entity, col);
                if (cmp[nc].column == NULL)
                    jc_error(c, jattr_pos(x, "column"), "%s has no column %s%s", entity_desc(c, rs->entity),
                             col, jcolumn_hint(c, rs->entity, col));
                else if (strcmp(cmp[nc].column->type, "char") != 0)   /* as the run's lookups refuse it */
                    jc_error(c, jattr_pos(x, "column"), "column=\"%s\" is a %s column: matching compares "
                                                        "text (char) columns only", cmp[nc].column->name,
                             cmp[nc].column->type);
                how = jget(c, x, "how");
                cmp[nc].how = how == NULL || strcmp(how, "exact") == 0 ? SP_COMPARE_EXACT
                              : strcmp(how, "ci") == 0                 ? SP_COMPARE_CI
                              : strcmp(how, "digits") == 0             ? SP_COMPARE_DIGITS
                              : strcmp(how, "prefix") == 0             ? SP_COMPARE_PREFIX
                                                                       : SP_COMPARE_EMAIL_DOMAIN_VS_WEBSITE;
                nc++;
            }
            rule->comparisons = cmp;
            rule->ncomparisons = nc;
            if (nc > 8)   /* SP_MATCH_MAX_CMP (match.h), as the run refuses it */
                jc_error(c, rule->pos, "<rule> \"%s\" has %zu comparisons; a rule holds at most 8", rule->name,
                         nc);
            nr++;
        }
        rs->rules = rules;
        rs->nrules = nr;
        k++;
    }
    c->job->rule_sets = v;
    c->job->nrule_sets = k;
}

/* ---- hooks and filters --------------------------------------------------------------- */

static const char *const special_params[] = {"key", "hubspot_id", "json", "component", "run_id"};

/* One name of params=: a special value, property:NAME or a column of the
 * entity (its canonical spelling); NULL (reported) when it is none. */
static const char *param_name(jctx *c, const xmlNode *s, char *t, int entity)
{
    for (size_t i = 0; i < sizeof(special_params) / sizeof(special_params[0]); i++)
        if (strcmp(t, special_params[i]) == 0)
            return t;
    if (strncmp(t, "property:", 9) == 0) {
        if (jproperty_name_ok(t + 9))
            return t;
        jc_error(c, jattr_pos(s, "params"), "params: \"%s\" does not name a HubSpot property "
                                            "(property:NAME, NAME letters, digits and _)", t);
        return NULL;
    }
    if (entity >= 0) {
        const sp_job_column *col = sp_job_entity_column((sp_job_entity)entity, t);
        if (col != NULL)
            return col->name;
        jc_error(c, jattr_pos(s, "params"), "params: \"%s\" is not key, hubspot_id, json, "
                                            "component, run_id, property:NAME or a column of %s%s",
                 t, entity_desc(c, (sp_job_entity)entity), jcolumn_hint(c, (sp_job_entity)entity, t));
    } else {
        jc_error(c, jattr_pos(s, "params"), "params: \"%s\" is not key, hubspot_id, json, "
                                            "component, run_id or property:NAME (this hook has "
                                            "no GP record, so no columns)", t);
    }
    return NULL;
}

/* A hook statement as the run sends it: each ${NAME} / ${NAME:-default}
 * outside quotes and comments becomes a "?" whose value (read now, as every
 * variable of the job is) is bound, never pasted into the text; $${ is a
 * literal ${. envs[k] is the value of the k-th "?" of the result, or NULL
 * for one of the statement's own. */
typedef struct sqlvars {
    sp_buf out;
    const char **envs;
    const char **names;
    size_t n;                    /* "?" of the result */
    size_t own;                  /* ... of them the statement's own */
} sqlvars;

static void sql_var(jctx *c, const xmlNode *s, const char **pp, sqlvars *v, sp_err *e)
{
    const char *p = *pp + 2, *name = p, *dflt = NULL, *val;
    size_t nl, dl = 0;

    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    nl = (size_t)(p - name);
    if (p[0] == ':' && p[1] == '-') {
        dflt = p + 2;
        p = strchr(dflt, '}');
        dl = p != NULL ? (size_t)(p - dflt) : 0;
    }
    if (nl == 0 || isdigit((unsigned char)name[0]) || p == NULL || *p != '}') {
        jc_error(c, jnode_pos(s), "<sql>: malformed variable \"%.40s\": write ${NAME} or ${NAME:-default}", *pp);
        *pp = p != NULL && *p ? p : *pp + strlen(*pp) - 1;
        return;
    }
    v->names[v->n] = sp_arena_printf(c->arena, "env:%.*s", (int)nl, name);
    val = sp_os_getenv(v->names[v->n] + 4);
    if (dflt != NULL && (val == NULL || val[0] == '\0'))
        val = sp_arena_strndup(c->arena, dflt, dl);
    else if (val == NULL)
        jc_error(c, jnode_pos(s), "<sql>: variable ${%s} is not set: set it in the environment, or give a "
                                  "default: ${%s:-value}", v->names[v->n] + 4, v->names[v->n] + 4);
    else if (!sp_utf8_valid(val, strlen(val), NULL))
        jc_error(c, jnode_pos(s), "<sql>: variable ${%s} holds bytes that are not UTF-8 text", v->names[v->n] + 4);
    v->envs[v->n++] = val != NULL ? sp_arena_strdup(c->arena, val) : "";
    sp_buf_puts(&v->out, "?", e);
    *pp = p;
}

/* A quoted text or identifier, or a comment, copied as it is: a variable
 * inside would be pasted, so it is refused. */
static const char *sql_skip(jctx *c, const xmlNode *s, const char *p, sqlvars *v, sp_err *e)
{
    const char *end;

    if (*p == '\'' || *p == '"' || *p == '[')
        end = strchr(p + 1, *p == '[' ? ']' : *p);
    else if (p[0] == '-' && p[1] == '-')
        end = strchr(p, '\n');
    else
        end = (end = strstr(p + 2, "*/")) != NULL ? end + 1 : NULL;
    if (end == NULL)
        end = p + strlen(p) - 1;
    for (const char *q = p; (*p == '\'' || *p == '"' || *p == '[') && q < end; q++)
        if (q[0] == '$' && q[1] == '{') {
            jc_error(c, jnode_pos(s), "<sql>: a ${NAME} inside quotes would be pasted into the statement: write "
                                      "it outside them (WHERE REGION = ${REGION}); its value is bound as a parameter");
            break;
        }
    sp_buf_append(&v->out, p, (size_t)(end - p) + 1, e);
    return end;
}

static void sql_vars(jctx *c, const xmlNode *s, const char *sql, sqlvars *v)
{
    size_t cap = strlen(sql) + 2;
    sp_err e;

    sp_err_clear(&e);
    sp_buf_init(&v->out, strlen(sql) + 1 + 4096);
    v->envs = sp_arena_alloc(c->arena, cap * sizeof(*v->envs));
    v->names = sp_arena_alloc(c->arena, cap * sizeof(*v->names));
    for (const char *p = sql; *p; p++) {
        if (*p == '\'' || *p == '"' || *p == '[' || (p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*')) {
            p = sql_skip(c, s, p, v, &e);
        } else if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
            sp_buf_puts(&v->out, "${", &e);
            p += 2;
        } else if (p[0] == '$' && p[1] == '{') {
            sql_var(c, s, &p, v, &e);
        } else {
            if (*p == '?') {
                v->envs[v->n] = NULL;
                v->names[v->n++] = NULL;
                v->own++;
            }
            sp_buf_append(&v->out, p, 1, &e);
        }
    }
}

static void build_sql_hook(jctx *c, const xmlNode *s, sp_job_hook *h, int entity)
{
    const char *params = jget(c, s, "params");
    const char *names[256];
    size_t nn = 0, k = 0;
    sqlvars v;

    h->kind = SP_HOOK_SQL;
    memset(&v, 0, sizeof(v));
    sql_vars(c, s, jtext(c, s, &h->sql_pos), &v);
    h->sql = sp_arena_strdup(c->arena, sp_buf_str(&v.out));
    sp_buf_free(&v.out);
    if (h->sql[0] == '\0')
        jc_error(c, jnode_pos(s), "<sql> is empty");
    if (params == NULL) {
        if (v.own > 1)
            jc_error(c, jnode_pos(s), "the statement has %zu \"?\": name what each receives, in order, "
                                      "with params=\"key hubspot_id ...\"", v.own);
        names[nn++] = "key";
    } else {
        char *copy = sp_arena_strdup(c->arena, params), *save = NULL;
        for (char *t = strtok_r(copy, " \t\r\n,", &save); t != NULL; t = strtok_r(NULL, " \t\r\n,", &save)) {
            const char *name = param_name(c, s, t, entity);
            if (nn < sizeof(names) / sizeof(names[0]))
                names[nn++] = name != NULL ? name : t;
        }
        if (nn != v.own)
            jc_error(c, jnode_pos(s), "the statement has %zu \"?\" but params names %zu value%s", v.own, nn,
                     nn == 1 ? "" : "s");
    }
    /* the statement's own "?" take the names in order, the variables theirs */
    for (size_t i = 0; i < v.n; i++)
        if (v.names[i] == NULL)
            v.names[i] = k < nn ? names[k++] : "key";
    v.names[v.n] = NULL;
    h->params = v.names;
    h->param_values = v.envs;
    h->nparams = v.n;
}

/* Split a command line: words separated by spaces; "double quotes" keep spaces
 * (\" is a quote inside them). Returns -1 on an unclosed quote. */
static int split_command(jctx *c, const char *cmd, const char ***argv_out, size_t *argc_out)
{
    size_t cap = strlen(cmd) / 2 + 2, n = 0;
    const char **argv = sp_arena_alloc(c->arena, cap * sizeof(*argv));
    char *word = sp_arena_alloc(c->arena, strlen(cmd) + 1);
    const char *p = cmd;

    for (;;) {
        size_t wl = 0;
        int inq = 0, any = 0;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            break;
        while (*p != '\0' && (inq || !isspace((unsigned char)*p))) {
            if (*p == '"') {
                inq = !inq;
                any = 1;
                p++;
            } else if (inq && p[0] == '\\' && p[1] == '"') {
                word[wl++] = '"';
                p += 2;
            } else {
                word[wl++] = *p++;
            }
        }
        if (inq)
            return -1;
        if (wl > 0 || any)
            argv[n++] = sp_arena_strndup(c->arena, word, wl);
    }
    argv[n] = NULL;
    *argv_out = argv;
    *argc_out = n;
    return 0;
}

static void build_program_hook(jctx *c, const xmlNode *pn, sp_job_hook *h)
{
    const char *wd = jget(c, pn, "working-dir");
    const char **argv = NULL;

    h->kind = SP_HOOK_PROGRAM;
    h->command = jget(c, pn, "command");
    h->timeout_seconds = jget_int(c, pn, "timeout-seconds", 30);
    {
        const char *of = jget(c, pn, "on-failure");
        h->stop_run = of != NULL && strcmp(of, "stop-run") == 0;
    }
    h->working_dir = wd != NULL ? jresolve_path(c, wd) : c->job->dir;
    if (wd != NULL && sp_path_stat(h->working_dir) != SP_PATH_DIR)
        jc_error(c, jattr_pos(pn, "working-dir"), "working-dir %s is not a directory", h->working_dir);
    if (split_command(c, h->command, &argv, &h->argc) != 0) {
        jc_error(c, jattr_pos(pn, "command"), "command=\"%s\" has a double quote that is not closed",
                 h->command);
        return;
    }
    h->argv = argv;
    if (h->argc == 0) {
        jc_error(c, jattr_pos(pn, "command"), "command is empty: name the program to run");
        return;
    }
    /* A program given by path is checked now; one found through PATH is
     * looked up when the job runs, in the scheduler's environment. */
    if (strchr(argv[0], '/') != NULL || strchr(argv[0], '\\') != NULL) {
        const char *prog = sp_path_is_absolute(argv[0])
                               ? argv[0]
                               : sp_arena_printf(c->arena, "%s" SP_PATH_SEP_S "%s", h->working_dir, argv[0]);
        if (sp_path_stat(prog) == SP_PATH_NONE)
            jc_error(c, jattr_pos(pn, "command"), "hook program %s: %s", prog, strerror(errno));
        else if (!sp_path_executable(prog))
            jc_error(c, jattr_pos(pn, "command"), "hook program %s is not an executable file", prog);
    }
}

const sp_job_hook *jbuild_hook(jctx *c, const xmlNode *n, const char *point, int entity)
{
    sp_job_hook *h;
    const xmlNode *s;

    if (n == NULL)
        return NULL;
    h = sp_arena_alloc(c->arena, sizeof(*h));
    h->pos = jnode_pos(n);
    h->point = point;
    if ((s = jchild(n, "sql")) != NULL)
        build_sql_hook(c, s, h, entity);
    else if ((s = jchild(n, "program")) != NULL)
        build_program_hook(c, s, h);
    return h;
}

/* The run's own compiler on the entity's columns: a column typo, an unknown
 * function, a literal of the wrong type are found here, at their position
 * in the job file, not when the run reaches the component. */
static void compile_filter(jctx *c, const xmlNode *n, const sp_job_filter *f)
{
    static const sp_dialect dialects[] = {SP_DIALECT_OTHER, SP_DIALECT_SQLITE,
                                          SP_DIALECT_POSTGRESQL, SP_DIALECT_SQLSERVER};
    sp_arena *a = sp_arena_new(0);
    sp_filter *out = NULL;
    sp_err e;
    const char *comp = n->parent != NULL ? (const char *)n->parent->name : "the component";

    sp_err_clear(&e);
    if (sp_filter_compile_job(f, comp, c->path, dialects[c->job->database.dialect], NULL, a, &out,
                              &e) != 0) {
        sp_job_pos at = f->text_pos;
        if (e.line > 0) {
            at.line = e.line;
            at.col = e.col;
        }
        jc_error(c, at, "%s", e.msg);
    }
    sp_arena_free(a);
}

const sp_job_filter *jbuild_filter(jctx *c, const xmlNode *n, sp_job_entity entity)
{
    sp_job_filter *f;
    int depth = 0;
    const char *problem = NULL;

    if (n == NULL)
        return NULL;
    f = sp_arena_alloc(c->arena, sizeof(*f));
    f->pos = jnode_pos(n);
    f->entity = entity;
    f->sql = jtext(c, n, &f->text_pos);
    if (f->sql[0] == '\0') {
        jc_error(c, f->pos, "<filter> is empty: remove it to take every row of %s", sp_job_entity_table(entity));
        return f;
    }
    for (const char *p = f->sql; *p && problem == NULL; p++) {
        if (*p == '\'') {
            const char *q = p + 1;
            for (;;) {   /* '' is a quote inside a string */
                q = strchr(q, '\'');
                if (q == NULL || q[1] != '\'')
                    break;
                q += 2;
            }
            if (q == NULL)
                problem = "a quoted string is not closed (')";
            else
                p = q;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            if (--depth < 0)
                problem = "\")\" without \"(\"";
        } else if (*p == ';') {
            problem = "\";\" is not allowed: a filter is one condition, not a statement";
        } else if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*')) {
            problem = "comments (\"--\", \"/*\") are not allowed";
        }
    }
    if (problem == NULL && depth > 0)
        problem = "\"(\" without \")\"";
    if (problem != NULL)
        jc_error(c, f->text_pos, "<filter>: %s", problem);
    else
        compile_filter(c, n, f);
    return f;
}

unsigned jcompany_types(jctx *c, const xmlNode *n)
{
    const char *v = jget(c, n, "company-types");
    unsigned mask = 0;
    char *copy, *save = NULL;

    if (v == NULL)
        return 0;
    copy = sp_arena_strdup(c->arena, v);
    for (char *t = strtok_r(copy, ";", &save); t != NULL; t = strtok_r(NULL, ";", &save)) {
        char *item = trim_copy(c, t);
        unsigned bit = 0;
        if (item[0] == '\0')
            continue;
        for (unsigned b = SP_COMPANY_PROSPECT; b <= SP_COMPANY_OTHER; b <<= 1)
            if (strcasecmp(sp_job_company_type_name(b), item) == 0)
                bit = b;
        if (bit == 0)
            jc_error(c, jattr_pos(n, "company-types"), "company-types: \"%s\" is not a HubSpot company "
                                                       "type; use PROSPECT, PARTNER, RESELLER, VENDOR or "
                                                       "OTHER, separated by \";\"", item);
        mask |= bit;
    }
    if (mask == 0 && strspn(v, " ;") == strlen(v))
        jc_error(c, jattr_pos(n, "company-types"), "company-types is empty: remove it to take every company");
    return mask;
}

/* ---- secrets ---------------------------------------------------------------------- */

/* Which secret a reader reads: its names in messages, and whether spaces
 * inside it are allowed (a password may hold some; a token never). */
typedef struct secret_kind {
    const char *var_what;    /* "the HubSpot token variable X ..." */
    const char *file_what;   /* "token file X ..." */
    int spaces_ok;
} secret_kind;

static const secret_kind token_kind = {"HubSpot token", "token", 0};
static const secret_kind smtp_password_kind = {"SMTP password", "SMTP password", 1};

static int secret_text_ok(const char *t, int spaces_ok)
{
    for (; *t; t++)
        if ((unsigned char)*t < ' ' || *t == 0x7f || (*t == ' ' && !spaces_ok))
            return 0;
    return 1;
}

static const char *secret_bad_text(const secret_kind *k)
{
    return k->spaces_ok ? "control characters" : "spaces or control characters";
}

/* The file is opened first and what was opened is checked (the file checked
 * is the file read); only its owner may read or change it (platform.h says
 * what that means on each system). */
static const char *read_secret_file(jctx *c, const char *path, sp_job_pos pos, const secret_kind *k)
{
    char buf[4097], detail[512];
    size_t n = 0;
    char *val, *out = NULL;

    switch (sp_os_read_private(path, buf, sizeof(buf), &n, detail, sizeof(detail))) {
    case SP_PRIV_MISSING:
        jc_error(c, pos, "%s file %s does not exist", k->file_what, path);
        break;
    case SP_PRIV_ERRNO:
        jc_error(c, pos, "cannot read %s file %s: %s", k->file_what, path, detail);
        break;
    case SP_PRIV_NOT_FILE:
        jc_error(c, pos, "%s file %s is not a regular file", k->file_what, path);
        break;
    case SP_PRIV_SHARED:
        jc_error(c, pos, "%s file %s %s", k->file_what, path, detail);
        break;
    case SP_PRIV_TOO_BIG:
        jc_error(c, pos, "%s file %s is larger than 4 KiB", k->file_what, path);
        break;
    case SP_PRIV_OK:
        if ((val = trim_copy(c, buf))[0] == '\0')
            jc_error(c, pos, "%s file %s is empty", k->file_what, path);
        else if (!secret_text_ok(val, k->spaces_ok))
            jc_error(c, pos, "%s file %s must hold only the %s: it holds %s", k->file_what, path,
                     k->file_what, secret_bad_text(k));
        else
            out = val;
        break;
    }
    memset(buf, 0, sizeof(buf));
    return out;
}

static const char *read_secret_env(jctx *c, const char *name, sp_job_pos pos, const secret_kind *k)
{
    const char *v = sp_os_getenv(name);
    char *val;

    if (v == NULL) {
        jc_error(c, pos, "the %s variable %s is not set in the environment", k->var_what, name);
        return NULL;
    }
    val = trim_copy(c, v);
    if (val[0] == '\0')
        jc_error(c, pos, "the %s variable %s is empty", k->var_what, name);
    else if (!secret_text_ok(val, k->spaces_ok) || strlen(val) > 4096)
        jc_error(c, pos, "the %s variable %s must hold only the %s: it holds %s", k->var_what, name,
                 k->file_what, secret_bad_text(k));
    else
        return val;
    return NULL;
}

/* Register the value of each Pwd= / Password= of an ODBC connection string. */
static void register_passwords(jctx *c, const char *conn)
{
    const char *p = conn;

    while (*p) {
        const char *key = p, *eq = strchr(p, '='), *val, *end;
        if (eq == NULL)
            break;
        while (isspace((unsigned char)*key) || *key == ';')
            key++;
        val = eq + 1;
        if (*val == '{') {
            end = strchr(val, '}');
            end = end ? end + 1 : val + strlen(val);
        } else {
            end = val + strcspn(val, ";");
        }
        if ((eq - key == 3 && strncasecmp(key, "PWD", 3) == 0) ||
            (eq - key == 8 && strncasecmp(key, "PASSWORD", 8) == 0)) {
            const char *v = val, *ve = end;
            if (*v == '{' && ve > v + 1) {
                v++;
                ve--;
            }
            /* validate keeps an unset ${NAME} as written: a name, not a secret */
            if (!(ve - v > 3 && v[0] == '$' && v[1] == '{' && memchr(v, '}', (size_t)(ve - v)) == ve - 1))
                sp_log_secret(sp_arena_strndup(c->arena, v, (size_t)(ve - v)));
        }
        p = *end ? end + 1 : end;
    }
}

/* The password of "scheme://user:PASSWORD@host", whatever the scheme, or with
 * none: a mistyped URL is quoted back in an error, and must not show it. It
 * runs from the first ':' after the user to the last '@'. */
static void register_url_password(jctx *c, const char *url)
{
    const char *sep = url != NULL ? strstr(url, "://") : NULL;
    const char *start = sep != NULL ? sep + 3 : url;
    const char *at = start != NULL ? strrchr(start, '@') : NULL;
    const char *colon = at != NULL ? memchr(start, ':', (size_t)(at - start)) : NULL;

    if (colon != NULL && colon + 1 < at)
        sp_log_secret(sp_arena_strndup(c->arena, colon + 1, (size_t)(at - colon - 1)));
}

void jsecrets(jctx *c)
{
    sp_job_hubspot *h = &c->job->hubspot;
    sp_job_email *m = &c->job->email;

    register_passwords(c, c->job->database.connection);
    register_url_password(c, c->job->email.smtp_url);
    if (c->opts->skip_secrets || c->opts->validate_only)
        return;
    if (h->token_env != NULL)
        c->job->token = read_secret_env(c, h->token_env, h->token_pos, &token_kind);
    else if (h->token_file != NULL)
        c->job->token = read_secret_file(c, h->token_file, h->token_pos, &token_kind);
    if (c->job->token != NULL)
        sp_log_secret(c->job->token);
    if (m->enabled && m->password_env != NULL)
        m->password = read_secret_env(c, m->password_env, m->password_pos, &smtp_password_kind);
    else if (m->enabled && m->password_file != NULL)
        m->password = read_secret_file(c, m->password_file, m->password_pos, &smtp_password_kind);
    if (m->password != NULL)
        sp_log_secret(m->password);
}

/* ---- the job ------------------------------------------------------------------------ */

/* A <hubspot> setting only some components act on is refused at its line
 * when the job has none of them (disabled ones count: they may be enabled
 * again without touching <hubspot>). */
static void unused_hubspot_attr(jctx *c, const xmlNode *hub, const char *attr, int used, const char *who)
{
    const char *v = hub != NULL ? jget(c, hub, attr) : NULL;

    if (v != NULL && !used)
        jc_error(c, jattr_pos(hub, attr), "%s=\"%s\" is never used: it applies to %s, and this job has none "
                                          "of them; remove it", attr, v, who);
}

static void check_hubspot_unused(jctx *c, const xmlNode *hub)
{
    const sp_job_component *const *k = c->job->components;
    int imports = k[SP_COMP_CUSTOMER_IMPORT] != NULL || k[SP_COMP_PROSPECT_IMPORT] != NULL;

    unused_hubspot_attr(c, hub, "page-size", imports || k[SP_COMP_COMPANY_LINK] != NULL,
                        "company-link's and the imports' reads of HubSpot");
    unused_hubspot_attr(c, hub, "min-date-offset-minutes", imports,
                        "company-customer-import and company-prospect-import");
    unused_hubspot_attr(c, hub, "search-rate", imports || k[SP_COMP_PRODUCT_EXPORT] != NULL,
                        "the searches of the imports and of product-export");
}

void jbuild(jctx *c, xmlNodePtr root)
{
    sp_job *job = c->job;
    const char *hub = jget(c, root, "hub-id");
    const xmlNode *n;

    job->pos = jnode_pos(root);
    job->name = jget(c, root, "name");
    job->hub_id = hub != NULL ? strtoull(hub, NULL, 10) : 0;
    build_hubspot(c, jchild(root, "hubspot"));
    build_database(c, jchild(root, "database"));
    build_email(c, jchild(root, "email-on-error"));
    n = jchild(root, "history");
    job->history_retention_days = jget_int(c, n, "retention-days", 90);
    job->company_filter = jbuild_hook(c, jchild(root, "company-filter"), "company-filter", -1);
    build_lookups(c, jchild(root, "lookups"));
    build_mappings(c, jchild(root, "mappings"));
    build_matching(c, jchild(root, "matching"));
    jbuild_components(c, (xmlNodePtr)jchild(root, "components"));
    /* the company filter runs only in company-link and the imports */
    if (job->company_filter != NULL && job->components[SP_COMP_COMPANY_LINK] == NULL &&
        job->components[SP_COMP_CUSTOMER_IMPORT] == NULL && job->components[SP_COMP_PROSPECT_IMPORT] == NULL)
        jc_error(c, job->company_filter->pos, "<company-filter> is never used: it runs in company-link, "
                                              "company-customer-import and company-prospect-import, and this "
                                              "job has none of them; remove it");
    check_hubspot_unused(c, jchild(root, "hubspot"));
    jsecrets(c);
}

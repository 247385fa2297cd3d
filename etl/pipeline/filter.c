/* filter.c -- check a DBA's filter condition and bind its values (see include/spetl/filter.h).
 *
 * Three passes over the text: the lexer cuts tokens and refuses what can
 * never be part of a condition (';', comments, open strings, stray
 * characters); a scan checks the parentheses pair up; a recursive-descent
 * parser checks the grammar, the columns, functions and literal types, and
 * writes the SQL with a ? for each literal as it goes.
 */
#include "spetl/filter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spetl/buf.h"
#include "spetl/clock.h"
#include "spetl/utf8.h"
#include "text.h"

#define OUT_MAX (8 * SP_FILTER_MAX_TEXT + 1024)

typedef enum tok_kind {
    T_END = 0,
    T_IDENT,        /* bare word */
    T_QIDENT,       /* [word] or "word" */
    T_STRING,       /* '...' or N'...' */
    T_NUMBER,
    T_OP,           /* = <> != < > <= >= */
    T_LPAREN,
    T_RPAREN,
    T_COMMA,
    T_DOT
} tok_kind;

typedef struct tok {
    tok_kind kind;
    size_t off;     /* byte offset of the first character */
    size_t len;     /* bytes, quotes included */
} tok;

/* The value types a comparison checks. */
typedef enum vtype {
    VT_ANY = 0,     /* a column given without a type */
    VT_TEXT,
    VT_NUMBER,
    VT_DATE,
    VT_OTHER,       /* binary: never compared */
    VT_NULL
} vtype;

typedef enum okind {
    O_COLUMN = 0,
    O_FUNC,
    O_LITERAL,
    O_NULL
} okind;

/* One side of a predicate, after it was written to the output. */
typedef struct operand {
    okind kind;
    vtype type;
    size_t tok;                  /* its first token */
    size_t param;                /* O_LITERAL: index in params */
    const char *name;            /* O_COLUMN: canonical name; O_FUNC: function as written out */
} operand;

typedef struct parser {
    const char *text;
    const sp_filter_opts *o;
    sp_arena *a;
    sp_err *e;
    tok *toks;
    size_t ntok;
    size_t i;
    int depth;
    int failed;
    sp_buf out;
    sp_filter_param *params;
    size_t nparams;
    size_t cap;
} parser;

/* ---- positions and errors ------------------------------------------------------ */

static void position(const char *text, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t k = 0; k < off && text[k]; k++) {
        if (text[k] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[k] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static void set_position(sp_err *e, const sp_filter_opts *o, int line, int col)
{
    if (o->file != NULL) {
        int base_line = o->line > 0 ? o->line : 1, base_col = o->col > 0 ? o->col : 1;
        sp_err_at_input(e, o->file, base_line + line - 1, line == 1 ? base_col + col - 1 : col);
    } else {
        e->line = line;
        e->col = col;
    }
}

static int fail_at(parser *p, size_t off, const char *fmt, ...) SP_PRINTF(3, 4);
static int fail_at(parser *p, size_t off, const char *fmt, ...)
{
    char msg[SP_ERR_MSG_MAX];
    va_list ap;
    int line, col;

    if (p->failed)
        return -1;
    p->failed = 1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    SP_ERR(p->e, SP_EJOB, "%s", msg);
    position(p->text, off, &line, &col);
    set_position(p->e, p->o, line, col);
    return -1;
}

static int fail_tok(parser *p, size_t t, const char *fmt, ...) SP_PRINTF(3, 4);
static int fail_tok(parser *p, size_t t, const char *fmt, ...)
{
    char msg[SP_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fail_at(p, p->toks[t].off, "%s", msg);
}

/* " in the filter of customer-export" */
static const char *of_component(const parser *p, char *buf, size_t n)
{
    if (p->o->component != NULL)
        snprintf(buf, n, " in the filter of %s", p->o->component);
    else
        snprintf(buf, n, " in the filter");
    return buf;
}

static const char *table_name(const parser *p)
{
    return p->o->table != NULL ? p->o->table : "the table";
}

/* A token as the person wrote it, for messages: 'WORD', or "the end of the filter". */
static const char *describe(const parser *p, size_t t, char *buf, size_t n)
{
    const tok *k = &p->toks[t];
    if (k->kind == T_END)
        snprintf(buf, n, "the end of the filter");
    else if (k->kind == T_STRING)
        snprintf(buf, n, "a quoted value");
    else if (k->len > 40)
        snprintf(buf, n, "'%.40s...'", p->text + k->off);
    else
        snprintf(buf, n, "'%.*s'", (int)k->len, p->text + k->off);
    return buf;
}

/* ---- lexer ------------------------------------------------------------------- */

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

static int lex(parser *p)
{
    const char *s = p->text;
    size_t n = strlen(s), k = 0;
    tok *v = sp_xmalloc((n + 1) * sizeof(*v));
    size_t nt = 0;

    p->toks = v;
    while (k < n) {
        char c = s[k];
        tok t = {T_END, k, 1};
        if (is_space(c)) {
            k++;
            continue;
        }
        if (c == ';')
            return fail_at(p, k, "';' is not allowed: a filter is one condition, not a statement");
        if ((c == '-' && s[k + 1] == '-') || (c == '/' && s[k + 1] == '*'))
            return fail_at(p, k, "comments ('--', '/*') are not allowed in a filter");
        if (c == '\'' || ((c == 'N' || c == 'n') && s[k + 1] == '\'')) {
            size_t q = k + (c == '\'' ? 1 : 2);
            for (;;) {
                if (q >= n)
                    return fail_at(p, k, "a quoted value is not closed: add the closing ' (write '' for a "
                                         "quote inside it)");
                if (s[q] == '\'') {
                    if (s[q + 1] == '\'') {
                        q += 2;
                        continue;
                    }
                    break;
                }
                q++;
            }
            t.kind = T_STRING;
            t.len = q + 1 - k;
            if (!sp_utf8_valid(s + k, t.len, NULL))
                return fail_at(p, k, "the quoted value is not valid UTF-8");
        } else if (c == '[' || c == '"') {
            char close = c == '[' ? ']' : '"';
            size_t q = k + 1;
            while (q < n && s[q] != close)
                q++;
            if (q >= n)
                return fail_at(p, k, "a quoted column name is not closed: add the closing %c", close);
            t.kind = T_QIDENT;
            t.len = q + 1 - k;
        } else if (is_alpha(c)) {
            size_t q = k;
            while (q < n && (is_alpha(s[q]) || is_digit(s[q])))
                q++;
            t.kind = T_IDENT;
            t.len = q - k;
        } else if (is_digit(c) || ((c == '-' || c == '+' || c == '.') &&
                                   (is_digit(s[k + 1]) || (s[k + 1] == '.' && is_digit(s[k + 2]) && c != '.')))) {
            size_t q = k + (c == '-' || c == '+');
            int digits = 0;
            while (is_digit(s[q])) {
                q++;
                digits++;
            }
            if (s[q] == '.') {
                q++;
                while (is_digit(s[q])) {
                    q++;
                    digits++;
                }
            }
            if (digits == 0 || is_alpha(s[q]) || s[q] == '.' || (unsigned char)s[q] >= 0x80) {
                size_t r = q;
                while (r < n && (is_alpha(s[r]) || is_digit(s[r]) || s[r] == '.' || s[r] == '+' ||
                                 s[r] == '-'))
                    r++;
                return fail_at(p, k, "'%.*s' is not a number: write plain decimals such as 12, -3 or 59.95",
                               (int)(r - k > 40 ? 40 : r - k), s + k);
            }
            t.kind = T_NUMBER;
            t.len = q - k;
        } else if (c == '(' || c == ')' || c == ',' || c == '.') {
            t.kind = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN : c == ',' ? T_COMMA : T_DOT;
        } else if (c == '=' || c == '<' || c == '>' || (c == '!' && s[k + 1] == '=')) {
            t.kind = T_OP;
            if ((c == '<' && (s[k + 1] == '>' || s[k + 1] == '=')) || (c == '>' && s[k + 1] == '=') || c == '!')
                t.len = 2;
        } else {
            size_t len = sp_utf8_seq(s + k, n - k);
            if ((unsigned char)c < 0x20 || c == 0x7f)
                return fail_at(p, k, "unexpected control character (byte 0x%02x)", (unsigned)(unsigned char)c);
            if (len == 0)
                return fail_at(p, k, "the filter is not valid UTF-8 here");
            return fail_at(p, k, "unexpected character '%.*s': a filter compares columns with values "
                                 "(=, <>, <, >, <=, >=, LIKE, IN, BETWEEN, IS NULL) joined by AND, OR and NOT",
                           (int)len, s + k);
        }
        v[nt++] = t;
        k += t.len;
    }
    v[nt].kind = T_END;
    v[nt].off = n;
    v[nt].len = 0;
    p->ntok = nt;
    return 0;
}

/* Parentheses pair up: report the first ')' without '(' or the last open '('. */
static int check_parens(parser *p)
{
    size_t *open = sp_xmalloc((p->ntok + 1) * sizeof(*open));
    size_t depth = 0;
    int rc = 0;

    for (size_t t = 0; t < p->ntok && rc == 0; t++) {
        if (p->toks[t].kind == T_LPAREN) {
            open[depth++] = t;
        } else if (p->toks[t].kind == T_RPAREN) {
            if (depth == 0)
                rc = fail_tok(p, t, "')' without '('");
            else
                depth--;
        }
    }
    if (rc == 0 && depth > 0)
        rc = fail_tok(p, open[depth - 1], "'(' without ')'");
    free(open);
    return rc;
}

/* ---- output -------------------------------------------------------------------- */

static int emit_raw(parser *p, const char *s)
{
    if (p->failed)
        return -1;
    if (sp_buf_puts(&p->out, s, p->e) != 0) {
        p->failed = 1;
        return -1;
    }
    return 0;
}

/* A word, with one space before it unless it follows '(' or starts the text. */
static int emit(parser *p, const char *s)
{
    if (p->out.len > 0 && p->out.data[p->out.len - 1] != '(' && emit_raw(p, " ") != 0)
        return -1;
    return emit_raw(p, s);
}

static int emit_column(parser *p, const sp_job_column *col)
{
    char name[300];
    const sp_dialect_sql *dl = sp_dialect_sql_of(p->o->dialect);

    if (p->o->quote_identifiers)
        snprintf(name, sizeof(name), "%s%s%s%s%s", p->o->alias ? p->o->alias : "", p->o->alias ? "." : "",
                 dl->quote_open, col->name, dl->quote_close);
    else
        snprintf(name, sizeof(name), "%s%s%s", p->o->alias ? p->o->alias : "", p->o->alias ? "." : "",
                 col->name);
    return emit(p, name);
}

/* ---- keywords, columns, functions ----------------------------------------------- */

static int tok_is(const parser *p, size_t t, const char *word)
{
    const tok *k = &p->toks[t];
    return k->kind == T_IDENT && strlen(word) == k->len && strncasecmp(p->text + k->off, word, k->len) == 0;
}

static int cur_is(const parser *p, const char *word) { return tok_is(p, p->i, word); }

static int is_keyword(const parser *p, size_t t)
{
    static const char *const words[] = {"AND", "OR", "NOT", "LIKE", "IN", "BETWEEN", "IS", "ESCAPE", "NULL"};
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
        if (tok_is(p, t, words[k]))
            return 1;
    return 0;
}

/* Words that start a query or statement: never a column. */
static const char *statement_word(const parser *p, size_t t)
{
    static const char *const words[] = {
        "SELECT", "EXISTS", "UNION", "INSERT", "UPDATE", "DELETE", "DROP", "EXEC", "EXECUTE", "CREATE",
        "ALTER", "TRUNCATE", "MERGE", "GRANT", "REVOKE", "WAITFOR", "DECLARE", "FROM", "WHERE", "INTO",
        "WITH", "CASE", "CAST", "CONVERT", "SHUTDOWN", "BACKUP", "RESTORE", "OPENROWSET", "OPENQUERY"};
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
        if (tok_is(p, t, words[k]))
            return words[k];
    return NULL;
}

static vtype column_type(const sp_job_column *col)
{
    const char *t = col->type;
    if (t == NULL)
        return VT_ANY;
    if (strcmp(t, "char") == 0 || strcmp(t, "text") == 0 || strcmp(t, "varchar") == 0)
        return VT_TEXT;
    if (strcmp(t, "datetime") == 0 || strcmp(t, "date") == 0)
        return VT_DATE;
    if (strcmp(t, "numeric") == 0 || strcmp(t, "smallint") == 0 || strcmp(t, "int") == 0 ||
        strcmp(t, "tinyint") == 0 || strcmp(t, "bigint") == 0)
        return VT_NUMBER;
    return VT_OTHER;
}

static const char *type_word(vtype t)
{
    switch (t) {
    case VT_TEXT: return "text";
    case VT_NUMBER: return "number";
    case VT_DATE: return "date";
    case VT_OTHER: return "binary";
    case VT_NULL: return "NULL";
    case VT_ANY:
    default: return "untyped";
    }
}

static const sp_job_column *find_column(const parser *p, const char *name, size_t len)
{
    for (size_t k = 0; k < p->o->ncolumns; k++) {
        const char *c = p->o->columns[k].name;
        if (strlen(c) == len && strncasecmp(c, name, len) == 0)
            return &p->o->columns[k];
    }
    return NULL;
}

static char upper_ascii(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 32) : c; }

/* Edit distance ignoring case, a swap of two neighbours counting one
 * (optimal string alignment), for "did you mean". */
static size_t distance(const char *a, size_t la, const char *b)
{
    size_t lb = strlen(b), r0[64], r1[64], r2[64];
    size_t *prev2 = r0, *prev = r1, *row = r2, *tmp;
    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            char x = upper_ascii(a[i - 1]), y = upper_ascii(b[j - 1]);
            size_t best = prev[j - 1] + (x != y);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (i > 1 && j > 1 && x == upper_ascii(b[j - 2]) && upper_ascii(a[i - 2]) == y && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            row[j] = best;
        }
        tmp = prev2;
        prev2 = prev;
        prev = row;
        row = tmp;
    }
    return prev[lb];
}

static const char *suggestion(const parser *p, const char *name, size_t len, char *buf, size_t n)
{
    const char *best = NULL;
    size_t bd = 3;
    for (size_t k = 0; k < p->o->ncolumns; k++) {
        size_t d = distance(name, len, p->o->columns[k].name);
        if (d < bd) {
            bd = d;
            best = p->o->columns[k].name;
        }
    }
    if (best != NULL)
        snprintf(buf, n, " (did you mean %s?)", best);
    else
        buf[0] = '\0';
    return buf;
}

static int unknown_column(parser *p, size_t t, const char *name, size_t len)
{
    char ctx[96], hint[96];
    return fail_tok(p, t, "unknown column '%.*s'%s; %s has no such column%s", (int)(len > 64 ? 64 : len), name,
                    of_component(p, ctx, sizeof(ctx)), table_name(p), suggestion(p, name, len, hint, sizeof(hint)));
}

/* The text of an identifier token without its quotes. */
static void ident_text(const parser *p, size_t t, const char **s, size_t *len)
{
    const tok *k = &p->toks[t];
    if (k->kind == T_QIDENT) {
        *s = p->text + k->off + 1;
        *len = k->len - 2;
    } else {
        *s = p->text + k->off;
        *len = k->len;
    }
}

/* ---- literals ---------------------------------------------------------------------- */

static size_t add_param(parser *p, sp_filter_type type, const char *text, size_t t)
{
    sp_filter_param *x;
    p->params = sp_xgrow(p->params, p->nparams, &p->cap, sizeof(*p->params), 8);
    x = &p->params[p->nparams];
    memset(x, 0, sizeof(*x));
    x->type = type;
    x->text = text;
    position(p->text, p->toks[t].off, &x->line, &x->col);
    return p->nparams++;
}

/* The content of a string token, '' unescaped, in the arena. */
static char *string_value(parser *p, size_t t)
{
    const tok *k = &p->toks[t];
    const char *s = p->text + k->off + (p->text[k->off] == '\'' ? 1 : 2);
    const char *end = p->text + k->off + k->len - 1;
    char *v = sp_arena_alloc(p->a, (size_t)(end - s) + 1);
    size_t n = 0;
    while (s < end) {
        v[n++] = *s;
        s += (s[0] == '\'' && s[1] == '\'') ? 2 : 1;
    }
    v[n] = '\0';
    return v;
}

/* ---- the grammar --------------------------------------------------------------------- */

static int condition(parser *p);

static int expect_operand_error(parser *p, const char *after)
{
    char d[64];
    return fail_tok(p, p->i, "expected a column, a value or a function%s, found %s", after,
                    describe(p, p->i, d, sizeof(d)));
}

/* operand := literal | NULL | column | TABLE.column | FUNC(operand) */
static int operand_parse(parser *p, operand *x, int allow_literal)
{
    size_t t = p->i;
    const tok *k = &p->toks[t];
    char ctx[96];

    memset(x, 0, sizeof(*x));
    x->tok = t;
    if (p->failed)
        return -1;
    if (k->kind == T_STRING || k->kind == T_NUMBER) {
        if (!allow_literal)
            return fail_tok(p, t, "a function takes a column here, not a value");
        x->kind = O_LITERAL;
        if (k->kind == T_STRING) {
            x->type = VT_TEXT;
            x->param = add_param(p, SP_FILTER_TEXT, string_value(p, t), t);
        } else {
            char norm[80];
            char *raw = sp_arena_strndup(p->a, p->text + k->off, k->len);
            if (sp_text_decimal(raw, norm, sizeof(norm)) != 0)
                return fail_tok(p, t, "'%s' is a number too long for a filter", raw);
            x->type = VT_NUMBER;
            x->param = add_param(p, SP_FILTER_NUMBER, sp_arena_strdup(p->a, norm), t);
            p->params[x->param].is_integer = strchr(norm, '.') == NULL;
        }
        p->i++;
        return emit(p, "?");
    }
    if (k->kind == T_LPAREN) {
        const char *stmt = statement_word(p, t + 1);
        if (stmt != NULL)
            return fail_tok(p, t + 1, "%s is not allowed%s: a filter is one condition on %s, without subqueries "
                                      "or statements",
                            stmt, of_component(p, ctx, sizeof(ctx)), table_name(p));
        return fail_tok(p, t, "parentheses group conditions, not values: write the column or value without them");
    }
    if (tok_is(p, t, "NULL")) {
        if (!allow_literal)
            return fail_tok(p, t, "a function takes a column here, not NULL");
        x->kind = O_NULL;
        x->type = VT_NULL;
        p->i++;
        return emit(p, "NULL");
    }
    if (k->kind == T_IDENT && p->toks[t + 1].kind == T_LPAREN) {
        static const char *const funcs[] = {"UPPER", "LOWER", "LTRIM", "RTRIM", "LEN", "LENGTH"};
        const char *fn = NULL, *stmt = statement_word(p, t);
        operand arg;
        char opened[16];
        size_t fk;
        if (stmt != NULL)
            return fail_tok(p, t, "%s is not allowed%s: a filter is one condition on %s, without subqueries "
                                  "or statements",
                            stmt, of_component(p, ctx, sizeof(ctx)), table_name(p));
        for (fk = 0; fk < sizeof(funcs) / sizeof(funcs[0]); fk++)
            if (tok_is(p, t, funcs[fk]))
                fn = funcs[fk];
        if (fn == NULL)
            return fail_tok(p, t, "unknown function '%.*s'%s; the functions allowed are UPPER, LOWER, LTRIM, "
                                  "RTRIM, LEN and LENGTH",
                            (int)(k->len > 64 ? 64 : k->len), p->text + k->off, of_component(p, ctx, sizeof(ctx)));
        if (strcmp(fn, "LEN") == 0 || strcmp(fn, "LENGTH") == 0)
            fn = sp_dialect_sql_of(p->o->dialect)->char_length;
        if (++p->depth > SP_FILTER_MAX_DEPTH)
            return fail_tok(p, t, "the filter nests deeper than %d levels", SP_FILTER_MAX_DEPTH);
        snprintf(opened, sizeof(opened), "%s(", fn);
        if (emit(p, opened) != 0)
            return -1;
        p->i += 2;
        if (p->toks[p->i].kind == T_RPAREN)
            return fail_tok(p, p->i, "%s needs a column: %s(CUSTNAME)", fn, fn);
        if (operand_parse(p, &arg, 0) != 0)
            return -1;
        if (arg.type != VT_TEXT && arg.type != VT_ANY)
            return fail_tok(p, arg.tok, "%s needs text, but %s is a %s", fn, arg.name, type_word(arg.type));
        if (p->toks[p->i].kind != T_RPAREN) {
            char d[64];
            return fail_tok(p, p->i, "expected ')' to close %s(, found %s (functions take one column)", fn,
                            describe(p, p->i, d, sizeof(d)));
        }
        p->i++;
        p->depth--;
        x->kind = O_FUNC;
        x->type = fn[0] == 'L' && fn[1] == 'E' ? VT_NUMBER : VT_TEXT;
        x->name = sp_arena_printf(p->a, "%s(...)", fn);
        return emit_raw(p, ")");
    }
    if (k->kind == T_IDENT || k->kind == T_QIDENT) {
        const char *name, *stmt;
        size_t len, name_tok = t;
        const sp_job_column *col;
        if (k->kind == T_IDENT && (stmt = statement_word(p, t)) != NULL)
            return fail_tok(p, t, "%s is not allowed%s: a filter is one condition on %s, without subqueries or "
                                  "statements",
                            stmt, of_component(p, ctx, sizeof(ctx)), table_name(p));
        if (k->kind == T_IDENT && is_keyword(p, t))
            return expect_operand_error(p, "");
        if (p->toks[t + 1].kind == T_DOT) {
            /* TABLE.column: the table must be the filtered one (or the column's own) */
            const char *tn;
            size_t tl;
            ident_text(p, t, &tn, &tl);
            name_tok = t + 2;
            if (p->toks[name_tok].kind != T_IDENT && p->toks[name_tok].kind != T_QIDENT)
                return fail_tok(p, t + 1, "expected a column name after '%.*s.'", (int)(tl > 64 ? 64 : tl), tn);
            ident_text(p, name_tok, &name, &len);
            col = find_column(p, name, len);
            if (col == NULL)
                return unknown_column(p, name_tok, name, len);
            if (!((p->o->table != NULL && strlen(p->o->table) == tl && strncasecmp(p->o->table, tn, tl) == 0) ||
                  (col->table != NULL && strlen(col->table) == tl && strncasecmp(col->table, tn, tl) == 0)))
                return fail_tok(p, t, "unknown table '%.*s'%s: it filters %s", (int)(tl > 64 ? 64 : tl), tn,
                                of_component(p, ctx, sizeof(ctx)), table_name(p));
        } else {
            ident_text(p, t, &name, &len);
            col = find_column(p, name, len);
            if (col == NULL)
                return unknown_column(p, t, name, len);
        }
        p->i = name_tok + 1;
        x->kind = O_COLUMN;
        x->type = column_type(col);
        x->name = col->name;
        return emit_column(p, col);
    }
    return expect_operand_error(p, "");
}

/* What to call an operand in a message: "INACTIVE is a number column". */
static const char *subject(const operand *x, char *buf, size_t n)
{
    if (x->kind == O_COLUMN)
        snprintf(buf, n, "%s is a %s column", x->name, type_word(x->type));
    else
        snprintf(buf, n, "%s gives a %s", x->name, type_word(x->type));
    return buf;
}

/* Give literal lit the type of the column or function it is compared with. */
static int fit(parser *p, const operand *lit, const operand *other)
{
    sp_filter_param *x = &p->params[lit->param];
    char sub[160];

    if (other->type == VT_ANY)
        return 0;
    if (other->type == VT_OTHER)
        return fail_tok(p, other->tok, "%s: it cannot be compared with a value", subject(other, sub, sizeof(sub)));
    if (x->type == SP_FILTER_TEXT) {
        if (other->type == VT_TEXT)
            return 0;
        if (other->type == VT_NUMBER)
            return fail_tok(p, lit->tok, "%s: write the number without quotes (0, not '0')",
                            subject(other, sub, sizeof(sub)));
        {
            int64_t ms;
            char when[32];
            if (sp_time_parse_date(x->text, &ms, NULL) != 0)
                return fail_tok(p, lit->tok, "'%.40s' is not a date: %s, write 'YYYY-MM-DD' or "
                                             "'YYYY-MM-DD HH:MM:SS' (UTC)",
                                x->text, subject(other, sub, sizeof(sub)));
            x->type = SP_FILTER_DATETIME;
            x->text = sp_arena_strdup(p->a, sp_time_sql(ms, when, sizeof(when)));
            return 0;
        }
    }
    /* a number */
    if (other->type == VT_NUMBER)
        return 0;
    if (other->type == VT_TEXT)
        return fail_tok(p, lit->tok, "%s: quote the value ('%s')", subject(other, sub, sizeof(sub)), x->text);
    return fail_tok(p, lit->tok, "%s: write the date quoted, as '2026-01-01'", subject(other, sub, sizeof(sub)));
}

/* The left side of LIKE / IN / BETWEEN / IS: a column or function. */
static int need_column(parser *p, const operand *x, const char *what)
{
    if (x->kind == O_LITERAL || x->kind == O_NULL)
        return fail_tok(p, x->tok, "%s needs a column on its left, not a value", what);
    return 0;
}

static int literal_list(parser *p, const operand *left)
{
    char d[64];

    if (p->toks[p->i].kind != T_LPAREN)
        return fail_tok(p, p->i, "IN needs a list in parentheses, as IN ('IL', 'WI'); found %s",
                        describe(p, p->i, d, sizeof(d)));
    if (++p->depth > SP_FILTER_MAX_DEPTH)
        return fail_tok(p, p->i, "the filter nests deeper than %d levels", SP_FILTER_MAX_DEPTH);
    p->i++;
    if (emit(p, "(") != 0)
        return -1;
    for (;;) {
        const tok *k = &p->toks[p->i];
        operand v;
        if (statement_word(p, p->i) != NULL) {
            char ctx[96];
            return fail_tok(p, p->i, "%s is not allowed%s: IN takes a list of values, not a subquery",
                            statement_word(p, p->i), of_component(p, ctx, sizeof(ctx)));
        }
        if (tok_is(p, p->i, "NULL"))
            return fail_tok(p, p->i, "NULL in an IN list never matches: write (%s IS NULL OR %s IN (...))",
                            left->name, left->name);
        if (k->kind != T_STRING && k->kind != T_NUMBER)
            return fail_tok(p, p->i, "IN takes a list of values (quoted text or numbers), found %s",
                            describe(p, p->i, d, sizeof(d)));
        if (operand_parse(p, &v, 1) != 0 || fit(p, &v, left) != 0)
            return -1;
        if (p->toks[p->i].kind == T_COMMA) {
            p->i++;
            if (emit_raw(p, ",") != 0)
                return -1;
            continue;
        }
        if (p->toks[p->i].kind == T_RPAREN)
            break;
        return fail_tok(p, p->i, "expected ',' or ')' in the IN list, found %s", describe(p, p->i, d, sizeof(d)));
    }
    p->i++;
    p->depth--;
    return emit_raw(p, ")");
}

/* A value compared with left (BETWEEN bounds, the right side of =). */
static int compared(parser *p, const operand *left, operand *right, const char *op)
{
    char sub[160];

    if (left->kind == O_NULL || right->kind == O_NULL) {
        const operand *other = left->kind == O_NULL ? right : left;
        const char *is = strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0 ? "IS NOT NULL" : "IS NULL";
        return fail_tok(p, (left->kind == O_NULL ? left : right)->tok,
                        "'%s NULL' is never true in SQL: write %s %s", op,
                        other->kind == O_COLUMN || other->kind == O_FUNC ? other->name : "column", is);
    }
    if (left->kind == O_LITERAL && right->kind == O_LITERAL)
        return fail_tok(p, left->tok, "a comparison needs a column: this one compares two values");
    if (left->kind == O_LITERAL)
        return fit(p, left, right);
    if (right->kind == O_LITERAL)
        return fit(p, right, left);
    if (left->type != right->type && left->type != VT_ANY && right->type != VT_ANY)
        return fail_tok(p, left->tok, "%s and %s: they cannot be compared", subject(left, sub, sizeof(sub)),
                        right->name);
    return 0;
}

static int predicate(parser *p)
{
    operand left, right;
    char d[64];
    int negated = 0;

    if (operand_parse(p, &left, 1) != 0)
        return -1;
    if (p->toks[p->i].kind == T_OP) {
        const tok *k = &p->toks[p->i];
        char op[3] = {0};
        memcpy(op, p->text + k->off, k->len);
        p->i++;
        if (emit(p, op) != 0)
            return -1;
        if (operand_parse(p, &right, 1) != 0)
            return -1;
        return compared(p, &left, &right, op);
    }
    if (cur_is(p, "IS")) {
        if (need_column(p, &left, "IS NULL") != 0)
            return -1;
        p->i++;
        if (emit(p, "IS") != 0)
            return -1;
        if (cur_is(p, "NOT")) {
            p->i++;
            if (emit(p, "NOT") != 0)
                return -1;
        }
        if (!cur_is(p, "NULL"))
            return fail_tok(p, p->i, "expected NULL after IS, found %s", describe(p, p->i, d, sizeof(d)));
        p->i++;
        return emit(p, "NULL");
    }
    if (cur_is(p, "NOT") && (tok_is(p, p->i + 1, "LIKE") || tok_is(p, p->i + 1, "IN") ||
                             tok_is(p, p->i + 1, "BETWEEN"))) {
        negated = 1;
        p->i++;
    }
    if (cur_is(p, "LIKE")) {
        operand pat;
        if (need_column(p, &left, "LIKE") != 0)
            return -1;
        if (left.type != VT_TEXT && left.type != VT_ANY) {
            char sub[160];
            return fail_tok(p, left.tok, "LIKE needs text: %s", subject(&left, sub, sizeof(sub)));
        }
        p->i++;
        if (emit(p, negated ? "NOT LIKE" : "LIKE") != 0)
            return -1;
        if (p->toks[p->i].kind != T_STRING)
            return fail_tok(p, p->i, "LIKE needs a quoted pattern, as LIKE 'A%%'; found %s",
                            describe(p, p->i, d, sizeof(d)));
        if (operand_parse(p, &pat, 1) != 0)
            return -1;
        if (cur_is(p, "ESCAPE")) {
            operand esc;
            p->i++;
            if (emit(p, "ESCAPE") != 0)
                return -1;
            if (p->toks[p->i].kind != T_STRING)
                return fail_tok(p, p->i, "ESCAPE needs one character in quotes, as ESCAPE '!'; found %s",
                                describe(p, p->i, d, sizeof(d)));
            if (operand_parse(p, &esc, 1) != 0)
                return -1;
            if (sp_utf8_chars(p->params[esc.param].text) != 1)
                return fail_tok(p, esc.tok, "ESCAPE needs exactly one character in quotes, as ESCAPE '!'");
        }
        return 0;
    }
    if (cur_is(p, "IN")) {
        if (need_column(p, &left, "IN") != 0)
            return -1;
        p->i++;
        if (emit(p, negated ? "NOT IN" : "IN") != 0)
            return -1;
        return literal_list(p, &left);
    }
    if (cur_is(p, "BETWEEN")) {
        operand lo, hi;
        if (need_column(p, &left, "BETWEEN") != 0)
            return -1;
        p->i++;
        if (emit(p, negated ? "NOT BETWEEN" : "BETWEEN") != 0)
            return -1;
        if (operand_parse(p, &lo, 1) != 0 || compared(p, &left, &lo, "BETWEEN") != 0)
            return -1;
        if (!cur_is(p, "AND"))
            return fail_tok(p, p->i, "expected AND in BETWEEN ... AND ..., found %s", describe(p, p->i, d, sizeof(d)));
        p->i++;
        if (emit(p, "AND") != 0)
            return -1;
        if (operand_parse(p, &hi, 1) != 0)
            return -1;
        return compared(p, &left, &hi, "BETWEEN");
    }
    if (negated)
        return fail_tok(p, p->i, "expected LIKE, IN or BETWEEN after NOT");
    return fail_tok(p, p->i, "expected a comparison (=, <>, <, >, <=, >=, LIKE, IN, BETWEEN, IS NULL) after %s, "
                             "found %s",
                    left.kind == O_LITERAL ? "the value" : left.kind == O_NULL ? "NULL" : left.name,
                    describe(p, p->i, d, sizeof(d)));
}

/* factor := NOT factor | '(' condition ')' | predicate */
static int factor(parser *p)
{
    if (p->failed)
        return -1;
    if (cur_is(p, "NOT")) {
        if (++p->depth > SP_FILTER_MAX_DEPTH)
            return fail_tok(p, p->i, "the filter nests deeper than %d levels", SP_FILTER_MAX_DEPTH);
        p->i++;
        if (emit(p, "NOT") != 0 || factor(p) != 0)
            return -1;
        p->depth--;
        return 0;
    }
    if (p->toks[p->i].kind == T_LPAREN) {
        size_t open = p->i;
        char d[64];
        if (statement_word(p, p->i + 1) != NULL) {
            char ctx[96];
            return fail_tok(p, p->i + 1, "%s is not allowed%s: a filter is one condition on %s, without "
                                         "subqueries or statements",
                            statement_word(p, p->i + 1), of_component(p, ctx, sizeof(ctx)), table_name(p));
        }
        if (++p->depth > SP_FILTER_MAX_DEPTH)
            return fail_tok(p, open, "the filter nests deeper than %d levels", SP_FILTER_MAX_DEPTH);
        p->i++;
        if (emit(p, "(") != 0 || condition(p) != 0)
            return -1;
        if (p->toks[p->i].kind != T_RPAREN)
            return fail_tok(p, p->i, "expected AND, OR or ')', found %s", describe(p, p->i, d, sizeof(d)));
        p->i++;
        p->depth--;
        return emit_raw(p, ")");
    }
    return predicate(p);
}

static int term(parser *p)
{
    if (factor(p) != 0)
        return -1;
    while (cur_is(p, "AND")) {
        p->i++;
        if (emit(p, "AND") != 0 || factor(p) != 0)
            return -1;
    }
    return 0;
}

static int condition(parser *p)
{
    if (term(p) != 0)
        return -1;
    while (cur_is(p, "OR")) {
        p->i++;
        if (emit(p, "OR") != 0 || term(p) != 0)
            return -1;
    }
    return 0;
}

/* ---- public ------------------------------------------------------------------------ */

int sp_filter_compile(const char *text, const sp_filter_opts *opts, sp_arena *a, sp_filter **out, sp_err *e)
{
    parser p;
    int rc = -1;
    size_t n = strlen(text), k = 0;

    memset(&p, 0, sizeof(p));
    p.text = text;
    p.o = opts;
    p.a = a;
    p.e = e;
    sp_buf_init(&p.out, OUT_MAX);
    *out = NULL;
    while (k < n && is_space(text[k]))
        k++;
    if (n > SP_FILTER_MAX_TEXT) {
        fail_at(&p, 0, "the filter is %zu bytes long; at most %d are allowed", n, SP_FILTER_MAX_TEXT);
        goto done;
    }
    if (k == n) {
        fail_at(&p, n, "the filter is empty: remove it to take every row of %s", table_name(&p));
        goto done;
    }
    if (lex(&p) != 0 || check_parens(&p) != 0 || condition(&p) != 0)
        goto done;
    if (p.toks[p.i].kind != T_END) {
        char d[64];
        fail_tok(&p, p.i, "expected AND or OR, found %s after a complete condition",
                 describe(&p, p.i, d, sizeof(d)));
        goto done;
    }
    if (p.nparams > SP_FILTER_MAX_PARAMS) {
        fail_tok(&p, 0, "the filter has %zu values; at most %d are allowed", p.nparams, SP_FILTER_MAX_PARAMS);
        goto done;
    }
    {
        sp_filter *f = sp_arena_alloc(a, sizeof(*f));
        sp_filter_param *params = sp_arena_alloc(a, (p.nparams ? p.nparams : 1) * sizeof(*params));
        if (p.nparams > 0)
            memcpy(params, p.params, p.nparams * sizeof(*params));
        f->sql = sp_arena_strdup(a, sp_buf_str(&p.out));
        f->params = params;
        f->nparams = p.nparams;
        *out = f;
        rc = 0;
    }
done:
    free(p.toks);
    free(p.params);
    sp_buf_free(&p.out);
    return rc;
}

int sp_filter_compile_job(const sp_job_filter *f, const char *component, const char *job_path,
                          sp_dialect dialect, const char *alias, sp_arena *a, sp_filter **out,
                          sp_err *e)
{
    size_t n = 0, k = 0;
    const sp_job_column *all = sp_job_entity_columns(f->entity, &n);
    const char *table = sp_job_entity_table(f->entity);
    sp_job_column *own = sp_arena_alloc(a, (n ? n : 1) * sizeof(*own));
    sp_filter_opts o;

    for (size_t i = 0; i < n; i++)
        if (all[i].table != NULL && strcmp(all[i].table, table) == 0)
            own[k++] = all[i];
    memset(&o, 0, sizeof(o));
    o.columns = own;
    o.ncolumns = k;
    o.table = table;
    o.component = component;
    o.dialect = dialect;
    o.alias = alias;
    o.file = job_path;
    o.line = f->text_pos.line;
    o.col = f->text_pos.col;
    return sp_filter_compile(f->sql, &o, a, out, e);
}

const char *sp_filter_and(const sp_filter *f, const char *cond, sp_arena *a, size_t *first_caller_param)
{
    int has_f = f != NULL && f->sql != NULL && f->sql[0] != '\0';
    int has_c = cond != NULL && cond[0] != '\0';

    if (first_caller_param != NULL)
        *first_caller_param = (has_f ? f->nparams : 0) + 1;
    if (has_f && has_c)
        return sp_arena_printf(a, "(%s) AND (%s)", f->sql, cond);
    if (has_f)
        return sp_arena_printf(a, "(%s)", f->sql);
    return sp_arena_strdup(a, has_c ? cond : "");
}

const char *sp_filter_type_name(sp_filter_type t)
{
    switch (t) {
    case SP_FILTER_TEXT: return "text";
    case SP_FILTER_NUMBER: return "number";
    case SP_FILTER_DATETIME: return "datetime";
    }
    return "?";
}

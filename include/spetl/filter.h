/*
 * filter.h -- a component's filter: a SQL condition a DBA writes over the
 * component's GP table, checked before any query runs and turned into SQL
 * text whose every value is a bound parameter.
 *
 *     CUSTCLAS = 'RETAIL' AND INACTIVE = 0 AND (STATE IN ('IL','WI') OR CUSTNAME LIKE 'A%')
 *  -> CUSTCLAS = ? AND INACTIVE = ? AND (STATE IN (?, ?) OR CUSTNAME LIKE ?)
 *     with params 'RETAIL' (text), 0 (number), 'IL', 'WI', 'A%' (text)
 *
 * The language (keywords and names ignore case):
 *   condition  := term { OR term }          term := factor { AND factor }
 *   factor     := NOT factor | '(' condition ')' | predicate
 *   predicate  := operand op operand                   op: = <> != < > <= >=
 *              |  operand [NOT] LIKE 'pattern' [ESCAPE 'c']
 *              |  operand [NOT] IN ( literal {, literal} )
 *              |  operand [NOT] BETWEEN operand AND operand
 *              |  operand IS [NOT] NULL
 *   operand    := column | TABLE.column | [column] | "column" | literal
 *              |  UPPER|LOWER|LTRIM|RTRIM|LEN|LENGTH ( operand-without-literal )
 *   literal    := 'text' ('' is a quote; N'text' too) | number (-12, 3.5)
 * Columns are the allowed ones only (written back in their canonical
 * spelling, optionally quoted and prefixed by an alias); LEN and LENGTH are
 * written in the dialect's spelling. A comparison needs a column on one side,
 * and a literal's type must fit the column: a text column takes a quoted
 * value, a number column a number, a date column a quoted date ('2026-01-01'
 * or '2026-01-01 08:30:00'), bound as the database's text form
 * "YYYY-MM-DD HH:MM:SS.fff" so that SQLite's text comparison works too.
 * Refused, with the position of the offending character: ';' (outside a
 * string: inside one it is data), comments (-- and / *), unknown columns,
 * tables and functions, SELECT / subqueries and other statements, "= NULL"
 * (write IS NULL), unbalanced parentheses or quotes, nesting deeper than
 * SP_FILTER_MAX_DEPTH, an empty filter, anything else.
 *
 * Ownership: the compiled filter and its parameters live in the arena the
 * caller passes (the job arena: compile once per run).
 *
 * Errors: -1 with SP_EJOB and a message such as
 *   "unknown column 'CUSTNMAE' in the filter of customer-export; RM00101 has
 *    no such column (did you mean CUSTNAME?)".
 * The position goes into the sp_err: with opts->file set, the position in
 * the job file (opts->line/col being where the filter text starts) via
 * sp_err_at_input(); without, e->line/e->col hold the 1-based line and
 * column (in characters) inside the filter text and e->file stays empty.
 */
#ifndef SPETL_FILTER_H
#define SPETL_FILTER_H

#include <stddef.h>

#include "spetl/db.h"
#include "spetl/err.h"
#include "spetl/job.h"
#include "spetl/mem.h"

#define SP_FILTER_MAX_DEPTH 32       /* nested parentheses / NOT / functions */
#define SP_FILTER_MAX_TEXT 8000      /* bytes of filter text */
#define SP_FILTER_MAX_PARAMS 1000    /* bound values (SQL Server allows 2100 in all) */

typedef enum sp_filter_type {
    SP_FILTER_TEXT = 0,          /* bind as character data (UTF-8) */
    SP_FILTER_NUMBER,            /* bind as a number: text is a plain decimal */
    SP_FILTER_DATETIME           /* bind as a timestamp: text is "YYYY-MM-DD HH:MM:SS.fff" */
} sp_filter_type;

typedef struct sp_filter_param {
    sp_filter_type type;
    const char *text;            /* the value, quotes removed and '' unescaped */
    int is_integer;              /* NUMBER without a fraction */
    int line, col;               /* where it was written in the filter text */
} sp_filter_param;

typedef struct sp_filter {
    const char *sql;             /* the condition with a ? per parameter */
    const sp_filter_param *params;   /* in ? order */
    size_t nparams;
} sp_filter;

typedef struct sp_filter_opts {
    const sp_job_column *columns;    /* the allowed columns (name + type) */
    size_t ncolumns;
    const char *table;           /* "RM00101": accepted as a qualifier, named in messages */
    const char *component;       /* "customer-export": named in messages */
    sp_dialect dialect;      /* SQLSERVER writes LEN, the others LENGTH */
    int quote_identifiers;       /* 1: "COL" ([COL] on SQL Server) */
    const char *alias;           /* non-NULL: every column written as alias.COL */
    const char *file;            /* job file, for error positions; NULL: relative */
    int line, col;               /* where the filter text starts in that file */
} sp_filter_opts;

/* Check text and compile it. On success *out lives in arena a. */
int sp_filter_compile(const char *text, const sp_filter_opts *opts, sp_arena *a, sp_filter **out,
                      sp_err *e);

/* The same for a job's <filter>: its entity's columns that live in the
 * entity's own table, positions in job_path (may be NULL), every column
 * written as alias.COL when alias is not NULL. */
int sp_filter_compile_job(const sp_job_filter *f, const char *component, const char *job_path,
                          sp_dialect dialect, const char *alias, sp_arena *a, sp_filter **out,
                          sp_err *e);

/* AND the filter into the caller's own condition:
 *   "(<filter>) AND (<cond>)", or the one that is there when the other is
 *   NULL/empty ("" when both are). The filter's parameters come first: the
 *   caller's own ? are numbered from *first_caller_param (1-based, as
 *   SQLBindParameter counts) = nparams + 1. f may be NULL (no filter). */
const char *sp_filter_and(const sp_filter *f, const char *cond, sp_arena *a, size_t *first_caller_param);

const char *sp_filter_type_name(sp_filter_type t);   /* "text", "number", "datetime" */

#endif

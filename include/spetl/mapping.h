/*
 * mapping.h -- apply a job's mapping to one record.
 *
 * Export (GP -> HubSpot): each <property> of an sp_job_mapping takes its
 * value from a GP column, a constant or a template, runs it through its
 * transforms in order, then falls back to its default when the result is
 * empty. The row comes through a callback, so the mapper knows nothing of
 * ODBC: get(ctx, column) returns the column's text or NULL for SQL NULL.
 * CHAR columns are right-trimmed here whatever the database did with padding
 * (DESIGN §2); NULL counts as empty. The output is the ordered list of
 * (property, value) pairs HubSpot will be sent, values as text, plus the
 * value of the mapping's key property (the unique-value property the object
 * is upserted by).
 *
 * Import (HubSpot -> GP): each <column> takes a HubSpot property, constant or
 * template ({property} fields) through the same transforms; then the value is
 * made fit for its GP column: a CHAR value longer than the column is an
 * error (a max-length transform cuts it instead), an empty number becomes 0,
 * a date becomes GP's text form and an empty date GP's empty date
 * "1900-01-01 00:00:00.000".
 *
 * Transforms (job.h sp_job_transform_kind):
 *   trim         ASCII white space and U+00A0 at both ends
 *   upper/lower  ASCII, Latin-1 and Latin Extended-A letters (ä -> Ä, ÿ -> Ÿ,
 *                š -> Š); every other character, and ß, unchanged
 *   digits       only 0-9 are kept
 *   date         export: GP date text -> HubSpot's midnight-UTC epoch ms
 *                ("2026-11-27 00:00:00.000" -> "1795737600000"); GP's empty
 *                date 1900-01-01 -> ""; import: ISO date, ISO date-time or
 *                epoch ms -> "YYYY-MM-DD 00:00:00.000"; years 1..9999 only
 *                (epoch ms too)
 *   datetime     the same keeping the time (UTC), to the millisecond
 *   number       plain decimal: "59.95000" -> "59.95", "0.00000" -> "0"
 *   max-length:N cut to N characters, never inside a UTF-8 sequence
 *   lookup:ID    the table's replacement; missing values keep / empty / fail
 *   first-name   "Mary Ann O'Neil" -> "Mary Ann"; "O'Neil, Mary Ann" -> "Mary Ann"
 *   last-name    "Mary Ann O'Neil" -> "O'Neil"; keeps a suffix ("Smith Jr.")
 *                and lower-case particles ("van Beethoven") with the last name;
 *                a one-word name is all last name.
 * An empty value passes every transform unchanged (and then the default).
 *
 * Errors are per record: -1 with SP_EDATA naming the mapping, the field
 * (target and source), the record's value and why, with the field's job
 * file position (sp_err_at_input(job_path, field->pos)); the caller adds the
 * component and record key (sp_err_record) and goes on with the next record.
 *
 * Ownership: everything in sp_map_out lives in the row arena passed in.
 */
#ifndef SPETL_MAPPING_H
#define SPETL_MAPPING_H

#include <stddef.h>

#include "spetl/err.h"
#include "spetl/job.h"
#include "spetl/mem.h"
#include "spetl/payload.h"

/* Export: the text of a GP column of the current row; NULL = SQL NULL. */
typedef const char *(*sp_map_column_fn)(void *ctx, const sp_job_column *col);
/* Import: the value of a HubSpot property of the current object; NULL = not set. */
typedef const char *(*sp_map_property_fn)(void *ctx, const char *property);

typedef struct sp_map_out {
    sp_prop *props;              /* one per field, in mapping order; export: property name,
                                    import: canonical GP column name */
    const sp_job_column **columns;   /* import: each prop's GP column; NULL on export */
    size_t n;
    const char *key;             /* export: the key property's value; NULL when none */
} sp_map_out;

/* Map one GP row to HubSpot properties. job_path names the job file in errors. */
int sp_map_export(const sp_job_mapping *m, const char *job_path, sp_map_column_fn get, void *ctx,
                  sp_arena *row, sp_map_out *out, sp_err *e);

/* Map one HubSpot object to GP column values (m->is_import). */
int sp_map_import(const sp_job_mapping *m, const char *job_path, sp_map_property_fn get, void *ctx,
                  sp_arena *row, sp_map_out *out, sp_err *e);

/* One transform on one value (is_import picks the date direction). Returns 0
 * with *out in arena a (or in), or -1 with *why set to the reason, static or
 * in arena a ("is not a number ..."). For tests and hooks that re-map a value. */
int sp_map_transform(const sp_job_transform *t, int is_import, const char *in, sp_arena *a, const char **out,
                     const char **why);

/* The value of property name in out (NULL when absent). */
const char *sp_map_get(const sp_map_out *out, const char *name);

#endif

/*
 * job.h -- the job file: load, check, and the settings it holds.
 *
 * A job file (XML, schema jobs/spetl-job.xsd, namespace urn:spetl:job:1) holds
 * everything one run needs for one HubSpot account: the HubSpot and database
 * settings, lookups, mappings, matching rule sets and up to eight components.
 * sp_job_load() reads it in stages and reports EVERY problem of a stage as one
 * "FILE:LINE:COL: message" line before it gives up:
 *   1. well-formed XML (no DOCTYPE, no entities, no network);
 *   2. ${NAME} / ${NAME:-default} replaced from the environment, then the
 *      schema compiled into spetl (so page-size="${PAGE}" is checked as a number);
 *   3. the checks a schema cannot express: ids referenced but not defined, GP
 *      columns unknown to the entity, transforms, templates, filters (compiled
 *      as a run compiles them), URLs, the secrets (the token and the SMTP
 *      password are read here, from their variable or file).
 * A later stage runs only when the earlier ones found nothing.
 *
 * Ownership: the loaded sp_job is one immutable tree allocated in one arena;
 * every pointer inside it lives until sp_job_free(). Every node carries its
 * position in the job file (sp_job_pos) so a later runtime error can point at
 * the line that configured it (sp_err_at_input(e, job->path, pos.line, pos.col)).
 * Only etl/job/ calls libxml2; nothing here touches a database or the network.
 *
 * Errors: sp_job_load() returns -1 with SP_EJOB and the message
 * "FILE: N errors" (or "FILE: 1 error") once every diagnostic line has been
 * given to the diagnostic callback (default: printed on stderr); SP_EIO when
 * the file cannot be read at all.
 */
#ifndef SPETL_JOB_H
#define SPETL_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "spetl/err.h"
#include "spetl/mem.h"

/* Where a node was written: 1-based line and column (characters) of the
 * element's '<' or of the attribute's name; 0 when unknown. */
typedef struct sp_job_pos {
    int line;
    int col;
} sp_job_pos;

/* ---- the GP / SalesPad entities and their column catalogue ---------------- */

typedef enum sp_job_entity {
    SP_ENTITY_CUSTOMER = 0,        /* RM00101 (+ INET1 of the primary address, SY01200) */
    SP_ENTITY_CUSTOMER_ADDRESS,    /* RM00102 (+ INET1, SY01200) */
    SP_ENTITY_PROSPECT,            /* SOP00200 */
    SP_ENTITY_PROSPECT_CONTACT,    /* spProspectContact (spetl's own table) */
    SP_ENTITY_ITEM,                /* IV00101 (+ LISTPRCE, IV00105) */
    SP_ENTITY_SALES_DOCUMENT,      /* SOP10100 */
    SP_ENTITY_SALES_LINE,          /* SOP10200 */
    SP_ENTITY_COUNT
} sp_job_entity;

typedef enum sp_job_object {
    SP_OBJECT_COMPANIES = 0,
    SP_OBJECT_CONTACTS,
    SP_OBJECT_PRODUCTS,
    SP_OBJECT_DEALS,
    SP_OBJECT_LINE_ITEMS,
    SP_OBJECT_COUNT
} sp_job_object;

/* One column of an entity, as GP declares it (every GP column is NOT NULL). */
typedef struct sp_job_column {
    const char *name;    /* canonical spelling: "CUSTNMBR", "ShipToName" */
    const char *table;   /* the table it is read from: "RM00101", "SY01200" */
    const char *type;    /* "char", "datetime", "numeric", "smallint", "int", "tinyint", "text", "binary" */
    int width;           /* characters for char, 0 otherwise */
    int key;             /* part of the entity's key (made by key generation on import) */
} sp_job_column;

const char *sp_job_entity_name(sp_job_entity e);     /* "customer-address" */
const char *sp_job_entity_table(sp_job_entity e);    /* "RM00102" */
const char *sp_job_object_name(sp_job_object o);     /* "line_items" */
sp_job_object sp_job_entity_object(sp_job_entity e); /* the object an entity maps to */
/* Every column of the entity, in table order; *n receives the count. */
const sp_job_column *sp_job_entity_columns(sp_job_entity e, size_t *n);
/* One column by name, ignoring case; NULL when the entity has no such column. */
const sp_job_column *sp_job_entity_column(sp_job_entity e, const char *name);

/* ---- lookups --------------------------------------------------------------- */

typedef enum sp_job_lookup_missing {
    SP_LOOKUP_KEEP = 0,   /* a value not in the table passes unchanged */
    SP_LOOKUP_EMPTY,      /* ... becomes empty (then the field default applies) */
    SP_LOOKUP_FAIL        /* ... fails the record */
} sp_job_lookup_missing;

typedef struct sp_job_lookup_entry {
    sp_job_pos pos;
    const char *from;
    const char *to;
} sp_job_lookup_entry;

typedef struct sp_job_lookup {
    sp_job_pos pos;
    const char *id;
    int ignore_case;
    sp_job_lookup_missing missing;
    const sp_job_lookup_entry *entries;
    size_t nentries;
} sp_job_lookup;

/* The replacement of value, or NULL when the table has no such entry (then
 * the lookup's `missing` rule applies). */
const char *sp_job_lookup_find(const sp_job_lookup *l, const char *value);

/* ---- mappings -------------------------------------------------------------- */

typedef enum sp_job_transform_kind {
    SP_XF_TRIM = 0,
    SP_XF_UPPER,
    SP_XF_LOWER,
    SP_XF_DIGITS,
    SP_XF_DATE,        /* export: GP date -> midnight-UTC epoch ms; import: -> GP date */
    SP_XF_DATETIME,    /* export: GP datetime (UTC) -> epoch ms; import: -> GP datetime */
    SP_XF_NUMBER,      /* plain decimal: "59.95000" -> "59.95" */
    SP_XF_MAX_LENGTH,  /* arg: max_length characters */
    SP_XF_LOOKUP,      /* arg: lookup */
    SP_XF_FIRST_NAME,  /* every word of a name but the last */
    SP_XF_LAST_NAME    /* the last word of a name */
} sp_job_transform_kind;

typedef struct sp_job_transform {
    sp_job_transform_kind kind;
    int max_length;                  /* SP_XF_MAX_LENGTH */
    const sp_job_lookup *lookup;     /* SP_XF_LOOKUP */
} sp_job_transform;

typedef enum sp_job_source {
    SP_SOURCE_COLUMN = 0,   /* export: a GP column of the entity */
    SP_SOURCE_PROPERTY,     /* import: a HubSpot property */
    SP_SOURCE_VALUE,        /* a constant */
    SP_SOURCE_TEMPLATE      /* literal text and {FIELD} parts */
} sp_job_source;

/* A template piece: literal text, or a field (a GP column on export, a
 * HubSpot property on import). */
typedef struct sp_job_template_part {
    int is_field;
    const char *text;                  /* literal text, or the field's name */
    const sp_job_column *column;       /* export: the catalogue column; NULL on import */
} sp_job_template_part;

/* One line of a mapping: target <- source, through transforms. */
typedef struct sp_job_field {
    sp_job_pos pos;
    const char *target;          /* export: HubSpot property; import: GP column (canonical) */
    const sp_job_column *target_column;   /* import: the catalogue column; NULL on export */
    sp_job_source source;
    const char *source_name;     /* COLUMN: canonical GP column; PROPERTY: property; VALUE: the constant; TEMPLATE: the text */
    const sp_job_column *source_column;   /* COLUMN: the catalogue column */
    const sp_job_template_part *parts;    /* TEMPLATE */
    size_t nparts;
    const sp_job_transform *transforms;   /* applied in order */
    size_t ntransforms;
    const char *default_value;   /* NULL: none */
    int required;
} sp_job_field;

typedef struct sp_job_mapping {
    sp_job_pos pos;
    const char *id;
    int is_import;               /* 0: export (GP -> HubSpot), 1: import (HubSpot -> GP) */
    sp_job_entity entity;
    sp_job_object object;
    const char *key_property;    /* export: unique-value property to upsert by; NULL */
    const sp_job_field *fields;
    size_t nfields;
} sp_job_mapping;

/* ---- matching -------------------------------------------------------------- */

typedef enum sp_job_compare {
    SP_COMPARE_EXACT = 0,
    SP_COMPARE_CI,                       /* case and spaces ignored */
    SP_COMPARE_DIGITS,                   /* digits only */
    SP_COMPARE_EMAIL_DOMAIN_VS_WEBSITE,  /* e-mail domain = website host */
    SP_COMPARE_PREFIX                    /* HubSpot value starts with the GP value (ci) */
} sp_job_compare;

typedef struct sp_job_comparison {
    sp_job_pos pos;
    const char *property;
    const sp_job_column *column;
    sp_job_compare how;
} sp_job_comparison;

typedef struct sp_job_rule {
    sp_job_pos pos;
    const char *name;            /* "rule N" when not named */
    const sp_job_comparison *comparisons;
    size_t ncomparisons;
} sp_job_rule;

typedef struct sp_job_rule_set {
    sp_job_pos pos;
    const char *id;
    sp_job_entity entity;        /* customer, customer-address, prospect, prospect-contact */
    const sp_job_rule *rules;    /* tried in order */
    size_t nrules;
} sp_job_rule_set;

/* ---- hooks and filters ----------------------------------------------------- */

typedef enum sp_job_hook_kind {
    SP_HOOK_SQL = 0,
    SP_HOOK_PROGRAM
} sp_job_hook_kind;

typedef struct sp_job_hook {
    sp_job_pos pos;              /* the hook element (<pre-export> ...) */
    const char *point;           /* "pre-export", "post-link", "company-filter" ... */
    sp_job_hook_kind kind;
    /* SQL */
    const char *sql;             /* the statement, trimmed */
    sp_job_pos sql_pos;          /* its first character */
    const char *const *params;   /* one per '?': "key", "hubspot_id", "json", "component",
                                    "run_id", a GP column, "property:NAME", or "env:NAME" (a
                                    ${NAME} of the statement, made a '?': bound, never pasted) */
    const char *const *param_values;   /* per '?': an env:NAME's value (read at load); NULL otherwise */
    size_t nparams;
    /* program */
    const char *command;         /* as written */
    const char *const *argv;     /* split; argv[argc] == NULL */
    size_t argc;
    const char *working_dir;     /* resolved against the job file's directory */
    int timeout_seconds;
    int stop_run;                /* on-failure="stop-run": a crash, timeout or bad answer stops the
                                    run (default fail-record: that record fails, the program restarts) */
} sp_job_hook;

typedef struct sp_job_filter {
    sp_job_pos pos;              /* the <filter> element */
    sp_job_pos text_pos;         /* the first character of the condition */
    const char *sql;             /* the condition, trimmed */
    sp_job_entity entity;        /* the table it applies to */
} sp_job_filter;

/* ---- components ------------------------------------------------------------ */

/* In run order: sp_job_enabled_components() returns them sorted by this. */
typedef enum sp_job_component_kind {
    SP_COMP_COMPANY_LINK = 0,
    SP_COMP_CUSTOMER_IMPORT,
    SP_COMP_PROSPECT_IMPORT,
    SP_COMP_CUSTOMER_EXPORT,
    SP_COMP_CUSTOMER_UPDATES,
    SP_COMP_PROSPECT_UPDATES,
    SP_COMP_PRODUCT_EXPORT,
    SP_COMP_DEAL_EXPORT,
    SP_COMP_COUNT
} sp_job_component_kind;

/* HubSpot company types (the company's "type" property); a mask of 0 = all. */
enum {
    SP_COMPANY_PROSPECT = 1 << 0,
    SP_COMPANY_PARTNER = 1 << 1,
    SP_COMPANY_RESELLER = 1 << 2,
    SP_COMPANY_VENDOR = 1 << 3,
    SP_COMPANY_OTHER = 1 << 4
};
/* "PROSPECT" ... for one bit; NULL for anything else. */
const char *sp_job_company_type_name(unsigned bit);

typedef struct sp_job_company_link {
    unsigned company_types;
    sp_job_pos types_pos;        /* the company-types attribute (the element when absent) */
    int trace;
    int log_unmatched;
    const sp_job_rule_set *customer_matching;          /* NULL when not set */
    const sp_job_rule_set *customer_address_matching;
    const sp_job_rule_set *prospect_matching;
    const sp_job_rule_set *prospect_contact_matching;
    const sp_job_hook *post_link;
} sp_job_company_link;

typedef struct sp_job_key_generation {
    sp_job_pos pos;              /* line 0: the element is absent */
    const char *from_property;   /* default "name" */
    int letters;                 /* default 8 */
    int digits;                  /* default 4 */
} sp_job_key_generation;

typedef struct sp_job_contact_keys {
    sp_job_pos pos;
    const char *first;           /* default "PRIMARY" */
    const char *prefix;          /* default "CONTACT" */
    int digits;                  /* default 3 */
} sp_job_contact_keys;

/* company-customer-import and company-prospect-import. */
typedef struct sp_job_import {
    unsigned company_types;
    sp_job_pos types_pos;        /* the company-types attribute (the element when absent) */
    int import_new_companies;
    int import_new_contacts;
    int try_match;
    int prevent_other_matching;  /* prevent-matching-to-prospects / -to-customers */
    int rollback_on_error;
    const char *min_create_date; /* as written; NULL when absent */
    int64_t min_create_ms;       /* UTC epoch ms; 0 when absent */
    const sp_job_mapping *company_mapping;   /* customer or prospect import mapping */
    const sp_job_mapping *contact_mapping;   /* customer-address or prospect-contact */
    const sp_job_rule_set *customer_matching;
    const sp_job_rule_set *customer_address_matching;
    const sp_job_rule_set *prospect_matching;
    const sp_job_rule_set *prospect_contact_matching;
    sp_job_key_generation key_generation;
    sp_job_contact_keys contact_keys;
    const sp_job_hook *pre_import;
    const sp_job_hook *post_import;
} sp_job_import;

typedef struct sp_job_customer_export {
    int all_address_types;       /* address-types="*" */
    const char *const *address_types;   /* otherwise: the ADRSCODE values */
    size_t naddress_types;
    int export_new_contacts;
    int per_page;
    const sp_job_filter *filter;        /* NULL: every unlinked customer */
    const sp_job_mapping *customer_mapping;
    const sp_job_mapping *address_mapping;
    const sp_job_hook *pre_export;
    const sp_job_hook *post_export;
} sp_job_customer_export;

/* customer-updates-export and prospect-updates-export. */
typedef struct sp_job_updates_export {
    int range_days;
    int per_page;
    const sp_job_mapping *company_mapping;   /* customer or prospect export mapping */
    const sp_job_mapping *contact_mapping;   /* customer-address or prospect-contact */
    const sp_job_hook *pre_company_update;
    const sp_job_hook *post_company_update;
    const sp_job_hook *pre_contact_update;
    const sp_job_hook *post_contact_update;
} sp_job_updates_export;

typedef struct sp_job_product_export {
    int per_page;
    const char *price_currency;  /* NULL: the item's only IV00105 row */
    const sp_job_filter *filter;
    const sp_job_mapping *item_mapping;
    const sp_job_hook *pre_export;
    const sp_job_hook *post_export;
} sp_job_product_export;

typedef struct sp_job_deal_export {
    const char *queue;
    const char *next_queue;      /* NULL: the workflow's next queue */
    int export_lines;
    int per_page;
    const sp_job_mapping *deal_mapping;
    const sp_job_mapping *line_mapping;   /* NULL when export_lines is 0 and not set */
    const sp_job_hook *pre_export;
    const sp_job_hook *post_export;
} sp_job_deal_export;

typedef struct sp_job_component {
    sp_job_pos pos;
    sp_job_component_kind kind;
    const char *name;            /* "customer-export" */
    int enabled;
    union {
        sp_job_company_link link;               /* SP_COMP_COMPANY_LINK */
        sp_job_import import;                   /* SP_COMP_*_IMPORT */
        sp_job_customer_export customer_export; /* SP_COMP_CUSTOMER_EXPORT */
        sp_job_updates_export updates;          /* SP_COMP_*_UPDATES */
        sp_job_product_export product;          /* SP_COMP_PRODUCT_EXPORT */
        sp_job_deal_export deal;                /* SP_COMP_DEAL_EXPORT */
    } u;
} sp_job_component;

const char *sp_job_component_name(sp_job_component_kind k);   /* "deal-export" */
/* The kind of a component name, or -1 when there is no such component. */
int sp_job_component_parse(const char *name);

/* ---- the job ---------------------------------------------------------------- */

typedef enum sp_job_dialect {
    SP_JOB_DIALECT_AUTO = 0,
    SP_JOB_DIALECT_SQLITE,
    SP_JOB_DIALECT_POSTGRESQL,
    SP_JOB_DIALECT_SQLSERVER
} sp_job_dialect;

typedef struct sp_job_hubspot {
    sp_job_pos pos;
    const char *base_url;        /* no trailing '/'; default https://api.hubapi.com */
    const char *api_version;     /* "2026-03" or "v3" */
    int page_size;               /* 1..100, default 100 */
    int rate_limit;              /* requests per 10 s, default 100 */
    int search_rate;             /* search requests per second, default 4 */
    const char *ca_bundle;       /* resolved path; NULL: the system's */
    int connect_timeout_s;       /* default 10 */
    int request_timeout_s;       /* default 60 */
    int retry_budget_s;          /* default 300 */
    int min_date_offset_minutes; /* default 5 */
    sp_job_pos token_pos;
    const char *token_env;       /* exactly one of token_env and token_file */
    const char *token_file;      /* resolved path */
} sp_job_hubspot;

typedef struct sp_job_database {
    sp_job_pos pos;
    const char *connection;      /* variables replaced: may hold a password (registered
                                    with sp_log_secret); never log it */
    sp_job_dialect dialect;
} sp_job_database;

typedef enum sp_job_starttls {
    SP_STARTTLS_REQUIRED = 0,
    SP_STARTTLS_IF_AVAILABLE,
    SP_STARTTLS_NEVER            /* only to this machine */
} sp_job_starttls;

typedef struct sp_job_email {
    sp_job_pos pos;              /* line 0: no <email-on-error> */
    int enabled;
    const char *from;
    const char *const *to;
    size_t nto;
    const char *smtp_url;        /* may hold user:password (the password registered as a secret) */
    const char *user;            /* AUTH user; NULL: the URL's, or no AUTH */
    sp_job_pos password_pos;     /* line 0: no <password> */
    const char *password_env;    /* at most one of password_env and password_file */
    const char *password_file;   /* resolved path */
    const char *password;        /* read at load (not by validate); registered as a secret */
    sp_job_starttls starttls;    /* smtp:// only; default required (if-available to loopback) */
    const char *ca_bundle;       /* resolved path; NULL: the system's */
    int connect_timeout_s;       /* default 10 */
    int timeout_s;               /* default 60, the whole sending */
    int max_records;             /* failed records listed, default 20 */
} sp_job_email;

typedef struct sp_job {
    const char *path;            /* as given to sp_job_load */
    const char *dir;             /* the job file's directory (relative paths base) */
    sp_job_pos pos;
    const char *name;
    uint64_t hub_id;             /* 0: not set */
    sp_job_hubspot hubspot;
    sp_job_database database;
    sp_job_email email;
    int history_retention_days;  /* default 90 */
    const sp_job_hook *company_filter;        /* NULL: none */
    const sp_job_lookup *lookups;
    size_t nlookups;
    const sp_job_mapping *mappings;
    size_t nmappings;
    const sp_job_rule_set *rule_sets;
    size_t nrule_sets;
    const sp_job_component *components[SP_COMP_COUNT];   /* by kind; NULL when absent */
    sp_arena *arena;             /* owns everything above */
    const char *token;           /* read at load; use sp_job_token() */
} sp_job;

/* ---- loading ----------------------------------------------------------------- */

/* One problem found in a job file. */
typedef struct sp_job_diag {
    const char *file;
    int line;                    /* 0 when the problem has no position */
    int col;
    const char *message;
} sp_job_diag;

typedef void (*sp_job_diag_fn)(void *ctx, const sp_job_diag *d);

typedef struct sp_job_load_opts {
    sp_job_diag_fn on_diag;      /* NULL: print "FILE:LINE:COL: message" lines on stderr */
    void *diag_ctx;
    int skip_secrets;            /* 1: do not read or check the token (unit tests of the model) */
    int validate_only;           /* 1: the secrets are not needed (spetl validate, a job file
                                    checked in CI without them): the token is only named, not
                                    read, and an unset ${NAME} in the database connection is
                                    left as written; check and run need them */
} sp_job_load_opts;

/* Load and check the job file at path (opts may be NULL). On success *out
 * holds the job (free with sp_job_free). On failure returns -1: SP_EJOB
 * "PATH: N errors" after every problem went to the diagnostic callback. */
int sp_job_load(const char *path, const sp_job_load_opts *opts, sp_job **out, sp_err *e);

/* The same from text in memory; name is the file name used in diagnostics
 * and the base of relative paths. */
int sp_job_load_text(const char *name, const char *text, size_t len,
                     const sp_job_load_opts *opts, sp_job **out, sp_err *e);

void sp_job_free(sp_job *job);

/* The HubSpot token read from its environment variable or file (registered
 * with sp_log_secret, so it prints as <redacted>); NULL when loaded with
 * skip_secrets. */
const char *sp_job_token(const sp_job *job);

/* The enabled components in run order: company-link, company-customer-import,
 * company-prospect-import, customer-export, customer-updates-export,
 * prospect-updates-export, product-export, deal-export. Fills out[0..max) and
 * returns how many are enabled. */
size_t sp_job_enabled_components(const sp_job *job, const sp_job_component **out, size_t max);

/* The schema compiled into spetl (jobs/spetl-job.xsd, byte for byte). */
const char *sp_job_xsd(size_t *len);

#endif

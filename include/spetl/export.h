/*
 * export.h -- the one export pipeline shared by customer-export,
 * customer-updates-export, prospect-updates-export and product-export.
 *
 * A component describes what it reads (sp_export_spec: a parent level such
 * as customers or items, and optionally a child level such as their
 * addresses) and the engine does the rest, page by page:
 *
 *   read one page of parents (keyset on the entity key, per_page rows, the
 *   component's filter compiled with bound parameters, joined to the link
 *   table) and their children (the parents' key range), fully into the page
 *   arena, cursor closed  ->  map each row (sp_map_export)  ->  the level's
 *   pre hook on the page's records (hook.h)  ->  decide per record: unlinked =
 *   upsert by the mapping's key-property, linked with another payload hash =
 *   update by id, same hash = unchanged (nothing sent)  ->  batch writes
 *   through the client's queue (several pages in flight)  ->  per record
 *   results: the level's post hook, links, Action Center rows and counts
 *   written in ONE database transaction per page.
 *
 * Hooks (spec->hooks, the component's sp_hooks; a level's pre_hook and
 * post_hook): the pre hook runs where the page is read and mapped, on the
 * read-ahead thread when there is one, so a SQL pre hook runs on the
 * connection that reads the page (the read-ahead thread's own on PostgreSQL
 * and SQL Server, outside any transaction: its writes commit at once; the
 * run's on SQLite, between commits), once per page with the page's mapped
 * records; it may change their properties (the hash and the decision come
 * after it), skip them or fail them. The post hook runs on the commit thread
 * inside the page's transaction, before the links are written, with each
 * record HubSpot took and its HubSpot id: its writes commit or roll back
 * with the page; skip = the link is not written; fail = an Action Center
 * row and no link. In a dry run the pre hooks run and the post hooks not.
 *
 * Threads (a run's, not a dry run's): pages whose writes are done are
 * committed by a commit thread on the run's connection (at most 4 waiting;
 * the connection is used by one thread at a time), so the HTTP work never
 * waits for the disk. The next pages are read and mapped ahead by a read
 * thread (at most 2 ahead): on a database server (PostgreSQL, SQL Server) on
 * a second connection; on SQLite on the run's connection, between commits
 * (two connections to one file wait for each other's locks). Everything
 * else runs on the caller's thread. Measured on the 10,000-customer export:
 * SQLite 2.0-2.6 s -> 1.5-2.3 s, PostgreSQL 3.3 -> 2.3-2.7 s.
 *
 * Contacts (child level of companies): an upsert refused because HubSpot
 * already holds the email (409 "Existing ID: N") links the address to
 * contact N when N carries no other SalesPad key (read back first); else it
 * is reported. Children are associated to their parent (contact -> company
 * 279) after the writes. A linked record whose HubSpot object is gone (404)
 * is reported (WARN + Action Center) and re-resolved by upsert on the key
 * property, then relinked.
 *
 * Links are written only after every write of their page went through, so
 * a run killed at any moment leaves no half-linked page: the next run
 * upserts the same records again by their unique key property. Products
 * (spec->link_by_sku) have none: unlinked items are searched by hs_sku
 * (the mapping's key) first and only the rest are created (batch create),
 * so the next run finds what a killed run created.
 *
 * Keys equal once trailing spaces are trimmed ('X' and 'X ' stored by a
 * database that keeps them): every such record of a level fails, one Action
 * Center row (KEY_COLLISION) names each stored key, nothing is sent. The
 * pages page by the trimmed key, and a full page's last key is read again
 * with the next page, so a key's rows are always in one page.
 *
 * Dry run (ctx->dry_run): everything is read, filtered, mapped and given
 * to the pre hooks; nothing is sent or written; each record's create/update
 * is printed on stdout field by field (sp_payload_diff_format), a record a
 * hook skipped or failed with the hook's message.
 *
 * Where it lives: etl/sync/, one file per stage (export_internal.h lists
 * them: export_sql.c the SELECT, export_read.c a page read, export_map.c
 * rows to records, export_sku.c products by hs_sku, export_send.c the
 * writes, export_commit.c the page's transaction and its final counts,
 * export_dry.c --dry-run, export.c the wiring), on the page pipeline of
 * spetl/sync.h (pipeline.c, read_ahead.c, commit_thread.c: the threads).
 *
 * Errors: sp_export_run() returns 0 when it ran to the end (failed records
 * are counted in ctx->counts.failed and have Action Center rows), -1 with e
 * when it stopped (database error, HubSpot unreachable, daily limit).
 */
#ifndef SPETL_EXPORT_H
#define SPETL_EXPORT_H

#include <stddef.h>

#include "spetl/component.h"
#include "spetl/mapping.h"

typedef enum sp_export_links {
    SP_EXPORT_UNLINKED = 0,      /* rows without a link of this hub */
    SP_EXPORT_LINKED,            /* rows with one */
    SP_EXPORT_ANY                /* both */
} sp_export_links;

#define SP_EXPORT_MAX_KEYS 4
#define SP_EXPORT_MAX_EXTRAS 4

/* One level of records (parents or children). */
typedef struct sp_export_level {
    sp_job_entity entity;        /* catalogue entity: its columns */
    const char *link_type;       /* SP_LINK_CUSTOMER ... */
    const sp_job_mapping *mapping;
    const char *from;            /* FROM clause; the entity's table aliased t */
    const char *const *from_params;  /* text values for the ? of from, in order */
    size_t nfrom_params;
    const char *keys[SP_EXPORT_MAX_KEYS];  /* key columns of t: {"CUSTNMBR"} or {"CUSTNMBR", "ADRSCODE"};
                                  * a child's first keys are its parent's */
    int nkeys;                   /* parents page on all their keys (keyset on the
                                  * composite key: (SOPTYPE, SOPNUMBE)) */
    sp_export_links links;       /* which rows to read */
    int send;                    /* 0: parents only read for their link (not sent or counted) */
    const char *where;           /* extra condition with ? placeholders, or NULL */
    const char *const *where_texts;  /* its text parameters, bound first, in order */
    size_t nwhere_texts;
    const int64_t *where_times;  /* then its timestamps (UTC epoch ms), in order */
    size_t nwhere_times;
    const sp_job_filter *filter; /* parent level only; NULL: none */
    const char *extras[SP_EXPORT_MAX_EXTRAS];  /* more expressions read with each row ("cl.HubSpot_ID"
                                  * of a join in from), kept raw in the record; NULL: none */
    int keyless;                 /* records are created, never upserted (line items): no
                                  * key-property needed; the engine that sends them decides */
    const char *const *only_codes;   /* child level: second key values to keep (address types); NULL: all */
    size_t nonly_codes;
    const sp_job_hook *pre_hook;     /* NULL: none (run through spec->hooks) */
    const sp_job_hook *post_hook;
} sp_export_level;

struct sp_hooks;

typedef struct sp_export_spec {
    sp_export_level parent;
    const sp_export_level *child;    /* NULL: none */
    int per_page;                    /* parents per page */
    int link_by_sku;                 /* products: unlinked items search hs_sku first */
    struct sp_hooks *hooks;          /* the component's (hook.h); NULL: no hooks */
} sp_export_spec;

/* Run one pass of the pipeline over spec. */
int sp_export_run(sp_run_ctx *ctx, const sp_export_spec *spec, sp_err *e);

/* deal-export (etl/sync/deal*.c): the documents level (SOP10100, keys
 * SOPTYPE and SOPNUMBE, paged on both, extras: the company link's HubSpot
 * id, the customer or prospect number, PROSPECT) and, when lines are
 * exported, the lines level (SOP10200, keys SOPTYPE, SOPNUMBE, LNITMSEQ,
 * CMPNTSEQ, keyless; extras: the product link's HubSpot id, ITEMNMBR), read
 * by the export engine's page reads; then per page: each unlinked document
 * (already linked: skipped) whose customer is linked becomes a deal (batch
 * upsert by the deal mapping's key-property) associated to that company,
 * its lines line items associated to the deal (created with the association
 * when the deal is new; else the deal's line items are read first and only
 * the missing lines created, found by their key in SP_DEAL_LINE_KEY_PROP);
 * then in ONE transaction per page the documents that went through whole
 * are linked (deal and lines), get their audit row (items without a HubSpot
 * product) and move to the next queue; the others get an Action Center row
 * and stay. */
#define SP_DEAL_LINE_KEY_PROP "gp_sales_line"

typedef struct sp_deal_spec {
    sp_export_spec x;            /* parent: documents; child: lines or NULL */
    const char *queue;           /* trimmed */
    const char *next_queue;      /* NULL: spWorkflowQueueOrder's, per document type */
} sp_deal_spec;

int sp_deal_run(sp_run_ctx *ctx, const sp_deal_spec *spec, sp_err *e);

/* The next queue of documents of each SOPTYPE (1..6) in queue: next_queue
 * for every type when set, else spWorkflowQueueOrder's rows ("" for a type
 * without one). -1 with e (naming the component's job line) when no type
 * has a next queue. */
int sp_deal_next_queues(sp_db *db, const sp_job *job, const sp_job_component *comp, char next[7][16],
                        sp_err *e);

/* The deal mapping's "pipeline" and "dealstage" against the account's deal
 * pipelines (etl/sync/deal_pipeline.c): every value they can take that is
 * known ahead (a constant, a literal template, a lookup's entries, through
 * the field's transforms and default) must be a pipeline of the account, and
 * each stage a stage of one of those pipelines ("default" when the mapping
 * sends no pipeline; any pipeline when a column feeds it). One request (none
 * when a column feeds both). -1 with e: SP_EJOB at the property's job line
 * listing the account's pipelines and their stages, or the request's error. */
int sp_deal_check_pipeline(sp_hs_client *hs, const sp_job *job, const sp_job_component *comp, sp_err *e);

/* A prospect converted to a customer (its PROSPID now a CUSTNMBR in
 * RM00101) keeps its company and its contacts: its PROSPECT link becomes the
 * CUSTOMER link when the customer has none, and each PROSPECT_CONTACT link
 * the CUSTOMER_ADDRESS link of the address with the contact's ID as
 * ADRSCODE, else of the one address with the contact's e-mail (in one
 * transaction; hashes cleared so the customer's payload is sent; adopt.c).
 * Called by customer-export and customer-updates-export before they read
 * (not in a dry run); *adopted = prospects taken over. */
int sp_export_adopt_prospects(sp_run_ctx *ctx, int64_t *adopted, sp_err *e);

/* The FROM clauses of the GP entities (aliases t, and i for SY01200's INET1,
 * p for IV00105's price; the item price needs one parameter when currency
 * is set). */
const char *sp_export_from(sp_job_entity ent, const char *currency);

#endif

/*
 * gen.h -- the sample data generator behind bin/spetl-sample (samples/gen).
 *
 * The generator builds a Fabrikam-like Dynamics GP company: customers
 * (RM00101) with 1 to 4 addresses (RM00102) and their emails (SY01200),
 * prospects (SOP00200) with contacts (spProspectContact), items (IV00101)
 * with list prices (IV00105), sales orders and invoices (SOP10100/SOP10200)
 * spread over SalesPad workflow queues (spWorkflowQueueOrder).
 *
 * Determinism: every record is a pure function of (seed, kind, index) through
 * its own splitmix64 stream, so the same seed gives the same rows whatever
 * the chunk size; the only running state is the CUSTNMBR/PROSPID sequence per
 * 8-letter prefix (gen_ids), fed in index order. Nothing reads the wall clock:
 * dates end at the --as-of day (default GEN_DEFAULT_AS_OF).
 *
 * Memory: records are made one chunk at a time into caller-owned structs of
 * fixed size; text is UTF-8 in fixed arrays sized for twice the GP width (so
 * a Latin-1 name of full width fits). Functions here cannot fail except the
 * writers (gen_write_*), which return 0/-1 and fill an sp_err.
 */
#ifndef SPETL_SAMPLE_GEN_H
#define SPETL_SAMPLE_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "spetl/db.h"
#include "spetl/err.h"

/* 2026-11-01, the last day of the generated history unless --as-of says otherwise. */
#define GEN_DEFAULT_AS_OF "2026-11-01"
#define GEN_MAX_ADDR 4
#define GEN_MAX_CONTACTS 3
#define GEN_MAX_LINES 6
#define GEN_CURRENCY "Z-US$"
#define GEN_LINE_STEP 16384
/* Line item numbers that are deliberately missing from IV00101 start with this. */
#define GEN_MISSING_ITEM_PREFIX "XX-GONE-"
#define GEN_DEFAULT_QUEUES "NEW,CREDIT HOLD,READY TO EXPORT,EXPORTED"
#define GEN_MAX_QUEUES 16
/* The 65-character customer name (CUSTNAME is char(65)). */
#define GEN_LONG_NAME "Consolidated Messenger and Freight Forwarding Services of America"

/* Text buffer size for a GP char(n) column holding UTF-8. */
#define GEN_W(n) ((n) * 2 + 1)

/* ---- randomness (rng.c) ---------------------------------------------- */

typedef struct gen_rng {
    uint64_t state;
} gen_rng;

enum gen_stream {
    GEN_S_CUSTOMER = 1,
    GEN_S_PROSPECT,
    GEN_S_ITEM,
    GEN_S_DOCUMENT
};

/* A stream for record `index` of `kind` under `seed`. */
void gen_rng_init(gen_rng *r, uint64_t seed, unsigned kind, uint64_t index);
uint64_t gen_rng_next(gen_rng *r);
/* Uniform in [0, n) (n > 0), without modulo bias. */
uint32_t gen_rng_below(gen_rng *r, uint32_t n);
/* Uniform in [lo, hi]. */
int64_t gen_rng_range(gen_rng *r, int64_t lo, int64_t hi);
/* 1 with probability pm/1000. */
int gen_rng_permille(gen_rng *r, unsigned pm);
const char *gen_rng_pick(gen_rng *r, const char *const *list, size_t n);

/* ---- word lists (words.c) -------------------------------------------- */

typedef struct gen_city {
    const char *city, *state, *zip, *area;
} gen_city;

typedef struct gen_item_class {
    const char *prefix;        /* "PHON" */
    const char *class_code;    /* ITMCLSCD */
    const char *subs[6];       /* "CNF", ... */
    const char *nouns[6];      /* description per sub */
    double min_price, max_price;
} gen_item_class;

typedef struct gen_fixed_item {
    const char *number, *desc, *class_code;
    int itemtype;              /* 1 sales inventory, 2 discontinued, 3 kit, 4 misc */
    double price;
} gen_fixed_item;

const char *const *gen_words_surnames(size_t *n);
const char *const *gen_words_places(size_t *n);
const char *const *gen_words_trades(size_t *n);
const char *const *gen_words_suffixes(size_t *n);
const char *const *gen_words_first_names(size_t *n);
const char *const *gen_words_last_names(size_t *n);
const char *const *gen_words_streets(size_t *n);
const char *const *gen_words_street_kinds(size_t *n);
const char *const *gen_words_street_dirs(size_t *n);
const char *const *gen_words_classes(size_t *n);
const char *const *gen_words_territories(size_t *n);
const char *const *gen_words_salespeople(size_t *n);
const char *const *gen_words_pay_terms(size_t *n);
const char *const *gen_words_ship_methods(size_t *n);
const char *const *gen_words_price_levels(size_t *n);
const gen_city *gen_words_cities(size_t *n);
const gen_item_class *gen_words_item_classes(size_t *n);
const gen_fixed_item *gen_fixed_items(size_t *n);

/* ---- keys (ids.c) ----------------------------------------------------- */

/* The 8-letter key prefix of a name: letters only, upper case, accents
 * folded (Müller -> MULLER), at most 8; "CUST" when the name has no letter.
 * out must hold 9 bytes. Returns out. */
char *gen_key_prefix(const char *name, char *out);
/* Lower-case ASCII letters and digits of name (accents folded), at most
 * max-1 bytes: the email domain label. */
char *gen_slug(const char *name, char *out, size_t max);
/* Number of UTF-8 characters in s. */
size_t gen_utf8_len(const char *s);

/* The running CUSTNMBR / PROSPID sequence per prefix: AARONFIT0001,
 * AARONFIT0002, ... (5 or more digits past 9999, still within char(15)). */
typedef struct gen_ids gen_ids;
gen_ids *gen_ids_new(void);
void gen_ids_free(gen_ids *ids);
/* Next key for name into out (16 bytes). */
void gen_ids_next(gen_ids *ids, const char *name, char *out);

/* ---- records (model.c) ------------------------------------------------ */

typedef struct gen_dates {
    int64_t created;    /* CREATDDT: midnight UTC, epoch ms */
    int64_t modified;   /* MODIFDT: midnight UTC, >= created */
    int64_t dex_ts;     /* DEX_ROW_TS: UTC with milliseconds, on or after modified */
} gen_dates;

typedef struct gen_address {
    char code[16];                  /* ADRSCODE */
    char contact[GEN_W(61)];        /* CNTCPRSN */
    char addr1[GEN_W(61)], addr2[GEN_W(61)], addr3[GEN_W(61)];
    char city[GEN_W(35)];
    char state[GEN_W(29)];
    char zip[12];
    char country[GEN_W(61)];
    char ccode[8];
    char phone1[22], phone2[22], fax[22];
    char ship_to_name[GEN_W(65)];
    char email[GEN_W(201)];         /* SY01200.INET1; may be empty or invalid on purpose */
    char slprsnid[16], salsterr[16], shipmthd[16], locncode[12];
    gen_dates dates;
} gen_address;

typedef struct gen_customer {
    uint64_t index;
    char custnmbr[16];
    char name[GEN_W(65)];           /* CUSTNAME */
    char short_name[GEN_W(15)];     /* SHRTNAME */
    char stmt_name[GEN_W(65)];      /* STMTNAME */
    char custclas[16], prclevel[12], pymtrmid[22], shipmthd[16], slprsnid[16], salsterr[16];
    char curncyid[16];
    char prbtadcd[16], prstadcd[16], staddrcd[16];
    char comment1[GEN_W(31)];
    int crlmttyp;                   /* 0 no credit, 1 unlimited, 2 amount */
    double crlmtamt;
    int inactive, hold;
    int naddr;                      /* 1..4 */
    gen_address addr[GEN_MAX_ADDR]; /* addr[0] is PRIMARY and mirrors into RM00101 */
    gen_dates dates;                /* dex_ts >= every address's dex_ts (GP's RM00102 triggers) */
} gen_customer;

typedef struct gen_contact {
    int seq;                        /* 1.. within the prospect */
    char first[GEN_W(30)], last[GEN_W(30)], title[GEN_W(30)];
    char email[GEN_W(201)];
    char phone[22];
    int is_primary;
} gen_contact;

typedef struct gen_prospect {
    uint64_t index;
    char prospid[16];
    char name[GEN_W(65)];
    char contact[GEN_W(61)];        /* CNTCPRSN: the primary contact's name */
    char addr1[GEN_W(61)], addr2[GEN_W(61)];
    char city[GEN_W(35)], state[GEN_W(29)], zip[12], country[GEN_W(61)];
    char phone1[22], fax[22];
    char custclas[16], slprsnid[16], salsterr[16], shipmthd[16], pymtrmid[22], prclevel[12];
    int ncontacts;
    gen_contact contacts[GEN_MAX_CONTACTS];
    gen_dates dates;
} gen_prospect;

typedef struct gen_item {
    uint64_t index;
    char number[32];                /* ITEMNMBR char(31) */
    char desc[GEN_W(101)];          /* ITEMDESC */
    char short_desc[GEN_W(15)];     /* ITMSHNAM */
    char class_code[12];            /* ITMCLSCD char(11) */
    char uofm_sched[12];            /* UOMSCHDL */
    int itemtype;
    double std_cost, cur_cost, list_price;
    int inactive;
    gen_dates dates;
} gen_item;

typedef struct gen_line {
    uint32_t lnitmseq;              /* 16384, 32768, ... */
    char item[32];
    char desc[GEN_W(101)];
    double quantity, unit_price, ext_price, unit_cost;
    int missing_item;               /* item number not in IV00101, on purpose */
} gen_line;

typedef struct gen_document {
    uint64_t index;
    int soptype;                    /* 2 order, 3 invoice */
    char sopnumbe[22];              /* SOPNUMBE char(21) */
    char docid[16];                 /* STDORD / STDINV */
    char bachnumb[16];              /* the workflow queue */
    char custnmbr[16], custname[GEN_W(65)];
    char prstadcd[16], prbtadcd[16];
    char ship_to_name[GEN_W(65)], addr1[GEN_W(61)], city[GEN_W(35)], state[GEN_W(29)], zip[12];
    char country[GEN_W(61)], phone1[22];
    char cstponbr[GEN_W(21)];       /* customer PO */
    char slprsnid[16], salsterr[16], shipmthd[16], pymtrmid[22], locncode[12], curncyid[16];
    int64_t docdate;                /* midnight */
    double subtotal, freight, tax, total;
    int nlines;
    gen_line lines[GEN_MAX_LINES];
    gen_dates dates;
} gen_document;

/* What a run makes; the model is a pure function of it and the index. */
typedef struct gen_config {
    uint64_t seed;
    uint64_t customers, prospects, items, documents;
    int64_t as_of;                  /* midnight UTC of the last day, epoch ms */
    const char *queues[GEN_MAX_QUEUES];
    int nqueues;
} gen_config;

/* The Fabrikam and hard-case customers come first (indexes 0..n-1). */
size_t gen_fixed_customer_count(void);
const char *gen_fixed_customer_name(size_t i);

/* Build customer `index`; ids supplies its CUSTNMBR (call in index order). */
void gen_customer_make(const gen_config *cfg, uint64_t index, gen_ids *ids, gen_customer *out);
/* Build prospect `index`; shares ids with the customers (keys never collide). */
void gen_prospect_make(const gen_config *cfg, uint64_t index, gen_ids *ids, gen_prospect *out);
/* Build item `index`: a pure function of (seed, index), so documents can call it. */
void gen_item_make(const gen_config *cfg, uint64_t index, gen_item *out);
/* Build document `index` for one of `pool` customers made in the same
 * block (pool[0..npool-1]); invoices and orders, lines referencing items
 * (with a few GEN_MISSING_ITEM_PREFIX numbers on purpose). */
void gen_document_make(const gen_config *cfg, uint64_t index, const gen_customer *pool,
                       size_t npool, gen_document *out);

/* Customers per block: documents are assigned to the customers of their block. */
#define GEN_BLOCK 1000

/* ---- writing (table.c, write.c) ------------------------------------- */

#define GEN_MAX_COLS 64

/* One column the generator can fill: GP name, type, char(n) width (text). */
typedef struct gen_col {
    const char *name;
    sp_type type;
    int width;          /* characters; 0 for non-text */
    unsigned flags;     /* GEN_COL_* */
} gen_col;

#define GEN_COL_REQUIRED 1u  /* the table must have it (keys) */
#define GEN_COL_VARCHAR 2u   /* varchar(width): never padded */

/* One buffered value of a row not yet handed to the database layer. */
typedef struct gen_val {
    int set;
    int64_t i;                  /* INT and TIME (epoch ms) */
    char *text;                 /* TEXT and NUMERIC, in the table's pool */
} gen_val;

/* A destination table: multi-row INSERTs of the columns present in the
 * database, `group` rows per statement, groups sent in parameter arrays. */
typedef struct gen_table {
    const char *name;
    const gen_col *cols;
    int ncols;
    int param[GEN_MAX_COLS];    /* 1-based parameter of a column within a row; 0 = not in the table */
    int nparams;                /* parameters per row */
    int pad;                    /* space-pad text to the char(n) width */
    int group;                  /* rows per INSERT statement */
    int pending;                /* rows buffered in vals (< group) */
    gen_val *vals;              /* group x nparams */
    char *pool;                 /* text of the buffered rows */
    size_t pool_cap, pool_used;
    sp_batch *many;             /* INSERT of `group` rows (NULL when group is 1) */
    sp_batch *one;              /* INSERT of one row: the rest of a group at a flush */
    int64_t rows;               /* rows added */
} gen_table;

int gen_table_open(gen_table *t, sp_db *db, const char *name, const gen_col *cols, int ncols,
                   int rows_per_exec, int pad, sp_err *e);
void gen_table_close(gen_table *t);
/* Set column `col` (index into cols) of the row being built; no-op for a
 * column the table lacks. Every present column must be set for every row. */
int gen_put_text(gen_table *t, int col, const char *s, sp_err *e);
int gen_put_int(gen_table *t, int col, int64_t v, sp_err *e);
int gen_put_money(gen_table *t, int col, double v, sp_err *e);   /* numeric(19,5) */
int gen_put_time(gen_table *t, int col, int64_t epoch_ms, sp_err *e);
int gen_table_add(gen_table *t, sp_err *e);
int gen_table_flush(gen_table *t, sp_err *e);

/* --cluster (cluster.c): on SQLite, RM00101, RM00102 and SY01200 rewritten
 * in primary-key order, as SQL Server's clustered keys store them; a no-op
 * elsewhere. Runs in the caller's transaction. */
int gen_cluster(sp_db *db, const gen_table *rm00101, const gen_table *rm00102, const gen_table *sy01200,
                sp_err *e);

/* How a run writes. */
typedef struct gen_options {
    const char *conn;
    int create_schema;          /* create the GP and SalesPad-style tables first */
    int clear;                  /* delete the rows of the tables written first */
    int pad;                    /* -1 auto (pad on SQLite), 0 never, 1 always */
    int cluster;                /* SQLite: the customers' tables stored in key order (cluster.c) */
    int quiet;
} gen_options;

/* Rows written per table, for the summary. */
typedef struct gen_stats {
    int64_t customers, addresses, emails, prospects, contacts, items, prices;
    int64_t documents, lines, missing_lines, queues;
    int64_t elapsed_ms;
} gen_stats;

/* Write the whole company; 0 or -1 with e filled (the open transaction is
 * rolled back; rows of earlier commits stay). */
int gen_run(const gen_config *cfg, const gen_options *opt, gen_stats *stats, sp_err *e);
int64_t gen_stats_rows(const gen_stats *s);

#endif

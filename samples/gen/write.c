/*
 * write.c -- write the sample company through spetl's database layer.
 *
 * Order and transactions: queues, then items with prices, then customers in
 * blocks of GEN_BLOCK (each block's addresses and emails before the block's
 * customers, because GP's RM00102 insert trigger stamps RM00101.DEX_ROW_TS
 * with the current time: inserting the addresses first leaves the
 * generated DEX_ROW_TS in place), the block's sales documents, then the
 * prospects with their contacts. Parameter arrays of up to GEN_BLOCK rows; a
 * commit after every block (about 5,000-10,000 rows) and whenever that many
 * rows are pending.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "spetl/clock.h"
#include "spetl/log.h"
#include "spetl/mem.h"
#include "spetl/schema.h"

#define T SP_TYPE_TEXT
#define I SP_TYPE_INT
#define N SP_TYPE_NUMERIC
#define D SP_TYPE_TIME
#define V GEN_COL_VARCHAR
#define COMMIT_ROWS 10000

/* ---- column lists (GP names and widths from gp-schema.md 1.3) --------- */

enum {
    C_CUSTNMBR, C_CUSTNAME, C_CUSTCLAS, C_CPRCSTNM, C_CNTCPRSN, C_STMTNAME, C_SHRTNAME,
    C_ADRSCODE, C_SHIPMTHD, C_ADDRESS1, C_ADDRESS2, C_ADDRESS3, C_COUNTRY, C_CITY, C_STATE,
    C_ZIP, C_PHONE1, C_PHONE2, C_PHONE3, C_FAX, C_PRBTADCD, C_PRSTADCD, C_STADDRCD,
    C_SLPRSNID, C_PYMTRMID, C_CRLMTTYP, C_CRLMTAMT, C_CURNCYID, C_PRCLEVEL, C_COMMENT1,
    C_SALSTERR, C_INACTIVE, C_HOLD, C_CREATDDT, C_MODIFDT, C_CCODE, C_DEX_ROW_TS, C_N
};
static const gen_col rm00101[C_N] = {
    [C_CUSTNMBR] = { "CUSTNMBR", T, 15, 1 }, [C_CUSTNAME] = { "CUSTNAME", T, 65, 1 },
    [C_CUSTCLAS] = { "CUSTCLAS", T, 15, 0 }, [C_CPRCSTNM] = { "CPRCSTNM", T, 15, 0 },
    [C_CNTCPRSN] = { "CNTCPRSN", T, 61, 0 }, [C_STMTNAME] = { "STMTNAME", T, 65, 0 },
    [C_SHRTNAME] = { "SHRTNAME", T, 15, 0 }, [C_ADRSCODE] = { "ADRSCODE", T, 15, 0 },
    [C_SHIPMTHD] = { "SHIPMTHD", T, 15, 0 }, [C_ADDRESS1] = { "ADDRESS1", T, 61, 0 },
    [C_ADDRESS2] = { "ADDRESS2", T, 61, 0 }, [C_ADDRESS3] = { "ADDRESS3", T, 61, 0 },
    [C_COUNTRY] = { "COUNTRY", T, 61, 0 },   [C_CITY] = { "CITY", T, 35, 0 },
    [C_STATE] = { "STATE", T, 29, 0 },       [C_ZIP] = { "ZIP", T, 11, 0 },
    [C_PHONE1] = { "PHONE1", T, 21, 0 },     [C_PHONE2] = { "PHONE2", T, 21, 0 },
    [C_PHONE3] = { "PHONE3", T, 21, 0 },     [C_FAX] = { "FAX", T, 21, 0 },
    [C_PRBTADCD] = { "PRBTADCD", T, 15, 0 }, [C_PRSTADCD] = { "PRSTADCD", T, 15, 0 },
    [C_STADDRCD] = { "STADDRCD", T, 15, 0 }, [C_SLPRSNID] = { "SLPRSNID", T, 15, 0 },
    [C_PYMTRMID] = { "PYMTRMID", T, 21, 0 }, [C_CRLMTTYP] = { "CRLMTTYP", I, 0, 0 },
    [C_CRLMTAMT] = { "CRLMTAMT", N, 0, 0 },  [C_CURNCYID] = { "CURNCYID", T, 15, 0 },
    [C_PRCLEVEL] = { "PRCLEVEL", T, 11, 0 }, [C_COMMENT1] = { "COMMENT1", T, 31, 0 },
    [C_SALSTERR] = { "SALSTERR", T, 15, 0 }, [C_INACTIVE] = { "INACTIVE", I, 0, 0 },
    [C_HOLD] = { "HOLD", I, 0, 0 },          [C_CREATDDT] = { "CREATDDT", D, 0, 0 },
    [C_MODIFDT] = { "MODIFDT", D, 0, 0 },    [C_CCODE] = { "CCode", T, 7, 0 },
    [C_DEX_ROW_TS] = { "DEX_ROW_TS", D, 0, 0 },
};

enum {
    A_CUSTNMBR, A_ADRSCODE, A_SLPRSNID, A_SHIPMTHD, A_CNTCPRSN, A_ADDRESS1, A_ADDRESS2,
    A_ADDRESS3, A_COUNTRY, A_CITY, A_STATE, A_ZIP, A_PHONE1, A_PHONE2, A_PHONE3, A_FAX,
    A_MODIFDT, A_CREATDDT, A_CCODE, A_LOCNCODE, A_SALSTERR, A_SHIPTONAME, A_DEX_ROW_TS, A_N
};
static const gen_col rm00102[A_N] = {
    [A_CUSTNMBR] = { "CUSTNMBR", T, 15, 1 }, [A_ADRSCODE] = { "ADRSCODE", T, 15, 1 },
    [A_SLPRSNID] = { "SLPRSNID", T, 15, 0 }, [A_SHIPMTHD] = { "SHIPMTHD", T, 15, 0 },
    [A_CNTCPRSN] = { "CNTCPRSN", T, 61, 0 }, [A_ADDRESS1] = { "ADDRESS1", T, 61, 0 },
    [A_ADDRESS2] = { "ADDRESS2", T, 61, 0 }, [A_ADDRESS3] = { "ADDRESS3", T, 61, 0 },
    [A_COUNTRY] = { "COUNTRY", T, 61, 0 },   [A_CITY] = { "CITY", T, 35, 0 },
    [A_STATE] = { "STATE", T, 29, 0 },       [A_ZIP] = { "ZIP", T, 11, 0 },
    [A_PHONE1] = { "PHONE1", T, 21, 0 },     [A_PHONE2] = { "PHONE2", T, 21, 0 },
    [A_PHONE3] = { "PHONE3", T, 21, 0 },     [A_FAX] = { "FAX", T, 21, 0 },
    [A_MODIFDT] = { "MODIFDT", D, 0, 0 },    [A_CREATDDT] = { "CREATDDT", D, 0, 0 },
    [A_CCODE] = { "CCode", T, 7, 0 },        [A_LOCNCODE] = { "LOCNCODE", T, 11, 0 },
    [A_SALSTERR] = { "SALSTERR", T, 15, 0 }, [A_SHIPTONAME] = { "ShipToName", T, 65, 0 },
    [A_DEX_ROW_TS] = { "DEX_ROW_TS", D, 0, 0 },
};

enum { E_MASTER_TYPE, E_MASTER_ID, E_ADRSCODE, E_INET1, E_DEX_ROW_TS, E_N };
static const gen_col sy01200[E_N] = {
    [E_MASTER_TYPE] = { "Master_Type", T, 3, 1 }, [E_MASTER_ID] = { "Master_ID", T, 31, 1 },
    [E_ADRSCODE] = { "ADRSCODE", T, 15, 1 },      [E_INET1] = { "INET1", T, 201, 1 },
    [E_DEX_ROW_TS] = { "DEX_ROW_TS", D, 0, 0 },
};

enum {
    P_PROSPID, P_CUSTNAME, P_CNTCPRSN, P_ADDRESS1, P_ADDRESS2, P_ADDRESS3, P_CITY, P_STATE,
    P_ZIP, P_COUNTRY, P_CUSTCLAS, P_PHONE1, P_PHONE2, P_PHONE3, P_PRCLEVEL, P_FAX, P_SHIPMTHD,
    P_CREATDDT, P_MODIFDT, P_N
};
static const gen_col sop00200[P_N] = {
    [P_PROSPID] = { "PROSPID", T, 15, 1 },   [P_CUSTNAME] = { "CUSTNAME", T, 65, 1 },
    [P_CNTCPRSN] = { "CNTCPRSN", T, 61, 0 }, [P_ADDRESS1] = { "ADDRESS1", T, 61, 0 },
    [P_ADDRESS2] = { "ADDRESS2", T, 61, 0 }, [P_ADDRESS3] = { "ADDRESS3", T, 61, 0 },
    [P_CITY] = { "CITY", T, 35, 0 },         [P_STATE] = { "STATE", T, 29, 0 },
    [P_ZIP] = { "ZIP", T, 11, 0 },           [P_COUNTRY] = { "COUNTRY", T, 61, 0 },
    [P_CUSTCLAS] = { "CUSTCLAS", T, 15, 0 }, [P_PHONE1] = { "PHONE1", T, 21, 0 },
    [P_PHONE2] = { "PHONE2", T, 21, 0 },     [P_PHONE3] = { "PHONE3", T, 21, 0 },
    [P_PRCLEVEL] = { "PRCLEVEL", T, 11, 0 }, [P_FAX] = { "FAX", T, 21, 0 },
    [P_SHIPMTHD] = { "SHIPMTHD", T, 15, 0 }, [P_CREATDDT] = { "CREATDDT", D, 0, 0 },
    [P_MODIFDT] = { "MODIFDT", D, 0, 0 },
};

/* SalesPad-style prospect contacts (spetl's own design, sql/<dialect>/salespad.sql). */
enum { K_PROSPID, K_ID, K_NAME, K_TITLE, K_EMAIL, K_PHONE, K_PRIMARY, K_CREATED, K_MODIFIED,
       K_DEX_ROW_TS, K_N };
static const gen_col sp_prospect_contact[K_N] = {
    [K_PROSPID] = { "PROSPID", T, 15, 1 },          [K_ID] = { "Contact_ID", T, 15, 1 },
    [K_NAME] = { "Contact_Name", T, 61, 1 | V },   [K_TITLE] = { "Title", T, 61, V },
    [K_EMAIL] = { "Email", T, 201, 1 | V },        [K_PHONE] = { "Phone", T, 21, V },
    [K_PRIMARY] = { "Is_Primary", I, 0, 0 },       [K_CREATED] = { "Created_On", D, 0, 0 },
    [K_MODIFIED] = { "Modified_On", D, 0, 0 },     [K_DEX_ROW_TS] = { "DEX_ROW_TS", D, 0, 0 },
};

enum {
    IT_ITEMNMBR, IT_ITEMDESC, IT_ITMSHNAM, IT_ITEMTYPE, IT_ITMCLSCD, IT_UOMSCHDL, IT_STNDCOST,
    IT_CURRCOST, IT_INACTIVE, IT_CREATDDT, IT_MODIFDT, IT_DEX_ROW_TS, IT_N
};
static const gen_col iv00101[IT_N] = {
    [IT_ITEMNMBR] = { "ITEMNMBR", T, 31, 1 }, [IT_ITEMDESC] = { "ITEMDESC", T, 101, 1 },
    [IT_ITMSHNAM] = { "ITMSHNAM", T, 15, 0 }, [IT_ITEMTYPE] = { "ITEMTYPE", I, 0, 0 },
    [IT_ITMCLSCD] = { "ITMCLSCD", T, 11, 0 }, [IT_UOMSCHDL] = { "UOMSCHDL", T, 11, 0 },
    [IT_STNDCOST] = { "STNDCOST", N, 0, 0 },  [IT_CURRCOST] = { "CURRCOST", N, 0, 0 },
    [IT_INACTIVE] = { "INACTIVE", I, 0, 0 },  [IT_CREATDDT] = { "CREATDDT", D, 0, 0 },
    [IT_MODIFDT] = { "MODIFDT", D, 0, 0 },    [IT_DEX_ROW_TS] = { "DEX_ROW_TS", D, 0, 0 },
};

enum { PR_ITEMNMBR, PR_CURNCYID, PR_LISTPRCE, PR_N };
static const gen_col iv00105[PR_N] = {
    [PR_ITEMNMBR] = { "ITEMNMBR", T, 31, 1 }, [PR_CURNCYID] = { "CURNCYID", T, 15, 1 },
    [PR_LISTPRCE] = { "LISTPRCE", N, 0, 1 },
};

enum {
    H_SOPTYPE, H_SOPNUMBE, H_DOCID, H_DOCDATE, H_BACHNUMB, H_CUSTNMBR, H_CUSTNAME, H_CSTPONBR,
    H_PROSPECT, H_PRBTADCD, H_PRSTADCD, H_SHIPTONAME, H_ADDRESS1, H_CITY, H_STATE, H_ZIPCODE,
    H_COUNTRY, H_PHNUMBR1, H_SHIPMTHD, H_PYMTRMID, H_LOCNCODE, H_SUBTOTAL, H_ORSUBTOT,
    H_FRTAMNT, H_TAXAMNT, H_DOCAMNT, H_ORDOCAMT, H_SALSTERR, H_SLPRSNID, H_CURNCYID,
    H_CREATDDT, H_MODIFDT, H_DEX_ROW_TS, H_N
};
static const gen_col sop10100[H_N] = {
    [H_SOPTYPE] = { "SOPTYPE", I, 0, 1 },       [H_SOPNUMBE] = { "SOPNUMBE", T, 21, 1 },
    [H_DOCID] = { "DOCID", T, 15, 0 },          [H_DOCDATE] = { "DOCDATE", D, 0, 0 },
    [H_BACHNUMB] = { "BACHNUMB", T, 15, 1 },    [H_CUSTNMBR] = { "CUSTNMBR", T, 15, 1 },
    [H_CUSTNAME] = { "CUSTNAME", T, 65, 0 },    [H_CSTPONBR] = { "CSTPONBR", T, 21, 0 },
    [H_PROSPECT] = { "PROSPECT", I, 0, 0 },     [H_PRBTADCD] = { "PRBTADCD", T, 15, 0 },
    [H_PRSTADCD] = { "PRSTADCD", T, 15, 0 },    [H_SHIPTONAME] = { "ShipToName", T, 65, 0 },
    [H_ADDRESS1] = { "ADDRESS1", T, 61, 0 },    [H_CITY] = { "CITY", T, 35, 0 },
    [H_STATE] = { "STATE", T, 29, 0 },          [H_ZIPCODE] = { "ZIPCODE", T, 11, 0 },
    [H_COUNTRY] = { "COUNTRY", T, 61, 0 },      [H_PHNUMBR1] = { "PHNUMBR1", T, 21, 0 },
    [H_SHIPMTHD] = { "SHIPMTHD", T, 15, 0 },    [H_PYMTRMID] = { "PYMTRMID", T, 21, 0 },
    [H_LOCNCODE] = { "LOCNCODE", T, 11, 0 },    [H_SUBTOTAL] = { "SUBTOTAL", N, 0, 0 },
    [H_ORSUBTOT] = { "ORSUBTOT", N, 0, 0 },     [H_FRTAMNT] = { "FRTAMNT", N, 0, 0 },
    [H_TAXAMNT] = { "TAXAMNT", N, 0, 0 },       [H_DOCAMNT] = { "DOCAMNT", N, 0, 0 },
    [H_ORDOCAMT] = { "ORDOCAMT", N, 0, 0 },     [H_SALSTERR] = { "SALSTERR", T, 15, 0 },
    [H_SLPRSNID] = { "SLPRSNID", T, 15, 0 },    [H_CURNCYID] = { "CURNCYID", T, 15, 0 },
    [H_CREATDDT] = { "CREATDDT", D, 0, 0 },     [H_MODIFDT] = { "MODIFDT", D, 0, 0 },
    [H_DEX_ROW_TS] = { "DEX_ROW_TS", D, 0, 0 },
};

enum {
    L_SOPTYPE, L_SOPNUMBE, L_LNITMSEQ, L_CMPNTSEQ, L_ITEMNMBR, L_ITEMDESC, L_NONINVEN, L_UOFM,
    L_LOCNCODE, L_UNITCOST, L_UNITPRCE, L_ORUNTPRC, L_XTNDPRCE, L_OXTNDPRC, L_EXTDCOST,
    L_QUANTITY, L_PRSTADCD, L_DEX_ROW_TS, L_N
};
static const gen_col sop10200[L_N] = {
    [L_SOPTYPE] = { "SOPTYPE", I, 0, 1 },       [L_SOPNUMBE] = { "SOPNUMBE", T, 21, 1 },
    [L_LNITMSEQ] = { "LNITMSEQ", I, 0, 1 },     [L_CMPNTSEQ] = { "CMPNTSEQ", I, 0, 1 },
    [L_ITEMNMBR] = { "ITEMNMBR", T, 31, 1 },    [L_ITEMDESC] = { "ITEMDESC", T, 101, 0 },
    [L_NONINVEN] = { "NONINVEN", I, 0, 0 },     [L_UOFM] = { "UOFM", T, 9, 0 },
    [L_LOCNCODE] = { "LOCNCODE", T, 11, 0 },    [L_UNITCOST] = { "UNITCOST", N, 0, 0 },
    [L_UNITPRCE] = { "UNITPRCE", N, 0, 0 },     [L_ORUNTPRC] = { "ORUNTPRC", N, 0, 0 },
    [L_XTNDPRCE] = { "XTNDPRCE", N, 0, 0 },     [L_OXTNDPRC] = { "OXTNDPRC", N, 0, 0 },
    [L_EXTDCOST] = { "EXTDCOST", N, 0, 0 },     [L_QUANTITY] = { "QUANTITY", N, 0, 0 },
    [L_PRSTADCD] = { "PRSTADCD", T, 15, 0 },    [L_DEX_ROW_TS] = { "DEX_ROW_TS", D, 0, 0 },
};

/* SalesPad-style workflow queue order (spetl's own design): Queue -> Next_Queue
 * per document type; the last queue's Next_Queue is blank. */
enum { Q_DOCTYPE, Q_QUEUE, Q_NEXT, Q_N };
static const gen_col sp_queue_order[Q_N] = {
    [Q_DOCTYPE] = { "Sales_Doc_Type", T, 20, 1 | V }, [Q_QUEUE] = { "Queue", T, 15, 1 },
    [Q_NEXT] = { "Next_Queue", T, 15, 1 },
};

#undef T
#undef I
#undef N
#undef D
#undef V

/* ---- the writer -------------------------------------------------------- */

enum { W_RM00101, W_RM00102, W_SY01200, W_SOP00200, W_CONTACT, W_IV00101, W_IV00105,
       W_SOP10100, W_SOP10200, W_QUEUE, W_N };

static const struct {
    const char *name;
    const gen_col *cols;
    int ncols;
    int rows_per_exec;
} tables[W_N] = {
    [W_RM00101] = { "RM00101", rm00101, C_N, GEN_BLOCK },
    [W_RM00102] = { "RM00102", rm00102, A_N, GEN_BLOCK * GEN_MAX_ADDR },
    [W_SY01200] = { "SY01200", sy01200, E_N, GEN_BLOCK * GEN_MAX_ADDR },
    [W_SOP00200] = { "SOP00200", sop00200, P_N, GEN_BLOCK },
    [W_CONTACT] = { "spProspectContact", sp_prospect_contact, K_N, GEN_BLOCK },
    [W_IV00101] = { "IV00101", iv00101, IT_N, GEN_BLOCK },
    [W_IV00105] = { "IV00105", iv00105, PR_N, GEN_BLOCK },
    [W_SOP10100] = { "SOP10100", sop10100, H_N, GEN_BLOCK },
    [W_SOP10200] = { "SOP10200", sop10200, L_N, GEN_BLOCK },
    [W_QUEUE] = { "spWorkflowQueueOrder", sp_queue_order, Q_N, 64 },
};

typedef struct writer {
    sp_db *db;
    const gen_config *cfg;
    const gen_options *opt;
    gen_table t[W_N];
    int64_t pending;            /* rows added since the last commit */
    int64_t missing_lines;
    int64_t last_progress_ms;
} writer;

/* Short names for the put calls: each returns -1 on failure. */
#define PT(tab, col, v) if (gen_put_text(&w->t[tab], (col), (v), e)) return -1
#define PI(tab, col, v) if (gen_put_int(&w->t[tab], (col), (v), e)) return -1
#define PM(tab, col, v) if (gen_put_money(&w->t[tab], (col), (v), e)) return -1
#define PD(tab, col, v) if (gen_put_time(&w->t[tab], (col), (v), e)) return -1
#define ADD(tab) do { if (gen_table_add(&w->t[tab], e)) return -1; w->pending++; } while (0)

static int flush_all(writer *w, sp_err *e)
{
    /* addresses before customers: see the top of this file */
    static const int order[W_N] = { W_QUEUE, W_IV00101, W_IV00105, W_RM00102, W_SY01200,
                                    W_RM00101, W_SOP10100, W_SOP10200, W_SOP00200, W_CONTACT };
    for (int i = 0; i < W_N; i++)
        if (gen_table_flush(&w->t[order[i]], e) != 0)
            return -1;
    return 0;
}

static int commit(writer *w, sp_err *e)
{
    if (flush_all(w, e) != 0 || sp_db_commit(w->db, e) != 0 || sp_db_begin(w->db, e) != 0)
        return -1;
    w->pending = 0;
    return 0;
}

static int maybe_commit(writer *w, sp_err *e)
{
    return w->pending >= COMMIT_ROWS ? commit(w, e) : 0;
}

static int put_queues(writer *w, sp_err *e)
{
    static const char *const types[] = { "ORDER", "INVOICE" };
    for (int k = 0; k < 2; k++)
        for (int q = 0; q < w->cfg->nqueues; q++) {
            const char *next = q + 1 < w->cfg->nqueues ? w->cfg->queues[q + 1] : "";
            PT(W_QUEUE, Q_DOCTYPE, types[k]);
            PT(W_QUEUE, Q_QUEUE, w->cfg->queues[q]);
            PT(W_QUEUE, Q_NEXT, next);
            ADD(W_QUEUE);
        }
    return 0;
}

static int put_item(writer *w, const gen_item *it, sp_err *e)
{
    PT(W_IV00101, IT_ITEMNMBR, it->number);
    PT(W_IV00101, IT_ITEMDESC, it->desc);
    PT(W_IV00101, IT_ITMSHNAM, it->short_desc);
    PI(W_IV00101, IT_ITEMTYPE, it->itemtype);
    PT(W_IV00101, IT_ITMCLSCD, it->class_code);
    PT(W_IV00101, IT_UOMSCHDL, it->uofm_sched);
    PM(W_IV00101, IT_STNDCOST, it->std_cost);
    PM(W_IV00101, IT_CURRCOST, it->cur_cost);
    PI(W_IV00101, IT_INACTIVE, it->inactive);
    PD(W_IV00101, IT_CREATDDT, it->dates.created);
    PD(W_IV00101, IT_MODIFDT, it->dates.modified);
    PD(W_IV00101, IT_DEX_ROW_TS, it->dates.dex_ts);
    ADD(W_IV00101);
    /* The Z-US$ list price, and GP's functional-currency row (blank CURNCYID). */
    for (int k = 0; k < 2; k++) {
        PT(W_IV00105, PR_ITEMNMBR, it->number);
        PT(W_IV00105, PR_CURNCYID, k == 0 ? GEN_CURRENCY : "");
        PM(W_IV00105, PR_LISTPRCE, it->list_price);
        ADD(W_IV00105);
    }
    return 0;
}

static int put_address(writer *w, const gen_customer *c, const gen_address *a, sp_err *e)
{
    PT(W_RM00102, A_CUSTNMBR, c->custnmbr);
    PT(W_RM00102, A_ADRSCODE, a->code);
    PT(W_RM00102, A_SLPRSNID, a->slprsnid);
    PT(W_RM00102, A_SHIPMTHD, a->shipmthd);
    PT(W_RM00102, A_CNTCPRSN, a->contact);
    PT(W_RM00102, A_ADDRESS1, a->addr1);
    PT(W_RM00102, A_ADDRESS2, a->addr2);
    PT(W_RM00102, A_ADDRESS3, a->addr3);
    PT(W_RM00102, A_COUNTRY, a->country);
    PT(W_RM00102, A_CITY, a->city);
    PT(W_RM00102, A_STATE, a->state);
    PT(W_RM00102, A_ZIP, a->zip);
    PT(W_RM00102, A_PHONE1, a->phone1);
    PT(W_RM00102, A_PHONE2, a->phone2);
    PT(W_RM00102, A_PHONE3, "");
    PT(W_RM00102, A_FAX, a->fax);
    PD(W_RM00102, A_MODIFDT, a->dates.modified);
    PD(W_RM00102, A_CREATDDT, a->dates.created);
    PT(W_RM00102, A_CCODE, a->ccode);
    PT(W_RM00102, A_LOCNCODE, a->locncode);
    PT(W_RM00102, A_SALSTERR, a->salsterr);
    PT(W_RM00102, A_SHIPTONAME, a->ship_to_name);
    PD(W_RM00102, A_DEX_ROW_TS, a->dates.dex_ts);
    ADD(W_RM00102);

    PT(W_SY01200, E_MASTER_TYPE, "CUS");
    PT(W_SY01200, E_MASTER_ID, c->custnmbr);
    PT(W_SY01200, E_ADRSCODE, a->code);
    PT(W_SY01200, E_INET1, a->email);
    PD(W_SY01200, E_DEX_ROW_TS, a->dates.dex_ts);
    ADD(W_SY01200);
    return 0;
}

static int put_customer(writer *w, const gen_customer *c, sp_err *e)
{
    const gen_address *a = &c->addr[0];
    PT(W_RM00101, C_CUSTNMBR, c->custnmbr);
    PT(W_RM00101, C_CUSTNAME, c->name);
    PT(W_RM00101, C_CUSTCLAS, c->custclas);
    PT(W_RM00101, C_CPRCSTNM, "");
    PT(W_RM00101, C_CNTCPRSN, a->contact);
    PT(W_RM00101, C_STMTNAME, c->stmt_name);
    PT(W_RM00101, C_SHRTNAME, c->short_name);
    PT(W_RM00101, C_ADRSCODE, a->code);
    PT(W_RM00101, C_SHIPMTHD, c->shipmthd);
    PT(W_RM00101, C_ADDRESS1, a->addr1);
    PT(W_RM00101, C_ADDRESS2, a->addr2);
    PT(W_RM00101, C_ADDRESS3, a->addr3);
    PT(W_RM00101, C_COUNTRY, a->country);
    PT(W_RM00101, C_CITY, a->city);
    PT(W_RM00101, C_STATE, a->state);
    PT(W_RM00101, C_ZIP, a->zip);
    PT(W_RM00101, C_PHONE1, a->phone1);
    PT(W_RM00101, C_PHONE2, a->phone2);
    PT(W_RM00101, C_PHONE3, "");
    PT(W_RM00101, C_FAX, a->fax);
    PT(W_RM00101, C_PRBTADCD, c->prbtadcd);
    PT(W_RM00101, C_PRSTADCD, c->prstadcd);
    PT(W_RM00101, C_STADDRCD, c->staddrcd);
    PT(W_RM00101, C_SLPRSNID, c->slprsnid);
    PT(W_RM00101, C_PYMTRMID, c->pymtrmid);
    PI(W_RM00101, C_CRLMTTYP, c->crlmttyp);
    PM(W_RM00101, C_CRLMTAMT, c->crlmtamt);
    PT(W_RM00101, C_CURNCYID, c->curncyid);
    PT(W_RM00101, C_PRCLEVEL, c->prclevel);
    PT(W_RM00101, C_COMMENT1, c->comment1);
    PT(W_RM00101, C_SALSTERR, c->salsterr);
    PI(W_RM00101, C_INACTIVE, c->inactive);
    PI(W_RM00101, C_HOLD, c->hold);
    PD(W_RM00101, C_CREATDDT, c->dates.created);
    PD(W_RM00101, C_MODIFDT, c->dates.modified);
    PT(W_RM00101, C_CCODE, a->ccode);
    PD(W_RM00101, C_DEX_ROW_TS, c->dates.dex_ts);
    ADD(W_RM00101);
    return 0;
}

static int put_document(writer *w, const gen_document *d, sp_err *e)
{
    PI(W_SOP10100, H_SOPTYPE, d->soptype);
    PT(W_SOP10100, H_SOPNUMBE, d->sopnumbe);
    PT(W_SOP10100, H_DOCID, d->docid);
    PD(W_SOP10100, H_DOCDATE, d->docdate);
    PT(W_SOP10100, H_BACHNUMB, d->bachnumb);
    PT(W_SOP10100, H_CUSTNMBR, d->custnmbr);
    PT(W_SOP10100, H_CUSTNAME, d->custname);
    PT(W_SOP10100, H_CSTPONBR, d->cstponbr);
    PI(W_SOP10100, H_PROSPECT, 0);
    PT(W_SOP10100, H_PRBTADCD, d->prbtadcd);
    PT(W_SOP10100, H_PRSTADCD, d->prstadcd);
    PT(W_SOP10100, H_SHIPTONAME, d->ship_to_name);
    PT(W_SOP10100, H_ADDRESS1, d->addr1);
    PT(W_SOP10100, H_CITY, d->city);
    PT(W_SOP10100, H_STATE, d->state);
    PT(W_SOP10100, H_ZIPCODE, d->zip);
    PT(W_SOP10100, H_COUNTRY, d->country);
    PT(W_SOP10100, H_PHNUMBR1, d->phone1);
    PT(W_SOP10100, H_SHIPMTHD, d->shipmthd);
    PT(W_SOP10100, H_PYMTRMID, d->pymtrmid);
    PT(W_SOP10100, H_LOCNCODE, d->locncode);
    PM(W_SOP10100, H_SUBTOTAL, d->subtotal);
    PM(W_SOP10100, H_ORSUBTOT, d->subtotal);
    PM(W_SOP10100, H_FRTAMNT, d->freight);
    PM(W_SOP10100, H_TAXAMNT, d->tax);
    PM(W_SOP10100, H_DOCAMNT, d->total);
    PM(W_SOP10100, H_ORDOCAMT, d->total);
    PT(W_SOP10100, H_SALSTERR, d->salsterr);
    PT(W_SOP10100, H_SLPRSNID, d->slprsnid);
    PT(W_SOP10100, H_CURNCYID, d->curncyid);
    PD(W_SOP10100, H_CREATDDT, d->dates.created);
    PD(W_SOP10100, H_MODIFDT, d->dates.modified);
    PD(W_SOP10100, H_DEX_ROW_TS, d->dates.dex_ts);
    ADD(W_SOP10100);
    for (int k = 0; k < d->nlines; k++) {
        const gen_line *ln = &d->lines[k];
        PI(W_SOP10200, L_SOPTYPE, d->soptype);
        PT(W_SOP10200, L_SOPNUMBE, d->sopnumbe);
        PI(W_SOP10200, L_LNITMSEQ, ln->lnitmseq);
        PI(W_SOP10200, L_CMPNTSEQ, 0);
        PT(W_SOP10200, L_ITEMNMBR, ln->item);
        PT(W_SOP10200, L_ITEMDESC, ln->desc);
        PI(W_SOP10200, L_NONINVEN, ln->missing_item);
        PT(W_SOP10200, L_UOFM, "EACH");
        PT(W_SOP10200, L_LOCNCODE, d->locncode);
        PM(W_SOP10200, L_UNITCOST, ln->unit_cost);
        PM(W_SOP10200, L_UNITPRCE, ln->unit_price);
        PM(W_SOP10200, L_ORUNTPRC, ln->unit_price);
        PM(W_SOP10200, L_XTNDPRCE, ln->ext_price);
        PM(W_SOP10200, L_OXTNDPRC, ln->ext_price);
        PM(W_SOP10200, L_EXTDCOST, ln->unit_cost * ln->quantity);
        PM(W_SOP10200, L_QUANTITY, ln->quantity);
        PT(W_SOP10200, L_PRSTADCD, d->prstadcd);
        PD(W_SOP10200, L_DEX_ROW_TS, d->dates.dex_ts);
        ADD(W_SOP10200);
        w->missing_lines += ln->missing_item;
    }
    return 0;
}

static int put_prospect(writer *w, const gen_prospect *p, sp_err *e)
{
    PT(W_SOP00200, P_PROSPID, p->prospid);
    PT(W_SOP00200, P_CUSTNAME, p->name);
    PT(W_SOP00200, P_CNTCPRSN, p->contact);
    PT(W_SOP00200, P_ADDRESS1, p->addr1);
    PT(W_SOP00200, P_ADDRESS2, p->addr2);
    PT(W_SOP00200, P_ADDRESS3, "");
    PT(W_SOP00200, P_CITY, p->city);
    PT(W_SOP00200, P_STATE, p->state);
    PT(W_SOP00200, P_ZIP, p->zip);
    PT(W_SOP00200, P_COUNTRY, p->country);
    PT(W_SOP00200, P_CUSTCLAS, p->custclas);
    PT(W_SOP00200, P_PHONE1, p->phone1);
    PT(W_SOP00200, P_PHONE2, "");
    PT(W_SOP00200, P_PHONE3, "");
    PT(W_SOP00200, P_PRCLEVEL, p->prclevel);
    PT(W_SOP00200, P_FAX, p->fax);
    PT(W_SOP00200, P_SHIPMTHD, p->shipmthd);
    PD(W_SOP00200, P_CREATDDT, p->dates.created);
    PD(W_SOP00200, P_MODIFDT, p->dates.modified);
    ADD(W_SOP00200);
    for (int k = 0; k < p->ncontacts; k++) {
        const gen_contact *ct = &p->contacts[k];
        char name[GEN_W(61)];
        snprintf(name, sizeof(name), "%s %s", ct->first, ct->last);
        PT(W_CONTACT, K_PROSPID, p->prospid);
        char cid[16];   /* the import's contact-keys: PRIMARY, CONTACT001 ... */
        if (ct->seq <= 1)
            snprintf(cid, sizeof(cid), "PRIMARY");
        else
            snprintf(cid, sizeof(cid), "CONTACT%03d", ct->seq - 1);
        PT(W_CONTACT, K_ID, cid);
        PT(W_CONTACT, K_NAME, name);
        PT(W_CONTACT, K_TITLE, ct->title);
        PT(W_CONTACT, K_EMAIL, ct->email);
        PT(W_CONTACT, K_PHONE, ct->phone);
        PI(W_CONTACT, K_PRIMARY, ct->is_primary);
        PD(W_CONTACT, K_CREATED, p->dates.created);
        PD(W_CONTACT, K_MODIFIED, p->dates.modified);
        PD(W_CONTACT, K_DEX_ROW_TS, p->dates.dex_ts);
        ADD(W_CONTACT);
    }
    return 0;
}

#undef PT
#undef PI
#undef PM
#undef PD
#undef ADD

static void progress(writer *w, const char *what, uint64_t done, uint64_t total)
{
    int64_t now = sp_clock_now_ms();
    if (w->opt->quiet || now - w->last_progress_ms < 2000)
        return;
    w->last_progress_ms = now;
    fprintf(stderr, "spetl-sample: %s %llu/%llu\n", what, (unsigned long long)done,
            (unsigned long long)total);
}

static int write_all(writer *w, sp_err *e)
{
    const gen_config *cfg = w->cfg;
    gen_ids *ids = gen_ids_new();
    gen_customer *block = sp_xcalloc(GEN_BLOCK, sizeof(gen_customer));
    int rc = -1;

    if (put_queues(w, e) != 0)
        goto done;
    for (uint64_t i = 0; i < cfg->items; i++) {
        gen_item it;
        gen_item_make(cfg, i, &it);
        if (put_item(w, &it, e) != 0 || maybe_commit(w, e) != 0)
            goto done;
    }
    if (commit(w, e) != 0)
        goto done;

    for (uint64_t start = 0; start < cfg->customers; start += GEN_BLOCK) {
        uint64_t end = start + GEN_BLOCK < cfg->customers ? start + GEN_BLOCK : cfg->customers;
        size_t n = (size_t)(end - start);
        uint64_t d0 = cfg->documents * start / cfg->customers;
        uint64_t d1 = cfg->documents * end / cfg->customers;

        for (size_t k = 0; k < n; k++) {
            gen_customer_make(cfg, start + k, ids, &block[k]);
            for (int a = 0; a < block[k].naddr; a++)
                if (put_address(w, &block[k], &block[k].addr[a], e) != 0)
                    goto done;
        }
        if (gen_table_flush(&w->t[W_RM00102], e) != 0 || gen_table_flush(&w->t[W_SY01200], e) != 0)
            goto done;
        for (size_t k = 0; k < n; k++)
            if (put_customer(w, &block[k], e) != 0)
                goto done;
        if (gen_table_flush(&w->t[W_RM00101], e) != 0)
            goto done;
        for (uint64_t d = d0; d < d1; d++) {
            gen_document doc;
            gen_document_make(cfg, d, block, n, &doc);
            if (put_document(w, &doc, e) != 0 || maybe_commit(w, e) != 0)
                goto done;
        }
        if (commit(w, e) != 0)
            goto done;
        progress(w, "customers", end, cfg->customers);
    }

    for (uint64_t i = 0; i < cfg->prospects; i++) {
        gen_prospect p;
        gen_prospect_make(cfg, i, ids, &p);
        if (put_prospect(w, &p, e) != 0 || maybe_commit(w, e) != 0)
            goto done;
        if (i % GEN_BLOCK == 0)
            progress(w, "prospects", i, cfg->prospects);
    }
    if (commit(w, e) != 0)
        goto done;
    rc = 0;
done:
    free(block);
    gen_ids_free(ids);
    return rc;
}

static int clear_tables(writer *w, sp_err *e)
{
    char sql[96];
    for (int i = W_N - 1; i >= 0; i--) {
        snprintf(sql, sizeof(sql), "DELETE FROM %s", tables[i].name);
        if (sp_db_exec(w->db, sql, NULL, e) != 0) {
            sp_err_prefix(e, "clearing %s", tables[i].name);
            return -1;
        }
    }
    return 0;
}

/* Refuse to add a second company on top of a first: keys would collide half
 * way through. */
static int check_empty(writer *w, sp_err *e)
{
    for (int i = 0; i < W_N; i++) {
        sp_buf sql;
        sp_stmt *st = NULL;
        char rest[96];
        int rc;

        sp_buf_init(&sql, 256);
        snprintf(rest, sizeof(rest), "1 FROM %s", tables[i].name);
        rc = sp_db_sql_select_limit(w->db, &sql, rest, 1, e);
        if (rc == 0)
            rc = sp_stmt_prepare(w->db, sp_buf_str(&sql), &st, e);
        if (rc == 0)
            rc = sp_stmt_exec(st, NULL, e);
        if (rc == 0) {
            rc = sp_stmt_fetch(st, e);
            if (rc == 1)
                rc = SP_ERR(e, SP_EDB, "table %s already holds rows: use --clear to replace "
                                       "them, or a new database", tables[i].name);
        }
        sp_stmt_free(st);
        sp_buf_free(&sql);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int64_t gen_stats_rows(const gen_stats *s)
{
    return s->customers + s->addresses + s->emails + s->prospects + s->contacts + s->items +
           s->prices + s->documents + s->lines + s->queues;
}

int gen_run(const gen_config *cfg, const gen_options *opt, gen_stats *stats, sp_err *e)
{
    writer w;
    int rc = -1, pad;
    int64_t t0 = sp_clock_now_ms();

    memset(&w, 0, sizeof(w));
    memset(stats, 0, sizeof(*stats));
    w.cfg = cfg;
    w.opt = opt;
    w.last_progress_ms = t0;
    if (sp_db_open(&w.db, opt->conn, NULL, e) != 0)
        goto done;
    pad = opt->pad >= 0 ? opt->pad : sp_db_dialect(w.db) == SP_DIALECT_SQLITE;
    if (opt->create_schema) {
        if (sp_schema_create_gp(w.db, e) != 0 || sp_schema_init(w.db, e) != 0) {
            sp_err_prefix(e, "creating the schema");
            goto done;
        }
    }
    for (int i = 0; i < W_N; i++)
        if (gen_table_open(&w.t[i], w.db, tables[i].name, tables[i].cols, tables[i].ncols,
                           tables[i].rows_per_exec, pad, e) != 0)
            goto done;
    if (opt->clear ? clear_tables(&w, e) != 0 : check_empty(&w, e) != 0)
        goto done;
    if (sp_db_begin(w.db, e) != 0)
        goto done;
    if (write_all(&w, e) != 0 ||
        (opt->cluster && gen_cluster(w.db, &w.t[W_RM00101], &w.t[W_RM00102], &w.t[W_SY01200], e) != 0)) {
        sp_err ignored;
        sp_db_rollback(w.db, &ignored);
        goto done;
    }
    if (sp_db_commit(w.db, e) != 0)
        goto done;
    rc = 0;
done:
    stats->customers = w.t[W_RM00101].rows;
    stats->addresses = w.t[W_RM00102].rows;
    stats->emails = w.t[W_SY01200].rows;
    stats->prospects = w.t[W_SOP00200].rows;
    stats->contacts = w.t[W_CONTACT].rows;
    stats->items = w.t[W_IV00101].rows;
    stats->prices = w.t[W_IV00105].rows;
    stats->documents = w.t[W_SOP10100].rows;
    stats->lines = w.t[W_SOP10200].rows;
    stats->missing_lines = w.missing_lines;
    stats->queues = w.t[W_QUEUE].rows;
    stats->elapsed_ms = sp_clock_now_ms() - t0;
    for (int i = 0; i < W_N; i++)
        gen_table_close(&w.t[i]);
    sp_db_close(w.db);
    return rc;
}

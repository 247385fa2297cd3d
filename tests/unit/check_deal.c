/* check_deal.c -- deal-export end to end: bin/spetl against the HubSpot
 * simulator on the sample company (customers and items exported first),
 * with sales documents of our own in the READY queue, on SQLite and on
 * PostgreSQL: documents of several types paged on (SOPTYPE, SOPNUMBE),
 * lines with and without products, kit components, a customer not linked,
 * a prospect's document, a refused line, the queue move, one-time export,
 * links deleted, --key, --dry-run, and runs killed with SIGKILL at three
 * points then run again. */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../support/dbtest.h"
#include "../support/e2e.h"
#include "../support/run.h"
#include "../support/sim.h"
#include "../support/skip.h"
#include "../../etl/sync/deal_internal.h"
#include "spetl/components.h"
#include "spetl/db.h"
#include "spetl/job.h"

static char tmpdir[512];
static char out[1 << 20], err[1 << 20];
static const char *deal_hooks;   /* the <deal-export> element's children; NULL: none */
/* the deal mapping's pipeline and dealstage lines, and <lookups>; NULL: default/closedwon, none */
static const char *deal_fields, *deal_lookups;

typedef sp_e2e env;

static void write_job(env *x, const char *deal_attrs)
{
    char text[12288], end[2048];
    snprintf(end, sizeof(end), "%s%s%s", deal_hooks ? ">\n" : "/>", deal_hooks ? deal_hooks : "",
             deal_hooks ? "    </deal-export>" : "");
    snprintf(text, sizeof(text),
             "<?xml version=\"1.0\"?>\n"
             "<job xmlns=\"urn:spetl:job:1\" name=\"deal-test\">\n"
             "  <hubspot base-url=\"%s\" connect-timeout-seconds=\"2\" retry-budget-seconds=\"10\">\n"
             "    <token env=\"HUBSPOT_TOKEN\"/>\n"
             "  </hubspot>\n"
             "  <database connection=\"%s\"/>\n"
             "%s"
             "  <mappings>\n"
             "    <export-mapping id=\"c\" entity=\"customer\" object=\"companies\" key-property=\"gp_customer_number\">\n"
             "      <property name=\"gp_customer_number\" column=\"CUSTNMBR\"/>\n"
             "      <property name=\"name\" column=\"CUSTNAME\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"a\" entity=\"customer-address\" object=\"contacts\" key-property=\"gp_address_key\">\n"
             "      <property name=\"gp_address_key\" template=\"{CUSTNMBR}|{ADRSCODE}\"/>\n"
             "      <property name=\"lastname\" column=\"CNTCPRSN\" default=\"(no name)\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"i\" entity=\"item\" object=\"products\" key-property=\"hs_sku\">\n"
             "      <property name=\"hs_sku\" column=\"ITEMNMBR\"/>\n"
             "      <property name=\"name\" column=\"ITEMDESC\"/>\n"
             "    </export-mapping>\n"
             "    <export-mapping id=\"d\" entity=\"sales-document\" object=\"deals\" key-property=\"gp_sales_document\">\n"
             "      <property name=\"gp_sales_document\" template=\"{SOPTYPE}|{SOPNUMBE}\"/>\n"
             "      <property name=\"dealname\" template=\"{SOPNUMBE} {CUSTNAME}\"/>\n"
             "      <property name=\"amount\" column=\"DOCAMNT\" transform=\"number\"/>\n"
             "%s"
             "    </export-mapping>\n"
             "    <export-mapping id=\"l\" entity=\"sales-line\" object=\"line_items\">\n"
             "      <property name=\"name\" column=\"ITEMDESC\"/>\n"
             "      <property name=\"quantity\" column=\"QUANTITY\" transform=\"number\"/>\n"
             "      <property name=\"price\" column=\"UNITPRCE\" transform=\"number\"/>\n"
             "    </export-mapping>\n"
             "  </mappings>\n"
             "  <components>\n"
             "    <customer-export address-types=\"PRIMARY\" customer-mapping=\"c\" address-mapping=\"a\"/>\n"
             "    <product-export item-mapping=\"i\"/>\n"
             "    <deal-export queue=\"READY\" %s deal-mapping=\"d\" line-mapping=\"l\"%s\n"
             "  </components>\n"
             "</job>\n",
             sp_sim_base_url(x->sim), x->conn, deal_lookups ? deal_lookups : "",
             deal_fields ? deal_fields
                         : "      <property name=\"pipeline\" value=\"default\"/>\n"
                           "      <property name=\"dealstage\" value=\"closedwon\"/>\n",
             deal_attrs, end);
    sp_e2e_write_job(x, "deal", text);
}

static long long sim_stat(const env *x, const char *name)
{
    json_t *j = sp_e2e_sim_json(x, "GET", "/_sim/stats", NULL);
    long long v = json_integer_value(json_object_get(j, name));
    json_decref(j);
    return v;
}

/* Live records of obj whose property prop starts with prefix ("" any). */
static size_t sim_count(env *x, const char *obj, const char *prop, const char *prefix)
{
    char path[128];
    json_t *j, *v;
    size_t i, n = 0;
    snprintf(path, sizeof(path), "/_sim/records/%s", obj);
    j = sp_e2e_sim_json(x, "GET", path, NULL);
    json_array_foreach(json_object_get(j, "results"), i, v) {
        const char *s = json_string_value(json_object_get(json_object_get(v, "properties"), prop));
        if (!json_is_true(json_object_get(v, "archived")) && s != NULL && strncmp(s, prefix, strlen(prefix)) == 0)
            n++;
    }
    json_decref(j);
    return n;
}

static size_t sim_dups(env *x, const char *obj, const char *prop)
{
    char path[160];
    json_t *j;
    size_t n;
    snprintf(path, sizeof(path), "/_sim/duplicates/%s?property=%s", obj, prop);
    j = sp_e2e_sim_json(x, "GET", path, NULL);
    n = json_array_size(json_object_get(j, "duplicates"));
    json_decref(j);
    return n;
}

/* Documents in READY: of customers linked below (AARONFIT0001, and the
 * second customer), a quote with a line whose item has no product, an
 * order with a kit (components 1 and 2 of line 16384), an invoice; an
 * order of a customer with no company; a prospect's order (its prospect
 * linked to the last customer's company); an order with a line whose product
 * link is broken (HubSpot refuses hs_product_id). */
static void add_documents(env *x)
{
    char sql[2048];
    sp_e2e_exec(x, "DELETE FROM SOP10200");
    sp_e2e_exec(x, "DELETE FROM SOP10100");
    sp_e2e_exec(x, "DELETE FROM spWorkflowQueueOrder");
    sp_e2e_exec(x, "INSERT INTO spWorkflowQueueOrder (Sales_Doc_Type, Queue, Next_Queue) VALUES "
               "('QUOTE', 'READY', 'QUOTED'), ('ORDER', 'READY', 'SHIPPING'), ('INVOICE', 'READY', 'POSTED')");
    snprintf(sql, sizeof(sql),
             "INSERT INTO SOP10100 (SOPTYPE, SOPNUMBE, BACHNUMB, CUSTNMBR, CUSTNAME, DOCAMNT, PROSPECT) VALUES "
             "(1, 'QUO0001', 'READY', 'AARONFIT0001', 'Aaron Fitz', 10, 0), "
             "(2, 'ORD0001', 'READY', 'AARONFIT0001', 'Aaron Fitz', 20, 0), "
             "(2, 'ORD0002', 'READY', 'NOSUCHCU0001', 'Nobody', 30, 0), "
             "(2, 'ORD0003', 'READY', 'PROSP0001', 'A prospect', 40, 1), "
             "(2, 'ORD0004', 'READY', 'AARONFIT0001', 'Aaron Fitz', 50, 0), "
             "(3, 'INV0001', 'READY', (SELECT MIN(CUSTNMBR) FROM RM00101 WHERE CUSTNMBR > 'AARONFIT0001'), "
             "'Second', 60, 0), "
             "(3, 'INV0002', 'NEW', 'AARONFIT0001', 'Aaron Fitz', 70, 0)");
    sp_e2e_exec(x, sql);
    sp_e2e_exec(x, "INSERT INTO SOP10200 (SOPTYPE, SOPNUMBE, LNITMSEQ, CMPNTSEQ, ITEMNMBR, ITEMDESC, QUANTITY, UNITPRCE) "
               "SELECT 1, 'QUO0001', 16384, 0, MIN(ITEMNMBR), 'first item', 2, 5 FROM IV00101");
    sp_e2e_exec(x, "INSERT INTO SOP10200 (SOPTYPE, SOPNUMBE, LNITMSEQ, CMPNTSEQ, ITEMNMBR, ITEMDESC, QUANTITY, UNITPRCE) "
               "VALUES (1, 'QUO0001', 32768, 0, 'NOPRODUCT-1', 'no product', 1, 3), "
               "(2, 'ORD0001', 16384, 0, 'KIT-1', 'a kit', 1, 20), "
               "(2, 'ORD0001', 16384, 1, 'NOPRODUCT-2', 'kit part one', 1, 0), "
               "(2, 'ORD0001', 16384, 2, 'NOPRODUCT-3', 'kit part two', 2, 0), "
               "(2, 'ORD0002', 16384, 0, 'NOPRODUCT-1', 'x', 1, 1), "
               "(2, 'ORD0003', 16384, 0, 'NOPRODUCT-1', 'for a prospect', 1, 4), "
               "(2, 'ORD0004', 16384, 0, 'NOPRODUCT-1', 'fine line', 1, 1), "
               "(2, 'ORD0004', 32768, 0, 'BROKEN-1', 'broken product link', 1, 1), "
               "(3, 'INV0001', 16384, 0, 'NOPRODUCT-1', 'invoiced', 3, 7), "
               "(3, 'INV0002', 16384, 0, 'NOPRODUCT-1', 'later', 1, 1)");
    /* the prospect's link: the company of the last customer, now the prospect's */
    sp_e2e_exec(x, "UPDATE spAAIntegratedEntityLink SET Entity_Type = 'PROSPECT', Entity_Key = 'PROSP0001' WHERE "
               "Entity_Type = 'CUSTOMER' AND Entity_Key = (SELECT MAX(Entity_Key) FROM spAAIntegratedEntityLink "
               "WHERE Entity_Type = 'CUSTOMER')");
    sp_e2e_exec(x, "INSERT INTO spAAIntegratedEntityLink (Hub_ID, Entity_Type, Entity_Key, HubSpot_Object_Type, "
               "HubSpot_ID, Payload_Hash, Last_Exported_On, Modified_On) SELECT Hub_ID, 'ITEM', 'BROKEN-1', "
               "'products', 'not-a-number', '', Last_Exported_On, Modified_On FROM spAAIntegratedEntityLink "
               "WHERE Entity_Type = 'CUSTOMER' AND Entity_Key = 'AARONFIT0001'");
}

static int env_start(env *x, int target, const char *tag, const char *deal_attrs)
{
    if (!sp_e2e_start(x, target, tag, "--customers 8 --items 6", NULL, "HUBSPOT_TOKEN=pat-na1-deal-test"))
        return 0;
    write_job(x, deal_attrs ? deal_attrs : "documents-per-page=\"2\"");
    sp_e2e_ready(x, 1);
    ck_assert_int_le(sp_e2e_spetl(x, "run", "customer-export product-export"), 1);
    add_documents(x);
    return 1;
}

static int64_t in_queue(env *x, const char *type_number, const char *queue)
{
    char sql[400];
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM SOP10100 WHERE RTRIM(CAST(SOPTYPE AS varchar(4))) || '|' || RTRIM(SOPNUMBE) = '%s' "
             "AND RTRIM(BACHNUMB) = '%s'",
             type_number, queue);
    return sp_e2e_count(x, sql);
}

static int64_t links_of(env *x, const char *type, const char *prefix)
{
    char sql[400];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE Entity_Type = '%s' AND "
                               "Entity_Key LIKE '%s%%'", type, prefix);
    return sp_e2e_count(x, sql);
}

/* What every run must leave: no deal or line item twice, every document
 * linked with all its lines and moved, or neither. */
static void assert_consistent(env *x)
{
    ck_assert_int_eq((int)sim_dups(x, "deals", "gp_sales_document"), 0);
    ck_assert_int_eq((int)sim_dups(x, "line_items", "gp_sales_line"), 0);
    ck_assert_int_eq(sp_e2e_count(x, "SELECT COUNT(*) FROM SOP10100 d WHERE RTRIM(d.BACHNUMB) IN ('QUOTED', "
                                 "'SHIPPING', 'POSTED') AND NOT EXISTS (SELECT 1 FROM spAAIntegratedEntityLink l "
                                 "WHERE l.Entity_Type = 'SALES_DOCUMENT' AND l.Entity_Key = "
                                 "RTRIM(CAST(d.SOPTYPE AS varchar(4))) || '|' || RTRIM(d.SOPNUMBE))"),
                     0);
    ck_assert_int_eq(sp_e2e_count(x, "SELECT COUNT(*) FROM SOP10200 s JOIN SOP10100 d ON d.SOPTYPE = s.SOPTYPE AND "
                                 "d.SOPNUMBE = s.SOPNUMBE WHERE RTRIM(d.BACHNUMB) <> 'READY' AND "
                                 "RTRIM(d.BACHNUMB) <> 'NEW' AND NOT EXISTS (SELECT 1 FROM "
                                 "spAAIntegratedEntityLink l WHERE l.Entity_Type = 'SALES_LINE' AND l.Entity_Key = "
                                 "RTRIM(CAST(s.SOPTYPE AS varchar(4))) || '|' || RTRIM(s.SOPNUMBE) || '|' || "
                                 "RTRIM(CAST(s.LNITMSEQ AS varchar(12))) || '|' || RTRIM(CAST(s.CMPNTSEQ AS varchar(12))))"),
                     0);
    ck_assert_int_eq(sp_e2e_count(x, "SELECT COUNT(*) FROM SOP10100 d WHERE RTRIM(d.BACHNUMB) = 'READY' AND EXISTS "
                                 "(SELECT 1 FROM spAAIntegratedEntityLink l WHERE l.Entity_Type = 'SALES_DOCUMENT' "
                                 "AND l.Entity_Key = RTRIM(CAST(d.SOPTYPE AS varchar(4))) || '|' || RTRIM(d.SOPNUMBE))"),
                     0);
}

/* ---- the export ------------------------------------------------------------------ */

START_TEST(documents_become_deals_with_line_items_once)
{
    env x;
    char tag[32];
    long long w;

    snprintf(tag, sizeof(tag), "deal_main_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, NULL), "%s", sp_skip_why());

    /* dry run: the deal and its lines field by field, nothing written */
    w = sim_stat(&x, "writes");
    ck_assert_msg(sp_e2e_spetl(&x, "run --dry-run", "deal-export") <= 1, "%s", err);
    ck_assert_int_eq(sim_stat(&x, "writes"), w);
    ck_assert_msg(strstr(out, "SALES_DOCUMENT 2|ORD0001 -> deal (upsert by gp_sales_document = 2|ORD0001)") != NULL,
                  "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "  line item 2|ORD0001|16384|1 (item NOPRODUCT-2 has no HubSpot product"));
    ck_assert_ptr_nonnull(strstr(out, "    + dealname = \"ORD0001 Aaron Fitz\"\n"));
    ck_assert_ptr_nonnull(strstr(out, "SALES_DOCUMENT 2|ORD0002: would fail: customer NOSUCHCU0001 is not linked"));
    ck_assert_int_eq(links_of(&x, "SALES_DOCUMENT", ""), 0);
    ck_assert_int_eq(in_queue(&x, "2|ORD0001", "READY"), 1);

    /* the run: the unlinked customer's document and the refused line fail alone */
    ck_assert_msg(sp_e2e_spetl(&x, "run", "deal-export") == 1, "%s", err);
    ck_assert_int_eq(in_queue(&x, "1|QUO0001", "QUOTED"), 1);
    ck_assert_int_eq(in_queue(&x, "2|ORD0001", "SHIPPING"), 1);
    ck_assert_int_eq(in_queue(&x, "2|ORD0003", "SHIPPING"), 1);   /* the prospect's */
    ck_assert_int_eq(in_queue(&x, "3|INV0001", "POSTED"), 1);
    ck_assert_int_eq(in_queue(&x, "2|ORD0002", "READY"), 1);
    ck_assert_int_eq(in_queue(&x, "2|ORD0004", "READY"), 1);
    ck_assert_int_eq(in_queue(&x, "3|INV0002", "NEW"), 1);
    ck_assert_int_eq(links_of(&x, "SALES_DOCUMENT", ""), 4);
    ck_assert_int_eq(links_of(&x, "SALES_LINE", "2|ORD0001|"), 3);   /* the kit and its two components */
    ck_assert_int_eq(links_of(&x, "SALES_LINE", "2|ORD0004|"), 0);
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Component = 'deal-export' AND "
                                  "Entity_Key = '2|ORD0002' AND Category = 'NOT_LINKED' AND Resolved_On IS NULL"),
                     1);
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Component = 'deal-export' AND "
                                  "Entity_Key = '2|ORD0004' AND Message LIKE '%line 2|ORD0004|32768|0%' AND "
                                  "Resolved_On IS NULL"),
                     1);
    /* audit rows: the documents whose items had no product, once each */
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spSalesDocumentAudit"), 4);
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spSalesDocumentAudit WHERE Sales_Doc_Type = 'QUOTE' AND "
                                  "Note LIKE '%line 32768|0 item NOPRODUCT-1%' AND Note NOT LIKE '%16384%'"),
                     1);
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spSalesDocumentAudit WHERE Sales_Doc_Type = 'ORDER' AND "
                                  "RTRIM(Sales_Doc_Num) = 'ORD0001' AND Note LIKE '%16384|1 item NOPRODUCT-2, "
                                  "line 16384|2 item NOPRODUCT-3%'"),
                     1);
    ck_assert_int_eq((int)sim_count(&x, "deals", "gp_sales_document", ""), 5);   /* ORD0004's deal exists */
    ck_assert_int_eq((int)sim_count(&x, "line_items", "gp_sales_line", "2|ORD0001|"), 3);
    ck_assert_int_eq((int)sim_count(&x, "line_items", "gp_sales_line", "2|ORD0004|"), 1);   /* the fine line */
    /* a line with a product carries hs_product_id */
    ck_assert_int_eq((int)sim_count(&x, "line_items", "hs_product_id", "1"), 1);
    assert_consistent(&x);

    /* the broken product link fixed: the deal that existed gets only its missing line */
    sp_e2e_exec(&x, "DELETE FROM spAAIntegratedEntityLink WHERE Entity_Key = 'BROKEN-1'");
    ck_assert_msg(sp_e2e_spetl(&x, "run", "deal-export") == 1, "%s", err);   /* ORD0002 still fails */
    ck_assert_int_eq(in_queue(&x, "2|ORD0004", "SHIPPING"), 1);
    ck_assert_int_eq((int)sim_count(&x, "line_items", "gp_sales_line", "2|ORD0004|"), 2);
    ck_assert_int_eq(links_of(&x, "SALES_LINE", "2|ORD0004|"), 2);
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spAAActionCenter WHERE Entity_Key = '2|ORD0004' AND "
                                  "Resolved_On IS NULL"),
                     0);
    assert_consistent(&x);

    /* one-time: back in the queue, a linked document is skipped */
    w = sim_stat(&x, "writes");
    sp_e2e_exec(&x, "UPDATE SOP10100 SET BACHNUMB = 'READY' WHERE SOPNUMBE = 'ORD0001'");
    sp_e2e_exec(&x, "DELETE FROM SOP10100 WHERE SOPNUMBE = 'ORD0002'");
    ck_assert_msg(sp_e2e_spetl(&x, "run", "deal-export") == 0, "%s", err);
    ck_assert_int_eq(sim_stat(&x, "writes"), w);
    ck_assert_int_eq(in_queue(&x, "2|ORD0001", "READY"), 1);
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spAARunHistory WHERE Component = 'deal-export' AND "
                                  "Records_Skipped = 1 AND Records_Created = 0"),
                     1);

    /* its links deleted (the document's lines' too): exported again, no duplicate */
    ck_assert_msg(sp_e2e_spetl(&x, "links --delete --yes --type SALES_DOCUMENT --key '2|ORD0001'", "") == 0, "%s", err);
    ck_assert_int_eq(links_of(&x, "SALES_LINE", "2|ORD0001|"), 0);
    ck_assert_msg(sp_e2e_spetl(&x, "run", "deal-export") == 0, "%s", err);
    ck_assert_int_eq(in_queue(&x, "2|ORD0001", "SHIPPING"), 1);
    ck_assert_int_eq(links_of(&x, "SALES_LINE", "2|ORD0001|"), 3);
    ck_assert_int_eq((int)sim_count(&x, "line_items", "gp_sales_line", "2|ORD0001|"), 3);

    /* --key: one document */
    sp_e2e_exec(&x, "UPDATE SOP10100 SET BACHNUMB = 'READY' WHERE SOPNUMBE = 'INV0002'");
    sp_e2e_exec(&x, "INSERT INTO SOP10100 (SOPTYPE, SOPNUMBE, BACHNUMB, CUSTNMBR, CUSTNAME) VALUES "
                "(3, 'INV0003', 'READY', 'AARONFIT0001', 'Aaron Fitz')");
    ck_assert_msg(sp_e2e_spetl(&x, "run --key '3|INV0002'", "deal-export") == 0, "%s", err);
    ck_assert_int_eq(in_queue(&x, "3|INV0002", "POSTED"), 1);
    ck_assert_int_eq(in_queue(&x, "3|INV0003", "READY"), 1);
    assert_consistent(&x);
    sp_e2e_stop(&x);
}
END_TEST

/* A queue with no next queue: the run stops at the start, naming the job line. */
START_TEST(queue_without_next_queue_is_refused)
{
    env x;
    char tag[32];

    snprintf(tag, sizeof(tag), "deal_noq_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, NULL), "%s", sp_skip_why());
    ck_assert_msg(sp_e2e_spetl(&x, "check", "") == 0, "%s%s", out, err);
    ck_assert_ptr_nonnull(strstr(out, "ok    deal-export: queue READY has a next queue\n"));
    sp_e2e_exec(&x, "DELETE FROM spWorkflowQueueOrder");
    ck_assert_int_ne(sp_e2e_spetl(&x, "check", ""), 0);
    ck_assert_msg(strstr(out, "FAIL  deal-export: queue READY has a next queue: ") != NULL &&
                      strstr(out, ".xml:") != NULL && strstr(out, "<deal-export> queue=\"READY\" has no next queue") != NULL,
                  "%s", out);
    ck_assert_int_eq(sp_e2e_spetl(&x, "run", "deal-export"), 7);
    ck_assert_msg(strstr(err, "deal-") != NULL && strstr(err, ".xml:") != NULL &&
                      strstr(err, "queue=\\\"READY\\\" has no next queue") != NULL,
                  "%s", err);
    ck_assert_int_eq(in_queue(&x, "2|ORD0001", "READY"), 1);
    ck_assert_int_eq((int)sim_count(&x, "deals", "gp_sales_document", ""), 0);
    sp_e2e_stop(&x);
}
END_TEST

/* ---- pipeline and stage against the account ---------------------------------------- */

/* "FILE:LINE:" of the first line of x's job holding needle. */
static void job_line(env *x, const char *needle, char *at, size_t n)
{
    char line[1024];
    int no = 0;
    FILE *f = fopen(x->job, "r");

    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        no++;
        if (strstr(line, needle) != NULL)
            break;
    }
    fclose(f);
    snprintf(at, n, "%s:%d:", x->job, no);
}

/* How often the deal pipelines were read. */
static long long pipeline_reads(env *x)
{
    json_t *j = sp_e2e_sim_json(x, "GET", "/_sim/stats", NULL);
    long long v = json_integer_value(json_object_get(json_object_get(j, "by_endpoint"),
                                                     "GET /crm/pipelines/2026-03/deals"));
    json_decref(j);
    return v;
}

/* err with the log's escaped quotes (\") read as quotes. */
static const char *err_text(void)
{
    static char text[sizeof(err)];
    size_t n = 0;

    for (const char *p = err; *p != '\0' && n + 1 < sizeof(text); p++)
        if (!(p[0] == '\\' && p[1] == '"'))
            text[n++] = *p;
    text[n] = '\0';
    return text;
}

/* check, setup-hubspot and run all refuse the deal mapping at its dealstage
 * line, with the account's pipeline and stages; the run writes nothing. */
static void assert_refused(env *x, const char *line_of, const char *what)
{
    char at[800];
    long long w = sim_stat(x, "writes");

    job_line(x, line_of, at, sizeof(at));
    ck_assert_int_ne(sp_e2e_spetl(x, "check", ""), 0);
    ck_assert_msg(strstr(out, "FAIL  deal-export: pipeline and dealstage of the deal mapping: ") != NULL &&
                      strstr(out, at) != NULL && strstr(out, what) != NULL,
                  "%s\nwanted %s ... %s", out, at, what);
    ck_assert_int_eq(sp_e2e_spetl(x, "setup-hubspot", ""), 2);
    ck_assert_msg(strstr(err_text(), at) != NULL && strstr(err_text(), what) != NULL, "%s", err);
    ck_assert_int_eq(sp_e2e_spetl(x, "run", "deal-export"), 7);
    ck_assert_msg(strstr(err_text(), at) != NULL && strstr(err_text(), what) != NULL, "%s", err);
    ck_assert_int_eq(sim_stat(x, "writes"), w);
    ck_assert_int_eq((int)sim_count(x, "deals", "gp_sales_document", ""), 0);
    ck_assert_int_eq(in_queue(x, "2|ORD0001", "READY"), 1);
    ck_assert_int_eq(links_of(x, "SALES_DOCUMENT", ""), 0);
}

START_TEST(pipeline_and_stage_are_checked_against_the_account)
{
    env x;
    char tag[32];
    json_t *j;
    size_t i;
    const char *stage;
    json_t *d;
    long long reads;

    snprintf(tag, sizeof(tag), "deal_pipe_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, NULL), "%s", sp_skip_why());
    ck_assert_msg(sp_e2e_spetl(&x, "check", "") == 0, "%s%s", out, err);
    ck_assert_ptr_nonnull(strstr(out, "ok    deal-export: pipeline and dealstage of the deal mapping\n"));

    /* a typo'd stage, at its line, with the default pipeline's stages */
    deal_fields = "      <property name=\"pipeline\" value=\"default\"/>\n"
                  "      <property name=\"dealstage\" value=\"closedwonn\"/>\n";
    write_job(&x, "documents-per-page=\"2\"");
    assert_refused(&x, "closedwonn", "dealstage \"closedwonn\" is not a stage of pipeline \"default\" (Sales "
                                     "Pipeline): appointmentscheduled (Appointment Scheduled), qualifiedtobuy");

    /* an unknown pipeline, listing the account's pipelines */
    deal_fields = "      <property name=\"pipeline\" value=\"renewals\"/>\n"
                  "      <property name=\"dealstage\" value=\"closedwon\"/>\n";
    write_job(&x, "documents-per-page=\"2\"");
    assert_refused(&x, "\"renewals\"", "pipeline \"renewals\" is not a deal pipeline of this HubSpot account");

    /* a pipeline the HubSpot admin added (through the simulator's control);
     * the stage comes through a lookup on the document type: every entry is
     * checked, and the one with a stage of another pipeline is refused */
    j = sp_e2e_sim_json(&x, "POST", "/_sim/pipelines/deals",
                 "{\"pipelines\":[{\"id\":\"renewals\",\"label\":\"Renewals\",\"stages\":[{\"id\":\"r-open\","
                 "\"label\":\"Open\"},{\"id\":\"r-won\",\"label\":\"Won\",\"probability\":\"1.0\"}]}]}");
    ck_assert_int_eq((int)json_array_size(json_object_get(j, "results")), 2);
    json_decref(j);
    deal_lookups = "  <lookups>\n"
                   "    <lookup id=\"stages\" missing=\"fail\">\n"
                   "      <entry from=\"1\" to=\"r-open\"/>\n"
                   "      <entry from=\"2\" to=\"r-won\"/>\n"
                   "      <entry from=\"3\" to=\"closedwon\"/>\n"
                   "    </lookup>\n"
                   "  </lookups>\n";
    deal_fields = "      <property name=\"pipeline\" value=\"renewals\"/>\n"
                  "      <property name=\"dealstage\" column=\"SOPTYPE\" transform=\"trim lookup:stages\"/>\n";
    write_job(&x, "documents-per-page=\"2\"");
    assert_refused(&x, "lookup:stages", "dealstage \"closedwon\" (from lookup \"stages\" at ");
    ck_assert_ptr_nonnull(strstr(err_text(), "is not a stage of pipeline \"renewals\" (Renewals): r-open (Open), r-won (Won)"));

    /* fixed: check passes and the deals go to the custom pipeline */
    deal_lookups = "  <lookups>\n"
                   "    <lookup id=\"stages\" missing=\"fail\">\n"
                   "      <entry from=\"1\" to=\"r-open\"/>\n"
                   "      <entry from=\"2\" to=\"r-won\"/>\n"
                   "      <entry from=\"3\" to=\"r-won\"/>\n"
                   "    </lookup>\n"
                   "  </lookups>\n";
    write_job(&x, "documents-per-page=\"2\"");
    ck_assert_msg(sp_e2e_spetl(&x, "check", "") == 0, "%s%s", out, err);
    reads = pipeline_reads(&x);
    ck_assert_int_le(sp_e2e_spetl(&x, "run", "customer-export"), 1);
    ck_assert_int_eq(pipeline_reads(&x), reads);   /* only deal-export reads the pipelines */
    ck_assert_msg(sp_e2e_spetl(&x, "run", "deal-export") == 1, "%s", err);   /* ORD0002, ORD0004 fail as ever */
    ck_assert_int_eq(pipeline_reads(&x), reads + 1);
    ck_assert_int_eq(in_queue(&x, "2|ORD0001", "SHIPPING"), 1);
    j = sp_e2e_sim_json(&x, "GET", "/_sim/records/deals", NULL);
    ck_assert_int_ge((int)json_array_size(json_object_get(j, "results")), 3);
    json_array_foreach(json_object_get(j, "results"), i, d) {
        const json_t *p = json_object_get(d, "properties");
        stage = json_string_value(json_object_get(p, "dealstage"));
        ck_assert_str_eq(json_string_value(json_object_get(p, "pipeline")), "renewals");
        ck_assert_str_eq(stage, strncmp(json_string_value(json_object_get(p, "gp_sales_document")), "1|", 2) == 0
                                    ? "r-open" : "r-won");
    }
    json_decref(j);
    deal_fields = deal_lookups = NULL;
    sp_e2e_stop(&x);
}
END_TEST

/* ---- the two-part keyset ------------------------------------------------------------ */

typedef struct seen {
    env *x;
    char keys[5][2048];
    int n[5];
} seen;

/* Run statement `which` with its parameters; note its rows' first two keys. */
static void run_read(int which, const char *sql, const xparams *p, void *ud)
{
    seen *s = ud;
    sp_stmt *st = NULL;
    sp_err e;
    int f;

    ck_assert_msg(sp_stmt_prepare(s->x->db, sql, &st, &e) == 0, "%s: %s", e.msg, sql);
    ck_assert_msg(sx_bind_all(st, p, &e) == 0 && sp_stmt_exec(st, NULL, &e) == 0, "%s: %s", e.msg, sql);
    while ((f = sp_stmt_fetch(st, &e)) == 1) {
        size_t at = strlen(s->keys[which]);
        snprintf(s->keys[which] + at, sizeof(s->keys[which]) - at, "%s|%s ", sp_stmt_text(st, 0),
                 sp_stmt_text(st, 1));
        s->n[which]++;
    }
    ck_assert_int_eq(f, 0);
    sp_stmt_free(st);
}

/* The documents page on (SOPTYPE, SOPNUMBE): the first page, the page after
 * a key, one key's rows, the lines of a page's documents, --key. */
START_TEST(documents_page_on_their_two_part_key)
{
    env x;
    char tag[32];
    sp_job *job = NULL;
    sp_job_load_opts o = {0};
    sp_run_ctx ctx;
    sp_deal_spec_parts parts;
    seen s;
    sp_err e;

    snprintf(tag, sizeof(tag), "deal_keys_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, NULL), "%s", sp_skip_why());
    o.skip_secrets = 1;
    ck_assert_msg(sp_job_load(x.job, &o, &job, &e) == 0, "%s", e.msg);
    memset(&ctx, 0, sizeof(ctx));
    ctx.job = job;
    ctx.comp = job->components[SP_COMP_DEAL_EXPORT];
    ctx.db = x.db;
    ctx.hub = "41234567";
    sp_deal_spec_init(&ctx, &parts);
    memset(&s, 0, sizeof(s));
    s.x = &x;
    ck_assert_msg(dl_statements(&ctx, &parts.spec, run_read, &s, &e) == 0, "%s", e.msg);
    /* two documents a page: three rows read (is there a next page?) */
    ck_assert_str_eq(s.keys[0], "1|QUO0001 2|ORD0001 2|ORD0002 ");
    ck_assert_str_eq(s.keys[1], "2|ORD0002 2|ORD0003 2|ORD0004 ");
    ck_assert_str_eq(s.keys[2], "2|ORD0001 ");
    ck_assert_str_eq(s.keys[4], "2|ORD0001 ");
    /* the lines of (1, QUO0001) .. (3, INV0001): not INV0002's (in NEW, after) */
    ck_assert_int_eq(s.n[3], 10);
    ck_assert_ptr_null(strstr(s.keys[3], "INV0002"));
    sp_job_free(job);
    sp_e2e_stop(&x);
}
END_TEST

/* ---- killed runs ------------------------------------------------------------------- */

static void wait_idle(env *x)
{
    struct timespec ts = {0, 5000000};
    while (sim_stat(x, "in_flight") > 0)
        nanosleep(&ts, NULL);
}

/* 1 once the simulator holds the delayed call (the faults given are taken
 * and a call is in flight). */
static long long held(const env *x) { return sim_stat(x, "faults_pending") == 0 && sim_stat(x, "in_flight") > 0; }

/* Start a run, SIGKILL it while the call `match` (its nth) is held by a
 * delay (its lock cleared), then let the simulator finish that call (it
 * writes). */
static void kill_during(env *x, const char *match, int nth)
{
    char body[400], what[160];

    snprintf(body, sizeof(body), "{\"next\":[%s{\"delay_ms\":1500}],\"match\":\"%s\"}",
             nth > 1 ? "{\"delay_ms\":1}," : "", match);
    json_decref(sp_e2e_sim_json(x, "POST", "/_sim/faults", body));
    snprintf(what, sizeof(what), "the run before %s #%d was held", match, nth);
    sp_e2e_kill_at(x, sp_e2e_spawn(x, "deal-export"), held, 1, what);
    wait_idle(x);
}

START_TEST(killed_runs_then_rerun)
{
    env x;
    char tag[32], sql[400];

    snprintf(tag, sizeof(tag), "deal_kill_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, "documents-per-page=\"2\""), "%s", sp_skip_why());
    sp_e2e_exec(&x, "DELETE FROM spAAIntegratedEntityLink WHERE Entity_Key = 'BROKEN-1'");
    /* 1. after the deals: while their associations to the companies are held */
    kill_during(&x, "deals/companies/batch/create", 1);
    ck_assert_int_gt((int)sim_count(&x, "deals", "gp_sales_document", ""), 0);
    assert_consistent(&x);
    /* 2. before the queue move: while a page's line items are being created
     * (pages overlap: the killed run may have written every line it had, so
     * the order written here is new) */
    sp_e2e_exec(&x, "INSERT INTO SOP10200 (SOPTYPE, SOPNUMBE, LNITMSEQ, CMPNTSEQ, ITEMNMBR, ITEMDESC, QUANTITY, "
                "UNITPRCE) VALUES (2, 'ORD0006', 16384, 0, 'NOPRODUCT-1', 'short', 1, 1)");
    sp_e2e_exec(&x, "INSERT INTO SOP10100 (SOPTYPE, SOPNUMBE, BACHNUMB, CUSTNMBR, CUSTNAME) VALUES "
                "(2, 'ORD0006', 'READY', 'AARONFIT0001', 'Aaron Fitz')");
    kill_during(&x, "line_items/batch/create", 1);
    ck_assert_int_gt((int)sim_count(&x, "line_items", "gp_sales_line", ""), 0);
    assert_consistent(&x);
    /* a long order, new too: its lines go in two create requests */
    for (int i = 1; i <= 150; i++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO SOP10200 (SOPTYPE, SOPNUMBE, LNITMSEQ, CMPNTSEQ, ITEMNMBR, ITEMDESC, QUANTITY, "
                 "UNITPRCE) VALUES (2, 'ORD0005', %d, 0, 'NOPRODUCT-1', 'long', 1, 1)", i * 16384);
        sp_e2e_exec(&x, sql);
    }
    sp_e2e_exec(&x, "INSERT INTO SOP10100 (SOPTYPE, SOPNUMBE, BACHNUMB, CUSTNMBR, CUSTNAME) VALUES "
                "(2, 'ORD0005', 'READY', 'AARONFIT0001', 'Aaron Fitz')");
    /* 3. between line batches: the long order's second create request */
    kill_during(&x, "line_items/batch/create", 2);
    assert_consistent(&x);
    /* the rerun: everything once */
    ck_assert_msg(sp_e2e_spetl(&x, "run", "deal-export") == 1, "%s", err);   /* ORD0002's customer */
    assert_consistent(&x);
    ck_assert_int_eq(links_of(&x, "SALES_DOCUMENT", ""), 7);
    ck_assert_int_eq((int)sim_count(&x, "deals", "gp_sales_document", ""), 7);
    ck_assert_int_eq((int)sim_count(&x, "line_items", "gp_sales_line", "2|ORD0005|"), 150);
    ck_assert_int_eq(links_of(&x, "SALES_LINE", "2|ORD0005|"), 150);
    ck_assert_int_eq((int)sim_count(&x, "line_items", "gp_sales_line", ""),
                     (int)sp_e2e_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE Entity_Type = "
                                       "'SALES_LINE'"));
    /* audit rows once per exported document with items without product */
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM (SELECT Sales_Doc_Type, Sales_Doc_Num, COUNT(*) n FROM "
                                  "spSalesDocumentAudit GROUP BY Sales_Doc_Type, Sales_Doc_Num) a WHERE a.n > 1"),
                     0);
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spSalesDocumentAudit"), 7);
    ck_assert_int_eq(in_queue(&x, "2|ORD0005", "SHIPPING"), 1);
    ck_assert_int_eq(in_queue(&x, "2|ORD0006", "SHIPPING"), 1);
    sp_e2e_stop(&x);
}
END_TEST

/* Pages overlap their HubSpot writes: the first page's line create loses its
 * reply (outcome unknown) while later pages go on. The run stops, nothing
 * of that page is committed; the rerun finds its line items through the
 * deal and makes none twice. */
START_TEST(lost_line_reply_stops_the_run_then_rerun)
{
    env x;
    char tag[32];

    snprintf(tag, sizeof(tag), "deal_lost_%d", _i);
    SP_SKIP_IF(!env_start(&x, _i, tag, NULL), "%s", sp_skip_why());
    sp_e2e_exec(&x, "DELETE FROM spAAIntegratedEntityLink WHERE Entity_Key = 'BROKEN-1'");
    /* the reply lost is that of QUO0001's line creates: with pages in flight
     * together, another document's line creates may be sent first */
    json_decref(sp_e2e_sim_json(&x, "POST", "/_sim/faults",
                         "{\"next\":[{\"drop_after_processing\":true}],\"match\":\"line_items/batch/create\","
                         "\"body_match\":\"1|QUO0001|\"}"));
    ck_assert_int_gt(sp_e2e_spetl(&x, "run", "deal-export"), 1);
    ck_assert_int_eq(in_queue(&x, "1|QUO0001", "READY"), 1);
    ck_assert_int_eq(links_of(&x, "SALES_DOCUMENT", "1|QUO0001"), 0);
    ck_assert_int_eq(links_of(&x, "SALES_LINE", "1|QUO0001"), 0);
    ck_assert_int_eq((int)sim_count(&x, "line_items", "gp_sales_line", "1|QUO0001|"), 2);
    assert_consistent(&x);
    ck_assert_msg(sp_e2e_spetl(&x, "run", "deal-export") == 1, "%s", err);   /* ORD0002's customer */
    assert_consistent(&x);
    ck_assert_int_eq(in_queue(&x, "1|QUO0001", "QUOTED"), 1);
    ck_assert_int_eq(links_of(&x, "SALES_DOCUMENT", ""), 5);
    ck_assert_int_eq((int)sim_count(&x, "line_items", "gp_sales_line", ""),
                     (int)links_of(&x, "SALES_LINE", ""));
    sp_e2e_stop(&x);
}
END_TEST

/* ---- hooks ------------------------------------------------------------------------ */

/* A SQL pre hook driven by hook_ctl, a SQL post hook writing hook_log. */
#define DEAL_HOOKS                                                                                          \
    "      <pre-export><sql params=\"key\">SELECT action, message, dealname FROM hook_ctl WHERE k = ?</sql>"  \
    "</pre-export>\n"                                                                                        \
    "      <post-export><sql params=\"key hubspot_id\">INSERT INTO hook_log (k, hs) VALUES (?, ?)</sql>"       \
    "</post-export>\n"

static int64_t hook_log(env *x, const char *prefix)
{
    char sql[300];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM hook_log WHERE k LIKE '%s%%'", prefix);
    return sp_e2e_count(x, sql);
}

/* The trigger that refuses the Action Center row of 2|ORD0002 (its
 * customer is not linked): the commit of its page fails. */
static void boom(env *x, int on)
{
    if (x->target == SP_DBTEST_SQLITE) {
        sp_e2e_exec(x, on ? "CREATE TRIGGER ac_boom BEFORE INSERT ON spAAActionCenter WHEN NEW.Entity_Key = "
                        "'2|ORD0002' BEGIN SELECT RAISE(ABORT, 'boom'); END"
                      : "DROP TRIGGER ac_boom");
    } else if (on) {
        sp_e2e_exec(x, "CREATE FUNCTION ac_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.Entity_Key = "
                   "'2|ORD0002' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$");
        sp_e2e_exec(x, "CREATE TRIGGER ac_boom BEFORE INSERT ON spAAActionCenter FOR EACH ROW EXECUTE FUNCTION "
                   "ac_boom()");
    } else {
        sp_e2e_exec(x, "DROP TRIGGER ac_boom ON spAAActionCenter");
    }
}

/* pre-export skips a document (it stays in its queue, counted skipped) and
 * changes another's deal name; post-export's rows commit with their page's
 * links and queue moves, and roll back with them. */
START_TEST(hooks_skip_change_and_roll_back_with_the_page)
{
    env x;
    char tag[32];
    json_t *j;
    const char *name = NULL;

    snprintf(tag, sizeof(tag), "deal_hook_%d", _i);
    deal_hooks = DEAL_HOOKS;
    SP_SKIP_IF(!env_start(&x, _i, tag, NULL), "%s", sp_skip_why());
    deal_hooks = NULL;
    sp_e2e_exec(&x, "CREATE TABLE hook_ctl (k VARCHAR(100), action VARCHAR(10), message VARCHAR(200), "
                "dealname VARCHAR(100))");
    sp_e2e_exec(&x, "CREATE TABLE hook_log (k VARCHAR(100), hs VARCHAR(40))");
    sp_e2e_exec(&x, "INSERT INTO hook_ctl (k, action, message, dealname) VALUES ('2|ORD0001', 'skip', 'not this one', "
                "NULL), ('1|QUO0001', NULL, NULL, 'HOOKED DEAL')");

    /* dry run: the pre hook runs, the post hook not */
    ck_assert_msg(sp_e2e_spetl(&x, "run --dry-run", "deal-export") <= 1, "%s", err);
    ck_assert_msg(strstr(out, "SALES_DOCUMENT 2|ORD0001: skipped: pre-export hook (") != NULL &&
                      strstr(out, "): not this one\n") != NULL,
                  "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "    + dealname = \"HOOKED DEAL\"\n"));
    ck_assert_int_eq(hook_log(&x, ""), 0);

    /* page 2 (ORD0002, ORD0003) cannot commit: its hook rows go with its links */
    boom(&x, 1);
    ck_assert_int_gt(sp_e2e_spetl(&x, "run", "deal-export"), 1);
    ck_assert_ptr_nonnull(strstr(err, "boom"));
    ck_assert_int_eq(in_queue(&x, "1|QUO0001", "QUOTED"), 1);
    ck_assert_int_eq(hook_log(&x, "1|QUO0001"), 3);   /* the deal and its two lines */
    ck_assert_int_eq((int)sim_count(&x, "deals", "gp_sales_document", "2|ORD0003"), 1);
    ck_assert_int_eq(links_of(&x, "SALES_DOCUMENT", "2|ORD0003"), 0);
    ck_assert_int_eq(hook_log(&x, "2|ORD0003"), 0);
    ck_assert_int_eq(in_queue(&x, "2|ORD0003", "READY"), 1);
    /* skipped: no deal, no link, still in its queue */
    ck_assert_int_eq((int)sim_count(&x, "deals", "gp_sales_document", "2|ORD0001"), 0);
    ck_assert_int_eq(links_of(&x, "SALES_DOCUMENT", "2|ORD0001"), 0);
    ck_assert_int_eq(in_queue(&x, "2|ORD0001", "READY"), 1);
    /* changed: HubSpot's deal holds the hook's name */
    j = sp_test_sim_json(x.sim, "GET", "/_sim/records/deals", NULL);
    for (size_t i = 0; i < json_array_size(json_object_get(j, "results")); i++) {
        json_t *p = json_object_get(json_array_get(json_object_get(j, "results"), i), "properties");
        const char *k = json_string_value(json_object_get(p, "gp_sales_document"));
        if (k != NULL && strcmp(k, "1|QUO0001") == 0)
            name = json_string_value(json_object_get(p, "dealname"));
    }
    ck_assert_msg(name != NULL && strcmp(name, "HOOKED DEAL") == 0, "dealname %s", name ? name : "(none)");
    json_decref(j);

    /* without the trigger: the rest goes through, each hook row with its link */
    boom(&x, 0);
    ck_assert_msg(sp_e2e_spetl(&x, "run", "deal-export") == 1, "%s", err);   /* ORD0002, ORD0004 fail */
    ck_assert_int_eq(in_queue(&x, "2|ORD0003", "SHIPPING"), 1);
    ck_assert_int_eq(hook_log(&x, "2|ORD0003"), 2);
    ck_assert_int_eq(in_queue(&x, "2|ORD0001", "READY"), 1);
    ck_assert_int_eq(hook_log(&x, ""), sp_e2e_count(&x, "SELECT COUNT(*) FROM spAAIntegratedEntityLink WHERE "
                                                    "Entity_Type IN ('SALES_DOCUMENT', 'SALES_LINE')"));
    ck_assert_int_eq(sp_e2e_count(&x, "SELECT COUNT(*) FROM spAARunHistory WHERE Component = 'deal-export' AND "
                                  "Records_Skipped = 1 AND Records_Created = 2"),
                     1);
    assert_consistent(&x);
    sp_e2e_stop(&x);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("deal");
    TCase *tc = tcase_create("deal");
    sp_e2e_use("deal", tmpdir, sizeof(tmpdir), out, sizeof(out), err, sizeof(err));
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, documents_become_deals_with_line_items_once, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, queue_without_next_queue_is_refused, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, pipeline_and_stage_are_checked_against_the_account, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, documents_page_on_their_two_part_key, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, killed_runs_then_rerun, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, hooks_skip_change_and_roll_back_with_the_page, 0, SP_DBTEST_COUNT);
    tcase_add_loop_test(tc, lost_line_reply_stops_the_run_then_rerun, 0, SP_DBTEST_COUNT);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * customer.c -- a customer's contact: an address (RM00102, its ADRSCODE the
 * contact key) and, when the contact has an e-mail, its SY01200 row
 * (Master_Type 'CUS', Master_ID the CUSTNMBR, the same ADRSCODE, the
 * address in INET1; the other internet fields blank, as GP leaves them).
 * RM00101's address codes (ADRSCODE, PRBTADCD, PRSTADCD, STADDRCD) name the
 * first contact's address.
 */
#include <string.h>

#include "internal.h"

static const char SQL_EMAIL[] =
    "INSERT INTO SY01200 (Master_Type, Master_ID, ADRSCODE, INET1, INET2, INET3, INET4, INET5, "
    "INET6, INET7, INET8, Messenger_Address, INETINFO, EmailToAddress, EmailCcAddress, "
    "EmailBccAddress) VALUES ('CUS', ?, ?, ?, '', '', '', '', '', '', '', '', '', '', '', '')";

/* Set the address codes to ? where they are still ? (blank: a customer
 * without addresses; the first key: its first contact was not written).
 * The second form compares SQLite's padded CHAR data trimmed, the key by a
 * range its index serves first (gpw_bind_key). */
static const char SQL_POINTERS[] =
    "UPDATE RM00101 SET ADRSCODE = ?, PRBTADCD = ?, PRSTADCD = ?, STADDRCD = ? "
    "WHERE CUSTNMBR = ? AND ADRSCODE = ?";
static const char SQL_POINTERS_TRIM[] =
    "UPDATE RM00101 SET ADRSCODE = ?, PRBTADCD = ?, PRSTADCD = ?, STADDRCD = ? "
    "WHERE CUSTNMBR >= ? AND CUSTNMBR < ? || '!' AND RTRIM(CUSTNMBR) = ? AND RTRIM(ADRSCODE) = ?";

/* The same row for many companies (sp_batch): every value a parameter. */
static const char SQL_EMAIL_MANY[] =
    "INSERT INTO SY01200 (Master_Type, Master_ID, ADRSCODE, INET1, INET2, INET3, INET4, INET5, "
    "INET6, INET7, INET8, Messenger_Address, INETINFO, EmailToAddress, EmailCcAddress, "
    "EmailBccAddress) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

int gpw_customer_batch(sp_gpw *w, int rows, sp_err *e)
{
    sp_param_spec ps[16];

    if (w->email_batch != NULL)
        return 0;
    for (int i = 0; i < 16; i++) {
        ps[i].type = SP_TYPE_TEXT;
        ps[i].max_len = i == 0 ? 3 : i < 3 ? 60 : i == 3 ? 804 : 1;
    }
    return sp_batch_open(w->db, SQL_EMAIL_MANY, ps, 16, rows, &w->email_batch, e);
}

static int email_row(sp_gpw *w, const char *custnmbr, const char *adrscode, const char *inet1, sp_err *e)
{
    if (w->email_many == NULL)
        return sp_stmt_bind_text(w->email_ins, 1, custnmbr, e) < 0 ||
                       sp_stmt_bind_text(w->email_ins, 2, adrscode, e) < 0 ||
                       sp_stmt_bind_text(w->email_ins, 3, inet1, e) < 0 || sp_stmt_exec(w->email_ins, NULL, e) < 0
                   ? -1
                   : 0;
    for (int i = 5; i <= 16; i++)
        if (sp_batch_text(w->email_many, i, "", e) < 0)
            return -1;
    return sp_batch_text(w->email_many, 1, "CUS", e) < 0 || sp_batch_text(w->email_many, 2, custnmbr, e) < 0 ||
                   sp_batch_text(w->email_many, 3, adrscode, e) < 0 ||
                   sp_batch_text(w->email_many, 4, inet1, e) < 0 || sp_batch_add(w->email_many, e) < 0
               ? -1
               : 0;
}

int gpw_customer_open(sp_gpw *w, int trimmed, sp_err *e)
{
    if (sp_stmt_prepare(w->db, SQL_EMAIL, &w->email_ins, e) < 0 ||
        sp_stmt_prepare(w->db, trimmed ? SQL_POINTERS_TRIM : SQL_POINTERS, &w->pointers, e) < 0)
        return -1;
    return 0;
}

int gpw_customer_pointers(sp_gpw *w, const char *custnmbr, const char *adrscode, const char *was,
                          sp_err *e)
{
    for (int i = 1; i <= 4; i++)
        if (sp_stmt_bind_text(w->pointers, i, adrscode, e) < 0)
            return -1;
    int idx = gpw_bind_key(w, w->pointers, 5, custnmbr, e);
    if (idx < 0 || sp_stmt_bind_text(w->pointers, idx, was, e) < 0 || sp_stmt_exec(w->pointers, NULL, e) < 0) {
        sp_err_prefix(e, "company %s: setting the address codes of customer %s", w->hubspot_id, custnmbr);
        return -1;
    }
    return 0;
}

int gpw_customer_contact(sp_gpw *w, const char *custnmbr, const char *adrscode,
                         const sp_gpw_contact *c, const char *fallback_email, sp_err *e)
{
    const char *inet1 = NULL;
    const sp_gpw_value *src = NULL;
    gpw_row_keys k = {.key = adrscode, .parent = custnmbr};

    if (gpw_table_take(w, &w->contact, c->values, c->nvalues, &inet1, e) < 0)
        return -1;
    for (size_t i = 0; i < c->nvalues; i++)
        if (c->values[i].column != NULL && c->values[i].value == inet1 && inet1 != NULL)
            src = &c->values[i];
    if (inet1 == NULL || inet1[0] == '\0')
        inet1 = c->email;
    if (inet1 == NULL || inet1[0] == '\0')
        inet1 = fallback_email;
    if (inet1 != NULL && gpw_check_width(w, "SY01200", "INET1", 201, inet1, src, e) < 0)
        return -1;
    if (gpw_table_insert(w, &w->contact, &k, e) < 0)
        return -1;
    if (inet1 == NULL || inet1[0] == '\0')
        return 0;
    if (email_row(w, custnmbr, adrscode, inet1, e) < 0) {
        sp_err_prefix(e, "company %s: inserting into SY01200 (INET1 of %s %s)", w->hubspot_id, custnmbr,
                      adrscode);
        sp_err_record(e, NULL, w->hubspot_id);
        return -1;
    }
    return 0;
}

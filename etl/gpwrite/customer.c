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
 * The second form compares SQLite's padded CHAR data trimmed. */
static const char SQL_POINTERS[] =
    "UPDATE RM00101 SET ADRSCODE = ?, PRBTADCD = ?, PRSTADCD = ?, STADDRCD = ? "
    "WHERE CUSTNMBR = ? AND ADRSCODE = ?";
static const char SQL_POINTERS_TRIM[] =
    "UPDATE RM00101 SET ADRSCODE = ?, PRBTADCD = ?, PRSTADCD = ?, STADDRCD = ? "
    "WHERE RTRIM(CUSTNMBR) = ? AND RTRIM(ADRSCODE) = ?";

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
    if (sp_stmt_bind_text(w->pointers, 5, custnmbr, e) < 0 ||
        sp_stmt_bind_text(w->pointers, 6, was, e) < 0 || sp_stmt_exec(w->pointers, NULL, e) < 0) {
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
    if (sp_stmt_bind_text(w->email_ins, 1, custnmbr, e) < 0 ||
        sp_stmt_bind_text(w->email_ins, 2, adrscode, e) < 0 ||
        sp_stmt_bind_text(w->email_ins, 3, inet1, e) < 0 || sp_stmt_exec(w->email_ins, NULL, e) < 0) {
        sp_err_prefix(e, "company %s: inserting into SY01200 (INET1 of %s %s)", w->hubspot_id, custnmbr,
                      adrscode);
        sp_err_record(e, NULL, w->hubspot_id);
        return -1;
    }
    return 0;
}

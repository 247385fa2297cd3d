/*
 * odbc_text.c -- statement text, connection strings, diagnostics and column
 * names across the ODBC API (see db_internal.h): the W functions with UTF-16
 * on Windows, the narrow ones on POSIX.
 */
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "spetl/mem.h"
#include "spetl/utf16.h"

#define DIAG_TEXT_MAX 768
#define COL_NAME_UNITS 129

#ifdef _WIN32

static SQLWCHAR *wide_dup(const char *s, size_t *units)
{
    size_t n = strlen(s);
    uint16_t *w = sp_xmalloc((n + 1) * sizeof(*w));

    *units = sp_utf8_to_utf16(s, n, w, n + 1);
    return (SQLWCHAR *)w;
}

SQLRETURN sp_odbc_prepare(SQLHSTMT h, const char *sql)
{
    size_t n;
    SQLWCHAR *w = wide_dup(sql, &n);
    SQLRETURN rc = SQLPrepareW(h, w, SQL_NTS);

    free(w);
    return rc;
}

SQLRETURN sp_odbc_exec_direct(SQLHSTMT h, const char *sql)
{
    size_t n;
    SQLWCHAR *w = wide_dup(sql, &n);
    SQLRETURN rc = SQLExecDirectW(h, w, SQL_NTS);

    free(w);
    return rc;
}

SQLRETURN sp_odbc_driver_connect(SQLHDBC h, const char *conn)
{
    size_t n;
    SQLWCHAR *w = wide_dup(conn, &n);
    SQLRETURN rc = SQLDriverConnectW(h, NULL, w, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);

    memset(w, 0, (n + 1) * sizeof(*w)); /* it holds the password */
    free(w);
    return rc;
}

SQLRETURN sp_odbc_diag_rec(SQLSMALLINT htype, SQLHANDLE h, SQLSMALLINT i, char state[6],
                           SQLINTEGER *native, char *text, size_t n)
{
    SQLWCHAR st[6] = { 0 }, msg[DIAG_TEXT_MAX];
    SQLSMALLINT len = 0;
    SQLRETURN rc = SQLGetDiagRecW(htype, h, i, st, native, msg, DIAG_TEXT_MAX, &len);

    state[0] = '\0';
    if (n > 0)
        text[0] = '\0';
    if (!SQL_SUCCEEDED(rc))
        return rc;
    if (len < 0 || len >= DIAG_TEXT_MAX)
        len = DIAG_TEXT_MAX - 1;
    sp_utf16_to_utf8((const uint16_t *)st, 5, state, 6);
    if (n > 0)
        sp_utf16_to_utf8((const uint16_t *)msg, (size_t)len, text, n);
    return rc;
}

SQLRETURN sp_odbc_describe_col(SQLHSTMT h, SQLUSMALLINT col, char *name, size_t n,
                               SQLSMALLINT *sqltype)
{
    SQLWCHAR w[COL_NAME_UNITS];
    SQLSMALLINT len = 0, digits = 0, nullable = 0;
    SQLULEN size = 0;
    SQLRETURN rc = SQLDescribeColW(h, col, w, COL_NAME_UNITS, &len, sqltype, &size, &digits,
                                   &nullable);

    if (n > 0)
        name[0] = '\0';
    if (!SQL_SUCCEEDED(rc) || n == 0)
        return rc;
    if (len < 0 || len >= COL_NAME_UNITS)
        len = COL_NAME_UNITS - 1;
    sp_utf16_to_utf8((const uint16_t *)w, (size_t)len, name, n);
    return rc;
}

#else

SQLRETURN sp_odbc_prepare(SQLHSTMT h, const char *sql)
{
    return SQLPrepare(h, (SQLCHAR *)sql, SQL_NTS);
}

SQLRETURN sp_odbc_exec_direct(SQLHSTMT h, const char *sql)
{
    return SQLExecDirect(h, (SQLCHAR *)sql, SQL_NTS);
}

SQLRETURN sp_odbc_driver_connect(SQLHDBC h, const char *conn)
{
    return SQLDriverConnect(h, NULL, (SQLCHAR *)conn, SQL_NTS, NULL, 0, NULL,
                            SQL_DRIVER_NOPROMPT);
}

SQLRETURN sp_odbc_diag_rec(SQLSMALLINT htype, SQLHANDLE h, SQLSMALLINT i, char state[6],
                           SQLINTEGER *native, char *text, size_t n)
{
    SQLCHAR st[6] = "", msg[DIAG_TEXT_MAX] = "";
    SQLSMALLINT len = 0;
    SQLRETURN rc = SQLGetDiagRec(htype, h, i, st, native, msg, (SQLSMALLINT)sizeof(msg), &len);

    state[0] = '\0';
    if (n > 0)
        text[0] = '\0';
    if (!SQL_SUCCEEDED(rc))
        return rc;
    memcpy(state, st, 5);
    state[5] = '\0';
    if (n > 0) {
        size_t l = strnlen((const char *)msg, sizeof(msg) - 1);
        if (l >= n)
            l = n - 1;
        memcpy(text, msg, l);
        text[l] = '\0';
    }
    return rc;
}

SQLRETURN sp_odbc_describe_col(SQLHSTMT h, SQLUSMALLINT col, char *name, size_t n,
                               SQLSMALLINT *sqltype)
{
    SQLSMALLINT len = 0, digits = 0, nullable = 0;
    SQLULEN size = 0;

    return SQLDescribeCol(h, col, (SQLCHAR *)name, (SQLSMALLINT)n, &len, sqltype, &size, &digits,
                          &nullable);
}

#endif

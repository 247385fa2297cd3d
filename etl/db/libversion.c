/* libversion.c -- the ODBC driver manager's version, for --version. */
#include "spetl/version.h"

#ifdef _WIN32
#include <windows.h>
#endif
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>

const char *sp_db_library_version(void)
{
    static char v[80];
    SQLHENV env = SQL_NULL_HENV;
    SQLHDBC dbc = SQL_NULL_HDBC;
    char dm[32] = "unknown";
    SQLSMALLINT len = 0;

    if (SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env)) &&
        SQL_SUCCEEDED(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0)) &&
        SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc)))
        SQLGetInfo(dbc, SQL_DM_VER, dm, sizeof(dm), &len);
    if (dbc != SQL_NULL_HDBC)
        SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    if (env != SQL_NULL_HENV)
        SQLFreeHandle(SQL_HANDLE_ENV, env);
#ifdef _WIN32
    snprintf(v, sizeof(v), "Windows ODBC (driver manager %s)", dm);
#else
    snprintf(v, sizeof(v), "unixODBC (driver manager %s)", dm);
#endif
    return v;
}

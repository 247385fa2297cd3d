/* platform_text.c -- the command line, file names and the environment as
 * UTF-8 (see platform.h): the wide API on Windows, the plain calls on POSIX. */
#include "spetl/platform.h"

#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#include <shellapi.h>

#include "spetl/mem.h"
#include "spetl/utf16.h"

wchar_t *sp_os_wide(const char *s)
{
    size_t n = strlen(s);
    wchar_t *w = sp_xmalloc((n + 1) * sizeof(*w));

    sp_utf8_to_utf16(s, n, (uint16_t *)w, n + 1);
    return w;
}

char *sp_os_utf8(const wchar_t *w)
{
    size_t n = sp_utf16_len((const uint16_t *)w);
    char *s = sp_xmalloc(3 * n + 1);

    sp_utf16_to_utf8((const uint16_t *)w, n, s, 3 * n + 1);
    return s;
}

char **sp_os_args(int *argc, char **argv)
{
    int n = 0;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    char **out;

    SetConsoleOutputCP(CP_UTF8);
    if (wargv == NULL || n < 1)
        return argv;
    out = sp_xcalloc((size_t)n + 1, sizeof(*out));
    for (int i = 0; i < n; i++)
        out[i] = sp_os_utf8(wargv[i]);
    LocalFree(wargv);
    *argc = n;
    return out;
}

FILE *sp_os_fopen(const char *path, const char *mode)
{
    wchar_t *wp = sp_os_wide(path), *wm = sp_os_wide(mode);
    FILE *f = _wfopen(wp, wm);

    free(wp);
    free(wm);
    return f;
}

/* Every value read, kept for the process's life: a caller may hold the
 * pointer as it would getenv's. Equal values are returned once. */
typedef struct env_text {
    struct env_text *next;
    char *text;
} env_text;

static env_text *env_seen;
static SRWLOCK env_lock = SRWLOCK_INIT;

const char *sp_os_getenv(const char *name)
{
    wchar_t *wn = sp_os_wide(name);
    const wchar_t *wv = _wgetenv(wn);
    const char *out = NULL;
    char *v;

    free(wn);
    if (wv == NULL)
        return NULL;
    v = sp_os_utf8(wv);
    AcquireSRWLockExclusive(&env_lock);
    for (env_text *t = env_seen; t != NULL && out == NULL; t = t->next)
        if (strcmp(t->text, v) == 0)
            out = t->text;
    if (out == NULL) {
        env_text *t = sp_xmalloc(sizeof(*t));
        t->text = v;
        t->next = env_seen;
        env_seen = t;
        out = v;
        v = NULL;
    }
    ReleaseSRWLockExclusive(&env_lock);
    free(v);
    return out;
}

#else

char **sp_os_args(int *argc, char **argv)
{
    (void)argc;
    return argv;
}

FILE *sp_os_fopen(const char *path, const char *mode)
{
    return fopen(path, mode);
}

const char *sp_os_getenv(const char *name)
{
    return getenv(name);
}

#endif

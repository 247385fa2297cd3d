/* platform_win32.c -- the platform seam on 64-bit Windows (see platform.h). */
#include "spetl/platform.h"

#ifdef _WIN32
#include <windows.h>
#include <aclapi.h>
#include <bcrypt.h>
#include <io.h>
#include <sddl.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spetl/mem.h"
#include "spetl/utf16.h"

/* 100 ns ticks from 1601-01-01 to 1970-01-01 */
#define EPOCH_TICKS 116444736000000000LL

static int64_t filetime_ms(FILETIME ft)
{
    ULARGE_INTEGER u;
    u.LowPart = ft.dwLowDateTime;
    u.HighPart = ft.dwHighDateTime;
    return ((int64_t)u.QuadPart - EPOCH_TICKS) / 10000;
}

int64_t sp_os_mono_ms(void) { return (int64_t)GetTickCount64(); }

int64_t sp_os_wall_ms(void)
{
    FILETIME ft;
    GetSystemTimePreciseAsFileTime(&ft);
    return filetime_ms(ft);
}

void sp_os_sleep_ms(int64_t ms)
{
    while (ms > 0) {
        DWORD step = ms > 0x7fffffff ? 0x7fffffff : (DWORD)ms;
        Sleep(step);
        ms -= step;
    }
}

int sp_os_random(void *buf, size_t n)
{
    if (n > 0xffffffffu)
        return -1;
    return BCRYPT_SUCCESS(BCryptGenRandom(NULL, buf, (ULONG)n, BCRYPT_USE_SYSTEM_PREFERRED_RNG)) ? 0 : -1;
}

long long sp_os_pid(void) { return (long long)GetCurrentProcessId(); }

/* w (UTF-16, wn units) as UTF-8 into buf (n bytes); 0, or -1 when it is
 * empty or does not fit */
static int to_utf8(const wchar_t *w, size_t wn, char *buf, size_t n)
{
    return wn > 0 && sp_utf16_to_utf8((const uint16_t *)w, wn, buf, n) < n ? 0 : -1;
}

const char *sp_os_host_name(char *buf, size_t n)
{
    wchar_t w[256];
    DWORD len = 256;
    if (n == 0)
        return buf;
    if (!GetComputerNameExW(ComputerNameDnsHostname, w, &len) || to_utf8(w, len, buf, n) < 0)
        snprintf(buf, n, "unknown");
    return buf;
}

const char *sp_os_user_name(char *buf, size_t n)
{
    wchar_t w[257];
    DWORD len = 257;
    const char *env = sp_os_getenv("USERNAME");
    if (n == 0)
        return buf;
    /* len counts the terminator */
    if (!GetUserNameW(w, &len) || len < 2 || to_utf8(w, len - 1, buf, n) < 0)
        snprintf(buf, n, "%s", env != NULL && env[0] != '\0' ? env : "unknown");
    return buf;
}

int sp_os_pid_gone(long long pid, int64_t since_ms)
{
    HANDLE h;
    FILETIME created, exited, kernel, user;
    int gone = 0;

    if (pid <= 0 || pid > 0xffffffffLL)
        return 0;
    h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    if (h == NULL)
        return GetLastError() == ERROR_INVALID_PARAMETER; /* no such process */
    if (WaitForSingleObject(h, 0) == WAIT_OBJECT_0)
        gone = 1; /* exited, a handle still open somewhere */
    else if (GetProcessTimes(h, &created, &exited, &kernel, &user))
        gone = filetime_ms(created) > since_ms + 2000;
    CloseHandle(h);
    return gone;
}

int sp_os_exe_dir(char *buf, size_t n)
{
    wchar_t w[MAX_PATH * 4];
    char exe[MAX_PATH * 12];
    DWORD len = GetModuleFileNameW(NULL, w, MAX_PATH * 4);
    char *cut;

    if (len == 0 || len >= MAX_PATH * 4 || to_utf8(w, len, exe, sizeof(exe)) < 0)
        return -1;
    cut = strrchr(exe, '\\');
    if (cut == NULL || strrchr(exe, '/') > cut)
        cut = strrchr(exe, '/');
    if (cut != NULL)
        *cut = '\0';
    snprintf(buf, n, "%s", exe);
    return 0;
}

int sp_os_is_terminal(FILE *f) { return _isatty(_fileno(f)) != 0; }

int sp_os_cwd(char *buf, size_t n)
{
    wchar_t w[MAX_PATH * 4];
    DWORD len = GetCurrentDirectoryW(MAX_PATH * 4, w);
    return len > 0 && len < MAX_PATH * 4 && to_utf8(w, len, buf, n) == 0 ? 0 : -1;
}

char *strcasestr(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (; *hay != '\0'; hay++)
        if (_strnicmp(hay, needle, nl) == 0)
            return (char *)(uintptr_t)hay;
    return nl == 0 ? (char *)(uintptr_t)hay : NULL;
}

int sp_path_is_sep(char c) { return c == '/' || c == '\\'; }

/* "\x" and "/x" (the current drive's root), "C:\x", "\\server\share\x". */
int sp_path_is_absolute(const char *path)
{
    if (sp_path_is_sep(path[0]))
        return 1;
    return isalpha((unsigned char)path[0]) && path[1] == ':' && sp_path_is_sep(path[2]);
}

/* The folder part: the text before the last separator; a root keeps its
 * separator ("C:\", "\"), a UNC path keeps its share ("\\srv\share"). */
char *sp_path_dir(const char *path)
{
    const char *last = NULL, *start = path;

    if (isalpha((unsigned char)path[0]) && path[1] == ':')
        start = path + 2;
    for (const char *p = start; *p != '\0'; p++)
        if (sp_path_is_sep(*p))
            last = p;
    if (last == NULL)
        return start == path ? sp_xstrdup(".") : sp_xstrndup(path, 2);
    if (last == start)
        return sp_xstrndup(path, (size_t)(last - path) + 1);
    return sp_xstrndup(path, (size_t)(last - path));
}

sp_path_kind sp_path_stat(const char *path)
{
    wchar_t *wp = sp_os_wide(path);
    DWORD a = GetFileAttributesW(wp);
    free(wp);
    if (a == INVALID_FILE_ATTRIBUTES) {
        errno = ENOENT;
        return SP_PATH_NONE;
    }
    if (a & FILE_ATTRIBUTE_DIRECTORY)
        return SP_PATH_DIR;
    return (a & FILE_ATTRIBUTE_DEVICE) ? SP_PATH_OTHER : SP_PATH_FILE;
}

int sp_path_readable(const char *path)
{
    wchar_t *wp = sp_os_wide(path);
    int ok = _waccess(wp, 4) == 0;
    free(wp);
    return ok;
}

/* Windows runs any file by its extension; a regular file is accepted. */
int sp_path_executable(const char *path) { return sp_path_stat(path) == SP_PATH_FILE; }

static void win_error(char *detail, size_t dn, DWORD err)
{
    wchar_t w[256];
    char msg[768];
    DWORD len = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err,
                               0, w, 256, NULL);
    while (len > 0 && (w[len - 1] == L'\n' || w[len - 1] == L'\r' || w[len - 1] == L'.'))
        len--;
    if (len == 0 || to_utf8(w, len, msg, sizeof(msg)) < 0)
        snprintf(msg, sizeof(msg), "Windows error %lu", (unsigned long)err);
    snprintf(detail, dn, "%s", msg);
}

static int trusted_sid(PSID sid, PSID owner)
{
    return (owner != NULL && EqualSid(sid, owner)) || IsWellKnownSid(sid, WinLocalSystemSid) ||
           IsWellKnownSid(sid, WinBuiltinAdministratorsSid);
}

#define READ_OR_CHANGE                                                                             \
    (FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | WRITE_DAC | WRITE_OWNER | GENERIC_READ | \
     GENERIC_WRITE | GENERIC_ALL)

/* 0 when only the owner, Administrators and SYSTEM may read or change the
 * file; else detail names the first other account the ACL lets in. */
static int acl_private(HANDLE h, const char *path, char *detail, size_t dn)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PSID owner = NULL;
    PACL dacl = NULL;
    int rc = 0;
    DWORD err = GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                &owner, NULL, &dacl, NULL, &sd);

    if (err != ERROR_SUCCESS) {
        win_error(detail, dn, err);
        return -1;
    }
    if (dacl == NULL) {
        snprintf(detail, dn, "can be read by everyone (no access list): run icacls \"%s\" "
                             "/inheritance:r /grant:r \"%%USERNAME%%:F\"", path);
        rc = 1;
    }
    for (DWORD i = 0; rc == 0 && dacl != NULL && i < dacl->AceCount; i++) {
        ACCESS_ALLOWED_ACE *ace;
        wchar_t wname[128], wdom[128];
        char name[384] = "another account", dom[384] = "";
        DWORD nl = 128, dl = 128;
        SID_NAME_USE use;
        if (!GetAce(dacl, i, (void **)&ace) || ace->Header.AceType != ACCESS_ALLOWED_ACE_TYPE ||
            (ace->Mask & READ_OR_CHANGE) == 0 || trusted_sid((PSID)&ace->SidStart, owner))
            continue;
        /* account names are localised ("Jeder", "Utilisateurs authentifiés") */
        if (!LookupAccountSidW(NULL, (PSID)&ace->SidStart, wname, &nl, wdom, &dl, &use) ||
            to_utf8(wname, nl, name, sizeof(name)) < 0)
            snprintf(name, sizeof(name), "another account");
        else if (to_utf8(wdom, dl, dom, sizeof(dom)) < 0)
            dom[0] = '\0';
        snprintf(detail, dn, "can be read or changed by %s%s%s (its access list): run icacls \"%s\" "
                             "/inheritance:r /grant:r \"%%USERNAME%%:F\"",
                 dom, dom[0] ? "\\" : "", name, path);
        rc = 1;
    }
    LocalFree(sd);
    return rc;
}

sp_priv_rc sp_os_read_private(const char *path, char *buf, size_t cap, size_t *len, char *detail,
                              size_t dn)
{
    BY_HANDLE_FILE_INFORMATION info;
    sp_priv_rc rc = SP_PRIV_ERRNO;
    size_t n = 0;
    DWORD got = 1;
    int acl;
    wchar_t *wp = sp_os_wide(path);
    HANDLE h = CreateFileW(wp, GENERIC_READ | READ_CONTROL, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);

    free(wp);
    *len = 0;
    buf[0] = '\0';
    detail[0] = '\0';
    if (h == INVALID_HANDLE_VALUE) {
        DWORD err = GetLastError();
        win_error(detail, dn, err);
        return err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND ? SP_PRIV_MISSING : SP_PRIV_ERRNO;
    }
    if (GetFileType(h) != FILE_TYPE_DISK || !GetFileInformationByHandle(h, &info) ||
        (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
        rc = SP_PRIV_NOT_FILE;
        goto done;
    }
    if ((acl = acl_private(h, path, detail, dn)) != 0) {
        rc = acl > 0 ? SP_PRIV_SHARED : SP_PRIV_ERRNO;
        goto done;
    }
    while (n < cap - 1 && got > 0) {
        if (!ReadFile(h, buf + n, (DWORD)(cap - 1 - n), &got, NULL)) {
            win_error(detail, dn, GetLastError());
            goto done;
        }
        n += got;
    }
    buf[n] = '\0';
    *len = n;
    rc = n == cap - 1 ? SP_PRIV_TOO_BIG : SP_PRIV_OK;
done:
    CloseHandle(h);
    return rc;
}
#endif

/* platform_proc_win32.c -- child processes on 64-bit Windows (see platform.h).
 *
 * CreateProcessW, no shell: argv (UTF-8) becomes one UTF-16 command line
 * quoted by the rules the C runtime's argv parser undoes (backslashes double
 * only before a quote). Only the three pipe ends are inherited (the handle
 * list attribute). The program starts suspended, joins a job object with
 * KILL_ON_JOB_CLOSE (killing the job kills what it started; closing the job,
 * also when spetl dies, kills them all), then runs. A start that fails for a
 * reason that may pass is tried twice more. Anonymous pipes have no
 * overlapped I/O: sp_proc_poll asks PeekNamedPipe, sleeping a little longer
 * each round (up to 10 ms) while nothing comes. */
#include "spetl/platform.h"

#ifdef _WIN32
#include <windows.h>

#include <stdlib.h>
#include <string.h>

#include "spetl/mem.h"

struct sp_proc {
    HANDLE process, job;
    HANDLE in, out, err;     /* spetl's ends; NULL once closed */
    DWORD pid;
    int out_end, err_end;
    int ended;
    DWORD code;
};

static void proc_error(char *why, size_t wn, const char *what, const char *path, DWORD err)
{
    char msg[256];
    DWORD len = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err,
                               0, msg, sizeof(msg), NULL);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r' || msg[len - 1] == '.'))
        msg[--len] = '\0';
    if (len == 0)
        snprintf(msg, sizeof(msg), "Windows error %lu", (unsigned long)err);
    snprintf(why, wn, "%s %s: %s", what, path, msg);
}

/* UTF-8 to UTF-16 (heap); NULL when s is not UTF-8. */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w;

    if (n <= 0)
        return NULL;
    w = sp_xmalloc((size_t)n * sizeof(*w));
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        return NULL;
    }
    return w;
}

/* Appends one argument quoted for the C runtime's parser: as is when it
 * has no space, tab, newline or quote; else in quotes, a quote as \", and
 * the backslashes before a quote (or before the closing quote) doubled. */
static size_t quote_arg(const wchar_t *a, wchar_t *out)
{
    size_t n = 0, bs;
    const wchar_t *s;

    if (a[0] != L'\0' && wcspbrk(a, L" \t\n\v\"") == NULL) {
        for (s = a; *s != L'\0'; s++)
            out != NULL ? (void)(out[n++] = *s) : (void)n++;
        return n;
    }
#define PUT(c) (out != NULL ? (void)(out[n++] = (c)) : (void)n++)
    PUT(L'"');
    for (s = a;; s++) {
        for (bs = 0; *s == L'\\'; s++)
            bs++;
        if (*s == L'\0' || *s == L'"') {
            bs = *s == L'"' ? bs * 2 + 1 : bs * 2;
            while (bs-- > 0)
                PUT(L'\\');
            if (*s == L'\0')
                break;
            PUT(L'"');
            continue;
        }
        while (bs-- > 0)
            PUT(L'\\');
        PUT(*s);
    }
    PUT(L'"');
#undef PUT
    return n;
}

/* The command line of argv (heap); NULL when an argument is not UTF-8. */
static wchar_t *command_line(const char *const *argv)
{
    wchar_t **w;
    wchar_t *line = NULL;
    size_t argc = 0, i, len = 0, at = 0;

    while (argv[argc] != NULL)
        argc++;
    w = sp_xcalloc(argc + 1, sizeof(*w));
    for (i = 0; i < argc; i++) {
        if ((w[i] = wide(argv[i])) == NULL)
            goto done;
        len += quote_arg(w[i], NULL) + 1;
    }
    line = sp_xmalloc((len + 1) * sizeof(*line));
    for (i = 0; i < argc; i++) {
        if (i > 0)
            line[at++] = L' ';
        at += quote_arg(w[i], line + at);
    }
    line[at] = L'\0';
done:
    for (i = 0; i < argc; i++)
        free(w[i]);
    free(w);
    return line;
}

static void close_h(HANDLE *h)
{
    if (*h != NULL && *h != INVALID_HANDLE_VALUE)
        CloseHandle(*h);
    *h = NULL;
}

/* Three pipes: the child's ends inheritable, spetl's not. */
static int make_pipes(HANDLE child[3], HANDLE mine[3])
{
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};

    if (!CreatePipe(&child[0], &mine[0], &sa, 0) || !CreatePipe(&mine[1], &child[1], &sa, 0)
        || !CreatePipe(&mine[2], &child[2], &sa, 0))
        return -1;
    SetHandleInformation(mine[0], HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(mine[1], HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(mine[2], HANDLE_FLAG_INHERIT, 0);
    return 0;
}

static HANDLE kill_on_close_job(void)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
    HANDLE job = CreateJobObjectW(NULL, NULL);

    if (job == NULL)
        return NULL;
    memset(&li, 0, sizeof(li));
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof(li))) {
        CloseHandle(job);
        return NULL;
    }
    return job;
}

/* CreateProcessW with only the child's three handles inherited, suspended;
 * 0 or the Windows error. */
static DWORD create(const wchar_t *app, wchar_t *cmd, const wchar_t *cwd, HANDLE child[3],
                    PROCESS_INFORMATION *pi)
{
    STARTUPINFOEXW si;
    SIZE_T size = 0;
    DWORD err = 0;

    memset(&si, 0, sizeof(si));
    si.StartupInfo.cb = sizeof(si);
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = child[0];
    si.StartupInfo.hStdOutput = child[1];
    si.StartupInfo.hStdError = child[2];
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    si.lpAttributeList = sp_xmalloc(size);
    if (!InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0, &size)) {
        err = GetLastError();
        free(si.lpAttributeList);
        return err;
    }
    if (!UpdateProcThreadAttribute(si.lpAttributeList, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, child,
                                   3 * sizeof(HANDLE), NULL, NULL)
        || !CreateProcessW(app, cmd, NULL, NULL, TRUE,
                           CREATE_SUSPENDED | CREATE_NO_WINDOW | EXTENDED_STARTUPINFO_PRESENT, NULL,
                           cwd, &si.StartupInfo, pi))
        err = GetLastError();
    DeleteProcThreadAttributeList(si.lpAttributeList);
    free(si.lpAttributeList);
    return err;
}

/* A start that failed for want of memory or system resources, or because
 * the new process died while it started (ERROR_INTERNAL_ERROR: Wine says so
 * when its loader fails, as a hook's start did once on a loaded CI
 * machine), may succeed a moment later. A missing, refused or invalid
 * program is not tried again. */
static int transient(DWORD err)
{
    return err == ERROR_INTERNAL_ERROR || err == ERROR_NOT_ENOUGH_MEMORY || err == ERROR_OUTOFMEMORY
           || err == ERROR_NO_SYSTEM_RESOURCES || err == ERROR_COMMITMENT_LIMIT;
}

int sp_proc_spawn(const char *const *argv, const char *cwd, sp_proc **out, char *why, size_t wn)
{
    HANDLE child[3] = {NULL, NULL, NULL}, mine[3] = {NULL, NULL, NULL}, job = NULL;
    wchar_t *app = wide(argv[0]), *cmd = command_line(argv), *wcwd = cwd != NULL ? wide(cwd) : NULL;
    PROCESS_INFORMATION pi;
    sp_proc *p;
    DWORD err;
    int rc = -1, i, tries;

    *out = NULL;
    memset(&pi, 0, sizeof(pi));
    if (app == NULL || cmd == NULL || (cwd != NULL && wcwd == NULL)) {
        snprintf(why, wn, "cannot run %s: its path, folder or an argument is not UTF-8", argv[0]);
        goto done;
    }
    if (make_pipes(child, mine) != 0 || (job = kill_on_close_job()) == NULL) {
        proc_error(why, wn, "cannot make pipes or a job object for", argv[0], GetLastError());
        goto done;
    }
    /* Three tries, 100 and 200 ms apart, when the failure may pass. */
    for (tries = 0; (err = create(app, cmd, wcwd, child, &pi)) != 0 && transient(err) && tries < 2; tries++)
        Sleep(100u << tries);
    if (err != 0) {
        proc_error(why, wn, "cannot run", argv[0], err);
        goto done;
    }
    if (!AssignProcessToJobObject(job, pi.hProcess)) {
        proc_error(why, wn, "cannot put in a job object:", argv[0], GetLastError());
        TerminateProcess(pi.hProcess, 1);
        close_h(&pi.hProcess), close_h(&pi.hThread);
        goto done;
    }
    ResumeThread(pi.hThread);
    close_h(&pi.hThread);
    p = sp_xcalloc(1, sizeof(*p));
    p->process = pi.hProcess, p->job = job, p->pid = pi.dwProcessId;
    p->in = mine[0], p->out = mine[1], p->err = mine[2];
    mine[0] = mine[1] = mine[2] = job = NULL;
    *out = p;
    rc = 0;
done:
    for (i = 0; i < 3; i++)
        close_h(&child[i]), close_h(&mine[i]);
    close_h(&job);
    free(app), free(cmd), free(wcwd);
    return rc;
}

long long sp_proc_pid(const sp_proc *p) { return p != NULL ? (long long)p->pid : -1; }

int sp_proc_write(sp_proc *p, const void *buf, size_t n)
{
    const char *b = buf;
    DWORD w;

    while (n > 0) {
        DWORD chunk = n > 0x100000 ? 0x100000 : (DWORD)n;
        if (p->in == NULL || !WriteFile(p->in, b, chunk, &w, NULL) || w == 0)
            return -1;
        b += w;
        n -= w;
    }
    return 0;
}

void sp_proc_close_stdin(sp_proc *p) { close_h(&p->in); }

/* 1 when the pipe has bytes or has ended (the writer closed it). */
static int pipe_ready(HANDLE h)
{
    DWORD avail = 0;
    if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
        return 1;
    return avail > 0;
}

int sp_proc_poll(sp_proc *p, int timeout_ms)
{
    int64_t until = timeout_ms < 0 ? INT64_MAX : sp_os_mono_ms() + timeout_ms;
    DWORD nap = 0;
    int mask;

    if (p->out_end && p->err_end)
        return -1;
    for (;;) {
        mask = 0;
        if (!p->out_end && pipe_ready(p->out))
            mask |= SP_PROC_OUT;
        if (!p->err_end && pipe_ready(p->err))
            mask |= SP_PROC_ERR;
        if (mask != 0 || sp_os_mono_ms() >= until)
            return mask;
        Sleep(nap);
        nap = nap < 10 ? nap + 1 : 10;
    }
}

long sp_proc_read(sp_proc *p, int which, void *buf, size_t n)
{
    HANDLE h = which == SP_PROC_OUT ? p->out : p->err;
    int *end = which == SP_PROC_OUT ? &p->out_end : &p->err_end;
    DWORD avail = 0, got = 0, want;

    if (*end)
        return 0;
    if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL)) {
        *end = 1;
        return 0;
    }
    want = n > 0x100000 ? 0x100000 : (DWORD)n;
    if (avail > 0 && avail < want)
        want = avail;
    if (!ReadFile(h, buf, want, &got, NULL)) {
        *end = 1;
        return GetLastError() == ERROR_BROKEN_PIPE ? 0 : -1;
    }
    if (got == 0)
        *end = 1;
    return (long)got;
}

void sp_proc_kill(sp_proc *p)
{
    if (p == NULL)
        return;
    TerminateJobObject(p->job, 1);
    if (!p->ended)
        TerminateProcess(p->process, 1);
}

int sp_proc_wait(sp_proc *p, int timeout_ms, char *how, size_t hn)
{
    if (!p->ended) {
        if (WaitForSingleObject(p->process, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms)
            != WAIT_OBJECT_0)
            return 0;
        if (!GetExitCodeProcess(p->process, &p->code))
            p->code = 0xFFFFFFFFu;
        p->ended = 1;
        TerminateJobObject(p->job, 1); /* what it started goes with it */
    }
    if (p->code >= 0xC0000000u)
        snprintf(how, hn, "ended with exception 0x%08lX", (unsigned long)p->code);
    else
        snprintf(how, hn, "exited with status %lu", (unsigned long)p->code);
    return 1;
}

void sp_proc_free(sp_proc *p)
{
    char how[96];

    if (p == NULL)
        return;
    close_h(&p->in);
    if (!p->ended) {
        sp_proc_kill(p);
        sp_proc_wait(p, -1, how, sizeof(how));
    }
    close_h(&p->out), close_h(&p->err);
    close_h(&p->process), close_h(&p->job);
    free(p);
}
#endif

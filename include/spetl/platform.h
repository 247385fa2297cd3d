/* platform.h -- the one seam between spetl and the operating system.
 *
 * etl/core/platform_posix.c (Linux and other POSIX systems) and
 * etl/core/platform_win32.c (64-bit Windows, built with mingw-w64) implement
 * it; each compiles to nothing on the other system. Outside them no code calls
 * a POSIX-only or Win32 function: clocks, sleeping, UTC breakdown, random
 * bytes, the process (pid, host, user, "is that pid gone"), the executable's
 * folder, paths, the private-file rule of token files, and child processes
 * (etl/core/platform_proc_posix.c and platform_proc_win32.c).
 *
 * strcasecmp/strncasecmp (<strings.h>) and strtok_r (<string.h>) are in both
 * C libraries (mingw-w64 has them) and are used directly. Threads are POSIX
 * threads on both (mingw-w64's winpthreads on Windows).
 *
 * Ownership: functions writing text take a caller's buffer and its size and
 * always terminate it; sp_path_dir returns heap text the caller frees. */
#ifndef SPETL_PLATFORM_H
#define SPETL_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* printf-style checks: mingw's gcc reads plain "printf" as msvcrt's rules
 * (no %zu, %lld); spetl prints through the C99 printf on both systems. */
#ifdef _WIN32
#define SP_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#define SP_PATH_SEP '\\'
#define SP_PATH_SEP_S "\\"
#else
#define SP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SP_PATH_SEP '/'
#define SP_PATH_SEP_S "/"
#endif

#ifdef _WIN32
/* A GNU function the C runtime of Windows lacks (platform_win32.c). */
char *strcasestr(const char *hay, const char *needle);
#endif

/* ---- time ---------------------------------------------------------------- */
int64_t sp_os_mono_ms(void);                 /* monotonic, for intervals */
int64_t sp_os_wall_ms(void);                 /* epoch milliseconds, UTC */
void sp_os_sleep_ms(int64_t ms);             /* at least ms (interrupted sleeps resume) */

/* ---- the process --------------------------------------------------------- */
int sp_os_random(void *buf, size_t n);       /* n bytes from the system's CSPRNG; 0 or -1 */
long long sp_os_pid(void);
const char *sp_os_host_name(char *buf, size_t n); /* "unknown" when there is none */
const char *sp_os_user_name(char *buf, size_t n); /* the OS user running spetl */
/* 1 when no process has this pid on this machine, or the one that has it
 * started after since_ms (epoch ms, 2 s slack: it reuses the pid); 0 when it
 * may be the same process (alive, or not knowable). */
int sp_os_pid_gone(long long pid, int64_t since_ms);
int sp_os_exe_dir(char *buf, size_t n);      /* the running program's folder; 0 or -1 */
int sp_os_is_terminal(FILE *f);              /* 1 when f is a console / tty */
int sp_os_cwd(char *buf, size_t n);          /* the current folder; 0 or -1 */

/* ---- paths --------------------------------------------------------------- */
int sp_path_is_sep(char c);                  /* '/' (and '\\' on Windows) */
int sp_path_is_absolute(const char *path);   /* "/x"; on Windows also "C:\x", "\\srv\share", "\x" */
char *sp_path_dir(const char *path);         /* the folder part: "." when none; heap text */
typedef enum { SP_PATH_NONE, SP_PATH_FILE, SP_PATH_DIR, SP_PATH_OTHER } sp_path_kind;
sp_path_kind sp_path_stat(const char *path); /* NONE sets errno */
int sp_path_readable(const char *path);      /* 1 or 0 (errno set) */
int sp_path_executable(const char *path);    /* a regular file this user may run */

/* ---- private files (token and password files) ---------------------------- */
typedef enum {
    SP_PRIV_OK,
    SP_PRIV_MISSING,  /* no such file */
    SP_PRIV_ERRNO,    /* cannot open or read it: detail is the system's message */
    SP_PRIV_NOT_FILE, /* a folder, FIFO, device */
    SP_PRIV_SHARED,   /* others may read or change it: detail says who and the fix */
    SP_PRIV_TOO_BIG   /* cap - 1 bytes or more */
} sp_priv_rc;
/* Opens path, checks what was opened (the file checked is the file read),
 * and reads it whole into buf (terminated; *len bytes). POSIX: mode & 077
 * must be 0. Windows: the file's ACL may grant read or write only to its
 * owner, Administrators and SYSTEM. */
sp_priv_rc sp_os_read_private(const char *path, char *buf, size_t cap, size_t *len, char *detail,
                              size_t dn);

/* ---- child processes (program hooks) -------------------------------------- */
/* A program started without a shell: argv[0] is its path, argv a NULL-ended
 * list given to it as is (Windows: quoted by the C runtime's rules). Its
 * stdin, stdout and stderr are pipes to spetl; no other descriptor or handle
 * of spetl is inherited. It is killed, with what it started, by sp_proc_kill
 * (POSIX: its own process group; Windows: a job object), and dies with spetl
 * (Linux: PR_SET_PDEATHSIG, tied to the thread that called sp_proc_spawn;
 * Windows: the job object's kill-on-close). Writing to a program that closed
 * its stdin fails with -1 and never raises SIGPIPE (it is ignored in spetl
 * from the first spawn on). One thread reads, one other may write. */
typedef struct sp_proc sp_proc;
enum { SP_PROC_OUT = 1, SP_PROC_ERR = 2 };
/* 0, or -1 with why ("cannot run X: No such file or directory"). cwd NULL:
 * spetl's current folder. */
int sp_proc_spawn(const char *const *argv, const char *cwd, sp_proc **out, char *why, size_t wn);
long long sp_proc_pid(const sp_proc *p);
/* All n bytes, blocking; -1 when the program no longer reads (closed its
 * stdin, exited) or stdin was closed. */
int sp_proc_write(sp_proc *p, const void *buf, size_t n);
void sp_proc_close_stdin(sp_proc *p);
/* Wait up to timeout_ms (-1: no limit) until stdout or stderr has bytes or
 * has ended: the mask of those (SP_PROC_OUT | SP_PROC_ERR); 0 on timeout;
 * -1 when both have ended (read them no more). */
int sp_proc_poll(sp_proc *p, int timeout_ms);
/* Bytes read from one that sp_proc_poll reported (does not block then); 0 at
 * its end (it is not reported again); -1 on an error. */
long sp_proc_read(sp_proc *p, int which, void *buf, size_t n);
void sp_proc_kill(sp_proc *p);                /* the program and the processes it started */
/* Wait up to timeout_ms (-1: no limit) for the program to end: 1 and how
 * ("exited with status 3", "was killed by signal 9 (Killed)"), 0 when it
 * still runs. Reaps it: the pid is not reused while p lives. */
int sp_proc_wait(sp_proc *p, int timeout_ms, char *how, size_t hn);
void sp_proc_free(sp_proc *p);                /* kills it if it runs, reaps it, closes; NULL fine */

/* ---- text at the system's edges (spetl's text is UTF-8; platform_text.c) --
 * Windows hands out the command line, file names and the environment in the
 * ANSI code page through its narrow API: these take and give UTF-8, and go
 * through the wide API (UTF-16) there. On POSIX they are the plain calls. */
/* The command line as UTF-8 (Windows: GetCommandLineW; it also sets the
 * console's output code page to UTF-8). The text lives as long as the process. */
char **sp_os_args(int *argc, char **argv);
FILE *sp_os_fopen(const char *path, const char *mode);  /* Windows: _wfopen */
/* NULL when unset. Windows: _wgetenv; the text lives as long as the process. */
const char *sp_os_getenv(const char *name);
#ifdef _WIN32
#include <wchar.h>
wchar_t *sp_os_wide(const char *s);          /* UTF-8 -> UTF-16, heap text */
char *sp_os_utf8(const wchar_t *w);          /* UTF-16 -> UTF-8, heap text */
#endif

#endif

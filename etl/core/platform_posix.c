/* platform_posix.c -- the platform seam on Linux and POSIX systems (see platform.h). */
#include "spetl/platform.h"

#ifndef _WIN32

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spetl/mem.h"

int64_t sp_os_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sp_os_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sp_os_sleep_ms(int64_t ms)
{
    struct timespec ts;
    if (ms <= 0)
        return;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int sp_os_random(void *buf, size_t n)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    ssize_t r;

    if (fd < 0)
        return -1;
    while (got < n && ((r = read(fd, (char *)buf + got, n - got)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0)
            got += (size_t)r;
    close(fd);
    return got == n ? 0 : -1;
}

long long sp_os_pid(void) { return (long long)getpid(); }

const char *sp_os_host_name(char *buf, size_t n)
{
    if (n == 0)
        return buf;
    if (gethostname(buf, n - 1) != 0 || buf[0] == '\0')
        snprintf(buf, n, "unknown");
    buf[n - 1] = '\0';
    return buf;
}

const char *sp_os_user_name(char *buf, size_t n)
{
    struct passwd pw, *res = NULL;
    char tmp[1024];
    const char *env = getenv("USER");

    if (getpwuid_r(geteuid(), &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
        snprintf(buf, n, "%s", res->pw_name);
    else if (env != NULL && env[0] != '\0')
        snprintf(buf, n, "%s", env);
    else
        snprintf(buf, n, "uid %lu", (unsigned long)geteuid());
    return buf;
}

/* When process pid started, in epoch ms (from /proc: its start in clock
 * ticks after boot, and the boot time); 0 when unknown. */
static int64_t process_started_ms(long long pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ticks = 0, btime = 0;
    long hz = sysconf(_SC_CLK_TCK);
    FILE *f;
    size_t n;
    int ok = 0;

    snprintf(path, sizeof(path), "/proc/%lld/stat", pid);
    if ((f = fopen(path, "r")) == NULL)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    /* after the ")" that ends the command name: field 3 on; starttime is field 22 */
    p = strrchr(buf, ')');
    if (p == NULL || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d"
                                   " %*d %*d %*d %*d %llu", &ticks) != 1)
        return 0;
    if ((f = fopen("/proc/stat", "r")) == NULL)
        return 0;
    while (fgets(buf, sizeof(buf), f) != NULL)
        if (sscanf(buf, "btime %llu", &btime) == 1) {
            ok = 1;
            break;
        }
    fclose(f);
    if (!ok || hz <= 0)
        return 0;
    return (int64_t)btime * 1000 + (int64_t)(ticks * 1000 / (unsigned long long)hz);
}

/* No such process (ESRCH; EPERM means it exists), or the process with that
 * pid started after since_ms, so it is another one that reuses the pid. */
int sp_os_pid_gone(long long pid, int64_t since_ms)
{
    int64_t started;

    if (pid <= 0 || pid > INT_MAX)
        return 0;
    if (kill((pid_t)pid, 0) != 0)
        return errno == ESRCH;
    started = process_started_ms(pid);
    /* boot time has a resolution of one second */
    return started != 0 && started > since_ms + 2000;
}

int sp_os_exe_dir(char *buf, size_t n)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    if (len <= 0)
        return -1;
    exe[len] = '\0';
    slash = strrchr(exe, '/');
    if (slash != NULL)
        *slash = '\0';
    snprintf(buf, n, "%s", exe);
    return 0;
}

int sp_os_is_terminal(FILE *f) { return isatty(fileno(f)); }

int sp_os_cwd(char *buf, size_t n) { return getcwd(buf, n) != NULL ? 0 : -1; }

int sp_path_is_sep(char c) { return c == '/'; }

int sp_path_is_absolute(const char *path) { return path[0] == '/'; }

char *sp_path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return sp_xstrdup(".");
    if (slash == path)
        return sp_xstrdup("/");
    return sp_xstrndup(path, (size_t)(slash - path));
}

sp_path_kind sp_path_stat(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return SP_PATH_NONE;
    return S_ISREG(st.st_mode) ? SP_PATH_FILE : S_ISDIR(st.st_mode) ? SP_PATH_DIR : SP_PATH_OTHER;
}

int sp_path_readable(const char *path) { return access(path, R_OK) == 0; }

int sp_path_executable(const char *path)
{
    return sp_path_stat(path) == SP_PATH_FILE && access(path, X_OK) == 0;
}

/* O_NONBLOCK: a FIFO at the path must not hang the load; it is refused as
 * not a regular file. */
sp_priv_rc sp_os_read_private(const char *path, char *buf, size_t cap, size_t *len, char *detail,
                              size_t dn)
{
    struct stat st;
    sp_priv_rc rc = SP_PRIV_ERRNO;
    ssize_t got = 0;
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

    *len = 0;
    buf[0] = '\0';
    detail[0] = '\0';
    if (fd < 0) {
        snprintf(detail, dn, "%s", strerror(errno));
        return errno == ENOENT ? SP_PRIV_MISSING : SP_PRIV_ERRNO;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(detail, dn, "%s", strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = SP_PRIV_NOT_FILE;
        goto done;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(detail, dn, "can be %s by group or others (mode %04o): run chmod 600 %s",
                 (st.st_mode & 044) ? "read" : "changed", (unsigned)(st.st_mode & 07777), path);
        rc = SP_PRIV_SHARED;
        goto done;
    }
    while (n < cap - 1 && (got = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)got;
    buf[n] = '\0';
    *len = n;
    if (got < 0)
        snprintf(detail, dn, "%s", strerror(errno));
    else
        rc = n == cap - 1 ? SP_PRIV_TOO_BIG : SP_PRIV_OK;
done:
    close(fd);
    return rc;
}
#endif

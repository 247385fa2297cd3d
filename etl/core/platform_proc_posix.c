/* platform_proc_posix.c -- child processes on POSIX systems (see platform.h).
 *
 * fork + execv, no shell. The child gets its own process group (so a kill
 * reaches what it started), PR_SET_PDEATHSIG on Linux (so it dies with
 * spetl), and no descriptor of spetl's but its three pipes. An exec failure
 * comes back to the parent through a close-on-exec pipe. Between fork and
 * exec the child calls only async-signal-safe functions: everything it needs
 * is prepared before the fork. */
#include "spetl/platform.h"

#ifndef _WIN32

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "spetl/mem.h"

struct sp_proc {
    pid_t pid;
    int in, out, err;       /* spetl's ends; -1 once closed */
    int out_end, err_end;   /* read returned 0 */
    int reaped;
    int status;             /* waitpid's, once reaped */
};

/* The highest descriptor the child may have inherited, read before the fork. */
static int max_fd(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536)
        return 65536;
    return (int)rl.rlim_cur;
}

/* In the child, after the fork: only async-signal-safe calls. Reports errno
 * on report (close-on-exec) when it cannot run the program. */
static void child(const char *const *argv, const char *cwd, int pin[2], int pout[2], int perr[2],
                  int report, pid_t parent, int fdmax)
{
    sigset_t none;
    int err, fd;

#ifdef __linux__
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127); /* spetl died before the child was tied to it */
#else
    (void)parent;
#endif
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (dup2(pin[0], 0) < 0 || dup2(pout[1], 1) < 0 || dup2(perr[1], 2) < 0)
        goto fail;
#ifdef CLOSE_RANGE_CLOEXEC
    /* every descriptor from 3 up closes at exec (report already does) */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
#endif
        for (fd = 3; fd < fdmax; fd++)
            if (fd != report)
                close(fd);
    if (cwd != NULL && chdir(cwd) != 0)
        goto fail;
    execv(argv[0], (char *const *)argv);
fail:
    err = errno;
    if (write(report, &err, sizeof(err)) < 0)
        _exit(127);
    _exit(127);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Waits for the child's report: 0 when exec succeeded (the pipe closed
 * empty), else its errno. */
static int exec_result(int report)
{
    int err = 0;
    ssize_t r;

    while ((r = read(report, &err, sizeof(err))) < 0 && errno == EINTR)
        ;
    return r == (ssize_t)sizeof(err) ? err : 0;
}

int sp_proc_spawn(const char *const *argv, const char *cwd, sp_proc **out, char *why, size_t wn)
{
    int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1}, rep[2] = {-1, -1};
    int fdmax = max_fd(), err, rc = -1;
    pid_t parent = getpid(), pid;
    sp_proc *p = NULL;

    *out = NULL;
    signal(SIGPIPE, SIG_IGN);
    if (pipe2(pin, O_CLOEXEC) != 0 || pipe2(pout, O_CLOEXEC) != 0 || pipe2(perr, O_CLOEXEC) != 0
        || pipe2(rep, O_CLOEXEC) != 0) {
        snprintf(why, wn, "cannot make pipes for %s: %s", argv[0], strerror(errno));
        goto done;
    }
    if ((pid = fork()) < 0) {
        snprintf(why, wn, "cannot start %s: fork: %s", argv[0], strerror(errno));
        goto done;
    }
    if (pid == 0)
        child(argv, cwd, pin, pout, perr, rep[1], parent, fdmax);
    setpgid(pid, pid); /* also here: no kill before the child ran setpgid misses it */
    close_fd(&rep[1]);
    if ((err = exec_result(rep[0])) != 0) {
        waitpid(pid, NULL, 0);
        if (cwd != NULL && err == ENOENT && sp_path_stat(cwd) != SP_PATH_DIR)
            snprintf(why, wn, "cannot run %s in %s: %s", argv[0], cwd, strerror(err));
        else
            snprintf(why, wn, "cannot run %s: %s", argv[0], strerror(err));
        goto done;
    }
    p = sp_xcalloc(1, sizeof(*p));
    p->pid = pid;
    p->in = pin[1];
    p->out = pout[0];
    p->err = perr[0];
    pin[1] = pout[0] = perr[0] = -1;
    *out = p;
    rc = 0;
done:
    close_fd(&pin[0]), close_fd(&pin[1]), close_fd(&pout[0]), close_fd(&pout[1]);
    close_fd(&perr[0]), close_fd(&perr[1]), close_fd(&rep[0]), close_fd(&rep[1]);
    return rc;
}

long long sp_proc_pid(const sp_proc *p) { return p != NULL ? (long long)p->pid : -1; }

int sp_proc_write(sp_proc *p, const void *buf, size_t n)
{
    const char *b = buf;
    ssize_t w;

    while (n > 0) {
        if (p->in < 0)
            return -1;
        w = write(p->in, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

void sp_proc_close_stdin(sp_proc *p) { close_fd(&p->in); }

int sp_proc_poll(sp_proc *p, int timeout_ms)
{
    struct pollfd fds[2];
    int nfds = 0, r, mask = 0, i;

    if (!p->out_end)
        fds[nfds++] = (struct pollfd){.fd = p->out, .events = POLLIN};
    if (!p->err_end)
        fds[nfds++] = (struct pollfd){.fd = p->err, .events = POLLIN};
    if (nfds == 0)
        return -1;
    while ((r = poll(fds, (nfds_t)nfds, timeout_ms)) < 0 && errno == EINTR)
        ;
    if (r <= 0)
        return 0;
    for (i = 0; i < nfds; i++)
        if (fds[i].revents != 0)
            mask |= fds[i].fd == p->out ? SP_PROC_OUT : SP_PROC_ERR;
    return mask;
}

long sp_proc_read(sp_proc *p, int which, void *buf, size_t n)
{
    int fd = which == SP_PROC_OUT ? p->out : p->err;
    int *end = which == SP_PROC_OUT ? &p->out_end : &p->err_end;
    ssize_t r;

    if (*end)
        return 0;
    while ((r = read(fd, buf, n)) < 0 && errno == EINTR)
        ;
    if (r == 0)
        *end = 1;
    return (long)r;
}

void sp_proc_kill(sp_proc *p)
{
    if (p == NULL || p->reaped)
        return;
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
}

static void describe(int status, char *how, size_t hn)
{
    if (WIFEXITED(status))
        snprintf(how, hn, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(how, hn, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(how, hn, "ended (wait status %d)", status);
}

/* The leader ended (seen without reaping it, so its pid, the group's id,
 * cannot be reused meanwhile): what it started goes too, then it is reaped. */
int sp_proc_wait(sp_proc *p, int timeout_ms, char *how, size_t hn)
{
    int64_t until = timeout_ms < 0 ? INT64_MAX : sp_os_mono_ms() + timeout_ms;
    int64_t step = 1;
    siginfo_t si;

    while (!p->reaped) {
        memset(&si, 0, sizeof(si));
        if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 && errno != EINTR)
            break;
        if (si.si_pid == p->pid) {
            kill(-p->pid, SIGKILL);
            if (waitpid(p->pid, &p->status, 0) == p->pid)
                p->reaped = 1;
            continue;
        }
        if (sp_os_mono_ms() >= until)
            return 0;
        sp_os_sleep_ms(step);
        step = step < 16 ? step * 2 : 16;
    }
    describe(p->status, how, hn);
    return 1;
}

void sp_proc_free(sp_proc *p)
{
    char how[96];

    if (p == NULL)
        return;
    close_fd(&p->in);
    if (!p->reaped) {
        sp_proc_kill(p);
        sp_proc_wait(p, -1, how, sizeof(how));
    }
    close_fd(&p->out);
    close_fd(&p->err);
    free(p);
}
#endif

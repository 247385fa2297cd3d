/* smtp.c -- run tests/support/smtp-server.py (see smtp.h). */
#include "smtp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"
#include "spetl/mem.h"

#define START_TIMEOUT_MS 30000

struct sp_smtp {
    pid_t pid;
    int port;
    char dir[512];
    char cert[600];
};

static int read_port(int fd, int *port)
{
    char line[128];
    size_t len = 0;
    unsigned p = 0;

    while (len + 1 < sizeof(line)) {
        struct pollfd pf = {fd, POLLIN, 0};
        char ch;
        if (poll(&pf, 1, START_TIMEOUT_MS) <= 0 || read(fd, &ch, 1) != 1)
            return -1;
        if (ch == '\n')
            break;
        line[len++] = ch;
    }
    line[len] = '\0';
    if (sscanf(line, "listening on 127.0.0.1:%u", &p) != 1 || p == 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static int make_cert(const char *dir, sp_err *e)
{
    char cmd[2048];

    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout '%s/key.pem' -out '%s/cert.pem' -days 2 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1,DNS:localhost >'%s/openssl.log' 2>&1",
             dir, dir, dir);
    if (system(cmd) != 0)
        return SP_ERR(e, SP_EIO, "openssl could not make a test certificate (see %s/openssl.log)", dir);
    return 0;
}

static void run_server(const char *dir, const char *user, const char *password, int implicit_tls, int out_fd)
{
    char script[600], cert[600], key[600], mail[600];
    const char *top = getenv("SPETL_TOP");
    pid_t parent = getppid();

    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(127);
    snprintf(script, sizeof(script), "%s/tests/support/smtp-server.py", top ? top : ".");
    snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    snprintf(mail, sizeof(mail), "%s/mail", dir);
    dup2(out_fd, STDOUT_FILENO);
    {
        const char *argv[] = {"python3", script, "--cert", cert, "--key", key, "--user", user, "--password",
                              password, "--maildir", mail, implicit_tls ? "--implicit-tls" : NULL, NULL};
        execv("/usr/bin/python3", (char *const *)argv);   /* Debian's python3 has aiosmtpd */
    }
    fprintf(stderr, "sp_smtp_start: cannot run %s: %s\n", script, strerror(errno));
    _exit(127);
}

int sp_smtp_start(const char *dir, const char *user, const char *password, int implicit_tls,
                  sp_smtp **out, sp_err *e)
{
    int fds[2] = {-1, -1}, port = 0, rc = -1;
    char mail[600];
    pid_t pid;

    *out = NULL;
    mkdir(dir, 0755);
    snprintf(mail, sizeof(mail), "%s/mail", dir);
    mkdir(mail, 0755);
    if (make_cert(dir, e) != 0)
        return -1;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return SP_ERR(e, SP_EIO, "pipe for the SMTP server: %s", strerror(errno));
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        SP_ERR(e, SP_EIO, "fork for the SMTP server: %s", strerror(errno));
        goto done;
    }
    if (pid == 0)
        run_server(dir, user, password, implicit_tls, fds[1]);
    close(fds[1]);
    fds[1] = -1;
    if (read_port(fds[0], &port) != 0) {
        SP_ERR(e, SP_EIO, "the SMTP server (tests/support/smtp-server.py, python3-aiosmtpd) did not print "
                          "its port within %d s",
               START_TIMEOUT_MS / 1000);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        goto done;
    }
    *out = sp_xcalloc(1, sizeof(**out));
    (*out)->pid = pid;
    (*out)->port = port;
    snprintf((*out)->dir, sizeof((*out)->dir), "%s", dir);
    snprintf((*out)->cert, sizeof((*out)->cert), "%s/cert.pem", dir);
    rc = 0;
done:
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return rc;
}

int sp_smtp_port(const sp_smtp *s) { return s->port; }
const char *sp_smtp_ca_file(const sp_smtp *s) { return s->cert; }

int sp_smtp_count(const sp_smtp *s)
{
    char path[700];
    int n = 0;

    for (;;) {
        snprintf(path, sizeof(path), "%s/mail/%d.json", s->dir, n + 1);
        if (access(path, F_OK) != 0)
            return n;
        n++;
    }
}

void sp_smtp_message(const sp_smtp *s, int i, char *buf, size_t n, char *meta, size_t nmeta)
{
    char path[700];

    if (buf != NULL) {
        snprintf(path, sizeof(path), "%s/mail/%d.eml", s->dir, i);
        sp_test_slurp(path, buf, n);
    }
    if (meta != NULL) {
        snprintf(path, sizeof(path), "%s/mail/%d.json", s->dir, i);
        sp_test_slurp(path, meta, nmeta);
    }
}

void sp_smtp_auth_log(const sp_smtp *s, char *buf, size_t n)
{
    char path[700];

    snprintf(path, sizeof(path), "%s/mail/auth.log", s->dir);
    sp_test_slurp(path, buf, n);
}

void sp_smtp_stop(sp_smtp *s)
{
    if (s == NULL)
        return;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    free(s);
}

int sp_test_dead_port(int *fd, sp_err *e)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*fd < 0 || bind(*fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(*fd, (struct sockaddr *)&a, &len) != 0) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        return SP_ERR(e, SP_EIO, "a loopback port for the dead server: %s", strerror(errno));
    }
    return ntohs(a.sin_port);
}

/* sim.c -- run the HubSpot simulator and talk HTTP/1.1 to it over a socket (see sim.h). */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spetl/buf.h"
#include "spetl/mem.h"

#define START_TIMEOUT_MS 30000
#define IO_TIMEOUT_S 300
#define RESPONSE_MAX (512u * 1024u * 1024u)

struct sp_sim {
    pid_t pid;
    int port;
    char base[64];
    char *token;
};

const char *sp_sim_binary(void)
{
    const char *env = getenv("SPETL_SIM");
    const char *path = env != NULL && env[0] != '\0' ? env : "bin/hubspot-sim";
    return access(path, X_OK) == 0 ? path : NULL;
}

static int read_line(int fd, char *line, size_t n, int timeout_ms)
{
    size_t len = 0;
    while (len + 1 < n) {
        struct pollfd p = {fd, POLLIN, 0};
        char ch;
        ssize_t got;
        int rc = poll(&p, 1, timeout_ms);
        if (rc <= 0)
            return -1;
        got = read(fd, &ch, 1);
        if (got <= 0)
            return -1;
        if (ch == '\n')
            break;
        line[len++] = ch;
    }
    line[len] = '\0';
    return 0;
}

int sp_sim_start(const char *const *extra_args, sp_sim **out, sp_err *e)
{
    const char *bin = sp_sim_binary();
    const char **argv = NULL;
    size_t nextra = 0, i;
    int fds[2] = {-1, -1};
    pid_t pid = -1;
    char line[256];
    unsigned port = 0;
    sp_sim *s = NULL;
    int rc = -1;

    *out = NULL;
    if (bin == NULL) {
        SP_ERR(e, SP_EIO, "HubSpot simulator not found (SPETL_SIM=%s): build it with make",
               getenv("SPETL_SIM") != NULL ? getenv("SPETL_SIM") : "(unset, tried bin/hubspot-sim)");
        goto done;
    }
    while (extra_args != NULL && extra_args[nextra] != NULL)
        nextra++;
    argv = sp_xcalloc(nextra + 4, sizeof(*argv));
    argv[0] = bin;
    argv[1] = "--port";
    argv[2] = "0";
    for (i = 0; i < nextra; i++)
        argv[3 + i] = extra_args[i];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        SP_ERR(e, SP_EIO, "pipe for the simulator: %s", strerror(errno));
        goto done;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        SP_ERR(e, SP_EIO, "fork for the simulator: %s", strerror(errno));
        goto done;
    }
    if (pid == 0) {
        pid_t parent = getppid();
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        dup2(fds[1], STDOUT_FILENO);
        execv(bin, (char *const *)argv);
        fprintf(stderr, "sp_sim_start: cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    fds[1] = -1;
    if (read_line(fds[0], line, sizeof(line), START_TIMEOUT_MS) != 0 ||
        sscanf(line, "listening on 127.0.0.1:%u", &port) != 1 || port == 0 || port > 65535) {
        SP_ERR(e, SP_EIO, "the simulator %s did not print \"listening on 127.0.0.1:PORT\" within %d s",
               bin, START_TIMEOUT_MS / 1000);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        goto done;
    }
    s = sp_xcalloc(1, sizeof(*s));
    s->pid = pid;
    s->port = (int)port;
    snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%u", port);
    s->token = sp_xstrdup("sp-sim-test-token");
    for (i = 0; i + 1 < nextra; i++) {
        if (strcmp(extra_args[i], "--token") == 0) {
            free(s->token);
            s->token = sp_xstrdup(extra_args[i + 1]);
        }
    }
    *out = s;
    rc = 0;
done:
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    free(argv);
    return rc;
}

const char *sp_sim_base_url(const sp_sim *s) { return s->base; }
int sp_sim_port(const sp_sim *s) { return s->port; }

void sp_sim_set_token(sp_sim *s, const char *token)
{
    free(s->token);
    s->token = token != NULL ? sp_xstrdup(token) : NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

void sp_sim_response_free(sp_sim_response *r)
{
    if (r == NULL)
        return;
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int sp_sim_request(sp_sim *s, const char *method, const char *path, const char *json_body,
                   sp_sim_response *out, sp_err *e)
{
    int fd = -1, rc = -1;
    struct sockaddr_in addr;
    struct timeval tv = {IO_TIMEOUT_S, 0};
    sp_buf req, resp;
    size_t blen = json_body != NULL ? strlen(json_body) : 0;
    char chunk[65536];
    const char *hend, *p;
    char buf[32];

    memset(out, 0, sizeof(*out));
    sp_buf_init(&req, RESPONSE_MAX);
    sp_buf_init(&resp, RESPONSE_MAX);
    if (sp_buf_printf(&req, e, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                               "Accept: application/json\r\n",
                      method, path, s->port) != 0)
        goto done;
    if (s->token != NULL && sp_buf_printf(&req, e, "Authorization: Bearer %s\r\n", s->token) != 0)
        goto done;
    if ((json_body != NULL || strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 ||
         strcmp(method, "PUT") == 0) &&
        sp_buf_printf(&req, e, "Content-Type: application/json\r\nContent-Length: %zu\r\n", blen) != 0)
        goto done;
    if (sp_buf_puts(&req, "\r\n", e) != 0 || (blen > 0 && sp_buf_append(&req, json_body, blen, e) != 0))
        goto done;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        SP_ERR(e, SP_EIO, "socket: %s", strerror(errno));
        goto done;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)s->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        SP_ERR(e, SP_EIO, "connecting to the simulator at %s: %s", s->base, strerror(errno));
        goto done;
    }
    if (write_all(fd, req.data, req.len) != 0) {
        SP_ERR(e, SP_EIO, "sending %s %s to the simulator: %s", method, path, strerror(errno));
        goto done;
    }
    for (;;) {
        ssize_t got = recv(fd, chunk, sizeof(chunk), 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            SP_ERR(e, SP_EIO, "reading the reply to %s %s: %s", method, path, strerror(errno));
            goto done;
        }
        if (got == 0)
            break;
        if (sp_buf_append(&resp, chunk, (size_t)got, e) != 0)
            goto done;
    }
    if (resp.len == 0) {
        SP_ERR(e, SP_EIO, "the simulator closed the connection without a response to %s %s", method, path);
        goto done;
    }
    hend = strstr(resp.data, "\r\n\r\n");
    if (hend == NULL || sscanf(resp.data, "HTTP/1.%*d %d", &out->status) != 1) {
        SP_ERR(e, SP_EIO, "malformed HTTP response to %s %s", method, path);
        goto done;
    }
    p = strstr(resp.data, "\r\n");
    out->headers = sp_xstrndup(p + 2, (size_t)(hend + 2 - (p + 2)));
    out->body_len = resp.len - (size_t)(hend + 4 - resp.data);
    if (sp_sim_header(out, "Content-Length", buf, sizeof(buf)) != NULL) {
        char *end;
        unsigned long long cl = strtoull(buf, &end, 10);
        if (*end == '\0' && cl < out->body_len)
            out->body_len = (size_t)cl;
    }
    out->body = sp_xstrndup(hend + 4, out->body_len);
    rc = 0;
done:
    if (rc != 0)
        sp_sim_response_free(out);
    if (fd >= 0)
        close(fd);
    sp_buf_free(&req);
    sp_buf_free(&resp);
    return rc;
}

const char *sp_sim_header(const sp_sim_response *r, const char *name, char *buf, size_t n)
{
    const char *p = r->headers;
    size_t nl = strlen(name);
    while (p != NULL && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);
        if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            size_t vl;
            while (*v == ' ')
                v++;
            vl = len - (size_t)(v - p);
            if (vl >= n)
                vl = n - 1;
            memcpy(buf, v, vl);
            buf[vl] = '\0';
            return buf;
        }
        p = eol != NULL ? eol + 2 : NULL;
    }
    return NULL;
}

int sp_sim_control(sp_sim *s, const char *method, const char *path, const char *json_body,
                   char **out_body, int *out_status, sp_err *e)
{
    sp_sim_response r;
    if (out_body != NULL)
        *out_body = NULL;
    if (sp_sim_request(s, method, path, json_body, &r, e) != 0)
        return -1;
    if (out_status != NULL)
        *out_status = r.status;
    if (out_body != NULL) {
        *out_body = r.body;
        r.body = NULL;
    }
    sp_sim_response_free(&r);
    return 0;
}

int sp_sim_set_lenient(sp_sim *s, int lenient, sp_err *e)
{
    int status = 0;
    if (sp_sim_control(s, "POST", "/_sim/config", lenient ? "{\"lenient\":true}" : "{\"lenient\":false}", NULL,
                       &status, e) != 0)
        return -1;
    if (status != 200)
        return SP_ERR(e, SP_EIO, "the simulator refused the lenient setting (status %d)", status);
    return 0;
}

int sp_sim_stop_status(sp_sim *s)
{
    int status = 0, rc = -1;
    struct timespec ts = {0, 10 * 1000 * 1000};
    if (s == NULL)
        return -1;
    if (kill(s->pid, SIGTERM) == 0) {
        /* wait up to 30 s for a clean exit, then kill */
        for (int i = 0; i < 3000; i++) {
            pid_t w = waitpid(s->pid, &status, WNOHANG);
            if (w == s->pid) {
                rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                break;
            }
            if (w < 0)
                break;
            nanosleep(&ts, NULL);
        }
        if (rc < 0) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
        }
    }
    free(s->token);
    free(s);
    return rc;
}

void sp_sim_stop(sp_sim *s)
{
    int rc;
    if (s == NULL)
        return;
    rc = sp_sim_stop_status(s);
    if (rc != 0)
        fprintf(stderr, "sp_sim_stop: the simulator exited with status %d\n", rc);
}

/* port.c -- see port.h. */
#include "port.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#ifdef _WIN32
#include <winsock2.h>
typedef int socklen_t;
#define SOCK_CLOEXEC 0
#define close closesocket
#else
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

int sp_test_closed_port(sp_test_port *p)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    memset(p, 0, sizeof(*p));
#ifdef _WIN32
    {
        WSADATA wsa;
        ck_assert_msg(WSAStartup(MAKEWORD(2, 2), &wsa) == 0, "WSAStartup failed");
    }
#endif
    p->fd = (int)socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_msg(p->fd >= 0, "socket: %s", strerror(errno));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_msg(bind(p->fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind 127.0.0.1:0: %s", strerror(errno));
    ck_assert_msg(getsockname(p->fd, (struct sockaddr *)&a, &len) == 0, "getsockname: %s", strerror(errno));
    p->port = ntohs(a.sin_port);
    snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%d", p->port);
    return p->port;
}

void sp_test_port_release(sp_test_port *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

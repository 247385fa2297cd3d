/*
 * port.h -- a loopback port where nothing listens, held for the test.
 *
 * A socket bound to 127.0.0.1:0 (the kernel picks a free port) and never
 * put to listen: a connection to it is refused at once, and while the test
 * holds it no other process can bind that port (the socket has no
 * SO_REUSEADDR, and the kernel does not hand a bound port out as an
 * outgoing one). A port found by bind-then-close could be taken by a
 * server meanwhile; a fixed one (127.0.0.1:1, :9) might be served on a
 * busy machine. The socket is close-on-exec: programs the test runs do
 * not hold it.
 */
#ifndef SPETL_TEST_PORT_H
#define SPETL_TEST_PORT_H

typedef struct sp_test_port {
    int fd;
    int port;
    char url[64];   /* "http://127.0.0.1:PORT" */
} sp_test_port;

/* Bind one (a Check assertion when it cannot); returns p->port. */
int sp_test_closed_port(sp_test_port *p);
/* Close it; the port may then be anyone's. */
void sp_test_port_release(sp_test_port *p);

#endif

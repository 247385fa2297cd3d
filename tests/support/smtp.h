/*
 * smtp.h -- a real SMTP server on 127.0.0.1 for the e-mail tests
 * (tests/support/smtp-server.py, Debian's python3-aiosmtpd).
 *
 * sp_smtp_start() makes a throwaway self-signed certificate for 127.0.0.1
 * with the openssl CLI in dir, starts the server on a free port with that
 * certificate and a user and password, and returns a handle once it prints
 * its port. Plain mode offers STARTTLS and requires it before AUTH and MAIL;
 * implicit_tls speaks TLS from the first byte (smtps://). AUTH is required.
 * Each message received is kept as dir/mail/N.eml with N.json (envelope,
 * tls, login) beside it, written before the server answers 250, so a client
 * that got its 250 finds them. The server dies with the test process
 * (PR_SET_PDEATHSIG). Errors: SP_EIO with what failed.
 */
#ifndef SPETL_TEST_SMTP_H
#define SPETL_TEST_SMTP_H

#include <stddef.h>

#include "spetl/err.h"

typedef struct sp_smtp sp_smtp;

int sp_smtp_start(const char *dir, const char *user, const char *password, int implicit_tls,
                  sp_smtp **out, sp_err *e);
int sp_smtp_port(const sp_smtp *s);
const char *sp_smtp_ca_file(const sp_smtp *s);        /* the certificate, to trust */
int sp_smtp_count(const sp_smtp *s);                  /* messages received */
/* Message i (1-based): the data into buf, its N.json into meta (either may be NULL). */
void sp_smtp_message(const sp_smtp *s, int i, char *buf, size_t n, char *meta, size_t nmeta);
void sp_smtp_auth_log(const sp_smtp *s, char *buf, size_t n);   /* "ok PLAIN user" lines */
void sp_smtp_stop(sp_smtp *s);                        /* SIGTERM + waitpid, frees; NULL is fine */

/* A loopback TCP port that is bound but not listening (a dead server):
 * connections to it are refused. Returns the port (-1 with e); *fd holds it
 * until the caller closes it. */
int sp_test_dead_port(int *fd, sp_err *e);

#endif

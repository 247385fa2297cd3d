/*
 * sim.h -- start, drive and stop the HubSpot simulator (bin/hubspot-sim) from a test.
 *
 * sp_sim_start() runs $SPETL_SIM (or bin/hubspot-sim) with "--port 0" and the
 * extra arguments, reads its "listening on 127.0.0.1:PORT" line and returns a
 * handle; sp_sim_stop() sends SIGTERM, waits and frees it. The simulator dies
 * with the test process (PR_SET_PDEATHSIG), so a crashed test leaves none behind.
 *
 * sp_sim_control() and sp_sim_request() are a tiny blocking HTTP/1.1 client
 * over a plain socket (one connection per call, "Connection: close") -- not
 * libcurl, so tests of the HubSpot client do not depend on the code they test.
 * They send "Authorization: Bearer TOKEN" (the --token given to sp_sim_start,
 * else "sp-sim-test-token"; change it with sp_sim_set_token, NULL = none), so
 * they reach HubSpot endpoints as well as the /_sim/ control endpoints.
 *
 * Errors: functions return 0 / -1 and fill the caller's sp_err (SP_EIO when
 * the simulator cannot be started or reached, or closes the connection
 * without a response). Returned strings are malloc'd; the caller frees them.
 */
#ifndef SPETL_TEST_SIM_H
#define SPETL_TEST_SIM_H

#include <stddef.h>

#include "spetl/err.h"

typedef struct sp_sim sp_sim;

/* extra_args: NULL-terminated, may be NULL. */
int sp_sim_start(const char *const *extra_args, sp_sim **out, sp_err *e);
const char *sp_sim_base_url(const sp_sim *s);   /* "http://127.0.0.1:PORT" */
/* One request; *out_body (malloc'd, may be NULL when not wanted) and *out_status. */
int sp_sim_control(sp_sim *s, const char *method, const char *path, const char *json_body,
                   char **out_body, int *out_status, sp_err *e);
void sp_sim_stop(sp_sim *s);                     /* SIGTERM + waitpid, frees; NULL is fine */

/* ---- additions beyond the contract ---------------------------------------- */

/* Path of the simulator binary a start would run, or NULL when there is none. */
const char *sp_sim_binary(void);
int sp_sim_port(const sp_sim *s);
/* The bearer token sent with each request (copied); NULL sends no Authorization header. */
void sp_sim_set_token(sp_sim *s, const char *token);

typedef struct sp_sim_response {
    int status;
    char *headers;   /* raw header block, "Name: value\r\n" lines */
    char *body;      /* NUL-terminated */
    size_t body_len;
} sp_sim_response;

int sp_sim_request(sp_sim *s, const char *method, const char *path, const char *json_body,
                   sp_sim_response *out, sp_err *e);
/* A response header's value (case-insensitive name) copied into buf, or NULL. */
const char *sp_sim_header(const sp_sim_response *r, const char *name, char *buf, size_t n);
void sp_sim_response_free(sp_sim_response *r);

/* Turn the simulator's lenient mode on or off (POST /_sim/config {"lenient":...}): lenient
 * accepts request bodies that lack attributes HubSpot's published schema requires (strict,
 * the default, refuses them 400 as HubSpot does). */
int sp_sim_set_lenient(sp_sim *s, int lenient, sp_err *e);

/* Stop like sp_sim_stop and return the simulator's exit status (0 = clean;
 * 128+N = killed by signal N), or -1 when it could not be collected. */
int sp_sim_stop_status(sp_sim *s);

#endif

/* fake_client.h -- the request queue answered from a script (fake_client.c). */
#ifndef SPETL_FUZZ_FAKE_CLIENT_H
#define SPETL_FUZZ_FAKE_CLIENT_H

#include <stddef.h>

#include "../../etl/hubspot/hs_internal.h"

/* A client with the version's paths and batches of max_batch inputs. */
void fake_client_init(sp_hs_client *c, int v3, int max_batch);
/* The replies the next requests get, one "STATUS BODY" line each (not
 * copied: keep it alive while the client runs). */
void fake_client_script(const char *replies, size_t len);
/* Answer what is still queued with "no reply". */
void fake_client_drain(sp_hs_client *c);

#endif

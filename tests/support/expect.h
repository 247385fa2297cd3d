/*
 * expect.h -- what customer-export must make of a sample company, computed
 * from the data (bin/spetl-sample's tables), never from spetl's own output.
 *
 * Every customer becomes a company. Every address (address-types="*")
 * becomes a contact unless its e-mail is invalid by HubSpot's rule, or valid
 * and already held by another address (HubSpot's e-mails are unique,
 * case-insensitively: one address of each such group gets the contact, the
 * others fail). Check assertions on database errors.
 */
#ifndef SPETL_TEST_EXPECT_H
#define SPETL_TEST_EXPECT_H

#include <stdint.h>

#include "spetl/db.h"

typedef struct sp_test_expect {
    int64_t customers, addresses;
    int64_t invalid;    /* addresses whose e-mail HubSpot refuses as invalid */
    int64_t shared;     /* addresses whose valid e-mail an earlier address already has */
    int64_t failed;     /* invalid + shared */
} sp_test_expect;

/* HubSpot's rule for a contact's e-mail, as the simulator applies it: one @
 * with something before it, a dot inside the domain part (not right after
 * the @, not last), no whitespace, comma or semicolon. */
int sp_test_email_valid(const char *s);

sp_test_expect sp_test_expected(sp_db *db);

#endif

/* check_state.c -- links, component state, history, Action Center, run lock,
 * against both real drivers (SQLite file and the test PostgreSQL server). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/skip.h"
#include "spetl/clock.h"
#include "spetl/db.h"
#include "spetl/log.h"
#include "spetl/schema.h"
#include "spetl/state.h"

static char conn[2][1024];
static int have[2];
static const char *why[2] = {"no SQLite", "no PostgreSQL"};
static char hub[32];

static sp_db *open_db(int which)
{
    sp_db *db = NULL;
    sp_err e;
    char line[1024];

    sp_err_clear(&e);
    if (sp_db_open(&db, conn[which], NULL, &e) != 0 || sp_schema_init(db, &e) != 0)
        ck_abort_msg("%s", sp_err_format(&e, line, sizeof(line)));
    return db;
}

#define OK(call)                                                            \
    do {                                                                    \
        char msg_[1024];                                                    \
        sp_err_clear(&e);                                                   \
        if ((call) != 0)                                                    \
            ck_abort_msg("%s: %s", #call, sp_err_format(&e, msg_, sizeof(msg_))); \
    } while (0)

START_TEST(links_round_trip_and_stay_unique_on_both_sides)
{
    sp_db *db;
    sp_err e;
    sp_link l, got;
    int found;
    int64_t n;

    SP_SKIP_IF(!have[_i], "%s", why[_i]);
    db = open_db(_i);
    memset(&l, 0, sizeof(l));
    snprintf(l.entity_type, sizeof(l.entity_type), "%s", SP_LINK_CUSTOMER);
    snprintf(l.entity_key, sizeof(l.entity_key), "%s", "O'BRIENS0001");
    snprintf(l.hs_object, sizeof(l.hs_object), "%s", "companies");
    snprintf(l.hs_id, sizeof(l.hs_id), "%s", "10000000042");
    snprintf(l.payload_hash, sizeof(l.payload_hash), "%s", "abc123");
    OK(sp_link_put(db, hub, &l, &e));
    OK(sp_link_get(db, hub, SP_LINK_CUSTOMER, "O'BRIENS0001", &got, &found, &e));
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(got.hs_id, "10000000042");
    ck_assert_str_eq(got.payload_hash, "abc123");
    ck_assert_int_gt(got.last_exported_on, 0);
    OK(sp_link_get_by_hs(db, hub, "companies", "10000000042", &got, &found, &e));
    ck_assert_int_eq(found, 1);
    ck_assert_str_eq(got.entity_key, "O'BRIENS0001");

    /* Re-put with a new hash updates in place. */
    snprintf(l.payload_hash, sizeof(l.payload_hash), "%s", "def456");
    OK(sp_link_put(db, hub, &l, &e));
    OK(sp_link_get(db, hub, SP_LINK_CUSTOMER, "O'BRIENS0001", &got, &found, &e));
    ck_assert_str_eq(got.payload_hash, "def456");
    OK(sp_link_count(db, hub, SP_LINK_CUSTOMER, &n, &e));
    ck_assert_int_eq(n, 1);

    /* The same HubSpot company cannot be linked to a second customer. */
    snprintf(l.entity_key, sizeof(l.entity_key), "%s", "OTHER0001");
    sp_err_clear(&e);
    ck_assert_int_eq(sp_link_put(db, hub, &l, &e), -1);
    ck_assert_int_eq(e.code, SP_EDB);
    ck_assert_ptr_nonnull(strstr(e.msg, "writing the link CUSTOMER OTHER0001 -> companies 10000000042"));

    OK(sp_link_get(db, hub, SP_LINK_CUSTOMER, "NOPE", &got, &found, &e));
    ck_assert_int_eq(found, 0);
    OK(sp_link_delete(db, hub, SP_LINK_CUSTOMER, "O'BRIENS0001", &n, &e));
    ck_assert_int_eq(n, 1);
    OK(sp_link_count(db, hub, NULL, &n, &e));
    ck_assert_int_eq(n, 0);
    sp_db_close(db);
}
END_TEST

START_TEST(component_state_keeps_milliseconds)
{
    sp_db *db;
    sp_err e;
    int64_t c, m;

    SP_SKIP_IF(!have[_i], "%s", why[_i]);
    db = open_db(_i);
    OK(sp_state_get(db, hub, "company-customer-import", &c, &m, &e));
    ck_assert_int_eq(c, 0);
    ck_assert_int_eq(m, 0);
    OK(sp_state_put(db, hub, "company-customer-import", 1764221400123LL, 0, &e));
    OK(sp_state_get(db, hub, "company-customer-import", &c, &m, &e));
    ck_assert_int_eq(c, 1764221400123LL);
    ck_assert_int_eq(m, 0);
    OK(sp_state_put(db, hub, "company-customer-import", 1764221400999LL, 1764221400500LL, &e));
    OK(sp_state_get(db, hub, "company-customer-import", &c, &m, &e));
    ck_assert_int_eq(c, 1764221400999LL);
    ck_assert_int_eq(m, 1764221400500LL);
    sp_db_close(db);
}
END_TEST

typedef struct seen {
    int n;
    sp_history_row first;
    sp_action action;
} seen;

static int on_history(const sp_history_row *r, void *ctx)
{
    seen *s = ctx;
    if (s->n++ == 0)
        s->first = *r;
    return 0;
}

static int on_action(const sp_action *a, void *ctx)
{
    seen *s = ctx;
    if (s->n++ == 0)
        s->action = *a;
    return 0;
}

START_TEST(history_and_action_center_record_and_prune)
{
    sp_db *db;
    sp_err e;
    sp_counts c = {10, 4, 3, 1, 1, 0, 1};
    sp_action a;
    seen s;
    int64_t deleted;
    int64_t now = sp_clock_wall_ms();

    SP_SKIP_IF(!have[_i], "%s", why[_i]);
    db = open_db(_i);
    OK(sp_history_start(db, hub, "run-old", "demo", "customer-export", now - 40LL * 86400000, &e));
    OK(sp_history_finish(db, hub, "run-old", "customer-export", "ok", &c, "", &e));
    OK(sp_history_start(db, hub, "run-new", "demo", "customer-export", now, &e));
    OK(sp_history_finish(db, hub, "run-new", "customer-export", "failed-records", &c,
                         "1 record failed", &e));
    memset(&s, 0, sizeof(s));
    OK(sp_history_list(db, hub, 10, on_history, &s, &e));
    ck_assert_int_eq(s.n, 2);
    ck_assert_str_eq(s.first.run_id, "run-new");
    ck_assert_str_eq(s.first.status, "failed-records");
    ck_assert_int_eq(s.first.counts.read, 10);
    ck_assert_int_eq(s.first.counts.failed, 1);
    ck_assert_str_eq(s.first.message, "1 record failed");
    ck_assert_int_ge(s.first.finished_on, s.first.started_on);

    memset(&a, 0, sizeof(a));
    snprintf(a.run_id, sizeof(a.run_id), "run-new");
    snprintf(a.component, sizeof(a.component), "customer-export");
    snprintf(a.entity_type, sizeof(a.entity_type), "%s", SP_LINK_CUSTOMER_ADDRESS);
    snprintf(a.entity_key, sizeof(a.entity_key), "AARONFIT0001|PRIMARY");
    snprintf(a.category, sizeof(a.category), "VALIDATION_ERROR");
    snprintf(a.message, sizeof(a.message), "Email address \"bob at example\" is invalid");
    a.http_status = 400;
    snprintf(a.correlation_id, sizeof(a.correlation_id), "6b1e0c3a-1d2f-4e8a-9c1b-0a2b3c4d5e6f");
    OK(sp_action_add(db, hub, &a, &e));
    memset(&s, 0, sizeof(s));
    OK(sp_action_list(db, hub, 10, on_action, &s, &e));
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.action.entity_key, "AARONFIT0001|PRIMARY");
    ck_assert_str_eq(s.action.message, "Email address \"bob at example\" is invalid");
    ck_assert_int_eq(s.action.http_status, 400);
    ck_assert_str_eq(s.action.correlation_id, "6b1e0c3a-1d2f-4e8a-9c1b-0a2b3c4d5e6f");
    /* failing again supersedes the open row: still one, with the new reason */
    snprintf(a.message, sizeof(a.message), "Email address \"bob@\" is invalid");
    OK(sp_action_add(db, hub, &a, &e));
    memset(&s, 0, sizeof(s));
    OK(sp_action_list(db, hub, 10, on_action, &s, &e));
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.action.message, "Email address \"bob@\" is invalid");
    OK(sp_action_resolve(db, hub, SP_LINK_CUSTOMER_ADDRESS, "AARONFIT0001|PRIMARY", &e));
    memset(&s, 0, sizeof(s));
    OK(sp_action_list(db, hub, 10, on_action, &s, &e));
    ck_assert_int_eq(s.n, 0);

    OK(sp_history_prune(db, hub, 30, &deleted, &e));
    ck_assert_int_eq(deleted, 1);
    memset(&s, 0, sizeof(s));
    OK(sp_history_list(db, hub, 10, on_history, &s, &e));
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.first.run_id, "run-new");
    sp_db_close(db);
}
END_TEST

/* What people read later (history, Action Center) holds no registered secret. */
START_TEST(history_and_action_center_redact_secrets)
{
    sp_db *db;
    sp_err e;
    sp_counts c = {1, 0, 0, 0, 0, 0, 1};
    sp_action a;
    seen s;

    SP_SKIP_IF(!have[_i], "%s", why[_i]);
    db = open_db(_i);
    sp_log_secret("pa\"ss\\wd");
    OK(sp_history_start(db, hub, "run-secret", "demo", "product-export", sp_clock_wall_ms(), &e));
    OK(sp_history_finish(db, hub, "run-secret", "product-export", "stopped", &c,
                         "login failed for Pwd=pa\"ss\\wd and pa\"ss\\wd", &e));
    memset(&s, 0, sizeof(s));
    OK(sp_history_list(db, hub, 1, on_history, &s, &e));
    ck_assert_str_eq(s.first.message, "login failed for Pwd=******** and ********");

    memset(&a, 0, sizeof(a));
    snprintf(a.run_id, sizeof(a.run_id), "run-secret");
    snprintf(a.component, sizeof(a.component), "product-export");
    snprintf(a.entity_type, sizeof(a.entity_type), "%s", SP_LINK_ITEM);
    snprintf(a.entity_key, sizeof(a.entity_key), "SECRET-ITEM");
    snprintf(a.message, sizeof(a.message), "refused: pa\"ss\\wd");
    OK(sp_action_add(db, hub, &a, &e));
    memset(&s, 0, sizeof(s));
    OK(sp_action_list(db, hub, 10, on_action, &s, &e));
    ck_assert_int_ge(s.n, 1);
    ck_assert_str_eq(s.action.message, "refused: ********");
    OK(sp_action_resolve(db, hub, SP_LINK_ITEM, "SECRET-ITEM", &e));
    sp_log_reset();
    sp_db_close(db);
}
END_TEST

START_TEST(run_lock_refuses_a_second_run_and_takes_over_a_stale_one)
{
    sp_db *db, *db2;
    sp_err e;
    sp_fake_clock clk;
    char id[48];

    SP_SKIP_IF(!have[_i], "%s", why[_i]);
    db = open_db(_i);
    db2 = open_db(_i);
    OK(sp_lock_acquire(db, hub, "run-A", 15LL * 60 * 1000, &e));
    sp_err_clear(&e);
    ck_assert_int_eq(sp_lock_acquire(db2, hub, "run-B", 15LL * 60 * 1000, &e), -1);
    ck_assert_int_eq(e.code, SP_ELOCKED);
    ck_assert_ptr_nonnull(strstr(e.msg, "another run holds the lock of hub"));
    ck_assert_ptr_nonnull(strstr(e.msg, "run run-A on "));
    ck_assert_int_eq(sp_code_exit(e.code), 5);
    OK(sp_lock_heartbeat(db, hub, "run-A", &e));

    /* 16 minutes without a heartbeat: run-A died; run-B takes over. */
    sp_fake_clock_install(&clk, sp_clock_wall_ms());
    sp_clock_sleep_ms(16LL * 60 * 1000);
    OK(sp_lock_acquire(db2, hub, "run-B", 15LL * 60 * 1000, &e));
    sp_clock_set(NULL);
    /* run-A was only slow: its next heartbeat learns it lost the lock */
    sp_err_clear(&e);
    ck_assert_int_eq(sp_lock_heartbeat(db, hub, "run-A", &e), -1);
    ck_assert_int_eq(e.code, SP_ELOCKED);
    ck_assert_ptr_nonnull(strstr(e.msg, "run run-A no longer holds the run lock of hub"));
    OK(sp_lock_heartbeat(db2, hub, "run-B", &e));
    /* run-A's release does not free run-B's lock. */
    OK(sp_lock_release(db, hub, "run-A", &e));
    sp_err_clear(&e);
    ck_assert_int_eq(sp_lock_acquire(db, hub, "run-C", 15LL * 60 * 1000, &e), -1);
    OK(sp_lock_release(db2, hub, "run-B", &e));
    OK(sp_lock_acquire(db, hub, "run-C", 15LL * 60 * 1000, &e));
    OK(sp_lock_release(db, hub, "run-C", &e));
    sp_db_close(db2);
    sp_db_close(db);

    sp_run_id_new(id, sizeof(id));
    ck_assert_int_ge((int)strlen(id), 22);
    ck_assert_int_eq(id[8], 'T');
    ck_assert_int_eq(id[15], 'Z');
}
END_TEST

/* Make the hub's lock row look like run_id's on host, pid, since acquired_on. */
static void set_holder(sp_db *db, const char *host, long long pid, int64_t acquired_on)
{
    sp_stmt *st = NULL;
    sp_err e;
    int64_t rows = 0;

    OK(sp_stmt_prepare(db, "UPDATE spAARunLock SET Host = ?, PID = ?, Acquired_On = ? WHERE Hub_ID = ?",
                       &st, &e));
    OK(sp_stmt_bind_text(st, 1, host, &e));
    OK(sp_stmt_bind_int(st, 2, pid, &e));
    OK(sp_stmt_bind_time(st, 3, acquired_on, &e));
    OK(sp_stmt_bind_text(st, 4, hub, &e));
    OK(sp_stmt_exec(st, &rows, &e));
    ck_assert_int_eq((int)rows, 1);
    sp_stmt_free(st);
}

START_TEST(run_lock_of_a_dead_process_on_this_host_is_taken_over_at_once)
{
    const int64_t stale = 15LL * 60 * 1000;
    sp_db *db, *db2;
    sp_err e;
    char host[128] = "";
    pid_t dead = fork();

    if (dead == 0)
        _exit(0);
    ck_assert_int_gt(dead, 0);
    ck_assert_int_eq(waitpid(dead, NULL, 0), dead);   /* reaped: pid `dead` is gone */
    SP_SKIP_IF(!have[_i], "%s", why[_i]);
    gethostname(host, sizeof(host) - 1);
    db = open_db(_i);
    db2 = open_db(_i);

    /* killed (-9) a second ago on this host: taken over now, not in 15 minutes */
    OK(sp_lock_acquire(db, hub, "run-killed", stale, &e));
    set_holder(db, host, dead, sp_clock_wall_ms());
    OK(sp_lock_acquire(db2, hub, "run-next", stale, &e));
    OK(sp_lock_release(db2, hub, "run-next", &e));

    /* the same pid on another host: that host's business, the heartbeat rule applies */
    OK(sp_lock_acquire(db, hub, "run-there", stale, &e));
    set_holder(db, "another-host.example", dead, sp_clock_wall_ms());
    sp_err_clear(&e);
    ck_assert_int_eq(sp_lock_acquire(db2, hub, "run-next", stale, &e), -1);
    ck_assert_int_eq(e.code, SP_ELOCKED);
    ck_assert_ptr_nonnull(strstr(e.msg, "on another-host.example (pid "));

    /* a live process here keeps its lock */
    set_holder(db, host, getpid(), sp_clock_wall_ms());
    sp_err_clear(&e);
    ck_assert_int_eq(sp_lock_acquire(db2, hub, "run-next", stale, &e), -1);
    ck_assert_int_eq(e.code, SP_ELOCKED);

    /* ... unless that pid started after the lock was taken: a reused pid */
    set_holder(db, host, getpid(), 1577836800000LL);   /* 2020-01-01 */
    OK(sp_lock_acquire(db2, hub, "run-next", stale, &e));
    OK(sp_lock_release(db2, hub, "run-next", &e));
    sp_db_close(db2);
    sp_db_close(db);
}
END_TEST

int main(void)
{
    const char *tmp = getenv("SPETL_TEST_TMP");
    const char *pg = getenv("SPETL_TEST_PG_CONN");
    Suite *s = suite_create("state");
    TCase *tc = tcase_create("state");
    SRunner *sr;
    int failed;

    snprintf(hub, sizeof(hub), "t%d", (int)getpid());
    if (tmp != NULL) {
        snprintf(conn[0], sizeof(conn[0]), "Driver=SQLite3;Database=%s/state-%d.db;", tmp,
                 (int)getpid());
        have[0] = 1;
    } else {
        why[0] = "SPETL_TEST_TMP is not set: no SQLite";
    }
    if (pg != NULL) {
        snprintf(conn[1], sizeof(conn[1]), "%s", pg);
        have[1] = 1;
    } else {
        why[1] = "SPETL_TEST_PG_CONN is not set: no PostgreSQL";
    }
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, links_round_trip_and_stay_unique_on_both_sides, 0, 2);
    tcase_add_loop_test(tc, component_state_keeps_milliseconds, 0, 2);
    tcase_add_loop_test(tc, history_and_action_center_record_and_prune, 0, 2);
    tcase_add_loop_test(tc, run_lock_refuses_a_second_run_and_takes_over_a_stale_one, 0, 2);
    tcase_add_loop_test(tc, run_lock_of_a_dead_process_on_this_host_is_taken_over_at_once, 0, 2);
    tcase_add_loop_test(tc, history_and_action_center_redact_secrets, 0, 2);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

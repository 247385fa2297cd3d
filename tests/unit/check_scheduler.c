/* check_scheduler.c -- samples/scheduler/spetl-nightly-task.xml, the Windows
 * Task Scheduler task the README's Windows steps import: it is a Task
 * Scheduler 1.2 task (the root, namespace and version, the Actions context
 * naming a principal, as the schema's key requires), it runs `spetl.exe run`
 * of a job with its log appended to a file and its report written, from
 * spetl.exe's folder, daily at 02:30, with least privilege, never two at once
 * and a time limit, and its comment gives every exit code spetl has
 * (include/spetl/err.h). Microsoft's XSD is not shipped here: the fields are
 * checked one by one. Runs from the repository root ($SPETL_TOP). */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "spetl/err.h"

#define TASK_FILE "samples/scheduler/spetl-nightly-task.xml"
#define TASK_NS "http://schemas.microsoft.com/windows/2004/02/mit/task"

static xmlDocPtr doc;

static void setup(void)
{
    const char *top = getenv("SPETL_TOP");
    if (top != NULL)
        ck_assert_int_eq(chdir(top), 0);
    doc = xmlReadFile(TASK_FILE, NULL, XML_PARSE_NONET);
    ck_assert_msg(doc != NULL, "%s does not parse as XML", TASK_FILE);
}

static void teardown(void)
{
    xmlFreeDoc(doc);
    doc = NULL;
}

/* The text of the one element at path (t: is the task namespace); "" when
 * there is none. Kept in a static buffer. */
static const char *text_at(const char *path)
{
    static char out[1024];
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr r;

    out[0] = '\0';
    xmlXPathRegisterNs(ctx, (const xmlChar *)"t", (const xmlChar *)TASK_NS);
    r = xmlXPathEvalExpression((const xmlChar *)path, ctx);
    if (r != NULL && r->nodesetval != NULL && r->nodesetval->nodeNr == 1) {
        xmlChar *s = xmlNodeGetContent(r->nodesetval->nodeTab[0]);
        snprintf(out, sizeof(out), "%s", s != NULL ? (const char *)s : "");
        xmlFree(s);
    }
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(ctx);
    return out;
}

START_TEST(a_task_scheduler_1_2_task)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char principal[128];

    ck_assert_str_eq((const char *)root->name, "Task");
    ck_assert_ptr_nonnull(root->ns);
    ck_assert_str_eq((const char *)root->ns->href, TASK_NS);
    ck_assert_str_eq(text_at("/t:Task/@version"), "1.2");
    snprintf(principal, sizeof(principal), "%s", text_at("/t:Task/t:Principals/t:Principal/@id"));
    ck_assert_str_ne(principal, "");
    ck_assert_str_eq(text_at("/t:Task/t:Actions/@Context"), principal);
    ck_assert_str_eq(text_at("/t:Task/t:RegistrationInfo/t:URI"), "\\spetl\\nightly");
}
END_TEST

/* Arguments split at blanks (no quoted paths in the sample). */
static int split(char *s, char **argv, int max)
{
    int n = 0;
    for (char *tok = strtok(s, " "); tok != NULL && n < max; tok = strtok(NULL, " "))
        argv[n++] = tok;
    return n;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

static int is_drive_path(const char *s)
{
    return s[0] >= 'A' && s[0] <= 'Z' && s[1] == ':' && s[2] == '\\';
}

START_TEST(runs_spetl_run_of_a_job_with_its_log_and_report)
{
    char args[1024], *argv[16];
    int n;

    /* cmd.exe only for the redirection; /c ends with spetl's exit code */
    ck_assert_str_eq(text_at("/t:Task/t:Actions/t:Exec/t:Command"), "C:\\Windows\\System32\\cmd.exe");
    snprintf(args, sizeof(args), "%s", text_at("/t:Task/t:Actions/t:Exec/t:Arguments"));
    n = split(args, argv, 16);
    ck_assert_int_eq(n, 8);
    ck_assert_str_eq(argv[0], "/c");
    ck_assert(is_drive_path(argv[1]) && ends_with(argv[1], "\\spetl.exe"));
    ck_assert_str_eq(argv[2], "run");
    ck_assert(is_drive_path(argv[3]) && ends_with(argv[3], ".xml"));
    ck_assert_str_eq(argv[4], "--report");
    ck_assert(is_drive_path(argv[5]) && ends_with(argv[5], ".json"));
    ck_assert_str_eq(argv[6], "2>>");   /* the log: spetl's standard error, appended */
    ck_assert(is_drive_path(argv[7]) && ends_with(argv[7], ".log"));
    /* started in spetl.exe's folder */
    argv[1][strlen(argv[1]) - strlen("\\spetl.exe")] = '\0';
    ck_assert_str_eq(text_at("/t:Task/t:Actions/t:Exec/t:WorkingDirectory"), argv[1]);
}
END_TEST

START_TEST(daily_least_privilege_one_at_a_time_with_a_time_limit)
{
    const char *start = text_at("/t:Task/t:Triggers/t:CalendarTrigger/t:StartBoundary");

    ck_assert_msg(ends_with(start, "T02:30:00"), "StartBoundary %s", start);
    ck_assert_str_eq(text_at("/t:Task/t:Triggers/t:CalendarTrigger/t:Enabled"), "true");
    ck_assert_str_eq(text_at("/t:Task/t:Triggers/t:CalendarTrigger/t:ScheduleByDay/t:DaysInterval"),
                     "1");
    ck_assert_str_eq(text_at("/t:Task/t:Principals/t:Principal/t:RunLevel"), "LeastPrivilege");
    /* runs whether the account is logged on or not */
    ck_assert_str_eq(text_at("/t:Task/t:Principals/t:Principal/t:LogonType"), "Password");
    /* "Do not start a new instance" */
    ck_assert_str_eq(text_at("/t:Task/t:Settings/t:MultipleInstancesPolicy"), "IgnoreNew");
    /* a limit (PT0S would be none) the task may enforce */
    ck_assert_str_eq(text_at("/t:Task/t:Settings/t:ExecutionTimeLimit"), "PT4H");
    ck_assert_str_eq(text_at("/t:Task/t:Settings/t:AllowHardTerminate"), "true");
    ck_assert_str_eq(text_at("/t:Task/t:Settings/t:Enabled"), "true");
}
END_TEST

/* The comment's exit codes: "  N meaning" for every code spetl returns,
 * 0..SP_EXIT_STOPPED, in order, and none past it. */
START_TEST(exit_codes_are_spetls)
{
    char comment[4096] = "", want[8];
    const char *from, *prev;

    for (xmlNodePtr n = doc->children; n != NULL; n = n->next)
        if (n->type == XML_COMMENT_NODE)
            snprintf(comment, sizeof(comment), "%s", (const char *)n->content);
    from = strstr(comment, "Exit codes");
    ck_assert_ptr_nonnull(from);
    prev = from;
    for (int code = 0; code <= SP_EXIT_STOPPED; code++) {
        snprintf(want, sizeof(want), "  %d ", code);
        const char *at = strstr(from, want);
        ck_assert_msg(at != NULL && at > prev, "exit code %d is not listed (in order)", code);
        ck_assert_msg(isalpha((unsigned char)at[4]), "exit code %d has no meaning", code);
        prev = at;
    }
    snprintf(want, sizeof(want), "  %d ", SP_EXIT_STOPPED + 1);
    ck_assert_ptr_null(strstr(from, want));
    snprintf(want, sizeof(want), "0x%d", SP_EXIT_STOPPED);
    ck_assert_ptr_nonnull(strstr(from, want));
}
END_TEST

static Suite *scheduler_suite(void)
{
    Suite *s = suite_create("scheduler");
    TCase *tc = tcase_create("task");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_task_scheduler_1_2_task);
    tcase_add_test(tc, runs_spetl_run_of_a_job_with_its_log_and_report);
    tcase_add_test(tc, daily_least_privilege_one_at_a_time_with_a_time_limit);
    tcase_add_test(tc, exit_codes_are_spetls);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(scheduler_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* hookecho.c -- a program hook in plain C for check_hookprog, built for
 * Linux and for Windows (where the suite runs under Wine without Python).
 *
 *   hookecho [records]   act on each line by its record's "do" (below)
 *   hookecho args A...   reply to each line with the arguments it was given,
 *                        as properties a1, a2... (the Windows quoting test)
 *   hookecho exit-now    exit with status 3 without reading
 *
 * "do": keep (default), skip, fail, hang (sleeps), crash (a null write),
 * exit (status 0), garbage, stderr (a line on stderr, then keep). The line is
 * searched, not parsed: the suite sends simple records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <shellapi.h>
#define nap_forever() Sleep(INFINITE)
#else
#include <unistd.h>
#define nap_forever() pause()
#endif

static void json_str(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20) {
            printf("\\u%04x", (unsigned)(unsigned char)*s);
            continue;
        }
        if (*s == '"' || *s == '\\')
            putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

static void reply_args(int argc, char **argv)
{
    int i;
    char name[16];

    printf("{\"action\":\"keep\",\"properties\":{");
    for (i = 2; i < argc; i++) {
        snprintf(name, sizeof(name), "a%d", i - 1);
        printf("%s\"%s\":", i > 2 ? "," : "", name);
        json_str(argv[i]);
    }
    printf("}}\n");
}

static int *volatile nowhere; /* NULL, but the compiler cannot know it */

static int act(const char *line)
{
    if (strstr(line, "\"do\":\"skip\"") != NULL)
        printf("{\"action\":\"skip\",\"message\":\"skipped by hookecho\"}\n");
    else if (strstr(line, "\"do\":\"fail\"") != NULL)
        printf("{\"action\":\"fail\",\"message\":\"refused by hookecho\"}\n");
    else if (strstr(line, "\"do\":\"hang\"") != NULL)
        nap_forever();
    else if (strstr(line, "\"do\":\"crash\"") != NULL)
        *nowhere = 1;
    else if (strstr(line, "\"do\":\"exit\"") != NULL)
        return 1;
    else if (strstr(line, "\"do\":\"garbage\"") != NULL)
        printf("garbage from hookecho\n");
    else {
        if (strstr(line, "\"do\":\"stderr\"") != NULL) {
            fprintf(stderr, "hookecho says token-1234567890 on stderr\n");
            fflush(stderr);
        }
        printf("{\"action\":\"keep\"}\n");
    }
    return 0;
}

#ifdef _WIN32
/* A crash ends the process with the exception's code, as an unattended
 * Windows does, without a debugger (Wine would start one). */
static LONG WINAPI no_debugger(EXCEPTION_POINTERS *ep)
{
    (void)ep;
    return EXCEPTION_EXECUTE_HANDLER;
}

/* The arguments as UTF-8 (a narrow main gets them in the ANSI code page),
 * split by CommandLineToArgvW, which undoes the C runtime's quoting. */
static char **utf8_args(int *argc)
{
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), argc);
    char **a = calloc((size_t)*argc + 1, sizeof(*a));
    int i, n;

    for (i = 0; w != NULL && a != NULL && i < *argc; i++) {
        n = WideCharToMultiByte(CP_UTF8, 0, w[i], -1, NULL, 0, NULL, NULL);
        a[i] = malloc((size_t)n);
        WideCharToMultiByte(CP_UTF8, 0, w[i], -1, a[i], n, NULL, NULL);
    }
    return a;
}
#endif

int main(int argc, char **argv)
{
    static char line[1 << 16];
    const char *mode;

#ifdef _WIN32
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX); /* a crash ends it, no dialog */
    SetUnhandledExceptionFilter(no_debugger);
    argv = utf8_args(&argc);
    _setmode(_fileno(stdout), _O_BINARY); /* "\n", not "\r\n" (both are accepted) */
#endif
    mode = argc > 1 ? argv[1] : "records";

    if (strcmp(mode, "exit-now") == 0)
        return 3;
    while (fgets(line, sizeof(line), stdin) != NULL) {
        if (strcmp(mode, "args") == 0)
            reply_args(argc, argv);
        else if (act(line) != 0)
            return 0;
        fflush(stdout);
    }
    return 0;
}

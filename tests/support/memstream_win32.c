/* memstream_win32.c -- see memstream_win32.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
FILE *sp_test_open_memstream(char **buf, size_t *len);
int sp_test_fflush(FILE *f);
int sp_test_fclose(FILE *f);

#define MAX_STREAMS 8

static struct {
    FILE *f;
    char **buf;
    size_t *len;
} streams[MAX_STREAMS];

FILE *sp_test_open_memstream(char **buf, size_t *len)
{
    FILE *f = tmpfile();
    *buf = calloc(1, 1);
    *len = 0;
    for (int i = 0; f != NULL && i < MAX_STREAMS; i++)
        if (streams[i].f == NULL) {
            streams[i].f = f;
            streams[i].buf = buf;
            streams[i].len = len;
            return f;
        }
    if (f != NULL)
        fclose(f);
    return NULL;
}

/* Copies the whole file to the caller's buffer; the file position stays at the end. */
static void copy_out(int i)
{
    FILE *f = streams[i].f;
    long n;
    char *b;

    fflush(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    b = realloc(*streams[i].buf, (size_t)(n > 0 ? n : 0) + 1);
    if (b == NULL)
        return;
    fseek(f, 0, SEEK_SET);
    *streams[i].len = n > 0 ? fread(b, 1, (size_t)n, f) : 0;
    b[*streams[i].len] = '\0';
    *streams[i].buf = b;
    fseek(f, 0, SEEK_END);
}

int sp_test_fflush(FILE *f)
{
    for (int i = 0; f != NULL && i < MAX_STREAMS; i++)
        if (streams[i].f == f) {
            copy_out(i);
            return 0;
        }
    return fflush(f);
}

int sp_test_fclose(FILE *f)
{
    for (int i = 0; f != NULL && i < MAX_STREAMS; i++)
        if (streams[i].f == f) {
            copy_out(i);
            streams[i].f = NULL;
            break;
        }
    return fclose(f);
}
#else
typedef int sp_test_memstream_posix_unused;
#endif

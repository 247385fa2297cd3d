/* mail.c -- send a message over SMTP with libcurl (see include/spetl/mail.h).
 * etl/mail/ and etl/hubspot/ are the only callers of libcurl. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "spetl/mail.h"

typedef struct upload {
    const char *data;
    size_t len, pos;
} upload;

static size_t read_message(char *buf, size_t size, size_t nitems, void *p)
{
    upload *u = p;
    size_t n = size * nitems;

    if (n > u->len - u->pos)
        n = u->len - u->pos;
    memcpy(buf, u->data + u->pos, n);
    u->pos += n;
    return n;
}

/* "smtp://host:587" out of the URL, without a user or password in it. */
static const char *server_name(const char *url, char *buf, size_t n)
{
    const char *h = strstr(url, "://");
    const char *end, *at;

    if (h == NULL) {
        snprintf(buf, n, "%s", url);
        return buf;
    }
    end = h + 3 + strcspn(h + 3, "/?#");
    at = h + 3;
    for (const char *p = h + 3; p < end; p++)
        if (*p == '@')
            at = p + 1;
    snprintf(buf, n, "%.*s%.*s", (int)(h + 3 - url), url, (int)(end - at), at);
    return buf;
}

static struct curl_slist *recipients(const sp_job_email *m)
{
    struct curl_slist *list = NULL, *next;
    char addr[512];

    for (size_t i = 0; i < m->nto; i++) {
        snprintf(addr, sizeof(addr), "<%s>", m->to[i]);
        next = curl_slist_append(list, addr);
        if (next == NULL) {
            curl_slist_free_all(list);
            return NULL;
        }
        list = next;
    }
    return list;
}

static long use_ssl(const sp_job_email *m)
{
    if (strncasecmp(m->smtp_url, "smtps://", 8) == 0 || m->starttls == SP_STARTTLS_REQUIRED)
        return (long)CURLUSESSL_ALL;
    return m->starttls == SP_STARTTLS_IF_AVAILABLE ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_NONE;
}

static CURLcode configure(CURL *h, const sp_job_email *m, struct curl_slist *rcpt, upload *u,
                          char *from, size_t nfrom, char *errbuf)
{
    CURLcode rc = CURLE_OK;

    snprintf(from, nfrom, "<%s>", m->from);
#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt(h, opt, val)
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_URL, m->smtp_url);
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_USE_SSL, use_ssl(m));
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (m->ca_bundle != NULL)
        SET(CURLOPT_CAINFO, m->ca_bundle);
    if (m->user != NULL)
        SET(CURLOPT_USERNAME, m->user);
    if (m->password != NULL)
        SET(CURLOPT_PASSWORD, m->password);
    SET(CURLOPT_CONNECTTIMEOUT, (long)m->connect_timeout_s);
    SET(CURLOPT_TIMEOUT, (long)m->timeout_s);
    SET(CURLOPT_MAIL_FROM, from);
    SET(CURLOPT_MAIL_RCPT, rcpt);
    SET(CURLOPT_READFUNCTION, read_message);
    SET(CURLOPT_READDATA, u);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len);
#undef SET
    return rc;
}

int sp_mail_send(const sp_job_email *m, const char *message, sp_err *e)
{
    CURL *h = NULL;
    struct curl_slist *rcpt = NULL;
    upload u = {message, strlen(message), 0};
    char errbuf[CURL_ERROR_SIZE] = "", from[512], server[512];
    char replied[32] = "no SMTP reply";
    long reply = 0;
    CURLcode rc;
    int ret = -1, inited = 0;

    server_name(m->smtp_url, server, sizeof(server));
    inited = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!inited || (h = curl_easy_init()) == NULL ||
        (rcpt = recipients(m)) == NULL) {
        SP_ERR(e, SP_EIO, "the e-mail on error to %s was not sent: libcurl could not be set up", server);
        goto done;
    }
    rc = configure(h, m, rcpt, &u, from, sizeof(from), errbuf);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply) == CURLE_OK && reply > 0)
            snprintf(replied, sizeof(replied), "SMTP reply %ld", reply);
        SP_ERR(e, SP_EIO, "the e-mail on error to %s was not sent: %s (%s)", server,
               errbuf[0] ? errbuf : curl_easy_strerror(rc), replied);
        goto done;
    }
    ret = 0;
done:
    curl_slist_free_all(rcpt);
    if (h != NULL)
        curl_easy_cleanup(h);
    if (inited)
        curl_global_cleanup();
    return ret;
}

/* The transfer engine of rrt push/pull: libcurl multi with a bounded number
 * of parallel transfers, retries with backoff, credentials from the
 * environment or ~/.netrc, TLS verification always on, and a progress line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "store_dl.h"
#include "storei.h"

struct store_http {
    store_options opt;
    struct curl_slist *auth; /* "Authorization: Bearer ..." or NULL */
    char *user, *password;   /* from the environment, or NULL */
    /* A registry token from the Docker/OCI token flow, the challenge it
     * answers, and a generation that tells stale 401s from real ones. */
    char *bearer;
    char token_for[512];
    char origin[512];
    unsigned auth_gen, token_fetches;
    uint64_t retries;
    /* progress */
    uint64_t total, moved, last_draw_ms;
    const char *label;
    bool drawn;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void store_options_init(store_options *o)
{
    memset(o, 0, sizeof(*o));
    o->parallel = 4;
    o->retries = 5;
    o->backoff_ms = 500;
    o->log = stderr;
}

/* Credentials come only from the environment (or ~/.netrc through curl),
 * never from argv, so they do not show in `ps` or shell history. */
static rrt_status load_credentials(store_http *h, rrt_error *err)
{
    const char *token = getenv("RRT_STORE_TOKEN");
    const char *user = getenv("RRT_STORE_USER");
    const char *pass = getenv("RRT_STORE_PASSWORD");
    if (token && *token) {
        size_t len = strlen(token) + 32;
        char *line = malloc(len);
        if (!line)
            return store_fail_msg(err, RRT_E_NOMEM, "out of memory");
        snprintf(line, len, "Authorization: Bearer %s", token);
        h->auth = CU(curl_slist_append)(NULL, line);
        /* The header copy lives in the list; wipe ours. */
        memset(line, 0, len);
        free(line);
        if (!h->auth)
            return store_fail_msg(err, RRT_E_NOMEM, "out of memory");
    } else if (user && *user) {
        if (!pass)
            return store_fail_msg(err, RRT_E_INVALID,
                                  "RRT_STORE_USER is set but "
                                  "RRT_STORE_PASSWORD is not");
        h->user = strdup(user);
        h->password = strdup(pass);
        if (!h->user || !h->password)
            return store_fail_msg(err, RRT_E_NOMEM, "out of memory");
    }
    return RRT_OK;
}

rrt_status store_http_new(const store_options *o, const char *origin,
                          store_http **out, rrt_error *err)
{
    *out = NULL;
    if (CU(curl_global_init)(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return store_fail_msg(err, RRT_E_IO, "cannot initialise libcurl");
    store_http *h = calloc(1, sizeof(*h));
    if (!h)
        return store_fail_msg(err, RRT_E_NOMEM, "out of memory");
    h->opt = *o;
    snprintf(h->origin, sizeof(h->origin), "%s", origin);
    if (h->opt.parallel == 0 || h->opt.parallel > 16)
        h->opt.parallel = 4;
    rrt_status st = load_credentials(h, err);
    if (st != RRT_OK) {
        store_http_free(h);
        return st;
    }
    *out = h;
    return RRT_OK;
}

static void free_secret(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

void store_http_free(store_http *h)
{
    if (!h)
        return;
    CU(curl_slist_free_all)(h->auth);
    free_secret(h->bearer);
    free_secret(h->user);
    free_secret(h->password);
    free(h);
}

uint64_t store_http_retries(const store_http *h)
{
    return h->retries;
}

/* ------------------------------------------------------------------ */
/* Progress                                                           */

static void draw_progress(store_http *h, bool final)
{
    if (!h->opt.progress || !h->opt.log || !h->total)
        return;
    uint64_t t = now_ms();
    if (!final && t - h->last_draw_ms < 200)
        return;
    h->last_draw_ms = t;
    enum { WIDTH = 30 };
    uint64_t total = h->total ? h->total : 1;
    uint64_t moved = h->moved > total ? total : h->moved;
    unsigned fill = (unsigned)(moved * WIDTH / total);
    char bar[WIDTH + 1];
    for (unsigned i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = 0;
    fprintf(h->opt.log, "\r%-8s [%s] %6.1f / %.1f MiB", h->label, bar,
            (double)moved / 1048576.0, (double)h->total / 1048576.0);
    h->drawn = true;
    if (final) {
        fputc('\n', h->opt.log);
        h->drawn = false;
    }
    fflush(h->opt.log);
}

/* ------------------------------------------------------------------ */
/* curl callbacks                                                     */

typedef struct slot {
    CURL *easy;
    store_xfer *x;
    store_http *h;
    struct curl_slist *headers;
    bool aborted;
    char errbuf[CURL_ERROR_SIZE]; /* curl's detail ("SSL certificate ...") */
} slot;

static size_t on_read(char *buf, size_t size, size_t nitems, void *p)
{
    slot *s = p;
    size_t n = s->x->read(s->x, buf, size * nitems);
    if (n == SIZE_MAX) {
        s->aborted = true;
        return CURL_READFUNC_ABORT;
    }
    s->x->bytes += n;
    s->h->moved += n;
    return n;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    slot *s = ud;
    size_t n = size * nmemb;
    /* Error bodies are not content: only keep a 2xx body. */
    long code = 0;
    CU(curl_easy_getinfo)(s->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299 || !s->x->write)
        return n;
    if (!s->x->write(s->x, p, n)) {
        s->aborted = true;
        return 0;
    }
    s->x->bytes += n;
    s->h->moved += n;
    return n;
}

/* Copies the value of header `name` (with colon) from the line p[0..n). */
static bool header_value(const char *p, size_t n, const char *name, char *out,
                         size_t size)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(p, name, nl) != 0)
        return false;
    const char *v = p + nl;
    size_t len = n - nl;
    while (len && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n'))
        len--;
    if (len >= size)
        return false;
    memcpy(out, v, len);
    out[len] = 0;
    return true;
}

static size_t on_header(char *p, size_t size, size_t nitems, void *ud)
{
    slot *s = ud;
    size_t n = size * nitems;
    char value[512];
    if (header_value(p, n, "www-authenticate:", value, sizeof(value)) &&
        strncasecmp(value, "Bearer ", 7) == 0)
        memcpy(s->x->challenge, value, sizeof(value));
    header_value(p, n, "location:", s->x->location, sizeof(s->x->location));
    return n;
}

static bool same_origin(const store_http *h, const char *url)
{
    size_t n = strlen(h->origin);
    return n && strncasecmp(url, h->origin, n) == 0 &&
           (url[n] == '/' || url[n] == 0);
}

static rrt_status setup_easy(store_http *h, slot *s, rrt_error *err)
{
    store_xfer *x = s->x;
    CURL *e = s->easy;
    CU(curl_easy_reset)(e);
    CU(curl_slist_free_all)(s->headers);
    s->headers = NULL;
    s->aborted = false;
    x->status = 0;
    x->content_length = -1;
    x->location[0] = 0;
    x->bytes = 0;
    x->why[0] = 0;
    x->challenge[0] = 0;
    x->auth_gen = h->auth_gen;
    if (x->begin && !x->begin(x, err))
        return err ? err->status : RRT_E_IO;
    CU(curl_easy_setopt)(e, CURLOPT_URL, x->url);
    s->errbuf[0] = 0;
    CU(curl_easy_setopt)(e, CURLOPT_ERRORBUFFER, s->errbuf);
    CU(curl_easy_setopt)(e, CURLOPT_PROTOCOLS_STR, "http,https");
    /* Verification stays on: there is deliberately no option to disable
     * it. A private CA can be given through CURL_CA_BUNDLE. */
    CU(curl_easy_setopt)(e, CURLOPT_SSL_VERIFYPEER, 1L);
    CU(curl_easy_setopt)(e, CURLOPT_SSL_VERIFYHOST, 2L);
    const char *ca = getenv("CURL_CA_BUNDLE");
    if (ca && *ca)
        CU(curl_easy_setopt)(e, CURLOPT_CAINFO, ca);
    CU(curl_easy_setopt)(e, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
    CU(curl_easy_setopt)(e, CURLOPT_CONNECTTIMEOUT, 15L);
    /* A store may compress what it sends; curl decodes it, and the
     * digests are of the decoded bytes. */
    CU(curl_easy_setopt)(e, CURLOPT_ACCEPT_ENCODING, "");
    /* A stalled transfer (under 1 byte/s for 60 s) is retried. */
    CU(curl_easy_setopt)(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    CU(curl_easy_setopt)(e, CURLOPT_LOW_SPEED_TIME, 60L);
    CU(curl_easy_setopt)(e, CURLOPT_NOSIGNAL, 1L);
    CU(curl_easy_setopt)
    (e, CURLOPT_USERAGENT,
     "rrt/"
     "push");
    CU(curl_easy_setopt)(e, CURLOPT_HEADERFUNCTION, on_header);
    CU(curl_easy_setopt)(e, CURLOPT_HEADERDATA, s);
    CU(curl_easy_setopt)(e, CURLOPT_WRITEFUNCTION, on_write);
    CU(curl_easy_setopt)(e, CURLOPT_WRITEDATA, s);
    bool ours = same_origin(h, x->url);
    if (ours && h->bearer) {
        s->headers = CU(curl_slist_append)(s->headers, h->bearer);
    } else if (ours && h->user) {
        CU(curl_easy_setopt)(e, CURLOPT_USERNAME, h->user);
        CU(curl_easy_setopt)(e, CURLOPT_PASSWORD, h->password);
        CU(curl_easy_setopt)(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    }
    for (struct curl_slist *a = ours && !h->bearer ? h->auth : NULL; a;
         a = a->next)
        s->headers = CU(curl_slist_append)(s->headers, a->data);
    char line[256];
    if (x->content_type) {
        snprintf(line, sizeof(line), "Content-Type: %s", x->content_type);
        s->headers = CU(curl_slist_append)(s->headers, line);
    }
    if (x->accept) {
        snprintf(line, sizeof(line), "Accept: %s", x->accept);
        s->headers = CU(curl_slist_append)(s->headers, line);
    }
    /* No "Expect: 100-continue" round trip per blob. */
    s->headers = CU(curl_slist_append)(s->headers, "Expect:");
    CU(curl_easy_setopt)(e, CURLOPT_HTTPHEADER, s->headers);
    if (h->opt.limit_rate) {
        CU(curl_easy_setopt)
        (e, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)h->opt.limit_rate);
        CU(curl_easy_setopt)
        (e, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)h->opt.limit_rate);
    }
    bool fetch =
        strcmp(x->method, "GET") == 0 || strcmp(x->method, "HEAD") == 0;
    if (fetch) {
        /* Registries redirect blob downloads to object storage. curl does
         * not forward credentials to another host. */
        CU(curl_easy_setopt)(e, CURLOPT_FOLLOWLOCATION, 1L);
        CU(curl_easy_setopt)(e, CURLOPT_MAXREDIRS, 5L);
        CU(curl_easy_setopt)(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }
    if (strcmp(x->method, "HEAD") == 0) {
        CU(curl_easy_setopt)(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(x->method, "PUT") == 0 ||
               strcmp(x->method, "POST") == 0) {
        CU(curl_easy_setopt)(e, CURLOPT_UPLOAD, 1L);
        CU(curl_easy_setopt)
        (e, CURLOPT_INFILESIZE_LARGE,
         (curl_off_t)(x->upload ? x->upload_size : 0));
        CU(curl_easy_setopt)(e, CURLOPT_READFUNCTION, on_read);
        CU(curl_easy_setopt)(e, CURLOPT_READDATA, s);
        if (strcmp(x->method, "POST") == 0)
            CU(curl_easy_setopt)(e, CURLOPT_CUSTOMREQUEST, "POST");
    } else if (strcmp(x->method, "MKCOL") == 0) {
        CU(curl_easy_setopt)(e, CURLOPT_CUSTOMREQUEST, "MKCOL");
    }
    return RRT_OK;
}

/* ------------------------------------------------------------------ */
/* The loop                                                           */

static bool retryable(CURLcode rc, long status)
{
    if (rc != CURLE_OK)
        return rc == CURLE_COULDNT_CONNECT || rc == CURLE_SEND_ERROR ||
               rc == CURLE_RECV_ERROR || rc == CURLE_OPERATION_TIMEDOUT ||
               rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
               rc == CURLE_COULDNT_RESOLVE_HOST;
    return status >= 500 || status == 429 || status == 408;
}

/* Messages show a URL without its query: OCI upload URLs carry long
 * opaque session state that says nothing to a person. */
static int shown_len(const char *url)
{
    return (int)strcspn(url, "?");
}

rrt_status store_http_status_error(const store_xfer *x, rrt_error *err)
{
    const char *why = "";
    rrt_status st = RRT_E_IO;
    switch (x->status) {
    case 401:
    case 403:
        why = x->status == 401 ? " Unauthorized (set RRT_STORE_TOKEN, or "
                                 "RRT_STORE_USER and RRT_STORE_PASSWORD, or "
                                 "use ~/.netrc)"
                               : " Forbidden";
        st = RRT_E_INVALID;
        break;
    case 404:
        why = " Not Found";
        st = RRT_E_NOT_FOUND;
        break;
    case 405:
        why = " Method Not Allowed (is WebDAV PUT enabled?)";
        break;
    case 409:
        why = " Conflict (does the server create parent collections?)";
        break;
    default:
        if (x->status >= 500)
            why = " server error";
    }
    return store_fail_msg(err, st, "%s %.*s: HTTP %ld%s", x->method,
                          shown_len(x->url), x->url, x->status, why);
}

/* ------------------------------------------------------------------ */
/* Registry token flow (Docker/OCI distribution "token authentication"):
 * a 401 with `WWW-Authenticate: Bearer realm=...,service=...,scope=...`
 * is answered by fetching a token from the realm, with the basic
 * credentials if any, and repeating the request with that token. */

/* Finds key="value" in a challenge; false if absent or too long. */
static bool challenge_param(const char *c, const char *key, char *out,
                            size_t size)
{
    size_t kl = strlen(key);
    for (const char *p = c + 7; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *eq = strchr(p, '=');
        if (!eq || eq[1] != '"')
            return false;
        const char *end = strchr(eq + 2, '"');
        if (!end)
            return false;
        if ((size_t)(eq - p) == kl && strncasecmp(p, key, kl) == 0) {
            size_t len = (size_t)(end - eq - 2);
            if (len >= size)
                return false;
            memcpy(out, eq + 2, len);
            out[len] = 0;
            return true;
        }
        p = end + 1;
    }
    return false;
}

static size_t token_write(char *p, size_t size, size_t nmemb, void *ud)
{
    store_membuf *b = ud;
    size_t n = size * nmemb;
    if (n > b->cap - b->len)
        return 0;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return n;
}

static char *escaped(CURL *e, const char *s)
{
    return CU(curl_easy_escape)(e, s, 0);
}

static rrt_status token_request(store_http *h, CURL *e, const char *url,
                                store_membuf *b, long *status, rrt_error *err)
{
    CU(curl_easy_setopt)(e, CURLOPT_URL, url);
    CU(curl_easy_setopt)(e, CURLOPT_PROTOCOLS_STR, "http,https");
    CU(curl_easy_setopt)(e, CURLOPT_SSL_VERIFYPEER, 1L);
    CU(curl_easy_setopt)(e, CURLOPT_SSL_VERIFYHOST, 2L);
    const char *ca = getenv("CURL_CA_BUNDLE");
    if (ca && *ca)
        CU(curl_easy_setopt)(e, CURLOPT_CAINFO, ca);
    CU(curl_easy_setopt)(e, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
    CU(curl_easy_setopt)(e, CURLOPT_CONNECTTIMEOUT, 15L);
    CU(curl_easy_setopt)(e, CURLOPT_TIMEOUT, 60L);
    CU(curl_easy_setopt)(e, CURLOPT_NOSIGNAL, 1L);
    CU(curl_easy_setopt)(e, CURLOPT_WRITEFUNCTION, token_write);
    CU(curl_easy_setopt)(e, CURLOPT_WRITEDATA, b);
    if (h->user) {
        CU(curl_easy_setopt)(e, CURLOPT_USERNAME, h->user);
        CU(curl_easy_setopt)(e, CURLOPT_PASSWORD, h->password);
        CU(curl_easy_setopt)(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    }
    CURLcode rc = CU(curl_easy_perform)(e);
    CU(curl_easy_getinfo)(e, CURLINFO_RESPONSE_CODE, status);
    if (rc != CURLE_OK)
        return store_fail_msg(err, RRT_E_IO, "token service %.*s: %s",
                              (int)strcspn(url, "?"), url,
                              CU(curl_easy_strerror)(rc));
    return RRT_OK;
}

static rrt_status fetch_token(store_http *h, const char *challenge,
                              rrt_error *err)
{
    char realm[256], service[256] = "", scope[256] = "";
    if (!challenge_param(challenge, "realm", realm, sizeof(realm)))
        return store_fail_msg(err, RRT_E_INVALID,
                              "registry sent an "
                              "unusable Bearer challenge");
    challenge_param(challenge, "service", service, sizeof(service));
    challenge_param(challenge, "scope", scope, sizeof(scope));
    CURL *e = CU(curl_easy_init)();
    char buf[65536];
    store_membuf b = {buf, 0, sizeof(buf) - 1};
    char *es = e ? escaped(e, service) : NULL,
         *sc = e ? escaped(e, scope) : NULL;
    rrt_status st = RRT_OK;
    char url[1024];
    long status = 0;
    if (!e || !es || !sc)
        st = store_fail_msg(err, RRT_E_NOMEM, "out of memory");
    else if (!rrtx_format(url, sizeof(url), "%s%sservice=%s&scope=%s", realm,
                          strchr(realm, '?') ? "&" : "?", es, sc))
        st = store_fail_msg(err, RRT_E_INVALID, "token service URL too long");
    else
        st = token_request(h, e, url, &b, &status, err);
    CU(curl_free)(es);
    CU(curl_free)(sc);
    if (e)
        CU(curl_easy_cleanup)(e);
    if (st != RRT_OK)
        return st;
    if (status != 200)
        return store_fail_msg(err, RRT_E_INVALID,
                              "token service %s: HTTP %ld "
                              "(check RRT_STORE_USER and RRT_STORE_PASSWORD)",
                              realm, status);
    json_t *root = json_loadb(buf, b.len, 0, NULL);
    const char *tok = NULL;
    if (root && json_unpack(root, "{s:s}", "token", &tok) != 0)
        json_unpack(root, "{s:s}", "access_token", &tok);
    size_t len = tok ? strlen(tok) + 32 : 0;
    char *line = tok && strlen(tok) < 16384 ? malloc(len) : NULL;
    if (line)
        snprintf(line, len, "Authorization: Bearer %s", tok);
    json_decref(root);
    memset(buf, 0, sizeof(buf));
    if (!line)
        return store_fail_msg(err, RRT_E_PARSE,
                              "token service %s: no token "
                              "in its answer",
                              realm);
    free_secret(h->bearer);
    h->bearer = line;
    snprintf(h->token_for, sizeof(h->token_for), "%s", challenge);
    h->auth_gen++;
    h->token_fetches++;
    return RRT_OK;
}

/* True when a 401 was handled by (re)authenticating: send it again. */
static bool reauthenticate(store_http *h, store_xfer *x, rrt_status *st,
                           rrt_error *err)
{
    if (x->status != 401 || !x->challenge[0] || *st != RRT_OK)
        return false;
    if (x->auth_gen != h->auth_gen)
        return true; /* sent before a newer token arrived */
    if (strcmp(x->challenge, h->token_for) == 0 || h->token_fetches >= 16)
        return false; /* the token we have was refused: a real 401 */
    rrt_status t = fetch_token(h, x->challenge, err);
    if (t != RRT_OK) {
        *st = t;
        x->status = 0;
    }
    return t == RRT_OK;
}

static void finish_attempt(store_http *h, slot *s, CURLcode rc,
                           const char *curl_msg, rrt_status *st, rrt_error *err,
                           bool *requeue)
{
    store_xfer *x = s->x;
    *requeue = false;
    CU(curl_easy_getinfo)(s->easy, CURLINFO_RESPONSE_CODE, &x->status);
    curl_off_t cl = -1;
    CU(curl_easy_getinfo)(s->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    x->content_length = cl;
    if (s->aborted)
        goto failed;
    if (rc == CURLE_OK && reauthenticate(h, x, st, err)) {
        x->not_before_ms = 0;
        *requeue = true;
        return;
    }
    if (*st != RRT_OK && x->status == 0)
        return; /* the token service failed; err says why */
    if (retryable(rc, x->status)) {
        h->moved -= x->bytes < h->moved ? x->bytes : h->moved;
        if (x->attempts < h->opt.retries) {
            uint64_t delay = (uint64_t)h->opt.backoff_ms << x->attempts;
            x->attempts++;
            h->retries++;
            x->not_before_ms = now_ms() + (delay > 30000 ? 30000 : delay);
            *requeue = true;
            return;
        }
        if (rc != CURLE_OK)
            *st = store_fail_msg(err, RRT_E_IO,
                                 "%s %.*s: %s (gave up after %u "
                                 "attempts)",
                                 x->method, shown_len(x->url), x->url, curl_msg,
                                 x->attempts + 1);
        else
            *st = store_fail_msg(err, RRT_E_IO,
                                 "%s %.*s: HTTP %ld server error "
                                 "(gave up after %u attempts)",
                                 x->method, shown_len(x->url), x->url,
                                 x->status, x->attempts + 1);
        return;
    }
    if (rc != CURLE_OK) {
        *st = store_fail_msg(err, RRT_E_IO, "%s %.*s: %s", x->method,
                             shown_len(x->url), x->url, curl_msg);
        return;
    }
    store_xfer_next next = x->done(x, err);
    if (next == STORE_XFER_AGAIN) {
        x->attempts = 0;
        x->not_before_ms = 0;
        *requeue = true;
        return;
    }
    if (next == STORE_XFER_DONE) {
        h->moved += x->credit;
        return;
    }
failed:
    if (*st == RRT_OK) {
        if (x->why[0])
            *st = store_fail_msg(err, RRT_E_IO, "%s %.*s: %s", x->method,
                                 shown_len(x->url), x->url, x->why);
        else if (err && err->status != RRT_OK)
            *st = err->status;
        else
            *st = store_fail_msg(err, RRT_E_IO, "%s %.*s: transfer aborted",
                                 x->method, shown_len(x->url), x->url);
    }
}

static const char *curl_message(const slot *s, CURLcode rc)
{
    return s->errbuf[0] ? s->errbuf : CU(curl_easy_strerror)(rc);
}

/* Picks the next queued transfer whose backoff has expired. */
static store_xfer *next_ready(store_xfer **queue, size_t *nq, uint64_t t,
                              uint64_t *wait)
{
    *wait = UINT64_MAX;
    for (size_t i = 0; i < *nq; i++) {
        if (queue[i]->not_before_ms <= t) {
            store_xfer *x = queue[i];
            memmove(queue + i, queue + i + 1, (*nq - i - 1) * sizeof(*queue));
            (*nq)--;
            return x;
        }
        uint64_t w = queue[i]->not_before_ms - t;
        if (w < *wait)
            *wait = w;
    }
    return NULL;
}

rrt_status store_http_run(store_http *h, store_xfer **xs, size_t n,
                          const char *label, uint64_t total, rrt_error *err)
{
    rrt_status st = RRT_OK;
    unsigned par = h->opt.parallel;
    slot *slots = calloc(par, sizeof(*slots));
    store_xfer **queue = malloc((n ? n : 1) * sizeof(*queue));
    CURLM *m = CU(curl_multi_init)();
    if (!slots || !queue || !m) {
        st = store_fail_msg(err, RRT_E_NOMEM, "out of memory");
        goto cleanup;
    }
    for (unsigned i = 0; i < par; i++) {
        slots[i].h = h;
        slots[i].easy = CU(curl_easy_init)();
        if (!slots[i].easy) {
            st = store_fail_msg(err, RRT_E_NOMEM, "out of memory");
            goto cleanup;
        }
    }
    memcpy(queue, xs, n * sizeof(*queue));
    size_t nq = n, running = 0;
    h->label = label;
    h->total = total;
    h->moved = 0;
    while ((nq || running) && (st == RRT_OK || running)) {
        uint64_t wait = UINT64_MAX;
        for (unsigned i = 0; i < par && st == RRT_OK && nq; i++) {
            if (slots[i].x)
                continue;
            store_xfer *x = next_ready(queue, &nq, now_ms(), &wait);
            if (!x)
                break;
            slots[i].x = x;
            st = setup_easy(h, &slots[i], err);
            if (st != RRT_OK) {
                slots[i].x = NULL;
                break;
            }
            CU(curl_multi_add_handle)(m, slots[i].easy);
            running++;
        }
        if (!running) {
            if (st != RRT_OK || !nq)
                break;
            /* Everything left is backing off. */
            struct timespec ts = {0, 50 * 1000000L};
            if (wait != UINT64_MAX && wait < 50)
                ts.tv_nsec = (long)wait * 1000000L;
            nanosleep(&ts, NULL);
            continue;
        }
        int still;
        CU(curl_multi_perform)(m, &still);
        CURLMsg *msg;
        int left;
        while ((msg = CU(curl_multi_info_read)(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            slot *s = NULL;
            for (unsigned i = 0; i < par; i++)
                if (slots[i].easy == msg->easy_handle)
                    s = &slots[i];
            if (!s)
                continue;
            CURLcode rc = msg->data.result;
            CU(curl_multi_remove_handle)(m, s->easy);
            running--;
            bool requeue;
            /* After the first failure, later ones must not overwrite its
             * message: they report into a scratch context. */
            rrt_status later = RRT_OK;
            rrt_error scratch;
            rrt_error_clear(&scratch);
            if (st == RRT_OK)
                finish_attempt(h, s, rc, curl_message(s, rc), &st, err,
                               &requeue);
            else
                finish_attempt(h, s, rc, curl_message(s, rc), &later, &scratch,
                               &requeue);
            if (requeue)
                queue[nq++] = s->x;
            s->x = NULL;
        }
        draw_progress(h, false);
        if (running)
            CU(curl_multi_poll)(m, NULL, 0, 100, NULL);
    }
    if (h->drawn)
        draw_progress(h, true);
cleanup:
    for (unsigned i = 0; slots && i < par; i++) {
        if (slots[i].easy) {
            if (slots[i].x)
                CU(curl_multi_remove_handle)(m, slots[i].easy);
            CU(curl_easy_cleanup)(slots[i].easy);
        }
        CU(curl_slist_free_all)(slots[i].headers);
    }
    if (m)
        CU(curl_multi_cleanup)(m);
    free(slots);
    free(queue);
    return st;
}

/* ------------------------------------------------------------------ */
/* In-memory sink                                                     */

bool store_membuf_begin(store_xfer *x, rrt_error *err)
{
    (void)err;
    store_membuf *b = x->ctx;
    b->len = 0;
    return true;
}

bool store_membuf_write(store_xfer *x, const char *p, size_t n)
{
    store_membuf *b = x->ctx;
    if (n > b->cap - b->len)
        return false;
    if (!b->data) {
        b->data = malloc(b->cap + 1);
        if (!b->data)
            return false;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return true;
}

/* ------------------------------------------------------------------ */
/* One-shot requests                                                  */

static store_xfer_next simple_done(store_xfer *x, rrt_error *err)
{
    (void)x;
    (void)err;
    return STORE_XFER_DONE;
}

typedef struct simple_ctx {
    store_membuf *resp;
    const char *body;
    size_t pos;
} simple_ctx;

static bool simple_begin(store_xfer *x, rrt_error *err)
{
    simple_ctx *c = x->ctx;
    c->pos = 0;
    if (c->resp)
        c->resp->len = 0;
    (void)err;
    return true;
}

static size_t simple_read(store_xfer *x, char *buf, size_t n)
{
    simple_ctx *c = x->ctx;
    size_t left = (size_t)x->upload_size - c->pos;
    size_t k = n < left ? n : left;
    memcpy(buf, c->body + c->pos, k);
    c->pos += k;
    return k;
}

static bool simple_write(store_xfer *x, const char *p, size_t n)
{
    simple_ctx *c = x->ctx;
    store_xfer tmp = *x;
    tmp.ctx = c->resp;
    if (!c->resp || !store_membuf_write(&tmp, p, n)) {
        rrtx_format(x->why, sizeof(x->why), "response too large");
        return false;
    }
    return true;
}

rrt_status store_http_simple(store_http *h, const char *method, const char *url,
                             const char *ctype, const char *accept,
                             const char *body, store_membuf *resp, long *status,
                             rrt_error *err)
{
    simple_ctx c = {resp, body, 0};
    store_xfer x;
    memset(&x, 0, sizeof(x));
    x.method = method;
    rrtx_format(x.url, sizeof(x.url), "%s", url);
    x.content_type = ctype;
    x.accept = accept;
    x.upload = body != NULL;
    x.upload_size = body ? strlen(body) : 0;
    x.begin = simple_begin;
    x.read = simple_read;
    x.write = simple_write;
    x.done = simple_done;
    x.ctx = &c;
    store_xfer *list[1] = {&x};
    rrt_status st = store_http_run(h, list, 1, method, 0, err);
    *status = x.status;
    if (st == RRT_OK && !store_ok_status(x.status))
        st = store_http_status_error(&x, err);
    return st;
}

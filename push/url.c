/* Store URLs: http(s)://ROOT/NAME and oci[+http]://HOST/REPO[:TAG], and
 * where each object lives under them (spec/store.md, section 2). */
#include <string.h>

#include "storei.h"

void store_redact_url(const char *url, char *buf, size_t size)
{
    const char *sep = strstr(url, "://");
    const char *auth = sep ? sep + 3 : url;
    size_t alen = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', alen);
    if (!at) {
        rrtx_format(buf, size, "%s", url);
        return;
    }
    rrtx_format(buf, size, "%.*s%s", (int)(auth - url), url, at + 1);
}

static rrt_status parse_http_url(const char *url, store_store_url *u,
                                 rrt_error *err)
{
    const char *path = strchr(strstr(url, "://") + 3, '/');
    const char *name = strrchr(url, '/');
    if (!path || name < path || !name[1])
        return store_fail_msg(err, RRT_E_INVALID,
                              "%s: the URL must end with "
                              "the recording's name (ROOT/NAME)",
                              u->shown);
    if (strcmp(name + 1, "blobs") == 0 || strcmp(name + 1, ".") == 0 ||
        strcmp(name + 1, "..") == 0)
        return store_fail_msg(err, RRT_E_INVALID,
                              "%s: '%s' cannot name a "
                              "recording",
                              u->shown, name + 1);
    rrtx_format(u->base, sizeof(u->base), "%.*s", (int)(name - url), url);
    rrtx_format(u->ref, sizeof(u->ref), "%s", url);
    rrtx_format(u->origin, sizeof(u->origin), "%.*s", (int)(path - url), url);
    return RRT_OK;
}

static rrt_status parse_oci_url(const char *url, store_store_url *u,
                                rrt_error *err)
{
    bool plain = strncmp(url, "oci+http://", 11) == 0;
    const char *host = url + (plain ? 11 : 6);
    const char *slash = strchr(host, '/');
    if (!slash || !slash[1])
        return store_fail_msg(err, RRT_E_INVALID,
                              "%s: expected "
                              "oci://HOST/REPOSITORY[:TAG]",
                              u->shown);
    const char *repo = slash + 1;
    const char *last = strrchr(repo, '/');
    const char *colon = strchr(last ? last : repo, ':');
    size_t rlen = colon ? (size_t)(colon - repo) : strlen(repo);
    const char *tag = colon ? colon + 1 : "latest";
    /* The distribution spec's grammar: repository components of lower-case
     * letters, digits and separators; tags of at most 128 word characters,
     * dots and dashes, not starting with either. */
    bool ok_repo = rlen && strspn(repo, "abcdefghijklmnopqrstuvwxyz0123456789"
                                        "._-/") >= rlen;
    size_t tlen = strlen(tag);
    bool ok_tag = tlen && tlen <= 128 && tag[0] != '.' && tag[0] != '-' &&
                  strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
                              "TUVWXYZ0123456789_.-") == tlen;
    if (!ok_repo || !ok_tag)
        return store_fail_msg(err, RRT_E_INVALID, "%s: bad repository or tag",
                              u->shown);
    rrtx_format(u->origin, sizeof(u->origin), "%s://%.*s",
                plain ? "http" : "https", (int)(slash - host), host);
    rrtx_format(u->base, sizeof(u->base), "%s/v2/%.*s", u->origin, (int)rlen,
                repo);
    rrtx_format(u->ref, sizeof(u->ref), "%s/manifests/%s", u->base, tag);
    u->oci = true;
    return RRT_OK;
}

rrt_status store_parse_url(const char *url, store_store_url *u, rrt_error *err)
{
    memset(u, 0, sizeof(*u));
    store_redact_url(url, u->shown, sizeof(u->shown));
    if (strlen(url) > 1024)
        return store_fail_msg(err, RRT_E_INVALID, "URL too long");
    if (strcmp(u->shown, url) != 0)
        return store_fail_msg(err, RRT_E_INVALID,
                              "%s: credentials in the URL are not accepted; "
                              "use RRT_STORE_TOKEN, RRT_STORE_USER and "
                              "RRT_STORE_PASSWORD, or ~/.netrc",
                              u->shown);
    if (strpbrk(url, "?#"))
        return store_fail_msg(err, RRT_E_INVALID,
                              "%s: query strings and "
                              "fragments are not supported",
                              u->shown);
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
        return parse_http_url(url, u, err);
    if (strncmp(url, "oci://", 6) == 0 || strncmp(url, "oci+http://", 11) == 0)
        return parse_oci_url(url, u, err);
    return store_fail_msg(err, RRT_E_INVALID,
                          "%s: unsupported URL (use "
                          "http://, https://, oci:// or oci+http://)",
                          u->shown);
}

void store_blob_url(const store_store_url *u, const char *hex, char *out,
                    size_t size)
{
    if (u->oci)
        rrtx_format(out, size, "%s/blobs/sha256:%s", u->base, hex);
    else
        rrtx_format(out, size, "%s/blobs/sha256/%s", u->base, hex);
}

/* SHA-256 for store digests, from OpenSSL's libcrypto (EVP interface). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "store_dl.h"
#include "storei.h"

struct store_sha256 {
    EVP_MD_CTX *ctx;
};

store_sha256 *store_sha256_new(void)
{
    if (store_crypto_load(NULL) != RRT_OK)
        return NULL;
    store_sha256 *h = malloc(sizeof(*h));
    if (!h)
        return NULL;
    h->ctx = CR(EVP_MD_CTX_new)();
    if (!h->ctx || CR(EVP_DigestInit_ex)(h->ctx, CR(EVP_sha256)(), NULL) != 1) {
        CR(EVP_MD_CTX_free)(h->ctx);
        free(h);
        return NULL;
    }
    return h;
}

void store_sha256_update(store_sha256 *h, const void *p, size_t n)
{
    CR(EVP_DigestUpdate)(h->ctx, p, n);
}

void store_sha256_final(store_sha256 *h, uint8_t out[32])
{
    unsigned len = 32;
    CR(EVP_DigestFinal_ex)(h->ctx, out, &len);
    CR(EVP_DigestInit_ex)(h->ctx, CR(EVP_sha256)(), NULL);
}

void store_sha256_free(store_sha256 *h)
{
    if (!h)
        return;
    CR(EVP_MD_CTX_free)(h->ctx);
    free(h);
}

bool store_sha256_file(const char *path, uint8_t out[32], uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    store_sha256 *h = store_sha256_new();
    bool ok = h != NULL;
    uint64_t total = 0;
    char buf[65536];
    while (ok) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0)
            ok = false;
        if (n <= 0)
            break;
        store_sha256_update(h, buf, (size_t)n);
        total += (uint64_t)n;
    }
    if (ok) {
        store_sha256_final(h, out);
        *size = total;
    }
    store_sha256_free(h);
    close(fd);
    return ok;
}

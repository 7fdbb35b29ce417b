/* libcurl and libcrypto for push and pull, loaded when one of them runs
 * (rrtx_dl.h): call sites write CU(curl_easy_init)() and
 * CR(EVP_sha256)(), table entries in the dynamic rrt and the functions
 * themselves in a build with RRT_DLOPEN=0. */
#ifndef RRT_PUSH_STORE_DL_H
#define RRT_PUSH_STORE_DL_H

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <rrt/status.h>

#include "rrtx_dl.h"

/* The SONAMEs dlopen() asks for must be the ABIs these headers describe. */
#define STORE_CURL_SONAME "libcurl.so.4"
#if LIBCURL_VERSION_MAJOR < 7 || LIBCURL_VERSION_MAJOR > 8
#error "libcurl.so.4 is libcurl 7.x and 8.x: update STORE_CURL_SONAME"
#endif
#define STORE_CRYPTO_SONAME "libcrypto.so.3"
#if OPENSSL_VERSION_MAJOR != 3
#error "libcrypto.so.3 is OpenSSL 3.x: update STORE_CRYPTO_SONAME"
#endif

#define STORE_CURL_FUNCS(X)                                                    \
    X(curl_easy_cleanup)                                                       \
    X(curl_easy_escape)                                                        \
    X(curl_easy_getinfo)                                                       \
    X(curl_easy_init)                                                          \
    X(curl_easy_perform)                                                       \
    X(curl_easy_reset)                                                         \
    X(curl_easy_setopt)                                                        \
    X(curl_easy_strerror)                                                      \
    X(curl_free)                                                               \
    X(curl_global_init)                                                        \
    X(curl_multi_add_handle)                                                   \
    X(curl_multi_cleanup)                                                      \
    X(curl_multi_info_read)                                                    \
    X(curl_multi_init)                                                         \
    X(curl_multi_perform)                                                      \
    X(curl_multi_poll)                                                         \
    X(curl_multi_remove_handle)                                                \
    X(curl_slist_append)                                                       \
    X(curl_slist_free_all)

#define STORE_CRYPTO_FUNCS(X)                                                  \
    X(EVP_DigestFinal_ex)                                                      \
    X(EVP_DigestInit_ex)                                                       \
    X(EVP_DigestUpdate)                                                        \
    X(EVP_MD_CTX_free)                                                         \
    X(EVP_MD_CTX_new)                                                          \
    X(EVP_sha256)

#if RRT_DLOPEN
RRTX_DL_TABLE(store_curl, STORE_CURL_FUNCS);
RRTX_DL_TABLE(store_crypto, STORE_CRYPTO_FUNCS);
extern store_curl_table store_curl;
extern store_crypto_table store_crypto;
#define CU(f) (store_curl.f)
#define CR(f) (store_crypto.f)
#else
#define CU(f) f
#define CR(f) f
#endif

/* Load each library once (nothing to do with RRT_DLOPEN=0). store_push()
 * and store_pull() call store_dl_load() first, which loads both;
 * RRT_E_UNSUPPORTED with a message naming a missing library. The SHA-256
 * helpers, also used alone (manifest tests), call store_crypto_load(). */
rrt_status store_dl_load(rrt_error *err);
rrt_status store_crypto_load(rrt_error *err);

#endif

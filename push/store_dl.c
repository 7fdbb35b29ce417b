/* Loading libcurl and libcrypto for push and pull (store_dl.h). */
#include "store_dl.h"

#if RRT_DLOPEN
store_curl_table store_curl;
store_crypto_table store_crypto;

static rrtx_dl_lib curl_lib =
    RRTX_DL_LIB(STORE_CURL_SONAME, "libcurl4", "rrt push and rrt pull");
static rrtx_dl_lib crypto_lib =
    RRTX_DL_LIB(STORE_CRYPTO_SONAME, "libssl3", "rrt push and rrt pull");

#define STORE_CURL_RESOLVE(f)                                                  \
    rrtx_dl_sym(&curl_lib, #f, &store_curl.f, sizeof(store_curl.f));
#define STORE_CRYPTO_RESOLVE(f)                                                \
    rrtx_dl_sym(&crypto_lib, #f, &store_crypto.f, sizeof(store_crypto.f));

static void curl_load(void)
{
    rrtx_dl_open(&curl_lib);
    STORE_CURL_FUNCS(STORE_CURL_RESOLVE)
}

static void crypto_load(void)
{
    rrtx_dl_open(&crypto_lib);
    STORE_CRYPTO_FUNCS(STORE_CRYPTO_RESOLVE)
}

rrt_status store_crypto_load(rrt_error *err)
{
    pthread_once(&crypto_lib.once, crypto_load);
    return rrtx_dl_result(&crypto_lib, err);
}

rrt_status store_dl_load(rrt_error *err)
{
    pthread_once(&curl_lib.once, curl_load);
    rrt_status st = rrtx_dl_result(&curl_lib, err);
    return st != RRT_OK ? st : store_crypto_load(err);
}
#else
rrt_status store_crypto_load(rrt_error *err)
{
    (void)err;
    return RRT_OK;
}

rrt_status store_dl_load(rrt_error *err)
{
    (void)err;
    return RRT_OK;
}
#endif

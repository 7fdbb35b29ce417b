/* Loading libarchive for export, import and unpack (pack_la.h). */
#include "pack_la.h"

#if RRT_DLOPEN
pack_la_table pack_la;

static rrtx_dl_lib la_lib = RRTX_DL_LIB(PACK_LA_SONAME, "libarchive13",
                                        "rrt export, import and unpack");

#define PACK_LA_RESOLVE(f)                                                     \
    rrtx_dl_sym(&la_lib, #f, &pack_la.f, sizeof(pack_la.f));
static void la_load(void)
{
    rrtx_dl_open(&la_lib);
    PACK_LA_FUNCS(PACK_LA_RESOLVE)
}

rrt_status pack_la_load(rrt_error *err)
{
    pthread_once(&la_lib.once, la_load);
    return rrtx_dl_result(&la_lib, err);
}
#else
rrt_status pack_la_load(rrt_error *err)
{
    (void)err;
    return RRT_OK;
}
#endif

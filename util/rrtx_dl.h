/* Loading a shared library some commands need (libcurl, libarchive,
 * libcrypto) when such a command runs, rather than at every start of rrt:
 * the dynamic linker would otherwise load and relocate them and the dozens
 * of libraries they pull in before `rrt record` or `rrt --version` does
 * anything (issue #17).
 *
 * A module lists the functions it calls in an X-macro and gets a table of
 * pointers typed from the library's own -dev headers (rrtx_dl_table.h
 * below). Built with RRT_DLOPEN=0 (the static rrt) the same call sites
 * name the functions directly and the linker binds them. */
#ifndef RRT_UTIL_RRTX_DL_H
#define RRT_UTIL_RRTX_DL_H

#include <pthread.h>
#include <stddef.h>

#include <rrt/status.h>

#ifndef RRT_DLOPEN
#define RRT_DLOPEN 0
#endif

/* One optional library: its SONAME, the Debian package that has it and who
 * needs it (for the error), and the outcome of the one attempt to load it. */
typedef struct rrtx_dl_lib {
    const char *soname;  /* "libcurl.so.4" */
    const char *package; /* "libcurl4" */
    const char *users;   /* "rrt push and rrt pull" */
    pthread_once_t once;
    void *handle;
    rrt_error err; /* status RRT_OK once loaded */
} rrtx_dl_lib;

#define RRTX_DL_LIB(soname, package, users)                                    \
    {                                                                          \
        (soname), (package), (users), PTHREAD_ONCE_INIT, NULL,                 \
        {                                                                      \
            RRT_E_STATE, 0, 0, ""                                              \
        }                                                                      \
    }

/* dlopen()s lib->soname (RTLD_NOW | RTLD_LOCAL) into lib->handle; on
 * failure fills lib->err with one line naming the library, its package,
 * the commands that need it and dlerror(). */
void rrtx_dl_open(rrtx_dl_lib *lib);
/* Resolves NAME into *slot (a function pointer of size `size`); on failure
 * fills lib->err. Does nothing once lib->err holds a failure. */
void rrtx_dl_sym(rrtx_dl_lib *lib, const char *name, void *slot, size_t size);
/* Copies the outcome to err (may be NULL); returns its status. */
rrt_status rrtx_dl_result(const rrtx_dl_lib *lib, rrt_error *err);

/* Declares the table type NAME##_table with one member per function of
 * FUNCS (an X-macro list), each typed as a pointer to that function. */
#define RRTX_DL_MEMBER(f) __typeof__(f) *f;
#define RRTX_DL_TABLE(name, FUNCS)                                             \
    typedef struct name##_table {                                              \
        FUNCS(RRTX_DL_MEMBER)                                                  \
    } name##_table

#endif

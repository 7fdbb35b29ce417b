/* Run-time loading of the libraries only some commands need (rrtx_dl.h). */
#include <dlfcn.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rrtx.h"
#include "rrtx_dl.h"

#ifndef ARCH_GET_CPUID
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012
#endif

void rrtx_dl_open(rrtx_dl_lib *lib)
{
    rrt_error_clear(&lib->err);
    /* A library's constructor may run CPUID (a CPU check): with faulting
     * off, when the tracer's thread has it on (trace/selffault.c). */
    long cpuid_allowed = syscall(SYS_arch_prctl, ARCH_GET_CPUID, 0);
    if (cpuid_allowed == 0)
        syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
    lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (cpuid_allowed == 0)
        syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
    if (!lib->handle) {
        const char *why = dlerror();
        rrtx_fail(&lib->err, RRT_E_UNSUPPORTED, 0, NULL, UINT64_MAX,
                  "%s (Debian package %s): cannot load it, %s need it: %s",
                  lib->soname, lib->package, lib->users,
                  why ? why : "unknown error");
    }
}

void rrtx_dl_sym(rrtx_dl_lib *lib, const char *name, void *slot, size_t size)
{
    if (lib->err.status != RRT_OK)
        return;
    dlerror();
    void *p = dlsym(lib->handle, name);
    if (!p || size != sizeof(p)) {
        const char *why = dlerror();
        rrtx_fail(&lib->err, RRT_E_UNSUPPORTED, 0, NULL, UINT64_MAX,
                  "%s: has no function %s, which %s need (too old a "
                  "version?)%s%s",
                  lib->soname, name, lib->users, why ? ": " : "",
                  why ? why : "");
        return;
    }
    /* POSIX makes data and function pointers the same size (checked
     * above); memcpy converts without an ISO C cast between them. */
    memcpy(slot, &p, sizeof(p));
}

rrt_status rrtx_dl_result(const rrtx_dl_lib *lib, rrt_error *err)
{
    if (lib->err.status != RRT_OK && err)
        *err = lib->err;
    return lib->err.status;
}

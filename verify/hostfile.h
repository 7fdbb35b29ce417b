/* Host CPU descriptions for `rrt verify --host` and `rrt cpuid`: this host,
 * saved `rrt cpuid -o` files (and any archive with a CPID section), raw
 * dumps of Debian's `cpuid -r` and libvirt <cpudata arch='x86'> XML. The
 * CPUID of files is librrt's (rrt_cpuid_load); this adds metadata. */
#ifndef RRT_VERIFY_HOSTFILE_H
#define RRT_VERIFY_HOSTFILE_H

#include <stdbool.h>
#include <stddef.h>

#include <rrt/cpufeat.h>
#include <rrt/rrt.h>

#include "rrtx.h"

typedef enum host_format {
    HOST_LIVE,      /* CPUID executed on this machine */
    HOST_ARCHIVE,   /* an .rrt archive with a CPUID manifest */
    HOST_CPUID_RAW, /* `cpuid -r` output */
    HOST_LIBVIRT,   /* libvirt cpudata XML */
} host_format;

/* Limits on text descriptions (librrt's, <rrt/cpuid.h>). */
#define HOST_MAX_RECORDS RRT_CPUID_TEXT_MAX_RECORDS
#define HOST_MAX_TEXT RRT_CPUID_TEXT_MAX_BYTES
#define HOST_MAX_LINE RRT_CPUID_TEXT_MAX_LINE

/* Metadata keys of a saved host or mask file. */
#define HOST_META_KIND "rrt.kind"
#define HOST_KIND_HOST "cpuid-host"
#define HOST_KIND_MASK "cpuid-mask"
#define HOST_META_FAULTING "cpuid.faulting"         /* "yes" / "no" */
#define HOST_META_XCR0_DERIVED "cpuid.xcr0-derived" /* "yes" */
#define HOST_META_SOURCE "cpuid.source" /* where it was taken from */
#define HOST_META_HOSTNAME "host.name"

typedef struct host_desc {
    rrt_cpuid_manifest m;
    host_format format;
    /* XCR0 was not read with XGETBV but taken from the components leaf 0xD
     * subleaf 0 says the CPU supports (what Linux enables). */
    bool xcr0_derived;
    int faulting;     /* CPUID faulting: 1 yes, 0 no, -1 unknown */
    char kind[32];    /* HOST_KIND_*, or "" (e.g. a recording) */
    char source[256]; /* file name, or "this host" */
    char hostname[128];
} host_desc;

/* Fills err with a formatted one-line message and returns st. */
#define host_fail(err, st, ...)                                                \
    rrtx_fail(err, st, 0, NULL, UINT64_MAX, __VA_ARGS__)

/* Every function that fills an host_desc overwrites it without freeing:
 * clear what it held first. On failure the output is left cleared. */
void host_init(host_desc *h);
void host_clear(host_desc *h);
const char *host_format_name(host_format f);

/* This machine: CPUID, XGETBV, the faulting probe and the host name. */
rrt_status host_capture(host_desc *h, rrt_error *err);

/* Reads a host description, detecting its format by content. Errors name
 * the file: "hosts/a.xml: line 3: duplicate CPUID leaf 0x7 subleaf 0x0". */
rrt_status host_load(const char *path, host_desc *h, rrt_error *err);

/* Reads the CPUID manifest of an archive (a recording or a saved file). */
rrt_status host_load_archive(const char *path, host_desc *h, rrt_error *err);

/* Parses a text description held in memory. `name` is used in error
 * messages. */
rrt_status host_parse_text(const void *data, size_t len, const char *name,
                           host_desc *h, rrt_error *err);

/* Writes h as a small archive (CPID section + metadata) at path; the
 * writer makes it appear atomically. kind is HOST_KIND_HOST or _MASK. */
rrt_status host_save(const char *path, const host_desc *h, const char *kind,
                     rrt_error *err);

/* rrt_cpuid_common over hosts[0..n-1], as a mask file's description: kind
 * HOST_KIND_MASK, XCR0 derived if any host's was, faulting unknown. */
rrt_status host_common(const host_desc *hosts, size_t n, host_desc *out,
                       uint64_t *layout_conflicts, rrt_error *err);

#endif

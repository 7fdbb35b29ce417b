/* Invariants shared by the host-description parser harnesses: a parse
 * either yields a normalized manifest within the limits, which survives
 * the CPID codec and is compatible with itself, or fails with a one-line
 * message naming the input and leaves nothing allocated. */
#ifndef RRT_FUZZ_CPUID_COMMON_H
#define RRT_FUZZ_CPUID_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrt/compat.h>

#include "rrti.h"

#define FZC_MAX_INPUT (RRT_CPUID_TEXT_MAX_BYTES + 16)

static void fzc_die(const char *what)
{
    fprintf(stderr, "fuzz invariant violated: %s\n", what);
    abort();
}

static void fzc_check_manifest(const rrt_cpuid_manifest *m)
{
    if (m->n_records > RRT_CPUID_TEXT_MAX_RECORDS)
        fzc_die("too many records");
    if (strlen(m->vendor) != 12)
        fzc_die("vendor is not 12 printable characters");
    for (size_t i = 1; i < m->n_records; i++) {
        const rrt_cpuid_record *a = &m->records[i - 1], *b = &m->records[i];
        if (a->leaf > b->leaf ||
            (a->leaf == b->leaf && a->subleaf >= b->subleaf))
            fzc_die("records not sorted and unique");
    }
    uint8_t *enc = NULL;
    size_t len = 0;
    if (rrt_cpuid_manifest_encode(m, &enc, &len, NULL) != RRT_OK)
        fzc_die("parsed manifest does not encode");
    rrt_cpuid_manifest back;
    if (rrt_cpuid_manifest_decode(enc, len, &back, NULL) != RRT_OK ||
        back.n_records != m->n_records || back.xcr0 != m->xcr0 ||
        (m->n_records && memcmp(back.records, m->records,
                                m->n_records * sizeof(*m->records)) != 0))
        fzc_die("CPID codec round trip differs");
    free(enc);
    rrt_cpuid_manifest_clear(&back);
    rrt_compat c;
    if (rrt_compat_check(m, m, &c, NULL) != RRT_OK || !c.compatible)
        fzc_die("manifest incompatible with itself");
    rrt_compat_clear(&c);
}

static void fzc_check(rrt_status st, rrt_cpuid_manifest *m,
                      const rrt_error *err, const char *name)
{
    if (st == RRT_OK) {
        fzc_check_manifest(m);
        rrt_cpuid_manifest_clear(m);
        return;
    }
    if (m->records || m->n_records)
        fzc_die("failed parse left records behind");
    if (!strstr(err->message, name) || strchr(err->message, '\n'))
        fzc_die("error message does not name the input on one line");
}

#endif

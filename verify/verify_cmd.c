/* `rrt verify`: full integrity check of an archive, or with --host whether
 * this (or a described) machine can replay the recording. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cpu_report.h"
#include "hostfile.h"
#include "rrtx.h"

static const char help[] =
    "NAME\n"
    "  rrt verify - check an archive's integrity, or whether a host can "
    "replay it\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt verify [--json] FILE.rrt\n"
    "  rrt verify --host [--against HOSTFILE] [--json] FILE.rrt\n"
    "\n"
    "DESCRIPTION\n"
    "  Without --host, reads the whole archive and checks every section\n"
    "  checksum, the index against the body, every blob's chunks and content\n"
    "  id, every file entry and every event batch. Each problem is printed\n"
    "  on stderr as one line; a summary goes to stdout. Exit status 0 means\n"
    "  intact, 1 damaged, 2 unreadable or not an rrt archive.\n"
    "\n"
    "  With --host, compares the CPUID manifest stored in the recording with\n"
    "  this machine (or with HOSTFILE) and answers whether the recording can\n"
    "  be replayed there. It reads only the archive's index and manifest, so\n"
    "  it is fast on archives of any size. The host is incompatible when\n"
    "    - a CPU feature the recorded program could see (raw CPUID value with\n"
    "      the record-time mask applied) is missing on the host; features\n"
    "      are named as in /proc/cpuinfo and grouped by CPUID leaf and\n"
    "      register;\n"
    "    - an XSAVE state component the recorded program could use is not\n"
    "      enabled on the host, or has a different size or offset there\n"
    "      (CPUID leaf 0xD). It could use x87 and SSE state, and the state\n"
    "      of the features it could see: avx -> AVX state, avx512* ->\n"
    "      opmask and ZMM state, pku -> PKRU, amx_* -> tile state, ...;\n"
    "      components whose features the record-time mask hid are notes.\n"
    "  Reported but not blocking: features in CPUID leaves the program never\n"
    "  queried (when the recorder tracked queries), system features that\n"
    "  user code cannot use (vmx, x2apic, ...), and differences in vendor,\n"
    "  family/model/stepping, caches and topology. It also says whether the\n"
    "  host has CPUID faulting; without it, replay traps CPUID by patching\n"
    "  the instructions in the program's code, which works but costs\n"
    "  start-up time. Exit status 0 means compatible, 1 incompatible, 2 an\n"
    "  error (unreadable archive, no CPUID manifest, bad HOSTFILE).\n"
    "\n"
    "OPTIONS\n"
    "  --host             check replay compatibility instead of integrity\n"
    "  --against HOSTFILE compare with a described host instead of this one\n"
    "                     (implies --host). HOSTFILE is detected by content:\n"
    "                     a file written by `rrt cpuid -o`, the output of\n"
    "                     `cpuid -r` (first CPU only), or libvirt CPU data\n"
    "                     XML (<cpudata arch='x86'> with <cpuid/> elements).\n"
    "                     For the last two, XCR0 is taken to be every\n"
    "                     component CPUID leaf 0xD says the CPU supports,\n"
    "                     which is what Linux enables.\n"
    "  --json             print the result as one JSON object on stdout\n"
    "  -h, --help         show this help\n"
    "\n"
    "EXAMPLES\n"
    "  rrt verify build.rrt\n"
    "  rrt verify --host build.rrt\n"
    "  ssh prod1 rrt cpuid -o prod1.cpuid && scp prod1:prod1.cpuid .\n"
    "  rrt verify --host --against prod1.cpuid build.rrt\n"
    "  cpuid -r -1 > box.txt && rrt verify --host --against box.txt "
    "build.rrt\n";

typedef struct verify_opts {
    bool json;
    bool host;
    const char *against;
    const char *file;
} verify_opts;

static int parse_args(int argc, char **argv, verify_opts *o)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"host", no_argument, NULL, 'H'},
        {"against", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    optind = 0; /* GNU: full re-initialisation */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            o->json = true;
            break;
        case 'H':
            o->host = true;
            break;
        case 'a':
            o->against = optarg;
            o->host = true;
            break;
        default:
            return cli_bad_option("verify", argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage("verify", optind >= argc ? "missing FILE.rrt"
                                                  : "too many arguments");
    o->file = argv[optind];
    return -1;
}

/* ------------------------------------------------------------------ */
/* Integrity                                                          */

#define MAX_JSON_PROBLEMS 1000

typedef struct problems {
    bool json;
    char **v;
    size_t n, cap;
    uint64_t total;
} problems;

static void on_problem(void *ctx, const char *message)
{
    problems *p = ctx;
    p->total++;
    cli_error("%s", message);
    if (!p->json || p->n >= MAX_JSON_PROBLEMS)
        return;
    char **grown = rrtx_grow(p->v, &p->cap, p->n + 1, sizeof(*p->v));
    if (!grown)
        return;
    p->v = grown;
    char *copy = strdup(message);
    if (copy)
        p->v[p->n++] = copy;
}

/* Statuses that mean "could not judge" rather than "damaged". */
static bool is_input_error(rrt_status st)
{
    switch (st) {
    case RRT_E_IO:
    case RRT_E_NOMEM:
    case RRT_E_NOT_ARCHIVE:
    case RRT_E_VERSION:
    case RRT_E_INVALID:
    case RRT_E_UNSUPPORTED:
        return true;
    default:
        return false;
    }
}

static void integrity_json(const char *file, const char *verdict,
                           const rrt_verify_report *r, const problems *p)
{
    rrtx_json j;
    rrtx_json_init_file(&j, stdout, RRTX_JSON_SHORT_ESCAPES);
    fputs("{\"file\": ", stdout);
    rrtx_json_str(&j, file);
    printf(", \"result\": \"%s\", \"sections\": %" PRIu64
           ", \"blobs_checked\": %" PRIu64 ", \"bytes_checked\": %" PRIu64
           ", \"events\": %" PRIu64 ", \"orphan_chunks\": %" PRIu64
           ", \"problems\": %" PRIu64 ", \"messages\": [",
           verdict, r->sections, r->blobs_checked, r->bytes_checked, r->events,
           r->orphan_chunks, p->total);
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            fputs(", ", stdout);
        rrtx_json_str(&j, p->v[i]);
    }
    fputs("]}\n", stdout);
}

/* Opening first separates "cannot judge" (no such file, not an archive,
 * newer format) from damage, which rrt_verify_archive reports in detail. */
static bool openable(const char *file, rrt_error *err)
{
    rrt_reader *r = NULL;
    rrt_status st = rrt_reader_open(file, &r, err);
    if (st == RRT_OK) {
        rrt_reader_close(r);
        return true;
    }
    return !(is_input_error(st) || st == RRT_E_NOT_FOUND);
}

static void integrity_text(const char *file, const char *verdict,
                           const rrt_verify_report *r, const problems *p)
{
    printf("%s: %s: %" PRIu64 " sections, %" PRIu64 " blobs (%" PRIu64
           " bytes) checked, %" PRIu64 " events",
           file, verdict, r->sections, r->blobs_checked, r->bytes_checked,
           r->events);
    if (r->orphan_chunks)
        printf(", %" PRIu64 " orphan chunks (harmless)", r->orphan_chunks);
    if (p->total)
        printf(", %" PRIu64 " problem%s", p->total, p->total == 1 ? "" : "s");
    putchar('\n');
}

static void error_json(const char *file, const rrt_error *err)
{
    rrtx_json j;
    rrtx_json_init_file(&j, stdout, RRTX_JSON_SHORT_ESCAPES);
    fputs("{\"file\": ", stdout);
    rrtx_json_str(&j, file);
    fputs(", \"result\": \"error\", \"error\": ", stdout);
    rrtx_json_str(&j, err->message);
    fputs("}\n", stdout);
}

static int run_integrity(const verify_opts *o)
{
    problems p = {.json = o->json};
    rrt_verify_report r;
    memset(&r, 0, sizeof(r));
    rrt_error err;
    rrt_error_clear(&err);
    rrt_status st = RRT_E_IO;
    if (openable(o->file, &err)) {
        rrt_error_clear(&err);
        st = rrt_verify_archive(o->file, on_problem, &p, &r, &err);
    }
    int code = st == RRT_OK         ? CLI_EXIT_OK
               : is_input_error(st) ? CLI_EXIT_ERROR
                                    : CLI_EXIT_NO;
    if (code == CLI_EXIT_ERROR) {
        if (p.total == 0) /* else the problem lines said it already */
            cli_report(&err);
        if (o->json)
            error_json(o->file, &err);
    } else if (o->json) {
        integrity_json(o->file, code ? "damaged" : "intact", &r, &p);
    } else {
        integrity_text(o->file, code ? "damaged" : "intact", &r, &p);
    }
    for (size_t i = 0; i < p.n; i++)
        free(p.v[i]);
    free(p.v);
    return code;
}

/* ------------------------------------------------------------------ */
/* Host compatibility                                                 */

static const char *trap_description(int faulting)
{
    if (faulting > 0)
        return "the host has CPUID faulting: replay traps every CPUID and "
               "answers it from the recording";
    if (faulting == 0)
        return "the host has no CPUID faulting: replay patches the CPUID "
               "instructions in the program's code to trap into rrt "
               "(instruction patching; slower start-up)";
    return "unknown whether the host has CPUID faulting; without it replay "
           "patches CPUID instructions (instruction patching)";
}

static void print_recording_flags(const rrt_cpuid_manifest *m)
{
    printf("  cpuid:     ");
    if (m->flags & RRT_CPUID_FAULTING_USED)
        printf("trapped by faulting at record time");
    else if (m->flags & RRT_CPUID_PATCHING_USED)
        printf("trapped by patching at record time");
    else
        printf("trap method not recorded");
    if (m->flags & RRT_CPUID_MASKED)
        printf("; masked (%s)", m->mask_name[0] ? m->mask_name : DEFAULT_MASK);
    if (m->flags & RRT_CPUID_QUERIED_KNOWN)
        printf("; %zu leaves queried", m->n_queried);
    putchar('\n');
}

static void print_sides(const verify_opts *o, const host_desc *rec,
                        const host_desc *host)
{
    printf("recording: %s\n  cpu:       ", o->file);
    host_print_cpu_line(stdout, &rec->m);
    putchar('\n');
    print_recording_flags(&rec->m);
    printf("host:      %s", host->source);
    if (host->format != HOST_LIVE)
        printf(" (%s)", host_format_name(host->format));
    printf("\n  cpu:       ");
    host_print_cpu_line(stdout, &host->m);
    putchar('\n');
}

static void print_notes(const rrt_compat *c, const host_desc *rec,
                        const host_desc *host)
{
    printf("notes:\n");
    if (c->n_not_needed) {
        printf("  missing on the host but never queried by the recording "
               "(not needed):\n");
        rrt_cpu_features_format(c->not_needed, c->n_not_needed, "    ", stdout);
    }
    if (c->n_system_missing) {
        printf("  system features missing on the host (programs cannot use "
               "them):\n");
        rrt_cpu_features_format(c->system_missing, c->n_system_missing, "    ",
                                stdout);
    }
    if (c->xcr0_missing_unused) {
        printf("  XSAVE components not enabled on the host, unused by the "
               "masked program:\n    ");
        rrt_xsave_components_format(c->xcr0_missing_unused, stdout);
        putchar('\n');
    }
    if (c->n_layout_unused)
        printf("  XSAVE layout differs, unused by the masked program:\n");
    for (size_t i = 0; i < c->n_layout_unused; i++) {
        const rrt_xsave_diff *d = &c->layout_unused[i];
        printf("    component %u (%s): size %" PRIu32 " offset %" PRIu32
               " recorded, size %" PRIu32 " offset %" PRIu32 " on the host\n",
               d->component, rrt_xsave_component_name(d->component),
               d->rec_size, d->rec_offset, d->host_size, d->host_offset);
    }
    if (c->layout_unknown) {
        printf("  XSAVE layout not described for: ");
        rrt_xsave_components_format(c->layout_unknown, stdout);
        putchar('\n');
    }
    if (c->rec_xsave_size && c->host_xsave_size > c->rec_xsave_size)
        printf("  XSAVE area for every enabled component: %" PRIu32
               " bytes on the host, %" PRIu32 " recorded\n    (CPUID 0xD.0 "
               "EBX); code that saves state it does not use, such as glibc's\n"
               "    lazy-binding trampoline, writes the host's image: see "
               "spec/compat.md\n",
               c->host_xsave_size, c->rec_xsave_size);
    if (c->vendor_differs)
        printf("  vendor differs (%s recorded, %s on the host): information "
               "only\n",
               rec->m.vendor, host->m.vendor);
    if (c->signature_differs)
        printf("  family/model/stepping differ: information only\n");
    if (c->cache_differs)
        printf("  cache descriptions differ: information only\n");
    if (c->topology_differs)
        printf("  topology differs: information only\n");
    if (host->xcr0_derived)
        printf("  host XCR0 derived from CPUID leaf 0xD (supported "
               "components)\n");
    printf("  %s\n", trap_description(host->faulting));
}

static void print_host_text(const verify_opts *o, const rrt_compat *c,
                            const host_desc *rec, const host_desc *host)
{
    size_t n_comp = 0;
    for (unsigned i = 0; i < 64; i++)
        n_comp += (c->xcr0_missing >> i) & 1;
    if (c->compatible)
        printf("%s: compatible with %s\n", o->file, host->source);
    else
        printf("%s: INCOMPATIBLE with %s: %zu CPU feature%s, %zu XSAVE "
               "component%s missing, %zu XSAVE layout difference%s\n",
               o->file, host->source, c->n_missing,
               c->n_missing == 1 ? "" : "s", n_comp, n_comp == 1 ? "" : "s",
               c->n_layout, c->n_layout == 1 ? "" : "s");
    print_sides(o, rec, host);
    if (!c->compatible) {
        printf("blocking:\n");
        rrt_compat_format(c, stdout);
    }
    print_notes(c, rec, host);
}

static void json_side(const char *key, const host_desc *h)
{
    rrtx_json j;
    rrtx_json_init_file(&j, stdout, RRTX_JSON_SHORT_ESCAPES);
    printf("  \"%s\": {\"source\": ", key);
    rrtx_json_str(&j, h->source);
    printf(", \"format\": \"%s\", ", host_format_name(h->format));
    host_json_cpu_members(stdout, &h->m);
    printf(", \"xcr0_derived\": %s, \"cpuid_faulting\": ",
           h->xcr0_derived ? "true" : "false");
    host_json_tristate(stdout, h->faulting);
    printf("},\n");
}

static void json_layout(const rrt_xsave_diff *v, size_t n)
{
    putchar('[');
    for (size_t i = 0; i < n; i++) {
        const rrt_xsave_diff *d = &v[i];
        printf("%s{\"component\": %u, \"name\": \"%s\", \"recorded\": "
               "{\"size\": %" PRIu32 ", \"offset\": %" PRIu32
               "}, \"host\": {\"size\": %" PRIu32 ", \"offset\": %" PRIu32 "}}",
               i ? ", " : "", d->component,
               rrt_xsave_component_name(d->component), d->rec_size,
               d->rec_offset, d->host_size, d->host_offset);
    }
    putchar(']');
}

static void print_host_json(const verify_opts *o, const rrt_compat *c,
                            const host_desc *rec, const host_desc *host)
{
    rrtx_json j;
    rrtx_json_init_file(&j, stdout, RRTX_JSON_SHORT_ESCAPES);
    printf("{\n  \"file\": ");
    rrtx_json_str(&j, o->file);
    printf(",\n  \"compatible\": %s,\n", c->compatible ? "true" : "false");
    json_side("recording", rec);
    json_side("host", host);
    printf("  \"missing\": ");
    host_json_features(stdout, c->missing, c->n_missing);
    printf(",\n  \"not_needed\": ");
    host_json_features(stdout, c->not_needed, c->n_not_needed);
    printf(",\n  \"system_missing\": ");
    host_json_features(stdout, c->system_missing, c->n_system_missing);
    printf(",\n  \"xcr0_missing\": ");
    host_json_components(stdout, c->xcr0_missing);
    printf(",\n  \"xsave_layout_mismatch\": ");
    json_layout(c->layout, c->n_layout);
    printf(",\n  \"xsave_usable\": ");
    host_json_components(stdout, c->rec_usable);
    printf(",\n  \"xcr0_missing_unused\": ");
    host_json_components(stdout, c->xcr0_missing_unused);
    printf(",\n  \"xsave_layout_mismatch_unused\": ");
    json_layout(c->layout_unused, c->n_layout_unused);
    printf(",\n  \"xsave_size\": {\"recorded\": %" PRIu32 ", \"host\": %" PRIu32
           "}",
           c->rec_xsave_size, c->host_xsave_size);
    printf(",\n  \"xsave_layout_unknown\": ");
    host_json_components(stdout, c->layout_unknown);
    printf(",\n  \"info\": {\"vendor_differs\": %s, \"signature_differs\": "
           "%s, \"cache_differs\": %s, \"topology_differs\": %s},\n",
           c->vendor_differs ? "true" : "false",
           c->signature_differs ? "true" : "false",
           c->cache_differs ? "true" : "false",
           c->topology_differs ? "true" : "false");
    printf("  \"replay_cpuid_trap\": \"%s\"\n}\n",
           host->faulting > 0    ? "faulting"
           : host->faulting == 0 ? "patching"
                                 : "unknown");
}

static int run_host(const verify_opts *o)
{
    host_desc rec, host;
    host_init(&rec);
    host_init(&host);
    rrt_compat c = {0};
    rrt_error err;
    rrt_error_clear(&err);
    int code = CLI_EXIT_ERROR;
    rrt_status st = host_load_archive(o->file, &rec, &err);
    if (st == RRT_OK)
        st = o->against ? host_load(o->against, &host, &err)
                        : host_capture(&host, &err);
    if (st == RRT_OK)
        st = rrt_compat_check(&rec.m, &host.m, &c, &err);
    if (st != RRT_OK) {
        cli_report(&err);
        goto out;
    }
    if (o->json)
        print_host_json(o, &c, &rec, &host);
    else
        print_host_text(o, &c, &rec, &host);
    code = c.compatible ? CLI_EXIT_OK : CLI_EXIT_NO;
out:
    rrt_compat_clear(&c);
    host_clear(&rec);
    host_clear(&host);
    return code;
}

static int run_verify(int argc, char **argv)
{
    verify_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    return o.host ? run_host(&o) : run_integrity(&o);
}

const cli_command cmd_verify = {
    .name = "verify",
    .summary = "check an archive's integrity, or whether a host can replay "
               "it",
    .help = help,
    .run = run_verify,
};

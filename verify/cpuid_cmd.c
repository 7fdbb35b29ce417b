/* `rrt cpuid`: describe this host's CPU (or a saved description), save it
 * for `rrt verify --host --against`, intersect several hosts into a mask
 * for `rrt record --cpu-mask`, and diff two hosts. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cpu_report.h"
#include "hostfile.h"
#include "rrtx.h"

static const char help[] =
    "NAME\n"
    "  rrt cpuid - describe, save, combine and compare host CPUs\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt cpuid [--json] [--from HOSTFILE] [-o FILE]\n"
    "  rrt cpuid --common [-o MASKFILE | --json] HOSTFILE... [> MASKFILE]\n"
    "  rrt cpuid --diff [--json] HOSTFILE_A HOSTFILE_B\n"
    "\n"
    "DESCRIPTION\n"
    "  Without --common or --diff, runs CPUID on this machine (or reads\n"
    "  HOSTFILE) and prints the vendor, family/model/stepping, the highest\n"
    "  x86-64 psABI level it meets, whether the kernel offers CPUID faulting,\n"
    "  XCR0 and the XSAVE layout, and the CPU features by their\n"
    "  /proc/cpuinfo names grouped by CPUID leaf and register. --json adds\n"
    "  every raw CPUID record. -o FILE saves the description as a small\n"
    "  .rrt archive that `rrt verify --host --against FILE` reads on another\n"
    "  machine; it appears atomically under FILE.\n"
    "\n"
    "  --common computes the features that every listed host offers and\n"
    "  writes them as a mask file that `rrt record --cpu-mask MASKFILE`\n"
    "  applies, so that the recording replays on each of those hosts: to\n"
    "  MASKFILE with -o, else to stdout (`rrt cpuid --common A B >\n"
    "  fleet.mask`). Like a compressor, it refuses to write the binary mask\n"
    "  to a terminal (exit status 2); `rrt cpuid --from MASKFILE` describes\n"
    "  a mask, and --json without -o prints the description instead. It\n"
    "  also hides the features whose XSAVE state (AVX-512, AMX, PKRU, ...)\n"
    "  not every host enables, or the hosts lay out differently (AMD and\n"
    "  Intel place AVX-512 state at different offsets), and says so.\n"
    "\n"
    "  --diff lists the features present on one host and not the other.\n"
    "  Exit status 1 means the feature sets or XCR0 differ.\n"
    "\n"
    "  A HOSTFILE is a file written by `rrt cpuid -o` or --common, any .rrt\n"
    "  recording (its manifest is used), the output of `cpuid -r` (Debian\n"
    "  package cpuid; the first CPU is used), or libvirt CPU test data XML\n"
    "  (<cpudata arch='x86'>). The format is detected from the content.\n"
    "\n"
    "OPTIONS\n"
    "  --from HOSTFILE  describe HOSTFILE instead of this host (with -o:\n"
    "                   convert it to a saved host file)\n"
    "  --common         intersect the HOSTFILEs into a CPU mask\n"
    "  --diff           compare two HOSTFILEs\n"
    "  -o, --output FILE\n"
    "                   write the host description (or with --common the\n"
    "                   mask) to FILE; it appears atomically\n"
    "  --json           print JSON on stdout (also with -o)\n"
    "  -h, --help       show this help\n"
    "\n"
    "EXAMPLES\n"
    "  rrt cpuid\n"
    "  rrt cpuid -o $(hostname).cpuid\n"
    "  cpuid -r -1 > box.txt; rrt cpuid --from box.txt -o box.cpuid\n"
    "  rrt cpuid --common web1.cpuid web2.cpuid db1.cpuid -o fleet.mask\n"
    "  rrt cpuid --common laptop.xml ci.txt > fleet.mask\n"
    "  rrt record --cpu-mask fleet.mask -o run.rrt -- ./server\n"
    "  rrt cpuid --diff web1.cpuid db1.cpuid\n";

typedef enum { MODE_DESCRIBE, MODE_COMMON, MODE_DIFF } cpuid_mode;

typedef struct cpuid_opts {
    cpuid_mode mode;
    bool json;
    const char *from;
    const char *output;
    char **files;
    int n_files;
} cpuid_opts;

static int parse_args(int argc, char **argv, cpuid_opts *o)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"from", required_argument, NULL, 'f'},
        {"common", no_argument, NULL, 'c'},
        {"diff", no_argument, NULL, 'd'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            o->json = true;
            break;
        case 'f':
            o->from = optarg;
            break;
        case 'c':
        case 'd': {
            cpuid_mode m = c == 'c' ? MODE_COMMON : MODE_DIFF;
            if (o->mode != MODE_DESCRIBE && o->mode != m)
                return cli_usage("cpuid", "--common and --diff exclude each "
                                          "other");
            o->mode = m;
            break;
        }
        case 'o':
            o->output = optarg;
            break;
        default:
            return cli_bad_option("cpuid", argv);
        }
    }
    o->files = argv + optind;
    o->n_files = argc - optind;
    if (o->mode == MODE_DESCRIBE && o->n_files)
        return cli_usage("cpuid",
                         "unexpected argument '%s' (use --from, "
                         "--common or --diff)",
                         o->files[0]);
    if (o->mode != MODE_DESCRIBE && o->from)
        return cli_usage("cpuid", "--from only applies to describing one "
                                  "host");
    if (o->mode == MODE_COMMON && o->n_files < 1)
        return cli_usage("cpuid", "--common needs at least one HOSTFILE");
    if (o->mode == MODE_DIFF && o->n_files != 2)
        return cli_usage("cpuid", "--diff needs exactly two HOSTFILEs");
    if (o->mode == MODE_DIFF && o->output)
        return cli_usage("cpuid", "--diff writes no file; -o does not apply");
    if (o->mode == MODE_COMMON && !o->output && !o->json &&
        isatty(STDOUT_FILENO))
        return cli_usage("cpuid", "stdout is a terminal: not writing a binary "
                                  "mask to it (redirect it, `> fleet.mask`, "
                                  "or use -o FILE)");
    return -1;
}

/* ------------------------------------------------------------------ */
/* Describe                                                           */

static uint32_t max_leaf(const rrt_cpuid_manifest *m, uint32_t base)
{
    const rrt_cpuid_record *r = rrt_cpuid_manifest_find(m, base, 0);
    return r ? r->eax : 0;
}

/* Components no visible feature uses are marked: a program that sees this
 * CPU (or a recording made with this mask) cannot use them, so rules 2 and
 * 3 of spec/compat.md do not hold them against a host. */
static void print_xsave_layout(const rrt_cpuid_manifest *m)
{
    uint64_t usable = rrt_xsave_usable(m);
    printf("xsave:     component        size  offset\n");
    for (unsigned i = 2; i < 64; i++) {
        if (!(m->xcr0 & ((uint64_t)1 << i)))
            continue;
        const char *hidden =
            (usable >> i) & 1 ? "" : "  (no visible feature uses it)";
        const rrt_cpuid_record *r = rrt_cpuid_manifest_find(m, 0xd, i);
        if (r)
            printf("           %2u %-12s %5" PRIu32 " %7" PRIu32 "%s\n", i,
                   rrt_xsave_component_name(i), r->eax, r->ebx, hidden);
        else
            printf("           %2u %-12s (not described)%s\n", i,
                   rrt_xsave_component_name(i), hidden);
    }
}

static void split_user(const rrt_cpu_feature **all, size_t n,
                       const rrt_cpu_feature **user, size_t *nu,
                       const rrt_cpu_feature **sys, size_t *ns)
{
    *nu = *ns = 0;
    for (size_t i = 0; i < n; i++) {
        if (all[i]->flags & RRT_FEAT_USER)
            user[(*nu)++] = all[i];
        else
            sys[(*ns)++] = all[i];
    }
}

static const char *faulting_text(int f)
{
    return f > 0    ? "available (replay traps CPUID without patching code)"
           : f == 0 ? "not available (replay patches CPUID instructions)"
                    : "unknown";
}

static void describe_text(const host_desc *h, const rrt_cpu_feature **all,
                          size_t n)
{
    const rrt_cpuid_manifest *m = &h->m;
    unsigned fam, model, step;
    char brand[49];
    rrt_cpu_brand(m, brand);
    printf("source:    %s (%s)\n", h->source, host_format_name(h->format));
    printf("vendor:    %s\n", m->vendor);
    if (rrt_cpu_signature(m, &fam, &model, &step))
        printf("cpu:       family 0x%x model 0x%x stepping %u\n", fam, model,
               step);
    if (brand[0])
        printf("brand:     %s\n", brand);
    printf("leaves:    max basic 0x%" PRIx32 ", max extended 0x%" PRIx32
           ", %zu records\n",
           max_leaf(m, 0), max_leaf(m, 0x80000000u), m->n_records);
    unsigned level = rrt_cpuid_level_of(m);
    if (level >= 2)
        printf("psABI:     x86-64-v%u\n", level);
    else
        printf("psABI:     %s\n",
               level ? "x86-64 (baseline)" : "below baseline");
    printf("faulting:  %s\n", faulting_text(h->faulting));
    printf("xcr0:      0x%016" PRIx64 " (", m->xcr0);
    rrt_xsave_components_format(m->xcr0, stdout);
    printf(")%s\n", h->xcr0_derived ? ", derived from CPUID leaf 0xD" : "");
    print_xsave_layout(m);
    if (m->flags & RRT_CPUID_MASKED)
        printf("mask:      %s (%zu mask records)\n",
               m->mask_name[0] ? m->mask_name : DEFAULT_MASK, m->n_masks);
    const rrt_cpu_feature **user = calloc(n + 1, sizeof(*user));
    const rrt_cpu_feature **sys = calloc(n + 1, sizeof(*sys));
    if (!user || !sys) {
        free(user);
        free(sys);
        return;
    }
    size_t nu, ns;
    split_user(all, n, user, &nu, sys, &ns);
    printf("features (%zu):\n", nu);
    rrt_cpu_features_format(user, nu, "  ", stdout);
    printf("system features (%zu):\n", ns);
    rrt_cpu_features_format(sys, ns, "  ", stdout);
    free(user);
    free(sys);
}

static void describe_json(const host_desc *h, const rrt_cpu_feature **all,
                          size_t n)
{
    rrtx_json j;
    rrtx_json_init_file(&j, stdout, RRTX_JSON_SHORT_ESCAPES);
    const rrt_cpuid_manifest *m = &h->m;
    printf("{\n  \"source\": ");
    rrtx_json_str(&j, h->source);
    printf(", \"format\": \"%s\", \"kind\": ", host_format_name(h->format));
    rrtx_json_str(&j, h->kind);
    printf(", \"hostname\": ");
    rrtx_json_str(&j, h->hostname);
    printf(",\n  ");
    host_json_cpu_members(stdout, m);
    printf(",\n  \"max_basic_leaf\": \"0x%08" PRIx32
           "\", \"max_extended_leaf\": \"0x%08" PRIx32
           "\", \"xcr0_derived\": %s, \"cpuid_faulting\": ",
           max_leaf(m, 0), max_leaf(m, 0x80000000u),
           h->xcr0_derived ? "true" : "false");
    host_json_tristate(stdout, h->faulting);
    printf(",\n  \"xsave_layout\": [");
    const char *sep = "";
    for (unsigned i = 2; i < 64; i++) {
        const rrt_cpuid_record *r = rrt_cpuid_manifest_find(m, 0xd, i);
        if (!(m->xcr0 & ((uint64_t)1 << i)) || !r)
            continue;
        printf("%s{\"component\": %u, \"name\": \"%s\", \"size\": %" PRIu32
               ", \"offset\": %" PRIu32 "}",
               sep, i, rrt_xsave_component_name(i), r->eax, r->ebx);
        sep = ", ";
    }
    printf("],\n  \"features\": ");
    host_json_features(stdout, all, n);
    printf(",\n  ");
    host_json_raw_members(stdout, m);
    printf("\n}\n");
}

static int copy_to_stdout(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    char buf[65536];
    int code = CLI_EXIT_OK;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0) {
                cli_error("%s: %s", path, strerror(errno));
                code = CLI_EXIT_ERROR;
            }
            break;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t k = write(STDOUT_FILENO, buf + done, (size_t)(n - done));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                cli_error("stdout: %s", strerror(errno));
                close(fd);
                return CLI_EXIT_ERROR;
            }
            done += k;
        }
    }
    close(fd);
    return code;
}

/* `--common` without -o writes the mask to stdout, as compressors do
 * (parse_args refuses a terminal). The archive writer needs a path (it
 * renames NAME.partial into place), so the mask goes through a private
 * directory. */
static int save_to_stdout(const host_desc *h, const char *kind)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096], path[4112];
    snprintf(dir, sizeof(dir), "%s/rrt-cpuid-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        cli_error("%s: %s", dir, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    snprintf(path, sizeof(path), "%s/mask.rrt", dir);
    rrt_error err;
    rrt_error_clear(&err);
    cli_remove_on_signal(path);
    int code = CLI_EXIT_OK;
    if (host_save(path, h, kind, &err) != RRT_OK) {
        cli_report(&err);
        code = CLI_EXIT_ERROR;
    }
    cli_remove_on_signal(NULL);
    if (code == CLI_EXIT_OK)
        code = copy_to_stdout(path);
    unlink(path);
    rmdir(dir);
    return code;
}

static int output(const cpuid_opts *o, const host_desc *h, const char *kind)
{
    if (o->mode == MODE_COMMON && !o->output && !o->json)
        return save_to_stdout(h, kind);
    size_t n;
    const rrt_cpu_feature **all = host_features_of(&h->m, &n);
    if (!all) {
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    int code = CLI_EXIT_OK;
    if (o->output) {
        rrt_error err;
        rrt_error_clear(&err);
        cli_remove_on_signal(o->output);
        if (host_save(o->output, h, kind, &err) != RRT_OK) {
            cli_report(&err);
            code = CLI_EXIT_ERROR;
        }
        cli_remove_on_signal(NULL);
    }
    if (code == CLI_EXIT_OK && o->json)
        describe_json(h, all, n);
    else if (code == CLI_EXIT_OK && !o->output)
        describe_text(h, all, n);
    free(all);
    return code;
}

static int run_describe(const cpuid_opts *o)
{
    host_desc h;
    rrt_error err;
    rrt_error_clear(&err);
    rrt_status st =
        o->from ? host_load(o->from, &h, &err) : host_capture(&h, &err);
    if (st != RRT_OK) {
        cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    int code = output(o, &h, HOST_KIND_HOST);
    host_clear(&h);
    return code;
}

/* ------------------------------------------------------------------ */
/* Common and diff                                                    */

static rrt_status load_all(char **files, size_t n, host_desc *hosts,
                           rrt_error *err)
{
    for (size_t i = 0; i < n; i++)
        host_init(&hosts[i]);
    for (size_t i = 0; i < n; i++) {
        rrt_status st = host_load(files[i], &hosts[i], err);
        if (st != RRT_OK)
            return st;
    }
    return RRT_OK;
}

static void warn_common(const host_desc *hosts, size_t n, uint64_t conflicts)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(hosts[i].m.vendor, hosts[0].m.vendor) != 0) {
            cli_warn("hosts have different vendors (%s, %s); the mask keeps "
                     "only features, programs still see the recording "
                     "host's vendor",
                     hosts[0].m.vendor, hosts[i].m.vendor);
            break;
        }
    if (!conflicts)
        return;
    fputs("rrt: XSAVE layout differs between hosts for: ", stderr);
    rrt_xsave_components_format(conflicts, stderr);
    fputs("; the mask hides the features that use them\n", stderr);
}

static int run_common(const cpuid_opts *o)
{
    size_t n = (size_t)o->n_files;
    host_desc *hosts = calloc(n, sizeof(*hosts));
    host_desc out;
    host_init(&out);
    if (!hosts) {
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    rrt_error err;
    rrt_error_clear(&err);
    uint64_t conflicts = 0;
    int code = CLI_EXIT_ERROR;
    rrt_status st = load_all(o->files, n, hosts, &err);
    if (st == RRT_OK)
        st = host_common(hosts, n, &out, &conflicts, &err);
    if (st != RRT_OK) {
        cli_report(&err);
        goto out;
    }
    warn_common(hosts, n, conflicts);
    code = output(o, &out, HOST_KIND_MASK);
out:
    for (size_t i = 0; i < n; i++)
        host_clear(&hosts[i]);
    free(hosts);
    host_clear(&out);
    return code;
}

/* Features present in a and not in b; returns the count. */
static size_t only_in(const rrt_cpuid_manifest *a, const rrt_cpuid_manifest *b,
                      const rrt_cpu_feature **out)
{
    size_t n = 0, nf = rrt_cpu_feature_count();
    for (size_t i = 0; i < nf; i++) {
        const rrt_cpu_feature *f = rrt_cpu_feature_at(i);
        if (rrt_cpu_feature_present(a, f) && !rrt_cpu_feature_present(b, f))
            out[n++] = f;
    }
    return n;
}

static void diff_text(const cpuid_opts *o, const host_desc *h,
                      const rrt_cpu_feature **ab, size_t nab,
                      const rrt_cpu_feature **ba, size_t nba)
{
    const char *names[2] = {o->files[0], o->files[1]};
    const rrt_cpu_feature **lists[2] = {ab, ba};
    size_t counts[2] = {nab, nba};
    for (int s = 0; s < 2; s++) {
        printf("%s: ", names[s]);
        host_print_cpu_line(stdout, &h[s].m);
        printf("\n  only here (%zu):%s\n", counts[s], counts[s] ? "" : " none");
        rrt_cpu_features_format(lists[s], counts[s], "    ", stdout);
        uint64_t extra = h[s].m.xcr0 & ~h[1 - s].m.xcr0;
        if (extra) {
            printf("  XSAVE components only here: ");
            rrt_xsave_components_format(extra, stdout);
            putchar('\n');
        }
    }
}

static void diff_json(const host_desc *h, const rrt_cpu_feature **ab,
                      size_t nab, const rrt_cpu_feature **ba, size_t nba)
{
    rrtx_json j;
    rrtx_json_init_file(&j, stdout, RRTX_JSON_SHORT_ESCAPES);
    printf("{\"a\": ");
    rrtx_json_str(&j, h[0].source);
    printf(", \"b\": ");
    rrtx_json_str(&j, h[1].source);
    printf(",\n \"only_a\": ");
    host_json_features(stdout, ab, nab);
    printf(",\n \"only_b\": ");
    host_json_features(stdout, ba, nba);
    printf(",\n \"xcr0_only_a\": ");
    host_json_components(stdout, h[0].m.xcr0 & ~h[1].m.xcr0);
    printf(", \"xcr0_only_b\": ");
    host_json_components(stdout, h[1].m.xcr0 & ~h[0].m.xcr0);
    printf("}\n");
}

static int run_diff(const cpuid_opts *o)
{
    host_desc h[2];
    rrt_error err;
    rrt_error_clear(&err);
    size_t nf = rrt_cpu_feature_count();
    const rrt_cpu_feature **ab = calloc(nf, sizeof(*ab));
    const rrt_cpu_feature **ba = calloc(nf, sizeof(*ba));
    int code = CLI_EXIT_ERROR;
    rrt_status st = load_all(o->files, 2, h, &err);
    if (st != RRT_OK || !ab || !ba) {
        if (st != RRT_OK)
            cli_report(&err);
        else
            cli_error("out of memory");
        goto out;
    }
    size_t nab = only_in(&h[0].m, &h[1].m, ab);
    size_t nba = only_in(&h[1].m, &h[0].m, ba);
    if (o->json)
        diff_json(h, ab, nab, ba, nba);
    else
        diff_text(o, h, ab, nab, ba, nba);
    code =
        (nab || nba || h[0].m.xcr0 != h[1].m.xcr0) ? CLI_EXIT_NO : CLI_EXIT_OK;
out:
    host_clear(&h[0]);
    host_clear(&h[1]);
    free(ab);
    free(ba);
    return code;
}

static int run_cpuid(int argc, char **argv)
{
    cpuid_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    switch (o.mode) {
    case MODE_COMMON:
        return run_common(&o);
    case MODE_DIFF:
        return run_diff(&o);
    default:
        return run_describe(&o);
    }
}

const cli_command cmd_cpuid = {
    .name = "cpuid",
    .summary = "describe, save, intersect or compare host CPUs",
    .help = help,
    .run = run_cpuid,
};

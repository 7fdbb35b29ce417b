/* `rrt record`: option parsing and help; the engine is recorder.c. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrt/cpufeat.h>

#include "cli.h"
#include "recorder.h"

/* Exit codes of rrt's own outcomes (EXIT STATUS in the help). */
enum { RECORD_EXIT_FAILED = 125, RECORD_EXIT_NOT_FOUND = 127 };
/* A usage error is "no recording" too: 2 could be the program's status. */
#define USAGE(...) (cli_usage("record", __VA_ARGS__), RECORD_EXIT_FAILED)

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    interrupted = sig;
}

static void on_note(void *ctx, rec_note note, const char *text)
{
    (void)ctx;
    switch (note) {
    case REC_NOTE_WARNING:
        fprintf(stderr, "rrt record: warning: %s\n", text);
        break;
    }
}

/* Runs the recording with SIGINT and SIGTERM turned into a request to
 * stop (the program is killed, OUT.partial kept), and maps its outcome to
 * the exit status. */
static int record(rec_options *o, bool stats)
{
    struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
    cli_signals_inherited(&o->sig_ignored, &o->sig_blocked);
    o->signals_set = true;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    o->interrupt = &interrupted;
    o->notify = on_note;
    rec_report rep;
    rrt_error err;
    rec_record(o, &rep, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (stats && rep.outcome != REC_FAILED) {
        cli_print_event_counts("record", rep.events, rep.counts,
                               rep.site_regions);
        if (rep.site_by_file_id)
            fprintf(stderr,
                    "rrt record: %llu code regions known by file identity, "
                    "not read\n",
                    (unsigned long long)rep.site_by_file_id);
    }
    switch (rep.outcome) {
    case REC_COMPLETE:
        return rep.exit_status;
    case REC_INTERRUPTED:
        fprintf(stderr, "rrt record: %s\n", err.message);
        return RECORD_EXIT_FAILED;
    case REC_INCOMPLETE:
    case REC_FAILED:
        break;
    }
    fprintf(stderr, "rrt record: %s\n", err.message);
    if (rep.outcome == REC_FAILED && err.status == RRT_E_NOT_FOUND)
        return RECORD_EXIT_NOT_FOUND;
    return RECORD_EXIT_FAILED;
}

static const char help[] =
    "NAME\n"
    "  rrt record - run a program and record it into an .rrt archive\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt record [options] [--] PROGRAM [ARGS...]\n"
    "\n"
    "DESCRIPTION\n"
    "  Runs PROGRAM under ptrace and writes all it gets from outside into\n"
    "  one archive: system call results and data, RDTSC/RDTSCP values,\n"
    "  CPUID answers, signals, clones, execs and exits. `rrt replay`\n"
    "  reproduces the run from the archive alone.\n"
    "  The program's output still reaches the terminal; rrt exits with the\n"
    "  program's exit status (128+N when a signal N killed it).\n"
    "\n"
    "  Setup, as rr does it: no address-space randomization; recorder\n"
    "  and program pinned to one CPU (a traced system call costs ~30 us,\n"
    "  up to 400 us across CPUs); RDTSC traps (a program's own PR_SET_TSC\n"
    "  is emulated); the vDSO stays, its functions patched to make system\n"
    "  calls; CPUID traps by CPUID faulting where offered, else each CPUID\n"
    "  found by disassembling new code (once: ~/.cache/rrt) becomes UD2\n"
    "  and is emulated. The program sees the recorded CPUID manifest;\n"
    "  RDRAND, RDSEED, RTM, HLE hidden. In a VM, CPUID faulting can make\n"
    "  system calls 4.8x slower; --cpuid-mode=patch avoids that.\n"
    "\n"
    "  Environment variables named like secrets (TOKEN, SECRET, PASSWORD\n"
    "  or KEY in any case, AWS_*) are stored with their values replaced by\n"
    "  '*'s (the program sees the real ones) unless --keep-env; a program\n"
    "  whose output depends on one diverges at replay.\n"
    "\n"
    "  If rrt record is interrupted (SIGINT, SIGTERM), it kills the\n"
    "  program, keeps OUT.partial and tells you to run `rrt recover`.\n"
    "\n";

/* The second half of the help (cli_command.help_more). */
static const char help_more[] =
    "SYSTEM CALLS\n"
    "  Every x86-64 call of Linux 6.x is recorded: its result and the\n"
    "  bytes it wrote (ioctls: by their _IOC size). Replay runs only what\n"
    "  shapes the process (memory, signals, threads, exec); the rest,\n"
    "  namespaces and the program's seccomp filters included, comes from\n"
    "  the archive. Unknown numbers get the kernel's ENOSYS; so do clone3,\n"
    "  rseq, pkey_*, io_uring_*, map_shadow_stack (libc falls back).\n"
    "  execveat runs as execve of the real path. Refused (the recording\n"
    "  stops, marked incomplete): remap_file_pages (replay's shared file\n"
    "  maps are copies), process_vm_writev to another process, old ioctls\n"
    "  without a size that rrt's table lacks, int 0x80 calls (32-bit\n"
    "  numbering), and mmap of a device other than /dev/zero.\n"
    "\n"
    "THREADS AND LIMITS (no performance counters are used)\n"
    "  One task runs user code at a time, until a system call, or an\n"
    "  RDTSC, CPUID or XGETBV trap after 50 ms if others wait; the order\n"
    "  is recorded. Preemption elsewhere in user code (data races) and\n"
    "  signals arriving there cannot be found again: replay runs each task\n"
    "  on to its next such point. A task running longer than the\n"
    "  serialization limit while another waits (a busy wait) ends the\n"
    "  recording, naming it (OUT.partial kept). Tasks that outlive the\n"
    "  program's first process (daemons) are recorded until they exit, or\n"
    "  until SIGINT or SIGTERM, which then ends them in a complete archive.\n"
    "  The program has its own process group (kill(0, ...)\n"
    "  misses rrt) and takes the terminal if rrt had it: Ctrl-C reaches\n"
    "  it and ends the recording; Ctrl-Z stops both, fg resumes both.\n"
    "\n"
    "OPTIONS\n"
    "  -o, --output FILE     archive to write (default PROGRAM.rrt)\n"
    "  --cpuid-mode MODE     auto (default), fault or patch; the\n"
    "                        RRT_CPUID_MODE environment variable also sets it\n"
    "  --cpu-mask LEVEL|FILE show the program only the CPU features of an\n"
    "                        x86-64 psABI level (x86-64, x86-64-v2, -v3,\n"
    "                        -v4) or of FILE: anything `rrt verify --host\n"
    "                        --against` reads (a `cpuid -r` dump, a libvirt\n"
    "                        CPU XML, a host saved by `rrt cpuid -o`, a mask\n"
    "                        from `rrt cpuid --common`, a recording)\n"
    "  --disable-cpuid-features NAMES\n"
    "                        hide these features (/proc/cpuinfo names,\n"
    "                        comma-separated)\n"
    "  --embed[=WHICH]       mapped files to store now, not reference by\n"
    "                        identity until `rrt pack`: auto (default: files\n"
    "                        mapped shared for writing, files the program\n"
    "                        made or changed, data files up to 1 MiB\n"
    "                        outside /usr /lib* /bin /sbin /etc /opt; not\n"
    "                        other programs or libraries), all (--embed),\n"
    "                        none\n"
    "  -q, --quality N       brotli quality of what is stored, 0-11\n"
    "                        (default 1: fast; `rrt pack` recompresses)\n"
    "  --keep-env            do not redact secret-looking variables\n"
    "  --serialize-limit S   serialization limit, seconds (10; 0: none)\n"
    "  --cpu N               pin to CPU N (default: the current CPU)\n"
    "  --no-pin              do not pin to one CPU\n"
    "  --no-syscall-buffer   trace every call with ptrace stops. By default\n"
    "                        common calls (read, write, stat, open...) run\n"
    "                        inside the program without a stop each, as\n"
    "                        rr's syscall buffer (RRT_SYSCALL_BUFFER=0 turns\n"
    "                        it off too; --syscall-buffer: on). Static\n"
    "                        binaries out of the library's reach and\n"
    "                        processes that install a seccomp filter of\n"
    "                        their own run traced per call\n"
    "  --stats               print event counts to stderr at the end\n";

static const char exit_status[] =
    "\nEXIT STATUS\n"
    "  The program's own exit status (128+N when signal N killed it), so\n"
    "  that `rrt record` stands in for the run it records. rrt's own\n"
    "  outcomes use the codes env(1) and timeout(1) use, and always print\n"
    "  one line to stderr that says which:\n"
    "  125  no complete recording: usage error, the archive cannot be\n"
    "       written, the recording stopped at a call rrt does not support\n"
    "       (the archive is kept, marked incomplete), or rrt was\n"
    "       interrupted (OUT.partial is kept)\n"
    "  127  PROGRAM was not found\n";

enum {
    OPT_CPUID = 256,
    OPT_MASK,
    OPT_DISABLE,
    OPT_EMBED,
    OPT_KEEP,
    OPT_CPU,
    OPT_NOPIN,
    OPT_STATS,
    OPT_LIMIT,
    OPT_SB,
    OPT_NO_SB
};

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"quality", required_argument, NULL, 'q'},
        {"cpuid-mode", required_argument, NULL, OPT_CPUID},
        {"cpu-mask", required_argument, NULL, OPT_MASK},
        {"disable-cpuid-features", required_argument, NULL, OPT_DISABLE},
        {"embed", optional_argument, NULL, OPT_EMBED},
        {"keep-env", no_argument, NULL, OPT_KEEP},
        {"cpu", required_argument, NULL, OPT_CPU},
        {"no-pin", no_argument, NULL, OPT_NOPIN},
        {"stats", no_argument, NULL, OPT_STATS},
        {"serialize-limit", required_argument, NULL, OPT_LIMIT},
        {"syscall-buffer", no_argument, NULL, OPT_SB},
        {"no-syscall-buffer", no_argument, NULL, OPT_NO_SB},
        {NULL, 0, NULL, 0},
    };
    rec_options o = {.cpu = -2,
                     .quality = 1,
                     .flush_every = 4096,
                     .serialize_limit_ms = 10000};
    bool stats = false;
    /* on by default; RRT_SYSCALL_BUFFER=0 turns it off (test suites) */
    const char *sb = getenv("RRT_SYSCALL_BUFFER");
    o.syscall_buffer = !(sb && strcmp(sb, "0") == 0);
    const char *mode = getenv("RRT_CPUID_MODE");
    char *out = NULL;
    unsigned long long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:q:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.out = optarg;
            break;
        case 'q':
            if (!cli_parse_u64(optarg, 11, &v))
                return USAGE("--quality: '%s' is not a number from 0 "
                             "to 11",
                             optarg);
            o.quality = (int)v;
            break;
        case OPT_CPUID:
            mode = optarg;
            break;
        case OPT_MASK:
            if (!rrt_cpuid_level_parse(optarg, &o.level))
                o.mask_file = optarg;
            break;
        case OPT_DISABLE:
            o.disable_features = optarg;
            break;
        case OPT_EMBED:
            if (!optarg || strcmp(optarg, "all") == 0)
                o.embed = REC_EMBED_ALL;
            else if (strcmp(optarg, "auto") == 0)
                o.embed = REC_EMBED_AUTO;
            else if (strcmp(optarg, "none") == 0)
                o.embed = REC_EMBED_NONE;
            else
                return USAGE("--embed: '%s' is not auto, all "
                             "or none",
                             optarg);
            break;
        case OPT_KEEP:
            o.keep_env = true;
            break;
        case OPT_CPU:
            if (!cli_parse_u64(optarg, 4095, &v))
                return USAGE("--cpu: bad CPU number '%s'", optarg);
            o.cpu = (int)v;
            break;
        case OPT_NOPIN:
            o.cpu = -1;
            break;
        case OPT_STATS:
            stats = true;
            break;
        case OPT_LIMIT:
            if (!cli_parse_u64(optarg, 86400, &v))
                return USAGE("--serialize-limit: bad number of seconds "
                             "'%s'",
                             optarg);
            o.serialize_limit_ms = (unsigned)v * 1000;
            break;
        case OPT_SB:
            o.syscall_buffer = true;
            break;
        case OPT_NO_SB:
            o.syscall_buffer = false;
            break;
        default:
            cli_bad_option("record", argv);
            return RECORD_EXIT_FAILED;
        }
    }
    if (optind >= argc)
        return USAGE("no program to record");
    if (mode && !trace_cpuid_mode_parse(mode, &o.cpuid_mode))
        return USAGE("--cpuid-mode: '%s' is not auto, fault "
                     "or patch",
                     mode);
    o.argv = argv + optind;
    if (!o.out) {
        const char *base = strrchr(o.argv[0], '/');
        base = base ? base + 1 : o.argv[0];
        size_t n = strlen(base) + 5;
        out = malloc(n);
        if (!out)
            return RECORD_EXIT_FAILED;
        snprintf(out, n, "%s.rrt", base);
        o.out = out;
    }
    int rc = record(&o, stats);
    free(out);
    return rc;
}

const cli_command cmd_record = {
    .name = "record",
    .summary = "run a program and record it into an archive",
    .help = help,
    .help_more = help_more,
    .exit_status = exit_status,
    .run = run,
};

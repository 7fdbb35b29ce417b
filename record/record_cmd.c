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
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    o->interrupt = &interrupted;
    o->notify = on_note;
    rec_report rep;
    rrt_error err;
    rec_record(o, &rep, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (stats && rep.outcome != REC_FAILED)
        cli_print_event_counts("record", rep.events, rep.counts,
                               rep.site_regions);
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
    "  Runs PROGRAM under ptrace and writes everything it gets from\n"
    "  outside into one archive: system call results and the data they\n"
    "  return, RDTSC/RDTSCP values, CPUID answers, signals, clones, execs\n"
    "  and exits. `rrt replay` reproduces the run from the archive alone.\n"
    "  The program's output still reaches the terminal; rrt exits with the\n"
    "  program's exit status (128+N when a signal N killed it).\n"
    "\n"
    "  Setup, as rr does it: address-space randomization is disabled;\n"
    "  the recorder and the program are pinned to one CPU (a traced system\n"
    "  call costs about 30 us on one CPU and up to 400 us across CPUs);\n"
    "  RDTSC traps (PR_SET_TSC); vDSO functions are patched into system\n"
    "  calls, which are recorded; CPUID traps by CPUID faulting where the CPU\n"
    "  and kernel offer it, else by patching: each CPUID instruction found\n"
    "  by disassembling new executable code (once: ~/.cache/rrt) is\n"
    "  replaced with UD2 and emulated. The program sees the recorded CPUID\n"
    "  manifest, RDRAND, RDSEED, RTM and HLE always hidden. In a VM, CPUID\n"
    "  faulting can make every system call several times slower (4.8x);\n"
    "  --cpuid-mode=patch avoids that. clone3, rseq and pkey_alloc fail\n"
    "  with ENOSYS (programs fall back to clone, no rseq, no protection\n"
    "  keys). A system call rrt does not know is refused: the recording\n"
    "  stops, names the call and marks the archive incomplete; nothing is\n"
    "  mis-recorded.\n"
    "\n"
    "  Environment variables whose names contain TOKEN, SECRET, PASSWORD\n"
    "  or KEY (any case), or start with AWS_, are stored in the archive\n"
    "  with their values replaced by as many '*' (the program itself sees\n"
    "  the real values), unless --keep-env. A program whose output depends\n"
    "  on such a value diverges at replay; record it with --keep-env.\n"
    "\n"
    "  If rrt record is interrupted (SIGINT, SIGTERM), it kills the\n"
    "  program, keeps OUT.partial and tells you to run `rrt recover`.\n"
    "\n"
    "THREADS AND LIMITS (no hardware performance counters are used)\n"
    "  Threads and processes are recorded one at a time: a task runs user\n"
    "  code until it enters a system call, then another may run, and the\n"
    "  order is recorded; even on many CPUs the program uses one. Without\n"
    "  performance counters rrt cannot find a point inside user code\n"
    "  again, so it cannot reproduce: preemption inside user code (data\n"
    "  races between threads, or through memory shared between\n"
    "  processes, play out as if each thread ran until its next system\n"
    "  call), asynchronous signals that arrived in the middle of user code\n"
    "  (replay delivers them at the preceding event). A thread that\n"
    "  busy-waits for another without making system calls never lets it\n"
    "  run: such a recording hangs.\n"
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
    "                        mapped shared for writing, data files up to\n"
    "                        1 MiB outside /usr /lib* /bin /sbin /etc /opt;\n"
    "                        not programs or libraries), all (--embed), none\n"
    "  --keep-env            do not redact secret-looking variables\n"
    "  --cpu N               pin to CPU N (default: the current CPU)\n"
    "  --no-pin              do not pin to one CPU\n"
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
    OPT_STATS
};

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"cpuid-mode", required_argument, NULL, OPT_CPUID},
        {"cpu-mask", required_argument, NULL, OPT_MASK},
        {"disable-cpuid-features", required_argument, NULL, OPT_DISABLE},
        {"embed", optional_argument, NULL, OPT_EMBED},
        {"keep-env", no_argument, NULL, OPT_KEEP},
        {"cpu", required_argument, NULL, OPT_CPU},
        {"no-pin", no_argument, NULL, OPT_NOPIN},
        {"stats", no_argument, NULL, OPT_STATS},
        {NULL, 0, NULL, 0},
    };
    rec_options o = {.cpu = -2, .flush_every = 4096};
    bool stats = false;
    const char *mode = getenv("RRT_CPUID_MODE");
    char *out = NULL;
    unsigned long long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.out = optarg;
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
    .exit_status = exit_status,
    .run = run,
};

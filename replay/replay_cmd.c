/* `rrt replay`: option parsing and help; the engine is replayer.c. */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "replayer.h"

static const char help[] =
    "NAME\n"
    "  rrt replay - re-run a recorded program from its archive\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt replay [options] ARCHIVE\n"
    "\n"
    "DESCRIPTION\n"
    "  Checks that this CPU offers every user-mode feature the recording\n"
    "  could see, then re-executes the recorded program under ptrace with\n"
    "  the recording's setup (no ASLR, one CPU, trapping RDTSC and CPUID,\n"
    "  no vDSO, the recorded environment and auxiliary vector) and feeds it\n"
    "  the recorded events: system calls that touch the outside world are\n"
    "  not executed, their recorded results and output buffers are written\n"
    "  back; calls that shape the address space or the process's kernel\n"
    "  state (mmap, brk, mprotect, sigaction, execve, fork, exit, ...) run\n"
    "  for real at the recorded addresses. Files the program mapped come\n"
    "  from the archive (embedded) or from the referenced file, which must\n"
    "  be unchanged (device, inode, size, mtime). So do the programs it\n"
    "  executed: embedded ones (after rrt pack), with their ELF\n"
    "  interpreter, #! scripts and the interpreters those name, run from\n"
    "  the archive even where this machine's copies differ or are gone;\n"
    "  referenced ones, and programs whose path is shorter than 6 bytes,\n"
    "  run from this machine and must be unchanged.\n"
    "\n"
    "  The program does no real I/O: besides the replayer, a seccomp filter\n"
    "  in the program kills it if any call other than those listed above\n"
    "  reaches the kernel. What it wrote to the recording's terminal is\n"
    "  written again to stdout/stderr (unless --quiet).\n"
    "\n"
    "  At each system call the number and arguments are compared with the\n"
    "  recording; a difference is a divergence: rrt prints the event\n"
    "  number, what was expected and found, and the registers, and exits 1.\n"
    "  Otherwise rrt exits with the recorded program's exit status.\n"
    "\n"
    "THREADS AND LIMITS (no hardware performance counters)\n"
    "  One task runs at a time, switching where the recording switched\n"
    "  (at system calls), so threads interleave as recorded. Signals that\n"
    "  arrived inside user code at record time are delivered at the\n"
    "  preceding event, and preemption inside user code (data races) is\n"
    "  not reproduced; see `rrt help record`. Bytes the program writes to\n"
    "  the recording's stdout/stderr are compared with the recorded ones.\n"
    "  A writable shared file mapping is shared with the processes forked\n"
    "  after it (a process-shared semaphore works), but processes that each\n"
    "  map the file get their own copies: what one writes there at record\n"
    "  time, the others do not see at replay, and they diverge.\n"
    "\n"
    "OPTIONS\n"
    "  --stats               print event counts to stderr at the end\n"
    "  --until N             stop after N events\n"
    "  --dump-events         print each event to stderr as it is replayed\n"
    "  --force               replay despite a missing CPU feature or a\n"
    "                        changed referenced file\n"
    "  --quiet               do not re-emit the recorded stdout/stderr\n"
    "  --cpuid-mode MODE     auto (default), fault or patch (also\n"
    "                        RRT_CPUID_MODE)\n"
    "  --cpu N, --no-pin     CPU pinning, as for rrt record\n";

enum { OPT_STATS = 256, OPT_UNTIL, OPT_DUMP, OPT_FORCE, OPT_QUIET, OPT_CPUID,
       OPT_CPU, OPT_NOPIN };

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"stats", no_argument, NULL, OPT_STATS},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"dump-events", no_argument, NULL, OPT_DUMP},
        {"force", no_argument, NULL, OPT_FORCE},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"cpuid-mode", required_argument, NULL, OPT_CPUID},
        {"cpu", required_argument, NULL, OPT_CPU},
        {"no-pin", no_argument, NULL, OPT_NOPIN},
        {NULL, 0, NULL, 0},
    };
    rrti_replay_opts o = {.until = UINT64_MAX, .cpu = -2};
    const char *mode = getenv("RRT_CPUID_MODE");
    unsigned long long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_STATS: o.stats = true; break;
        case OPT_UNTIL:
            if (!cli_parse_u64(optarg, UINT64_MAX - 1, &v))
                return cli_usage("replay", "--until: bad event number '%s'",
                                 optarg);
            o.until = v;
            break;
        case OPT_DUMP: o.dump_events = true; break;
        case OPT_FORCE: o.force = true; break;
        case OPT_QUIET: o.quiet = true; break;
        case OPT_CPUID: mode = optarg; break;
        case OPT_CPU:
            if (!cli_parse_u64(optarg, 4095, &v))
                return cli_usage("replay", "--cpu: bad CPU number '%s'",
                                 optarg);
            o.cpu = (int)v;
            break;
        case OPT_NOPIN: o.cpu = -1; break;
        default: return cli_bad_option("replay", argv);
        }
    }
    if (optind + 1 != argc)
        return cli_usage("replay", "expected one archive");
    if (mode && !rrti_cpuid_mode_parse(mode, &o.cpuid_mode))
        return cli_usage("replay", "--cpuid-mode: '%s' is not auto, fault "
                                   "or patch", mode);
    o.archive = argv[optind];
    /* Test hook: lets emulated calls reach the kernel so that tests can
     * show the seccomp wall stops them. */
    o.passthrough_for_tests = getenv("RRT_REPLAY_TEST_PASSTHROUGH") != NULL;
    return rrti_replay(&o);
}

const rrt_command cmd_replay = {
    .name = "replay",
    .summary = "re-run a recorded program from its archive",
    .help = help,
    .run = run,
};

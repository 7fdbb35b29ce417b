/* `rrt replay`: option parsing and help; the engine is replayer.c. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "gdb_launch.h"
#include "replayer.h"

/* Exit codes of rrt's own outcomes (EXIT STATUS in the help). */
enum { REPLAY_EXIT_DIVERGED = 125, REPLAY_EXIT_NOT_REPLAYED = 126 };
/* A usage error is "not replayed" too: 2 could be the program's status. */
#define USAGE(...) (cli_usage("replay", __VA_ARGS__), REPLAY_EXIT_NOT_REPLAYED)

static const char help[] =
    "NAME\n"
    "  rrt replay - re-run a recorded program from its archive\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt replay [options] ARCHIVE\n"
    "  rrt replay --debug [--gdb PATH] [options] ARCHIVE [-- GDB-ARGS]\n"
    "  rrt replay --gdbserver[=HOST:PORT|-] [options] ARCHIVE\n"
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
    "  number, the task, what was expected and what was found, and the\n"
    "  registers.\n"
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
    "  --cpu N, --no-pin     CPU pinning, as for rrt record\n"
    "\n"
    "DEBUGGING (README.md: Debugging a recording)\n"
    "  --debug               run gdb (from PATH, or --gdb PATH) connected to\n"
    "                        the replay, stopped at the program's entry (or\n"
    "                        before event --until N); GDB-ARGS after -- go\n"
    "                        to gdb (e.g. -batch -ex 'break main')\n"
    "  --gdbserver[=ADDR]    serve the gdb remote protocol instead: on TCP\n"
    "                        HOST:PORT (default 127.0.0.1 and a free port,\n"
    "                        printed; one client), or with ADDR `-` on\n"
    "                        stdin/stdout (gdb: target remote | rrt replay\n"
    "                        --gdbserver=- ARCHIVE; the program's output\n"
    "                        then goes to stderr)\n"
    "  gdb reads the recorded executable and libraries from the archive.\n"
    "  Breakpoints, watchpoints, stepping, threads and recorded signals\n"
    "  work; writes to registers or memory change only this replay, and a\n"
    "  change that makes the program leave the recording shows in gdb as a\n"
    "  stop with the divergence's message.\n";

static const char help_more[] =
    "\nREVERSE EXECUTION (--debug, --gdbserver)\n"
    "  gdb's reverse-continue, reverse-step, reverse-stepi, reverse-next\n"
    "  and reverse-finish work (the server answers bc and bs), without\n"
    "  performance counters: between two events a task runs the same\n"
    "  instructions, so a position is an event and what gdb ran since (N\n"
    "  breakpoint or watchpoint hits, N single steps of a thread). Going\n"
    "  back runs forward again from the nearest checkpoint before the\n"
    "  target (else from the replay's start, with fresh tracees and\n"
    "  replayer state) and stops at the last hit before the current\n"
    "  position; a watchpoint stops before the write (gdb shows the old\n"
    "  and new values reversed). With no hit before, gdb says: No more\n"
    "  reverse-execution history (the session's first stop). Output\n"
    "  already written is not written again.\n"
    "  Checkpoints: a stopped fork of each process of the replayed tree\n"
    "  plus the replayer's own state at an event, taken every 2000 events\n"
    "  under gdb (the environment variable RRT_CHECKPOINT_INTERVAL sets\n"
    "  the spacing, 0 turns them off) while each process has one thread\n"
    "  and no shared mapping; elsewhere going back runs from an earlier\n"
    "  one or the start. At most 16 automatic ones are kept, spaced\n"
    "  more widely further back, and 8 pinned: each costs the pages the\n"
    "  program wrote after it.\n"
    "  Cost: reverse-continue is two runs to the current position (a\n"
    "  watchpoint four), reverse-step about three, single-stepping the\n"
    "  thread from the stop before (in code run once: from a guessed\n"
    "  previous instruction, else from its event).\n"
    "  monitor when         print the event, the stops since it, the thread,\n"
    "                       and where this run started (checkpoint or 0)\n"
    "  monitor goto EVENT   go to just before EVENT (then: maint flush\n"
    "                       register-cache)\n"
    "  monitor checkpoint   name the current position (gdb's checkpoint:\n"
    "                       numbered 1, 2, ...; its event gets a pinned\n"
    "                       checkpoint the next time a run passes it)\n"
    "  monitor restart N    go back (or forward) to position N, as goto\n"
    "  monitor delete N     forget position N\n"
    "  monitor checkpoints  list the positions, the checkpoints, counters\n"
    "  --debug --until N    start the session before event N\n"
    "  Positions are per event, so a program that gdb changed (registers,\n"
    "  memory) does not come back the same; going back undoes the change.\n";

static const char exit_status[] =
    "\nEXIT STATUS\n"
    "  The replayed program's own exit status, as recorded (128+N when\n"
    "  signal N killed it), so that `rrt replay` stands in for the run it\n"
    "  replays; with --until, 0 when the first N events replayed. rrt's own\n"
    "  outcomes use codes a program rarely does, as timeout(1) and env(1)\n"
    "  do, and always print one line to stderr that says which:\n"
    "  125  divergence: the program did something else than recorded\n"
    "  126  not replayed: usage error, unreadable or damaged archive, not\n"
    "       a recording, a host that cannot replay it (without --force),\n"
    "       or a program that cannot be started\n"
    "  With --debug, gdb's exit status; gdb quitting (killing the replay)\n"
    "  is not an error.\n"
    "  A recorded program that itself exits 125 or 126 is told apart by\n"
    "  stderr: rrt adds no line of its own to stderr when the replay "
    "matched.\n";

enum {
    OPT_STATS = 256,
    OPT_UNTIL,
    OPT_DUMP,
    OPT_FORCE,
    OPT_QUIET,
    OPT_CPUID,
    OPT_CPU,
    OPT_NOPIN,
    OPT_DEBUG,
    OPT_GDB,
    OPT_GDBSERVER
};

static void on_note(void *ctx, rep_note note, const char *text)
{
    const rep_options *o = ctx;
    switch (note) {
    case REP_NOTE_WARNING:
        fprintf(stderr, "rrt replay: warning: %s\n", text);
        break;
    case REP_NOTE_EVENT:
        fprintf(stderr, "rrt replay: %s\n", text);
        break;
    case REP_NOTE_HOST:
        fprintf(stderr, "rrt replay: %sthis host cannot replay %s%s:\n%s",
                o->force ? "warning: " : "", o->archive,
                o->force ? "" : " (--force to try anyway)", text);
        if (o->force)
            fprintf(stderr, "rrt replay: --force: replaying anyway\n");
        break;
    }
}

static void print_divergence(const rep_divergence *d)
{
    fprintf(stderr, "rrt replay: divergence at event %llu (task %u): %s",
            (unsigned long long)d->event, d->task, d->what);
    if (d->expected[0] || d->found[0])
        fprintf(stderr, ": expected %s, found %s", d->expected, d->found);
    fputc('\n', stderr);
    const struct user_regs_struct *g = &d->regs;
    if (d->have_regs)
        fprintf(stderr,
                "  registers: rip=0x%llx rsp=0x%llx rax=0x%llx "
                "orig_rax=%lld\n"
                "             rdi=0x%llx rsi=0x%llx rdx=0x%llx r10=0x%llx "
                "r8=0x%llx r9=0x%llx\n",
                g->rip, g->rsp, g->rax, (long long)g->orig_rax, g->rdi, g->rsi,
                g->rdx, g->r10, g->r8, g->r9);
}

static void print_stats(const rep_report *rep)
{
    cli_print_event_counts("replay", rep->events, rep->counts,
                           rep->site_regions);
    if (rep->site_read || rep->site_by_fill || rep->site_by_file_id)
        fprintf(stderr,
                "rrt replay: code regions: %llu read back to find their "
                "sites (%llu bytes), %llu known from the bytes replay "
                "mapped, %llu by file identity\n",
                (unsigned long long)rep->site_read,
                (unsigned long long)rep->site_read_bytes,
                (unsigned long long)rep->site_by_fill,
                (unsigned long long)rep->site_by_file_id);
    if (rep->frames_recorded || rep->frames_built)
        fprintf(stderr,
                "rrt replay: signal frames: %llu recorded, %llu built in the "
                "recording host's layout, %llu checked\n",
                (unsigned long long)rep->frames_recorded,
                (unsigned long long)rep->frames_built,
                (unsigned long long)rep->frames_checked);
    if (rep->maps_direct || rep->maps_copied)
        fprintf(stderr,
                "rrt replay: file mappings: %llu mapped from the host file, "
                "%llu copied (%llu bytes)\n",
                (unsigned long long)rep->maps_direct,
                (unsigned long long)rep->maps_copied,
                (unsigned long long)rep->map_bytes_copied);
    fprintf(stderr, "rrt replay: %llu stops\n", (unsigned long long)rep->stops);
}

static int outcome(const rep_options *o, const rep_report *rep,
                   const rrt_error *err, bool stats)
{
    if (stats)
        print_stats(rep);
    switch (rep->outcome) {
    case REP_REPLAYED:
        return o->until != UINT64_MAX && !rep->exited && !o->gdb
                   ? 0
                   : rep->exit_status;
    case REP_DIVERGED:
        print_divergence(&rep->div);
        return REPLAY_EXIT_DIVERGED;
    case REP_REFUSED:
    case REP_FAILED:
        break;
    }
    if (o->gdb && o->gdb->killed)
        return 0;
    if (rep->outcome == REP_FAILED)
        fprintf(stderr, "rrt replay: %s\n", err->message);
    return REPLAY_EXIT_NOT_REPLAYED;
}

/* --debug and --gdbserver: the replay with a gdb connection. */
static int run_debug(rep_options *o, bool debug, const char *gdb,
                     const char *addr, char **extra, int nextra, bool stats)
{
    rep_gdb g = {.in_fd = -1, .out_fd = -1};
    char where[300], msg[400];
    pid_t child = 0;
    int child_status = 0, lfd = -1;
    /* --until N with a debugger: the first stop, not the end */
    g.stop_at = o->until == UINT64_MAX ? 0 : o->until;
    o->until = UINT64_MAX;
    o->gdb = &g;
    if (!debug && addr && strcmp(addr, "-") == 0) {
        g.in_fd = 0;
        g.out_fd = dup(1);
        /* the protocol owns stdout: the program's output goes to stderr */
        if (g.out_fd < 0 || dup2(2, 1) < 0)
            return USAGE("--gdbserver=-: %s", strerror(errno));
    } else {
        lfd = gdbl_listen(debug ? NULL : addr, where, sizeof(where), msg,
                          sizeof(msg));
        if (lfd < 0)
            return USAGE("%s", msg);
        if (debug) {
            child = gdbl_spawn(gdb, where, extra, nextra);
            if (child < 0)
                return USAGE("cannot start %s: %s", gdb, strerror(errno));
            signal(SIGINT, SIG_IGN); /* gdb's; it interrupts through us */
        } else {
            fprintf(stderr,
                    "rrt replay: gdb server listening on %s (in gdb: "
                    "target remote %s)\n",
                    where, where);
            if (strncmp(where, "127.", 4) != 0 &&
                strncmp(where, "[::1]", 5) != 0)
                fprintf(stderr,
                        "rrt replay: warning: %s is not a loopback "
                        "address: anyone who reaches it can "
                        "debug this replay\n",
                        where);
        }
        int fd = gdbl_accept(lfd, child, &child_status, msg, sizeof(msg));
        close(lfd);
        if (fd < 0) {
            fprintf(stderr, "rrt replay: %s\n", msg);
            if (child && fd != -2)
                waitpid(child, &child_status, 0);
            return REPLAY_EXIT_NOT_REPLAYED;
        }
        g.in_fd = g.out_fd = fd;
    }
    rep_report rep;
    rrt_error err;
    rep_replay(o, &rep, &err);
    close(g.in_fd);
    if (g.out_fd != g.in_fd)
        close(g.out_fd);
    int rc = outcome(o, &rep, &err, stats);
    if (!child)
        return rc;
    while (waitpid(child, &child_status, 0) < 0 && errno == EINTR)
        ;
    gdbl_take_terminal();
    return WIFEXITED(child_status) ? WEXITSTATUS(child_status)
                                   : REPLAY_EXIT_NOT_REPLAYED;
}

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
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"gdb", required_argument, NULL, OPT_GDB},
        {"gdbserver", optional_argument, NULL, OPT_GDBSERVER},
        {NULL, 0, NULL, 0},
    };
    rep_options o = {.until = UINT64_MAX, .cpu = -2, .notify = on_note};
    bool stats = false, debug = false, server = false;
    const char *gdb = "gdb", *addr = NULL;
    const char *mode = getenv("RRT_CPUID_MODE");
    /* arguments after -- are gdb's */
    int nextra = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            nextra = argc - i - 1;
            argc = i;
            break;
        }
    char **extra = argv + argc + 1;
    unsigned long long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_STATS:
            stats = true;
            break;
        case OPT_UNTIL:
            if (!cli_parse_u64(optarg, UINT64_MAX - 1, &v))
                return USAGE("--until: bad event number '%s'", optarg);
            o.until = v;
            break;
        case OPT_DUMP:
            o.dump_events = true;
            break;
        case OPT_FORCE:
            o.force = true;
            break;
        case OPT_QUIET:
            o.quiet = true;
            break;
        case OPT_CPUID:
            mode = optarg;
            break;
        case OPT_CPU:
            if (!cli_parse_u64(optarg, 4095, &v))
                return USAGE("--cpu: bad CPU number '%s'", optarg);
            o.cpu = (int)v;
            break;
        case OPT_NOPIN:
            o.cpu = -1;
            break;
        case OPT_DEBUG:
            debug = true;
            break;
        case OPT_GDB:
            gdb = optarg;
            break;
        case OPT_GDBSERVER:
            server = true;
            addr = optarg;
            break;
        default:
            cli_bad_option("replay", argv);
            return REPLAY_EXIT_NOT_REPLAYED;
        }
    }
    if (optind + 1 != argc)
        return USAGE("expected one archive");
    if (mode && !trace_cpuid_mode_parse(mode, &o.cpuid_mode))
        return USAGE("--cpuid-mode: '%s' is not auto, fault or patch", mode);
    o.archive = argv[optind];
    /* Test hook: lets emulated calls reach the kernel so that tests can
     * show the seccomp wall stops them. */
    o.passthrough_for_tests = getenv("RRT_REPLAY_TEST_PASSTHROUGH") != NULL;
    /* Test hooks: compare the signal frames replay would build with the
     * recorded ones; build every frame in a layout moved up by N bytes. */
    o.check_frames_for_tests = getenv("RRT_REPLAY_TEST_CHECK_FRAMES") != NULL;
    const char *pad = getenv("RRT_REPLAY_TEST_FRAME_PAD");
    o.frame_pad_for_tests = pad ? (uint32_t)strtoul(pad, NULL, 0) & 0xffff0 : 0;
    o.notify_ctx = &o;
    if (debug && server)
        return USAGE("--debug and --gdbserver exclude each other");
    if (nextra && !debug)
        return USAGE("arguments after -- are for gdb: only with --debug");
    if (debug || server)
        return run_debug(&o, debug, gdb, addr, extra, nextra, stats);
    rep_report rep;
    rrt_error err;
    rep_replay(&o, &rep, &err);
    return outcome(&o, &rep, &err, stats);
}

const cli_command cmd_replay = {
    .name = "replay",
    .summary = "re-run a recorded program from its archive",
    .help = help,
    .exit_status = exit_status,
    .help_more = help_more,
    .run = run,
};

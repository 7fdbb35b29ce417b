/* The system call table, in the manner of rr's syscalls.py: one row per
 * supported call saying whether replay emulates or executes it, how many
 * arguments replay compares, and where the call writes into the caller's
 * memory. A call without a row is refused at record time. */
#include <stdio.h>
#include <sys/syscall.h>

#include "trace.h"

/* The table is read as a table: one row a call, aligned by hand. */
/* clang-format off */
#define EMU TRACE_SC_EMULATE
#define EXE TRACE_SC_EXECUTE
#define NOSYS TRACE_SC_ENOSYS
#define O_FIX(a, sz) {TRACE_OUT_FIXED, a, 0, sz}
#define O_RET(a) {TRACE_OUT_RET, a, 0, 0}
#define O_RETX(a, sz) {TRACE_OUT_RET_X, a, 0, sz}
#define O_ARGLEN(a, b) {TRACE_OUT_ARGLEN, a, b, 0}
#define O_IOV(a, b) {TRACE_OUT_IOV, a, b, 0}
#define O_SA(a, b) {TRACE_OUT_SOCKADDR, a, b, 0}
#define O_SPECIAL {TRACE_OUT_SPECIAL, 0, 0, 0}
#define ROW(nr, nm, md, ...) [nr] = {nm, md, __VA_ARGS__}

/* Kernel (not libc) structure sizes on x86-64. */
enum {
    SZ_STAT = 144, SZ_STATX = 256, SZ_TIMESPEC = 16, SZ_TIMEVAL = 16,
    SZ_UTSNAME = 390, SZ_SYSINFO = 112, SZ_RUSAGE = 144, SZ_SIGINFO = 128,
    SZ_RLIMIT = 16, SZ_FDSET = 128, SZ_TMS = 32, SZ_STACK = 24,
    SZ_SIGACTION = 32, SZ_POLLFD = 8, SZ_EPOLL_EVENT = 12,
};

static const trace_sc_desc table[] = {
    /* File and descriptor I/O: results and data come from the archive. */
    ROW(SYS_read, "read", EMU, 3, O_RET(1)),
    ROW(SYS_pread64, "pread64", EMU, 4, O_RET(1)),
    ROW(SYS_readv, "readv", EMU, 3, O_IOV(1, 2)),
    ROW(SYS_preadv, "preadv", EMU, 4, O_IOV(1, 2)),
    ROW(SYS_write, "write", EMU, 3),
    ROW(SYS_pwrite64, "pwrite64", EMU, 4),
    ROW(SYS_writev, "writev", EMU, 3),
    ROW(SYS_pwritev, "pwritev", EMU, 4),
    ROW(SYS_open, "open", EMU, 3),
    ROW(SYS_openat, "openat", EMU, 4),
    ROW(SYS_creat, "creat", EMU, 2),
    ROW(SYS_close, "close", EMU, 1),
    ROW(SYS_close_range, "close_range", EMU, 3),
    ROW(SYS_fstat, "fstat", EMU, 1, O_FIX(1, SZ_STAT)),
    ROW(SYS_stat, "stat", EMU, 1, O_FIX(1, SZ_STAT)),
    ROW(SYS_lstat, "lstat", EMU, 1, O_FIX(1, SZ_STAT)),
    ROW(SYS_newfstatat, "newfstatat", EMU, 4, O_FIX(2, SZ_STAT)),
    ROW(SYS_statx, "statx", EMU, 4, O_FIX(4, SZ_STATX)),
    ROW(SYS_statfs, "statfs", EMU, 1, O_FIX(1, 120)),
    ROW(SYS_fstatfs, "fstatfs", EMU, 1, O_FIX(1, 120)),
    ROW(SYS_getdents64, "getdents64", EMU, 3, O_RET(1)),
    ROW(SYS_getdents, "getdents", EMU, 3, O_RET(1)),
    ROW(SYS_preadv2, "preadv2", EMU, 5, O_IOV(1, 2)),
    ROW(SYS_pwritev2, "pwritev2", EMU, 5),
    ROW(SYS_readahead, "readahead", EMU, 3),
    ROW(SYS_lseek, "lseek", EMU, 3),
    ROW(SYS_access, "access", EMU, 2),
    ROW(SYS_faccessat, "faccessat", EMU, 3),
    ROW(SYS_faccessat2, "faccessat2", EMU, 4),
    ROW(SYS_readlink, "readlink", EMU, 3, O_RET(1)),
    ROW(SYS_readlinkat, "readlinkat", EMU, 4, O_RET(2)),
    ROW(SYS_getcwd, "getcwd", EMU, 2, O_RET(0)),
    ROW(SYS_chdir, "chdir", EMU, 1),
    ROW(SYS_fchdir, "fchdir", EMU, 1),
    ROW(SYS_unlink, "unlink", EMU, 1),
    ROW(SYS_unlinkat, "unlinkat", EMU, 3),
    ROW(SYS_mkdir, "mkdir", EMU, 2),
    ROW(SYS_mkdirat, "mkdirat", EMU, 3),
    ROW(SYS_rename, "rename", EMU, 2),
    ROW(SYS_renameat2, "renameat2", EMU, 5),
    ROW(SYS_ftruncate, "ftruncate", EMU, 2),
    ROW(SYS_fsync, "fsync", EMU, 1),
    ROW(SYS_fdatasync, "fdatasync", EMU, 1),
    ROW(SYS_fchmod, "fchmod", EMU, 2),
    ROW(SYS_chmod, "chmod", EMU, 2),
    ROW(SYS_umask, "umask", EMU, 1),
    ROW(SYS_utimensat, "utimensat", EMU, 4),
    ROW(SYS_fadvise64, "fadvise64", EMU, 4),
    ROW(SYS_getxattr, "getxattr", EMU, 2, O_RET(2)),
    ROW(SYS_lgetxattr, "lgetxattr", EMU, 2, O_RET(2)),
    ROW(SYS_fgetxattr, "fgetxattr", EMU, 2, O_RET(2)),
    ROW(SYS_listxattr, "listxattr", EMU, 1, O_RET(1)),
    ROW(SYS_llistxattr, "llistxattr", EMU, 1, O_RET(1)),
    ROW(SYS_flistxattr, "flistxattr", EMU, 1, O_RET(1)),
    ROW(SYS_copy_file_range, "copy_file_range", EMU, 6, O_FIX(1, 8),
        O_FIX(3, 8)),
    ROW(SYS_sendfile, "sendfile", EMU, 4, O_FIX(2, 8)),
    ROW(SYS_splice, "splice", EMU, 6, O_FIX(1, 8), O_FIX(3, 8)),
    ROW(SYS_flock, "flock", EMU, 2),
    ROW(SYS_fallocate, "fallocate", EMU, 4),
    ROW(SYS_truncate, "truncate", EMU, 2),
    ROW(SYS_rmdir, "rmdir", EMU, 1),
    ROW(SYS_link, "link", EMU, 2),
    ROW(SYS_linkat, "linkat", EMU, 5),
    ROW(SYS_symlink, "symlink", EMU, 2),
    ROW(SYS_symlinkat, "symlinkat", EMU, 3),
    ROW(SYS_renameat, "renameat", EMU, 4),
    ROW(SYS_chown, "chown", EMU, 3),
    ROW(SYS_fchown, "fchown", EMU, 3),
    ROW(SYS_lchown, "lchown", EMU, 3),
    ROW(SYS_fchownat, "fchownat", EMU, 5),
    ROW(SYS_fchmodat, "fchmodat", EMU, 3),
    ROW(SYS_sync, "sync", EMU, 0),
    ROW(SYS_syncfs, "syncfs", EMU, 1),
    ROW(SYS_inotify_init1, "inotify_init1", EMU, 1),
    ROW(SYS_inotify_add_watch, "inotify_add_watch", EMU, 3),
    ROW(SYS_inotify_rm_watch, "inotify_rm_watch", EMU, 2),
    ROW(SYS_timerfd_create, "timerfd_create", EMU, 2),
    ROW(SYS_timerfd_settime, "timerfd_settime", EMU, 3, O_FIX(3, 32)),
    ROW(SYS_timerfd_gettime, "timerfd_gettime", EMU, 1, O_FIX(1, 32)),
    ROW(SYS_signalfd4, "signalfd4", EMU, 4),
    ROW(SYS_pipe, "pipe", EMU, 1, O_FIX(0, 8)),
    ROW(SYS_pipe2, "pipe2", EMU, 2, O_FIX(0, 8)),
    ROW(SYS_dup, "dup", EMU, 1),
    ROW(SYS_dup2, "dup2", EMU, 2),
    ROW(SYS_dup3, "dup3", EMU, 3),
    ROW(SYS_fcntl, "fcntl", EMU, 2, O_SPECIAL),
    ROW(SYS_ioctl, "ioctl", EMU, 2, O_SPECIAL),
    ROW(SYS_poll, "poll", EMU, 3, O_SPECIAL),
    ROW(SYS_ppoll, "ppoll", EMU, 2, O_SPECIAL),
    ROW(SYS_select, "select", EMU, 1, O_SPECIAL),
    ROW(SYS_pselect6, "pselect6", EMU, 1, O_SPECIAL),
    ROW(SYS_epoll_create, "epoll_create", EMU, 1),
    ROW(SYS_epoll_create1, "epoll_create1", EMU, 1),
    ROW(SYS_epoll_ctl, "epoll_ctl", EMU, 3),
    ROW(SYS_epoll_wait, "epoll_wait", EMU, 3, O_RETX(1, SZ_EPOLL_EVENT)),
    ROW(SYS_epoll_pwait, "epoll_pwait", EMU, 3, O_RETX(1, SZ_EPOLL_EVENT)),
    ROW(SYS_epoll_pwait2, "epoll_pwait2", EMU, 3, O_RETX(1, SZ_EPOLL_EVENT)),
    ROW(SYS_eventfd2, "eventfd2", EMU, 2),
    ROW(SYS_memfd_create, "memfd_create", EMU, 2),
    /* Sockets. */
    ROW(SYS_socket, "socket", EMU, 3),
    ROW(SYS_socketpair, "socketpair", EMU, 3, O_FIX(3, 8)),
    ROW(SYS_connect, "connect", EMU, 3),
    ROW(SYS_bind, "bind", EMU, 3),
    ROW(SYS_listen, "listen", EMU, 2),
    ROW(SYS_accept, "accept", EMU, 1, O_SA(1, 2)),
    ROW(SYS_accept4, "accept4", EMU, 1, O_SA(1, 2)),
    ROW(SYS_sendto, "sendto", EMU, 4),
    ROW(SYS_sendmsg, "sendmsg", EMU, 3),
    ROW(SYS_recvfrom, "recvfrom", EMU, 4, O_RET(1), O_SA(4, 5)),
    ROW(SYS_recvmsg, "recvmsg", EMU, 3, O_SPECIAL),
    ROW(SYS_sendmmsg, "sendmmsg", EMU, 4, O_SPECIAL),
    ROW(SYS_recvmmsg, "recvmmsg", EMU, 5, O_SPECIAL, O_FIX(4, SZ_TIMESPEC)),
    ROW(SYS_shutdown, "shutdown", EMU, 2),
    ROW(SYS_getsockname, "getsockname", EMU, 1, O_SA(1, 2)),
    ROW(SYS_getpeername, "getpeername", EMU, 1, O_SA(1, 2)),
    ROW(SYS_setsockopt, "setsockopt", EMU, 3),
    ROW(SYS_getsockopt, "getsockopt", EMU, 3, O_SA(3, 4)),
    /* Time, randomness, identity. */
    ROW(SYS_clock_gettime, "clock_gettime", EMU, 1, O_FIX(1, SZ_TIMESPEC)),
    ROW(SYS_clock_getres, "clock_getres", EMU, 1, O_FIX(1, SZ_TIMESPEC)),
    ROW(SYS_gettimeofday, "gettimeofday", EMU, 0, O_FIX(0, SZ_TIMEVAL),
        O_FIX(1, 8)),
    ROW(SYS_time, "time", EMU, 0, O_FIX(0, 8)),
    ROW(SYS_times, "times", EMU, 0, O_FIX(0, SZ_TMS)),
    ROW(SYS_getrandom, "getrandom", EMU, 3, O_RET(0)),
    ROW(SYS_uname, "uname", EMU, 0, O_FIX(0, SZ_UTSNAME)),
    ROW(SYS_sysinfo, "sysinfo", EMU, 0, O_FIX(0, SZ_SYSINFO)),
    ROW(SYS_getpid, "getpid", EMU, 0),
    ROW(SYS_getppid, "getppid", EMU, 0),
    ROW(SYS_gettid, "gettid", EMU, 0),
    ROW(SYS_getuid, "getuid", EMU, 0),
    ROW(SYS_geteuid, "geteuid", EMU, 0),
    ROW(SYS_getgid, "getgid", EMU, 0),
    ROW(SYS_getegid, "getegid", EMU, 0),
    ROW(SYS_getpgrp, "getpgrp", EMU, 0),
    ROW(SYS_getpgid, "getpgid", EMU, 1),
    ROW(SYS_getsid, "getsid", EMU, 1),
    ROW(SYS_setpgid, "setpgid", EMU, 2),
    ROW(SYS_setsid, "setsid", EMU, 0),
    ROW(SYS_getresuid, "getresuid", EMU, 0, O_FIX(0, 4), O_FIX(1, 4),
        O_FIX(2, 4)),
    ROW(SYS_getresgid, "getresgid", EMU, 0, O_FIX(0, 4), O_FIX(1, 4),
        O_FIX(2, 4)),
    ROW(SYS_getgroups, "getgroups", EMU, 1, O_RETX(1, 4)),
    ROW(SYS_getrusage, "getrusage", EMU, 1, O_FIX(1, SZ_RUSAGE)),
    ROW(SYS_getrlimit, "getrlimit", EMU, 1, O_FIX(1, SZ_RLIMIT)),
    ROW(SYS_prlimit64, "prlimit64", EMU, 3, O_FIX(3, SZ_RLIMIT)),
    ROW(SYS_setrlimit, "setrlimit", EMU, 1),
    ROW(SYS_get_mempolicy, "get_mempolicy", EMU, 3, O_SPECIAL),
    /* NUMA placement changes no result a program can observe */
    ROW(SYS_set_mempolicy, "set_mempolicy", EMU, 1),
    ROW(SYS_mbind, "mbind", EMU, 3),
    ROW(SYS_sched_get_priority_max, "sched_get_priority_max", EMU, 1),
    ROW(SYS_sched_get_priority_min, "sched_get_priority_min", EMU, 1),
    ROW(SYS_timer_create, "timer_create", EMU, 1, O_FIX(2, 4)),
    ROW(SYS_timer_settime, "timer_settime", EMU, 2, O_FIX(3, 32)),
    ROW(SYS_timer_gettime, "timer_gettime", EMU, 1, O_FIX(1, 32)),
    ROW(SYS_timer_delete, "timer_delete", EMU, 1),
    ROW(SYS_pidfd_open, "pidfd_open", EMU, 2),
    ROW(SYS_pidfd_send_signal, "pidfd_send_signal", EMU, 2),
    ROW(SYS_rt_sigqueueinfo, "rt_sigqueueinfo", EMU, 2),
    ROW(SYS_rt_tgsigqueueinfo, "rt_tgsigqueueinfo", EMU, 3),
    ROW(SYS_sched_getaffinity, "sched_getaffinity", EMU, 2, O_RET(2)),
    ROW(SYS_sched_yield, "sched_yield", EMU, 0),
    ROW(SYS_getpriority, "getpriority", EMU, 2),
    ROW(SYS_setpriority, "setpriority", EMU, 3),
    ROW(SYS_sched_setaffinity, "sched_setaffinity", EMU, 2),
    ROW(SYS_sched_setscheduler, "sched_setscheduler", EMU, 2),
    ROW(SYS_sched_setparam, "sched_setparam", EMU, 1),
    ROW(SYS_sched_getparam, "sched_getparam", EMU, 1, O_FIX(1, 4)),
    ROW(SYS_sched_getscheduler, "sched_getscheduler", EMU, 1),
    ROW(SYS_getcpu, "getcpu", EMU, 0, O_FIX(0, 4), O_FIX(1, 4)),
    ROW(SYS_getitimer, "getitimer", EMU, 1, O_FIX(1, 32)),
    ROW(SYS_setitimer, "setitimer", EMU, 2, O_FIX(2, 32)),
    ROW(SYS_capget, "capget", EMU, 0, O_FIX(1, 24)),
    ROW(SYS_personality, "personality", EMU, 1),
    ROW(SYS_setuid, "setuid", EMU, 1),
    ROW(SYS_setgid, "setgid", EMU, 1),
    ROW(SYS_setresuid, "setresuid", EMU, 3),
    ROW(SYS_setresgid, "setresgid", EMU, 3),
    ROW(SYS_setgroups, "setgroups", EMU, 1),
    /* Memory locks and residency change nothing a program reads back
     * but these results (mincore's vector: record/memory.c). */
    ROW(SYS_mlock, "mlock", EMU, 2),
    ROW(SYS_munlock, "munlock", EMU, 2),
    ROW(SYS_mlock2, "mlock2", EMU, 3),
    ROW(SYS_mlockall, "mlockall", EMU, 1),
    ROW(SYS_munlockall, "munlockall", EMU, 0),
    ROW(SYS_mincore, "mincore", EMU, 3),
    /* writes back to the file, which replay does not have */
    ROW(SYS_msync, "msync", EMU, 3),
    ROW(SYS_prctl, "prctl", EMU, 1, O_SPECIAL),
    ROW(SYS_nanosleep, "nanosleep", EMU, 0, O_FIX(1, SZ_TIMESPEC)),
    ROW(SYS_clock_nanosleep, "clock_nanosleep", EMU, 2,
        O_FIX(3, SZ_TIMESPEC)),
    ROW(SYS_alarm, "alarm", EMU, 1),
    /* the kernel's continuation of a nanosleep/poll that a signal without
     * a handler interrupted */
    ROW(SYS_restart_syscall, "restart_syscall", EMU, 0),
    ROW(SYS_pause, "pause", EMU, 0),
    ROW(SYS_futex, "futex", EMU, 2),
    ROW(SYS_membarrier, "membarrier", EMU, 2),
    /* Processes and signals between them: results come from the archive,
     * signals are re-delivered from SIGNAL events. */
    ROW(SYS_wait4, "wait4", EMU, 3, O_FIX(1, 4), O_FIX(3, SZ_RUSAGE)),
    ROW(SYS_waitid, "waitid", EMU, 3, O_FIX(2, SZ_SIGINFO),
        O_FIX(4, SZ_RUSAGE)),
    ROW(SYS_kill, "kill", EMU, 2),
    ROW(SYS_tgkill, "tgkill", EMU, 3),
    ROW(SYS_tkill, "tkill", EMU, 2),
    ROW(SYS_rt_sigpending, "rt_sigpending", EMU, 0, O_ARGLEN(0, 1)),
    /* Executed: its temporary signal mask decides which signal the
     * replayer's re-sent signal may wake it with. */
    ROW(SYS_rt_sigsuspend, "rt_sigsuspend", EXE, 0),
    ROW(SYS_rt_sigtimedwait, "rt_sigtimedwait", EMU, 0, O_FIX(1, SZ_SIGINFO)),
    /* Kernel-side state of the process: executed at replay. */
    ROW(SYS_rt_sigaction, "rt_sigaction", EXE, 4),
    ROW(SYS_rt_sigprocmask, "rt_sigprocmask", EXE, 4),
    ROW(SYS_rt_sigreturn, "rt_sigreturn", EXE, 0),
    ROW(SYS_sigaltstack, "sigaltstack", EXE, 2),
    ROW(SYS_mmap, "mmap", EXE, 6),
    ROW(SYS_munmap, "munmap", EXE, 2),
    ROW(SYS_mprotect, "mprotect", EXE, 3),
    ROW(SYS_brk, "brk", EXE, 1),
    ROW(SYS_mremap, "mremap", EXE, 4),
    ROW(SYS_madvise, "madvise", EXE, 3),
    ROW(SYS_arch_prctl, "arch_prctl", EXE, 2),
    ROW(SYS_set_tid_address, "set_tid_address", EXE, 1),
    ROW(SYS_set_robust_list, "set_robust_list", EXE, 2),
    ROW(SYS_exit, "exit", EXE, 1),
    ROW(SYS_exit_group, "exit_group", EXE, 1),
    ROW(SYS_execve, "execve", EXE, 1),
    ROW(SYS_clone, "clone", EXE, 1),
    ROW(SYS_fork, "fork", EXE, 0),
    ROW(SYS_vfork, "vfork", EXE, 0),
    /* Refused so that libc falls back to something replay handles:
     * clone3 -> clone, rseq -> no restartable sequences; memory
     * protection keys -> none (V8 then protects its code without them;
     * glibc's pkey_mprotect with key -1 is mprotect). A key would tie
     * the replay host's PKRU to the recording's. */
    ROW(SYS_clone3, "clone3", NOSYS, 0),
    ROW(SYS_rseq, "rseq", NOSYS, 0),
    ROW(SYS_pkey_alloc, "pkey_alloc", NOSYS, 0),
    ROW(SYS_pkey_free, "pkey_free", NOSYS, 0),
    ROW(SYS_pkey_mprotect, "pkey_mprotect", NOSYS, 0),
};
/* clang-format on */

const trace_sc_desc *trace_syscall_desc(long nr)
{
    if (nr < 0 || (size_t)nr >= sizeof(table) / sizeof(table[0]))
        return NULL;
    return table[nr].name ? &table[nr] : NULL;
}

const char *trace_syscall_name(long nr, char buf[32])
{
    const char *name =
        nr >= 0 && nr <= UINT32_MAX ? rrt_syscall_name((uint32_t)nr) : NULL;
    if (name)
        return name;
    snprintf(buf, 32, "syscall_%ld", nr);
    return buf;
}

/* The system call table, in the manner of rr's syscalls.py: one row per
 * supported call saying whether replay emulates or executes it, how many
 * arguments replay compares, and where the call writes into the caller's
 * memory. A number without a row is one the kernel does not know: its
 * ENOSYS is recorded. The few calls rrt refuses say why. */
#include <fcntl.h>
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
/* A call rrt cannot record, and why (shown in the error and in
 * `rrt help record`). */
#define NO(nr, nm, reason) [nr] = {.name = nm, .mode = TRACE_SC_REFUSE, \
                                   .why = reason}

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
    /* the header too: an unknown version is answered with the preferred one */
    ROW(SYS_capget, "capget", EMU, 0, O_FIX(0, 4), O_FIX(1, 24)),
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
    /* replay runs it as an execve of the file the recording executed */
    ROW(SYS_execveat, "execveat", EXE, 2),
    ROW(SYS_clone, "clone", EXE, 1, O_SPECIAL), /* CLONE_PIDFD */
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

    /* Everything else in the x86-64 table of Linux 6.x. Results (and the
     * bytes a call writes) come from the archive: at replay nothing is
     * really created, mounted, unshared or changed in the kernel, and the
     * later calls that would see the change are emulated too. */
    /* Memory: results only; the pages themselves do not change (msync,
     * mincore and the locks are above, with the memory calls). */
    ROW(SYS_migrate_pages, "migrate_pages", EMU, 2),
    ROW(SYS_move_pages, "move_pages", EMU, 2, O_SPECIAL),
    ROW(SYS_process_madvise, "process_madvise", EMU, 5),
    ROW(SYS_process_mrelease, "process_mrelease", EMU, 2),
    ROW(SYS_set_mempolicy_home_node, "set_mempolicy_home_node", EMU, 4),
    ROW(462, "mseal", EMU, 3),
    /* a sealed range makes a later munmap or mprotect fail: that failure
     * is recorded and emulated like any other */
    NO(SYS_remap_file_pages, "remap_file_pages",
       "rearranges the pages of a shared file mapping, which replay holds "
       "as a copy"),
    ROW(SYS_modify_ldt, "modify_ldt", EMU, 3, O_SPECIAL),
    ROW(SYS_set_thread_area, "set_thread_area", EMU, 1, O_FIX(0, 16)),
    ROW(SYS_get_thread_area, "get_thread_area", EMU, 1, O_FIX(0, 16)),
    ROW(SYS_iopl, "iopl", EMU, 1),
    ROW(SYS_ioperm, "ioperm", EMU, 3),
    /* Files, links, attributes. */
    ROW(SYS_mknod, "mknod", EMU, 3),
    ROW(SYS_mknodat, "mknodat", EMU, 4),
    ROW(SYS_utime, "utime", EMU, 2),
    ROW(SYS_utimes, "utimes", EMU, 2),
    ROW(SYS_futimesat, "futimesat", EMU, 3),
    ROW(452, "fchmodat2", EMU, 4),
    ROW(SYS_openat2, "openat2", EMU, 4),
    ROW(SYS_name_to_handle_at, "name_to_handle_at", EMU, 5, O_SPECIAL,
        O_FIX(3, 4)),
    ROW(SYS_open_by_handle_at, "open_by_handle_at", EMU, 3),
    ROW(SYS_setxattr, "setxattr", EMU, 5),
    ROW(SYS_lsetxattr, "lsetxattr", EMU, 5),
    ROW(SYS_fsetxattr, "fsetxattr", EMU, 5),
    ROW(SYS_removexattr, "removexattr", EMU, 2),
    ROW(SYS_lremovexattr, "lremovexattr", EMU, 2),
    ROW(SYS_fremovexattr, "fremovexattr", EMU, 2),
    ROW(463, "setxattrat", EMU, 6),
    ROW(464, "getxattrat", EMU, 6, O_SPECIAL),
    ROW(465, "listxattrat", EMU, 5, O_RET(3)),
    ROW(466, "removexattrat", EMU, 4),
    ROW(468, "file_getattr", EMU, 5, O_ARGLEN(3, 4)),
    ROW(469, "file_setattr", EMU, 5),
    ROW(SYS_sync_file_range, "sync_file_range", EMU, 4),
    ROW(SYS_tee, "tee", EMU, 4),
    ROW(SYS_vmsplice, "vmsplice", EMU, 4, O_IOV(1, 2)),
    ROW(451, "cachestat", EMU, 4, O_FIX(2, 40)),
    ROW(SYS_ustat, "ustat", EMU, 2, O_FIX(1, 32)),
    ROW(SYS_sysfs, "sysfs", EMU, 3, O_SPECIAL),
    ROW(SYS_quotactl, "quotactl", EMU, 4, O_SPECIAL),
    ROW(SYS_quotactl_fd, "quotactl_fd", EMU, 4, O_SPECIAL),
    ROW(SYS_fanotify_init, "fanotify_init", EMU, 2),
    ROW(SYS_fanotify_mark, "fanotify_mark", EMU, 5),
    ROW(SYS_inotify_init, "inotify_init", EMU, 0),
    ROW(SYS_eventfd, "eventfd", EMU, 1),
    ROW(SYS_signalfd, "signalfd", EMU, 3),
    ROW(SYS_userfaultfd, "userfaultfd", EMU, 1),
    ROW(SYS_memfd_secret, "memfd_secret", EMU, 1),
    ROW(SYS_perf_event_open, "perf_event_open", EMU, 5),
    ROW(SYS_bpf, "bpf", EMU, 3, O_SPECIAL),
    /* Asynchronous I/O: io_getevents also captures what each finished
     * read left in its buffer. */
    ROW(SYS_io_setup, "io_setup", EMU, 1, O_FIX(1, 8)),
    ROW(SYS_io_destroy, "io_destroy", EMU, 1),
    ROW(SYS_io_submit, "io_submit", EMU, 3),
    ROW(SYS_io_cancel, "io_cancel", EMU, 3, O_FIX(2, 32)),
    ROW(SYS_io_getevents, "io_getevents", EMU, 3, O_SPECIAL),
    ROW(SYS_io_pgetevents, "io_pgetevents", EMU, 3, O_SPECIAL),
    /* io_uring: the kernel writes completions into memory it shares with
     * the program, outside any system call; programs fall back */
    ROW(SYS_io_uring_setup, "io_uring_setup", NOSYS, 0),
    ROW(SYS_io_uring_enter, "io_uring_enter", NOSYS, 0),
    ROW(SYS_io_uring_register, "io_uring_register", NOSYS, 0),
    /* a shadow stack is a mapping replay would have to make */
    ROW(453, "map_shadow_stack", NOSYS, 0),
    /* Mounts and the file system tree. */
    ROW(SYS_mount, "mount", EMU, 5),
    ROW(SYS_umount2, "umount2", EMU, 2),
    ROW(SYS_pivot_root, "pivot_root", EMU, 2),
    ROW(SYS_chroot, "chroot", EMU, 1),
    ROW(SYS_open_tree, "open_tree", EMU, 3),
    ROW(467, "open_tree_attr", EMU, 5),
    ROW(SYS_move_mount, "move_mount", EMU, 5),
    ROW(SYS_fsopen, "fsopen", EMU, 2),
    ROW(SYS_fsconfig, "fsconfig", EMU, 5),
    ROW(SYS_fsmount, "fsmount", EMU, 3),
    ROW(SYS_fspick, "fspick", EMU, 3),
    ROW(SYS_mount_setattr, "mount_setattr", EMU, 4),
    ROW(457, "statmount", EMU, 4, O_ARGLEN(1, 2)),
    ROW(458, "listmount", EMU, 4, O_RETX(1, 8)),
    ROW(SYS_swapon, "swapon", EMU, 2),
    ROW(SYS_swapoff, "swapoff", EMU, 1),
    /* SysV IPC and POSIX message queues: ids, results and received data
     * from the archive. shmat maps the segment: see shmat below. */
    ROW(SYS_shmget, "shmget", EMU, 3),
    ROW(SYS_shmctl, "shmctl", EMU, 2, O_SPECIAL),
    ROW(SYS_semget, "semget", EMU, 3),
    ROW(SYS_semop, "semop", EMU, 3),
    ROW(SYS_semtimedop, "semtimedop", EMU, 3),
    ROW(SYS_semctl, "semctl", EMU, 3, O_SPECIAL),
    ROW(SYS_msgget, "msgget", EMU, 2),
    ROW(SYS_msgsnd, "msgsnd", EMU, 4),
    ROW(SYS_msgrcv, "msgrcv", EMU, 5, O_SPECIAL),
    ROW(SYS_msgctl, "msgctl", EMU, 2, O_SPECIAL),
    ROW(SYS_mq_open, "mq_open", EMU, 3),
    ROW(SYS_mq_unlink, "mq_unlink", EMU, 1),
    ROW(SYS_mq_timedsend, "mq_timedsend", EMU, 4),
    ROW(SYS_mq_timedreceive, "mq_timedreceive", EMU, 3, O_RET(1),
        O_FIX(3, 4)),
    ROW(SYS_mq_notify, "mq_notify", EMU, 2),
    ROW(SYS_mq_getsetattr, "mq_getsetattr", EMU, 3, O_FIX(2, 64)),
    /* Time and clocks: setting fails (EPERM) or succeeds at record; the
     * clocks replay reads come from the archive either way. */
    ROW(SYS_clock_settime, "clock_settime", EMU, 2),
    ROW(SYS_clock_adjtime, "clock_adjtime", EMU, 2, O_FIX(1, 208)),
    ROW(SYS_adjtimex, "adjtimex", EMU, 1, O_FIX(0, 208)),
    ROW(SYS_settimeofday, "settimeofday", EMU, 2),
    ROW(SYS_timer_getoverrun, "timer_getoverrun", EMU, 1),
    ROW(SYS_sched_rr_get_interval, "sched_rr_get_interval", EMU, 1,
        O_FIX(1, SZ_TIMESPEC)),
    ROW(SYS_futex_waitv, "futex_waitv", EMU, 5),
    ROW(454, "futex_wake", EMU, 4),
    ROW(455, "futex_wait", EMU, 6),
    ROW(456, "futex_requeue", EMU, 4),
    /* Identity, scheduling, process attributes. */
    ROW(SYS_setreuid, "setreuid", EMU, 2),
    ROW(SYS_setregid, "setregid", EMU, 2),
    ROW(SYS_setfsuid, "setfsuid", EMU, 1),
    ROW(SYS_setfsgid, "setfsgid", EMU, 1),
    ROW(SYS_capset, "capset", EMU, 2),
    ROW(SYS_sched_setattr, "sched_setattr", EMU, 3),
    ROW(SYS_sched_getattr, "sched_getattr", EMU, 4, O_ARGLEN(1, 2)),
    ROW(SYS_ioprio_set, "ioprio_set", EMU, 3),
    ROW(SYS_ioprio_get, "ioprio_get", EMU, 2),
    ROW(SYS_get_robust_list, "get_robust_list", EMU, 1, O_FIX(1, 8),
        O_FIX(2, 8)),
    ROW(SYS_kcmp, "kcmp", EMU, 5),
    ROW(SYS_pidfd_getfd, "pidfd_getfd", EMU, 3),
    /* reads another process into the caller's buffers */
    ROW(SYS_process_vm_readv, "process_vm_readv", EMU, 6, O_IOV(1, 2)),
    /* writes into the caller's own memory only (checked at entry) */
    ROW(SYS_process_vm_writev, "process_vm_writev", EMU, 6, O_SPECIAL),
    ROW(SYS_ptrace, "ptrace", EMU, 2, O_SPECIAL),
    ROW(459, "lsm_get_self_attr", EMU, 4, O_SPECIAL),
    ROW(460, "lsm_set_self_attr", EMU, 4),
    ROW(461, "lsm_list_modules", EMU, 3, O_SPECIAL),
    ROW(SYS_landlock_create_ruleset, "landlock_create_ruleset", EMU, 3),
    ROW(SYS_landlock_add_rule, "landlock_add_rule", EMU, 4),
    ROW(SYS_landlock_restrict_self, "landlock_restrict_self", EMU, 2),
    /* The program's own seccomp filter is installed for real at record
     * time; replay sees its effect in the later calls' recorded results
     * (an errno, a skipped call and its SIGSYS). */
    ROW(SYS_seccomp, "seccomp", EMU, 3, O_SPECIAL),
    /* The segment's pages are the call's output; replay maps a shared
     * anonymous region there and fills it (replay/ipc.c), and unmaps it
     * at shmdt. */
    ROW(SYS_shmat, "shmat", EMU, 3, O_SPECIAL),
    ROW(SYS_shmdt, "shmdt", EMU, 1),
    /* Namespaces: really entered at record time, emulated at replay. */
    ROW(SYS_unshare, "unshare", EMU, 1),
    ROW(SYS_setns, "setns", EMU, 2),
    /* Keys, modules, the system. */
    ROW(SYS_add_key, "add_key", EMU, 5),
    ROW(SYS_request_key, "request_key", EMU, 4),
    ROW(SYS_keyctl, "keyctl", EMU, 5, O_SPECIAL),
    ROW(SYS_syslog, "syslog", EMU, 3, O_SPECIAL),
    ROW(SYS_acct, "acct", EMU, 1),
    ROW(SYS_vhangup, "vhangup", EMU, 0),
    ROW(SYS_reboot, "reboot", EMU, 4),
    ROW(SYS_sethostname, "sethostname", EMU, 2),
    ROW(SYS_setdomainname, "setdomainname", EMU, 2),
    ROW(SYS_init_module, "init_module", EMU, 3),
    ROW(SYS_finit_module, "finit_module", EMU, 3),
    ROW(SYS_delete_module, "delete_module", EMU, 2),
    ROW(SYS_kexec_load, "kexec_load", EMU, 4),
    ROW(SYS_kexec_file_load, "kexec_file_load", EMU, 5),
    /* Not implemented by Linux 6.x (sys_ni_syscall) or removed from it:
     * the kernel's answer is ENOSYS, given without running the call. */
    ROW(SYS_uselib, "uselib", NOSYS, 0),
    ROW(SYS__sysctl, "_sysctl", NOSYS, 0),
    ROW(SYS_create_module, "create_module", NOSYS, 0),
    ROW(SYS_get_kernel_syms, "get_kernel_syms", NOSYS, 0),
    ROW(SYS_query_module, "query_module", NOSYS, 0),
    ROW(SYS_nfsservctl, "nfsservctl", NOSYS, 0),
    ROW(SYS_getpmsg, "getpmsg", NOSYS, 0),
    ROW(SYS_putpmsg, "putpmsg", NOSYS, 0),
    ROW(SYS_afs_syscall, "afs_syscall", NOSYS, 0),
    ROW(SYS_tuxcall, "tuxcall", NOSYS, 0),
    ROW(SYS_security, "security", NOSYS, 0),
    ROW(SYS_lookup_dcookie, "lookup_dcookie", NOSYS, 0),
    ROW(SYS_epoll_ctl_old, "epoll_ctl_old", NOSYS, 0),
    ROW(SYS_epoll_wait_old, "epoll_wait_old", NOSYS, 0),
    ROW(SYS_vserver, "vserver", NOSYS, 0),
};
/* clang-format on */

/* A number without a row: the kernel does not know it (syscall(-1),
 * numbers past the end of its table), or it is newer than this table. Its
 * answer is ENOSYS, given at record time without running the call. */
static const trace_sc_desc unknown = {
    "unknown", TRACE_SC_ENOSYS, 0, {0}, {0}, {0}, NULL};

const trace_sc_desc *trace_syscall_desc(long nr)
{
    if (nr < 0 || (size_t)nr >= sizeof(table) / sizeof(table[0]) ||
        !table[nr].name)
        return &unknown;
    return &table[nr];
}

bool trace_syscall_known(long nr)
{
    return trace_syscall_desc(nr) != &unknown;
}

long trace_syscall_nr(uint64_t orig_rax)
{
    /* the kernel's do_syscall_64 takes the number as an int */
    return (long)(int32_t)(uint32_t)orig_rax;
}

const char *trace_syscall_name(long nr, char buf[32])
{
    const char *name =
        nr >= 0 && nr <= UINT32_MAX ? rrt_syscall_name((uint32_t)nr) : NULL;
    if (!name && trace_syscall_known(nr))
        name = trace_syscall_desc(nr)->name;
    if (name)
        return name;
    snprintf(buf, 32, "syscall_%ld", nr);
    return buf;
}

bool trace_syscall_defuse(long nr, struct user_regs_struct *r)
{
    int arg;
    uint64_t v = ~0ull; /* flags with unknown bits */
    switch (nr) {
    case SYS_clone3: /* a size below CLONE_ARGS_SIZE_VER0 */
        arg = 1, v = 0;
        break;
    case SYS_rseq:
    case SYS_pkey_mprotect: /* prot */
    case 453:               /* map_shadow_stack */
        arg = 2;
        break;
    case SYS_execveat: /* beyond AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH */
        arg = 4;
        break;
    case SYS_copy_file_range:
    case SYS_splice:
        arg = 5;
        break;
    case SYS_pkey_alloc:
        arg = 0;
        break;
    case SYS_io_uring_setup: /* no entries */
        arg = 0, v = 0;
        break;
    case SYS_pkey_free:
    case SYS_io_uring_enter:
    case SYS_io_uring_register: /* a descriptor or key that cannot exist */
        arg = 0, v = (uint64_t)-1;
        break;
    case SYS_sendfile:
        arg = 1, v = (uint64_t)-1;
        break;
    default:
        return false;
    }
    trace_sc_set_arg(r, arg, v);
    return true;
}

bool trace_execveat_path(pid_t tid, int64_t dirfd, const char *path,
                         uint64_t flags, char *out, size_t n)
{
    int w;
    if (path[0] == '/' || (path[0] && (int)dirfd == AT_FDCWD))
        w = snprintf(out, n, "%s", path);
    else if (!path[0] && (flags & AT_EMPTY_PATH))
        w = snprintf(out, n, "/proc/%d/fd/%d", (int)tid, (int)dirfd);
    else if (path[0])
        w = snprintf(out, n, "/proc/%d/fd/%d/%s", (int)tid, (int)dirfd, path);
    else
        return false;
    return w > 0 && (size_t)w < n;
}

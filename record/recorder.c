/* The recording engine. It observes: syscall entries and exits, RDTSC and
 * CPUID traps, signals, clones, execs and exits of every tracee; and hands
 * each observation to the producer (producer.c), which encodes it.
 *
 * One task at a time runs user code: it holds the token. A task gives the
 * token up when it enters a system call (which may block) and waits for it
 * at the call's exit stop; the call's event is written when the task gets
 * the token back. So the event order is the order in which stretches of
 * user code ran, which replay follows, and threads sharing memory replay
 * their interleaving as recorded (at system call granularity). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <rrt/cpufeat.h>

#include "recorderi.h"
#include "syscallbuf.h"
#include "rrtx.h"

extern char **environ;

bool rec_fail(recorder *r, const char *fmt, ...)
{
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        rrtx_vfail(&r->err, RRT_E_UNSUPPORTED, 0, NULL, UINT64_MAX, fmt, ap);
        va_end(ap);
        r->failed = true;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Tasks                                                              */

/* Tasks are known by their thread id (rec_tid = tid). */
static rtask *find_task(recorder *r, pid_t tid)
{
    return trace_task_find(r->tasks, (uint32_t)tid);
}

static rtask *first_task(recorder *r)
{
    return (rtask *)r->tasks;
}

static rtask *next_task(rtask *t)
{
    return (rtask *)t->base.next;
}

static rtask *add_task(recorder *r, pid_t tid)
{
    rtask *t = trace_task_add(&r->tasks, sizeof(*t), (uint32_t)tid, tid);
    if (t)
        t->recording = true;
    return t;
}

static void remove_task(recorder *r, rtask *t)
{
    if (r->holder == t)
        r->holder = NULL;
    free(t->namelen);
    free(t->script);
    trace_task_remove(&r->tasks, &t->base);
}

static void resume(rtask *t, int sig)
{
    /* under the syscall buffer's filter calls stop at their seccomp
     * check: from there PTRACE_SYSCALL reaches the exit */
    int req = t->seccomp && !t->in_syscall ? PTRACE_CONT : PTRACE_SYSCALL;
    ptrace((enum __ptrace_request)req, t->base.tid, NULL, (void *)(long)sig);
}

/* ------------------------------------------------------------------ */
/* Emitting                                                           */

static void count_and_flush(recorder *r, uint32_t type)
{
    r->counts[type < 32 ? type : 0]++;
    if (++r->since_flush < r->o->flush_every) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - r->last_flush.tv_sec < 1)
            return;
    }
    rec_flush_writer(r);
}

bool rec_flush_writer(recorder *r)
{
    r->since_flush = 0;
    clock_gettime(CLOCK_MONOTONIC, &r->last_flush);
    if (rrt_writer_flush(r->w, &r->err) != RRT_OK)
        r->failed = true;
    return !r->failed;
}

static bool emitted(recorder *r, rrt_status st, uint32_t type)
{
    if (st != RRT_OK) {
        r->failed = true;
        return false;
    }
    count_and_flush(r, type);
    return !r->failed;
}

bool rec_emit_raw(recorder *r, uint32_t type, const rrt_buf *b)
{
    if (b->failed)
        return rec_fail(r, "out of memory");
    return emitted(
        r, rrt_writer_add_event(r->w, type, b->data, b->len, &r->err), type);
}

/* ------------------------------------------------------------------ */
/* Files                                                              */

/* Mapped data files up to this size are embedded when mapped (auto). */
#define EMBED_SMALL_MAX (1u << 20)

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return n > 1 && strncmp(path, dir, n) == 0 &&
           (dir[n - 1] == '/' || path[n] == '/');
}

/* An ELF program or shared library (ET_EXEC or ET_DYN), not an object
 * file, which a compiler writes and deletes. */
static bool is_elf_program(const char *proc_path)
{
    unsigned char h[18] = {0};
    int fd = open(proc_path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
            h[0] = 0;
        close(fd);
    }
    return memcmp(h,
                  "\x7f"
                  "ELF",
                  4) == 0 &&
           h[5] == 1 /* little-endian */ && (h[16] == 2 || h[16] == 3) &&
           h[17] == 0;
}

/* Whether a mapped file is referenced until `rrt pack` rather than
 * embedded now (--embed=auto). Programs and libraries (an execute bit or
 * an ELF program header: rr makes the same bet), root's files in system
 * directories, and large files are, since embedding them would slow the
 * recording down (a rustc run maps 400 MB of toolchain). Small data files
 * elsewhere are embedded, since programs rewrite or replace them: git maps
 * .git/config and then renames a new one over it; gcc -flto maps the
 * object files it writes to /tmp and deletes them. (Not every program in
 * /tmp: build trees and CI checkouts live there too.) */
static bool reference_until_pack(const char *proc_path, const char *path,
                                 const struct stat *sb)
{
    static const char *const system_dirs[] = {
        "/usr/",  "/lib/", "/lib32/", "/lib64/",     "/libx32/", "/bin/",
        "/sbin/", "/etc/", "/opt/",   "/nix/store/", "/snap/",
    };
    if ((sb->st_mode & 0111) || sb->st_size > EMBED_SMALL_MAX)
        return true;
    if (sb->st_uid == 0 && !(sb->st_mode & 022))
        for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]);
             i++)
            if (under(path, system_dirs[i]))
                return true;
    return is_elf_program(proc_path);
}

/* Whether the file was created or changed (its inode's ctime) since the
 * recording started: the recorded program made it (a test binary a build
 * just linked, a script it wrote) and will likely delete or replace it
 * before anyone can pack the recording, so it is embedded now. start_ns
 * is the precise clock: a file made before the start has an earlier
 * ctime whether the kernel stamps inodes with the coarse clock or a
 * finer one (one made in the recording's first clock tick, before the
 * program has even started, could be missed). */
static bool made_during(const recorder *r, const struct stat *sb)
{
    int64_t ctime =
        (int64_t)sb->st_ctim.tv_sec * 1000000000 + sb->st_ctim.tv_nsec;
    return S_ISREG(sb->st_mode) && ctime >= r->start_ns;
}

/* The file-table index of the file at proc_path (a /proc/PID/fd/N or
 * /proc/PID/exe link, or a plain path), adding an entry the first time.
 * written: mapped shared and writable, so the program changes the file
 * (a linker writing its output): embedded under --embed=auto. */
static bool file_index(recorder *r, const char *proc_path, bool written,
                       uint64_t *index)
{
    struct stat sb;
    char path[PATH_MAX];
    if (stat(proc_path, &sb) != 0)
        return rec_fail(r, "%s: %s", proc_path, strerror(errno));
    int64_t mtime =
        (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    for (size_t i = 0; i < r->n_files; i++) {
        file_ref *f = &r->files[i];
        if (f->dev == sb.st_dev && f->ino == sb.st_ino &&
            f->size == (uint64_t)sb.st_size && f->mtime == mtime) {
            *index = f->index;
            return true;
        }
    }
    ssize_t n = strncmp(proc_path, "/proc/", 6) == 0
                    ? readlink(proc_path, path, sizeof(path) - 1)
                    : (ssize_t)snprintf(path, sizeof(path), "%s", proc_path);
    if (n <= 0 || (size_t)n >= sizeof(path))
        return rec_fail(r, "%s: %s", proc_path, strerror(errno));
    path[n] = 0;
    rrt_file_entry e = {0};
    e.path = path;
    e.mode = sb.st_mode;
    e.size = (uint64_t)sb.st_size;
    e.mtime_ns = mtime;
    if (S_ISCHR(sb.st_mode)) {
        /* /dev/zero reads as zeros without end (embedding it never
         * finished): mapped, it is anonymous memory, shared between
         * processes when MAP_SHARED. An empty file replays as that. */
        if (major(sb.st_rdev) != 1 || minor(sb.st_rdev) != 5)
            return rec_fail(r,
                            "%s: a mapping of a device; rrt cannot record "
                            "this program yet",
                            path);
        e.size = 0;
        e.flags = RRT_FILE_HAS_BLOB;
        if (rrt_writer_add_blob(r->w, "", 0, &e.blob, &r->err) != RRT_OK)
            return r->failed = true, false;
        goto add;
    }
    /* A file nobody can open again (deleted, memfd) is always embedded. */
    bool gone = S_ISREG(sb.st_mode) &&
                (sb.st_nlink == 0 || strncmp(path, "/memfd:", 7) == 0);
    bool embed = gone || r->o->embed == REC_EMBED_ALL ||
                 (r->o->embed == REC_EMBED_AUTO &&
                  (written || made_during(r, &sb) ||
                   !reference_until_pack(proc_path, path, &sb)));
    if (embed) {
        int fd = open(proc_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return rec_fail(r, "%s: %s", path, strerror(errno));
        uint64_t size;
        rrt_status st =
            rrt_writer_add_blob_fd(r->w, fd, path, &e.blob, &size, &r->err);
        close(fd);
        if (st != RRT_OK)
            return r->failed = true, false;
        e.flags = RRT_FILE_HAS_BLOB;
        e.size = size;
    } else {
        e.flags = RRT_FILE_EXTERNAL;
        e.dev = (uint64_t)sb.st_dev;
        e.ino = (uint64_t)sb.st_ino;
    }
add:
    if (rrt_writer_add_file(r->w, &e, &r->err) != RRT_OK)
        return r->failed = true, false;
    file_ref *files =
        rrtx_grow(r->files, &r->cap_files, r->n_files + 1, sizeof(*files));
    if (!files)
        return rec_fail(r, "out of memory");
    r->files = files;
    r->files[r->n_files++] =
        (file_ref){(uint64_t)sb.st_dev, (uint64_t)sb.st_ino,
                   (uint64_t)sb.st_size, mtime, r->next_file_index};
    *index = r->next_file_index++;
    return true;
}

bool rec_file_index(recorder *r, const char *proc_path, bool written,
                    uint64_t *index)
{
    return file_index(r, proc_path, written, index);
}

/* ------------------------------------------------------------------ */
/* Syscalls                                                           */

static bool release_vfork_parent(recorder *r, pid_t child);

static bool refuse(recorder *r, rtask *t, long nr, const char *why)
{
    char buf[32];
    return rec_fail(r,
                    "process %d: system call %s (%ld) %s; rrt cannot record "
                    "this program yet",
                    (int)t->base.tid, trace_syscall_name(nr, buf), nr, why);
}

/* At execve (execveat) entry: remembers whether the file is a script. */
static void note_script(rtask *t)
{
    char path[PATH_MAX], full[PATH_MAX + 64];
    size_t n = 0;
    uint64_t at = t->nr == SYS_execveat ? t->args[1] : t->args[0];
    while (n < sizeof(path) &&
           trace_mem_read(t->base.memfd, at + n, path + n, 1) && path[n])
        n++;
    free(t->script);
    bool ok = n < sizeof(path) && !path[n];
    if (ok && t->nr == SYS_execveat)
        ok = trace_execveat_path(t->base.tid, (int64_t)t->args[0], path,
                                 t->args[4], full, sizeof(full));
    else if (ok)
        ok = n > 0 && snprintf(full, sizeof(full), "%s", path) > 0;
    t->script = ok ? trace_script_path(t->base.tid, full) : NULL;
}

static bool syscall_entry(recorder *r, rtask *t, struct user_regs_struct *regs)
{
    t->nr = trace_syscall_nr(regs->orig_rax);
    for (int i = 0; i < 6; i++)
        t->args[i] = trace_sc_arg(regs, i);
    t->forced = false;
    t->exec_seen = false;
    if (!t->recording)
        return true;
    /* first: an int 0x80 call's number is not of the 64-bit table */
    if (!rec_proc_entry(r, t, regs))
        return false;
    int sc = rec_seccomp_entry(r, t, regs);
    if (sc != 0)
        return sc > 0; /* killed: strict mode forbids the call */
    const trace_sc_desc *d = trace_syscall_desc(t->nr);
    char buf[160];
    const char *why = rec_refusal(t, d, buf, sizeof(buf));
    if (why)
        return refuse(r, t, t->nr, why);
    if ((t->nr == SYS_recvmsg || t->nr == SYS_recvmmsg) &&
        !rec_save_namelens(r, t))
        return false;
    rec_save_addr_room(t, d);
    if (t->nr == SYS_execve || t->nr == SYS_execveat)
        note_script(t);
    if (t->nr == SYS_execve || t->nr == SYS_execveat || t->nr == SYS_exit ||
        t->nr == SYS_exit_group)
        rec_cpustub_marks(r, t); /* the memory may go away */
    if (t->nr == SYS_execveat)
        rec_execveat_as_execve(t, regs);
    if (d->mode == TRACE_SC_ENOSYS || rec_copies_to_stdio(r, t)) {
        /* Skip the call; the result is set at the exit stop. */
        t->forced = true;
        t->forced_ret = -ENOSYS;
        rec_skip_call(t, regs);
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
    }
    if (t->nr == SYS_exit || t->nr == SYS_exit_group) {
        rrt_ev_syscall e = {.tid = (uint32_t)t->base.tid,
                            .nr = (uint32_t)t->nr,
                            .flags = RRT_EV_SC_ENTRY_ONLY};
        memcpy(e.args, t->args, sizeof(e.args));
        return emitted(r, rec_emit_syscall(&r->prod, &e, &r->err),
                       RRT_EV_SYSCALL);
    }
    return true;
}

/* The ELF interpreter the kernel mapped at AT_BASE (ld.so), which replay
 * needs unchanged too; "" for static programs. */
static void interpreter_path(pid_t pid, const rrt_ev_exec *ex, char *out,
                             size_t n)
{
    uint64_t base = 0;
    out[0] = 0;
    for (size_t i = 0; i < ex->n_auxv; i++)
        if (ex->auxv[i][0] == 7) /* AT_BASE */
            base = ex->auxv[i][1];
    trace_mapping m;
    if (base && trace_mapping_at(pid, base, &m) && m.lo == base &&
        m.path[0] == '/')
        snprintf(out, n, "%s", m.path);
}

static bool after_exec(recorder *r, rtask *t)
{
    rrt_ev_exec ex = {0};
    if (t->base.memfd >= 0)
        close(t->base.memfd);
    t->base.memfd = trace_mem_open(t->base.tid);
    trace_pset_unref(t->base.pset); /* a new address space */
    t->base.pset = trace_pset_new();
    if (!t->base.pset)
        return rec_fail(r, "out of memory");
    t->base.pset->p.want = r->patch_kinds;
    char exe[64];
    snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)t->base.tid);
    if (!trace_exec_fixup_auxv(t->base.tid, t->base.memfd, &ex, NULL))
        return rec_fail(r, "process %d: cannot rewrite the auxiliary vector",
                        (int)t->base.tid);
    if (!rec_mem_after_exec(r, t, &ex))
        return false;
    char interp[PATH_MAX];
    if (!file_index(r, exe, false, &ex.exe_file))
        return false;
    interpreter_path(t->base.tid, &ex, interp, sizeof(interp));
    if (interp[0] && !file_index(r, interp, false, &ex.interp_file))
        return false;
    ex.has_interp = interp[0] != 0;
    if (r->mode == TRACE_CPUID_FAULT &&
        !trace_cpuid_arm_fault(t->base.tid, t->base.memfd))
        return rec_fail(r,
                        "process %d: cannot enable CPUID faulting "
                        "(try --cpuid-mode=patch)",
                        (int)t->base.tid);
    if (trace_patch_all(t->base.tid, t->base.memfd, &t->base.pset->p,
                        &r->sites) < 0)
        return rec_fail(r,
                        "process %d: cannot patch CPUID and XGETBV "
                        "instructions",
                        (int)t->base.tid);
    if (!emitted(r, rec_emit_exec(&r->prod, &ex, &r->err), RRT_EV_EXEC))
        return false;
    if (!t->script)
        return true;
    rrt_ev_exec_script es = {.tid = (uint32_t)t->base.tid};
    bool ok = file_index(r, t->script, false, &es.script_file) &&
              emitted(r, rec_emit_exec_script(&r->prod, &es, &r->err),
                      RRT_EV_EXEC_SCRIPT);
    free(t->script);
    t->script = NULL;
    return ok;
}

static bool mmap_extras(recorder *r, rtask *t, rrt_ev_syscall *e)
{
    uint64_t prot = 0, start = 0, len = 0;
    if (t->nr == SYS_mmap) {
        if (!(t->args[3] & MAP_ANONYMOUS) && !rec_mem_map_fd(r, t, e))
            return false;
        prot = t->args[2], start = (uint64_t)e->ret, len = t->args[1];
    } else if (t->nr == SYS_mprotect) {
        prot = t->args[2], start = t->args[0], len = t->args[1];
    }
    /* A new file mapping holds the file's bytes: its sites may come from
     * the file identity index. mprotect'ed code may have been written. */
    bool fresh = t->nr == SYS_mmap && !(t->args[3] & MAP_ANONYMOUS);
    if ((prot & PROT_EXEC) &&
        (fresh ? trace_patch_mapped(t->base.tid, t->base.memfd, start, len,
                                    &t->base.pset->p, &r->sites)
               : trace_patch_range(t->base.memfd, start, len, &t->base.pset->p,
                                   &r->sites)) < 0)
        return rec_fail(r,
                        "cannot patch CPUID and XGETBV in new code at "
                        "0x%llx",
                        (unsigned long long)start);
    return true;
}

static bool syscall_exit(recorder *r, rtask *t, struct user_regs_struct *regs)
{
    if (!t->recording && !t->exec_seen)
        return true;
    rec_proc_exit(r, t, regs);
    if (t->forced) {
        regs->rax = (uint64_t)t->forced_ret;
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
    }
    const trace_sc_desc *d = trace_syscall_desc(t->nr);
    bool skipped = t->forced || rec_seccomp_skipped(t, regs);
    rrt_ev_syscall e = {
        .tid = (uint32_t)(t->exec_former ? t->exec_former : t->base.tid),
        .nr = (uint32_t)t->nr,
        .ret = (int64_t)regs->rax};
    t->exec_former = 0;
    memcpy(e.args, t->args, sizeof(e.args));
    if (skipped)
        e.flags |= RRT_EV_SC_FORCED;
    if (t->initial)
        e.flags |= RRT_EV_SC_INITIAL;
    t->initial = false;
    rrt_buf_reset(&r->data);
    r->n_mem = 0;
    if (!skipped && !rec_restartable_outputs(r, t, d, e.ret))
        return false;
    if (!rec_capture_stdio(r, t, &e) || !rec_mem_outputs(r, t, &e))
        return false;
    if ((t->nr == SYS_mmap || t->nr == SYS_mprotect) && !rec_is_err(e.ret) &&
        !mmap_extras(r, t, &e))
        return false;
    if (r->data.failed)
        return rec_fail(r, "out of memory");
    for (size_t i = 0; i < r->n_mem; i++)
        r->mem[i].data = r->data.data + (size_t)r->mem[i].data;
    if (e.flags & RRT_EV_SC_STDIO)
        e.stdio_data = r->data.data + (size_t)e.stdio_data;
    e.mem = r->mem;
    e.n_mem = r->n_mem;
    if (!emitted(r, rec_emit_syscall(&r->prod, &e, &r->err), RRT_EV_SYSCALL) ||
        !rec_mem_after_event(r, t, &e) || !rec_cpustub_after_event(r, t, &e))
        return false;
    trace_trapsig_call(r->tasks, &t->base, t->nr, t->args, e.ret);
    if (!rec_seccomp_exit(r, t, &e))
        return false;
    if ((t->nr == SYS_execve || t->nr == SYS_execveat) && e.ret == 0)
        return after_exec(r, t) && rec_sb_exec(r, t) &&
               rec_cpustub_exec(r, t) && release_vfork_parent(r, t->base.tid);
    return rec_sb_after_syscall(r, t, regs);
}

/* A vfork parent returns once its child's execve has replaced the shared
 * address space, before that execve's exit stop. Its exit is recorded
 * after the child's exec (or exit), so that replay, which runs one task at
 * a time, lets the child get there first. */
static bool on_syscall_stop(recorder *r, rtask *t);

static void wait_token(recorder *r, rtask *t)
{
    t->waiting = true;
    t->wait_seq = ++r->wait_seq; /* 0: a holder that kept the token */
}

void rec_wait_token(recorder *r, rtask *t)
{
    wait_token(r, t);
}

static bool release_vfork_parent(recorder *r, pid_t child)
{
    for (rtask *p = first_task(r); p; p = next_task(p)) {
        if (p->vfork_child != child)
            continue;
        p->vfork_child = 0;
        if (p->deferred) {
            p->deferred = false;
            wait_token(r, p);
        }
    }
    return true;
}

/* Gives the token to the task that has waited longest. */
static bool schedule(recorder *r)
{
    while (!r->holder && !r->failed) {
        rtask *next = NULL;
        for (rtask *t = first_task(r); t; t = next_task(t))
            if (t->waiting && (!next || t->wait_seq < next->wait_seq))
                next = t;
        if (!next)
            return true;
        next->waiting = false;
        r->holder = next;
        if (!rec_sched_resumed(r, next) ||
            (next->sb && !rec_sb_switch(r, next)))
            return false;
        if (next->want_clone) {
            next->want_clone = false;
            rrt_ev_clone e = {next->clone_parent, (uint32_t)next->base.tid,
                              next->clone_flags};
            if (!emitted(r, rec_emit_clone(&r->prod, &e, &r->err),
                         RRT_EV_CLONE))
                return false;
        }
        if (next->want_exit_event) {
            struct user_regs_struct regs;
            next->want_exit_event = false;
            if (ptrace(PTRACE_GETREGS, next->base.tid, NULL, &regs) == 0 &&
                !syscall_exit(r, next, &regs))
                return false;
            next->exec_seen = false;
        }
        resume(next, 0);
    }
    return !r->failed;
}

/* True when tid leads its thread group. A leader that exits before its
 * threads is reported only after them, so it must not keep the token. */
static bool is_leader(pid_t tid)
{
    return trace_tgid(tid) == tid;
}

static bool on_syscall_stop(recorder *r, rtask *t)
{
    struct user_regs_struct regs;
    t->in_syscall = !t->in_syscall;
    if (!t->in_syscall) {
        /* exit stop: the event is written when the task gets the token */
        t->want_exit_event = true;
        t->kept_call = false;
        if (r->holder == t) {
            /* it kept the token through the call (rec_keeps_token) */
            r->holder = NULL;
            t->waiting = true;
            t->wait_seq = 0;
        } else if (t->vfork_child)
            t->deferred = true;
        else
            wait_token(r, t);
        return true;
    }
    if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &regs) != 0)
        return true; /* killed meanwhile; its exit follows */
    if (t->sb) {
        /* the holder's buffered calls came before this one */
        int h = rec_sb_entry(r, t, &regs);
        if (h < 0)
            return false;
        if (h > 0) {
            /* the library's own call; its flush is a point to let others
             * run, unless a signal held back is to be delivered now */
            t->in_syscall = false;
            if (h == SB_RESUME) {
                resume(t, 0);
                return true;
            }
            if (r->holder == t)
                r->holder = NULL;
            rec_sched_yielded(r, t);
            wait_token(r, t);
            return true;
        }
    }
    bool ok = syscall_entry(r, t, &regs);
    /* into the kernel, where it may block: the token goes to another. But
     * a thread on its way out keeps it until it is gone: the kernel then
     * clears its CLONE_CHILD_CLEARTID word and wakes pthread_join's futex,
     * and a thread running meanwhile would race that (seen as replays
     * that diverge at a join). remove_task hands the token on. */
    if (r->holder == t && !(t->nr == SYS_exit && !is_leader(t->base.tid)) &&
        !rec_keeps_token(r, t))
        r->holder = NULL;
    resume(t, 0);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Traps and signals                                                  */

void rec_note_queried(recorder *r, uint32_t leaf, uint32_t sub)
{
    if (!rrt_cpuid_leaf_is_indexed(leaf))
        sub = 0;
    for (size_t i = 0; i < r->n_queried; i++)
        if (r->queried[i].leaf == leaf && r->queried[i].subleaf == sub)
            return;
    rrt_cpuid_leaf *q =
        rrtx_grow(r->queried, &r->cap_queried, r->n_queried + 1, sizeof(*q));
    if (!q)
        return;
    r->queried = q;
    r->queried[r->n_queried++] = (rrt_cpuid_leaf){leaf, sub};
}

static bool emulate_cpuid(recorder *r, rtask *t, struct user_regs_struct *g)
{
    rrt_ev_cpuid e = {.tid = (uint32_t)t->base.tid,
                      .leaf = (uint32_t)g->rax,
                      .subleaf = (uint32_t)g->rcx};
    if (!rrt_cpuid_manifest_effective(&r->m, e.leaf, e.subleaf, e.regs))
        memset(e.regs, 0, sizeof(e.regs));
    rec_note_queried(r, e.leaf, e.subleaf);
    trace_apply_cpuid(g, e.regs);
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, g);
    return emitted(r, rec_emit_cpuid(&r->prod, &e, &r->err), RRT_EV_CPUID);
}

/* XGETBV shows the program the state components of the features it may
 * use (XCR0 without those of masked features), so that what it sizes and
 * enables from it holds on a replay host with other components. */
static bool emulate_xgetbv(recorder *r, rtask *t, struct user_regs_struct *g)
{
    rrt_ev_xgetbv e = {.tid = (uint32_t)t->base.tid, .xcr = (uint32_t)g->rcx};
    if (e.xcr == 0) {
        e.value = r->xcr0_seen;
    } else if (e.xcr == 1) {
        /* XINUSE: the components the task's saved state holds */
        size_t len;
        uint8_t *x = trace_xstate_get(t->base.tid, &len);
        e.value = r->xcr0_seen & (x ? trace_xstate_bv(x) : r->xcr0_seen);
        free(x);
    } else {
        return rec_fail(r,
                        "process %d: XGETBV of XCR%u at 0x%llx; rrt cannot "
                        "record this program yet",
                        (int)t->base.tid, e.xcr, g->rip);
    }
    trace_apply_xgetbv(g, e.value);
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, g);
    return emitted(r, rec_emit_xgetbv(&r->prod, &e, &r->err), RRT_EV_XGETBV);
}

static bool emulate_rdtsc(recorder *r, rtask *t, struct user_regs_struct *g,
                          bool rdtscp)
{
    rrt_ev_rdtsc e = {.tid = (uint32_t)t->base.tid, .rdtscp = rdtscp};
    unsigned aux = 0;
    e.tsc = rdtscp ? __rdtscp(&aux) : __rdtsc();
    e.aux = aux;
    trace_apply_rdtsc(g, &e);
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, g);
    return emitted(r, rec_emit_rdtsc(&r->prod, &e, &r->err), RRT_EV_RDTSC);
}

/* Returns 1 when the signal was an emulated instruction, 0 when it is a
 * real signal, -1 on failure. */
static int try_emulate(recorder *r, rtask *t, int sig, const siginfo_t *si)
{
    struct user_regs_struct g;
    if ((sig != SIGSEGV && sig != SIGILL) ||
        ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) != 0)
        return 0;
    int insn = trace_trap_insn(t->base.memfd, g.rip);
    bool ok;
    if (sig == SIGSEGV && si->si_code == SI_KERNEL &&
        (insn == 1 || insn == 2) && !t->tsc_sigsegv)
        ok = emulate_rdtsc(r, t, &g, insn == 2);
    else if (sig == SIGSEGV && si->si_code == SI_KERNEL && insn == 3 &&
             r->mode == TRACE_CPUID_FAULT)
        ok = emulate_cpuid(r, t, &g);
    else if (sig == SIGILL && insn == 4 &&
             trace_patches_kind(&t->base.pset->p, g.rip) == TRACE_SITE_CPUID)
        ok = emulate_cpuid(r, t, &g);
    else if (sig == SIGILL && insn == 4 &&
             trace_patches_kind(&t->base.pset->p, g.rip) == TRACE_SITE_XGETBV)
        ok = emulate_xgetbv(r, t, &g);
    else
        return 0;
    /* the kernel forced the trap's signal: put back what it reset */
    if (ok && !trace_trapsig_restore(&t->base, sig))
        ok = rec_fail(r, "process %d: cannot restore the action of signal %d",
                      (int)t->base.tid, sig);
    return ok ? 1 : -1;
}

static bool on_stop(recorder *r, pid_t pid, int status);

_Static_assert(sizeof(struct user_regs_struct) == 8 * RRT_EV_FRAME_NREGS,
               "SIGNAL_FRAME regs are struct user_regs_struct");

/* A handler is about to run for sig: steps t into it, so that the kernel
 * builds the frame now, and records the frame, the handler's registers
 * and mask (SIGNAL_FRAME). A replay host writes these bytes instead of
 * building a frame in its own XSAVE layout. The handler starts from the
 * initial FP state, set here as replay sets it. */
static bool record_frame(recorder *r, rtask *t, int sig)
{
    int st;
    pid_t tid = t->base.tid;
    if (ptrace(PTRACE_SINGLESTEP, tid, NULL, (void *)(long)sig) != 0)
        return true; /* killed meanwhile; its exit follows */
    if (waitpid(tid, &st, __WALL) != tid)
        return rec_fail(r,
                        "process %d: lost it while it entered a signal "
                        "handler",
                        (int)tid);
    if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP || (st >> 16)) {
        /* no frame: it died, or the frame did not fit (SIGSEGV follows) */
        t->frame_failed = WIFSTOPPED(st) && WSTOPSIG(st) == SIGSEGV;
        return on_stop(r, tid, st);
    }
    struct user_regs_struct g;
    rrt_ev_signal_frame e = {.tid = (uint32_t)tid};
    uint8_t *frame = NULL, *x = NULL;
    size_t len = 0, xlen = 0;
    bool ok =
        ptrace(PTRACE_GETREGS, tid, NULL, &g) == 0 &&
        ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(e.mask), &e.mask) == 0 &&
        trace_frame_extent(t->base.memfd, g.rsp, &len) &&
        (frame = malloc(len)) != NULL &&
        trace_mem_read(t->base.memfd, g.rsp, frame, len) &&
        (x = trace_xstate_get(tid, &xlen)) != NULL;
    if (ok) {
        trace_xstate_init(x, xlen);
        ok = trace_xstate_set(tid, x, xlen);
    }
    if (!ok) {
        free(frame);
        free(x);
        return rec_fail(r, "process %d: cannot read the frame of signal %d",
                        (int)tid, sig);
    }
    memcpy(e.regs, &g, sizeof(e.regs));
    t->base.trapsig.known = true; /* the handler's mask */
    t->base.trapsig.mask = e.mask;
    e.frame = frame;
    e.frame_len = len;
    ok = emitted(r, rec_emit_signal_frame(&r->prod, &e, &r->err),
                 RRT_EV_SIGNAL_FRAME);
    free(frame);
    free(x);
    if (ok)
        resume(t, 0);
    return ok;
}

static bool on_signal_stop(recorder *r, rtask *t, int sig)
{
    if (sig == SIGSTOP && t->fresh) {
        t->fresh = false;
        wait_token(r, t);
        return true;
    }
    /* records before a signal or trap come before its event */
    if (t->sb) {
        int h = rec_sb_signal(r, t, sig);
        if (h < 0)
            return false;
        if (h > 0) {
            resume(t, 0);
            return true;
        }
    }
    siginfo_t si;
    if (ptrace(PTRACE_GETSIGINFO, t->base.tid, NULL, &si) != 0) {
        /* a group-stop: when the terminal stopped the program, rrt stops
         * itself first (sched.c); the task stays stopped until a SIGCONT */
        rec_jobctl_group_stop(r, on_stop);
        return rec_sig_group_stop(r, t, sig);
    }
    if (t->recording) {
        int e = try_emulate(r, t, sig, &si);
        if (e < 0)
            return false;
        if (e > 0) {
            if (!rec_sched_preempt(r, t))
                resume(t, 0);
            return !r->failed;
        }
        rec_jobctl_signal(r, sig, &si);
        rrt_ev_signal ev = {.tid = (uint32_t)t->base.tid,
                            .signo = (uint32_t)sig,
                            .sync = rec_sig_is_sync(t, sig, &si) ||
                                    rec_proc_tsc_fault(t, sig, &si)};
        memcpy(ev.siginfo, &si, sizeof(ev.siginfo));
        if (!emitted(r, rec_emit_signal(&r->prod, &ev, &r->err), RRT_EV_SIGNAL))
            return false;
        if (sig != SIGKILL && sig != SIGSTOP &&
            trace_signal_caught(t->base.tid, sig))
            return record_frame(r, t, sig);
    }
    resume(t, sig);
    return true;
}

/* ------------------------------------------------------------------ */
/* Process events                                                     */

static bool on_new_task(recorder *r, rtask *parent, int event)
{
    unsigned long msg;
    if (ptrace(PTRACE_GETEVENTMSG, parent->base.tid, NULL, &msg) != 0)
        return rec_fail(r, "cannot get the new task's id");
    rtask *c = add_task(r, (pid_t)msg);
    if (!c)
        return rec_fail(r, "out of memory");
    c->fresh = true;
    c->tsc_sigsegv = parent->tsc_sigsegv;
    c->sb = parent->sb;
    c->seccomp = parent->seccomp;
    c->own_filter = parent->own_filter;
    uint64_t flags = parent->nr == SYS_clone ? parent->args[0]
                     : event == PTRACE_EVENT_VFORK
                         ? (uint64_t)(CLONE_VM | CLONE_VFORK | SIGCHLD)
                         : (uint64_t)SIGCHLD;
    /* threads and a vfork child share the address space and its patches */
    c->base.pset = flags & CLONE_VM ? trace_pset_ref(parent->base.pset)
                                    : trace_pset_copy(parent->base.pset);
    c->sb_th_valid = (flags & CLONE_VM) != 0;
    if (parent->sb && !trace_sb_clone(parent->base.memfd, c->base.memfd, flags))
        return rec_fail(r, "process %d: cannot write its syscall buffer",
                        (int)parent->base.tid);
    if (!c->base.pset)
        return rec_fail(r, "out of memory");
    trace_trapsig_inherit(&c->base, &parent->base);
    if (flags & CLONE_VFORK)
        parent->vfork_child = c->base.tid;
    /* Its CLONE event is written when it first runs. */
    c->want_clone = true;
    c->clone_parent = (uint32_t)parent->base.tid;
    c->clone_flags = flags;
    /* Its first stop may have arrived before this event. */
    for (size_t i = 0; i < r->n_pending; i++) {
        if (r->pending[i].pid == c->base.tid) {
            r->pending[i] = r->pending[--r->n_pending];
            c->fresh = false;
            wait_token(r, c);
            break;
        }
    }
    return true;
}

static bool on_task_exit(recorder *r, rtask *t, int status)
{
    rrt_ev_exit e = {.tid = (uint32_t)t->base.tid};
    if (WIFSIGNALED(status)) {
        e.killed = 1;
        e.code = (uint32_t)WTERMSIG(status);
    } else {
        e.code = (uint32_t)WEXITSTATUS(status);
    }
    if (t->base.tid == r->root) {
        r->exit_code = e.killed ? 128 + (int)e.code : (int)e.code;
        r->exited = true;
        char buf[32];
        snprintf(buf, sizeof(buf), "%s%u", e.killed ? "signal " : "", e.code);
        rrt_writer_set_meta(r->w, "exit_status", buf, NULL);
    }
    bool ok = !t->recording ||
              emitted(r, rec_emit_exit(&r->prod, &e, &r->err), RRT_EV_EXIT);
    pid_t tid = t->base.tid;
    remove_task(r, t);
    return ok && release_vfork_parent(r, tid);
}

/* At the exec event stop of the leader's id: when a thread other than
 * the leader ran the execve, the kernel has given it the leader's id, and
 * the leader ended without a report. The task that ran execve goes on
 * under that id. */
static rtask *exec_from_thread(recorder *r, rtask *leader)
{
    unsigned long former;
    if (ptrace(PTRACE_GETEVENTMSG, leader->base.tid, NULL, &former) != 0 ||
        (pid_t)former == leader->base.tid)
        return leader;
    rtask *e = find_task(r, (pid_t)former);
    if (!e)
        return leader;
    pid_t tid = leader->base.tid;
    if (r->holder == leader)
        r->holder = e;
    remove_task(r, leader);
    e->base.tid = tid;
    e->base.rec_tid = (uint32_t)tid;
    e->exec_former = (pid_t)former;
    if (e->base.memfd >= 0)
        close(e->base.memfd);
    e->base.memfd = trace_mem_open(tid);
    return e;
}

static bool on_stop(recorder *r, pid_t pid, int status)
{
    rtask *t = find_task(r, pid);
    if (!t) {
        /* A new child's first stop, before its parent's clone event. */
        if (r->n_pending < sizeof(r->pending) / sizeof(r->pending[0]))
            r->pending[r->n_pending++] = (pending_stop){pid, status};
        return true;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status))
        return on_task_exit(r, t, status);
    if (!WIFSTOPPED(status))
        return true;
    int sig = WSTOPSIG(status), event = status >> 16;
    bool ok = true;
    if (sig == (SIGTRAP | 0x80) ||
        (event == PTRACE_EVENT_SECCOMP && !t->in_syscall)) {
        return on_syscall_stop(r, t);
    } else if (event == PTRACE_EVENT_EXEC) {
        t = exec_from_thread(r, t);
        t->sb = false; /* a new address space, without the buffer yet */
        t->exec_seen = true;
        t->initial = !t->recording;
        t->recording = true;
    } else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
               event == PTRACE_EVENT_CLONE) {
        ok = on_new_task(r, t, event);
    } else if (event == 0) {
        return on_signal_stop(r, t, sig);
    }
    if (ok)
        resume(t, 0);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Setup                                                              */

static char *resolve_program(const char *name)
{
    char buf[PATH_MAX];
    if (strchr(name, '/'))
        return realpath(name, NULL);
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", name);
        if (access(buf, X_OK) == 0)
            return realpath(buf, NULL);
        path += n + (path[n] == ':');
    }
    return NULL;
}

/* The environment the archive keeps (the program itself gets the real
 * one): secrets are replaced by as many '*', so that the stack layout
 * stays the same at replay. */
static char **program_env(bool keep)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **v = calloc(n + 1, sizeof(char *));
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        v[i] = strdup(environ[i]);
        if (!v[i])
            return v; /* caller sees a short vector; acceptable on OOM */
        char *eq = strchr(v[i], '=');
        if (!keep && eq && rec_env_is_secret(v[i], (size_t)(eq - v[i])))
            memset(eq + 1, '*', strlen(eq + 1));
    }
    return v;
}

static void free_vec(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static rrt_status write_meta(recorder *r, const char *exe, char **envp)
{
    char buf[1024], *s;
    size_t n = 0;
    rrt_status st;
    while (r->o->argv[n])
        n++;
    s = rrt_list_encode(r->o->argv, n);
    st = rrt_writer_set_meta(r->w, "argv", s ? s : "", &r->err);
    free(s);
    for (n = 0; envp[n];)
        n++;
    s = rrt_list_encode(envp, n);
    if (st == RRT_OK)
        st = rrt_writer_set_meta(r->w, "env", s ? s : "", &r->err);
    free(s);
    if (st == RRT_OK)
        st = rrt_writer_set_meta(r->w, "exe", exe, &r->err);
    if (st == RRT_OK && getcwd(buf, sizeof(buf)))
        st = rrt_writer_set_meta(r->w, "cwd", buf, &r->err);
    struct utsname u;
    if (st == RRT_OK && uname(&u) == 0) {
        snprintf(buf, sizeof(buf), "%s %s %s %s", u.sysname, u.release,
                 u.version, u.machine);
        st = rrt_writer_set_meta(r->w, "uname", buf, &r->err);
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (st == RRT_OK)
        st = rrt_writer_set_meta(r->w, "created", buf, &r->err);
    if (st == RRT_OK)
        st = rrt_writer_set_meta(r->w, "rrt.version", rrt_version(), &r->err);
    if (st == RRT_OK)
        st = rrt_writer_set_meta(r->w, "tool", "rrt record", &r->err);
    if (st == RRT_OK && r->o->syscall_buffer)
        st = rrt_writer_set_meta(r->w, "record.syscallbuf", "3", &r->err);
    if (st == RRT_OK && (r->patch_kinds & TRACE_SITE_XGETBV))
        st = rrt_writer_set_meta(r->w, "record.xgetbv", "trapped", &r->err);
    if (st == RRT_OK) {
        snprintf(buf, sizeof(buf), "ignored %#llx blocked %#llx",
                 (unsigned long long)r->sig_ignored,
                 (unsigned long long)r->sig_blocked);
        st = rrt_writer_set_meta(r->w, "record.signals", buf, &r->err);
    }
    if (st == RRT_OK)
        st = rrt_writer_set_meta(
            r->w, "record.cpuid_mode",
            r->mode == TRACE_CPUID_FAULT ? "fault" : "patch", &r->err);
    return st;
}

/* CPUID leaf 0xD subleaf 0 lists the state components XCR0 may enable:
 * those of hidden features go, as from XGETBV's answer. Sizes stay the
 * host's: glibc's lazy-binding trampoline XSAVEs with a fixed mask into
 * an area sized from EBX, and XSAVE writes every component XCR0 really
 * enables, hidden or not. */
static rrt_status hide_xsave_components(recorder *r)
{
    uint64_t hidden = trace_xsave_hidden(&r->m);
    r->xcr0_seen = r->m.xcr0 & ~hidden;
    /* XGETBV is patched only when it must lie: finding it means
     * disassembling every executable mapping, even where CPUID faults */
    r->patch_kinds = trace_patch_kinds(r->mode);
    if (r->xcr0_seen == r->m.xcr0)
        r->patch_kinds &= ~(unsigned)TRACE_SITE_XGETBV;
    const rrt_cpuid_record *rec = rrt_cpuid_manifest_find(&r->m, 0xd, 0);
    uint64_t listed = rec ? (uint64_t)rec->edx << 32 | rec->eax : 0;
    if (!(listed & hidden))
        return RRT_OK;
    rrt_cpuid_mask *k = NULL;
    for (size_t i = 0; i < r->m.n_masks; i++)
        if (r->m.masks[i].leaf == 0xd && r->m.masks[i].subleaf == 0)
            k = &r->m.masks[i];
    if (!k) {
        rrt_cpuid_mask *grown =
            realloc(r->m.masks, (r->m.n_masks + 1) * sizeof(*grown));
        if (!grown)
            return rrtx_fail(&r->err, RRT_E_NOMEM, 0, NULL, UINT64_MAX,
                             "out of memory");
        r->m.masks = grown;
        k = &r->m.masks[r->m.n_masks++];
        *k = (rrt_cpuid_mask){.leaf = 0xd,
                              .flags = RRT_CPUID_SUBLEAF_INDEXED,
                              .eax = UINT32_MAX,
                              .ebx = UINT32_MAX,
                              .ecx = UINT32_MAX,
                              .edx = UINT32_MAX};
    }
    k->eax &= ~(uint32_t)hidden;
    k->edx &= ~(uint32_t)(hidden >> 32);
    r->m.flags |= RRT_CPUID_MASKED;
    return rrt_cpuid_manifest_normalize(&r->m, &r->err);
}

static rrt_status build_manifest(recorder *r)
{
    rrt_status st = rrt_cpuid_capture_host(&r->m, &r->err);
    if (st == RRT_OK && r->o->mask_file)
        st = rrt_cpuid_mask_from_file(&r->m, r->o->mask_file, &r->err);
    if (st == RRT_OK && r->o->level) {
        st = rrt_cpuid_mask_level(&r->m, r->o->level, &r->err);
        snprintf(r->m.mask_name, sizeof(r->m.mask_name), "x86-64-v%u",
                 r->o->level);
    }
    if (st == RRT_OK && r->o->disable_features)
        st = rrt_cpuid_mask_features(&r->m, r->o->disable_features, &r->err);
    /* Like rr: instructions whose results cannot be recorded. */
    if (st == RRT_OK)
        st = rrt_cpuid_mask_features(&r->m, "rdrand,rdseed,rtm,hle", &r->err);
    r->m.flags |= r->mode == TRACE_CPUID_FAULT ? RRT_CPUID_FAULTING_USED
                                               : RRT_CPUID_PATCHING_USED;
    if (st == RRT_OK)
        st = hide_xsave_components(r);
    /* An unnamed mask means rrt's defaults only (what `verify --host`
     * says); a user's --disable-features is named after its list. */
    if (!r->m.mask_name[0] && r->o->disable_features)
        snprintf(r->m.mask_name, sizeof(r->m.mask_name), "without %s",
                 r->o->disable_features);
    return st;
}

/* Every region's sites go into the archive (CSIT), so that replay finds
 * them by key and never disassembles. */
static bool sites_found(void *ctx, const rrt_blob_id *key, uint64_t len,
                        const trace_sites *s)
{
    recorder *r = ctx;
    if (rrt_writer_add_cpuid_sites(r->w, key, len, s->off, s->n, &r->err) ==
        RRT_OK)
        return true;
    r->failed = true;
    return false;
}

static bool interrupted(const recorder *r)
{
    return (r->o->interrupt && *r->o->interrupt) || r->tty_interrupt;
}

static bool run_loop(recorder *r)
{
    while (r->tasks && !r->failed && !interrupted(r)) {
        int status;
        pid_t pid = rec_sig_wait(r, &status); /* 0: stopped tasks woke */
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if ((pid > 0 && !on_stop(r, pid, status)) || !schedule(r))
            return false;
    }
    return !r->failed;
}

static void kill_all(recorder *r)
{
    for (rtask *t = first_task(r); t; t = next_task(t))
        kill(t->base.tid, SIGKILL);
    while (r->tasks) {
        int st;
        pid_t pid = waitpid(-1, &st, __WALL);
        if (pid < 0)
            break;
        rtask *t = find_task(r, pid);
        if (t && (WIFEXITED(st) || WIFSIGNALED(st)))
            remove_task(r, t);
    }
}

static void warn(recorder *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(recorder *r, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (r->o->notify)
        r->o->notify(r->o->notify_ctx, REC_NOTE_WARNING, text);
}

static int pick_cpu(int requested)
{
    if (requested != -2)
        return requested;
    int c = sched_getcpu();
    return c < 0 ? 0 : c;
}

/* A recorder on another CPU than its tracee pays up to 400 us a stop
 * instead of 30 (README): worth a warning, not a failure. */
static void pin_self(recorder *r, int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
        warn(r,
             "cannot pin to CPU %d (%s); recording runs unpinned and "
             "slower",
             cpu, strerror(errno));
}

/* Writes the end of the archive. The outcome is REC_COMPLETE only when
 * the program ran to its end and every byte reached the disk. */
static rec_outcome finish(recorder *r, bool ok)
{
    rec_cpustub_marks_all(r); /* before any task is detached or killed */
    rec_jobctl_end(r);
    rec_sched_end(r);
    if (interrupted(r) && !r->hung && ok && r->exited && r->tasks) {
        /* told to stop after the first process ended: the rest are
         * daemons, whose recording ends here; the archive is complete */
        size_t n = rec_proc_detach_all(r);
        kill_all(r);
        ok = !r->failed;
        warn(r,
             "stopped recording %zu task%s that outlived the program's "
             "first process (daemons); they were killed",
             n, n == 1 ? "" : "s");
    } else if (interrupted(r) || r->hung) {
        /* the serialization limit's message, or just "interrupted" */
        char text[2 * sizeof(r->err.message)];
        const char *why = r->hung ? r->err.message : "interrupted";
        kill_all(r);
        rrt_writer_flush(r->w, NULL);
        rrt_writer_abandon(r->w);
        r->w = NULL;
        snprintf(text, sizeof(text),
                 "%s; the events so far are in %s.partial (run "
                 "'rrt recover -o %s %s.partial' to make it a usable "
                 "archive)",
                 why, r->o->out, r->o->out, r->o->out);
        size_t n = strnlen(text, sizeof(r->err.message) - 1);
        memcpy(r->err.message, text, n);
        r->err.message[n] = 0;
        r->err.status = RRT_E_IO;
        return REC_INTERRUPTED;
    }
    rrt_error first = r->err;
    if (!ok) {
        kill_all(r);
        rrt_writer_set_meta(r->w, "incomplete", r->err.message, NULL);
    }
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    rrt_writer_set_meta(r->w, "finished", when, NULL);
    r->m.queried = r->queried;
    r->m.n_queried = r->n_queried;
    if (!r->cs_lost) /* else the library answered leaves it lost */
        r->m.flags |= RRT_CPUID_QUERIED_KNOWN;
    rrt_status st = rrt_cpuid_manifest_normalize(&r->m, &r->err);
    if (st == RRT_OK)
        st = rrt_writer_set_cpuid(r->w, &r->m, &r->err);
    r->m.queried = NULL;
    r->m.n_queried = 0;
    if (st == RRT_OK)
        st = rrt_writer_finish(r->w, &r->err);
    if (st != RRT_OK)
        return REC_FAILED;
    if (!ok) {
        r->err = first;
        return REC_INCOMPLETE;
    }
    return REC_COMPLETE;
}

rrt_status rec_record(const rec_options *o, rec_report *rep, rrt_error *err)
{
    recorder rec = {0}, *r = &rec;
    r->o = o;
    r->jc_fd = -1;
    r->mode = trace_cpuid_mode_resolve(o->cpuid_mode);
    rrt_buf_init(&r->data);
    rrt_error_clear(&r->err);
    r->map_object = -1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    r->start_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    memset(rep, 0, sizeof(*rep));
    rep->outcome = REC_FAILED;
    char *exe = resolve_program(o->argv[0]);
    char **envp = program_env(o->keep_env);
    if (!exe || !envp) {
        r->err.status = RRT_E_NOT_FOUND;
        snprintf(r->err.message, sizeof(r->err.message),
                 "%s: command not found", o->argv[0]);
        goto out;
    }
    for (int s = 1; s <= 2; s++)
        r->out_ok[s] = fstat(s, &r->out_st[s]) == 0;
    int cpu = pick_cpu(o->cpu);
    cpu_set_t all;
    bool have_all = sched_getaffinity(0, sizeof(all), &all) == 0;
    pin_self(r, cpu); /* before the capture: leaf 1/0xB carry the APIC id */
    rrt_writer_options wo;
    rrt_writer_options_init(&wo);
    /* Two compression threads (1 would mean none: the recorder's own
     * thread would compress, in turn with the program), at the quality
     * asked for (rrt record -q, fast by default; `rrt pack` compresses
     * again at its own). */
    wo.threads = 2;
    wo.quality = o->quality;
    if (build_manifest(r) != RRT_OK)
        goto out;
    /* The writer's compression threads inherit the CPUs they may run on:
     * all of ours, so that compressing the events runs beside the
     * program and the recorder, not in turn with them on their CPU. */
    if (have_all && cpu >= 0)
        sched_setaffinity(0, sizeof(all), &all);
    rrt_status wst = rrt_writer_create(o->out, &wo, &r->w, &r->err);
    if (have_all && cpu >= 0)
        pin_self(r, cpu);
    if (wst != RRT_OK)
        goto out;
    rec_producer_init(&r->prod, r->w);
    if (r->mode == TRACE_CPUID_PATCH) {
        r->sites.cache = trace_site_cache_open(NULL);
        r->sites.found = sites_found;
        r->sites.by_identity = true;
        r->sites.ctx = r;
    }
    rec_cpustub_setup(r);
    if (o->signals_set) {
        r->sig_ignored = o->sig_ignored;
        r->sig_blocked = o->sig_blocked;
    } else {
        trace_signals_now(&r->sig_ignored, &r->sig_blocked);
    }
    if (write_meta(r, exe, envp) != RRT_OK || rec_mem_meta(r) != RRT_OK ||
        rrt_writer_set_cpuid(r->w, &r->m, &r->err) != RRT_OK ||
        rrt_writer_flush(r->w, &r->err) != RRT_OK)
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &r->last_flush);
    trace_spawn_opts so = {.path = exe,
                           .argv = o->argv,
                           .envp = environ,
                           .cpu = cpu,
                           .own_pgrp = true,
                           .sb_allow_ip =
                               o->syscall_buffer ? trace_sb_untraced_ip : 0,
                           .set_signals = true,
                           .ignored = r->sig_ignored,
                           .blocked = r->sig_blocked};
    r->root = trace_spawn(&so);
    if (r->root < 0) {
        r->err.status = RRT_E_IO;
        r->err.sys_errno = errno;
        snprintf(r->err.message, sizeof(r->err.message), "cannot start %s: %s",
                 exe, strerror(errno));
        goto out;
    }
    rtask *t = add_task(r, r->root);
    if (!t || !(t->base.pset = trace_pset_new())) {
        r->err.status = RRT_E_NOMEM;
        snprintf(r->err.message, sizeof(r->err.message), "out of memory");
        goto out;
    }
    t->base.pset->p.want = r->patch_kinds;
    t->recording = false;
    t->seccomp = o->syscall_buffer;
    t->script = trace_script_path(0, exe);
    r->holder = t;
    rec_jobctl_start(r);
    rec_sched_begin(r);
    resume(t, 0);
    /* the program's CPUID faults: so do ours, no MSR write per switch */
    bool self_fault = r->mode == TRACE_CPUID_FAULT && trace_self_fault_begin();
    bool ok = run_loop(r);
    if (self_fault)
        trace_self_fault_end();
    rep->events = rrt_writer_event_count(r->w);
    rep->outcome = finish(r, ok);
    rep->exited = r->exited;
    rep->exit_status = r->exit_code;
    memcpy(rep->counts, r->counts, sizeof(rep->counts));
    memcpy(rep->site_regions, r->sites.regions, sizeof(rep->site_regions));
    rep->site_by_file_id = r->sites.by_file_id;
    rep->sb_records = r->sb_records;
    rep->sb_patched = r->sb_patched;
out:
    if (rep->outcome == REC_FAILED && r->err.status == RRT_OK) {
        r->err.status = RRT_E_IO;
        snprintf(r->err.message, sizeof(r->err.message), "%s: recording failed",
                 o->out);
    }
    while (r->tasks)
        remove_task(r, first_task(r));
    if (r->w)
        rrt_writer_free(r->w);
    rec_producer_free(&r->prod);
    trace_site_cache_close(r->sites.cache);
    rrt_buf_free(&r->data);
    rrt_buf_free(&r->sb_raw);
    rrt_buf_free(&r->sb_enc);
    free(r->sb_sites);
    rrt_cpuid_manifest_clear(&r->m);
    free(r->cs_site);
    free(r->cs_disp);
    free(r->queried);
    free(r->files);
    free(r->shared);
    free(r->mem);
    free_vec(envp);
    free(exe);
    if (err)
        *err = r->err;
    return rep->outcome == REC_COMPLETE ? RRT_OK : r->err.status;
}

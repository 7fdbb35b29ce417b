/* Executing the recorded binaries at replay: an embedded program, its ELF
 * interpreter, a #! script and the interpreter it names run from memfd
 * copies of the archive's bytes, under names as long as the recorded
 * paths, so that the stack is laid out as recorded. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "replayi.h"

/* ------------------------------------------------------------------ */
/* Executing the recorded binaries                                    */

/* When the archive embeds the program (and its ELF interpreter), replay
 * must not depend on this host's copies, which may differ or be absent.
 * The simplest robust way is to let the kernel load the recorded bytes
 * itself: each blob is copied into a memfd, and the tracee execs
 * "/proc/<replayer>/fd/<n>" instead of the recorded path (the root, which
 * inherits the descriptor, "/proc/self/fd/<n>" or "/dev/fd/<n>"). The
 * kernel opens the file (and the interpreter) before it closes O_CLOEXEC
 * descriptors, so the program never sees them. The copy of the
 * program has its PT_INTERP string rewritten to the interpreter's memfd in
 * the same way, so the kernel maps the recorded ld.so at the address it
 * would map the host's (same size, same layout, ASLR off). No mapping has
 * to be replaced after the exec.
 *
 * What the program can observe is then restored at the exec stop:
 *  - the exec'd path is padded with slashes to the recorded path's length,
 *    so the kernel builds a byte-identical stack layout, and the filename
 *    string AT_EXECFN points to is overwritten with the recorded one;
 *  - the path is swapped in the caller's memory, where argv[0] or an
 *    environment string may be the same bytes (execv(argv[0], argv)):
 *    the new program's copies of those get the recorded bytes back;
 *  - the PT_INTERP bytes in the program's mapping (ld.so names itself by
 *    them) are written back with the original string.
 * A path shorter than those names (/bin/sh) is replaced by a symlink of
 * the same length in /tmp, removed at the exec stop; only paths under 6
 * bytes, or a /tmp where no link can be made, run the host's copy,
 * checked against the embedded one. The task's comm (basename of the
 * exec'd path) is the descriptor number or the link's name: the seccomp
 * wall has no prctl to fix it, and the program reads it only through
 * emulated calls. */

void rep_sub_clear(exec_sub *x)
{
    for (size_t i = 0; i < sizeof(x->links) / sizeof(x->links[0]); i++)
        if (x->links[i][0])
            unlink(x->links[i]);
    if (x->exe_fd >= 0)
        close(x->exe_fd);
    if (x->interp_fd >= 0)
        close(x->interp_fd);
    if (x->iexe_fd >= 0)
        close(x->iexe_fd);
    memset(x, 0, sizeof(*x));
    x->exe_fd = x->interp_fd = x->iexe_fd = -1;
}

/* Shortest path a substituted exec can have: "/tmp/" and one byte. */
#define RRT_SHORT_PATH 6

/* Makes link, a free name of exactly len bytes (RRT_SHORT_PATH <= len <
 * 32) in /tmp, a symlink to target. symlink() never follows or replaces
 * an existing name, and /tmp is sticky, so the link stays ours. The name
 * is never seen by the program: AT_EXECFN and argv are restored. */
static bool tmp_link(const char *target, size_t len, char link[32])
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
    if (len < RRT_SHORT_PATH || len >= 32)
        return false;
    for (int tries = 0; tries < 1000; tries++) {
        memcpy(link, "/tmp/", 5);
        for (size_t i = 5; i < len; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            link[i] = set[(x >> 33) % (sizeof(set) - 1)];
        }
        link[len] = 0;
        if (symlink(target, link) == 0)
            return true;
        if (errno != EEXIST)
            break;
    }
    link[0] = 0;
    return false;
}

/* A path of exactly len bytes that the tracee can exec or open to reach
 * the replayer's descriptor fd: "/proc/<replayer>/fd/<fd>" or, for a child
 * that inherits fd (the root, spawned after the copies are made), the
 * shorter "/proc/self/fd/<fd>" or "/dev/fd/<fd>", padded with slashes.
 * Shorter paths (/bin/sh) get a /tmp symlink to the first, which x
 * removes when cleared. false when none fits or the link fails. */
static bool fd_path(exec_sub *x, int fd, size_t len, char *out, size_t n)
{
    char p[64];
    if (len >= n)
        return false;
    for (int i = 0; i < (x->inherited ? 2 : 1); i++) {
        int k = !x->inherited
                    ? snprintf(p, sizeof(p), "proc/%d/fd/%d", (int)getpid(), fd)
                : i == 0 ? snprintf(p, sizeof(p), "proc/self/fd/%d", fd)
                         : snprintf(p, sizeof(p), "dev/fd/%d", fd);
        if (k < 0 || (size_t)k >= len)
            continue;
        size_t pad = len - (size_t)k;
        memset(out, '/', pad);
        memcpy(out + pad, p, (size_t)k + 1);
        return true;
    }
    for (size_t i = 0; i < sizeof(x->links) / sizeof(x->links[0]); i++) {
        if (x->links[i][0])
            continue;
        snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)getpid(), fd);
        if (!tmp_link(p, len, x->links[i]))
            return false;
        memcpy(out, x->links[i], len + 1);
        return true;
    }
    return false;
}

/* A memfd holding the file's recorded bytes (the blob's id is checked as
 * it is read), or -1 after a divergence. */
static int blob_memfd(replayer *r, ptask *t, const rrt_file_entry *f)
{
    rrt_blob_stream *bs = NULL;
    rrt_error err;
    enum { BUF = 1 << 16 };
    uint8_t *buf = malloc(BUF);
    size_t got;
    /* MFD_EXEC (Linux 6.3): executable even where vm.memfd_noexec makes
     * memfds non-executable by default; older kernels reject the flag */
    int fd = buf ? memfd_create("rrt-exec", MFD_CLOEXEC | RRT_MFD_EXEC) : -1;
    if (fd < 0 && buf && errno == EINVAL)
        fd = memfd_create("rrt-exec", MFD_CLOEXEC);
    if (fd < 0) {
        rep_fail_at(r, t, "memfd_create: %s",
                    buf ? strerror(errno) : "out of memory");
        free(buf);
        return -1;
    }
    if (rrt_blob_stream_open(r->rd, &f->blob, &bs, &err) != RRT_OK) {
        rep_fail_at(r, t, "%s: %s", f->path, err.message);
        goto fail;
    }
    for (;;) {
        if (rrt_blob_stream_read(bs, buf, BUF, &got, &err) != RRT_OK) {
            rep_fail_at(r, t, "%s: %s", f->path, err.message);
            goto fail;
        }
        if (got == 0)
            break;
        for (size_t at = 0; at < got;) {
            ssize_t w = write(fd, buf + at, got - at);
            if (w <= 0) {
                rep_fail_at(r, t, "%s: cannot copy: %s", f->path,
                            strerror(errno));
                goto fail;
            }
            at += (size_t)w;
        }
    }
    rrt_blob_stream_close(bs);
    free(buf);
    return fd;
fail:
    rrt_blob_stream_close(bs);
    free(buf);
    close(fd);
    return -1;
}

/* Trades a writable memfd for a read-only descriptor of the same file:
 * the kernel refuses to exec a file that is open for writing. */
static int read_only(replayer *r, ptask *t, int rw)
{
    char self[64];
    if (rw < 0)
        return -1;
    snprintf(self, sizeof(self), "/proc/self/fd/%d", rw);
    int ro = open(self, O_RDONLY | O_CLOEXEC);
    if (ro < 0)
        rep_fail_at(r, t, "%s: %s", self, strerror(errno));
    close(rw);
    return ro;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Points the memfd copy's PT_INTERP at the interpreter's memfd; keeps the
 * original string to restore in memory after the exec. */
static bool patch_interp(replayer *r, ptask *t, exec_sub *x, int rw)
{
    uint8_t eh[64], ph[56];
    if (pread(rw, eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
        memcmp(eh, "\177ELF\2\1", 6) != 0)
        return rep_fail_at(r, t, "%s: not a 64-bit ELF file", x->rec_path);
    x->entry = le(eh + 0x18, 8);
    uint64_t phoff = le(eh + 0x20, 8), phentsize = le(eh + 0x36, 2);
    uint64_t phnum = le(eh + 0x38, 2);
    for (uint64_t i = 0; phentsize >= sizeof(ph) && i < phnum; i++) {
        if (pread(rw, ph, sizeof(ph), (off_t)(phoff + i * phentsize)) !=
            (ssize_t)sizeof(ph))
            break;
        if (le(ph, 4) != RRT_ELF_PT_INTERP)
            continue;
        uint64_t off = le(ph + 8, 8), len = le(ph + 32, 8);
        char path[PATH_MAX] = {0};
        if (len < 2 || len > sizeof(x->interp_orig) ||
            pread(rw, x->interp_orig, len, (off_t)off) != (ssize_t)len)
            return rep_fail_at(r, t, "%s: bad PT_INTERP", x->rec_path);
        if (!fd_path(x, x->interp_fd, (size_t)len - 1, path, sizeof(path)))
            return rep_fail_at(r, t,
                               "%s: PT_INTERP too short to name the "
                               "recorded interpreter",
                               x->rec_path);
        if (pwrite(rw, path, len, (off_t)off) != (ssize_t)len)
            return rep_fail_at(r, t, "cannot patch PT_INTERP: %s",
                               strerror(errno));
        x->has_interp = true;
        x->interp_vaddr = le(ph + 16, 8);
        x->interp_len = (size_t)len;
        return true;
    }
    return rep_fail_at(r, t, "%s: no PT_INTERP", x->rec_path);
}

/* True when the file t execs at path starts with "#!". The kernel then
 * runs the interpreter the script names, with the script's path among
 * its arguments, and the recording's executable is that interpreter:
 * exec'ing it in the script's place would drop those arguments. In a
 * recording without EXEC_SCRIPT events (older recorders) the script then
 * runs from this host. path is relative to t's working directory (the
 * replayer's own for the root, which starts there). */
static bool is_script(const ptask *t, const char *path)
{
    char *real = trace_script_path(t ? t->base.tid : 0, path);
    bool script = real != NULL;
    free(real);
    return script;
}

/* True when f's bytes are in the archive (not only referenced). */
static bool embedded(replayer *r, uint64_t index, rrt_file_entry *f)
{
    rrt_error err;
    return rrt_reader_file(r->rd, (size_t)index, f, &err) == RRT_OK &&
           !(f->flags & RRT_FILE_EXTERNAL);
}

/* The read-only memfd copy of program f, its PT_INTERP pointed at ld's
 * copy when ld is not NULL; -1 after a divergence. */
static int program_copy(replayer *r, ptask *t, exec_sub *x,
                        const rrt_file_entry *f, const rrt_file_entry *ld)
{
    if (ld && (x->interp_fd = read_only(r, t, blob_memfd(r, t, ld))) < 0)
        return -1;
    int rw = blob_memfd(r, t, f);
    if (rw >= 0 && ld && !patch_interp(r, t, x, rw)) {
        close(rw);
        return -1;
    }
    return read_only(r, t, rw);
}

/* In the memfd copy of a script, points the #! line at x->iexe_fd (the
 * recorded interpreter) by a name of the same length, kept with the
 * recorded one in x for the exec stop. The kernel reads the line from the
 * first 256 bytes; its interpreter name ends at a blank or newline.
 * false (no divergence) when the name cannot be replaced, or names a
 * script on this host: the recorded program is then the interpreter of
 * that script, and exec'ing it directly would drop arguments. */
static bool patch_shebang(const ptask *t, exec_sub *x, int rw)
{
    char buf[256];
    ssize_t n = pread(rw, buf, sizeof(buf), 0);
    if (n < 3 || buf[0] != '#' || buf[1] != '!')
        return false;
    size_t i = 2, end;
    while (i < (size_t)n && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    for (end = i; end < (size_t)n && buf[end] != ' ' && buf[end] != '\t' &&
                  buf[end] != '\n' && buf[end] != 0;
         end++)
        ;
    size_t len = end - i;
    if (end == (size_t)n || len == 0 || len >= sizeof(x->iname))
        return false;
    memcpy(x->iname_orig, buf + i, len);
    x->iname_orig[len] = 0;
    return !is_script(t, x->iname_orig) &&
           fd_path(x, x->iexe_fd, len, x->iname, sizeof(x->iname)) &&
           pwrite(rw, x->iname, len, (off_t)i) == (ssize_t)len;
}

/* Prepares x so that t execs the recorded program instead of rec_path,
 * given the EXEC event the recording has for it and, for a #! script, the
 * file index of the script (else UINT64_MAX); t is NULL for the root, not
 * spawned yet. A script is replaced by the recorded script, whose #! line
 * is pointed at the recorded interpreter when it is embedded (else the
 * kernel runs this host's, checked at the exec stop, as it does when the
 * #! line names a script here). false without a divergence: run the
 * host's copy (not embedded, no name). */
/* Names x->exe_fd by a path as long as x->rec_path and arms the
 * substitution for t's exec; else warns `fallback`. */
static bool sub_arm(replayer *r, ptask *t, exec_sub *x, bool script,
                    const char *fallback)
{
    if (!fd_path(x, x->exe_fd, strlen(x->rec_path), x->path, sizeof(x->path))) {
        rep_warn_once(r, x->rec_path, fallback);
        return false;
    }
    x->active = true;
    x->script = script;
    x->task = t;
    return true;
}

/* A referenced program or script exec'd by a relative path runs from
 * this host, but the path would resolve against the replayer's working
 * directory: chdir is emulated. It is exec'd by a name of the same
 * length for the recorded file instead (identity checked). */
static bool sub_relative(replayer *r, ptask *t, exec_sub *x,
                         const char *rec_path, const rrt_file_entry *f,
                         bool script)
{
    size_t len = strlen(rec_path);
    if (len < RRT_SHORT_PATH || len >= sizeof(x->rec_path)) {
        rep_warn_once(r, rec_path,
                      "relative path too short to replace; it "
                      "resolves in replay's working directory");
        return false;
    }
    if ((x->exe_fd = rep_open_recorded(r, t, f)) < 0)
        return false;
    memcpy(x->rec_path, rec_path, len + 1);
    x->inherited = t == NULL;
    return sub_arm(r, t, x, script,
                   "no name of the same length for it; it "
                   "resolves in replay's working directory");
}

bool rep_sub_prepare(replayer *r, ptask *t, exec_sub *x, const char *rec_path,
                     const rrt_ev_exec *e, uint64_t script)
{
    rrt_file_entry f = {0}, fp = {0}, fi = {0};
    bool ok = false;
    int rw = -1;
    rep_sub_clear(x);
    size_t len = strlen(rec_path);
    bool is_scr = script != UINT64_MAX;
    if (!embedded(r, is_scr ? script : e->exe_file, &f)) {
        if (rec_path[0] != '/' && (f.flags & RRT_FILE_EXTERNAL))
            ok = sub_relative(r, t, x, rec_path, &f, is_scr);
        goto out;
    }
    /* a recording from before EXEC_SCRIPT existed */
    if (!is_scr && is_script(t, rec_path)) {
        rep_warn_once(r, rec_path,
                      "a #! script; it and its interpreter run from this host");
        goto out;
    }
    if (len < RRT_SHORT_PATH || len >= sizeof(x->rec_path)) {
        rep_warn_once(r, rec_path,
                      "path too short to run the embedded copy in its place; "
                      "running this host's file");
        goto out;
    }
    memcpy(x->rec_path, rec_path, len + 1);
    x->inherited = t == NULL;
    /* an ELF interpreter only referenced is the host's, checked at the
     * exec stop; so is the program a script names */
    bool ld = e->has_interp && embedded(r, e->interp_file, &fi);
    if (is_scr && embedded(r, e->exe_file, &fp)) {
        if ((x->iexe_fd = program_copy(r, t, x, &fp, ld ? &fi : NULL)) < 0)
            goto out;
        if ((rw = blob_memfd(r, t, &f)) < 0)
            goto out;
        x->script_interp = patch_shebang(t, x, rw);
        if (!x->script_interp) {
            /* the host's interpreter and ld.so run after all */
            rep_warn_once(r, rec_path,
                          "the interpreter its #! line names "
                          "runs from this host");
            x->has_interp = false;
        }
        x->exe_fd = read_only(r, t, rw);
        rw = -1;
    } else {
        x->exe_fd = program_copy(r, t, x, &f, !is_scr && ld ? &fi : NULL);
    }
    if (x->exe_fd < 0)
        goto out;
    ok = sub_arm(r, t, x, is_scr,
                 "no name of the same length for the "
                 "embedded copy; running this host's file");
out:
    if (rw >= 0)
        close(rw);
    if (!ok)
        rep_sub_clear(x);
    rrt_file_entry_clear(&f);
    rrt_file_entry_clear(&fp);
    rrt_file_entry_clear(&fi);
    return ok;
}

/* For a script the kernel put the path it exec'd among the interpreter's
 * arguments (argv[1], or argv[2] after the #! line's optional argument,
 * or later when that interpreter is a script too, up to the kernel's 4
 * levels): writes the recorded path over it, same length. When the #!
 * line's interpreter was renamed, argv[0] (that name) gets the recorded
 * one back too. */
static bool restore_script_args(replayer *r, ptask *t, const exec_sub *x)
{
    struct user_regs_struct g;
    uint64_t argc = 0, p = 0;
    size_t n = strlen(x->path) + 1, in = strlen(x->iname) + 1;
    char buf[PATH_MAX];
    if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) != 0 ||
        !trace_mem_read(t->base.memfd, g.rsp, &argc, sizeof(argc)))
        return rep_diverge(r, t, "cannot read the new program's arguments");
    if (x->script_interp &&
        !(argc > 0 && trace_mem_read(t->base.memfd, g.rsp + 8, &p, 8) &&
          trace_mem_read(t->base.memfd, p, buf, in) &&
          memcmp(buf, x->iname, in) == 0 &&
          trace_mem_write(t->base.memfd, p, x->iname_orig, in)))
        return rep_diverge(r, t, "cannot restore the interpreter's name %s",
                           x->iname_orig);
    for (uint64_t i = 1; i < argc && i <= 8; i++) {
        if (trace_mem_read(t->base.memfd, g.rsp + 8 * (i + 1), &p, 8) &&
            trace_mem_read(t->base.memfd, p, buf, n) &&
            memcmp(buf, x->path, n) == 0)
            return trace_mem_write(t->base.memfd, p, x->rec_path, n) ||
                   rep_diverge(r, t, "cannot restore the script's path");
    }
    return rep_diverge(r, t,
                       "the interpreter's arguments do not name the "
                       "script %s",
                       x->rec_path);
}

/* Gives the strings find_aliases noted their recorded bytes back in the
 * new program's arguments and environment (the stack: argc, argv, NULL,
 * envp). A script's interpreter has the script's argv[1..] as its last
 * arguments, and not its argv[0]. */
static bool restore_aliases(replayer *r, ptask *t, const exec_sub *x)
{
    struct user_regs_struct g;
    uint64_t argc = 0;
    size_t n = strlen(x->rec_path);
    char buf[PATH_MAX];
    if (x->nalias == 0)
        return true;
    if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) != 0 ||
        !trace_mem_read(t->base.memfd, g.rsp, &argc, sizeof(argc)))
        return rep_diverge(r, t, "cannot read the new program's arguments");
    for (size_t i = 0; i < x->nalias; i++) {
        const exec_alias *a = &x->alias[i];
        uint64_t k = a->index, p = 0;
        size_t len = n - a->from;
        if (!a->env && x->script && k == 0)
            continue;
        if (a->env)
            k += argc + 1;
        else if (argc + k >= x->argc)
            k = argc + k - x->argc;
        else
            return rep_diverge(r, t, "the new program lacks argument %u",
                               a->index);
        if (!trace_mem_read(t->base.memfd, g.rsp + 8 * (k + 1), &p, 8) ||
            !trace_mem_read(t->base.memfd, p + a->at, buf, len) ||
            memcmp(buf, x->path + a->from, len) != 0 ||
            !trace_mem_write(t->base.memfd, p + a->at, x->rec_path + a->from,
                             len))
            return rep_diverge(r, t, "cannot restore %s in %s %u", x->rec_path,
                               a->env ? "environment string" : "argument",
                               a->index);
    }
    return true;
}

/* At the exec stop of a substituted exec: shows the program the recorded
 * filename and PT_INTERP bytes (see above). now: the live auxv. */
bool rep_sub_finish(replayer *r, ptask *t, exec_sub *x, const rrt_ev_exec *now)
{
    uint64_t entry = 0, execfn = 0;
    for (size_t i = 0; i < now->n_auxv; i++) {
        if (now->auxv[i][0] == RRT_AT_ENTRY)
            entry = now->auxv[i][1];
        if (now->auxv[i][0] == RRT_AT_EXECFN)
            execfn = now->auxv[i][1];
    }
    bool ok = true;
    if (execfn && !trace_mem_write(t->base.memfd, execfn, x->rec_path,
                                   strlen(x->rec_path) + 1))
        ok = rep_diverge(r, t, "cannot restore AT_EXECFN");
    if (ok && x->has_interp &&
        !trace_mem_write(t->base.memfd, entry - x->entry + x->interp_vaddr,
                         x->interp_orig, x->interp_len))
        ok = rep_diverge(r, t, "cannot restore PT_INTERP");
    /* before the script's path, which is found by the swapped name */
    if (ok)
        ok = restore_aliases(r, t, x);
    if (ok && x->script)
        ok = restore_script_args(r, t, x);
    rep_sub_clear(x);
    return ok;
}

/* The EXEC event at position `first` or the one after it, and in
 * *script the file index of the EXEC_SCRIPT right after it (UINT64_MAX
 * if there is none: not a script, or recorded before the event existed). */
bool rep_peek_exec(replayer *r, uint64_t first, rrt_ev_exec *e,
                   uint64_t *script)
{
    rrt_event_iter *it = NULL;
    rrt_event ev;
    rrt_error err;
    bool found = false;
    *script = UINT64_MAX;
    if (rrt_event_iter_open(r->rd, first, &it, &err) != RRT_OK)
        return false;
    for (int i = 0;
         i < 2 && !found && rrt_event_iter_next(it, &ev, &err) == RRT_OK; i++)
        found = ev.type == RRT_EV_EXEC &&
                rrt_ev_decode_exec(ev.data, ev.len, e, &err) == RRT_OK;
    rrt_ev_exec_script es;
    if (found && rrt_event_iter_next(it, &ev, &err) == RRT_OK &&
        ev.type == RRT_EV_EXEC_SCRIPT &&
        rrt_ev_decode_exec_script(ev.data, ev.len, &es, &err) == RRT_OK &&
        es.tid == e->tid)
        *script = es.script_file;
    rrt_event_iter_close(it);
    return found;
}

/* The kernel copies no argument or environment string longer than this
 * (MAX_ARG_STRLEN, 32 pages): exec fails first. */
#define RRT_MAX_ARG_STRLEN (32u * 4096u)

/* The lowest s <= addr such that [s, addr) holds no NUL byte: a string
 * that starts in [s, addr] runs into the bytes at addr. Read back from
 * addr a page at a time; an unreadable page ends the run. */
static uint64_t run_start(int memfd, uint64_t addr)
{
    uint8_t buf[4096];
    uint64_t s = addr;
    while (s > 0 && addr - s < RRT_MAX_ARG_STRLEN) {
        uint64_t lo = (s - 1) & ~(uint64_t)(sizeof(buf) - 1);
        size_t k = (size_t)(s - lo);
        if (!trace_mem_read(memfd, lo, buf, k))
            break;
        for (size_t i = k; i > 0; i--)
            if (buf[i - 1] == 0)
                return lo + i;
        s = lo;
    }
    return s;
}

/* Notes in x the argv and envp strings of t's execve that share bytes
 * with the n bytes at addr about to be swapped, and argc. The kernel
 * copies the strings after the swap: execv(argv[0], argv) (env, nice,
 * dash running "/usr/bin/python3") would show the new program the
 * swapped name as argv[0], and Python builds sys.executable and the
 * paths it probes on the heap from it. false when x cannot hold them. */
static bool find_aliases(ptask *t, exec_sub *x, uint64_t addr, size_t n)
{
    struct user_regs_struct g;
    if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) != 0)
        return false;
    uint64_t lo = run_start(t->base.memfd, addr), hi = addr + n;
    for (int env = 0; env < 2; env++) {
        uint64_t base = env ? g.rdx : g.rsi, p = 0, i = 0;
        /* an unreadable array fails the exec (EFAULT) anyway */
        for (; base && i < UINT32_MAX &&
               trace_mem_read(t->base.memfd, base + 8 * i, &p, 8) && p;
             i++) {
            if (p < lo || p >= hi)
                continue;
            if (x->nalias == sizeof(x->alias) / sizeof(x->alias[0]))
                return false;
            x->alias[x->nalias++] =
                (exec_alias){.env = env,
                             .index = (uint32_t)i,
                             .at = p < addr ? (uint32_t)(addr - p) : 0,
                             .from = p < addr ? 0 : (uint32_t)(p - addr)};
        }
        if (!env)
            x->argc = i;
    }
    return true;
}

/* At t's execve entry: lets it exec the recorded program (the path is
 * swapped in place, same length). Returns the address swapped, 0 if none. */
uint64_t rep_sub_execve(replayer *r, ptask *t, uint64_t addr)
{
    char path[PATH_MAX];
    size_t n = 0;
    rrt_ev_exec ex;
    uint64_t script;
    while (n < sizeof(path) &&
           trace_mem_read(t->base.memfd, addr + n, path + n, 1) && path[n])
        n++;
    if (n == 0 || n == sizeof(path) || path[n] ||
        !rep_peek_exec(r, r->index + 1, &ex, &script) ||
        !rep_sub_prepare(r, t, &r->sub, path, &ex, script))
        return 0;
    if (!find_aliases(t, &r->sub, addr, n)) {
        rep_warn_once(r, path,
                      "cannot restore the arguments that share "
                      "its path; running this host's file");
        rep_sub_clear(&r->sub);
        return 0;
    }
    if (!trace_mem_write(t->base.memfd, addr, r->sub.path, n)) {
        rep_sub_clear(&r->sub);
        return 0;
    }
    return addr;
}

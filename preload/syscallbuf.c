/* rrt's syscall buffer: the code rrt maps into every buffered process at
 * SB_BASE (trace/sb_abi.h, spec/events.md section 5). The recorder patches
 * the `syscall` instructions of libc's wrappers into jumps to per-site
 * stubs that call sb_handle(). At record it performs the common calls
 * from sb_untraced's `syscall`, which the recording's seccomp filter lets
 * through without a stop, and appends each result and the bytes the kernel
 * wrote to the buffer; at replay it takes them from the buffer, which the
 * replayer fills from the recording. Anything it does not buffer goes
 * through sb_traced's `syscall`, which traps to rrt as usual.
 *
 * Freestanding: no libc, no globals (the state is the control page), no
 * SSE (-mgeneral-regs-only), because it runs inside any program between
 * two of its instructions. Every decision depends only on arguments,
 * program memory and earlier results, so record and replay decide alike.
 * Calls that could block are made non-blocking (RWF_NOWAIT, MSG_DONTWAIT)
 * or are not buffered: a call blocking here would stall every thread, since
 * the recorder runs one thread at a time. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>

#include <asm/unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/futex.h>
#include <linux/stat.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "sb_abi.h"

#define HIDDEN __attribute__((visibility("hidden")))

long sb_untraced(long nr, long a0, long a1, long a2, long a3, long a4,
                 long a5) HIDDEN;
long sb_traced(long nr, long a0, long a1, long a2, long a3, long a4,
               long a5) HIDDEN;
long sb_handle(long nr, long a0, long a1, long a2, long a3, long a4,
               long a5) HIDDEN;

/* The entry points, first in the image (section .sb_entry): the two
 * syscall instructions and the trampoline the stubs call. sb_entry keeps
 * every register but rax (the result), and leaves in r11 the flags as
 * `syscall` does (the stub sets rcx to the address after the site's
 * `syscall`, as the CPU does): programs pass stale registers as unused
 * arguments of later calls, which must be the same at replay, where the
 * library takes another path. */
__asm__(".pushsection .sb_entry,\"ax\",@progbits\n"
        ".globl sb_untraced\n"
        ".hidden sb_untraced\n"
        "sb_untraced:\n"
        "  mov %rdi,%rax\n"
        "  mov %rsi,%rdi\n"
        "  mov %rdx,%rsi\n"
        "  mov %rcx,%rdx\n"
        "  mov %r8,%r10\n"
        "  mov %r9,%r8\n"
        "  mov 8(%rsp),%r9\n"
        "  syscall\n"
        ".globl sb_untraced_ip\n"
        ".hidden sb_untraced_ip\n"
        "sb_untraced_ip:\n"
        "  ret\n"
        ".globl sb_traced\n"
        ".hidden sb_traced\n"
        "sb_traced:\n"
        "  mov %rdi,%rax\n"
        "  mov %rsi,%rdi\n"
        "  mov %rdx,%rsi\n"
        "  mov %rcx,%rdx\n"
        "  mov %r8,%r10\n"
        "  mov %r9,%r8\n"
        "  mov 8(%rsp),%r9\n"
        "  syscall\n"
        ".globl sb_traced_ip\n"
        ".hidden sb_traced_ip\n"
        "sb_traced_ip:\n"
        "  ret\n"
        ".globl sb_entry\n"
        ".hidden sb_entry\n"
        "sb_entry:\n"
        "  pushfq\n"
        "  push %rbp\n"
        "  mov %rsp,%rbp\n"
        "  and $-16,%rsp\n"
        "  push %rdi\n"
        "  push %rsi\n"
        "  push %rdx\n"
        "  push %r10\n"
        "  push %r8\n"
        "  push %r9\n"
        "  sub $8,%rsp\n"
        "  push %r9\n"
        "  mov %r8,%r9\n"
        "  mov %r10,%r8\n"
        "  mov %rdx,%rcx\n"
        "  mov %rsi,%rdx\n"
        "  mov %rdi,%rsi\n"
        "  mov %rax,%rdi\n"
        "  call sb_handle\n"
        "  add $16,%rsp\n"
        "  pop %r9\n"
        "  pop %r8\n"
        "  pop %r10\n"
        "  pop %rdx\n"
        "  pop %rsi\n"
        "  pop %rdi\n"
        "  mov %rbp,%rsp\n"
        "  pop %rbp\n"
        "  pop %r11\n"
        "  ret\n"
        ".popsection\n");

/* The compiler may call these for struct copies. */
void *memcpy(void *d, const void *s, size_t n) HIDDEN;
void *memset(void *d, int c, size_t n) HIDDEN;
void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n >= 8) {
        uint64_t v;
        __builtin_memcpy(&v, sp, 8);
        __builtin_memcpy(dp, &v, 8);
        dp += 8, sp += 8, n -= 8;
    }
    while (n--)
        *dp++ = *sp++;
    return d;
}
void *memset(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}

/* <asm/termbits.h> would clash with the libc headers above */
#define SB_TCGETS 0x5401u
#define SB_TERMIOS_SIZE 36u

#define CTL ((volatile struct sb_ctl *)SB_CTL)
#define BUF ((unsigned char *)SB_BUF)

/* A call for the program that traps to rrt. Replay stops at the end of a
 * call only when its records were the last of a flush and nothing traced
 * came after them (that is where the recorder flushed), so a traced call
 * clears the call's count. */
static long traced(long nr, long a0, long a1, long a2, long a3, long a4,
                   long a5)
{
    if (nr != SB_NR_FLUSH && nr != SB_NR_DIVERGED && nr != SB_NR_EXEC)
        CTL->th.call_recs = 0;
    return sb_traced(nr, a0, a1, a2, a3, a4, a5);
}

/* How a call's output is found, from its result. */
enum out_kind {
    OUT_NONE,
    OUT_RET,   /* ret bytes at out (read, getdents64, readlink) */
    OUT_FIXED, /* len bytes at out when ret >= 0 (stat, clock_gettime) */
    OUT_IOV,   /* ret bytes scattered over the len iovecs at out */
    OUT_POLL,  /* len struct pollfd at out when ret >= 0 */
    OUT_EPOLL, /* ret struct epoll_event at out */
    OUT_MSG,   /* recvmsg: the msghdr at out (below, sbflush block) */
};

typedef struct out_desc {
    enum out_kind kind;
    void *p;
    uint64_t len; /* most bytes (OUT_RET), bytes, or count (IOV, POLL) */
} out_desc;

static uint64_t iov_total(const struct iovec *iov, uint64_t n)
{
    uint64_t t = 0;
    for (uint64_t i = 0; i < n; i++)
        t += iov[i].iov_len;
    return t;
}

/* ------------------------------------------------------------------ */
/* recvmsg's output (sbflush)                                         */

/* recvmsg (without address or control buffer) writes ret bytes over the
 * msghdr's iovecs and, into the msghdr itself, msg_flags and
 * msg_controllen (0 here). Its record holds those two first, then the
 * data: spec/events.md 3.11. */
#define MSG_HEAD 12ull

static uint64_t msg_room(const struct msghdr *m)
{
    return MSG_HEAD + iov_total(m->msg_iov, m->msg_iovlen);
}

static void msg_head_copy(struct msghdr *m, unsigned char *rec, int to_prog)
{
    uint64_t cl;
    if (to_prog) {
        memcpy(&m->msg_flags, rec, 4);
        memcpy(&cl, rec + 4, 8);
        m->msg_controllen = cl;
    } else {
        cl = m->msg_controllen;
        memcpy(rec, &m->msg_flags, 4);
        memcpy(rec + 4, &cl, 8);
    }
}

/* The most bytes a call may write, to reserve room before it runs. */
static uint64_t out_room(const out_desc *o)
{
    switch (o->kind) {
    case OUT_RET:
    case OUT_FIXED:
        return o->len;
    case OUT_IOV:
        return iov_total(o->p, o->len);
    case OUT_POLL:
        return o->len * sizeof(struct pollfd);
    case OUT_EPOLL:
        return o->len * sizeof(struct epoll_event);
    case OUT_MSG:
        return msg_room(o->p);
    default:
        return 0;
    }
}

static uint64_t out_len(const out_desc *o, long ret)
{
    if (ret < 0)
        return 0;
    switch (o->kind) {
    case OUT_RET:
    case OUT_IOV:
        return (uint64_t)ret;
    case OUT_FIXED:
        return o->len;
    case OUT_POLL:
        return o->len * sizeof(struct pollfd);
    case OUT_EPOLL:
        return (uint64_t)ret * sizeof(struct epoll_event);
    case OUT_MSG:
        return MSG_HEAD + (uint64_t)ret;
    default:
        return 0;
    }
}

/* Copies n output bytes between the record and the program (to_prog),
 * scattering over iovecs for OUT_IOV. */
static void out_copy(const out_desc *o, unsigned char *rec, uint64_t n,
                     int to_prog)
{
    if (o->kind == OUT_MSG && n >= MSG_HEAD) {
        struct msghdr *m = o->p;
        msg_head_copy(m, rec, to_prog);
        out_desc iov = {OUT_IOV, m->msg_iov, m->msg_iovlen};
        out_copy(&iov, rec + MSG_HEAD, n - MSG_HEAD, to_prog);
        return;
    }
    if (o->kind != OUT_IOV) {
        if (to_prog)
            memcpy(o->p, rec, n);
        else
            memcpy(rec, o->p, n);
        return;
    }
    const struct iovec *iov = o->p;
    for (uint64_t i = 0; i < o->len && n; i++) {
        uint64_t k = iov[i].iov_len < n ? iov[i].iov_len : n;
        if (to_prog)
            memcpy(iov[i].iov_base, rec, k);
        else
            memcpy(rec, iov[i].iov_base, k);
        rec += k, n -= k;
    }
}

/* ------------------------------------------------------------------ */
/* The timed flush (sbflush)                                          */

/* The recorder asks for the records at least once a second
 * (sb_ctl.flush_req, set by its timer while the task runs), so that a
 * killed recorder loses at most a second of them. The library answers at
 * its next record with the yield's flush: replay needs nothing new, it
 * stops there as at any flush with STOP. */
static int flush_asked(volatile struct sb_ctl *c)
{
    if (!c->flush_req)
        return 0;
    c->flush_req = 0;
    return 1;
}

/* A record too large for half the buffer is not buffered. */
#define ROOM_MAX (SB_BUF_SIZE / 2)

/* One buffered call: at record, run it untraced and append its record;
 * at replay, return the next record's result and output. Returns
 * -ENOSYS-like sentinel SB_TOO_BIG when the output cannot be buffered
 * (the caller then takes the traced path). */
#define SB_TOO_BIG (-100000L)

static long prim(long nr, long a0, long a1, long a2, long a3, long a4, long a5,
                 const out_desc *o)
{
    volatile struct sb_ctl *c = CTL;
    if (c->mode == SB_MODE_RECORD) {
        uint64_t room = out_room(o);
        if (room > ROOM_MAX)
            return SB_TOO_BIG;
        uint64_t need = SB_REC_HDR + ((room + 7) & ~7ull);
        if (c->used + need > SB_BUF_SIZE)
            traced(SB_NR_FLUSH, 0, 0, 0, 0, 0, 0);
        if (c->used + need > SB_BUF_SIZE)
            return SB_TOO_BIG;
        struct sb_rec *r = (struct sb_rec *)(BUF + c->used);
        long ret = sb_untraced(nr, a0, a1, a2, a3, a4, a5);
        uint64_t n = out_len(o, ret);
        if (n > room)
            n = room;
        r->nr = (uint32_t)nr;
        r->ret = ret;
        r->addr = (uint64_t)o->p;
        r->len = n;
        r->size = (uint32_t)(SB_REC_HDR + ((n + 7) & ~7ull));
        out_copy(o, (unsigned char *)(r + 1), n, 0);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        c->used += r->size;
        c->nrec++;
        if (++c->th.since_yield >= SB_YIELD_EVERY || flush_asked(c)) {
            c->th.since_yield = 0;
            traced(SB_NR_FLUSH, 0, 0, 0, 0, 0, 0);
        }
        return ret;
    }
    /* replay: the replayer fills the buffer at each SB_NR_FLUSH */
    uint64_t room = out_room(o);
    if (room > ROOM_MAX)
        return SB_TOO_BIG;
    while (c->cursor >= c->used)
        traced(SB_NR_FLUSH, 0, 0, 0, 0, 0, 0);
    struct sb_rec *r = (struct sb_rec *)(BUF + c->cursor);
    if (r->nr != (uint32_t)nr || r->len > room)
        for (;;)
            traced(SB_NR_DIVERGED, nr, r->nr, (long)r->len, (long)room,
                   (long)c->cursor, (long)c->nrec);
    out_copy(o, (unsigned char *)(r + 1), r->len, 1);
    c->cursor += r->size;
    c->nrec++;
    c->th.call_recs++;
    return r->ret;
}

#define NONE (&(out_desc){OUT_NONE, 0, 0})

static long prim0(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    return prim(nr, a0, a1, a2, a3, a4, a5, NONE);
}

static int is_stdio(const struct stat *st)
{
    volatile struct sb_ctl *c = CTL;
    for (int i = 0; i < 2; i++)
        if (c->out_ok[i] && c->out_dev[i] == (uint64_t)st->st_dev &&
            c->out_ino[i] == (uint64_t)st->st_ino)
            return 1;
    return 0;
}

/* fstat of fd into st, buffered; < 0 on error. */
static long fd_stat(long fd, struct stat *st)
{
    return prim(__NR_fstat, fd, (long)st, 0, 0, 0, 0,
                &(out_desc){OUT_FIXED, st, sizeof(*st)});
}

/* /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom (character
 * device 1:3, 1:5, 1:7, 1:8, 1:9) never block, and do not promise
 * RWF_NOWAIT either. */
static int mem_device(const struct stat *st)
{
    uint64_t d = st->st_rdev;
    uint64_t major = ((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffull);
    uint64_t minor = (d & 0xff) | ((d >> 12) & ~0xffull);
    return S_ISCHR(st->st_mode) && major == 1 &&
           (minor == 3 || minor == 5 || minor == 7 || minor == 8 || minor == 9);
}

static int may_block(const struct stat *st)
{
    return !S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) &&
           !S_ISBLK(st->st_mode) && !mem_device(st);
}

/* What fd is (SB_FD_* bits), from the cache or a buffered fstat; < 0 when
 * fstat fails. */
static long fd_kind(long fd)
{
    volatile struct sb_ctl *c = CTL;
    int cache = fd >= 0 && fd < SB_FDS && c->fd_gen && !c->fds_shared;
    if (cache && c->fds[fd].gen == c->fd_gen)
        return c->fds[fd].kind;
    struct stat st;
    long r = fd_stat(fd, &st);
    if (r < 0)
        return r;
    long kind = (may_block(&st) ? SB_FD_BLOCKS : 0) |
                (is_stdio(&st) ? SB_FD_STDIO : 0) |
                (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) ? SB_FD_FILE : 0);
    if (cache) {
        c->fds[fd].kind = (uint32_t)kind;
        c->fds[fd].gen = c->fd_gen;
    }
    return kind;
}

static void fds_changed(void)
{
    CTL->fd_gen++;
}

/* read, readv: regular files, directories and block devices never block;
 * on pipes, sockets and character devices try preadv2(RWF_NOWAIT) at the
 * current position, and on EAGAIN (no data yet) or EOPNOTSUPP (the file
 * cannot promise) take the traced path. */
static long do_readv(long nr, long fd, struct iovec *iov, long cnt, long a2)
{
    out_desc o = {OUT_IOV, iov, (uint64_t)cnt};
    long kind = cnt < 0 || cnt > 64 ? -1 : fd_kind(fd);
    if (kind < 0)
        return traced(nr, fd, nr == __NR_read ? (long)iov->iov_base : (long)iov,
                      a2, 0, 0, 0);
    long ret;
    if (!(kind & SB_FD_BLOCKS))
        ret = prim(__NR_readv, fd, (long)iov, cnt, 0, 0, 0, &o);
    else
        ret = prim(__NR_preadv2, fd, (long)iov, cnt, -1, -1, RWF_NOWAIT, &o);
    if (ret == -EAGAIN || ret == -EOPNOTSUPP || ret == SB_TOO_BIG)
        return traced(nr, fd, nr == __NR_read ? (long)iov->iov_base : (long)iov,
                      a2, 0, 0, 0);
    return ret;
}

/* write, writev: not to the recorder's own stdout or stderr (their bytes
 * go into the recording as STDIO); on pipes, sockets and character
 * devices only with RWF_NOWAIT, and a partial write finishes traced, as
 * the blocking write would have written it all. */
static long do_writev(long nr, long fd, struct iovec *iov, long cnt, long a2)
{
    long orig1 = nr == __NR_write ? (long)iov->iov_base : (long)iov;
    long kind = cnt < 0 || cnt > 64 ? -1 : fd_kind(fd);
    if (kind < 0 || (kind & SB_FD_STDIO) ||
        (CTL->mirror && (kind & SB_FD_FILE)))
        return traced(nr, fd, orig1, a2, 0, 0, 0);
    long ret;
    if (!(kind & SB_FD_BLOCKS))
        ret = prim0(__NR_writev, fd, (long)iov, cnt, 0, 0, 0);
    else
        ret = prim0(__NR_pwritev2, fd, (long)iov, cnt, -1, -1, RWF_NOWAIT);
    if (ret == -EAGAIN || ret == -EOPNOTSUPP)
        return traced(nr, fd, orig1, a2, 0, 0, 0);
    uint64_t total = iov_total(iov, (uint64_t)cnt);
    if (ret < 0 || (uint64_t)ret >= total || !(kind & SB_FD_BLOCKS))
        return ret;
    /* the rest, traced, iovec by iovec */
    uint64_t done = (uint64_t)ret;
    uint64_t skip = done;
    for (long i = 0; i < cnt; i++) {
        uint64_t len = iov[i].iov_len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        char *p = (char *)iov[i].iov_base + skip;
        len -= skip;
        skip = 0;
        while (len) {
            long w = traced(__NR_write, fd, (long)p, (long)len, 0, 0, 0);
            if (w <= 0)
                return (long)done;
            done += (uint64_t)w, p += w, len -= (uint64_t)w;
        }
    }
    return (long)done;
}

/* openat: only what is a regular file or a directory now (or is created),
 * since opening a FIFO or a device may block or act. */
static long do_openat(long dirfd, long path, long flags, long mode)
{
    if (flags & O_PATH)
        return prim0(__NR_openat, dirfd, path, flags, mode, 0, 0);
    struct stat st;
    long r = prim(__NR_newfstatat, dirfd, path, (long)&st,
                  (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0, 0, 0,
                  &(out_desc){OUT_FIXED, &st, sizeof(st)});
    if ((r == 0 && !may_block(&st)) || (r == -ENOENT && (flags & O_CREAT)))
        return prim0(__NR_openat, dirfd, path, flags, mode, 0, 0);
    return traced(__NR_openat, dirfd, path, flags, mode, 0, 0);
}

static long do_pwrite(long fd, long buf, long n, long off)
{
    long kind = fd_kind(fd);
    /* an error, stdio, may block; a file while mappings mirror writes */
    if (kind < 0 || (kind & ~(long)SB_FD_FILE) ||
        (CTL->mirror && (kind & SB_FD_FILE)))
        return traced(__NR_pwrite64, fd, buf, n, off, 0, 0);
    return prim0(__NR_pwrite64, fd, buf, n, off, 0, 0);
}

static long do_pread(long fd, long buf, long n, long off)
{
    long kind = fd_kind(fd);
    if (kind < 0 || (kind & SB_FD_BLOCKS))
        return traced(__NR_pread64, fd, buf, n, off, 0, 0);
    return prim(__NR_pread64, fd, buf, n, off, 0, 0,
                &(out_desc){OUT_RET, (void *)buf, (uint64_t)n});
}

/* A stream socket takes part of a sendto without waiting, where the
 * blocking call would have sent it all: the rest goes traced (sbflush). */
static long send_rest(long fd, long buf, long n, long done, long flags, long a4,
                      long a5)
{
    while (done < n) {
        long w = traced(__NR_sendto, fd, buf + done, n - done, flags, a4, a5);
        if (w <= 0)
            break;
        done += w;
    }
    return done;
}

static long sock_xfer(long nr, long fd, long buf, long n, long flags, long a4,
                      long a5)
{
    long ret;
    if (nr == __NR_recvfrom) {
        /* the sender's address: value-result, traced; MSG_WAITALL would
         * be cut short by MSG_DONTWAIT */
        if (a4 || a5 || (flags & MSG_WAITALL))
            return traced(nr, fd, buf, n, flags, a4, a5);
        ret = prim(nr, fd, buf, n, flags | MSG_DONTWAIT, 0, 0,
                   &(out_desc){OUT_RET, (void *)buf, (uint64_t)n});
    } else {
        ret = prim0(nr, fd, buf, n, flags | MSG_DONTWAIT, a4, a5);
    }
    if (ret == -EAGAIN && !(flags & MSG_DONTWAIT))
        return traced(nr, fd, buf, n, flags, a4, a5);
    if (ret == SB_TOO_BIG)
        return traced(nr, fd, buf, n, flags, a4, a5);
    if (nr == __NR_sendto && ret >= 0 && ret < n && !(flags & MSG_DONTWAIT))
        return send_rest(fd, buf, n, ret, flags, a4, a5);
    return ret;
}

/* ------------------------------------------------------------------ */
/* recvmsg, sendmsg on sockets (sbflush)                              */

/* Only plain data: no ancillary data (SCM_RIGHTS installs descriptors,
 * SCM_CREDENTIALS and the like are value-result control buffers), no
 * address to return, no MSG_WAITALL (which MSG_DONTWAIT would cut short)
 * or MSG_ERRQUEUE; with MSG_DONTWAIT added, and on EAGAIN (nothing to
 * read, no room) the traced call, which may block. */
#define MSG_IOV_MAX 64

static long do_recvmsg(long fd, struct msghdr *m, long flags)
{
    if (!m || m->msg_name || m->msg_control || m->msg_controllen ||
        m->msg_iovlen > MSG_IOV_MAX || (flags & (MSG_WAITALL | MSG_ERRQUEUE)))
        return traced(__NR_recvmsg, fd, (long)m, flags, 0, 0, 0);
    long ret = prim(__NR_recvmsg, fd, (long)m, flags | MSG_DONTWAIT, 0, 0, 0,
                    &(out_desc){OUT_MSG, m, 0});
    if ((ret == -EAGAIN && !(flags & MSG_DONTWAIT)) || ret == SB_TOO_BIG)
        return traced(__NR_recvmsg, fd, (long)m, flags, 0, 0, 0);
    return ret;
}

/* A stream socket may take part of the data without waiting; the blocking
 * call would have sent it all: the rest goes traced, as for write. */
static long do_sendmsg(long fd, struct msghdr *m, long flags)
{
    long kind = fd_kind(fd);
    if (!m || kind < 0 || (kind & SB_FD_STDIO) || m->msg_control ||
        m->msg_controllen || m->msg_iovlen > MSG_IOV_MAX)
        return traced(__NR_sendmsg, fd, (long)m, flags, 0, 0, 0);
    long ret = prim0(__NR_sendmsg, fd, (long)m, flags | MSG_DONTWAIT, 0, 0, 0);
    if (ret == -EAGAIN && !(flags & MSG_DONTWAIT))
        return traced(__NR_sendmsg, fd, (long)m, flags, 0, 0, 0);
    uint64_t total = iov_total(m->msg_iov, m->msg_iovlen);
    if (ret < 0 || (uint64_t)ret >= total || (flags & MSG_DONTWAIT))
        return ret;
    struct iovec rest[MSG_IOV_MAX];
    struct msghdr part = *m;
    uint64_t done = (uint64_t)ret;
    while (done < total) {
        uint64_t skip = done;
        size_t k = 0;
        for (size_t i = 0; i < m->msg_iovlen; i++) {
            uint64_t len = m->msg_iov[i].iov_len;
            if (skip >= len) {
                skip -= len;
                continue;
            }
            rest[k].iov_base = (char *)m->msg_iov[i].iov_base + skip;
            rest[k].iov_len = len - skip;
            skip = 0;
            k++;
        }
        part.msg_iov = rest;
        part.msg_iovlen = k;
        long w = traced(__NR_sendmsg, fd, (long)&part, flags, 0, 0, 0);
        if (w <= 0)
            break;
        done += (uint64_t)w;
    }
    return (long)done;
}

/* ------------------------------------------------------------------ */
/* mmap of anonymous private memory, munmap (sbcat)                   */

/* At record they run untraced like the rest; at replay the address
 * space must change the same way at the same point, so the library asks
 * the replayer to run the call for real (SB_NR_EXEC: one stop, where the
 * traced call took one), mmap at the recorded address with
 * MAP_FIXED_NOREPLACE. A call that failed changed nothing. Not file,
 * shared, fixed or executable mappings: the tracers act on those (file
 * copies, shared objects, CPUID patching of new code). */
#define MMAP_FLAGS_EXTRA (MAP_NORESERVE | MAP_STACK | MAP_FIXED_NOREPLACE)

/* replay: has the replayer run the call for real; it must return ret */
static void exec_call(long nr, long a0, long a1, long a2, long a3, long ret)
{
    long got = traced(SB_NR_EXEC, nr, a0, a1, a2, a3, ret);
    if (got != ret)
        for (;;)
            traced(SB_NR_DIVERGED, nr, nr, got, ret, (long)CTL->cursor,
                   (long)CTL->nrec);
}

/* Replay keeps the last read-write mapping the program unmapped (if the
 * library made it) a while, since programs often map the same range
 * again next (cat's buffer per file): then it is zeroed instead, as a new
 * mapping reads, with no stop. sb_ctl.maps is the library's mappings. */
static void maps_add(uint64_t addr, uint64_t len, uint64_t flags)
{
    volatile struct sb_ctl *c = CTL;
    if (c->nmaps >= SB_MAPS)
        return;
    c->maps[c->nmaps].addr = addr;
    c->maps[c->nmaps].len = len;
    c->maps[c->nmaps].flags = flags;
    c->nmaps++;
}

static void maps_drop(uint32_t i)
{
    volatile struct sb_ctl *c = CTL;
    c->nmaps--;
    c->maps[i].addr = c->maps[c->nmaps].addr;
    c->maps[i].len = c->maps[c->nmaps].len;
    c->maps[i].flags = c->maps[c->nmaps].flags;
}

static void unmap_pending(void)
{
    volatile struct sb_ctl *c = CTL;
    if (!c->pend)
        return;
    c->pend = 0;
    exec_call(__NR_munmap, (long)c->pend_map.addr, (long)c->pend_map.len, 0, 0,
              0);
}

static int is_err(long ret)
{
    return (ret < 0 && ret >= -4095) || ret == SB_TOO_BIG;
}

static uint64_t page_up(uint64_t v)
{
    return (v + 4095) & ~4095ull;
}

static void zero(uint64_t addr, uint64_t len)
{
    for (uint64_t *p = (uint64_t *)addr, *e = (uint64_t *)(addr + len); p < e;
         p++)
        *p = 0;
}

static long do_mmap(long addr, long len, long prot, long flags, long fd,
                    long off)
{
    if ((flags & ~(long)MMAP_FLAGS_EXTRA) != (MAP_PRIVATE | MAP_ANONYMOUS) ||
        (prot & ~(long)(PROT_READ | PROT_WRITE)) || (int)fd != -1 || off)
        return traced(__NR_mmap, addr, len, prot, flags, fd, off);
    long ret = prim0(__NR_mmap, addr, len, prot, flags, fd, off);
    volatile struct sb_ctl *c = CTL;
    if (c->mode != SB_MODE_REPLAY || is_err(ret))
        return ret;
    uint64_t n = page_up((uint64_t)len);
    int rw = prot == (PROT_READ | PROT_WRITE) && n <= SB_REUSE_MAX;
    if (rw && c->pend && c->pend_map.addr == (uint64_t)ret &&
        c->pend_map.len == n && c->pend_map.flags == (uint64_t)flags) {
        c->pend = 0;
        zero((uint64_t)ret, n);
    } else {
        unmap_pending();
        exec_call(__NR_mmap, ret, len, prot, flags | MAP_FIXED_NOREPLACE, ret);
    }
    if (rw)
        maps_add((uint64_t)ret, n, (uint64_t)flags);
    return ret;
}

static long do_munmap(long addr, long len)
{
    uint64_t a = (uint64_t)addr, n = (uint64_t)len;
    /* never the library's own region */
    if (a + n < a || (a < SB_BASE + SB_SIZE && a + n > SB_BASE))
        return traced(__NR_munmap, addr, len, 0, 0, 0, 0);
    long ret = prim0(__NR_munmap, addr, len, 0, 0, 0, 0);
    volatile struct sb_ctl *c = CTL;
    if (c->mode != SB_MODE_REPLAY || is_err(ret))
        return ret;
    unmap_pending();
    n = page_up(n);
    for (uint32_t i = 0; i < c->nmaps; i++) {
        if (c->maps[i].addr == a && c->maps[i].len == n) {
            c->pend_map.addr = a;
            c->pend_map.len = n;
            c->pend_map.flags = c->maps[i].flags;
            c->pend = 1;
            maps_drop(i);
            return ret;
        }
    }
    /* the mappings it changes are no longer the library's own */
    for (uint32_t i = 0; i < c->nmaps;) {
        if (c->maps[i].addr < a + n && a < c->maps[i].addr + c->maps[i].len)
            maps_drop(i);
        else
            i++;
    }
    exec_call(__NR_munmap, addr, len, 0, 0, ret);
    return ret;
}

/* ------------------------------------------------------------------ */
/* brk, mprotect (sbmore)                                             */

/* As mmap and munmap: at record run untraced, at replay run for real by
 * the replayer (SB_NR_EXEC) when they may have changed the address space,
 * which the replayer tells from the records alone (replay/syscallbuf.c
 * count_execs): brk when it moved the break to the address asked (the
 * record's addr), mprotect when it succeeded or failed with ENOMEM (a
 * range with a hole: the mapped part changed, as a traced one is run at
 * replay). mprotect stays traced when it adds PROT_EXEC (the tracers scan
 * new code for CPUID), for other bits than PROT_READ and PROT_WRITE, and
 * over the library's region. Before either runs, the mapping replay kept
 * for reuse goes (it was unmapped at record time), and the table of the
 * library's mappings forgets the ones whose flags change (all of them at a
 * brk, which may unmap what it shrinks over). */
static int brk_moved(long addr, long ret)
{
    return addr != 0 && ret == addr;
}

static long do_brk(long addr)
{
    long ret = prim(__NR_brk, addr, 0, 0, 0, 0, 0,
                    &(out_desc){OUT_NONE, (void *)addr, 0});
    volatile struct sb_ctl *c = CTL;
    if (c->mode != SB_MODE_REPLAY || !brk_moved(addr, ret))
        return ret;
    unmap_pending();
    c->nmaps = 0;
    exec_call(__NR_brk, addr, 0, 0, 0, ret);
    return ret;
}

static long do_mprotect(long addr, long len, long prot)
{
    uint64_t a = (uint64_t)addr, n = page_up((uint64_t)len);
    if ((prot & ~(long)(PROT_READ | PROT_WRITE)) ||
        (uint64_t)len >= (1ull << 56) || a + n < a ||
        (a < SB_BASE + SB_SIZE && a + n > SB_BASE))
        return traced(__NR_mprotect, addr, len, prot, 0, 0, 0);
    long ret = prim0(__NR_mprotect, addr, len, prot, 0, 0, 0);
    volatile struct sb_ctl *c = CTL;
    if (c->mode != SB_MODE_REPLAY || (ret != 0 && ret != -ENOMEM))
        return ret;
    unmap_pending();
    for (uint32_t i = 0; i < c->nmaps;) {
        if (c->maps[i].addr < a + n && a < c->maps[i].addr + c->maps[i].len)
            maps_drop(i);
        else
            i++;
    }
    exec_call(__NR_mprotect, addr, len, prot, 0, ret);
    return ret;
}

static long dispatch(long nr, long a0, long a1, long a2, long a3, long a4,
                     long a5)
{
    struct iovec one;
    long ret1;
    switch (nr) {
    case __NR_read:
        one = (struct iovec){(void *)a1, (size_t)a2};
        return do_readv(nr, a0, &one, 1, a2);
    case __NR_readv:
        return do_readv(nr, a0, (struct iovec *)a1, a2, a2);
    case __NR_write:
        one = (struct iovec){(void *)a1, (size_t)a2};
        return do_writev(nr, a0, &one, 1, a2);
    case __NR_writev:
        return do_writev(nr, a0, (struct iovec *)a1, a2, a2);
    case __NR_pread64:
        return do_pread(a0, a1, a2, a3);
    case __NR_pwrite64:
        return do_pwrite(a0, a1, a2, a3);
    case __NR_openat:
        return do_openat(a0, a1, a2, a3);
    case __NR_close:
        ret1 = prim0(nr, a0, 0, 0, 0, 0, 0);
        fds_changed();
        return ret1;
    case __NR_fadvise64:
    case __NR_lseek:
    case __NR_getpid:
    case __NR_gettid:
    case __NR_getppid:
    case __NR_access:
    case __NR_faccessat:
    case __NR_faccessat2:
        return prim0(nr, a0, a1, a2, a3, a4, a5);
    case __NR_fcntl:
        /* descriptor flags and duplicates; not locks, which may wait */
        if (a1 != F_DUPFD && a1 != F_DUPFD_CLOEXEC && a1 != F_GETFD &&
            a1 != F_SETFD && a1 != F_GETFL && a1 != F_SETFL)
            break;
        ret1 = prim0(nr, a0, a1, a2, 0, 0, 0);
        if (a1 == F_DUPFD || a1 == F_DUPFD_CLOEXEC)
            fds_changed();
        return ret1;
    case __NR_fstat:
        return prim(nr, a0, a1, 0, 0, 0, 0,
                    &(out_desc){OUT_FIXED, (void *)a1, sizeof(struct stat)});
    case __NR_newfstatat:
        return prim(nr, a0, a1, a2, a3, 0, 0,
                    &(out_desc){OUT_FIXED, (void *)a2, sizeof(struct stat)});
    case __NR_statx:
        return prim(nr, a0, a1, a2, a3, a4, 0,
                    &(out_desc){OUT_FIXED, (void *)a4, sizeof(struct statx)});
    case __NR_getdents64:
        return prim(nr, a0, a1, a2, 0, 0, 0,
                    &(out_desc){OUT_RET, (void *)a1, (uint64_t)a2});
    case __NR_readlink:
        return prim(nr, a0, a1, a2, 0, 0, 0,
                    &(out_desc){OUT_RET, (void *)a1, (uint64_t)a2});
    case __NR_readlinkat:
        return prim(nr, a0, a1, a2, a3, 0, 0,
                    &(out_desc){OUT_RET, (void *)a2, (uint64_t)a3});
    case __NR_clock_gettime:
        return prim(nr, a0, a1, 0, 0, 0, 0,
                    &(out_desc){OUT_FIXED, (void *)a1,
                                a1 ? sizeof(struct timespec) : 0});
    case __NR_gettimeofday:
        if (a1)
            break;
        return prim(nr, a0, 0, 0, 0, 0, 0,
                    &(out_desc){OUT_FIXED, (void *)a0, a0 ? 16 : 0});
    case __NR_time:
        return prim(nr, a0, 0, 0, 0, 0, 0,
                    &(out_desc){OUT_FIXED, (void *)a0, a0 ? 8 : 0});
    case __NR_getcwd:
        return prim(nr, a0, a1, 0, 0, 0, 0,
                    &(out_desc){OUT_RET, (void *)a0, (uint64_t)a1});
    case __NR_ioctl:
        /* TCGETS (isatty, tcgetattr): the kernel's struct termios, 36
         * bytes; never blocks. Other requests stay traced. */
        if ((unsigned int)a1 != SB_TCGETS)
            break;
        return prim(nr, a0, a1, a2, 0, 0, 0,
                    &(out_desc){OUT_FIXED, (void *)a2, SB_TERMIOS_SIZE});
    case __NR_rt_sigaction:
        /* A query (no new action: sigaction(sig, NULL, &old), which
         * Python makes for every signal at start) changes nothing the
         * replay must redo; setting an action stays traced, as replay
         * runs it. The old action: the kernel's struct sigaction,
         * handler, flags, restorer, then the mask (sigsetsize bytes). */
        if (a1 != 0 || a3 != 8)
            break;
        return prim(nr, a0, a1, a2, a3, 0, 0,
                    &(out_desc){OUT_FIXED, (void *)a2, a2 ? 24 + 8 : 0});
    case __NR_futex:
        if ((a1 & FUTEX_CMD_MASK) != FUTEX_WAKE)
            break;
        return prim0(nr, a0, a1, a2, 0, 0, 0);
    case __NR_poll:
        if (a2 != 0 || a1 < 0 || a1 > 1024)
            break;
        return prim(nr, a0, a1, 0, 0, 0, 0,
                    &(out_desc){OUT_POLL, (void *)a0, (uint64_t)a1});
    case __NR_epoll_wait:
        if (a3 != 0 || a2 <= 0 || a2 > 1024)
            break;
        return prim(nr, a0, a1, a2, 0, 0, 0,
                    &(out_desc){OUT_EPOLL, (void *)a1, (uint64_t)a2});
    case __NR_sendto:
    case __NR_recvfrom:
        return sock_xfer(nr, a0, a1, a2, a3, a4, a5);
    case __NR_recvmsg:
        return do_recvmsg(a0, (struct msghdr *)a1, a2);
    case __NR_sendmsg:
        return do_sendmsg(a0, (struct msghdr *)a1, a2);
    case __NR_mmap:
        return do_mmap(a0, a1, a2, a3, a4, a5);
    case __NR_munmap:
        return do_munmap(a0, a1);
    case __NR_brk:
        return do_brk(a0);
    case __NR_mprotect:
        return do_mprotect(a0, a1, a2);
    default:
        break;
    }
    return traced(nr, a0, a1, a2, a3, a4, a5);
}

long sb_handle(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    volatile struct sb_ctl *c = CTL;
    if (c->magic != SB_MAGIC || c->th.busy || c->mode == SB_MODE_OFF || c->off)
        return traced(nr, a0, a1, a2, a3, a4, a5);
    c->th.busy = 1;
    c->th.call_recs = 0;
    long ret = dispatch(nr, a0, a1, a2, a3, a4, a5);
    c->th.busy = 0;
    if (ret == SB_TOO_BIG)
        ret = traced(nr, a0, a1, a2, a3, a4, a5);
    /* One call site for both modes: a signal held back at record is
     * delivered here, and replay stops here to deliver it. */
    int tail = c->mode == SB_MODE_RECORD
                   ? c->th.sig_pending != 0
                   : c->th.call_recs && c->cursor >= c->used && !c->no_tail;
    if (tail) {
        c->th.sig_pending = 0;
        traced(SB_NR_FLUSH, 1, 0, 0, 0, 0, 0);
    }
    return ret;
}

/* CPUID answered from the table at SB_CPUID (sb_abi.h), for the per-site
 * stubs of patched CPUID sites (trace/cpuid_stub.c), which step below the
 * red zone and call it. Keeps every register but eax, ebx, ecx and edx,
 * and the flags, as CPUID does; the 32-bit moves zero the upper halves, as
 * CPUID does. An entry matches the leaf in eax, and for an indexed leaf
 * the subleaf in ecx too; without one the answer is zeros (the recorder's
 * answer for a leaf its manifest lacks), and (leaf, ecx) goes to the miss
 * list once. Only one thread of a process runs at a time (the tracer's
 * rule), so plain stores suffice. */
_Static_assert(SB_CPUID_HDR == 16 + 8 * 64 && sizeof(struct sb_cpuid_ent) == 32,
               "the offsets below");
__asm__(".text\n"
        ".globl sb_cpuid_entry\n"
        ".hidden sb_cpuid_entry\n"
        "sb_cpuid_entry:\n"
        "  pushfq\n"
        "  push %rsi\n"
        "  push %rdi\n"
        "  movabs $" SB_CPUID_ASM ",%rsi\n"
        "  mov (%rsi),%edi\n"
        "  add $528,%rsi\n"
        "1:\n"
        "  test %edi,%edi\n"
        "  jz 4f\n"
        "  cmp %eax,(%rsi)\n"
        "  jne 2f\n"
        "  testl $1,8(%rsi)\n"
        "  jz 3f\n"
        "  cmp %ecx,4(%rsi)\n"
        "  je 3f\n"
        "2:\n"
        "  add $32,%rsi\n"
        "  dec %edi\n"
        "  jmp 1b\n"
        "3:\n"
        "  movl $1,12(%rsi)\n"
        "  mov 16(%rsi),%eax\n"
        "  mov 20(%rsi),%ebx\n"
        "  mov 24(%rsi),%ecx\n"
        "  mov 28(%rsi),%edx\n"
        "  jmp 9f\n"
        "4:\n"
        "  movabs $" SB_CPUID_ASM ",%rsi\n"
        "  mov 4(%rsi),%edi\n"
        "5:\n"
        "  test %edi,%edi\n"
        "  jz 6f\n"
        "  dec %edi\n"
        "  cmp %eax,16(%rsi,%rdi,8)\n"
        "  jne 5b\n"
        "  cmp %ecx,20(%rsi,%rdi,8)\n"
        "  jne 5b\n"
        "  jmp 8f\n"
        "6:\n"
        "  mov 4(%rsi),%edi\n"
        "  cmp $64,%edi\n"
        "  jae 7f\n"
        "  mov %eax,16(%rsi,%rdi,8)\n"
        "  mov %ecx,20(%rsi,%rdi,8)\n"
        "  inc %edi\n"
        "  mov %edi,4(%rsi)\n"
        "  jmp 8f\n"
        "7:\n"
        "  movl $1,8(%rsi)\n"
        "8:\n"
        "  xor %eax,%eax\n"
        "  xor %ebx,%ebx\n"
        "  xor %ecx,%ecx\n"
        "  xor %edx,%edx\n"
        "9:\n"
        "  pop %rdi\n"
        "  pop %rsi\n"
        "  popfq\n"
        "  ret\n");

/* What a system call wrote into the recorded program: each call's output
 * buffers, by the syscall table's rows or by code for the calls whose
 * outputs depend on their arguments (msghdr, ioctl, select, ...), and the
 * bytes it wrote to the recorder's own stdout/stderr. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "recorderi.h"
#include "rrtx.h"

/* ------------------------------------------------------------------ */
/* Memory outputs                                                     */

#define MAX_OUTPUT (64u << 20)
/* recvmmsg of 1024 messages (the kernel's most), each with a name, an
 * iovec or two and control data, fits */
#define MAX_OUTPUTS 8192
/* the kernel's UIO_MAXIOV: most messages per sendmmsg/recvmmsg */
#define MAX_MMSG 1024
#define MMSGHDR_SIZE 64 /* struct mmsghdr: msghdr (56), msg_len, padding */

static bool add_out(recorder *r, rtask *t, uint64_t addr, uint64_t len)
{
    if (!addr || !len)
        return true;
    if (len > MAX_OUTPUT)
        return rec_fail(r, "system call output of %llu bytes is too large",
                        (unsigned long long)len);
    if (r->n_mem == MAX_OUTPUTS)
        return rec_fail(r, "too many output buffers in one system call");
    rrt_ev_mem *mem =
        rrtx_grow(r->mem, &r->cap_mem, r->n_mem + 1, sizeof(*mem));
    if (!mem)
        return rec_fail(r, "out of memory");
    r->mem = mem;
    size_t off = r->data.len;
    if (!rrt_buf_reserve(&r->data, (size_t)len))
        return rec_fail(r, "out of memory");
    if (!trace_mem_read(t->base.memfd, addr, r->data.data + off, (size_t)len))
        return rec_fail(r, "cannot read tracee memory at 0x%llx",
                        (unsigned long long)addr);
    r->data.len += (size_t)len;
    /* data pointers are fixed up once all outputs are read */
    r->mem[r->n_mem++] = (rrt_ev_mem){addr, (size_t)len, (const uint8_t *)off};
    return true;
}

static bool add_iov(recorder *r, rtask *t, uint64_t iov, uint64_t cnt,
                    uint64_t total)
{
    if (cnt > 1024)
        return rec_fail(r, "iovec count %llu too large",
                        (unsigned long long)cnt);
    for (uint64_t i = 0; i < cnt && total > 0; i++) {
        uint64_t v[2];
        if (!trace_mem_read(t->base.memfd, iov + 16 * i, v, sizeof(v)))
            return rec_fail(r, "cannot read iovec");
        uint64_t n = v[1] < total ? v[1] : total;
        if (!add_out(r, t, v[0], n))
            return false;
        total -= n;
    }
    return true;
}

/* accept, accept4 and recvfrom leave *addrlen alone when there is no
 * address buffer (it need not even be readable); getsockname, getpeername
 * and getsockopt write it whenever they succeed. */
static bool writes_len_without_addr(long nr)
{
    return nr != SYS_accept && nr != SYS_accept4 && nr != SYS_recvfrom;
}

/* At entry: keeps *addrlen, the size of the caller's buffer (see rtask).
 * An unreadable one leaves no room; the kernel then fails the call. */
void rec_save_addr_room(rtask *t, const trace_sc_desc *d)
{
    const trace_out *outs[3] = {&d->out0, &d->out1, &d->out2};
    t->addr_room = 0;
    for (int i = 0; i < 3; i++) {
        const trace_out *o = outs[i];
        if (o->kind != TRACE_OUT_SOCKADDR || !t->args[o->b] ||
            (!t->args[o->a] && !writes_len_without_addr(t->nr)))
            continue;
        if (!trace_mem_read(t->base.memfd, t->args[o->b], &t->addr_room, 4))
            t->addr_room = 0;
    }
}

/* The kernel copies min(room, length) bytes of the address and then
 * stores the full length in *addrlen, which may exceed the room. An
 * option's value (getsockopt) is as long as the kernel says (TCP_INFO is
 * over 256 bytes), within the room. */
static bool add_sockaddr(recorder *r, rtask *t, uint64_t addr, uint64_t lenp)
{
    uint32_t len;
    if (!lenp || (!addr && !writes_len_without_addr(t->nr)))
        return true;
    if (!trace_mem_read(t->base.memfd, lenp, &len, 4))
        return rec_fail(r, "cannot read socklen_t");
    uint64_t n = len < t->addr_room ? len : t->addr_room;
    if (t->nr != SYS_getsockopt)
        n = n < 256 ? n : 256; /* more than any address */
    else if (t->args[1] == SOL_SOCKET && t->args[2] == SO_GET_FILTER)
        n *= 8; /* its lengths count struct sock_filter instructions */
    return add_out(r, t, lenp, 4) && add_out(r, t, addr, n);
}

/* One received message: the sender's address (no more than the caller's
 * buffer held), `len` bytes of data across the iovecs and the control
 * data (msg_controllen is what the kernel wrote). The header itself, with
 * msg_namelen, msg_controllen and msg_flags, is the caller's output. */
static bool add_msg(recorder *r, rtask *t, uint64_t hdr, size_t i, uint64_t len)
{
    uint64_t mh[7]; /* name, namelen, iov, iovlen, control, controllen, flags */
    if (!trace_mem_read(t->base.memfd, hdr, mh, sizeof(mh)))
        return rec_fail(r, "cannot read msghdr");
    uint32_t namelen = (uint32_t)mh[1];
    uint32_t room = i < t->n_namelen ? t->namelen[i] : 0;
    return add_out(r, t, mh[0], namelen < room ? namelen : room) &&
           add_iov(r, t, mh[2], mh[3], len) && add_out(r, t, mh[4], mh[5]);
}

static bool out_recvmsg(recorder *r, rtask *t, int64_t ret)
{
    return add_out(r, t, t->args[1], 56) &&
           add_msg(r, t, t->args[1], 0, (uint64_t)ret);
}

/* sendmmsg and recvmmsg: the kernel sets msg_len of the first `ret`
 * headers (recvmmsg: and their msghdr fields), and recvmmsg fills those
 * messages. */
static bool out_mmsg(recorder *r, rtask *t, int64_t ret)
{
    uint64_t vec = t->args[1], n = (uint64_t)ret;
    if (n > MAX_MMSG)
        return rec_fail(r, "%s returned %lld messages",
                        t->nr == SYS_sendmmsg ? "sendmmsg" : "recvmmsg",
                        (long long)ret);
    if (!add_out(r, t, vec, n * MMSGHDR_SIZE))
        return false;
    for (uint64_t i = 0; t->nr == SYS_recvmmsg && i < n; i++) {
        uint64_t hdr = vec + i * MMSGHDR_SIZE;
        uint32_t len;
        if (!trace_mem_read(t->base.memfd, hdr + 56, &len, 4))
            return rec_fail(r, "cannot read mmsghdr");
        if (!add_msg(r, t, hdr, (size_t)i, len))
            return false;
    }
    return true;
}

/* At recvmsg and recvmmsg entry: keeps each header's msg_namelen (see
 * rtask), reading up to 16 headers at a time. The kernel fails a message
 * whose header cannot be read, so the first such header ends the list. */
bool rec_save_namelens(recorder *r, rtask *t)
{
    uint64_t n = 1, stride = 0;
    uint8_t hdrs[16 * MMSGHDR_SIZE];
    if (t->nr == SYS_recvmmsg) {
        n = t->args[2] < MAX_MMSG ? t->args[2] : MAX_MMSG;
        stride = MMSGHDR_SIZE;
    }
    if (!t->namelen && !(t->namelen = malloc(MAX_MMSG * sizeof(uint32_t))))
        return rec_fail(r, "out of memory");
    t->n_namelen = 0;
    while (t->n_namelen < n) {
        uint64_t i = t->n_namelen, k = n - i < 16 ? n - i : 16;
        uint64_t at = t->args[1] + i * stride;
        /* through the msg_namelen of the k-th header */
        if (!trace_mem_read(t->base.memfd, at, hdrs, (k - 1) * stride + 12)) {
            k = 1;
            if (!trace_mem_read(t->base.memfd, at, hdrs, 12))
                break;
        }
        for (uint64_t j = 0; j < k; j++)
            memcpy(&t->namelen[i + j], hdrs + j * stride + 8, 4);
        t->n_namelen += k;
    }
    return true;
}

/* ioctl requests replay understands, with the size of what each writes
 * at its argument (kernel structures: <asm-generic/termbits.h>, not
 * glibc's); others are refused at entry. */
bool rec_ioctl_out_size(uint64_t req, uint32_t *size)
{
    switch ((uint32_t)req) { /* the kernel's cmd is an unsigned int */
    case TCGETS: /* struct termios: 4 flag words, c_line, c_cc[19] */
        *size = 36;
        return true;
    case TIOCGWINSZ: /* struct winsize */
        *size = 8;
        return true;
    case FIONREAD:  /* int */
    case TIOCGPGRP: /* pid_t */
    case TIOCGPTN:  /* unsigned int */
        *size = 4;
        return true;
    case TIOCGSID: /* pid_t */
        *size = 4;
        return true;
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
    case TIOCSWINSZ:
    case TIOCSPGRP:
    case TIOCSPTLCK:
    case FIONBIO:
    case FIONCLEX:
    case FIOCLEX:
        *size = 0; /* they only read their argument */
        return true;
    case TIOCSCTTY:
    case TIOCNOTTY:
    case TCFLSH:
    case TCSBRK:
    case TCSBRKP:
    case TCXONC:
    case TIOCGPTPEER: /* returns a descriptor (script(1), terminal emulators) */
        *size = 0;    /* no output but the result */
        return true;
    default:
        return false;
    }
}

/* select and pselect6: three fd_sets of nfds bits, and the timeout the
 * kernel updates (a timeval or a timespec: 16 bytes either way). */
static bool out_select(recorder *r, rtask *t)
{
    uint64_t bytes = ((t->args[0] + 63) / 64) * 8;
    for (int i = 1; i <= 3; i++)
        if (!add_out(r, t, t->args[i], bytes))
            return false;
    return add_out(r, t, t->args[4], 16);
}

static bool out_special(recorder *r, rtask *t, int64_t ret)
{
    uint32_t size;
    switch (t->nr) {
    case SYS_fcntl:
        if (t->args[1] == 5 || t->args[1] == 36) /* F_GETLK, F_OFD_GETLK */
            return add_out(r, t, t->args[2], 32);
        return true;
    case SYS_ioctl:
        return rec_ioctl_out_size(t->args[1], &size) &&
               add_out(r, t, t->args[2], size);
    case SYS_poll:
        return add_out(r, t, t->args[0], t->args[1] * 8);
    case SYS_ppoll:
        return add_out(r, t, t->args[0], t->args[1] * 8) &&
               add_out(r, t, t->args[2], 16);
    case SYS_select:
    case SYS_pselect6:
        return out_select(r, t);
    case SYS_recvmsg:
        return out_recvmsg(r, t, ret);
    case SYS_sendmmsg:
    case SYS_recvmmsg:
        return out_mmsg(r, t, ret);
    case SYS_get_mempolicy: /* int mode, then a bitmap of maxnode bits */
        return add_out(r, t, t->args[0], 4) &&
               add_out(r, t, t->args[1], (t->args[2] + 63) / 64 * 8);
    case SYS_prctl:
        if (t->args[0] == PR_GET_NAME)
            return add_out(r, t, t->args[1], 16);
        return true;
    default:
        return true;
    }
}

static bool capture_outputs(recorder *r, rtask *t, const trace_sc_desc *d,
                            int64_t ret)
{
    if (rec_is_err(ret))
        return true;
    const trace_out *outs[3] = {&d->out0, &d->out1, &d->out2};
    for (int i = 0; i < 3; i++) {
        const trace_out *o = outs[i];
        uint64_t a = t->args[o->a], b = t->args[o->b];
        bool ok = true;
        switch (o->kind) {
        case TRACE_OUT_FIXED:
            ok = add_out(r, t, a, o->size);
            break;
        case TRACE_OUT_RET:
            ok = add_out(r, t, a, (uint64_t)ret);
            break;
        case TRACE_OUT_RET_X:
            ok = add_out(r, t, a, (uint64_t)ret * o->size);
            break;
        case TRACE_OUT_ARGLEN:
            ok = add_out(r, t, a, b);
            break;
        case TRACE_OUT_IOV:
            ok = add_iov(r, t, a, b, (uint64_t)ret);
            break;
        case TRACE_OUT_SOCKADDR:
            ok = add_sockaddr(r, t, a, b);
            break;
        case TRACE_OUT_SPECIAL:
            ok = out_special(r, t, ret);
            break;
        default:
            break;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* A call interrupted by a signal that has no handler (under ptrace even
 * an ignored SIGCHLD interrupts) returns -ERESTART_RESTARTBLOCK to the
 * tracer, and the kernel finishes it later as restart_syscall, which
 * writes what the call writes: poll's revents. The interrupted nanosleep
 * has already written the time remaining, which sleep() returns if a
 * handler then runs. */
bool rec_restartable_outputs(recorder *r, rtask *t, const trace_sc_desc *d,
                             int64_t ret)
{
    bool ok;
    if (t->nr == SYS_restart_syscall && t->restart_nr) {
        long nr = t->nr;
        uint64_t args[6];
        memcpy(args, t->args, sizeof(args));
        t->nr = t->restart_nr;
        memcpy(t->args, t->restart_args, sizeof(args));
        const trace_sc_desc *rd = trace_syscall_desc(t->nr);
        ok = !rd || capture_outputs(r, t, rd, ret);
        t->nr = nr;
        memcpy(t->args, args, sizeof(args));
    } else if (ret == -TRACE_ERESTART_RESTARTBLOCK &&
               (t->nr == SYS_nanosleep || t->nr == SYS_clock_nanosleep)) {
        ok = capture_outputs(r, t, d, 0);
    } else {
        ok = capture_outputs(r, t, d, ret);
    }
    if (ret == -TRACE_ERESTART_RESTARTBLOCK && t->nr != SYS_restart_syscall) {
        t->restart_nr = t->nr;
        memcpy(t->restart_args, t->args, sizeof(t->args));
    } else if (ret != -TRACE_ERESTART_RESTARTBLOCK) {
        t->restart_nr = 0;
    }
    return ok;
}

/* Writes to the recorder's own stdout/stderr are kept so replay can show
 * them again. Which file a descriptor is can change at any call, so it is
 * looked up each time. */
static int stdio_stream(recorder *r, rtask *t, uint64_t fd)
{
    char path[64];
    struct stat sb;
    snprintf(path, sizeof(path), "/proc/%d/fd/%llu", (int)t->base.tid,
             (unsigned long long)fd);
    if (stat(path, &sb) != 0)
        return 0;
    for (int s = 1; s <= 2; s++)
        if (r->out_ok[s] && sb.st_dev == r->out_st[s].st_dev &&
            sb.st_ino == r->out_st[s].st_ino)
            return s;
    return 0;
}

/* copy_file_range, sendfile and splice move bytes between descriptors
 * inside the kernel, so writes to the recorder's stdout/stderr made that
 * way (cat(1) of a file to a file) would not be kept for replay to show.
 * They fail with ENOSYS instead, as the kernel's lack of them would, and
 * programs fall back to read and write. */
bool rec_copies_to_stdio(recorder *r, rtask *t)
{
    uint64_t out;
    switch (t->nr) {
    case SYS_copy_file_range:
    case SYS_splice:
        out = t->args[2];
        break;
    case SYS_sendfile:
        out = t->args[0];
        break;
    default:
        return false;
    }
    return stdio_stream(r, t, out) != 0;
}

bool rec_capture_stdio(recorder *r, rtask *t, rrt_ev_syscall *e)
{
    if (e->ret <= 0)
        return true;
    bool vec = t->nr == SYS_writev || t->nr == SYS_pwritev;
    if (t->nr != SYS_write && t->nr != SYS_pwrite64 && !vec)
        return true;
    int s = stdio_stream(r, t, t->args[0]);
    if (!s)
        return true;
    size_t first = r->n_mem;
    bool ok = vec ? add_iov(r, t, t->args[1], t->args[2], (uint64_t)e->ret)
                  : add_out(r, t, t->args[1], (uint64_t)e->ret);
    if (!ok)
        return false;
    /* Not memory outputs: the bytes stay in r->data, described by the
     * stdio fields; the regions were appended contiguously. */
    size_t start = r->n_mem > first ? (size_t)r->mem[first].data : r->data.len;
    r->n_mem = first;
    e->flags |= RRT_EV_SC_STDIO;
    e->stdio_stream = (uint32_t)s;
    e->stdio_data = (const uint8_t *)start;
    e->stdio_len = r->data.len - start;
    return true;
}

bool rec_add_out(recorder *r, rtask *t, uint64_t addr, uint64_t len)
{
    return add_out(r, t, addr, len);
}

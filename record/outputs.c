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

/* ioctl: the bytes the request writes at its argument (trace/ioctl.c),
 * and the variable-length ones. */
static bool out_ioctl(recorder *r, rtask *t)
{
    uint32_t size;
    uint64_t arg = t->args[2];
    switch (trace_ioctl_out(t->args[1], &size)) {
    case TRACE_IOCTL_FIXED:
        return add_out(r, t, arg, size);
    case TRACE_IOCTL_IFCONF: { /* { int ifc_len; char *ifc_buf; } */
        uint64_t ifc[2];
        if (!trace_mem_read(t->base.memfd, arg, ifc, sizeof(ifc)))
            return rec_fail(r, "cannot read struct ifconf");
        return add_out(r, t, arg, 16) &&
               add_out(r, t, ifc[1], (uint32_t)ifc[0] & 0x7fffffff);
    }
    case TRACE_IOCTL_FIEMAP: { /* fm_mapped_extents at offset 20 */
        uint32_t n;
        if (!trace_mem_read(t->base.memfd, arg + 20, &n, 4))
            return rec_fail(r, "cannot read struct fiemap");
        return add_out(r, t, arg, 32 + (uint64_t)n * 56);
    }
    default:
        return rec_fail(r, "ioctl request 0x%llx has no known output",
                        (unsigned long long)t->args[1]);
    }
}

/* Calls rrt does not record, or not with these arguments: the reason, or
 * NULL. */
const char *rec_refusal(rtask *t, const trace_sc_desc *d, char *buf, size_t n)
{
    uint32_t size;
    if (d->mode == TRACE_SC_REFUSE)
        return d->why;
    if (t->nr == SYS_ioctl &&
        trace_ioctl_out(t->args[1], &size) == TRACE_IOCTL_REFUSE) {
        snprintf(buf, n,
                 "with request 0x%llx (an old request without a size, "
                 "not in rrt's table) is not supported",
                 (unsigned long long)(uint32_t)t->args[1]);
        return buf;
    }
    if (t->nr == SYS_process_vm_writev &&
        (pid_t)t->args[0] != trace_tgid(t->base.tid))
        return "writes into another process's memory, which replay would "
               "not change";
    return NULL;
}

/* A string the kernel wrote (NUL included), at most max bytes. */
static bool add_string(recorder *r, rtask *t, uint64_t addr, size_t max)
{
    char c = 1;
    size_t n = 0;
    while (n < max && trace_mem_read(t->base.memfd, addr + n, &c, 1) && c)
        n++;
    return add_out(r, t, addr, n < max ? n + 1 : n);
}

/* The SysV IPC control calls: what IPC_STAT and the INFO commands write
 * (x86-64 kernel structures, IPC_64 or not). */
static bool out_ipcctl(recorder *r, rtask *t)
{
    uint64_t cmd = t->args[t->nr == SYS_semctl ? 2 : 1] & 0xff;
    uint64_t buf = t->args[t->nr == SYS_semctl ? 3 : 2];
    uint64_t n = 0;
    if (t->nr == SYS_shmctl)
        n = cmd == 2 || cmd == 13 || cmd == 15 ? 112 /* shmid_ds */
            : cmd == 3                         ? 72  /* shminfo64 */
            : cmd == 14                        ? 48  /* shm_info */
                                               : 0;
    else if (t->nr == SYS_msgctl)
        n = cmd == 2 || cmd == 11 || cmd == 13 ? 120 /* msqid_ds */
            : cmd == 3 || cmd == 12            ? 32  /* msginfo */
                                               : 0;
    else if (cmd == 2 || cmd == 18 || cmd == 20)
        n = 104; /* semid_ds */
    else if (cmd == 3 || cmd == 19)
        n = 40;           /* seminfo */
    else if (cmd == 13) { /* GETALL: one unsigned short per semaphore */
        struct {
            uint64_t perm[6], otime, pad1, ctime, pad2, nsems, pad3, pad4;
        } ds;
        union {
            void *buf;
        } arg = {&ds};
        if (syscall(SYS_semctl, (int)t->args[0], 0, 2 /* IPC_STAT */, arg) != 0)
            return rec_fail(r,
                            "semctl GETALL: cannot size semaphore set "
                            "%d: %s",
                            (int)t->args[0], strerror(errno));
        n = ds.nsems * 2;
    }
    return add_out(r, t, buf, n);
}

/* shmat: the segment's pages, which replay maps and fills; their extent
 * is the mapping the kernel made at the result. */
static bool out_shmat(recorder *r, rtask *t, int64_t ret)
{
    trace_mapping m;
    uint64_t len = trace_mapping_at(t->base.tid, (uint64_t)ret, &m) &&
                           m.lo == (uint64_t)ret
                       ? m.hi - m.lo
                       : 0;
    if (!len)
        return rec_fail(r, "shmat: no mapping at 0x%llx",
                        (unsigned long long)ret);
    return add_out(r, t, (uint64_t)ret, len);
}

/* prctl requests that write through their second argument. */
static bool out_prctl(recorder *r, rtask *t, int64_t ret)
{
    switch (t->args[0]) {
    case PR_GET_NAME:
        return add_out(r, t, t->args[1], 16);
    case PR_GET_PDEATHSIG:
    case PR_GET_UNALIGN:
    case PR_GET_FPEMU:
    case PR_GET_FPEXC:
    case PR_GET_TSC:
    case PR_GET_ENDIAN:
    case PR_GET_CHILD_SUBREAPER:
        return add_out(r, t, t->args[1], 4);
    case PR_GET_TID_ADDRESS:
        return add_out(r, t, t->args[1], 8);
    case 0x41555856: /* PR_GET_AUXV: min(result, size) bytes */
        return add_out(r, t, t->args[1],
                       (uint64_t)ret < t->args[2] ? (uint64_t)ret : t->args[2]);
    default:
        return true;
    }
}

/* io_getevents, io_pgetevents: the events, and what each finished read
 * left in its buffer (the kernel wrote it asynchronously). */
static bool out_aio_events(recorder *r, rtask *t, int64_t ret)
{
    uint64_t ev = t->args[3];
    if (ret > 4096)
        return rec_fail(r, "io_getevents returned %lld events", (long long)ret);
    if (!add_out(r, t, ev, (uint64_t)ret * 32))
        return false;
    for (int64_t i = 0; i < ret; i++) {
        uint64_t e[4]; /* data, obj (the iocb), res, res2 */
        uint64_t cb[8];
        if (!trace_mem_read(t->base.memfd, ev + (uint64_t)i * 32, e, 32) ||
            !trace_mem_read(t->base.memfd, e[1], cb, sizeof(cb)))
            return rec_fail(r, "cannot read an io_event or its iocb");
        uint16_t op = (uint16_t)cb[2]; /* aio_lio_opcode */
        int64_t res = (int64_t)e[2];
        if (res <= 0)
            continue;
        if (op == 0 /* IOCB_CMD_PREAD */ &&
            !add_out(r, t, cb[3], (uint64_t)res))
            return false;
        if (op == 7 /* IOCB_CMD_PREADV */ &&
            !add_iov(r, t, cb[3], cb[4], (uint64_t)res))
            return false;
    }
    return true;
}

/* A BPF map's key_size or value_size (from the tracee's fdinfo). */
static uint64_t bpf_map_size(rtask *t, uint32_t fd, const char *field)
{
    char path[64], line[128];
    uint64_t v = 0;
    size_t n = strlen(field);
    snprintf(path, sizeof(path), "/proc/%d/fdinfo/%u", (int)t->base.tid, fd);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = strtoull(line + n + 1, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v < 65536 ? v : 0;
}

/* bpf(cmd, attr, size): the kernel writes some results into attr, the
 * value a lookup finds, the next key, an object's info. */
static bool out_bpf(recorder *r, rtask *t)
{
    uint64_t attr = t->args[1], size = t->args[2] < 4096 ? t->args[2] : 4096;
    uint64_t a[3]; /* map_fd (and pad), key, value or next_key */
    if (!add_out(r, t, attr, size))
        return false;
    switch (t->args[0]) {
    case 1:  /* BPF_MAP_LOOKUP_ELEM */
    case 21: /* BPF_MAP_LOOKUP_AND_DELETE_ELEM */
    case 4:  /* BPF_MAP_GET_NEXT_KEY */
        if (size < sizeof(a) || !trace_mem_read(t->base.memfd, attr, a, 24))
            return true;
        return add_out(
            r, t, a[2],
            bpf_map_size(t, (uint32_t)a[0],
                         t->args[0] == 4 ? "key_size" : "value_size"));
    case 15: /* BPF_OBJ_GET_INFO_BY_FD: { bpf_fd, info_len, info } */
        if (size < 16 || !trace_mem_read(t->base.memfd, attr, a, 16))
            return true;
        return add_out(r, t, a[1], (a[0] >> 32) < 4096 ? a[0] >> 32 : 4096);
    default:
        return true;
    }
}

/* keyctl commands that copy a buffer out: min(result, buflen). */
static bool out_keyctl(recorder *r, rtask *t, int64_t ret)
{
    switch (t->args[0]) {
    case 6:  /* KEYCTL_DESCRIBE */
    case 11: /* KEYCTL_READ */
    case 17: /* KEYCTL_GET_SECURITY */
    case 23: /* KEYCTL_DH_COMPUTE */
        return add_out(r, t, t->args[2],
                       (uint64_t)ret < t->args[3] ? (uint64_t)ret : t->args[3]);
    default:
        return true;
    }
}

/* quotactl(cmd, special, id, addr) and quotactl_fd(fd, cmd, id, addr). */
static bool out_quota(recorder *r, rtask *t)
{
    uint64_t cmd = t->nr == SYS_quotactl ? t->args[0] : t->args[1];
    uint64_t addr = t->args[3];
    switch ((uint32_t)cmd >> 8) {
    case 0x800004: /* Q_GETFMT */
        return add_out(r, t, addr, 4);
    case 0x800005: /* Q_GETINFO */
        return add_out(r, t, addr, 24);
    case 0x800007: /* Q_GETQUOTA: struct if_dqblk */
        return add_out(r, t, addr, 72);
    case 0x800009: /* Q_GETNEXTQUOTA: struct if_nextdqblk */
        return add_out(r, t, addr, 80);
    default:
        return true;
    }
}

/* ptrace requests that write through data. */
static bool out_ptrace(recorder *r, rtask *t)
{
    uint64_t data = t->args[3];
    switch (t->args[0]) {
    case PTRACE_PEEKTEXT:
    case PTRACE_PEEKDATA:
    case PTRACE_PEEKUSER:
    case PTRACE_GETEVENTMSG:
        return add_out(r, t, data, 8);
    case PTRACE_GETREGS:
        return add_out(r, t, data, sizeof(struct user_regs_struct));
    case PTRACE_GETFPREGS:
        return add_out(r, t, data, sizeof(struct user_fpregs_struct));
    case PTRACE_GETSIGINFO:
        return add_out(r, t, data, 128);
    default:
        return true;
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
    switch (t->nr) {
    case SYS_fcntl:
        if (t->args[1] == 5 || t->args[1] == 36) /* F_GETLK, F_OFD_GETLK */
            return add_out(r, t, t->args[2], 32);
        if (t->args[1] == 16) /* F_GETOWN_EX: struct f_owner_ex */
            return add_out(r, t, t->args[2], 8);
        return true;
    case SYS_ioctl:
        return out_ioctl(r, t);
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
        return out_prctl(r, t, ret);
    case SYS_clone: /* CLONE_PIDFD: the parent's pidfd, an int at arg 2 */
        return (t->args[0] & 0x1000) ? add_out(r, t, t->args[2], 4) : true;
    case SYS_move_pages: /* an int status per page */
        return add_out(r, t, t->args[4], t->args[1] * 4);
    case SYS_modify_ldt: /* 0 read, 2 read default: result bytes */
        return t->args[0] == 0 || t->args[0] == 2
                   ? add_out(r, t, t->args[1], (uint64_t)ret)
                   : true;
    case SYS_name_to_handle_at: /* handle_bytes, handle_type, f_handle */
    {
        uint32_t hb;
        if (!trace_mem_read(t->base.memfd, t->args[2], &hb, 4))
            return rec_fail(r, "cannot read struct file_handle");
        return add_out(r, t, t->args[2], 8 + (uint64_t)(hb < 128 ? hb : 128));
    }
    case 464: /* getxattrat: struct xattr_args { value, size, flags } */
    {
        uint64_t xa[2];
        if (!trace_mem_read(t->base.memfd, t->args[4], xa, sizeof(xa)))
            return rec_fail(r, "cannot read struct xattr_args");
        return add_out(r, t, xa[0], (uint64_t)ret);
    }
    case SYS_sysfs: /* 2: the name of file system type arg1 */
        return t->args[0] == 2 ? add_string(r, t, t->args[2], 4096) : true;
    case SYS_syslog: /* READ, READ_ALL, READ_CLEAR: result bytes */
        return t->args[0] >= 2 && t->args[0] <= 4
                   ? add_out(r, t, t->args[1], (uint64_t)ret)
                   : true;
    case SYS_quotactl:
    case SYS_quotactl_fd:
        return out_quota(r, t);
    case SYS_keyctl:
        return out_keyctl(r, t, ret);
    case SYS_shmctl:
    case SYS_semctl:
    case SYS_msgctl:
        return out_ipcctl(r, t);
    case SYS_shmat:
        return out_shmat(r, t, ret);
    case SYS_msgrcv: /* long mtype, then the text */
        return add_out(r, t, t->args[1], 8 + (uint64_t)ret);
    case SYS_io_getevents:
    case SYS_io_pgetevents:
        return out_aio_events(r, t, ret);
    case SYS_process_vm_writev: /* into the caller's own remote iovecs */
        return add_iov(r, t, t->args[3], t->args[4], (uint64_t)ret);
    case SYS_ptrace:
        return out_ptrace(r, t);
    case SYS_seccomp: /* SECCOMP_GET_NOTIF_SIZES */
        return t->args[0] == 3 ? add_out(r, t, t->args[2], 6) : true;
    case SYS_bpf:
        return out_bpf(r, t);
    case 459: /* lsm_get_self_attr(attr, ctx, size*, flags) */
    case 461: /* lsm_list_modules(ids, size*, flags) */
    {
        uint64_t sizep = t->args[t->nr == 459 ? 2 : 1];
        uint32_t sz;
        if (!trace_mem_read(t->base.memfd, sizep, &sz, 4))
            return rec_fail(r, "cannot read the size of an lsm call");
        return add_out(r, t, sizep, 4) &&
               add_out(r, t, t->args[t->nr == 459 ? 1 : 0], sz);
    }
    default:
        return true;
    }
}

static bool capture_outputs(recorder *r, rtask *t, const trace_sc_desc *d,
                            int64_t ret)
{
    /* the size a file handle needs, for the caller's next try */
    if (t->nr == SYS_name_to_handle_at && ret == -EOVERFLOW)
        return add_out(r, t, t->args[2], 4);
    /* the version the kernel prefers, for a caller that probes it */
    if ((t->nr == SYS_capget || t->nr == SYS_capset) && ret == -EINVAL)
        return add_out(r, t, t->args[0], 4);
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
    bool vec =
        t->nr == SYS_writev || t->nr == SYS_pwritev || t->nr == SYS_pwritev2;
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

/* A GDB remote-protocol server inside the replay (`rrt replay --debug`,
 * `--gdbserver`). The replayer calls in at its stop points (replayi.h
 * rep_dbg_*): before each event, before it resumes a task into user code,
 * after each stop of a task, and at a recorded signal. Where gdb wants
 * control, the call serves gdb's requests until gdb resumes.
 *
 * Breakpoints (int3) are in the tracee's memory only while one of its
 * tasks runs user code: written just before the resume, removed at the
 * stop. So the replayer's own reads and writes of memory (output checks,
 * CPUID patching, mapping fills) never see them, and a fork child never
 * inherits them. Hardware breakpoints and watchpoints use the debug
 * registers of each task of the debugged process.
 *
 * Reverse execution (bc, bs, monitor when/goto) is reverse.c's: it logs
 * each resume as a position and re-runs the replay to go back. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gdbi.h"
#include "rrtx.h"

/* ------------------------------------------------------------------ */
/* Connection                                                         */

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        /* a socket whose peer left must not kill rrt with SIGPIPE */
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK)
            w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void lost(rep_dbg *d, const char *why)
{
    if (!d->active)
        return;
    d->active = false;
    if (d->ended && strcmp(why, "gdb closed it") == 0)
        return; /* after the program's end: gdb is done */
    char line[160];
    snprintf(line, sizeof(line), "gdb connection: %s; closing it", why);
    rep_notify(d->r, REP_NOTE_WARNING, line);
    d->active = false;
}

static bool send_raw(rep_dbg *d, const void *payload, size_t n)
{
    if (!d->active)
        return false;
    d->reply_len = gdbp_frame(payload, n, d->reply, 2 * GDBP_MAX_PACKET + 8);
    if (!d->reply_len || !write_all(d->out, d->reply, d->reply_len)) {
        lost(d, "cannot send a reply");
        return false;
    }
    return true;
}

static bool send_str(rep_dbg *d, const char *s)
{
    return send_raw(d, s, strlen(s));
}

static bool send_fmt(rep_dbg *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool send_fmt(rep_dbg *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->payload, GDBP_MAX_PACKET, fmt, ap);
    va_end(ap);
    return send_str(d, d->payload);
}

/* A line on gdb's console ('O' packet). */
static void console(rep_dbg *d, const char *text)
{
    size_t n = strlen(text);
    if (n > MAX_XFER - 2)
        n = MAX_XFER - 2;
    d->payload[0] = 'O';
    gdbp_hex_encode(text, n, d->payload + 1);
    send_raw(d, d->payload, 1 + 2 * n);
}

/* Reads until a packet or an interrupt; GDBP_ERROR at the end of the
 * connection. block: wait for bytes, else return GDBP_NONE at once. */
static gdbp_kind next_item(rep_dbg *d, bool block)
{
    for (;;) {
        if (!d->active)
            return GDBP_ERROR;
        if (d->inpos < d->inlen) {
            gdbp_kind k;
            d->inpos +=
                gdbp_feed(&d->p, d->inbuf + d->inpos, d->inlen - d->inpos, &k);
            switch (k) {
            case GDBP_PACKET:
                if (!d->noack && !write_all(d->out, "+", 1))
                    lost(d, "cannot send an ack");
                return GDBP_PACKET;
            case GDBP_INTERRUPT:
                return GDBP_INTERRUPT;
            case GDBP_NACK:
                if (d->reply_len)
                    write_all(d->out, d->reply, d->reply_len);
                continue;
            case GDBP_BADSUM:
                write_all(d->out, "-", 1);
                continue;
            case GDBP_ERROR:
                lost(d, d->p.error);
                return GDBP_ERROR;
            default:
                continue;
            }
        }
        if (!block) {
            struct pollfd pf = {.fd = d->in, .events = POLLIN};
            if (poll(&pf, 1, 0) <= 0)
                return GDBP_NONE;
        }
        ssize_t n = read(d->in, d->inbuf, sizeof(d->inbuf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            lost(d, n == 0 ? "gdb closed it" : strerror(errno));
            return GDBP_ERROR;
        }
        d->inpos = 0;
        d->inlen = (size_t)n;
    }
}

/* ------------------------------------------------------------------ */
/* Tasks and threads                                                  */

static dbg_task *dtask(rep_dbg *d, pid_t tid)
{
    for (size_t i = 0; i < d->ntasks; i++)
        if (d->tasks[i].tid == tid)
            return &d->tasks[i];
    dbg_task *n = rrtx_grow(d->tasks, &d->captasks, d->ntasks + 1, sizeof(*n));
    if (!n)
        return NULL;
    d->tasks = n;
    dbg_task *t = &d->tasks[d->ntasks++];
    t->tid = tid;
    t->tgid = trace_tgid(tid);
    t->dr_gen = 0;
    return t;
}

static bool debugged(rep_dbg *d, ptask *t)
{
    dbg_task *x = dtask(d, t->base.tid);
    return x && x->tgid == d->tgid;
}

static ptask *task_rec(rep_dbg *d, uint32_t rec)
{
    return rec ? trace_task_find(d->r->tasks, rec) : NULL;
}

/* The recorded pid of the debugged process: its leader's recorded tid. */
static uint32_t rec_pid(rep_dbg *d)
{
    for (trace_task *b = d->r->tasks; b; b = b->next)
        if (b->tid == d->tgid && b->rec_tid)
            return d->pid = b->rec_tid;
    return d->pid; /* the leader is gone: the id gdb knows */
}

static char *fmt_tid(rep_dbg *d, uint32_t rec, char *buf, size_t n)
{
    if (d->multiprocess)
        snprintf(buf, n, "p%x.%x", rec_pid(d), rec);
    else
        snprintf(buf, n, "%x", rec);
    return buf;
}

/* The task a request is about: Hg's thread, else the stop's, else any
 * task of the debugged process. */
static ptask *gtask(rep_dbg *d)
{
    ptask *t = task_rec(d, d->gthr);
    if (!t)
        t = task_rec(d, d->cur);
    for (trace_task *b = d->r->tasks; !t && b; b = b->next)
        if (debugged(d, (ptask *)b))
            t = (ptask *)b;
    return t;
}

/* ------------------------------------------------------------------ */
/* Signals: Linux numbers and gdb's                                   */

static const unsigned char to_gdb[32] = {
    0, 1,  2,  3,  4,  5,  6,  10, 8,  9,  30, 11, 31, 13, 14, 15,
    0, 20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27, 28, 23, 32, 12};

static int gdb_signal(int sig)
{
    if (sig > 0 && sig < 32)
        return to_gdb[sig] ? to_gdb[sig] : 143; /* GDB_SIGNAL_UNKNOWN */
    if (sig == 32)
        return 77;
    if (sig >= 33 && sig <= 63)
        return 45 + (sig - 33);
    if (sig == 64)
        return 78;
    return 143;
}

static int linux_signal(int g)
{
    for (int s = 1; s <= 64; s++)
        if (gdb_signal(s) == g)
            return s;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Registers: amd64 as gdb numbers them with this target description  */

enum {
    R_RIP = 16,
    R_EFLAGS,
    R_CS,
    R_ST0 = 24,
    R_FCTRL = 32,
    R_XMM0 = 40,
    R_MXCSR = 56,
    R_ORIG_RAX,
    R_FS_BASE,
    R_GS_BASE,
    R_YMM0H,
    R_COUNT_AVX = R_YMM0H + 16
};

static unsigned nregs(const rep_dbg *d)
{
    return (d->r->host_layout.xfeatures & 4) ? R_COUNT_AVX : R_YMM0H;
}

static size_t reg_size(unsigned i)
{
    if (i < R_EFLAGS || (i >= R_ORIG_RAX && i <= R_GS_BASE))
        return 8;
    if (i >= R_ST0 && i < R_FCTRL)
        return 10;
    if ((i >= R_XMM0 && i < R_MXCSR) || i >= R_YMM0H)
        return 16;
    return 4;
}

static size_t reg_off(unsigned i)
{
    size_t o = 0;
    for (unsigned k = 0; k < i; k++)
        o += reg_size(k);
    return o;
}

static unsigned long long *gpr(struct user_regs_struct *g, unsigned i)
{
    static const size_t at[] = {
        offsetof(struct user_regs_struct, rax),
        offsetof(struct user_regs_struct, rbx),
        offsetof(struct user_regs_struct, rcx),
        offsetof(struct user_regs_struct, rdx),
        offsetof(struct user_regs_struct, rsi),
        offsetof(struct user_regs_struct, rdi),
        offsetof(struct user_regs_struct, rbp),
        offsetof(struct user_regs_struct, rsp),
        offsetof(struct user_regs_struct, r8),
        offsetof(struct user_regs_struct, r9),
        offsetof(struct user_regs_struct, r10),
        offsetof(struct user_regs_struct, r11),
        offsetof(struct user_regs_struct, r12),
        offsetof(struct user_regs_struct, r13),
        offsetof(struct user_regs_struct, r14),
        offsetof(struct user_regs_struct, r15),
        offsetof(struct user_regs_struct, rip),
        offsetof(struct user_regs_struct, eflags),
        offsetof(struct user_regs_struct, cs),
        offsetof(struct user_regs_struct, ss),
        offsetof(struct user_regs_struct, ds),
        offsetof(struct user_regs_struct, es),
        offsetof(struct user_regs_struct, fs),
        offsetof(struct user_regs_struct, gs),
    };
    return (unsigned long long *)((char *)g + at[i]);
}

/* The full x87 tag of physical register i from FXSAVE's abridged one. */
static unsigned x87_tag(const uint8_t *fx, unsigned i)
{
    if (!((fx[4] >> i) & 1))
        return 3;
    unsigned top = (unsigned)(fx[2] | fx[3] << 8) >> 11 & 7;
    const uint8_t *st = fx + 32 + 16 * ((i - top) & 7);
    unsigned exp = (unsigned)(st[8] | st[9] << 8) & 0x7fff;
    uint64_t mant;
    memcpy(&mant, st, 8);
    if (exp == 0x7fff)
        return 2;
    if (exp == 0)
        return mant ? 2 : 1;
    return mant >> 63 ? 0 : 2;
}

typedef struct regset {
    struct user_regs_struct g;
    uint8_t *x;
    size_t xlen;
} regset;

static bool regs_get(rep_dbg *d, ptask *t, regset *s, uint8_t *out)
{
    (void)d;
    s->x = NULL;
    if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &s->g) != 0 ||
        !(s->x = trace_xstate_get(t->base.tid, &s->xlen)) || s->xlen < 576)
        return false;
    const uint8_t *fx = s->x;
    uint8_t *o = out;
    for (unsigned i = 0; i < R_ST0; i++) {
        uint64_t v = *gpr(&s->g, i);
        memcpy(o, &v, reg_size(i));
        o += reg_size(i);
    }
    for (unsigned i = 0; i < 8; i++, o += 10)
        memcpy(o, fx + 32 + 16 * i, 10);
    uint32_t f[8] = {(uint32_t)(fx[0] | fx[1] << 8),
                     (uint32_t)(fx[2] | fx[3] << 8),
                     0,
                     (uint32_t)(fx[12] | fx[13] << 8),
                     0,
                     (uint32_t)(fx[20] | fx[21] << 8),
                     0,
                     (uint32_t)(fx[6] | fx[7] << 8) & 0x7ff};
    for (unsigned i = 0; i < 8; i++)
        f[2] |= x87_tag(fx, i) << (2 * i);
    memcpy(&f[4], fx + 8, 4);
    memcpy(&f[6], fx + 16, 4);
    memcpy(o, f, sizeof(f));
    o += sizeof(f);
    memcpy(o, fx + 160, 256);
    o += 256;
    memcpy(o, fx + 24, 4);
    o += 4;
    uint64_t v[3] = {s->g.orig_rax, s->g.fs_base, s->g.gs_base};
    memcpy(o, v, sizeof(v));
    o += sizeof(v);
    if (nregs(d) == R_COUNT_AVX) {
        uint32_t off = d->r->host_layout.off[2];
        if ((trace_xstate_bv(fx) & 4) && off + 256 <= s->xlen)
            memcpy(o, fx + off, 256);
        else
            memset(o, 0, 256);
    }
    return true;
}

/* Writes the flat register image back into the task. */
static bool regs_put(rep_dbg *d, ptask *t, regset *s, const uint8_t *in)
{
    uint8_t *fx = s->x;
    const uint8_t *o = in;
    for (unsigned i = 0; i < R_ST0; i++) {
        uint64_t v = 0;
        memcpy(&v, o, reg_size(i));
        *gpr(&s->g, i) = v;
        o += reg_size(i);
    }
    for (unsigned i = 0; i < 8; i++, o += 10)
        memcpy(fx + 32 + 16 * i, o, 10);
    uint32_t f[8];
    memcpy(f, o, sizeof(f));
    o += sizeof(f);
    fx[0] = (uint8_t)f[0], fx[1] = (uint8_t)(f[0] >> 8);
    fx[2] = (uint8_t)f[1], fx[3] = (uint8_t)(f[1] >> 8);
    fx[4] = 0;
    for (unsigned i = 0; i < 8; i++)
        if (((f[2] >> (2 * i)) & 3) != 3)
            fx[4] |= (uint8_t)(1u << i);
    memcpy(fx + 8, &f[4], 4);
    fx[12] = (uint8_t)f[3], fx[13] = (uint8_t)(f[3] >> 8);
    memcpy(fx + 16, &f[6], 4);
    fx[20] = (uint8_t)f[5], fx[21] = (uint8_t)(f[5] >> 8);
    fx[6] = (uint8_t)f[7], fx[7] = (uint8_t)((f[7] >> 8) & 7);
    memcpy(fx + 160, o, 256);
    o += 256;
    memcpy(fx + 24, o, 4);
    o += 4;
    uint64_t v[3];
    memcpy(v, o, sizeof(v));
    o += sizeof(v);
    s->g.orig_rax = v[0], s->g.fs_base = v[1], s->g.gs_base = v[2];
    if (nregs(d) == R_COUNT_AVX) {
        uint32_t off = d->r->host_layout.off[2];
        if (off + 256 <= s->xlen) {
            memcpy(fx + off, o, 256);
            uint64_t bv;
            memcpy(&bv, fx + 512, 8);
            bv |= 4 | 3;
            memcpy(fx + 512, &bv, 8);
        }
    }
    return ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->g) == 0 &&
           trace_xstate_set(t->base.tid, s->x, s->xlen);
}

static const char tdesc_head[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\"><architecture>i386:x86-64</architecture>"
    "<osabi>GNU/Linux</osabi>"
    "<feature name=\"org.gnu.gdb.i386.core\">"
    "<flags id=\"i386_eflags\" size=\"4\">"
    "<field name=\"\" start=\"22\" end=\"31\"/>"
    "<field name=\"CF\" start=\"0\" end=\"0\"/>"
    "<field name=\"\" start=\"1\" end=\"1\"/>"
    "<field name=\"PF\" start=\"2\" end=\"2\"/>"
    "<field name=\"AF\" start=\"4\" end=\"4\"/>"
    "<field name=\"ZF\" start=\"6\" end=\"6\"/>"
    "<field name=\"SF\" start=\"7\" end=\"7\"/>"
    "<field name=\"TF\" start=\"8\" end=\"8\"/>"
    "<field name=\"IF\" start=\"9\" end=\"9\"/>"
    "<field name=\"DF\" start=\"10\" end=\"10\"/>"
    "<field name=\"OF\" start=\"11\" end=\"11\"/>"
    "<field name=\"NT\" start=\"14\" end=\"14\"/>"
    "<field name=\"RF\" start=\"16\" end=\"16\"/>"
    "<field name=\"VM\" start=\"17\" end=\"17\"/>"
    "<field name=\"AC\" start=\"18\" end=\"18\"/>"
    "<field name=\"VIF\" start=\"19\" end=\"19\"/>"
    "<field name=\"VIP\" start=\"20\" end=\"20\"/>"
    "<field name=\"ID\" start=\"21\" end=\"21\"/>"
    "</flags>";

static const char *const core_names[] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const seg_names[] = {"cs", "ss", "ds", "es", "fs", "gs"};
static const char *const fp_names[] = {"fctrl", "fstat", "ftag",  "fiseg",
                                       "fioff", "foseg", "fooff", "fop"};

/* Builds the target description into a malloc'ed string. */
static char *tdesc(const rep_dbg *d, size_t *len)
{
    char *s = NULL;
    FILE *f = open_memstream(&s, len);
    if (!f)
        return NULL;
    fputs(tdesc_head, f);
    unsigned n = 0;
    for (unsigned i = 0; i < 16; i++, n++)
        fprintf(f,
                "<reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%u\"/>",
                core_names[i], i == 6 || i == 7 ? "data_ptr" : "int64", n);
    fprintf(f, "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" "
               "regnum=\"16\"/>"
               "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\" "
               "regnum=\"17\"/>");
    n = R_CS;
    for (unsigned i = 0; i < 6; i++, n++)
        fprintf(f,
                "<reg name=\"%s\" bitsize=\"32\" type=\"int32\" "
                "regnum=\"%u\"/>",
                seg_names[i], n);
    for (unsigned i = 0; i < 8; i++, n++)
        fprintf(f,
                "<reg name=\"st%u\" bitsize=\"80\" type=\"i387_ext\" "
                "regnum=\"%u\"/>",
                i, n);
    for (unsigned i = 0; i < 8; i++, n++)
        fprintf(f,
                "<reg name=\"%s\" bitsize=\"32\" type=\"int\" "
                "group=\"float\" regnum=\"%u\"/>",
                fp_names[i], n);
    fputs("</feature><feature name=\"org.gnu.gdb.i386.sse\">"
          "<vector id=\"v8bf16\" type=\"bfloat16\" count=\"8\"/>"
          "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
          "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
          "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
          "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
          "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
          "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
          "<union id=\"vec128\"><field name=\"v8_bfloat16\" type=\"v8bf16\"/>"
          "<field name=\"v4_float\" type=\"v4f\"/>"
          "<field name=\"v2_double\" type=\"v2d\"/>"
          "<field name=\"v16_int8\" type=\"v16i8\"/>"
          "<field name=\"v8_int16\" type=\"v8i16\"/>"
          "<field name=\"v4_int32\" type=\"v4i32\"/>"
          "<field name=\"v2_int64\" type=\"v2i64\"/>"
          "<field name=\"uint128\" type=\"uint128\"/></union>"
          "<flags id=\"i386_mxcsr\" size=\"4\">"
          "<field name=\"IE\" start=\"0\" end=\"0\"/>"
          "<field name=\"DE\" start=\"1\" end=\"1\"/>"
          "<field name=\"ZE\" start=\"2\" end=\"2\"/>"
          "<field name=\"OE\" start=\"3\" end=\"3\"/>"
          "<field name=\"UE\" start=\"4\" end=\"4\"/>"
          "<field name=\"PE\" start=\"5\" end=\"5\"/>"
          "<field name=\"DAZ\" start=\"6\" end=\"6\"/>"
          "<field name=\"IM\" start=\"7\" end=\"7\"/>"
          "<field name=\"DM\" start=\"8\" end=\"8\"/>"
          "<field name=\"ZM\" start=\"9\" end=\"9\"/>"
          "<field name=\"OM\" start=\"10\" end=\"10\"/>"
          "<field name=\"UM\" start=\"11\" end=\"11\"/>"
          "<field name=\"PM\" start=\"12\" end=\"12\"/>"
          "<field name=\"FZ\" start=\"15\" end=\"15\"/></flags>",
          f);
    for (unsigned i = 0; i < 16; i++, n++)
        fprintf(f,
                "<reg name=\"xmm%u\" bitsize=\"128\" type=\"vec128\" "
                "regnum=\"%u\"/>",
                i, n);
    fprintf(f,
            "<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" "
            "group=\"vector\" regnum=\"%u\"/></feature>"
            "<feature name=\"org.gnu.gdb.i386.linux\">"
            "<reg name=\"orig_rax\" bitsize=\"64\" type=\"int\" "
            "regnum=\"%u\"/></feature>"
            "<feature name=\"org.gnu.gdb.i386.segments\">"
            "<reg name=\"fs_base\" bitsize=\"64\" type=\"int\" regnum=\"%u\"/>"
            "<reg name=\"gs_base\" bitsize=\"64\" type=\"int\" regnum=\"%u\"/>"
            "</feature>",
            R_MXCSR, R_ORIG_RAX, R_FS_BASE, R_GS_BASE);
    if (nregs(d) == R_COUNT_AVX) {
        fputs("<feature name=\"org.gnu.gdb.i386.avx\">", f);
        for (unsigned i = 0; i < 16; i++)
            fprintf(f,
                    "<reg name=\"ymm%uh\" bitsize=\"128\" type=\"uint128\" "
                    "regnum=\"%u\"/>",
                    i, R_YMM0H + i);
        fputs("</feature>", f);
    }
    fputs("</target>\n", f);
    if (fclose(f) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

/* ------------------------------------------------------------------ */
/* Memory, breakpoints, debug registers                               */

static ssize_t mem_read(ptask *t, uint64_t addr, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k =
            pread(t->base.memfd, buf + got, n - got, (off_t)(addr + got));
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    return got ? (ssize_t)got : -1;
}

/* Writes the int3s into the memory t runs in, through a descriptor of
 * our own on that address space: it outlives the thread (another of its
 * process may remove them) and fails once the address space is gone (an
 * exec, the exit), when there is nothing left to restore. */
static void insert_bps(rep_dbg *d, ptask *t, uint64_t skip)
{
    if (d->bps_memfd >= 0)
        return; /* in already */
    int fd = trace_mem_open(t->base.tid);
    if (fd < 0)
        return;
    for (size_t i = 0; i < d->nbps; i++) {
        dbg_bp *b = &d->bps[i];
        static const uint8_t int3 = 0xcc;
        /* a step from a breakpoint's address steps over it (gdb may not
         * have removed it first) */
        b->inserted = b->addr != skip &&
                      pread(fd, &b->saved, 1, (off_t)b->addr) == 1 &&
                      pwrite(fd, &int3, 1, (off_t)b->addr) == 1;
    }
    d->bps_memfd = fd;
}

static void remove_bps(rep_dbg *d)
{
    if (d->bps_memfd < 0)
        return;
    /* in reverse: two at one address restore the first's byte last */
    for (size_t i = d->nbps; i-- > 0;) {
        dbg_bp *b = &d->bps[i];
        if (b->inserted)
            (void)!pwrite(d->bps_memfd, &b->saved, 1, (off_t)b->addr);
        b->inserted = false;
    }
    close(d->bps_memfd);
    d->bps_memfd = -1;
}

/* t, at a system call's entry, is about to run one that copies or
 * replaces its address space. */
static bool forks_or_execs(ptask *t)
{
    errno = 0;
    long nr = ptrace(PTRACE_PEEKUSER, t->base.tid,
                     (void *)offsetof(struct user_regs_struct, orig_rax), NULL);
    return errno == 0 && (nr == 56 || nr == 57 || nr == 58 || nr == 59 ||
                          nr == 322 || nr == 435);
}

/* An int3 of ours is in memory at addr (not the program's own). */
static bool bp_in_at(const rep_dbg *d, uint64_t addr)
{
    for (size_t i = 0; i < d->nbps; i++)
        if (d->bps[i].addr == addr && d->bps[i].inserted &&
            d->bps[i].saved != 0xcc)
            return true;
    return false;
}

/* One of the breakpoints is at addr. */
static bool bp_at(const rep_dbg *d, uint64_t addr)
{
    for (size_t i = 0; i < d->nbps; i++)
        if (d->bps[i].addr == addr)
            return true;
    return false;
}

#define DR_OFF(i) offsetof(struct user, u_debugreg[i])

static bool set_drs(rep_dbg *d, pid_t tid)
{
    uint64_t dr7 = 0;
    if (ptrace(PTRACE_POKEUSER, tid, (void *)DR_OFF(7), (void *)0) != 0)
        return false;
    for (unsigned i = 0; i < 4; i++) {
        const dbg_wp *w = &d->wp[i];
        if (!w->used)
            continue;
        uint64_t rw = w->type == 1 ? 0 : w->type == 2 ? 1 : 3;
        uint64_t len = w->type == 1  ? 0
                       : w->len == 8 ? 2
                       : w->len == 4 ? 3
                       : w->len == 2 ? 1
                                     : 0;
        if (ptrace(PTRACE_POKEUSER, tid, (void *)DR_OFF(i), (void *)w->addr) !=
            0)
            return false;
        dr7 |= (1ull << (2 * i)) | (rw << (16 + 4 * i)) | (len << (18 + 4 * i));
    }
    return ptrace(PTRACE_POKEUSER, tid, (void *)DR_OFF(7), (void *)dr7) == 0;
}

/* The debug registers of every task of the debugged process follow the
 * watchpoints at its next resume (dtask's dr_gen). */
static void clear_all_drs(rep_dbg *d)
{
    memset(d->wp, 0, sizeof(d->wp));
    d->any_wp = false;
    d->dr_gen++;
    for (trace_task *x = d->r->tasks; x; x = x->next)
        ptrace(PTRACE_POKEUSER, x->tid, (void *)DR_OFF(7), (void *)0);
}

static bool insert_wp(rep_dbg *d, int type, uint64_t addr, uint64_t len)
{
    if (type == 1)
        len = 1;
    else if ((len != 1 && len != 2 && len != 4 && len != 8) ||
             (addr & (len - 1)))
        return false;
    for (unsigned i = 0; i < 4; i++) {
        if (d->wp[i].used)
            continue;
        d->wp[i] = (dbg_wp){true, type, addr, len};
        d->any_wp = true;
        d->dr_gen++;
        return true;
    }
    return false;
}

static bool remove_wp(rep_dbg *d, int type, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < 4; i++) {
        dbg_wp *w = &d->wp[i];
        if (w->used && w->type == type && w->addr == addr &&
            (type == 1 || w->len == len)) {
            w->used = false;
            d->dr_gen++;
            d->any_wp = d->wp[0].used || d->wp[1].used || d->wp[2].used ||
                        d->wp[3].used;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Files, from the archive                                            */

static int file_open(rep_dbg *d, const char *path, uint64_t flags, int *err)
{
    int slot = -1;
    for (int i = 0; i < MAX_FILES && slot < 0; i++)
        if (!d->files[i].used)
            slot = i;
    if (slot < 0) {
        *err = 24; /* EMFILE */
        return -1;
    }
    if (flags & 3) {
        *err = 13; /* EACCES: the recording is read-only */
        return -1;
    }
    /* /proc/PID/...: the recorded ids name the replay's tasks */
    char live[PATH_MAX];
    unsigned a = 0, b = 0;
    int at = 0;
    if (sscanf(path, "/proc/%u/task/%u/%n", &a, &b, &at) == 2 && at > 0) {
        ptask *x = task_rec(d, a), *y = task_rec(d, b);
        if (x && y) {
            snprintf(live, sizeof(live), "/proc/%d/task/%d/%s",
                     (int)x->base.tid, (int)y->base.tid, path + at);
            path = live;
        }
    } else if (sscanf(path, "/proc/%u/%n", &a, &at) == 1 && at > 0) {
        ptask *x = task_rec(d, a);
        if (x) {
            snprintf(live, sizeof(live), "/proc/%d/%s", (int)x->base.tid,
                     path + at);
            path = live;
        }
    }
    dbg_file *f = &d->files[slot];
    rrt_file_entry e = {0};
    rrt_error rerr;
    f->fd = -1;
    if (rrt_reader_find_file(d->r->rd, path, &e, &rerr) == RRT_OK &&
        !(e.flags & RRT_FILE_EXTERNAL) && (e.flags & RRT_FILE_HAS_BLOB)) {
        f->blob = e.blob; /* the recorded bytes */
        f->size = e.size;
        f->mode = e.mode;
    } else {
        /* referenced by the recording (unchanged, or refused), or not
         * part of it (a separate debug file): the host's */
        struct stat sb;
        f->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (f->fd < 0 || fstat(f->fd, &sb) != 0) {
            *err = errno == ENOENT ? 2 : 13;
            if (f->fd >= 0)
                close(f->fd);
            rrt_file_entry_clear(&e);
            return -1;
        }
        int64_t mtime =
            (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
        if (e.path && ((uint64_t)sb.st_size != e.size || mtime != e.mtime_ns ||
                       (uint64_t)sb.st_ino != e.ino)) {
            rep_warn_once(d->r, path,
                          "changed since it was recorded; gdb does not get "
                          "it (run `rrt pack` on the recording machine)");
            close(f->fd);
            rrt_file_entry_clear(&e);
            *err = 2;
            return -1;
        }
        f->size = (uint64_t)sb.st_size;
        f->mode = sb.st_mode;
    }
    rrt_file_entry_clear(&e);
    f->used = true;
    return slot;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void do_vfile(rep_dbg *d, const gdbp_cmd *c)
{
    const char *p = c->args;
    uint64_t a, b, off;
    if (strcmp(c->name, "setfs") == 0) {
        send_str(d, "F0");
    } else if (strcmp(c->name, "open") == 0) {
        const char *comma = strchr(p, ',');
        char path[PATH_MAX];
        size_t n = comma ? (size_t)(comma - p) / 2 : 0;
        const char *q = comma ? comma + 1 : NULL;
        int err = 22;
        if (!comma || (size_t)(comma - p) % 2 || n >= sizeof(path) ||
            !gdbp_hex_decode(p, n, path) || !gdbp_hex_u64(&q, &a)) {
            send_str(d, "F-1,16");
            return;
        }
        path[n] = 0;
        int fd = memchr(path, 0, n) ? -1 : file_open(d, path, a, &err);
        if (fd < 0)
            send_fmt(d, "F-1,%x", err);
        else
            send_fmt(d, "F%x", fd);
    } else if (strcmp(c->name, "close") == 0) {
        if (!gdbp_hex_u64(&p, &a) || a >= MAX_FILES || !d->files[a].used) {
            send_str(d, "F-1,9");
            return;
        }
        if (d->files[a].fd >= 0)
            close(d->files[a].fd);
        d->files[a].used = false;
        send_str(d, "F0");
    } else if (strcmp(c->name, "pread") == 0) {
        if (!gdbp_hex_u64(&p, &a) || *p++ != ',' || !gdbp_hex_u64(&p, &b) ||
            *p++ != ',' || !gdbp_hex_u64(&p, &off) || a >= MAX_FILES ||
            !d->files[a].used) {
            send_str(d, "F-1,9");
            return;
        }
        dbg_file *f = &d->files[a];
        size_t want = b < MAX_XFER ? (size_t)b : MAX_XFER;
        if (off >= f->size)
            want = 0;
        else if (f->size - off < want)
            want = (size_t)(f->size - off);
        uint8_t *buf = malloc(want ? want : 1);
        size_t got = 0;
        rrt_error err;
        if (!buf) {
            send_str(d, "F-1,c");
            return;
        }
        if (want && f->fd >= 0) {
            ssize_t k = pread(f->fd, buf, want, (off_t)off);
            got = k > 0 ? (size_t)k : 0;
        } else if (want && rrt_reader_pread_blob(d->r->rd, &f->blob, off, buf,
                                                 want, &got, &err) != RRT_OK) {
            rep_warn_once(d->r, d->r->o->archive, err.message);
            free(buf);
            send_str(d, "F-1,5");
            return;
        }
        int h = snprintf(d->payload, 32, "F%zx;", got);
        memcpy(d->payload + h, buf, got);
        free(buf);
        send_raw(d, d->payload, (size_t)h + got);
    } else if (strcmp(c->name, "fstat") == 0) {
        if (!gdbp_hex_u64(&p, &a) || a >= MAX_FILES || !d->files[a].used) {
            send_str(d, "F-1,9");
            return;
        }
        uint8_t st[64] = {0};
        put_be(st + 8, d->files[a].mode, 4);
        put_be(st + 12, 1, 4);
        put_be(st + 28, d->files[a].size, 8);
        put_be(st + 36, 4096, 8);
        put_be(st + 44, (d->files[a].size + 511) / 512, 8);
        int h = snprintf(d->payload, 32, "F%x;", 64);
        memcpy(d->payload + h, st, 64);
        send_raw(d, d->payload, (size_t)h + 64);
    } else {
        send_str(d, "");
    }
}

/* ------------------------------------------------------------------ */
/* qXfer objects                                                      */

static void xfer_reply(rep_dbg *d, const char *data, size_t len, uint64_t off,
                       uint64_t want)
{
    if (off >= len) {
        send_str(d, "l");
        return;
    }
    size_t n = len - (size_t)off;
    if (want > MAX_XFER)
        want = MAX_XFER;
    bool last = n <= want;
    if (!last)
        n = (size_t)want;
    d->payload[0] = last ? 'l' : 'm';
    memcpy(d->payload + 1, data + off, n);
    send_raw(d, d->payload, n + 1);
}

/* The auxiliary vector of the debugged process, from its stack as the
 * replay set it up (the recorded values, AT_RANDOM's bytes included). */
static size_t read_auxv(rep_dbg *d, uint8_t *out, size_t cap)
{
    ptask *t = gtask(d);
    size_t n = 0;
    if (!t || !d->auxv_addr)
        return 0;
    while (n + 16 <= cap) {
        uint64_t kv[2];
        if (mem_read(t, d->auxv_addr + n, (uint8_t *)kv, 16) != 16)
            break;
        memcpy(out + n, kv, 16);
        n += 16;
        if (kv[0] == 0)
            break;
    }
    return n;
}

static bool read_u64(ptask *t, uint64_t addr, uint64_t *v)
{
    return mem_read(t, addr, (uint8_t *)v, 8) == 8;
}

/* The dynamic linker's r_debug of the debugged process: from the
 * program's PT_DYNAMIC (found through AT_PHDR) its DT_DEBUG entry. */
static uint64_t find_r_debug(rep_dbg *d, ptask *t)
{
    uint64_t phdr = 0, phnum = 0, kv[2];
    for (uint64_t a = d->auxv_addr; a && a < d->auxv_addr + 16 * 64; a += 16) {
        if (mem_read(t, a, (uint8_t *)kv, 16) != 16 || kv[0] == 0)
            break;
        if (kv[0] == 3)
            phdr = kv[1];
        else if (kv[0] == 5)
            phnum = kv[1];
    }
    uint64_t bias = 0, dyn = 0;
    bool have_bias = false;
    for (uint64_t i = 0; phdr && i < phnum && i < 256; i++) {
        uint8_t ph[56];
        if (mem_read(t, phdr + 56 * i, ph, 56) != 56)
            return 0;
        uint32_t type;
        uint64_t vaddr;
        memcpy(&type, ph, 4);
        memcpy(&vaddr, ph + 16, 8);
        if (type == 6 /* PT_PHDR */)
            bias = phdr - vaddr, have_bias = true;
        else if (type == 2 /* PT_DYNAMIC */)
            dyn = vaddr;
    }
    if (!dyn || !have_bias)
        return 0;
    for (uint64_t a = dyn + bias, n = 0; n < 512; a += 16, n++) {
        if (mem_read(t, a, (uint8_t *)kv, 16) != 16 || kv[0] == 0)
            return 0;
        if (kv[0] == 21 /* DT_DEBUG */)
            return kv[1];
    }
    return 0;
}

/* The shared libraries as the dynamic linker lists them (r_debug's
 * link maps), so that gdb need not walk them through memory reads. */
static void libraries_xml(rep_dbg *d, FILE *f)
{
    ptask *t = gtask(d);
    uint64_t rd = t ? find_r_debug(d, t) : 0, lm = 0;
    if (!rd || !read_u64(t, rd + 8, &lm) || !lm) {
        fputs("<library-list-svr4 version=\"1.0\"/>", f);
        return;
    }
    fprintf(f, "<library-list-svr4 version=\"1.0\" main-lm=\"0x%llx\">",
            (unsigned long long)lm);
    uint64_t prev = 0;
    /* the first entry is the program itself */
    for (int n = 0; lm && n < 4096; n++) {
        uint64_t l[5]; /* l_addr, l_name, l_ld, l_next, l_prev */
        if (mem_read(t, lm, (uint8_t *)l, sizeof(l)) != sizeof(l) ||
            l[4] != prev)
            break;
        char name[PATH_MAX] = "";
        ssize_t k =
            l[1] ? mem_read(t, l[1], (uint8_t *)name, sizeof(name) - 1) : 0;
        name[k > 0 ? (size_t)k : 0] = 0;
        if (n > 0 && name[0]) {
            fputs("<library name=\"", f);
            for (const char *c = name; *c; c++) {
                if (*c == '&')
                    fputs("&amp;", f);
                else if (*c == '<')
                    fputs("&lt;", f);
                else if (*c == '"')
                    fputs("&quot;", f);
                else
                    fputc(*c, f);
            }
            fprintf(f, "\" lm=\"0x%llx\" l_addr=\"0x%llx\" l_ld=\"0x%llx\"/>",
                    (unsigned long long)lm, (unsigned long long)l[0],
                    (unsigned long long)l[2]);
        }
        prev = lm;
        lm = l[3];
    }
    fputs("</library-list-svr4>", f);
}

static void threads_xml(rep_dbg *d, FILE *f)
{
    char id[48];
    fputs("<?xml version=\"1.0\"?>\n<threads>\n", f);
    for (trace_task *b = d->r->tasks; b; b = b->next) {
        if (!debugged(d, (ptask *)b))
            continue;
        /* the name the kernel gave the recorded program's threads (the
         * replayed one runs from a substitute path; prctl(PR_SET_NAME)
         * is replayed, not run, so names set so are not shown) */
        char name[16];
        const char *base = strrchr(d->exe, '/');
        base = base ? base + 1 : d->exe;
        size_t nl = strnlen(base, sizeof(name) - 1);
        memcpy(name, base, nl);
        name[nl] = 0;
        name[strcspn(name, "<>&\"")] = 0;
        fprintf(f, "<thread id=\"%s\" core=\"0\" name=\"%s\"/>\n",
                fmt_tid(d, b->rec_tid, id, sizeof(id)), name);
    }
    fputs("</threads>\n", f);
}

static void do_xfer(rep_dbg *d, const gdbp_cmd *c)
{
    char *text = NULL;
    size_t len = 0;
    if (strcmp(c->object, "features") == 0) {
        if (strcmp(c->annex, "target.xml") != 0) {
            send_str(d, "E00");
            return;
        }
        text = tdesc(d, &len);
    } else if (strcmp(c->object, "exec-file") == 0) {
        text = strdup(d->exe);
        len = text ? strlen(text) : 0;
    } else if (strcmp(c->object, "auxv") == 0) {
        uint8_t buf[16 * RRT_EV_MAX_AUXV + 16];
        len = read_auxv(d, buf, sizeof(buf));
        if ((text = malloc(len + 1)))
            memcpy(text, buf, len);
    } else if (strcmp(c->object, "libraries-svr4") == 0) {
        FILE *f = open_memstream(&text, &len);
        if (f) {
            libraries_xml(d, f);
            fclose(f);
        }
    } else if (strcmp(c->object, "threads") == 0) {
        FILE *f = open_memstream(&text, &len);
        if (f) {
            threads_xml(d, f);
            fclose(f);
        }
    } else {
        send_str(d, "");
        return;
    }
    if (!text) {
        send_str(d, "E01");
        return;
    }
    xfer_reply(d, text, len, c->addr, c->len);
    free(text);
}

/* ------------------------------------------------------------------ */
/* Requests                                                           */

static void do_supported(rep_dbg *d, const char *args)
{
    d->multiprocess = strstr(args, "multiprocess+") != NULL;
    d->swbreak = strstr(args, "swbreak+") != NULL;
    d->hwbreak = strstr(args, "hwbreak+") != NULL;
    d->exec_events = strstr(args, "exec-events+") != NULL;
    d->fork_events = d->multiprocess && strstr(args, "fork-events+") != NULL;
    send_fmt(d,
             "PacketSize=%x;QStartNoAckMode+;qXfer:features:read+;"
             "qXfer:exec-file:read+;qXfer:auxv:read+;qXfer:threads:read+;"
             "qXfer:libraries-svr4:read+;"
             "QPassSignals+;vContSupported+;QThreadEvents+;"
             "ReverseContinue+;ReverseStep+;%s%s%s%s%s",
             GDBP_MAX_PACKET, d->multiprocess ? "multiprocess+;" : "",
             d->swbreak ? "swbreak+;" : "", d->hwbreak ? "hwbreak+;" : "",
             d->exec_events ? "exec-events+;" : "",
             d->fork_events ? "fork-events+;" : "");
}

static void do_pass_signals(rep_dbg *d, const char *args)
{
    memset(d->nostop, 0, sizeof(d->nostop));
    const char *p = args;
    uint64_t v;
    while (*p && gdbp_hex_u64(&p, &v)) {
        int s = linux_signal((int)v);
        if (s > 0 && s <= 64)
            d->nostop[s] = true;
        if (*p == ';')
            p++;
    }
    send_str(d, "OK");
}

static void thread_list(rep_dbg *d, bool first)
{
    if (!first) {
        send_str(d, "l");
        return;
    }
    char *o = d->payload, id[48];
    size_t n = 0;
    o[n++] = 'm';
    for (trace_task *b = d->r->tasks; b; b = b->next) {
        if (!debugged(d, (ptask *)b) || n + 50 > GDBP_MAX_PACKET)
            continue;
        n += (size_t)snprintf(o + n, 50, "%s%s", n > 1 ? "," : "",
                              fmt_tid(d, b->rec_tid, id, sizeof(id)));
    }
    send_raw(d, o, n);
}

static void do_query(rep_dbg *d, const gdbp_cmd *c)
{
    char id[48];
    if (strcmp(c->name, "Supported") == 0)
        do_supported(d, c->args);
    else if (strcmp(c->name, "fThreadInfo") == 0)
        thread_list(d, true);
    else if (strcmp(c->name, "sThreadInfo") == 0)
        thread_list(d, false);
    else if (strcmp(c->name, "C") == 0)
        send_fmt(d, "QC%s", fmt_tid(d, d->cur, id, sizeof(id)));
    else if (strcmp(c->name, "Attached") == 0)
        send_str(d, "0"); /* gdb kills the replay when it quits */
    else if (strcmp(c->name, "Symbol") == 0)
        send_str(d, "OK");
    else
        send_str(d, "");
}

static void do_set(rep_dbg *d, const gdbp_cmd *c)
{
    if (strcmp(c->name, "StartNoAckMode") == 0) {
        send_str(d, "OK");
        d->noack = true;
    } else if (strcmp(c->name, "PassSignals") == 0) {
        do_pass_signals(d, c->args);
    } else if (strcmp(c->name, "ThreadEvents") == 0 ||
               strcmp(c->name, "ProgramSignals") == 0 ||
               strcmp(c->name, "NonStop") == 0) {
        /* all-stop only; program signals are delivered as recorded */
        send_str(d, strcmp(c->name, "NonStop") == 0 && c->args[0] == '1'
                        ? "E01"
                        : "OK");
    } else {
        send_str(d, "");
    }
}

static void do_read_regs(rep_dbg *d, int reg)
{
    ptask *t = gtask(d);
    uint8_t img[MAX_REG_BYTES];
    regset s;
    unsigned n = nregs(d);
    if (!t || !regs_get(d, t, &s, img) || (reg >= 0 && (unsigned)reg >= n)) {
        free(s.x);
        send_str(d, "E01");
        return;
    }
    free(s.x);
    if (reg >= 0) {
        gdbp_hex_encode(img + reg_off((unsigned)reg), reg_size((unsigned)reg),
                        d->payload);
        send_raw(d, d->payload, 2 * reg_size((unsigned)reg));
        return;
    }
    size_t len = reg_off(n);
    gdbp_hex_encode(img, len, d->payload);
    send_raw(d, d->payload, 2 * len);
}

static void do_write_regs(rep_dbg *d, const gdbp_cmd *c, int reg)
{
    ptask *t = gtask(d);
    uint8_t img[MAX_REG_BYTES];
    regset s;
    unsigned n = nregs(d);
    bool ok = t && regs_get(d, t, &s, img);
    if (ok && reg < 0 && c->ndata == reg_off(n))
        memcpy(img, c->data, c->ndata);
    else if (ok && reg >= 0 && (unsigned)reg < n &&
             c->ndata == reg_size((unsigned)reg))
        memcpy(img + reg_off((unsigned)reg), c->data, c->ndata);
    else
        ok = false;
    ok = ok && regs_put(d, t, &s, img);
    if (t)
        free(s.x);
    d->dirty |= ok;
    send_str(d, ok ? "OK" : "E01");
}

static void do_mem(rep_dbg *d, const gdbp_cmd *c, bool write)
{
    ptask *t = gtask(d);
    if (!t) {
        send_str(d, "E01");
        return;
    }
    if (write) {
        bool ok = c->ndata == 0 || pwrite(t->base.memfd, c->data, c->ndata,
                                          (off_t)c->addr) == (ssize_t)c->ndata;
        d->dirty |= ok && c->ndata;
        send_str(d, ok ? "OK" : "E01");
        return;
    }
    size_t want = c->len < MAX_XFER ? (size_t)c->len : MAX_XFER;
    uint8_t buf[MAX_XFER];
    ssize_t got = want ? mem_read(t, c->addr, buf, want) : 0;
    if (got < 0) {
        send_str(d, "E01");
        return;
    }
    gdbp_hex_encode(buf, (size_t)got, d->payload);
    send_raw(d, d->payload, 2 * (size_t)got);
}

static void do_bp(rep_dbg *d, const gdbp_cmd *c, bool insert)
{
    bool ok = false;
    ptask *g = gtask(d);
    if (g && !debugged(d, g)) {
        /* the fork child before gdb detaches it: our breakpoints were
         * never in its memory (they come out before a fork) */
        send_str(d, "OK");
        return;
    }
    if (c->bp_type == 0) {
        ptask *t = gtask(d);
        uint8_t byte;
        if (insert && t && mem_read(t, c->addr, &byte, 1) == 1) {
            dbg_bp *n = rrtx_grow(d->bps, &d->capbps, d->nbps + 1, sizeof(*n));
            if (n) {
                d->bps = n;
                d->bps[d->nbps++] = (dbg_bp){c->addr, 0, false};
                ok = true;
            }
        } else if (!insert) {
            for (size_t i = d->nbps; i-- > 0 && !ok;)
                if (d->bps[i].addr == c->addr) {
                    d->bps[i] = d->bps[--d->nbps];
                    ok = true;
                }
            ok = true; /* removing what is not there is not an error */
        }
    } else if (c->bp_type == 3) {
        send_str(d, ""); /* x86 has no read-only watchpoints */
        return;
    } else {
        ok = insert ? insert_wp(d, c->bp_type, c->addr, c->len)
                    : (remove_wp(d, c->bp_type, c->addr, c->len), true);
    }
    send_str(d, ok ? "OK" : "E01");
}

/* t is of the fork child gdb was told of and has not detached yet. */
static bool in_child(rep_dbg *d, ptask *t)
{
    dbg_task *x = d->child_tgid ? dtask(d, t->base.tid) : NULL;
    return x && x->tgid == d->child_tgid;
}

static bool tid_ok(rep_dbg *d, const gdbp_tid *id, uint32_t *rec)
{
    if (id->tid <= 0) {
        *rec = 0;
        return true;
    }
    ptask *t = task_rec(d, (uint32_t)id->tid);
    *rec = (uint32_t)id->tid;
    return t && (debugged(d, t) || in_child(d, t));
}

/* A resume request: which thread steps (at most one, in all-stop). */
static void set_resume(rep_dbg *d, const gdbp_cmd *c)
{
    d->stepping = false;
    d->step_issued = d->step_after_syscall = false;
    for (size_t i = 0; i < c->nactions; i++) {
        const gdbp_action *a = &c->actions[i];
        if (a->op != 's' && a->op != 'S')
            continue;
        uint32_t rec = d->cur;
        if (a->has_tid && a->tid.tid > 0)
            rec = (uint32_t)a->tid.tid;
        else if (!a->has_tid && d->gthr)
            rec = d->gthr;
        d->stepping = true;
        d->step_rec = rec;
        break;
    }
}

static void end_replay(rep_dbg *d, const char *why)
{
    d->active = false;
    rep_failed(d->r, RRT_E_IO, "%s", why);
    for (trace_task *x = d->r->tasks; x; x = x->next)
        kill(x->tid, SIGKILL);
}

static void detach(rep_dbg *d)
{
    remove_bps(d);
    d->nbps = 0;
    clear_all_drs(d);
    d->stepping = false;
    d->active = false;
    d->o->detached = true;
}

/* "D;PID" after a fork: gdb lets go of the child (it stays with the
 * parent), or of the parent (it follows the child, which becomes the
 * debugged process). True when handled so. */
static bool detach_one(rep_dbg *d, const char *pkt, size_t n)
{
    const char *p = pkt + 2;
    uint64_t pid;
    if (!d->child_tgid || n < 3 || pkt[1] != ';' || !gdbp_hex_u64(&p, &pid))
        return false;
    ptask *c = task_rec(d, d->reported_child);
    if (pid == d->reported_child) {
        d->child_tgid = 0; /* it runs on as recorded, undebugged */
    } else if (pid == rec_pid(d) && c) {
        remove_bps(d);
        clear_all_drs(d);
        d->nbps = 0;
        d->tgid = d->child_tgid;
        d->child_tgid = 0;
        d->pid = d->reported_child;
        d->cur = d->reported_child;
        d->gthr = 0;
        d->stepping = false;
    } else {
        return false;
    }
    send_str(d, "OK");
    return true;
}

/* qRcmd,HEX: a `monitor` command (reverse.c). */
static srv_result monitor(rep_dbg *d, const char *hex, size_t n)
{
    char cmd[256];
    if (n % 2 || n / 2 >= sizeof(cmd) || !gdbp_hex_decode(hex, n / 2, cmd)) {
        send_str(d, "E01");
        return SRV_RESUME;
    }
    cmd[n / 2] = 0;
    return rev_monitor(d, cmd);
}

/* Serves gdb until it resumes the program (SRV_RESUME) or goes away. */
static srv_result serve(rep_dbg *d)
{
    gdbp_cmd *c = d->cmd;
    for (;;) {
        gdbp_kind k = next_item(d, true);
        if (k == GDBP_ERROR && d->proc_exited) {
            /* gdb hung up after a followed child's exit: the rest of
             * the recording replays on, without it */
            detach(d);
            return SRV_END;
        }
        if (k == GDBP_ERROR) {
            end_replay(d, "the gdb connection closed");
            return SRV_END;
        }
        if (k != GDBP_PACKET)
            continue; /* Ctrl-C while stopped: nothing to interrupt */
        if (d->p.len == 2 && d->p.buf[0] == 'b' &&
            (d->p.buf[1] == 'c' || d->p.buf[1] == 's')) {
            if (rev_request(d, d->p.buf[1]) == SRV_END)
                return SRV_END;
            continue;
        }
        if (d->p.len > 6 && memcmp(d->p.buf, "qRcmd,", 6) == 0) {
            if (monitor(d, d->p.buf + 6, d->p.len - 6) == SRV_END)
                return SRV_END;
            continue;
        }
        gdbp_decode(d->p.buf, d->p.len, c);
        uint32_t rec;
        switch (c->kind) {
        case GDBP_C_STOP_REASON:
            send_str(d, d->stopmsg);
            break;
        case GDBP_C_READ_REGS:
            do_read_regs(d, -1);
            break;
        case GDBP_C_READ_REG:
            do_read_regs(d, (int)c->reg);
            break;
        case GDBP_C_WRITE_REGS:
            do_write_regs(d, c, -1);
            break;
        case GDBP_C_WRITE_REG:
            do_write_regs(d, c, (int)c->reg);
            break;
        case GDBP_C_READ_MEM:
            do_mem(d, c, false);
            break;
        case GDBP_C_WRITE_MEM:
            do_mem(d, c, true);
            break;
        case GDBP_C_INSERT_BP:
        case GDBP_C_REMOVE_BP:
            do_bp(d, c, c->kind == GDBP_C_INSERT_BP);
            break;
        case GDBP_C_SET_THREAD:
            if (!tid_ok(d, &c->tid, &rec)) {
                send_str(d, "E01");
                break;
            }
            if (c->op == 'g')
                d->gthr = rec;
            send_str(d, "OK");
            break;
        case GDBP_C_THREAD_ALIVE:
            send_str(d, tid_ok(d, &c->tid, &rec) ? "OK" : "E01");
            break;
        case GDBP_C_VCONT_QUERY:
            send_str(d, "vCont;c;C;s;S");
            break;
        case GDBP_C_RESUME:
            if (d->ended) {
                /* the replay cannot go on: the same stop again */
                console(d, "rrt: the replay cannot continue past this "
                           "point\n");
                send_str(d, d->stopmsg);
                break;
            }
            set_resume(d, c);
            rev_resumed(d);
            d->resume_pending = true;
            return SRV_RESUME;
        case GDBP_C_DETACH:
            if (detach_one(d, d->p.buf, d->p.len))
                break; /* one of a fork's two processes */
            send_str(d, "OK");
            detach(d);
            return SRV_END;
        case GDBP_C_KILL:
            send_str(d, "OK");
            d->o->killed = true;
            end_replay(d, "gdb killed the replay");
            return SRV_END;
        case GDBP_C_QUERY:
            do_query(d, c);
            break;
        case GDBP_C_SET:
            do_set(d, c);
            break;
        case GDBP_C_XFER_READ:
            do_xfer(d, c);
            break;
        case GDBP_C_VFILE:
            do_vfile(d, c);
            break;
        case GDBP_C_BAD:
            send_str(d, "E01");
            break;
        default:
            send_str(d, "");
            break;
        }
        if (!d->active) {
            end_replay(d, "the gdb connection closed");
            return SRV_END;
        }
    }
}

/* Tells gdb the program stopped (reply: "T.." without the thread), then
 * serves it. */
static srv_result stop_at(rep_dbg *d, ptask *t, int sig, const char *extra)
{
    char id[48];
    remove_bps(d); /* gdb sees and changes the program's own bytes */
    d->cur = t ? t->base.rec_tid : d->cur;
    d->gthr = 0;
    d->stepping = false;
    snprintf(d->stopmsg, sizeof(d->stopmsg), "T%02xthread:%s;%s",
             gdb_signal(sig), fmt_tid(d, d->cur, id, sizeof(id)),
             extra ? extra : "");
    d->started = true;
    if (d->resume_pending) {
        d->resume_pending = false;
        send_str(d, d->stopmsg);
    }
    return serve(d);
}

srv_result rep_dbg_stop_at(rep_dbg *d, ptask *t, int sig, const char *extra)
{
    return stop_at(d, t, sig, extra);
}

void rep_dbg_console(rep_dbg *d, const char *text)
{
    console(d, text);
}

bool rep_dbg_send(rep_dbg *d, const char *s)
{
    return send_str(d, s);
}

void rep_dbg_remove_bps(rep_dbg *d)
{
    remove_bps(d);
}

ptask *rep_dbg_task_rec(rep_dbg *d, uint32_t rec)
{
    return task_rec(d, rec);
}

void rep_dbg_restart(rep_dbg *d)
{
    remove_bps(d);
    rep_failed(d->r, RRT_E_IO, "re-running for reverse execution");
    for (trace_task *x = d->r->tasks; x; x = x->next)
        kill(x->tid, SIGKILL);
}

/* ------------------------------------------------------------------ */
/* The replayer's stop points (replayi.h)                             */

bool rep_dbg_open(replayer *r)
{
    rep_gdb *o = r->o->gdb;
    rep_dbg *d = calloc(1, sizeof(*d));
    if (!d || !(d->reply = malloc(2 * GDBP_MAX_PACKET + 8)) ||
        !(d->payload = malloc(GDBP_MAX_PACKET + 1)) ||
        !(d->cmd = malloc(sizeof(*d->cmd)))) {
        if (d) {
            free(d->reply);
            free(d->payload);
        }
        free(d);
        return rep_failed(r, RRT_E_NOMEM, "out of memory");
    }
    d->r = r;
    d->o = o;
    d->in = o->in_fd;
    d->out = o->out_fd;
    d->active = true;
    d->bps_memfd = -1;
    if (!rev_open(d) || !rep_ckpt_open(d)) {
        rev_free(d);
        free(d->reply);
        free(d->payload);
        free(d->cmd);
        free(d);
        return rep_failed(r, RRT_E_NOMEM, "out of memory");
    }
    gdbp_init(&d->p);
    snprintf(d->stopmsg, sizeof(d->stopmsg), "S05");
    r->dbg = d;
    return true;
}

uint64_t rep_dbg_hush(replayer *r)
{
    return rev_hush(r->dbg);
}

rep_dbg *rep_dbg_take(replayer *r)
{
    rep_dbg *d = r->dbg;
    if (!d || !d->active || !rev_restarting(d))
        return NULL;
    remove_bps(d);
    r->dbg = NULL;
    return d;
}

void rep_dbg_attach(replayer *r, rep_dbg *d)
{
    /* what belonged to the old tracees; the connection, gdb's
     * breakpoints and the recorded ids stay */
    d->r = r;
    r->dbg = d;
    rev_attached(d);
    d->ntasks = 0;
    d->bps_memfd = -1;
    for (size_t i = 0; i < d->nbps; i++)
        d->bps[i].inserted = false;
    d->dr_gen++;
    d->exec_seen = false;
    d->exec_rec = 0;
    d->auxv_addr = 0;
    d->tgid = d->root_tgid = 0;
    d->fork_parent = d->fork_child = d->reported_child = 0;
    d->child_tgid = 0;
    d->proc_exited = d->ended = false;
    d->since = d->polls = 0;
    d->step_issued = d->step_after_syscall = d->over_step = false;
}

void rep_dbg_close(replayer *r)
{
    rep_dbg *d = r->dbg;
    if (!d)
        return;
    remove_bps(d);
    for (int i = 0; i < MAX_FILES; i++)
        if (d->files[i].used && d->files[i].fd >= 0)
            close(d->files[i].fd);
    rev_free(d);
    rep_ckpt_free(d);
    free(d->bps);
    free(d->tasks);
    free(d->reply);
    free(d->payload);
    free(d->cmd);
    free(d);
    r->dbg = NULL;
}

/* The auxiliary vector's address from a task just out of execve: above
 * argc, argv and envp on its stack. */
static uint64_t find_auxv(ptask *t)
{
    struct user_regs_struct g;
    uint64_t sp, v = 0, n = 0;
    if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) != 0)
        return 0;
    sp = g.rsp;
    if (!trace_mem_read(t->base.memfd, sp, &v, 8))
        return 0;
    sp += 8 * (v + 2); /* argc, argv[], NULL */
    do {
        if (!trace_mem_read(t->base.memfd, sp, &v, 8) || ++n > 65536)
            return 0;
        sp += 8;
    } while (v);
    return sp;
}

/* An EXEC event of the debugged process: the new program's path. */
static void note_exec(rep_dbg *d, const rrt_event *ev)
{
    rrt_ev_any any;
    rrt_error err;
    if (rrt_ev_decode_any(ev->type, ev->data, ev->len, &any, &err) != RRT_OK)
        return;
    ptask *t = task_rec(d, any.u.exec.tid);
    if (t && (!d->exec_seen || debugged(d, t))) {
        rrt_file_entry f = {0};
        if (rrt_reader_file(d->r->rd, (size_t)any.u.exec.exe_file, &f, &err) ==
            RRT_OK)
            snprintf(d->exe, sizeof(d->exe), "%s", f.path);
        rrt_file_entry_clear(&f);
        d->exec_rec = any.u.exec.tid;
        if (!d->exec_seen)
            d->tgid = d->root_tgid = t->base.tid; /* the root's pid */
    }
    rrt_ev_any_clear(&any);
}

/* The task an event is about (a CLONE: its parent). */
static uint32_t event_task(const rrt_event *ev)
{
    rrt_cursor c;
    rrt_cursor_init(&c, ev->data, ev->len);
    uint64_t v = rrt_cursor_varint(&c);
    return c.failed || v > UINT32_MAX ? 0 : (uint32_t)v;
}

/* Events whose replay maps, patches or copies code, or injects calls:
 * our int3s come out first (insert_bps puts them back at the next resume
 * into user code). */
static bool changes_code(const rrt_event *ev)
{
    if (ev->type != RRT_EV_SYSCALL)
        return ev->type != RRT_EV_RDTSC && ev->type != RRT_EV_CPUID &&
               ev->type != RRT_EV_XGETBV;
    rrt_cursor c;
    rrt_cursor_init(&c, ev->data, ev->len);
    rrt_cursor_varint(&c);
    uint64_t nr = rrt_cursor_varint(&c);
    switch (nr) {
    case 9:   /* mmap */
    case 10:  /* mprotect */
    case 11:  /* munmap */
    case 12:  /* brk */
    case 25:  /* mremap */
    case 30:  /* shmat */
    case 56:  /* clone */
    case 57:  /* fork */
    case 58:  /* vfork */
    case 59:  /* execve */
    case 322: /* execveat */
    case 435: /* clone3 */
        return true;
    default:
        return c.failed;
    }
}

static bool is_fork_call(const rrt_event *ev)
{
    if (ev->type != RRT_EV_SYSCALL)
        return false;
    rrt_cursor c;
    rrt_cursor_init(&c, ev->data, ev->len);
    rrt_cursor_varint(&c);
    uint64_t nr = rrt_cursor_varint(&c);
    return !c.failed && (nr == 56 || nr == 57);
}

/* A fork of the debugged process (its CLONE or its call, whichever comes
 * first), or the exit of a followed child's process. */
static void note_fork_exit(rep_dbg *d, const rrt_event *ev)
{
    rrt_ev_any a;
    rrt_error err;
    if (rrt_ev_decode_any(ev->type, ev->data, ev->len, &a, &err) != RRT_OK)
        return;
    uint32_t parent = 0, child = 0;
    if (a.type == RRT_EV_CLONE && !(a.u.clone.flags & 0x100 /* CLONE_VM */)) {
        parent = a.u.clone.parent, child = a.u.clone.child;
    } else if (a.type == RRT_EV_SYSCALL && a.u.syscall.ret > 0 &&
               (a.u.syscall.nr == 57 || !(a.u.syscall.args[0] & 0x100))) {
        parent = a.u.syscall.tid, child = (uint32_t)a.u.syscall.ret;
    } else if (a.type == RRT_EV_EXIT) {
        ptask *t = task_rec(d, a.u.exit.tid);
        if (t && t->base.tid == d->tgid && d->tgid != d->root_tgid) {
            /* a followed child's process ends (its leader's end) */
            snprintf(d->stopmsg, sizeof(d->stopmsg), "%c%02x;process:%x",
                     a.u.exit.killed ? 'X' : 'W',
                     a.u.exit.killed ? gdb_signal((int)a.u.exit.code)
                                     : (int)a.u.exit.code & 0xff,
                     rec_pid(d));
            d->proc_exited = d->ended = true;
            if (d->resume_pending)
                send_str(d, d->stopmsg);
            d->resume_pending = false;
        }
    }
    ptask *p = task_rec(d, parent);
    if (child && child != d->reported_child && p && debugged(d, p) &&
        d->fork_events) {
        d->fork_parent = parent;
        d->fork_child = child;
    }
    rrt_ev_any_clear(&a);
}

/* The fork noted at the previous event has happened: gdb hears of it. */
static srv_result report_fork(rep_dbg *d)
{
    ptask *p = task_rec(d, d->fork_parent), *c = task_rec(d, d->fork_child);
    d->reported_child = d->fork_child;
    d->fork_child = 0;
    dbg_task *x = c ? dtask(d, c->base.tid) : NULL;
    if (!p || !x || !debugged(d, p) || x->tgid == d->tgid)
        return SRV_RESUME;
    d->child_tgid = x->tgid;
    char extra[64];
    snprintf(extra, sizeof(extra), "fork:p%x.%x;", d->reported_child,
             d->reported_child);
    d->resume_pending = true; /* gdb is running the program */
    return stop_at(d, p, SIGTRAP, extra);
}

bool rep_dbg_event(replayer *r, const rrt_event *ev)
{
    rep_dbg *d = r->dbg;
    if (!d->active)
        return true;
    d->since = 0;
    rev_event(d, r->index);
    if (d->exec_rec) {
        /* the EXEC before this event is applied: the stack is fresh */
        ptask *t = task_rec(d, d->exec_rec);
        bool first = !d->exec_seen;
        d->exec_seen = true;
        d->exec_rec = 0;
        if (t && debugged(d, t)) {
            d->auxv_addr = find_auxv(t);
            if (!first) {
                /* a new program: gdb sets its breakpoints again (and
                 * never removes those of the old one) */
                remove_bps(d);
                d->nbps = 0;
                clear_all_drs(d);
            }
            if (!first && d->exec_events && d->started && !rev_silent(d)) {
                char extra[2 * PATH_MAX + 16];
                size_t n = strlen(d->exe);
                memcpy(extra, "exec:", 5);
                gdbp_hex_encode(d->exe, n, extra + 5);
                memcpy(extra + 5 + 2 * n, ";", 2);
                d->resume_pending = true; /* gdb is running the program */
                if (stop_at(d, t, SIGTRAP, extra) == SRV_END)
                    return d->o->detached;
            }
        }
    }
    if (d->fork_child && rev_silent(d))
        d->fork_child = 0; /* gdb heard of it the first time */
    if (d->fork_child && report_fork(d) == SRV_END)
        return d->o->detached;
    if (d->bps_memfd >= 0 && changes_code(ev))
        remove_bps(d);
    if (ev->type == RRT_EV_EXEC)
        note_exec(d, ev);
    if (d->started && (ev->type == RRT_EV_CLONE || ev->type == RRT_EV_EXIT ||
                       is_fork_call(ev)))
        note_fork_exit(d, ev);
    if (d->proc_exited)
        return serve(d) == SRV_RESUME || d->o->detached;
    if (rev_silent(d)) {
        ptask *t = task_rec(d, event_task(ev));
        if (!t || !debugged(d, t))
            t = gtask(d);
        return rev_event_stop(d, t) == SRV_RESUME || d->o->detached;
    }
    bool halt = false;
    int sig = SIGTRAP;
    if (!d->started)
        halt = d->exec_seen && r->index >= d->o->stop_at;
    else if (d->resume_pending && (++d->polls & 31) == 0 &&
             next_item(d, false) == GDBP_INTERRUPT)
        halt = true, sig = SIGINT; /* Ctrl-C: looked for every 32 events,
                                    * a poll per event costs 8% */
    if (!halt || !d->active)
        return d->active || d->o->detached;
    ptask *t = task_rec(d, event_task(ev));
    if (!t || !debugged(d, t))
        t = gtask(d);
    return rev_live_stop(d, t, sig, NULL) == SRV_RESUME || d->o->detached;
}

int rep_dbg_resume(replayer *r, ptask *t, int req)
{
    rep_dbg *d = r->dbg;
    if (!d->active)
        return req;
    if (t->in_syscall) {
        /* from an entry stop the call runs: a fork must not copy our
         * int3s, an exec leaves nothing to restore them in */
        if (d->bps_memfd >= 0 && forks_or_execs(t))
            remove_bps(d);
        return req;
    }
    if (!d->nbps && !d->any_wp && !d->stepping && !d->dr_gen)
        return req;
    if (!debugged(d, t))
        return req;
    dbg_task *x = dtask(d, t->base.tid);
    if (x && x->dr_gen != d->dr_gen && set_drs(d, t->base.tid))
        x->dr_gen = d->dr_gen;
    if (!t->sysemu) {
        /* backed up over `syscall` to run it for real (reenter): no user
         * code runs, and a fork must not copy our int3s */
        remove_bps(d);
        return req;
    }
    bool mine = d->stepping && d->step_rec == t->base.rec_tid;
    if (mine && d->step_after_syscall) {
        /* the step over a system call ends back in user code */
        d->since++;
        d->step_after_syscall = false;
        struct user_regs_struct g;
        rev_hit h = {t->base.rec_tid, 0, UINT64_MAX, -1, true};
        if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) == 0)
            h.rip = g.rip;
        if (rev_stop(d, t, &h, NULL) == SRV_END || !d->active)
            return req;
        mine = d->stepping && d->step_rec == t->base.rec_tid;
    }
    uint64_t skip = UINT64_MAX; /* no address: insert them all */
    if (!mine && !t->skipped && rev_silent(d) && d->nbps) {
        /* a re-run continues from one of its breakpoints: over it first
         * (gdb does so itself in a live session) */
        struct user_regs_struct g;
        if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) == 0 &&
            bp_at(d, g.rip)) {
            remove_bps(d);
            insert_bps(d, t, g.rip);
            d->step_issued = true;
            d->over_step = true;
            return PTRACE_SYSEMU_SINGLESTEP;
        }
    }
    if (mine && !t->skipped) {
        /* SYSEMU's step: a `syscall` stops at its entry, never runs */
        d->step_issued = true;
        req = PTRACE_SYSEMU_SINGLESTEP;
        struct user_regs_struct g;
        if (d->nbps && ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) == 0) {
            skip = g.rip;
            remove_bps(d); /* in again, without the one at rip */
        }
    }
    if (d->nbps)
        insert_bps(d, t, skip);
    return req;
}

bool rep_dbg_stopped(replayer *r, ptask *t, stop *s)
{
    rep_dbg *d = r->dbg;
    if (!WIFSTOPPED(s->status))
        remove_bps(d); /* a task died: maybe its process */
    bool issued = d->step_issued;
    d->step_issued = false;
    bool over = d->over_step;
    d->over_step = false;
    if (over)
        remove_bps(d); /* all of them in again at the next resume */
    if (issued && !over && WIFSTOPPED(s->status) && s->sig == (SIGTRAP | 0x80))
        d->step_after_syscall = true; /* stepped onto `syscall` */
    if (!d->active || !WIFSTOPPED(s->status) || s->sig != SIGTRAP ||
        (s->status >> 16))
        return false;
    if (!debugged(d, t))
        return false;
    errno = 0;
    long dr6 = ptrace(PTRACE_PEEKUSER, t->base.tid, (void *)DR_OFF(6), NULL);
    if (errno)
        dr6 = 0;
    char extra[64] = "";
    bool ours = false;
    rev_hit h = {t->base.rec_tid, s->regs.rip, UINT64_MAX, -1, false};
    if (dr6 & 0xf) {
        for (unsigned i = 0; i < 4; i++) {
            const dbg_wp *w = &d->wp[i];
            if (!((dr6 >> i) & 1) || !w->used)
                continue;
            ours = true;
            h.wslot = (int)i;
            if (w->type == 1)
                snprintf(extra, sizeof(extra), "%s",
                         d->hwbreak ? "hwbreak:;" : "");
            else
                snprintf(extra, sizeof(extra), "%s:%llx;",
                         w->type == 2 ? "watch" : "awatch",
                         (unsigned long long)w->addr);
            break;
        }
    }
    bool step_trap = (dr6 & 0x4000) != 0;
    if (issued && !step_trap && !(dr6 & 0xf)) {
        /* DR6.BS is sometimes lost (seen once in ~10^5 steps under a
         * hypervisor); the signal's code still says a debug exception
         * (TRAP_BRKPT/TRAP_TRACE), where an int3 says SI_KERNEL */
        siginfo_t si;
        step_trap = ptrace(PTRACE_GETSIGINFO, t->base.tid, NULL, &si) == 0 &&
                    (si.si_code == 1 || si.si_code == 2);
    }
    if (over && !ours && step_trap) {
        /* a re-run's step over its breakpoint: not a stop, unless it
         * lands on another one, whose int3 would trap next */
        ptrace(PTRACE_POKEUSER, t->base.tid, (void *)DR_OFF(6), (void *)0);
        if (!bp_at(d, s->regs.rip))
            return true;
        ours = true;
        h.bp = s->regs.rip;
        snprintf(extra, sizeof(extra), "%s", d->swbreak ? "swbreak:;" : "");
        dr6 = 0;
    }
    h.stepped = issued && !over && step_trap;
    if (!ours && h.stepped)
        ours = true; /* the single step gdb asked for */
    if (!ours && bp_in_at(d, s->regs.rip - 1)) {
        /* an int3 of ours: the pc goes back to the breakpoint */
        ours = true;
        {
            s->regs.rip--;
            h.rip = h.bp = s->regs.rip;
            ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs);
            snprintf(extra, sizeof(extra), "%s", d->swbreak ? "swbreak:;" : "");
        }
    }
    if (!ours)
        return false; /* the program's own SIGTRAP, as recorded */
    if (dr6)
        ptrace(PTRACE_POKEUSER, t->base.tid, (void *)DR_OFF(6), (void *)0);
    d->since++;
    /* gdb ended the replay (end_replay): the replayer then fails at
     * this SIGTRAP, after the reason it already has */
    return rev_stop(d, t, &h, extra) == SRV_RESUME || d->o->detached;
}

void rep_dbg_signal(replayer *r, ptask *t, int sig)
{
    rep_dbg *d = r->dbg;
    if (!d->active || !debugged(d, t) ||
        (sig > 0 && sig <= 64 && d->nostop[sig]))
        return;
    if (rev_signal(d, t, sig) == SRV_END && !d->o->detached &&
        !rev_restarting(d))
        rep_failed(r, RRT_E_IO, "gdb ended the replay");
}

void rep_dbg_end(replayer *r, bool replayed)
{
    rep_dbg *d = r->dbg;
    if (!d->active || rev_restarting(d))
        return;
    if (rev_end(d))
        return; /* a re-run follows */
    char msg[2048];
    if (replayed) {
        snprintf(d->stopmsg, sizeof(d->stopmsg), "%c%02x",
                 r->exit_code >= 128 ? 'X' : 'W',
                 r->exit_code >= 128 ? gdb_signal(r->exit_code - 128)
                                     : r->exit_code);
        if (d->multiprocess) {
            size_t n = strlen(d->stopmsg);
            snprintf(d->stopmsg + n, sizeof(d->stopmsg) - n, ";process:%x",
                     rec_pid(d));
        }
        if (d->resume_pending)
            send_str(d, d->stopmsg);
        d->resume_pending = false;
        /* gdb hangs up after the exit; serve what it asks until then */
        d->ended = true;
        d->started = true;
        serve(d);
        return;
    }
    if (r->diverged)
        snprintf(msg, sizeof(msg),
                 "rrt: the replay diverged at event %llu (task %u): %s%s%s%s%s"
                 "%s\n",
                 (unsigned long long)r->div.event, r->div.task, r->div.what,
                 r->div.expected[0] ? ": expected " : "", r->div.expected,
                 r->div.expected[0] ? ", found " : "", r->div.found,
                 d->dirty ? " (after gdb changed registers or memory, "
                            "which the recording knows nothing of)"
                          : "");
    else
        snprintf(msg, sizeof(msg), "rrt: the replay stopped: %s\n",
                 r->err.message);
    if (d->resume_pending)
        console(d, msg); /* gdb is waiting: it prints this */
    else
        rep_notify(r, REP_NOTE_WARNING, msg);
    d->ended = true;
    ptask *t = task_rec(d, r->div.task);
    if (!t || !debugged(d, t))
        t = gtask(d);
    stop_at(d, t, SIGTRAP, NULL);
}

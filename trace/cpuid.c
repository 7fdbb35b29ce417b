/* CPUID trapping: CPUID faulting where the kernel offers it, else CPUID
 * instructions found by disassembly and patched to UD2; XGETBV, which
 * cannot fault, patched the same way in both modes; and the register
 * effects of the trapped instructions (CPUID, XGETBV, RDTSC) both engines
 * emulate. */
#include <capstone/capstone.h>
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rrt/cpufeat.h>

#include "rrtx.h"
#include "trace.h"

#ifndef ARCH_SET_CPUID
#define ARCH_SET_CPUID 0x1012
#endif

/* ------------------------------------------------------------------ */
/* CPUID                                                              */

bool trace_cpuid_mode_parse(const char *s, trace_cpuid_mode *m)
{
    if (!strcmp(s, "auto"))
        *m = TRACE_CPUID_AUTO;
    else if (!strcmp(s, "fault"))
        *m = TRACE_CPUID_FAULT;
    else if (!strcmp(s, "patch"))
        *m = TRACE_CPUID_PATCH;
    else
        return false;
    return true;
}

trace_cpuid_mode trace_cpuid_mode_resolve(trace_cpuid_mode m)
{
    if (m != TRACE_CPUID_AUTO)
        return m;
    return rrt_cpuid_host_has_faulting() ? TRACE_CPUID_FAULT
                                         : TRACE_CPUID_PATCH;
}

bool trace_cpuid_arm_fault(pid_t pid, int memfd)
{
    uint64_t args[2] = {ARCH_SET_CPUID, 0};
    long ret;
    return trace_inject_syscall(pid, memfd, SYS_arch_prctl, args, 2, &ret) &&
           ret == 0;
}

void trace_patches_clear(trace_patches *p)
{
    unsigned want = p->want;
    free(p->addr);
    free(p->kind);
    memset(p, 0, sizeof(*p));
    p->want = want;
}

unsigned trace_patch_kinds(trace_cpuid_mode m)
{
    return m == TRACE_CPUID_FAULT ? TRACE_SITE_XGETBV
                                  : TRACE_SITE_CPUID | TRACE_SITE_XGETBV;
}

trace_pset *trace_pset_new(void)
{
    trace_pset *s = calloc(1, sizeof(*s));
    if (s)
        s->refs = 1;
    return s;
}

trace_pset *trace_pset_ref(trace_pset *s)
{
    s->refs++;
    return s;
}

void trace_pset_unref(trace_pset *s)
{
    if (s && --s->refs == 0) {
        trace_patches_clear(&s->p);
        free(s);
    }
}

trace_pset *trace_pset_copy(const trace_pset *s)
{
    trace_pset *c = trace_pset_new();
    if (!c)
        return NULL;
    c->p.want = s->p.want;
    if (!s->p.n)
        return c;
    c->p.addr = malloc(s->p.n * sizeof(*c->p.addr));
    c->p.kind = malloc(s->p.n);
    if (!c->p.addr || !c->p.kind) {
        trace_pset_unref(c);
        return NULL;
    }
    memcpy(c->p.addr, s->p.addr, s->p.n * sizeof(*c->p.addr));
    memcpy(c->p.kind, s->p.kind, s->p.n);
    c->p.n = c->p.cap = s->p.n;
    return c;
}

int trace_patches_kind(const trace_patches *p, uint64_t addr)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->addr[i] == addr)
            return p->kind[i];
    return 0;
}

bool trace_patches_has(const trace_patches *p, uint64_t addr)
{
    return trace_patches_kind(p, addr) != 0;
}

static bool patches_add(trace_patches *p, uint64_t addr, uint8_t kind)
{
    if (trace_patches_has(p, addr))
        return true;
    size_t cap = p->cap, kcap = p->cap;
    uint64_t *a = rrtx_grow(p->addr, &cap, p->n + 1, sizeof(*a));
    if (!a)
        return false;
    p->addr = a;
    uint8_t *k = rrtx_grow(p->kind, &kcap, p->n + 1, 1);
    if (!k)
        return false;
    p->kind = k;
    p->cap = cap < kcap ? cap : kcap;
    p->addr[p->n] = addr;
    p->kind[p->n++] = kind;
    return true;
}

static const uint8_t ud2[2] = {0x0f, 0x0b};

/* Writes UD2 over the n CPUID sites at start + off[i] and notes them. */
static bool patch_cpuid_sites(int memfd, uint64_t start, const uint64_t *off,
                              size_t n, trace_patches *p)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t at = start + off[i];
        if (!trace_mem_write(memfd, at, ud2, 2) ||
            !patches_add(p, at, TRACE_SITE_CPUID))
            return false;
    }
    return true;
}

#define PATCH_MAX_REGION (256u << 20)

/* Takes the sites s found (how) for the region: counts them, tells
 * src->found, patches them; frees s. The number patched, or -1. */
static long apply_sites(int memfd, uint64_t start, size_t len, trace_patches *p,
                        trace_site_source *src, trace_sites_how how,
                        const rrt_blob_id *key, trace_sites *s)
{
    long n = -1;
    if (src && how != TRACE_SITES_NONE) {
        src->regions[how]++;
        if (src->found && !src->found(src->ctx, key, len, s))
            goto out;
    }
    /* p NULL: finding only (trace_find_mapped) */
    if (p && !patch_cpuid_sites(memfd, start, s->off, s->n, p))
        goto out;
    if (src && src->got && s->n && !src->got(src->got_ctx, start, s))
        goto out;
    n = (long)s->n;
out:
    trace_sites_free(s);
    return n;
}

/* CPUID sites come from trace_sites_for: the archive's table, the
 * per-user cache, or a linear sweep by disassembly (cpuid_find.c), never a
 * byte search. Code and data interleaved in one mapping may still fool the
 * sweep, but it never patches the middle of another instruction it
 * decoded; and all three sources give what the sweep gives for these
 * bytes (site_cache.h says why a cache or table entry can be trusted). */
static long patch_cpuid(int memfd, uint64_t start, const uint8_t *code,
                        size_t len, trace_patches *p, trace_site_source *src,
                        const trace_file_id *id)
{
    trace_sites s;
    trace_sites_init(&s);
    rrt_blob_id key;
    trace_sites_how how = trace_sites_for(
        src ? src->table : NULL, src ? src->cache : NULL, code, len, &key, &s);
    if (how == TRACE_SITES_FAILED) {
        trace_sites_free(&s);
        return -1;
    }
    if (id)
        trace_site_index_store(src->cache, id, code, how != TRACE_SITES_NONE,
                               &key, &s);
    return apply_sites(memfd, start, len, p, src, how, &key, &s);
}

/* XGETBV sites, for masked recordings only (trace_patch_kinds): the same
 * linear sweep, with capstone, skipped where the bytes 0F 01 D0 do not
 * occur. Not cached yet: masked recordings of big programs pay for it. */
static long patch_xgetbv(int memfd, uint64_t start, const uint8_t *code,
                         size_t len, trace_patches *p)
{
    if (!memmem(code, len, "\x0f\x01\xd0", 3))
        return 0;
    csh h = 0;
    cs_insn *insn = NULL;
    long n = -1;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return -1;
    insn = cs_malloc(h);
    if (!insn)
        goto out;
    n = 0;
    const uint8_t *c = code;
    size_t left = len;
    uint64_t addr = start;
    while (left > 0) {
        if (!cs_disasm_iter(h, &c, &left, &addr, insn)) {
            c++; /* undecodable byte: resynchronize on the next one */
            left--;
            addr++;
            continue;
        }
        if (insn->id != X86_INS_XGETBV)
            continue;
        if (!trace_mem_write(memfd, insn->address, ud2, 2) ||
            !patches_add(p, insn->address, TRACE_SITE_XGETBV)) {
            n = -1;
            goto out;
        }
        n++;
    }
out:
    if (insn)
        cs_free(insn, 1);
    cs_close(&h);
    return n;
}

static long patch_range(int memfd, uint64_t start, uint64_t len,
                        trace_patches *p, trace_site_source *src,
                        const trace_file_id *id)
{
    if (len == 0 || len > PATCH_MAX_REGION || !p->want)
        return 0;
    uint8_t *code = malloc((size_t)len);
    if (!code)
        return -1;
    long n = -1, k = 0;
    if (!trace_mem_read(memfd, start, code, (size_t)len))
        goto out;
    if (src)
        src->read++, src->read_bytes += len;
    n = 0;
    if (p->want & TRACE_SITE_CPUID) {
        k = patch_cpuid(memfd, start, code, (size_t)len, p, src, id);
        n = k < 0 ? -1 : n + k;
    }
    if (n >= 0 && (p->want & TRACE_SITE_XGETBV)) {
        k = patch_xgetbv(memfd, start, code, (size_t)len, p);
        n = k < 0 ? -1 : n + k;
    }
out:
    free(code);
    return n;
}

long trace_patch_range(int memfd, uint64_t start, uint64_t len,
                       trace_patches *p, trace_site_source *src)
{
    return patch_range(memfd, start, len, p, src, NULL);
}

/* Whether sites (from an archive table entry) fit [start, start+len):
 * in range, increasing, and each holding 0F A2 in the tracee's memory. */
static bool sites_in_memory(int memfd, uint64_t start, uint64_t len,
                            const uint64_t *off, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b[2];
        if ((i && off[i] < off[i - 1] + 2) || off[i] > len - 2 ||
            !trace_mem_read(memfd, start + off[i], b, 2) || b[0] != 0x0f ||
            b[1] != 0xa2)
            return false;
    }
    return true;
}

long trace_patch_known(int memfd, uint64_t start, uint64_t len,
                       trace_patches *p, trace_site_source *src,
                       trace_code_stream *cs)
{
    rrt_blob_id key;
    uint64_t tlen;
    const uint64_t *toff;
    size_t tn;
    if (len == 0 || !p->want)
        return 0;
    if (!src || !cs || !cs->ok || cs->len != len ||
        p->want != TRACE_SITE_CPUID || len > PATCH_MAX_REGION)
        return trace_patch_range(memfd, start, len, p, src);
    if (!cs->pairs) { /* no 0F A2: no CPUID, as trace_sites_for says */
        src->by_fill++;
        return 0;
    }
    if (!src->table || !trace_code_stream_key(cs, &key) ||
        !rrt_cpuid_sites_find(src->table, &key, &tlen, &toff, &tn) ||
        tlen != len || !sites_in_memory(memfd, start, len, toff, tn))
        return trace_patch_range(memfd, start, len, p, src);
    src->by_fill++;
    src->regions[TRACE_SITES_TABLE]++;
    return patch_cpuid_sites(memfd, start, toff, tn, p) ? (long)tn : -1;
}

/* ------------------------------------------------------------------ */
/* Fresh file mappings: the file identity index (site_cache.h)        */

typedef struct map_line {
    uint64_t lo, hi, off, ino;
    unsigned maj, min;
    char perms[5];
    const char *path; /* into the line; "" when none */
} map_line;

static bool parse_map_line(char *line, map_line *m)
{
    unsigned long long lo, hi, off, ino;
    int at = 0;
    if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu%n", &lo, &hi, m->perms,
               &off, &m->maj, &m->min, &ino, &at) != 7)
        return false;
    m->lo = lo, m->hi = hi, m->off = off, m->ino = ino;
    char *q = line + at;
    while (*q == ' ')
        q++;
    q[strcspn(q, "\n")] = 0;
    m->path = q;
    return true;
}

typedef struct mem_region {
    int memfd;
    uint64_t start;
} mem_region;

static bool read_region(void *ctx, uint64_t off, void *buf, size_t n)
{
    const mem_region *r = ctx;
    return trace_mem_read(r->memfd, r->start + off, buf, n);
}

/* The identity of the file behind m, a fresh mapping that holds the
 * region [start, start + len): false unless it is a private, read-only,
 * executable mapping of a regular file that the region covers exactly
 * (up to the page the region ends in), and the file we stat is the inode
 * the mapping holds. */
static bool file_id_of(pid_t pid, const map_line *m, uint64_t start,
                       uint64_t len, trace_file_id *id)
{
    long page = sysconf(_SC_PAGESIZE);
    uint64_t end = start + len, pg = page > 0 ? (uint64_t)page : 4096;
    if (strcmp(m->perms, "r-xp") != 0 || m->ino == 0 || m->path[0] != '/' ||
        m->lo != start || end < start || m->hi != (end + pg - 1) / pg * pg)
        return false;
    size_t k = strlen(m->path);
    if (k >= 10 && strcmp(m->path + k - 10, " (deleted)") == 0)
        return false;
    char link[96];
    snprintf(link, sizeof(link), "/proc/%d/map_files/%llx-%llx", (int)pid,
             (unsigned long long)m->lo, (unsigned long long)m->hi);
    struct stat sb;
    /* map_files leads to the mapped file itself but needs
     * CAP_CHECKPOINT_RESTORE; without it, the path must lead to the inode
     * maps names (device and inode: a file replaced since is another one;
     * where stat's device differs from the mapping's, as on btrfs
     * subvolumes, that is a miss). */
    bool via_link = stat(link, &sb) == 0;
    if (!via_link && stat(m->path, &sb) != 0)
        return false;
    if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_ino != m->ino ||
        (!via_link && sb.st_dev != makedev(m->maj, m->min)))
        return false;
    *id = (trace_file_id){
        .dev = (uint64_t)sb.st_dev,
        .ino = (uint64_t)sb.st_ino,
        .size = (uint64_t)sb.st_size,
        .mtime_sec = (uint64_t)sb.st_mtim.tv_sec,
        .mtime_nsec = (uint64_t)sb.st_mtim.tv_nsec,
        .ctime_sec = (uint64_t)sb.st_ctim.tv_sec,
        .ctime_nsec = (uint64_t)sb.st_ctim.tv_nsec,
        .offset = m->off,
        .len = len,
    };
    return true;
}

/* trace_patch_range for a fresh mapping m: sites from the index when its
 * entry holds, without reading the region; else the full path, whose
 * result is indexed. */
static long patch_fresh(pid_t pid, int memfd, const map_line *m, uint64_t start,
                        uint64_t len, trace_patches *p, trace_site_source *src)
{
    trace_file_id id;
    if (!src || !src->by_identity || !src->cache ||
        p->want != TRACE_SITE_CPUID || len < 2 || len > PATCH_MAX_REGION ||
        !file_id_of(pid, m, start, len, &id))
        return trace_patch_range(memfd, start, len, p, src);
    trace_sites s;
    trace_sites_init(&s);
    rrt_blob_id key;
    bool pairs = false;
    mem_region r = {memfd, start};
    if (!trace_site_index_lookup(src->cache, &id, read_region, &r, &pairs, &key,
                                 &s)) {
        trace_sites_free(&s);
        return patch_range(memfd, start, len, p, src, &id);
    }
    src->by_file_id++;
    return apply_sites(memfd, start, len, p, src,
                       pairs ? TRACE_SITES_CACHED : TRACE_SITES_NONE, &key, &s);
}

long trace_patch_mapped(pid_t pid, int memfd, uint64_t start, uint64_t len,
                        trace_patches *p, trace_site_source *src)
{
    if (len == 0 || !p->want)
        return 0;
    if (!src || !src->by_identity || !src->cache || src->table ||
        p->want != TRACE_SITE_CPUID)
        return trace_patch_range(memfd, start, len, p, src);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    map_line m = {.path = ""};
    bool found = false;
    while (f && getline(&line, &cap, f) > 0)
        if (parse_map_line(line, &m) && m.lo <= start && start < m.hi) {
            found = true;
            break;
        }
    long n = found ? patch_fresh(pid, memfd, &m, start, len, p, src)
                   : trace_patch_range(memfd, start, len, p, src);
    free(line);
    if (f)
        fclose(f);
    return n;
}

long trace_patch_all(pid_t pid, int memfd, trace_patches *p,
                     trace_site_source *src)
{
    char path[64];
    if (!p->want)
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    long total = 0;
    while (getline(&line, &cap, f) > 0) {
        map_line m;
        if (!parse_map_line(line, &m) || m.perms[2] != 'x' ||
            strncmp(m.path, "[v", 2) == 0)
            continue;
        long n = patch_fresh(pid, memfd, &m, m.lo, m.hi - m.lo, p, src);
        if (n < 0) {
            total = -1;
            break;
        }
        total += n;
    }
    free(line);
    fclose(f);
    return total;
}

/* trace_find_mapped for the mapping m of [start, start + len). */
static long find_fresh(pid_t pid, int memfd, const map_line *m, uint64_t start,
                       uint64_t len, trace_site_source *src, uint64_t scan_max)
{
    trace_file_id id;
    trace_sites s;
    trace_sites_init(&s);
    rrt_blob_id key;
    bool have_id = src->cache && len >= 2 && len <= PATCH_MAX_REGION &&
                   file_id_of(pid, m, start, len, &id);
    if (have_id) {
        bool pairs = false;
        mem_region r = {memfd, start};
        if (trace_site_index_lookup(src->cache, &id, read_region, &r, &pairs,
                                    &key, &s)) {
            src->by_file_id++;
            return apply_sites(memfd, start, len, NULL, src,
                               pairs ? TRACE_SITES_CACHED : TRACE_SITES_NONE,
                               &key, &s);
        }
    }
    if (len < 2 || len > scan_max || len > PATCH_MAX_REGION)
        return 0;
    uint8_t *code = malloc((size_t)len);
    if (!code)
        return -1;
    long n = -1;
    if (!trace_mem_read(memfd, start, code, (size_t)len))
        goto out;
    src->read++, src->read_bytes += len;
    trace_sites_how how =
        trace_sites_for(NULL, src->cache, code, (size_t)len, &key, &s);
    if (how == TRACE_SITES_FAILED) {
        trace_sites_free(&s);
        goto out;
    }
    if (have_id)
        trace_site_index_store(src->cache, &id, code, how != TRACE_SITES_NONE,
                               &key, &s);
    n = apply_sites(memfd, start, len, NULL, src, how, &key, &s);
out:
    free(code);
    return n;
}

long trace_find_mapped(pid_t pid, int memfd, uint64_t start, uint64_t len,
                       trace_site_source *src, uint64_t scan_max)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    map_line m = {.path = ""}, none = {.path = ""};
    bool found = false;
    while (f && !found && getline(&line, &cap, f) > 0)
        found = parse_map_line(line, &m) && m.lo <= start && start < m.hi;
    long n =
        find_fresh(pid, memfd, found ? &m : &none, start, len, src, scan_max);
    free(line);
    if (f)
        fclose(f);
    return n;
}

long trace_find_all(pid_t pid, int memfd, trace_site_source *src,
                    uint64_t scan_max)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    long total = 0;
    while (getline(&line, &cap, f) > 0) {
        map_line m;
        if (!parse_map_line(line, &m) || m.perms[2] != 'x' ||
            strncmp(m.path, "[v", 2) == 0)
            continue;
        long n = find_fresh(pid, memfd, &m, m.lo, m.hi - m.lo, src, scan_max);
        if (n < 0) {
            total = -1;
            break;
        }
        total += n;
    }
    free(line);
    fclose(f);
    return total;
}

uint64_t trace_xsave_hidden(const rrt_cpuid_manifest *m)
{
    static const struct {
        const char *feature;
        uint64_t components;
    } gates[] = {
        {"avx", 1u << 2},       {"mpx", 3u << 3}, /* BNDREGS, BNDCSR */
        {"avx512f", 7u << 5},   {"pku", 1u << 9}, /* opmask..., PKRU */
        {"amx_tile", 3u << 17}, {"apx_f", 1u << 19},
    };
    uint64_t hidden = 0;
    for (size_t i = 0; i < sizeof(gates) / sizeof(gates[0]); i++) {
        const rrt_cpu_feature *f = rrt_cpu_feature_find(gates[i].feature);
        if (f && !rrt_cpu_feature_present(m, f))
            hidden |= gates[i].components;
    }
    return hidden;
}

int trace_trap_insn(int memfd, uint64_t rip)
{
    uint8_t b[3] = {0};
    if (!trace_mem_read(memfd, rip, b, 2))
        return 0;
    if (b[0] != 0x0f)
        return 0;
    if (b[1] == 0x31)
        return 1;
    if (b[1] == 0xa2)
        return 3;
    if (b[1] == 0x0b)
        return 4;
    if (b[1] == 0x01 && trace_mem_read(memfd, rip + 2, &b[2], 1) &&
        b[2] == 0xf9)
        return 2;
    return 0;
}

void trace_apply_rdtsc(struct user_regs_struct *r, const rrt_ev_rdtsc *e)
{
    r->rax = e->tsc & 0xffffffffu;
    r->rdx = e->tsc >> 32;
    if (e->rdtscp) {
        r->rcx = e->aux;
        r->rip += 3;
    } else {
        r->rip += 2;
    }
}

void trace_apply_cpuid(struct user_regs_struct *r, const uint32_t regs[4])
{
    r->rax = regs[0];
    r->rbx = regs[1];
    r->rcx = regs[2];
    r->rdx = regs[3];
    r->rip += 2;
}

void trace_cpuid_xsave_floor(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
    /* read once: the tracer's thread may run with CPUID faulting later */
    static unsigned b, c;
    static int known; /* 1 read, 2 the host has no leaf 0xd */
    unsigned a, d;
    if (!known)
        known = __get_cpuid_count(0xd, 0, &a, &b, &c, &d) ? 1 : 2;
    if (leaf != 0xd || subleaf != 0 || known != 1)
        return;
    if (regs[1] < b)
        regs[1] = b;
    if (regs[2] < c)
        regs[2] = c;
}

void trace_apply_xgetbv(struct user_regs_struct *r, uint64_t value)
{
    r->rax = value & 0xffffffffu;
    r->rdx = value >> 32;
    r->rip += 3;
}

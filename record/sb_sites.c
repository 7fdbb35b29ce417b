/* Syscall sites patched ahead (spec/events.md 5): a site the recording
 * patched at its first call in one process is patched in every later
 * process that maps the same file executable, at its exec (ld.so, the
 * program) or at the mmap (libraries), before its first call there, which
 * would otherwise be traced (two stops) once per process and site. A site
 * is known by its file (device, inode) and offset there, and by the code
 * around it, which must read the same where it is patched ahead. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "recorderi.h"
#include "rrtx.h"
#include "syscallbuf.h"

/* code read around a site: from rip - SITE_BEFORE, where the widest patch
 * (mov $nr,%eax; syscall) starts, to past the longest displaced part */
#define SITE_BEFORE 8u
#define SITE_CODE 24u
/* the most sites kept (libc and ld.so have about 530 syscall sites) */
#define SITES_MAX 2048u

struct rec_sb_site {
    uint64_t dev, ino, off; /* the file, and the offset of rip in it */
    uint8_t code[SITE_CODE];
};

/* One line of /proc/PID/maps. */
typedef struct smap {
    uint64_t lo, hi, off, dev, ino;
    char perms[8];
} smap;

static bool parse_line(const char *line, smap *m)
{
    unsigned maj, min;
    if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64,
               &m->lo, &m->hi, m->perms, &m->off, &maj, &min, &m->ino) != 7)
        return false;
    m->dev = (uint64_t)makedev(maj, min);
    return true;
}

void rec_sb_site_learn(recorder *r, rtask *t, const trace_mapping *m,
                       uint64_t rip)
{
    struct rec_sb_site s = {.dev = m->dev, .ino = m->ino};
    if (!m->ino || r->n_sb_sites >= SITES_MAX || rip < m->lo + SITE_BEFORE ||
        rip + SITE_CODE - SITE_BEFORE > m->hi ||
        !trace_mem_read(t->base.memfd, rip - SITE_BEFORE, s.code, SITE_CODE))
        return;
    s.off = rip - m->lo + m->off;
    for (size_t i = 0; i < r->n_sb_sites; i++)
        if (r->sb_sites[i].off == s.off && r->sb_sites[i].ino == s.ino &&
            r->sb_sites[i].dev == s.dev)
            return;
    struct rec_sb_site *grown = rrtx_grow(r->sb_sites, &r->cap_sb_sites,
                                          r->n_sb_sites + 1, sizeof(*grown));
    if (!grown)
        return; /* an optimization only: the site is patched at its call */
    r->sb_sites = grown;
    r->sb_sites[r->n_sb_sites++] = s;
}

/* The known sites of file (dev, ino) mapped executable, privately, at
 * [lo, hi) from file offset off: each whose code reads as it did is
 * patched now. */
static bool patch_mapping(recorder *r, rtask *t, uint64_t dev, uint64_t ino,
                          uint64_t lo, uint64_t hi, uint64_t off)
{
    for (size_t i = 0; i < r->n_sb_sites; i++) {
        const struct rec_sb_site *s = &r->sb_sites[i];
        uint8_t code[SITE_CODE];
        if (s->dev != dev || s->ino != ino || s->off < off ||
            s->off - off >= hi - lo)
            continue;
        uint64_t rip = lo + (s->off - off);
        if (rip < lo + SITE_BEFORE || rip + SITE_CODE - SITE_BEFORE > hi ||
            !trace_mem_read(t->base.memfd, rip - SITE_BEFORE, code,
                            SITE_CODE) ||
            memcmp(code, s->code, SITE_CODE) != 0)
            continue;
        uint64_t cont;
        if (!rec_sb_patch_site(r, t, rip, true, &cont))
            return false;
    }
    return true;
}

bool rec_sb_ahead_exec(recorder *r, rtask *t)
{
    char path[64], line[512];
    smap m;
    if (!t->sb || !r->n_sb_sites)
        return true;
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)t->base.tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return true;
    bool ok = true;
    while (ok && fgets(line, sizeof(line), f))
        if (parse_line(line, &m) && m.ino && m.perms[2] == 'x' &&
            m.perms[3] == 'p')
            ok = patch_mapping(r, t, m.dev, m.ino, m.lo, m.hi, m.off);
    fclose(f);
    return ok;
}

bool rec_sb_ahead_mmap(recorder *r, rtask *t, int64_t ret)
{
    char fdp[64];
    struct stat sb;
    const uint64_t *a = t->args;
    if (!t->sb || !r->n_sb_sites || t->nr != SYS_mmap || rec_is_err(ret) ||
        !(a[2] & PROT_EXEC) || (a[3] & MAP_ANONYMOUS) ||
        (a[3] & (MAP_SHARED | MAP_PRIVATE)) != MAP_PRIVATE)
        return true;
    snprintf(fdp, sizeof(fdp), "/proc/%d/fd/%d", (int)t->base.tid, (int)a[4]);
    if (stat(fdp, &sb) != 0 || !S_ISREG(sb.st_mode))
        return true;
    uint64_t lo = (uint64_t)ret, len = (a[1] + 4095) & ~4095ull;
    return patch_mapping(r, t, (uint64_t)sb.st_dev, (uint64_t)sb.st_ino, lo,
                         lo + len, a[5]);
}

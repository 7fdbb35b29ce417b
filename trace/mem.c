/* A stopped tracee's memory through /proc/PID/mem, and what the files
 * it names are. */
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
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rrt/cpufeat.h>

#include "trace.h"

/* Memory                                                             */

int trace_mem_open(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
    return open(path, O_RDWR | O_CLOEXEC);
}

/* All n bytes at addr, or false: short transfers go on where they
 * stopped (a range across two mappings), EINTR retries. */
static bool mem_transfer(int memfd, uint64_t addr, uint8_t *p, size_t n,
                         bool write)
{
    while (n) {
        ssize_t r = write ? pwrite(memfd, p, n, (off_t)addr)
                          : pread(memfd, p, n, (off_t)addr);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            return false;
        }
        p += r;
        addr += (uint64_t)r;
        n -= (size_t)r;
    }
    return true;
}

bool trace_mem_read(int memfd, uint64_t addr, void *buf, size_t n)
{
    return mem_transfer(memfd, addr, buf, n, false);
}

bool trace_mem_write(int memfd, uint64_t addr, const void *buf, size_t n)
{
    /* pwrite does not write through p: the cast only shares the loop */
    return mem_transfer(memfd, addr, (uint8_t *)(uintptr_t)buf, n, true);
}

char *trace_script_path(pid_t tid, const char *path)
{
    char at[PATH_MAX + 64], real[PATH_MAX];
    if (path[0] != '/' && tid)
        snprintf(at, sizeof(at), "/proc/%d/cwd/%s", (int)tid, path);
    else
        snprintf(at, sizeof(at), "%s", path);
    int fd = open(at, O_RDONLY | O_CLOEXEC);
    char magic[2] = {0};
    bool script = fd >= 0 && read(fd, magic, 2) == 2 && magic[0] == '#' &&
                  magic[1] == '!';
    if (fd >= 0)
        close(fd);
    return script && realpath(at, real) ? strdup(real) : NULL;
}

bool trace_mapping_at_text(pid_t pid, uint64_t addr, trace_mapping *m)
{
    char path[64], line[PATH_MAX + 128];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    bool found = false;
    while (f && !found && fgets(line, sizeof(line), f)) {
        unsigned long long lo, hi;
        int name = 0;
        if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &lo, &hi, m->perms,
                   &name) < 3 ||
            addr < lo || addr >= hi)
            continue;
        m->lo = lo, m->hi = hi;
        line[strcspn(line, "\n")] = 0;
        snprintf(m->path, sizeof(m->path), "%s", name ? line + name : "");
        found = true;
    }
    if (f)
        fclose(f);
    return found;
}

/* PROCMAP_QUERY (Linux 6.11, uapi linux/fs.h, which Debian 12's headers
 * predate): one mapping of /proc/PID/maps by address, without the kernel
 * printing every line and rrt parsing them (the recorder asks at each
 * syscall site it patches). */
struct rrt_procmap_query {
    uint64_t size, query_flags, query_addr;
    uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset;
    uint64_t inode;
    uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
    uint64_t vma_name_addr, build_id_addr;
};
#define RRT_PROCMAP_QUERY _IOWR('f', 17, struct rrt_procmap_query)
_Static_assert(RRT_PROCMAP_QUERY == 0xc0686611, "PROCMAP_QUERY");

/* 1 found, 0 not mapped, -1 the kernel cannot say (too old) */
static int query_mapping(pid_t pid, uint64_t addr, trace_mapping *m)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct rrt_procmap_query q = {.size = sizeof(q),
                                  .query_addr = addr,
                                  .vma_name_size = sizeof(m->path),
                                  .vma_name_addr =
                                      (uint64_t)(uintptr_t)m->path};
    m->path[0] = 0;
    int rc = ioctl(fd, RRT_PROCMAP_QUERY, &q);
    int e = errno;
    close(fd);
    if (rc != 0)
        return e == ENOENT ? 0 : -1;
    m->lo = q.vma_start;
    m->hi = q.vma_end;
    m->perms[0] = q.vma_flags & 1 ? 'r' : '-';
    m->perms[1] = q.vma_flags & 2 ? 'w' : '-';
    m->perms[2] = q.vma_flags & 4 ? 'x' : '-';
    m->perms[3] = q.vma_flags & 8 ? 's' : 'p';
    m->perms[4] = 0;
    if (q.vma_name_size == 0)
        m->path[0] = 0;
    return 1;
}

bool trace_mapping_at(pid_t pid, uint64_t addr, trace_mapping *m)
{
    static int no_query; /* the kernel has no PROCMAP_QUERY */
    if (!no_query) {
        int k = query_mapping(pid, addr, m);
        if (k >= 0)
            return k == 1;
        no_query = 1;
    }
    return trace_mapping_at_text(pid, addr, m);
}

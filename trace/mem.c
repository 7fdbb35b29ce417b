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

bool trace_mapping_at(pid_t pid, uint64_t addr, trace_mapping *m)
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

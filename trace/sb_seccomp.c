/* The syscall buffer and the program's own seccomp filters (spec/events.md
 * 5): once a process installs a filter or strict mode, the library's
 * untraced calls would meet it (stacked filters combine by precedence, and
 * strict mode allows four calls), so both engines turn the buffer off for
 * that process at the call's event. */
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "syscallbuf.h"
#include "trace.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

bool trace_sb_seccomp_set(long nr, const uint64_t args[6], int64_t ret)
{
    if (nr == SYS_prctl)
        return args[0] == PR_SET_SECCOMP && ret == 0;
    if (nr != SYS_seccomp || ret < 0)
        return false;
    if (args[0] == SECCOMP_SET_MODE_STRICT)
        return ret == 0;
    /* with TSYNC a positive result names a thread that could not take the
     * filter, which is then not installed; with NEW_LISTENER it is the
     * listener's descriptor */
    return args[0] == SECCOMP_SET_MODE_FILTER &&
           (ret == 0 || (args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER));
}

bool trace_sb_ctl_flag(int memfd, size_t field)
{
    uint64_t magic;
    uint32_t one = 1;
    if (!trace_mem_read(memfd, SB_CTL, &magic, sizeof(magic)) ||
        magic != SB_MAGIC)
        return true; /* no library here */
    return trace_mem_write(memfd, SB_CTL + field, &one, sizeof(one));
}

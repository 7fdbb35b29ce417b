/* The syscall buffer's control-page flags both engines set at the same
 * event (spec/events.md 5): off, once a process installs a seccomp filter
 * or strict mode, since the library's untraced calls would meet it
 * (stacked filters combine by precedence, and strict mode allows four
 * calls); fds_shared, when two processes share a descriptor table. */
#include <linux/seccomp.h>
#include <sched.h>
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

bool trace_sb_clone(int parent_memfd, int child_memfd, uint64_t flags)
{
    size_t at = offsetof(struct sb_ctl, fds_shared);
    if (!(flags & CLONE_FILES) || (flags & CLONE_VM))
        return true;
    return trace_sb_ctl_flag(parent_memfd, at) &&
           trace_sb_ctl_flag(child_memfd, at);
}

/* execveat at record time. The kernel names the file it executes
 * "/dev/fd/N/PATH" for a descriptor-relative call, and that name shapes
 * the new program's stack (AT_EXECFN, the strings above it). Replay has
 * no such descriptor, so the call runs here as an execve of the file's
 * real path, written below the stack pointer, which replay writes again
 * at the same place: both runs then exec the same name. */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "recorderi.h"

void rec_execveat_as_execve(rtask *t, struct user_regs_struct *regs)
{
    char path[PATH_MAX], full[PATH_MAX + 64], real[PATH_MAX];
    size_t n = 0;
    uint64_t flags = t->args[4];
    if (flags & ~(uint64_t)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
        return; /* the kernel refuses it: let it */
    while (n < sizeof(path) &&
           trace_mem_read(t->base.memfd, t->args[1] + n, path + n, 1) &&
           path[n])
        n++;
    if (n == sizeof(path) ||
        !trace_execveat_path(t->base.tid, (int64_t)t->args[0], path, flags,
                             full, sizeof(full)))
        return;
    struct stat sb;
    char at[sizeof(full) + 64];
    int w = full[0] != '/' ? snprintf(at, sizeof(at), "/proc/%d/cwd/%s",
                                      (int)t->base.tid, full)
                           : snprintf(at, sizeof(at), "%s", full);
    if (w <= 0 || (size_t)w >= sizeof(at))
        return;
    /* a symbolic link it must not follow fails (ELOOP): let it */
    if ((flags & AT_SYMLINK_NOFOLLOW) && path[0] &&
        (lstat(at, &sb) != 0 || S_ISLNK(sb.st_mode)))
        return;
    if (!realpath(at, real))
        return;
    size_t len = strlen(real) + 1;
    uint64_t addr = trace_execveat_scratch(regs->rsp, len);
    if (!trace_mem_write(t->base.memfd, addr, real, len))
        return;
    regs->orig_rax = SYS_execve;
    regs->rdi = addr;
    regs->rsi = t->args[2];
    regs->rdx = t->args[3];
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
}

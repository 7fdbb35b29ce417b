/* SysV shared memory at replay. No segment exists here (shmget was
 * emulated): shmat becomes an mmap of a shared anonymous region at the
 * recorded address, which the recorded pages then fill (they are shmat's
 * memory output), and shmdt the munmap of that region. Processes forked
 * after the attach share it, as they shared the segment; two processes
 * that attach the same segment each get their own copy. */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#include "replayi.h"

bool rep_shm_real(const rrt_ev_syscall *e)
{
    if (e->nr == SYS_shmat)
        return e->n_mem == 1 && e->mem[0].addr == (uint64_t)e->ret;
    return e->nr == SYS_shmdt;
}

/* The length of the mapping that starts at addr in tid, 0 if none. */
static uint64_t mapping_len(pid_t tid, uint64_t addr)
{
    trace_mapping m;
    return trace_mapping_at(tid, addr, &m) && m.lo == addr ? m.hi - m.lo : 0;
}

void rep_shm_rewrite(const rrt_ev_syscall *e, pid_t tid,
                     struct user_regs_struct *g)
{
    if (e->nr == SYS_shmat) {
        /* writable until filled: see rep_shm_filled */
        g->orig_rax = SYS_mmap;
        g->rdi = (uint64_t)e->ret;
        g->rsi = e->mem[0].len;
        g->rdx = PROT_READ | PROT_WRITE;
        g->r10 = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;
        g->r8 = (uint64_t)-1;
        g->r9 = 0;
    } else {
        g->orig_rax = SYS_munmap;
        g->rsi = mapping_len(tid, e->args[0]);
    }
}

bool rep_shm_filled(const rrt_ev_syscall *e, pid_t tid, int memfd)
{
    uint64_t flags = e->args[2];
    if (e->nr != SYS_shmat || !(flags & (SHM_RDONLY | SHM_EXEC)))
        return true;
    /* /proc/PID/mem cannot write a read-only shared mapping: the region
     * was mapped writable, filled, and now gets the segment's protection */
    uint64_t prot = flags & SHM_RDONLY ? PROT_READ : PROT_READ | PROT_WRITE;
    if (flags & SHM_EXEC)
        prot |= PROT_EXEC;
    uint64_t args[3] = {(uint64_t)e->ret, e->mem[0].len, prot};
    long ret;
    return trace_inject_syscall(tid, memfd, SYS_mprotect, args, 3, &ret) &&
           ret == 0;
}

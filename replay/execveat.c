/* execveat at replay. Its directory descriptor was emulated (no such
 * descriptor exists here) and fexecve's empty path names nothing, so the
 * call runs as an execve of the file the recording executed, as the
 * recorder ran it (record/execveat.c): the path of the EXEC event that
 * follows (of its script, for a #! script), written below the stack
 * pointer. The execve machinery then runs the recorded binary in its
 * place as for any execve. */
#include <string.h>
#include <sys/syscall.h>

#include "replayi.h"

uint64_t rep_execveat_as_execve(replayer *r, ptask *t,
                                struct user_regs_struct *g)
{
    rrt_ev_exec ex;
    uint64_t script;
    rrt_file_entry f = {0};
    rrt_error err;
    if (!rep_peek_exec(r, r->index + 1, &ex, &script) ||
        rrt_reader_file(r->rd,
                        (size_t)(script != UINT64_MAX ? script : ex.exe_file),
                        &f, &err) != RRT_OK)
        return 0;
    size_t len = strlen(f.path) + 1;
    /* where the recorder wrote it */
    uint64_t at = trace_execveat_scratch(g->rsp, len);
    bool ok = trace_mem_write(t->base.memfd, at, f.path, len);
    rrt_file_entry_clear(&f);
    if (!ok)
        return 0;
    uint64_t argv = g->rdx, envp = g->r10;
    g->orig_rax = SYS_execve;
    g->rdi = at;
    g->rsi = argv;
    g->rdx = envp;
    return at;
}

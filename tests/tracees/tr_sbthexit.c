/* Tracee: a thread makes buffered calls and exits while the main thread
 * waits for its death in a futex wait the library makes traced (through
 * syscall(3), whose site a buffered getpid had patched). The exit wakes the
 * main thread (CLONE_CHILD_CLEARTID), which must go on with its own state
 * in the library, not the exited thread's: at replay that one had consumed
 * records, and would make the library stop where record time did not. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static char stack[64 * 1024] __attribute__((aligned(16)));
static volatile pid_t word;
static long sum;

static int worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++)
        sum += getpid() > 0;
    return 0; /* glibc's clone calls exit: no other call on the way */
}

int main(void)
{
    if (syscall(SYS_getpid) <= 0) /* patches syscall(3)'s site */
        return 1;
    for (int round = 0; round < 50; round++) {
        int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
                    CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
                    CLONE_CHILD_CLEARTID;
        pid_t tid = clone(worker, stack + sizeof(stack), flags, NULL, &word,
                          NULL, &word);
        if (tid < 0)
            return 1;
        pid_t w;
        while ((w = word) != 0)
            syscall(SYS_futex, &word, FUTEX_WAIT, w, NULL, NULL, 0);
    }
    printf("threads exited during a futex wait: %ld calls\n", sum);
    return 0;
}

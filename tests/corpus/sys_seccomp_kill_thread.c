/* corpus: SECCOMP_RET_KILL_THREAD in a second thread kills that thread alone */
#include <pthread.h>
#include "sys_common.h"
#include "sys_seccomp.h"

static void *worker(void *arg)
{
    (void)arg;
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgrp, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {4, f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    /* this thread only: no TSYNC */
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    syscall(SYS_getpgrp);
    return (void *)1; /* never */
}

int main(void)
{
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    sleep(1); /* the killed thread is never joinable */
    printf("main thread survives, getpgrp works: %d\n", getpgrp() > 0);
    return corpus_ok();
}

/* corpus: a filter with TSYNC applies to a thread started before it */
#include <pthread.h>
#include <semaphore.h>
#include "sys_common.h"
#include "sys_seccomp.h"

static sem_t go, done;
static long got;
static int got_errno;

static void *worker(void *arg)
{
    (void)arg;
    sem_wait(&go);
    got = syscall(SYS_getpgrp);
    got_errno = errno;
    sem_post(&done);
    return NULL;
}

int main(void)
{
    sem_init(&go, 0, 0);
    sem_init(&done, 0, 0);
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgrp, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ESRCH),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {4, f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    show("seccomp tsync", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                  SECCOMP_FILTER_FLAG_TSYNC, &prog));
    sem_post(&go);
    sem_wait(&done);
    pthread_join(th, NULL);
    printf("thread getpgrp: %ld %s\n", got, strerrorname_np(got_errno));
    need(got == -1 && got_errno == ESRCH, "ESRCH in the thread");
    return corpus_ok();
}

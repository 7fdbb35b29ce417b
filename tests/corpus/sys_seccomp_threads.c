/* corpus: a filter that kills out-of-range numbers, then threads (clone3, rseq)
 */
#include <pthread.h>
#include "sys_common.h"
#include "sys_seccomp.h"

static void *worker(void *arg)
{
    return (char *)arg + 1;
}

int main(void)
{
    /* the usual guard of an allowlist: numbers past the table kill */
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 1000, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {4, f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    show("seccomp", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
    for (int i = 0; i < 3; i++) {
        pthread_t th;
        void *ret;
        need(pthread_create(&th, NULL, worker, (void *)(long)(10 * i)) == 0,
             "pthread_create");
        pthread_join(th, &ret);
        printf("thread %d returned %ld\n", i, (long)ret);
    }
    return corpus_ok();
}

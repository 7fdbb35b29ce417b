/* corpus: SECCOMP_RET_USER_NOTIF: a supervisor thread answers the call */
#include <pthread.h>
#include <sys/ioctl.h>
#include "sys_common.h"
#include "sys_seccomp.h"

static int listener = -1;

static void *supervisor(void *arg)
{
    (void)arg;
    while (__atomic_load_n(&listener, __ATOMIC_ACQUIRE) < 0)
        usleep(1000);
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    memset(&req, 0, sizeof(req));
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0)
        return NULL;
    printf("supervisor saw syscall %d\n", req.data.nr);
    fflush(stdout);
    memset(&resp, 0, sizeof(resp));
    resp.id = req.id;
    resp.val = 4242;
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    return NULL;
}

int main(void)
{
    pthread_t th;
    pthread_create(&th, NULL, supervisor, NULL);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgrp, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {4, f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                          SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (fd < 0) {
        printf("listener: %s\n", strerrorname_np(errno));
        return corpus_ok();
    }
    __atomic_store_n(&listener, fd, __ATOMIC_RELEASE);
    long r = syscall(SYS_getpgrp);
    pthread_join(th, NULL);
    printf("getpgrp answered by the supervisor: %ld\n", r);
    need(r == 4242, "answered");
    return corpus_ok();
}

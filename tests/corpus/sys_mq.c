/* corpus: POSIX message queues: mq_open, send, receive, getattr, unlink */
#include <fcntl.h>
#include <mqueue.h>
#include "sys_common.h"

int main(void)
{
    char name[64];
    snprintf(name, sizeof(name), "/rrt-corpus-mq-%d", (int)getpid());
    struct mq_attr at = {0, 4, 64, 0};
    mqd_t q = mq_open(name, O_CREAT | O_RDWR, 0600, &at);
    if (q == (mqd_t)-1) {
        printf("mq_open: %s\n", strerrorname_np(errno));
        return corpus_ok();
    }
    show("send", mq_send(q, "low", 4, 1));
    show("send", mq_send(q, "high", 5, 9));
    struct mq_attr got;
    show("getattr", mq_getattr(q, &got));
    printf("curmsgs %ld msgsize %ld\n", got.mq_curmsgs, got.mq_msgsize);
    char buf[64];
    unsigned prio;
    struct timespec ts = {0, 0};
    show("timedreceive", mq_timedreceive(q, buf, sizeof(buf), &prio, &ts));
    printf("got %s prio %u\n", buf, prio);
    show("receive", mq_receive(q, buf, sizeof(buf), &prio));
    printf("got %s prio %u\n", buf, prio);
    show("timedreceive empty",
         mq_timedreceive(q, buf, sizeof(buf), &prio, &ts));
    show("unlink", mq_unlink(name));
    return corpus_ok();
}

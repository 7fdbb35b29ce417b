/* corpus: Linux AIO: io_setup, io_submit a read, io_getevents, the buffer */
#include <fcntl.h>
#include <linux/aio_abi.h>
#include "sys_common.h"

int main(void)
{
    int fd = open("f", O_CREAT | O_RDWR | O_TRUNC, 0600);
    write(fd, "asynchronous bytes", 18);
    aio_context_t ctx = 0;
    if (syscall(SYS_io_setup, 4, &ctx) != 0) {
        printf("io_setup: %s\n", strerrorname_np(errno));
        return corpus_ok();
    }
    char buf[32] = {0};
    struct iocb cb;
    memset(&cb, 0, sizeof(cb));
    cb.aio_fildes = (unsigned)fd;
    cb.aio_lio_opcode = IOCB_CMD_PREAD;
    cb.aio_buf = (unsigned long)buf;
    cb.aio_nbytes = 18;
    cb.aio_data = 99;
    struct iocb *list[1] = {&cb};
    show("io_submit", syscall(SYS_io_submit, ctx, 1, list));
    struct io_event ev[2];
    show("io_getevents", syscall(SYS_io_getevents, ctx, 1, 2, ev, NULL));
    printf("event data %llu res %lld buf %s\n", (unsigned long long)ev[0].data,
           (long long)ev[0].res, buf);
    show("io_destroy", syscall(SYS_io_destroy, ctx));
    return corpus_ok();
}

/* corpus: sync_file_range, utime(s), futimesat, tee, vmsplice */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <utime.h>
#include "sys_common.h"

int main(void)
{
    int fd = open("f", O_CREAT | O_RDWR, 0600);
    write(fd, "data", 4);
    show("sync_file_range", sync_file_range(fd, 0, 4, SYNC_FILE_RANGE_WRITE));
    struct utimbuf ub = {1000000, 2000000};
    show("utime", utime("f", &ub));
    struct timeval tv[2] = {{3000000, 0}, {4000000, 0}};
    show("utimes", utimes("f", tv));
    show("futimesat", syscall(SYS_futimesat, AT_FDCWD, "f", tv));
    struct stat sb;
    stat("f", &sb);
    printf("mtime %ld\n", (long)sb.st_mtime);
    int a[2], b[2];
    pipe(a);
    pipe(b);
    char msg[] = "spliced";
    struct iovec iv = {msg, 7};
    show("vmsplice", vmsplice(a[1], &iv, 1, 0));
    show("tee", tee(a[0], b[1], 7, 0));
    char buf[16] = {0};
    show("read copy", read(b[0], buf, sizeof(buf)));
    printf("copy: %s\n", buf);
    char back[16] = {0};
    struct iovec in = {back, 7};
    show("vmsplice from pipe", vmsplice(a[0], &in, 1, 0));
    printf("back: %s\n", back);
    return corpus_ok();
}

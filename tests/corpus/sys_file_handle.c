/* corpus: name_to_handle_at sized by its EOVERFLOW, open_by_handle_at */
#include <fcntl.h>
#include "sys_common.h"

int main(void)
{
    close(open("f", O_CREAT | O_WRONLY, 0600));
    struct file_handle probe = {0};
    int mnt;
    long r = syscall(SYS_name_to_handle_at, AT_FDCWD, "f", &probe, &mnt, 0);
    if (r == -1 && errno != EOVERFLOW) {
        printf("name_to_handle_at: %s\n", strerrorname_np(errno));
        return corpus_ok();
    }
    printf("probe: %s, size known %d\n", strerrorname_np(errno),
           probe.handle_bytes > 0);
    struct file_handle *h = malloc(sizeof(*h) + probe.handle_bytes);
    h->handle_bytes = probe.handle_bytes;
    show("name_to_handle_at",
         syscall(SYS_name_to_handle_at, AT_FDCWD, "f", h, &mnt, 0));
    show("open_by_handle_at",
         syscall(SYS_open_by_handle_at, AT_FDCWD, h, O_RDONLY));
    return corpus_ok();
}

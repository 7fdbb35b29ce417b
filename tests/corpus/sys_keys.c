/* corpus: add_key, keyctl describe and read, request_key of a missing key */
#include <linux/keyctl.h>
#include "sys_common.h"

int main(void)
{
    long k = syscall(SYS_add_key, "user", "rrt-corpus", "secret", 6,
                     KEY_SPEC_PROCESS_KEYRING);
    if (k < 0) {
        printf("add_key: %s\n", strerrorname_np(errno));
        return corpus_ok();
    }
    char buf[64] = {0};
    show("keyctl read", syscall(SYS_keyctl, KEYCTL_READ, k, buf, sizeof(buf)));
    printf("payload: %s\n", buf);
    show("keyctl read size", syscall(SYS_keyctl, KEYCTL_READ, k, NULL, 0));
    char d[128] = {0};
    long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, k, d, sizeof(d));
    printf("describe ok %d, type %.5s\n", n > 0, d);
    show("request_key missing",
         syscall(SYS_request_key, "user", "rrt-no-such-key", NULL, 0));
    return corpus_ok();
}

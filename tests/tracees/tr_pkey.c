/* Tracee: memory protection keys. The recorder refuses pkey_alloc with
 * ENOSYS (a key would tie the replay host's PKRU to the recording's), as
 * V8 copes with; pkey_mprotect with key -1 is mprotect. */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    long k = syscall(SYS_pkey_alloc, 0, 0);
    int e = k < 0 ? errno : 0;
    printf("pkey_alloc=%ld errno=%d\n", k, e);
    if (k >= 0)
        syscall(SYS_pkey_free, k);
    return 0;
}

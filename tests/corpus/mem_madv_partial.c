/* corpus: madvise(MADV_DONTNEED) and mprotect over a range with a hole
 * fail with ENOMEM, yet act on the mapped part */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    char *area =
        mmap(NULL, 5 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED || munmap(area, 5 * 4096) != 0)
        return 1;
    char *page = mmap(area + 4096, 4096, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (page == MAP_FAILED)
        return 2;
    memset(page, 'x', 4096);
    int rc = madvise(area, 5 * 4096, MADV_DONTNEED);
    int err = errno;
    printf("madvise %d (%s), page now %d\n", rc, strerror(err), page[0]);
    if (rc != -1 || err != ENOMEM || page[0] != 0)
        return 3;
    /* mprotect changes the mapped pages before it finds the hole */
    char *two =
        mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (two == MAP_FAILED || munmap(two + 4096, 4096) != 0)
        return 4;
    rc = mprotect(two, 3 * 4096, PROT_READ | PROT_WRITE);
    err = errno;
    two[0] = 'w'; /* writable although mprotect failed */
    printf("mprotect %d (%s), wrote %c\n", rc, strerror(err), two[0]);
    if (rc != -1 || err != ENOMEM)
        return 5;
    printf("rrt-corpus: ok\n");
    return 0;
}

/* corpus: a process spins on RDTSC over shared memory until its child, which
 * must run a system call first, sets a flag */
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

int main(void)
{
    atomic_int *flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (flag == MAP_FAILED)
        return 1;
    pid_t c = fork();
    if (c == 0) {
        usleep(1000);
        atomic_store(flag, 1);
        _exit(0);
    }
    unsigned long long t0 = __rdtsc();
    while (!atomic_load(flag))
        if (__rdtsc() < t0)
            return 2;
    int st;
    waitpid(c, &st, 0);
    printf("the child's flag came through shared memory\n");
    printf("rrt-corpus: ok\n");
    return 0;
}

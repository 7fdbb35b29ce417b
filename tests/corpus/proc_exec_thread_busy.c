/* corpus: execve from a non-leader thread while sibling threads block in system
 * calls */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char self[4096];
static int fds[2];

static void *block(void *arg)
{
    char b;
    (void)arg;
    (void)!read(fds[0], &b, 1);
    return NULL;
}

static void *run(void *arg)
{
    (void)arg;
    usleep(10000);
    char *argv[] = {self, "again", NULL};
    execv(self, argv);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "again") == 0) {
        printf("exec'd while siblings blocked\n");
        printf("rrt-corpus: ok\n");
        return 0;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0 || pipe(fds) != 0)
        return 1;
    self[n] = 0;
    pthread_t t;
    pthread_create(&t, NULL, block, NULL);
    pthread_create(&t, NULL, block, NULL);
    pthread_create(&t, NULL, run, NULL);
    char b;
    (void)!read(fds[0], &b, 1);
    return 1;
}

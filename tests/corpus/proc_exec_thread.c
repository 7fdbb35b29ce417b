/* corpus: execve from a thread that is not the leader */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char self[4096];

static void *run(void *arg)
{
    (void)arg;
    char *argv[] = {self, "again", NULL};
    execv(self, argv);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "again") == 0) {
        printf("exec'd from a thread, pid %s\n", getpid() > 0 ? "ok" : "?");
        printf("rrt-corpus: ok\n");
        return 0;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return 1;
    self[n] = 0;
    pthread_t t;
    pthread_create(&t, NULL, run, NULL);
    for (;;)
        pause();
}

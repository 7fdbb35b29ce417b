/* corpus: in a child process, a thread other than the leader execs; the parent
 * waits for the new program */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *run(void *arg)
{
    (void)arg;
    execlp("sh", "sh", "-c", "exit 5", (char *)NULL);
    return NULL;
}

int main(void)
{
    pid_t c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, run, NULL);
        for (;;)
            pause();
    }
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 5)
        return 1;
    printf("the child's thread exec'd sh, which exited 5\n");
    printf("rrt-corpus: ok\n");
    return 0;
}

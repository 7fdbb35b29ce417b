/* Signals its own process group, which rrt record must not be in:
 * tr_killgroup SIG handle|die. "handle" catches SIG and prints the ok
 * line; "die" prints it first and dies of SIG. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_sig(int s)
{
    got = s;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int sig = strcmp(argv[1], "INT") == 0    ? SIGINT
              : strcmp(argv[1], "ABRT") == 0 ? SIGABRT
              : strcmp(argv[1], "TRAP") == 0 ? SIGTRAP
                                             : SIGTERM;
    int die = strcmp(argv[2], "die") == 0;
    if (!die)
        signal(sig, on_sig);
    printf("signalling my group with %s\n", argv[1]);
    fflush(stdout);
    if (kill(0, sig) != 0)
        return 3;
    while (!got)
        usleep(1000);
    printf("caught it\n");
    return 0;
}

/* corpus: what rrt's syscall buffer must not change in what the program
 * observes: its descriptors (/proc/self/fd), its environment, and the
 * seccomp mode prctl reports; the library's mapping at 0x7fffe0000000 is
 * the documented exception, so only its absence elsewhere is checked */
#include <dirent.h>
#include <sys/prctl.h>
#include "sys_common.h"

extern char **environ;

int main(void)
{
    DIR *d = opendir("/proc/self/fd");
    need(d != NULL, "opendir");
    int own = dirfd(d), n = 0;
    struct dirent *e;
    printf("descriptors:");
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && atoi(e->d_name) != own) {
            printf(" %s", e->d_name);
            n++;
        }
    printf(" (%d)\n", n);
    closedir(d);
    int preload = 0;
    for (char **v = environ; *v; v++)
        if (!strncmp(*v, "LD_PRELOAD=", 11) || !strncmp(*v, "RRT_SB", 6))
            preload++;
    show("injected variables", preload);
    show("seccomp mode", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    /* no mapping of the library's but its one region */
    FILE *m = fopen("/proc/self/maps", "re");
    need(m != NULL, "maps");
    char line[512];
    int odd = 0;
    while (fgets(line, sizeof(line), m))
        if (strstr(line, "rrt") || strstr(line, "syscallbuf"))
            odd++;
    fclose(m);
    show("rrt-named mappings", odd);
    return corpus_ok();
}

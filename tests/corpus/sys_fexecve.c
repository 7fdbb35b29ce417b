/* corpus: fexecve re-executes the program through a descriptor */
#include <fcntl.h>
#include "sys_common.h"

extern char **environ;

int main(int argc, char **argv)
{
    if (argc > 1) {
        printf("exec'd with %s\n", argv[1]);
        return corpus_ok();
    }
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    need(fd >= 0, "open self");
    char *args[] = {argv[0], "an argument", NULL};
    fexecve(fd, args, environ);
    printf("fexecve: %s\n", strerrorname_np(errno));
    return 1;
}

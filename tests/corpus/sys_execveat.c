/* corpus: execveat relative to a directory descriptor, then by absolute path */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include "sys_common.h"

extern char **environ;

int main(int argc, char **argv)
{
    if (argc > 2) {
        printf("exec'd: %s %s\n", argv[1], argv[2]);
        if (strcmp(argv[1], "second") == 0)
            return corpus_ok();
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    need(n > 0, "readlink");
    self[n] = 0;
    char dir[PATH_MAX], base[PATH_MAX];
    strcpy(dir, self);
    strcpy(base, self);
    if (argc > 2) { /* the second exec: absolute path, dirfd ignored */
        char *args[] = {argv[0], "second", "absolute", NULL};
        syscall(SYS_execveat, 12345, self, args, environ, 0);
        printf("execveat absolute: %s\n", strerrorname_np(errno));
        return 1;
    }
    int d = open(dirname(dir), O_RDONLY | O_DIRECTORY);
    need(d >= 0, "open dir");
    show("execveat missing",
         syscall(SYS_execveat, d, "no-such-program", argv, environ, 0));
    show("execveat bad flags",
         syscall(SYS_execveat, d, basename(base), argv, environ, 0x7000));
    char *args[] = {argv[0], "first", "relative", NULL};
    syscall(SYS_execveat, d, basename(base), args, environ, 0);
    printf("execveat relative: %s\n", strerrorname_np(errno));
    return 1;
}

/* Tracee: creates and writes a file (argv[1]). At replay the file must not
 * appear: the open is emulated, and the seccomp wall would stop it. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "created\n", 8) != 8)
        return 1;
    close(fd);
    printf("create: wrote %s\n", argv[1]);
    return 0;
}

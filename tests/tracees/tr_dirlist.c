/* Tracee: lists a directory (argv[1]) in getdents64 order. */
#include <dirent.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    DIR *d = opendir(argc > 1 ? argv[1] : ".");
    if (!d)
        return 1;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        printf("dir[%d]: %s ino=%llu\n", n++, e->d_name,
               (unsigned long long)e->d_ino);
    closedir(d);
    return 0;
}

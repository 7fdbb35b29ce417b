/* Tracee: randomness from getrandom and from /dev/urandom. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

static void hex(const char *what, const unsigned char *p, size_t n)
{
    printf("%s=", what);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

int main(void)
{
    unsigned char a[16], b[16];
    if (getrandom(a, sizeof(a), 0) != (ssize_t)sizeof(a))
        return 1;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
        return 1;
    close(fd);
    hex("getrandom", a, sizeof(a));
    hex("urandom", b, sizeof(b));
    return 0;
}

/* A 64-bit program that makes a 32-bit system call through int 0x80: the
 * kernel takes eax as an i386 number (20, getpid; 20 is writev on
 * x86-64). */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
    printf("int 0x80 getpid %s\n", r == getpid() ? "agrees" : "differs");
    return 0;
}

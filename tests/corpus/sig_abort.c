/* corpus: exit=134 abort(): death by SIGABRT */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    abort();
}

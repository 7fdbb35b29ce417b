/* corpus: the program finds the vDSO through getauxval(AT_SYSINFO_EHDR),
 * walks its ELF for __vdso_clock_gettime and calls it; the time it gets
 * is printed, so replay must give the recorded time, not read the clock */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>

static void *vdso_sym(const char *want)
{
    const unsigned char *base = (const void *)getauxval(AT_SYSINFO_EHDR);
    if (!base)
        return NULL;
    const Elf64_Ehdr *eh = (const void *)base;
    const Elf64_Phdr *ph = (const void *)(base + eh->e_phoff);
    long bias = 0;
    const Elf64_Dyn *dyn = NULL;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
            bias = (long)base - (long)ph[i].p_vaddr;
        if (ph[i].p_type == PT_DYNAMIC)
            dyn = (const void *)(base + ph[i].p_offset);
    }
    const Elf64_Sym *sym = NULL;
    const char *str = NULL;
    const Elf32_Word *hash = NULL;
    for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
        if (dyn->d_tag == DT_SYMTAB)
            sym = (const void *)(dyn->d_un.d_ptr + bias);
        if (dyn->d_tag == DT_STRTAB)
            str = (const void *)(dyn->d_un.d_ptr + bias);
        if (dyn->d_tag == DT_HASH)
            hash = (const void *)(dyn->d_un.d_ptr + bias);
    }
    if (!sym || !str || !hash)
        return NULL;
    for (Elf32_Word i = 0; i < hash[1]; i++)
        if (sym[i].st_shndx != SHN_UNDEF &&
            strcmp(str + sym[i].st_name, want) == 0)
            return (void *)(sym[i].st_value + bias);
    return NULL;
}

int main(void)
{
    int (*cg)(clockid_t, struct timespec *) = vdso_sym("__vdso_clock_gettime");
    if (!cg) {
        printf("no vDSO clock_gettime\n");
        return 1;
    }
    struct timespec a = {0}, b = {0};
    if (cg(CLOCK_REALTIME, &a) != 0 || cg(CLOCK_MONOTONIC, &b) != 0)
        return 2;
    printf("realtime %lld.%09ld monotonic %lld.%09ld\n", (long long)a.tv_sec,
           a.tv_nsec, (long long)b.tv_sec, b.tv_nsec);
    if (a.tv_sec < 1600000000)
        return 3;
    printf("rrt-corpus: ok\n");
    return 0;
}

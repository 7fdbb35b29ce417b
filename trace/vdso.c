/* The vDSO, kept visible and made to ask the kernel. Its functions read
 * the clock from memory the kernel updates, which neither engine sees; rr
 * keeps the vDSO and patches its entry points, and so do we: each function
 * becomes `mov $nr, %eax; syscall; ret` for the call it stands for, or
 * returns -ENOSYS (callers then make the system call themselves). Programs
 * that find the vDSO through AT_SYSINFO_EHDR and walk its ELF still find
 * every symbol, and every answer is a system call the recorder records. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "trace.h"

/* The kernel's vDSO is a few pages; anything larger is not one. */
#define VDSO_MAX (1u << 20)

typedef struct vdso_fn {
    const char *name; /* without the __vdso_ prefix */
    long nr;          /* its system call, or -1: return -ENOSYS */
} vdso_fn;

static const vdso_fn fns[] = {
    {"clock_gettime", SYS_clock_gettime},
    {"gettimeofday", SYS_gettimeofday},
    {"time", SYS_time},
    {"getcpu", SYS_getcpu},
    {"clock_getres", SYS_clock_getres},
};

static long fn_syscall(const char *name)
{
    if (strncmp(name, "__vdso_", 7) == 0)
        name += 7;
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
        if (strcmp(name, fns[i].name) == 0)
            return fns[i].nr;
    return -1;
}

/* The vDSO's size: the end of its last PT_LOAD segment. */
static bool image_size(int memfd, uint64_t base, uint64_t *size)
{
    Elf64_Ehdr eh;
    if (!trace_mem_read(memfd, base, &eh, sizeof(eh)) ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64)
        return false;
    uint64_t end = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        if (!trace_mem_read(memfd, base + eh.e_phoff + i * sizeof(ph), &ph,
                            sizeof(ph)))
            return false;
        if (ph.p_type == PT_LOAD && ph.p_offset + ph.p_filesz > end)
            end = ph.p_offset + ph.p_filesz;
    }
    /* mapped whole pages: the section headers follow the segment */
    *size = (end + 4095) & ~(uint64_t)4095;
    return end >= sizeof(eh) && *size <= VDSO_MAX;
}

static bool in_image(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

/* Patches every function .dynsym defines. The vDSO is linked at 0 and
 * mapped whole, so a symbol's value is its offset in the image. */
static bool patch_functions(int memfd, uint64_t base, const uint8_t *img,
                            uint64_t size)
{
    const Elf64_Ehdr *eh = (const void *)img;
    if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !in_image(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr),
                  size))
        return false;
    const Elf64_Shdr *sh = (const void *)(img + eh->e_shoff);
    bool found = false;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum ||
            !in_image(sh[i].sh_offset, sh[i].sh_size, size))
            continue;
        const Elf64_Shdr *str = &sh[sh[i].sh_link];
        if (!in_image(str->sh_offset, str->sh_size, size) || !str->sh_size)
            return false;
        const char *names = (const char *)img + str->sh_offset;
        size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
        for (size_t j = 0; j < n; j++) {
            Elf64_Sym s;
            memcpy(&s, img + sh[i].sh_offset + j * sizeof(s), sizeof(s));
            if (ELF64_ST_TYPE(s.st_info) != STT_FUNC ||
                s.st_shndx == SHN_UNDEF || s.st_name >= str->sh_size ||
                !memchr(names + s.st_name, 0, str->sh_size - s.st_name))
                continue;
            long nr = fn_syscall(names + s.st_name);
            uint8_t stub[8];
            if (nr >= 0) { /* mov $nr, %eax; syscall; ret */
                const uint8_t code[8] = {0xb8, (uint8_t)nr, (uint8_t)(nr >> 8),
                                         0,    0,           0x0f,
                                         0x05, 0xc3};
                memcpy(stub, code, sizeof(stub));
            } else { /* mov $-ENOSYS, %rax; ret */
                const uint8_t code[8] = {0x48, 0xc7, 0xc0, 0xda,
                                         0xff, 0xff, 0xff, 0xc3};
                memcpy(stub, code, sizeof(stub));
            }
            if (!in_image(s.st_value, sizeof(stub), size) ||
                (s.st_size && s.st_size < sizeof(stub)))
                return false;
            if (!trace_mem_write(memfd, base + s.st_value, stub, sizeof(stub)))
                return false;
            found = true;
        }
    }
    return found;
}

bool trace_vdso_patch(int memfd, uint64_t base)
{
    uint64_t size;
    if (!image_size(memfd, base, &size))
        return false;
    uint8_t *img = malloc(size);
    bool ok = img && trace_mem_read(memfd, base, img, size) &&
              patch_functions(memfd, base, img, size);
    free(img);
    return ok;
}

/* The CPUID sites of tr_cpustub, in a shared library (loaded near the
 * syscall buffer's region, in reach of its stubs; the executable is not),
 * written in assembly so that what follows each CPUID is known: a
 * rip-relative store (adjusted in the stub), plain stores, a flag test
 * and upper-half checks, and one site whose next instruction is the
 * target of a branch (it must keep trapping). */
#include <stdint.h>

__attribute__((visibility("hidden"))) uint32_t g_last;

/* uint32_t cpuid_rip(uint32_t leaf): CPUID(leaf, 0), eax also stored
 * rip-relative into g_last right after the CPUID */
/* void cpuid_sub(uint32_t leaf, uint32_t sub, uint32_t out[4]) */
/* uint64_t cpuid_state(uint32_t leaf): bit 0, CF after CPUID (set before);
 * bits 8..: the upper halves of rax, rbx, rcx, rdx after it, or'ed */
/* uint32_t cpuid_target(uint32_t leaf, uint32_t n): n CPUIDs at a site
 * whose next instruction a branch targets; the sum of their ebx and edx */
__asm__(".text\n"
        ".globl cpuid_rip\n"
        ".type cpuid_rip,@function\n"
        "cpuid_rip:\n"
        "  push %rbx\n"
        "  mov %edi,%eax\n"
        "  xor %ecx,%ecx\n"
        "  cpuid\n"
        "  mov %eax,g_last(%rip)\n"
        "  add %ebx,%eax\n"
        "  pop %rbx\n"
        "  ret\n"
        ".globl cpuid_sub\n"
        ".type cpuid_sub,@function\n"
        "cpuid_sub:\n"
        "  push %rbx\n"
        "  mov %rdx,%r8\n"
        "  mov %edi,%eax\n"
        "  mov %esi,%ecx\n"
        "  cpuid\n"
        "  mov %eax,(%r8)\n"
        "  mov %ebx,4(%r8)\n"
        "  mov %ecx,8(%r8)\n"
        "  mov %edx,12(%r8)\n"
        "  pop %rbx\n"
        "  ret\n"
        ".globl cpuid_state\n"
        ".type cpuid_state,@function\n"
        "cpuid_state:\n"
        "  push %rbx\n"
        "  movabs $0xdead000000000000,%rax\n"
        "  mov %rax,%rbx\n"
        "  mov %rax,%rcx\n"
        "  mov %rax,%rdx\n"
        "  or %rdi,%rax\n"
        "  xor %r9d,%r9d\n"
        "  stc\n"
        "  cpuid\n"
        "  setc %r9b\n"
        "  mov %rax,%r8\n"
        "  or %rbx,%r8\n"
        "  or %rcx,%r8\n"
        "  or %rdx,%r8\n"
        "  shr $32,%r8\n"
        "  shl $8,%r8\n"
        "  or %r9,%r8\n"
        "  mov %r8,%rax\n"
        "  pop %rbx\n"
        "  ret\n"
        ".globl cpuid_target\n"
        ".type cpuid_target,@function\n"
        "cpuid_target:\n"
        "  push %rbx\n"
        "  mov %esi,%r10d\n"
        "  xor %r11d,%r11d\n"
        "1:\n"
        "  mov %edi,%eax\n"
        "  xor %ecx,%ecx\n"
        "  cpuid\n"
        "2:\n"
        "  add %ebx,%r11d\n"
        "  add %edx,%r11d\n"
        "  dec %r10d\n"
        "  jg 1b\n"
        "  cmp $-1,%r10d\n"
        "  je 2b\n" /* never taken, but a branch into the span */
        "  mov %r11d,%eax\n"
        "  pop %rbx\n"
        "  ret\n");

uint32_t cpuid_last(void)
{
    return g_last;
}

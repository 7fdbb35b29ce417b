/* The CPU feature table (CPUID bit -> /proc/cpuinfo name) and the masks
 * built from it: by name and by x86-64 psABI level. */
#include <stdlib.h>
#include <string.h>

#include "rrt/cpufeat.h"
#include "rrti.h"

#define U RRT_FEAT_USER
#define S 0u
#define EAX RRT_REG_EAX
#define EBX RRT_REG_EBX
#define ECX RRT_REG_ECX
#define EDX RRT_REG_EDX
#define F(name, leaf, sub, reg, bit, level, flags)                             \
    {                                                                          \
        name, leaf, sub, reg, bit, level, flags                                \
    }

/*
 * Sources. Names: Linux arch/x86/include/asm/cpufeatures.h (v6.12), the
 * quoted string of each X86_FEATURE_* comment, which is what /proc/cpuinfo
 * shows ("pni" for SSE3, "abm" for LZCNT, "dts" for DS). Bits Linux does not
 * display use the lower-cased macro name (osxsave, shstk, cmpccxadd, ...);
 * bits Linux does not define at all use the lower-cased mnemonic of the
 * Intel SDM vol. 2A "CPUID" table or the AMD APM vol. 3 appendix E (the
 * Intel PT bits use the names of /sys/bus/event_source/devices/intel_pt/
 * caps with a "pt_" prefix). Bit positions: Intel SDM vol. 2A, CPUID
 * instruction, and AMD APM vol. 3, appendix E.
 *
 * Levels: the x86-64 psABI, section 3.1.1 "Processor Architecture" (levels
 * baseline, v2, v3, v4). Level 1 also carries lm, tsc and clflush, which
 * every 64-bit x86 processor has although the psABI does not list them, and
 * level 3 carries xsave, which its OSXSAVE requirement implies.
 *
 * Flags: U marks what user-mode code can execute or depend on; see
 * RRT_FEAT_USER. Performance hints (erms, fsrm, ...) are S: their absence
 * only makes the same instructions slower.
 *
 * Keep the table sorted by (leaf, subleaf, register, bit); a test checks it.
 */
static const rrt_cpu_feature features[] = {
    /* Leaf 1 ECX */
    F("pni", 0x1, 0, ECX, 0, 2, U),
    F("pclmulqdq", 0x1, 0, ECX, 1, 0, U),
    F("dtes64", 0x1, 0, ECX, 2, 0, S),
    F("monitor", 0x1, 0, ECX, 3, 0, S),
    F("ds_cpl", 0x1, 0, ECX, 4, 0, S),
    F("vmx", 0x1, 0, ECX, 5, 0, S),
    F("smx", 0x1, 0, ECX, 6, 0, S),
    F("est", 0x1, 0, ECX, 7, 0, S),
    F("tm2", 0x1, 0, ECX, 8, 0, S),
    F("ssse3", 0x1, 0, ECX, 9, 2, U),
    F("cid", 0x1, 0, ECX, 10, 0, S),
    F("sdbg", 0x1, 0, ECX, 11, 0, S),
    F("fma", 0x1, 0, ECX, 12, 3, U),
    F("cx16", 0x1, 0, ECX, 13, 2, U),
    F("xtpr", 0x1, 0, ECX, 14, 0, S),
    F("pdcm", 0x1, 0, ECX, 15, 0, S),
    F("pcid", 0x1, 0, ECX, 17, 0, S),
    F("dca", 0x1, 0, ECX, 18, 0, S),
    F("sse4_1", 0x1, 0, ECX, 19, 2, U),
    F("sse4_2", 0x1, 0, ECX, 20, 2, U),
    F("x2apic", 0x1, 0, ECX, 21, 0, S),
    F("movbe", 0x1, 0, ECX, 22, 3, U),
    F("popcnt", 0x1, 0, ECX, 23, 2, U),
    F("tsc_deadline_timer", 0x1, 0, ECX, 24, 0, S),
    F("aes", 0x1, 0, ECX, 25, 0, U),
    F("xsave", 0x1, 0, ECX, 26, 3, U),
    F("osxsave", 0x1, 0, ECX, 27, 3, U),
    F("avx", 0x1, 0, ECX, 28, 3, U),
    F("f16c", 0x1, 0, ECX, 29, 3, U),
    F("rdrand", 0x1, 0, ECX, 30, 0, U),
    F("hypervisor", 0x1, 0, ECX, 31, 0, S),
    /* Leaf 1 EDX */
    F("fpu", 0x1, 0, EDX, 0, 1, U),
    F("vme", 0x1, 0, EDX, 1, 0, S),
    F("de", 0x1, 0, EDX, 2, 0, S),
    F("pse", 0x1, 0, EDX, 3, 0, S),
    F("tsc", 0x1, 0, EDX, 4, 1, U),
    F("msr", 0x1, 0, EDX, 5, 0, S),
    F("pae", 0x1, 0, EDX, 6, 0, S),
    F("mce", 0x1, 0, EDX, 7, 0, S),
    F("cx8", 0x1, 0, EDX, 8, 1, U),
    F("apic", 0x1, 0, EDX, 9, 0, S),
    F("sep", 0x1, 0, EDX, 11, 0, U),
    F("mtrr", 0x1, 0, EDX, 12, 0, S),
    F("pge", 0x1, 0, EDX, 13, 0, S),
    F("mca", 0x1, 0, EDX, 14, 0, S),
    F("cmov", 0x1, 0, EDX, 15, 1, U),
    F("pat", 0x1, 0, EDX, 16, 0, S),
    F("pse36", 0x1, 0, EDX, 17, 0, S),
    F("pn", 0x1, 0, EDX, 18, 0, S),
    F("clflush", 0x1, 0, EDX, 19, 1, U),
    F("dts", 0x1, 0, EDX, 21, 0, S),
    F("acpi", 0x1, 0, EDX, 22, 0, S),
    F("mmx", 0x1, 0, EDX, 23, 1, U),
    F("fxsr", 0x1, 0, EDX, 24, 1, U),
    F("sse", 0x1, 0, EDX, 25, 1, U),
    F("sse2", 0x1, 0, EDX, 26, 1, U),
    F("ss", 0x1, 0, EDX, 27, 0, S),
    F("ht", 0x1, 0, EDX, 28, 0, S),
    F("tm", 0x1, 0, EDX, 29, 0, S),
    F("ia64", 0x1, 0, EDX, 30, 0, S),
    F("pbe", 0x1, 0, EDX, 31, 0, S),
    /* Leaf 7 subleaf 0 EBX */
    F("fsgsbase", 0x7, 0, EBX, 0, 0, U),
    F("tsc_adjust", 0x7, 0, EBX, 1, 0, S),
    F("sgx", 0x7, 0, EBX, 2, 0, S),
    F("bmi1", 0x7, 0, EBX, 3, 3, U),
    F("hle", 0x7, 0, EBX, 4, 0, U),
    F("avx2", 0x7, 0, EBX, 5, 3, U),
    F("fdp_excptn_only", 0x7, 0, EBX, 6, 0, S),
    F("smep", 0x7, 0, EBX, 7, 0, S),
    F("bmi2", 0x7, 0, EBX, 8, 3, U),
    F("erms", 0x7, 0, EBX, 9, 0, S),
    F("invpcid", 0x7, 0, EBX, 10, 0, S),
    F("rtm", 0x7, 0, EBX, 11, 0, U),
    F("cqm", 0x7, 0, EBX, 12, 0, S),
    F("zero_fcs_fds", 0x7, 0, EBX, 13, 0, S),
    F("mpx", 0x7, 0, EBX, 14, 0, U),
    F("rdt_a", 0x7, 0, EBX, 15, 0, S),
    F("avx512f", 0x7, 0, EBX, 16, 4, U),
    F("avx512dq", 0x7, 0, EBX, 17, 4, U),
    F("rdseed", 0x7, 0, EBX, 18, 0, U),
    F("adx", 0x7, 0, EBX, 19, 0, U),
    F("smap", 0x7, 0, EBX, 20, 0, S),
    F("avx512ifma", 0x7, 0, EBX, 21, 0, U),
    F("clflushopt", 0x7, 0, EBX, 23, 0, U),
    F("clwb", 0x7, 0, EBX, 24, 0, U),
    F("intel_pt", 0x7, 0, EBX, 25, 0, S),
    F("avx512pf", 0x7, 0, EBX, 26, 0, U),
    F("avx512er", 0x7, 0, EBX, 27, 0, U),
    F("avx512cd", 0x7, 0, EBX, 28, 4, U),
    F("sha_ni", 0x7, 0, EBX, 29, 0, U),
    F("avx512bw", 0x7, 0, EBX, 30, 4, U),
    F("avx512vl", 0x7, 0, EBX, 31, 4, U),
    /* Leaf 7 subleaf 0 ECX */
    F("prefetchwt1", 0x7, 0, ECX, 0, 0, U),
    F("avx512vbmi", 0x7, 0, ECX, 1, 0, U),
    F("umip", 0x7, 0, ECX, 2, 0, S),
    F("pku", 0x7, 0, ECX, 3, 0, U),
    F("ospke", 0x7, 0, ECX, 4, 0, U),
    F("waitpkg", 0x7, 0, ECX, 5, 0, U),
    F("avx512_vbmi2", 0x7, 0, ECX, 6, 0, U),
    F("shstk", 0x7, 0, ECX, 7, 0, U),
    F("gfni", 0x7, 0, ECX, 8, 0, U),
    F("vaes", 0x7, 0, ECX, 9, 0, U),
    F("vpclmulqdq", 0x7, 0, ECX, 10, 0, U),
    F("avx512_vnni", 0x7, 0, ECX, 11, 0, U),
    F("avx512_bitalg", 0x7, 0, ECX, 12, 0, U),
    F("tme", 0x7, 0, ECX, 13, 0, S),
    F("avx512_vpopcntdq", 0x7, 0, ECX, 14, 0, U),
    F("la57", 0x7, 0, ECX, 16, 0, S),
    F("rdpid", 0x7, 0, ECX, 22, 0, U),
    F("keylocker", 0x7, 0, ECX, 23, 0, S),
    F("bus_lock_detect", 0x7, 0, ECX, 24, 0, S),
    F("cldemote", 0x7, 0, ECX, 25, 0, U),
    F("movdiri", 0x7, 0, ECX, 27, 0, U),
    F("movdir64b", 0x7, 0, ECX, 28, 0, U),
    F("enqcmd", 0x7, 0, ECX, 29, 0, U),
    F("sgx_lc", 0x7, 0, ECX, 30, 0, S),
    F("pks", 0x7, 0, ECX, 31, 0, S),
    /* Leaf 7 subleaf 0 EDX */
    F("sgx_keys", 0x7, 0, EDX, 1, 0, S),
    F("avx512_4vnniw", 0x7, 0, EDX, 2, 0, U),
    F("avx512_4fmaps", 0x7, 0, EDX, 3, 0, U),
    F("fsrm", 0x7, 0, EDX, 4, 0, S),
    F("uintr", 0x7, 0, EDX, 5, 0, U),
    F("avx512_vp2intersect", 0x7, 0, EDX, 8, 0, U),
    F("srbds_ctrl", 0x7, 0, EDX, 9, 0, S),
    F("md_clear", 0x7, 0, EDX, 10, 0, S),
    F("rtm_always_abort", 0x7, 0, EDX, 11, 0, S),
    F("tsx_force_abort", 0x7, 0, EDX, 13, 0, S),
    F("serialize", 0x7, 0, EDX, 14, 0, U),
    F("hybrid_cpu", 0x7, 0, EDX, 15, 0, S),
    F("tsxldtrk", 0x7, 0, EDX, 16, 0, U),
    F("pconfig", 0x7, 0, EDX, 18, 0, S),
    F("arch_lbr", 0x7, 0, EDX, 19, 0, S),
    F("ibt", 0x7, 0, EDX, 20, 0, S),
    F("amx_bf16", 0x7, 0, EDX, 22, 0, U),
    F("avx512_fp16", 0x7, 0, EDX, 23, 0, U),
    F("amx_tile", 0x7, 0, EDX, 24, 0, U),
    F("amx_int8", 0x7, 0, EDX, 25, 0, U),
    F("spec_ctrl", 0x7, 0, EDX, 26, 0, S),
    F("intel_stibp", 0x7, 0, EDX, 27, 0, S),
    F("flush_l1d", 0x7, 0, EDX, 28, 0, S),
    F("arch_capabilities", 0x7, 0, EDX, 29, 0, S),
    F("core_capabilities", 0x7, 0, EDX, 30, 0, S),
    F("spec_ctrl_ssbd", 0x7, 0, EDX, 31, 0, S),
    /* Leaf 7 subleaf 1 EAX */
    F("sha512", 0x7, 1, EAX, 0, 0, U),
    F("sm3", 0x7, 1, EAX, 1, 0, U),
    F("sm4", 0x7, 1, EAX, 2, 0, U),
    F("rao_int", 0x7, 1, EAX, 3, 0, U),
    F("avx_vnni", 0x7, 1, EAX, 4, 0, U),
    F("avx512_bf16", 0x7, 1, EAX, 5, 0, U),
    F("lass", 0x7, 1, EAX, 6, 0, S),
    F("cmpccxadd", 0x7, 1, EAX, 7, 0, U),
    F("arch_perfmon_ext", 0x7, 1, EAX, 8, 0, S),
    F("fzrm", 0x7, 1, EAX, 10, 0, S),
    F("fsrs", 0x7, 1, EAX, 11, 0, S),
    F("fsrc", 0x7, 1, EAX, 12, 0, S),
    F("fred", 0x7, 1, EAX, 17, 0, S),
    F("lkgs", 0x7, 1, EAX, 18, 0, S),
    F("wrmsrns", 0x7, 1, EAX, 19, 0, S),
    F("amx_fp16", 0x7, 1, EAX, 21, 0, U),
    F("hreset", 0x7, 1, EAX, 22, 0, S),
    F("avx_ifma", 0x7, 1, EAX, 23, 0, U),
    F("lam", 0x7, 1, EAX, 26, 0, S),
    F("msrlist", 0x7, 1, EAX, 27, 0, S),
    /* Leaf 7 subleaf 1 EDX */
    F("avx_vnni_int8", 0x7, 1, EDX, 4, 0, U),
    F("avx_ne_convert", 0x7, 1, EDX, 5, 0, U),
    F("amx_complex", 0x7, 1, EDX, 8, 0, U),
    F("avx_vnni_int16", 0x7, 1, EDX, 10, 0, U),
    F("prefetchiti", 0x7, 1, EDX, 14, 0, U),
    F("user_msr", 0x7, 1, EDX, 15, 0, U),
    F("cet_sss", 0x7, 1, EDX, 18, 0, S),
    F("avx10", 0x7, 1, EDX, 19, 0, U),
    F("apx_f", 0x7, 1, EDX, 21, 0, U),
    /* Leaf 7 subleaf 2 EDX: speculation controls */
    F("intel_psfd", 0x7, 2, EDX, 0, 0, S),
    F("ipred_ctrl", 0x7, 2, EDX, 1, 0, S),
    F("rrsba_ctrl", 0x7, 2, EDX, 2, 0, S),
    F("ddpd_u", 0x7, 2, EDX, 3, 0, S),
    F("bhi_ctrl", 0x7, 2, EDX, 4, 0, S),
    F("mcdt_no", 0x7, 2, EDX, 5, 0, S),
    F("uc_lock_disable", 0x7, 2, EDX, 6, 0, S),
    F("monitor_mitg_no", 0x7, 2, EDX, 7, 0, S),
    /* Leaf 0xD subleaf 1 EAX */
    F("xsaveopt", 0xd, 1, EAX, 0, 0, U),
    F("xsavec", 0xd, 1, EAX, 1, 0, U),
    F("xgetbv1", 0xd, 1, EAX, 2, 0, U),
    F("xsaves", 0xd, 1, EAX, 3, 0, S),
    F("xfd", 0xd, 1, EAX, 4, 0, S),
    /* Leaf 0x14 subleaf 0: Intel Processor Trace */
    F("pt_cr3_filtering", 0x14, 0, EBX, 0, 0, S),
    F("pt_psb_cyc", 0x14, 0, EBX, 1, 0, S),
    F("pt_ip_filtering", 0x14, 0, EBX, 2, 0, S),
    F("pt_mtc", 0x14, 0, EBX, 3, 0, S),
    F("ptwrite", 0x14, 0, EBX, 4, 0, U),
    F("pt_power_event_trace", 0x14, 0, EBX, 5, 0, S),
    F("pt_event_trace", 0x14, 0, EBX, 7, 0, S),
    F("pt_tnt_disable", 0x14, 0, EBX, 8, 0, S),
    F("pt_topa_output", 0x14, 0, ECX, 0, 0, S),
    F("pt_topa_multiple_entries", 0x14, 0, ECX, 1, 0, S),
    F("pt_single_range_output", 0x14, 0, ECX, 2, 0, S),
    F("pt_output_subsys", 0x14, 0, ECX, 3, 0, S),
    F("pt_payloads_lip", 0x14, 0, ECX, 31, 0, S),
    /* Leaf 0x19: Key Locker */
    F("kl_cpl0_only", 0x19, 0, EAX, 0, 0, S),
    F("kl_no_encrypt", 0x19, 0, EAX, 1, 0, S),
    F("kl_no_decrypt", 0x19, 0, EAX, 2, 0, S),
    F("aeskle", 0x19, 0, EBX, 0, 0, U),
    F("wide_kl", 0x19, 0, EBX, 2, 0, U),
    F("kl_iwkey_backup", 0x19, 0, EBX, 4, 0, S),
    F("kl_nobackup", 0x19, 0, ECX, 0, 0, S),
    F("kl_random_iwkey", 0x19, 0, ECX, 1, 0, S),
    /* Leaf 0x80000001 ECX */
    F("lahf_lm", 0x80000001, 0, ECX, 0, 2, U),
    F("cmp_legacy", 0x80000001, 0, ECX, 1, 0, S),
    F("svm", 0x80000001, 0, ECX, 2, 0, S),
    F("extapic", 0x80000001, 0, ECX, 3, 0, S),
    F("cr8_legacy", 0x80000001, 0, ECX, 4, 0, S),
    F("abm", 0x80000001, 0, ECX, 5, 3, U),
    F("sse4a", 0x80000001, 0, ECX, 6, 0, U),
    F("misalignsse", 0x80000001, 0, ECX, 7, 0, U),
    F("3dnowprefetch", 0x80000001, 0, ECX, 8, 0, U),
    F("osvw", 0x80000001, 0, ECX, 9, 0, S),
    F("ibs", 0x80000001, 0, ECX, 10, 0, S),
    F("xop", 0x80000001, 0, ECX, 11, 0, U),
    F("skinit", 0x80000001, 0, ECX, 12, 0, S),
    F("wdt", 0x80000001, 0, ECX, 13, 0, S),
    F("lwp", 0x80000001, 0, ECX, 15, 0, U),
    F("fma4", 0x80000001, 0, ECX, 16, 0, U),
    F("tce", 0x80000001, 0, ECX, 17, 0, S),
    F("nodeid_msr", 0x80000001, 0, ECX, 19, 0, S),
    F("tbm", 0x80000001, 0, ECX, 21, 0, U),
    F("topoext", 0x80000001, 0, ECX, 22, 0, S),
    F("perfctr_core", 0x80000001, 0, ECX, 23, 0, S),
    F("perfctr_nb", 0x80000001, 0, ECX, 24, 0, S),
    F("bpext", 0x80000001, 0, ECX, 26, 0, S),
    F("ptsc", 0x80000001, 0, ECX, 27, 0, S),
    F("perfctr_llc", 0x80000001, 0, ECX, 28, 0, S),
    F("mwaitx", 0x80000001, 0, ECX, 29, 0, U),
    /* Leaf 0x80000001 EDX (bits that repeat leaf 1 EDX on AMD are left
     * out: names must be unique and leaf 1 is authoritative) */
    F("syscall", 0x80000001, 0, EDX, 11, 1, U),
    F("mp", 0x80000001, 0, EDX, 19, 0, S),
    F("nx", 0x80000001, 0, EDX, 20, 0, S),
    F("mmxext", 0x80000001, 0, EDX, 22, 0, U),
    F("fxsr_opt", 0x80000001, 0, EDX, 25, 0, U),
    F("pdpe1gb", 0x80000001, 0, EDX, 26, 0, S),
    F("rdtscp", 0x80000001, 0, EDX, 27, 0, U),
    F("lm", 0x80000001, 0, EDX, 29, 1, U),
    F("3dnowext", 0x80000001, 0, EDX, 30, 0, U),
    F("3dnow", 0x80000001, 0, EDX, 31, 0, U),
    /* Leaf 0x80000007: RAS and power management */
    F("overflow_recov", 0x80000007, 0, EBX, 0, 0, S),
    F("succor", 0x80000007, 0, EBX, 1, 0, S),
    F("smca", 0x80000007, 0, EBX, 3, 0, S),
    F("hw_pstate", 0x80000007, 0, EDX, 7, 0, S),
    /* Invariant TSC; Linux shows it as constant_tsc + nonstop_tsc. */
    F("nonstop_tsc", 0x80000007, 0, EDX, 8, 0, S),
    F("cpb", 0x80000007, 0, EDX, 9, 0, S),
    /* Leaf 0x80000008 EBX */
    F("clzero", 0x80000008, 0, EBX, 0, 0, U),
    F("irperf", 0x80000008, 0, EBX, 1, 0, S),
    F("xsaveerptr", 0x80000008, 0, EBX, 2, 0, U),
    F("invlpgb", 0x80000008, 0, EBX, 3, 0, S),
    F("rdpru", 0x80000008, 0, EBX, 4, 0, U),
    F("wbnoinvd", 0x80000008, 0, EBX, 9, 0, S),
    F("amd_ibpb", 0x80000008, 0, EBX, 12, 0, S),
    F("amd_ibrs", 0x80000008, 0, EBX, 14, 0, S),
    F("amd_stibp", 0x80000008, 0, EBX, 15, 0, S),
    F("amd_stibp_always_on", 0x80000008, 0, EBX, 17, 0, S),
    F("amd_ppin", 0x80000008, 0, EBX, 23, 0, S),
    F("amd_ssbd", 0x80000008, 0, EBX, 24, 0, S),
    F("virt_ssbd", 0x80000008, 0, EBX, 25, 0, S),
    F("amd_ssb_no", 0x80000008, 0, EBX, 26, 0, S),
    F("cppc", 0x80000008, 0, EBX, 27, 0, S),
    F("amd_psfd", 0x80000008, 0, EBX, 28, 0, S),
    F("btc_no", 0x80000008, 0, EBX, 29, 0, S),
    F("brs", 0x80000008, 0, EBX, 31, 0, S),
    /* Leaf 0x80000021 EAX */
    F("no_nested_data_bp", 0x80000021, 0, EAX, 0, 0, S),
    F("wrmsr_xx_base_ns", 0x80000021, 0, EAX, 1, 0, S),
    F("lfence_rdtsc", 0x80000021, 0, EAX, 2, 0, S),
    F("null_sel_clr_base", 0x80000021, 0, EAX, 6, 0, S),
    F("autoibrs", 0x80000021, 0, EAX, 8, 0, S),
    F("no_smm_ctl_msr", 0x80000021, 0, EAX, 9, 0, S),
    F("cpuid_user_dis", 0x80000021, 0, EAX, 17, 0, S),
    F("sbpb", 0x80000021, 0, EAX, 27, 0, S),
    F("ibpb_brtype", 0x80000021, 0, EAX, 28, 0, S),
    F("srso_no", 0x80000021, 0, EAX, 29, 0, S),
};

#define N_FEATURES (sizeof(features) / sizeof(features[0]))

size_t rrt_cpu_feature_count(void)
{
    return N_FEATURES;
}

const rrt_cpu_feature *rrt_cpu_feature_at(size_t i)
{
    return i < N_FEATURES ? &features[i] : NULL;
}

const rrt_cpu_feature *rrt_cpu_feature_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N_FEATURES; i++)
        if (strcmp(features[i].name, name) == 0)
            return &features[i];
    return NULL;
}

bool rrt_cpu_feature_present(const rrt_cpuid_manifest *m,
                             const rrt_cpu_feature *f)
{
    uint32_t v[4];
    if (!rrt_cpuid_manifest_effective(m, f->leaf, f->subleaf, v))
        return false;
    return (v[f->reg & 3] >> f->bit) & 1u;
}

size_t rrt_cpu_features_list(const rrt_cpuid_manifest *m,
                             const rrt_cpu_feature **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < N_FEATURES; i++) {
        if (!rrt_cpu_feature_present(m, &features[i]))
            continue;
        if (n < cap)
            out[n] = &features[i];
        n++;
    }
    return n;
}

/* XCR0 bits (Intel SDM vol. 1, 13.1; AMD APM vol. 2, 11.5.2 for LWP). */
#define XS_AVX ((uint64_t)1 << 2)
#define XS_MPX ((uint64_t)3 << 3)
#define XS_AVX512 ((uint64_t)7 << 5)
#define XS_PKRU ((uint64_t)1 << 9)
#define XS_AMX ((uint64_t)3 << 17)
#define XS_APX ((uint64_t)1 << 19)
#define XS_LWP ((uint64_t)1 << 62)

/* True when `name` is one of the space-separated words of `list`. */
static bool word_in(const char *name, const char *list)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && memcmp(p, name, n) == 0)
            return true;
        p += len;
        p += strspn(p, " ");
    }
    return false;
}

uint64_t rrt_cpu_feature_xstate(const rrt_cpu_feature *f)
{
    /* The table of spec/compat.md, "Which features use which state".
     * VEX- and XOP-encoded instructions, even 128-bit ones (which zero the
     * upper halves), use AVX state; AVX-512 instructions also write bits
     * 128..255 of ZMM0-15, which live in AVX state. The prefixes keep
     * future avx512* and amx_* rows of the table covered. */
    static const struct {
        uint64_t xstate;
        const char *names;
    } uses[] = {
        {XS_AVX, "avx avx2 fma f16c vaes vpclmulqdq avx_vnni avx_ifma "
                 "avx_vnni_int8 avx_ne_convert avx_vnni_int16 sha512 sm3 "
                 "sm4 xop fma4"},
        {XS_AVX | XS_AVX512, "avx10"},
        {XS_MPX, "mpx"},
        {XS_PKRU, "pku ospke"},
        {XS_APX, "apx_f"},
        {XS_LWP, "lwp"},
    };
    if (!f || !(f->flags & RRT_FEAT_USER))
        return 0;
    if (strncmp(f->name, "avx512", 6) == 0)
        return XS_AVX | XS_AVX512;
    if (strncmp(f->name, "amx_", 4) == 0)
        return XS_AMX;
    for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
        if (word_in(f->name, uses[i].names))
            return uses[i].xstate;
    return 0;
}

const char *rrt_cpuid_reg_name(unsigned reg)
{
    static const char *const names[] = {"eax", "ebx", "ecx", "edx"};
    return reg < 4 ? names[reg] : "?";
}

bool rrt_cpuid_leaf_is_indexed(uint32_t leaf)
{
    /* Intel SDM vol. 2A and AMD APM vol. 3: leaves whose output depends on
     * ECX. Matches what rrt_cpuid_capture_host() enumerates. */
    static const uint32_t indexed[] = {
        0x4,  0x7,  0xb,        0xd,        0xf,        0x10, 0x12,
        0x14, 0x17, 0x18,       0x1d,       0x1e,       0x1f, 0x20,
        0x23, 0x24, 0x8000001d, 0x80000020, 0x80000026,
    };
    for (size_t i = 0; i < sizeof(indexed) / sizeof(indexed[0]); i++)
        if (indexed[i] == leaf)
            return true;
    return false;
}

/* The mask record that governs (leaf, subleaf), added as all-ones when
 * missing. An existing whole-leaf mask is reused: ANDing into it hides the
 * bit in every subleaf, which errs on the safe side. */
static rrt_cpuid_mask *mask_slot(rrt_cpuid_manifest *m, uint32_t leaf,
                                 uint32_t subleaf)
{
    bool indexed = rrt_cpuid_leaf_is_indexed(leaf);
    uint32_t sub = indexed ? subleaf : 0;
    /* The record lookup() applies: an exact (leaf, subleaf) mask wins over
     * a whole-leaf one, so clearing the whole-leaf mask would not hide the
     * bit where an exact mask exists. */
    rrt_cpuid_mask *whole = NULL;
    for (size_t i = 0; i < m->n_masks; i++) {
        rrt_cpuid_mask *k = &m->masks[i];
        if (k->leaf != leaf)
            continue;
        if (k->subleaf == sub)
            return k;
        if (!(k->flags & RRT_CPUID_SUBLEAF_INDEXED))
            whole = k;
    }
    if (whole)
        return whole;
    return rrti_mask_add(m, leaf, sub);
}

static void mask_clear_bit(rrt_cpuid_mask *k, unsigned reg, unsigned bit)
{
    uint32_t *regs[4] = {&k->eax, &k->ebx, &k->ecx, &k->edx};
    *regs[reg & 3] &= ~(1u << (bit & 31));
}

static rrt_status mask_one(rrt_cpuid_manifest *m, const rrt_cpu_feature *f,
                           rrt_error *err)
{
    rrt_cpuid_mask *k = mask_slot(m, f->leaf, f->subleaf);
    if (!k)
        return rrtx_fail(err, RRT_E_NOMEM, 0, NULL, UINT64_MAX,
                         "out of memory building a CPUID mask");
    mask_clear_bit(k, f->reg, f->bit);
    m->flags |= RRT_CPUID_MASKED;
    return RRT_OK;
}

rrt_status rrt_cpuid_mask_feature(rrt_cpuid_manifest *m,
                                  const rrt_cpu_feature *f, rrt_error *err)
{
    rrt_status st = mask_one(m, f, err);
    return st == RRT_OK ? rrt_cpuid_manifest_normalize(m, err) : st;
}

/* Calls fn(ctx, name, len) for each name in a comma/space separated list;
 * stops at the first non-OK status. */
static rrt_status each_name(const char *names,
                            rrt_status (*fn)(void *, const char *, size_t),
                            void *ctx)
{
    const char *p = names;
    while (*p) {
        size_t skip = strspn(p, ", \t");
        p += skip;
        size_t len = strcspn(p, ", \t");
        if (!len)
            continue;
        rrt_status st = fn(ctx, p, len);
        if (st != RRT_OK)
            return st;
        p += len;
    }
    return RRT_OK;
}

typedef struct name_ctx {
    rrt_cpuid_manifest *m;
    rrt_error *err;
} name_ctx;

static const rrt_cpu_feature *find_n(const char *name, size_t len)
{
    for (size_t i = 0; i < N_FEATURES; i++)
        if (strlen(features[i].name) == len &&
            memcmp(features[i].name, name, len) == 0)
            return &features[i];
    return NULL;
}

static rrt_status check_name(void *ctx, const char *name, size_t len)
{
    name_ctx *c = ctx;
    if (find_n(name, len))
        return RRT_OK;
    int shown = len > 64 ? 64 : (int)len;
    return rrtx_fail(c->err, RRT_E_INVALID, 0, NULL, UINT64_MAX,
                     "unknown CPU feature '%.*s' (see `rrt cpuid`)", shown,
                     name);
}

static rrt_status apply_name(void *ctx, const char *name, size_t len)
{
    name_ctx *c = ctx;
    return mask_one(c->m, find_n(name, len), c->err);
}

rrt_status rrt_cpuid_mask_features(rrt_cpuid_manifest *m, const char *names,
                                   rrt_error *err)
{
    if (!names)
        return rrtx_fail(err, RRT_E_INVALID, 0, NULL, UINT64_MAX,
                         "no CPU feature names given");
    name_ctx c = {m, err};
    rrt_status st = each_name(names, check_name, &c);
    if (st == RRT_OK)
        st = each_name(names, apply_name, &c);
    if (st == RRT_OK)
        st = rrt_cpuid_manifest_normalize(m, err);
    return st;
}

rrt_status rrt_cpuid_mask_level(rrt_cpuid_manifest *m, unsigned level,
                                rrt_error *err)
{
    if (level < 1 || level > 4)
        return rrtx_fail(err, RRT_E_INVALID, 0, NULL, UINT64_MAX,
                         "x86-64 psABI level must be 1..4, not %u", level);
    for (size_t i = 0; i < N_FEATURES; i++) {
        const rrt_cpu_feature *f = &features[i];
        if (!(f->flags & RRT_FEAT_USER) || (f->level && f->level <= level))
            continue;
        rrt_status st = mask_one(m, f, err);
        if (st != RRT_OK)
            return st;
    }
    return rrt_cpuid_manifest_normalize(m, err);
}

bool rrt_cpuid_level_parse(const char *s, unsigned *level)
{
    static const char *const names[] = {"x86-64", "x86-64-v2", "x86-64-v3",
                                        "x86-64-v4"};
    if (!s)
        return false;
    for (unsigned i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *level = i + 1;
            return true;
        }
    if (strcmp(s, "x86-64-v1") == 0) {
        *level = 1;
        return true;
    }
    return false;
}

unsigned rrt_cpuid_level_of(const rrt_cpuid_manifest *m)
{
    unsigned level = 4;
    for (size_t i = 0; i < N_FEATURES; i++) {
        const rrt_cpu_feature *f = &features[i];
        if (f->level && f->level <= level && !rrt_cpu_feature_present(m, f))
            level = f->level - 1u;
    }
    return level;
}

/* capstone and Zydis, loaded when rrt first decodes instructions (patching
 * CPUID sites, finding them for the site cache), not at every start of rrt:
 * relocating their tables (77,000 pointers in capstone) was half of what is
 * left of rrt's start-up after issue #17, and most recordings never decode.
 *
 * Built only with RRT_DLOPEN (top-level CMakeLists.txt; the static rrt links
 * capstone). The functions below have the libraries' own names and types,
 * so cpuid.c and cpuid_find.c call them unchanged; each forwards to the
 * library's function through a table filled once. They are not exported
 * (rrt is linked without --export-dynamic), so the libraries' internal
 * calls still bind to themselves. If a library cannot be loaded, a call
 * fails as the library itself reports failure (CS_ERR_MEM, ZYAN_STATUS_FAILED,
 * false, NULL), after one line on stderr naming the library. */
#include <capstone/capstone.h>
#ifdef RRT_HAVE_ZYDIS
#include <Zydis/Zydis.h>
#endif

#include <stdio.h>

#include "rrtx_dl.h"

/* The callers' errors ("cannot patch CPUID ...") do not know why decoding
 * failed: say it once, naming the library and its package. */
static void say_failure(const rrtx_dl_lib *lib)
{
    if (lib->err.status != RRT_OK)
        fprintf(stderr, "rrt: %s\n", lib->err.message);
}

#if CS_API_MAJOR != 4
#error "libcapstone.so.4 is capstone 4.x: update the SONAME below"
#endif

#define TRACE_CS_FUNCS(X)                                                      \
    X(cs_open)                                                                 \
    X(cs_close)                                                                \
    X(cs_malloc)                                                               \
    X(cs_free)                                                                 \
    X(cs_disasm_iter)

RRTX_DL_TABLE(trace_cs, TRACE_CS_FUNCS);
static trace_cs_table cs_fn;
static rrtx_dl_lib cs_lib = RRTX_DL_LIB("libcapstone.so.4", "libcapstone4",
                                        "patching and finding CPUID sites");

#define TRACE_CS_RESOLVE(f) rrtx_dl_sym(&cs_lib, #f, &cs_fn.f, sizeof(cs_fn.f));
static void cs_load(void)
{
    rrtx_dl_open(&cs_lib);
    TRACE_CS_FUNCS(TRACE_CS_RESOLVE)
    say_failure(&cs_lib);
}

static bool cs_ready(void)
{
    pthread_once(&cs_lib.once, cs_load);
    return cs_lib.err.status == RRT_OK;
}

cs_err cs_open(cs_arch arch, cs_mode mode, csh *handle)
{
    return cs_ready() ? cs_fn.cs_open(arch, mode, handle) : CS_ERR_MEM;
}

cs_err cs_close(csh *handle)
{
    return cs_ready() ? cs_fn.cs_close(handle) : CS_ERR_HANDLE;
}

cs_insn *cs_malloc(csh handle)
{
    return cs_ready() ? cs_fn.cs_malloc(handle) : NULL;
}

void cs_free(cs_insn *insn, size_t count)
{
    if (cs_ready())
        cs_fn.cs_free(insn, count);
}

bool cs_disasm_iter(csh handle, const uint8_t **code, size_t *size,
                    uint64_t *address, cs_insn *insn)
{
    return cs_ready() &&
           cs_fn.cs_disasm_iter(handle, code, size, address, insn);
}

#ifdef RRT_HAVE_ZYDIS
_Static_assert(ZYDIS_VERSION >> 32 == 0x40000u,
               "libZydis.so.4.0 is Zydis 4.0: update the SONAME below");

#define TRACE_ZYDIS_FUNCS(X)                                                   \
    X(ZydisDecoderInit)                                                        \
    X(ZydisDecoderEnableMode)                                                  \
    X(ZydisDecoderDecodeInstruction)

RRTX_DL_TABLE(trace_zydis, TRACE_ZYDIS_FUNCS);
static trace_zydis_table zy_fn;
static rrtx_dl_lib zy_lib =
    RRTX_DL_LIB("libZydis.so.4.0", "libzydis4.0", "finding CPUID sites");

#define TRACE_ZYDIS_RESOLVE(f)                                                 \
    rrtx_dl_sym(&zy_lib, #f, &zy_fn.f, sizeof(zy_fn.f));
static void zy_load(void)
{
    rrtx_dl_open(&zy_lib);
    TRACE_ZYDIS_FUNCS(TRACE_ZYDIS_RESOLVE)
    say_failure(&zy_lib);
}

static bool zy_ready(void)
{
    pthread_once(&zy_lib.once, zy_load);
    return zy_lib.err.status == RRT_OK;
}

ZyanStatus ZydisDecoderInit(ZydisDecoder *decoder,
                            ZydisMachineMode machine_mode,
                            ZydisStackWidth stack_width)
{
    return zy_ready()
               ? zy_fn.ZydisDecoderInit(decoder, machine_mode, stack_width)
               : ZYAN_STATUS_FAILED;
}

ZyanStatus ZydisDecoderEnableMode(ZydisDecoder *decoder, ZydisDecoderMode mode,
                                  ZyanBool enabled)
{
    return zy_ready() ? zy_fn.ZydisDecoderEnableMode(decoder, mode, enabled)
                      : ZYAN_STATUS_FAILED;
}

/* Called once per instruction of a scanned library: decoder init (above)
 * has loaded the library before any call here. */
ZyanStatus ZydisDecoderDecodeInstruction(const ZydisDecoder *decoder,
                                         ZydisDecoderContext *context,
                                         const void *buffer, ZyanUSize length,
                                         ZydisDecodedInstruction *instruction)
{
    return zy_ready() ? zy_fn.ZydisDecoderDecodeInstruction(
                            decoder, context, buffer, length, instruction)
                      : ZYAN_STATUS_FAILED;
}
#endif

/* libFuzzer harness for the libvirt cpudata XML parser
 * (format/src/cpuid_text.c). Also feeds the content sniffer,
 * rrt_cpuid_parse_text, which picks a parser by content. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_cpuid_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZC_MAX_INPUT)
        return 0;
    rrt_cpuid_manifest m;
    rrt_error err;
    rrt_error_clear(&err);
    rrt_status st = rrti_cpuid_xml_parse(data, size, "fuzz.xml", &m, &err);
    fzc_check(st, &m, &err, "fuzz.xml");
    rrt_cpuid_source src;
    rrt_error_clear(&err);
    st = rrt_cpuid_parse_text(data, size, "fuzz.any", &m, &src, &err);
    fzc_check(st, &m, &err, "fuzz.any");
    return 0;
}

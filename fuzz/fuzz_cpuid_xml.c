/* libFuzzer harness for the libvirt cpudata XML parser (verify/hostfile.c).
 * Also feeds the content sniffer, which picks a parser by content. */
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
    rrti_host h;
    rrt_error_clear(&err);
    st = rrti_host_parse_text(data, size, "fuzz.any", &h, &err);
    fzc_check(st, &h.m, &err, "fuzz.any");
    return 0;
}

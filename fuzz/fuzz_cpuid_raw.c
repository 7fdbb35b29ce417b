/* libFuzzer harness for the `cpuid -r` dump parser (format/src/cpuid_text.c).
 */
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
    rrt_status st = rrti_cpuid_raw_parse(data, size, "fuzz.txt", &m, &err);
    fzc_check(st, &m, &err, "fuzz.txt");
    return 0;
}

/* Memory at replay: the vDSO, and the shared copies of files mapped
 * MAP_SHARED. */
#include <stdio.h>

#include "replayi.h"

#define AT_SYSINFO_EHDR_ 33u

static uint64_t auxv_get(const rrt_ev_exec *e, uint64_t key)
{
    for (size_t i = 0; i < e->n_auxv; i++)
        if (e->auxv[i][0] == key)
            return e->auxv[i][1];
    return 0;
}

bool rep_vdso_check(replayer *r, ptask *t, const rrt_ev_exec *rec,
                    const rrt_ev_exec *now)
{
    uint64_t want = auxv_get(rec, AT_SYSINFO_EHDR_);
    uint64_t got = auxv_get(now, AT_SYSINFO_EHDR_);
    if (!want || want == got)
        return true;
    if (!got)
        return rep_fail_at(r, t,
                           "the recording kept the vDSO at 0x%llx; this "
                           "host's could not be made to match it",
                           (unsigned long long)want);
    return rep_fail_at(r, t,
                       "the vDSO is at 0x%llx here, at 0x%llx in the "
                       "recording (another kernel?)",
                       (unsigned long long)got, (unsigned long long)want);
}

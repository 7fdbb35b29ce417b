/* Status code names and texts (util/error.c fills error contexts). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rrti.h"

const char *rrt_strerror(rrt_status status)
{
    switch (status) {
#define RRT_STATUS_TEXT(name, num, text)                                       \
    case name:                                                                 \
        return text;
        RRT_STATUS_LIST(RRT_STATUS_TEXT)
#undef RRT_STATUS_TEXT
    }
    return "unknown status";
}

const char *rrt_status_name(rrt_status status)
{
    switch (status) {
#define RRT_STATUS_NAME(name, num, text)                                       \
    case name:                                                                 \
        return #name;
        RRT_STATUS_LIST(RRT_STATUS_NAME)
#undef RRT_STATUS_NAME
    }
    return "RRT_E_UNKNOWN";
}

void rrt_error_clear(rrt_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    err->offset = UINT64_MAX;
}

const char *rrti_fourcc(uint32_t type, char buf[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)(type >> (8 * i) & 0xff);
        buf[i] = (c >= 0x21 && c <= 0x7e) ? c : '?';
    }
    buf[4] = 0;
    return buf;
}

const char *rrt_version(void)
{
    return RRT_VERSION_STRING;
}

/* Status codes and error context shared by every librrt function. */
#ifndef RRT_STATUS_H
#define RRT_STATUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RRT_BUILDING_LIBRARY)
#define RRT_API __attribute__((visibility("default")))
#else
#define RRT_API
#endif

/* Append-only: a code's number never changes once released. */
#define RRT_STATUS_LIST(X)                                                     \
    X(RRT_OK, 0, "success")                                                    \
    X(RRT_END, 1, "end of stream")                                             \
    X(RRT_E_IO, 2, "I/O error")                                                \
    X(RRT_E_NOMEM, 3, "out of memory")                                         \
    X(RRT_E_INVALID, 4, "invalid argument")                                    \
    X(RRT_E_NOT_ARCHIVE, 5, "not an rrt archive")                              \
    X(RRT_E_VERSION, 6, "unsupported format version")                          \
    X(RRT_E_TRUNCATED, 7, "truncated")                                         \
    X(RRT_E_CHECKSUM, 8, "checksum mismatch")                                  \
    X(RRT_E_CORRUPT, 9, "corrupt data")                                        \
    X(RRT_E_LIMIT, 10, "size limit exceeded")                                  \
    X(RRT_E_NOT_FOUND, 11, "not found")                                        \
    X(RRT_E_EXISTS, 12, "already exists")                                      \
    X(RRT_E_UNSUPPORTED, 13, "unsupported feature")                            \
    X(RRT_E_HASH, 14, "content hash mismatch")                                 \
    X(RRT_E_COMPRESS, 15, "compression error")                                 \
    X(RRT_E_CHANGED, 16, "file changed since it was recorded")                 \
    X(RRT_E_STATE, 17, "operation not valid in this state")                    \
    X(RRT_E_PARSE, 18, "parse error")

typedef enum {
#define RRT_STATUS_ENUM(name, num, text) name = num,
    RRT_STATUS_LIST(RRT_STATUS_ENUM)
#undef RRT_STATUS_ENUM
} rrt_status;

/* Returns a static English description of a status code. */
RRT_API const char *rrt_strerror(rrt_status status);

/* Returns the symbolic name ("RRT_E_CHECKSUM") of a status code. */
RRT_API const char *rrt_status_name(rrt_status status);

/*
 * Error context. Every function that can fail takes an optional rrt_error*
 * (NULL is allowed) and, on failure, fills it with a complete one-line
 * message that names the file and what is wrong, e.g.
 *   "bad.rrt: blob 3f2a09..: checksum mismatch at offset 81920"
 */
typedef struct rrt_error {
    rrt_status status;
    int sys_errno;   /* errno of a failed system call, else 0 */
    uint64_t offset; /* file offset the error refers to, or UINT64_MAX */
    char message[512];
} rrt_error;

RRT_API void rrt_error_clear(rrt_error *err);

#ifdef __cplusplus
}
#endif
#endif

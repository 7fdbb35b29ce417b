/* libarchive for the pack module, loaded when a command first needs it
 * (rrtx_dl.h): call sites write LA(archive_read_new)(), which is the table
 * entry in the dynamic rrt and the function itself in the static one. */
#ifndef RRT_PACK_LA_H
#define RRT_PACK_LA_H

#include <archive.h>
#include <archive_entry.h>

#include <rrt/status.h>

#include "rrtx_dl.h"

/* The SONAME dlopen() asks for must be the ABI these headers describe. */
#define PACK_LA_SONAME "libarchive.so.13"
#if ARCHIVE_VERSION_NUMBER < 3000000 || ARCHIVE_VERSION_NUMBER >= 4000000
#error "libarchive.so.13 is libarchive 3.x: update PACK_LA_SONAME"
#endif

#define PACK_LA_FUNCS(X)                                                       \
    X(archive_entry_filetype)                                                  \
    X(archive_entry_free)                                                      \
    X(archive_entry_hardlink)                                                  \
    X(archive_entry_new)                                                       \
    X(archive_entry_pathname)                                                  \
    X(archive_entry_perm)                                                      \
    X(archive_entry_set_filetype)                                              \
    X(archive_entry_set_gid)                                                   \
    X(archive_entry_set_mtime)                                                 \
    X(archive_entry_set_pathname)                                              \
    X(archive_entry_set_perm)                                                  \
    X(archive_entry_set_size)                                                  \
    X(archive_entry_set_uid)                                                   \
    X(archive_entry_size)                                                      \
    X(archive_entry_size_is_set)                                               \
    X(archive_errno)                                                           \
    X(archive_error_string)                                                    \
    X(archive_read_data)                                                       \
    X(archive_read_free)                                                       \
    X(archive_read_new)                                                        \
    X(archive_read_next_header)                                                \
    X(archive_read_open_fd)                                                    \
    X(archive_read_support_filter_gzip)                                        \
    X(archive_read_support_format_tar)                                         \
    X(archive_read_support_format_zip)                                         \
    X(archive_write_add_filter_gzip)                                           \
    X(archive_write_close)                                                     \
    X(archive_write_data)                                                      \
    X(archive_write_disk_new)                                                  \
    X(archive_write_disk_set_options)                                          \
    X(archive_write_finish_entry)                                              \
    X(archive_write_free)                                                      \
    X(archive_write_header)                                                    \
    X(archive_write_new)                                                       \
    X(archive_write_open_fd)                                                   \
    X(archive_write_set_format_pax_restricted)                                 \
    X(archive_write_set_format_zip)

#if RRT_DLOPEN
RRTX_DL_TABLE(pack_la, PACK_LA_FUNCS);
extern pack_la_table pack_la;
#define LA(f) (pack_la.f)
#else
#define LA(f) f
#endif

/* Loads libarchive once (nothing to do in the static build); the pack
 * entry points that use it call this first. RRT_E_UNSUPPORTED with a
 * message naming the library if it is missing. */
rrt_status pack_la_load(rrt_error *err);

#endif

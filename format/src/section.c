/* Section framing: header checks, checksums, and bounded reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rrti_xxhash.h"

#include "rrti.h"

const uint8_t rrti_end_magic[8] = {0x89, 'R', 'R', 'T', 'E', 'N', 'D', '\n'};

rrt_status rrti_pread_all(int fd, const char *path, void *buf, size_t n,
                          uint64_t off, rrt_error *err)
{
    uint8_t *p = buf;
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(fd, p + done, n - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return rrtx_fail(err, RRT_E_IO, errno, path, off + done,
                             "read failed");
        if (k == 0)
            return rrtx_fail(err, RRT_E_TRUNCATED, 0, path, off + done,
                             "unexpected end of file");
        done += (size_t)k;
    }
    return RRT_OK;
}

rrt_status rrti_check_header(const uint8_t *h, size_t n, const char *path,
                             rrti_header *out, rrt_error *err)
{
    if (n < RRTX_ARCHIVE_MAGIC_LEN ||
        memcmp(h, RRTX_ARCHIVE_MAGIC, RRTX_ARCHIVE_MAGIC_LEN) != 0) {
        /* Recognize the damage a text-mode transfer does to the magic. */
        static const uint8_t lf_only[6] = {0x89, 'R', 'R', 'T', '\n', 0x1a};
        if (n >= 6 && memcmp(h, lf_only, 6) == 0)
            return rrtx_fail(err, RRT_E_NOT_ARCHIVE, 0, path, UINT64_MAX,
                             "damaged by a text-mode transfer (CR LF became "
                             "LF)");
        if (n >= 4 && memcmp(h + 1, "RRT", 3) == 0 && h[0] != 0x89)
            return rrtx_fail(err, RRT_E_NOT_ARCHIVE, 0, path, UINT64_MAX,
                             "damaged by a 7-bit transfer (high bit "
                             "stripped)");
        return rrtx_fail(err, RRT_E_NOT_ARCHIVE, 0, path, UINT64_MAX,
                         "not an rrt archive (bad magic)");
    }
    if (n < RRTI_HEADER_SIZE)
        return rrtx_fail(err, RRT_E_TRUNCATED, 0, path, UINT64_MAX,
                         "truncated inside the header (%zu bytes)", n);
    out->major = rrti_get_u16(h + 8);
    out->minor = rrti_get_u16(h + 10);
    out->hflags = rrti_get_u32(h + 12);
    if (out->major != RRT_FORMAT_MAJOR)
        return rrtx_fail(err, RRT_E_VERSION, 0, path, UINT64_MAX,
                         "format %u.%u, this rrt reads %u.x", out->major,
                         out->minor, RRT_FORMAT_MAJOR);
    if (out->hflags & RRTI_HFLAGS_INCOMPAT_MASK & ~RRTI_HFLAGS_KNOWN_INCOMPAT)
        return rrtx_fail(err, RRT_E_UNSUPPORTED, 0, path, UINT64_MAX,
                         "uses format features unknown to this rrt (header "
                         "flags 0x%08x, format %u.%u)",
                         out->hflags, out->major, out->minor);
    return RRT_OK;
}

uint64_t rrti_section_checksum(const uint8_t *hdr, const uint8_t *payload,
                               size_t len)
{
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, hdr, RRTI_SECTION_HEADER);
    if (len)
        XXH3_64bits_update(&st, payload, len);
    return XXH3_64bits_digest(&st);
}

rrt_status rrti_read_section_header(int fd, const char *path, uint64_t off,
                                    uint64_t limit, rrti_section *out,
                                    rrt_error *err)
{
    uint8_t h[RRTI_SECTION_HEADER];
    if (off > limit || limit - off < RRTI_SECTION_OVERHEAD)
        return rrtx_fail(err, RRT_E_TRUNCATED, 0, path, off,
                         "section header runs past the end of the body");
    rrt_status st = rrti_pread_all(fd, path, h, sizeof(h), off, err);
    if (st != RRT_OK)
        return st;
    out->type = rrti_get_u32(h);
    out->flags = rrti_get_u32(h + 4);
    out->length = rrti_get_u64(h + 8);
    out->offset = off;
    char fc[5];
    if (out->length > RRTI_MAX_PAYLOAD)
        return rrtx_fail(err, RRT_E_LIMIT, 0, path, off,
                         "section %s declares %llu payload bytes (limit %llu)",
                         rrti_fourcc(out->type, fc),
                         (unsigned long long)out->length,
                         (unsigned long long)RRTI_MAX_PAYLOAD);
    if (out->length > limit - off - RRTI_SECTION_OVERHEAD)
        return rrtx_fail(err, RRT_E_TRUNCATED, 0, path, off,
                         "section %s of %llu bytes runs past the end of the "
                         "body",
                         rrti_fourcc(out->type, fc),
                         (unsigned long long)out->length);
    return RRT_OK;
}

rrt_status rrti_read_section_payload(int fd, const char *path,
                                     const rrti_section *s, uint8_t **payload,
                                     rrt_error *err)
{
    *payload = NULL;
    size_t len = (size_t)s->length;
    uint8_t *buf = malloc(len + RRTI_SECTION_HEADER + RRTI_SECTION_TRAILER);
    if (!buf)
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, s->offset,
                         "cannot allocate %zu bytes for a section", len);
    rrt_status st = rrti_pread_all(fd, path, buf, len + RRTI_SECTION_OVERHEAD,
                                   s->offset, err);
    if (st != RRT_OK) {
        free(buf);
        return st;
    }
    uint64_t want = rrti_get_u64(buf + RRTI_SECTION_HEADER + len);
    uint64_t got = rrti_section_checksum(buf, buf + RRTI_SECTION_HEADER, len);
    if (want != got) {
        char fc[5];
        free(buf);
        return rrtx_fail(err, RRT_E_CHECKSUM, 0, path, s->offset,
                         "section %s: checksum mismatch",
                         rrti_fourcc(s->type, fc));
    }
    /* Hand back the payload alone: shift it to the front of the buffer. */
    memmove(buf, buf + RRTI_SECTION_HEADER, len);
    *payload = buf;
    return RRT_OK;
}

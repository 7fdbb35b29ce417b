/* Fuzzes the index parser: the input is the payload of an INDX section that
 * the harness frames (valid section checksum and footer) after the body of
 * a fixed reference archive, so index entries can name real sections. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"

static uint8_t *body;
static size_t body_len;

/* The reference archive's bytes up to its index (header included). */
static void load_body(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/reference.rrt", fz_dir());
    unlink(path);
    rrt_error err;
    if (fz_build_reference(path, true, &err) != RRT_OK) {
        fprintf(stderr, "cannot build the reference archive: %s\n",
                err.message);
        abort();
    }
    rrt_reader *r;
    if (rrt_reader_open(path, &r, &err) != RRT_OK) {
        fprintf(stderr, "cannot open the reference archive: %s\n", err.message);
        abort();
    }
    rrt_archive_info info;
    rrt_reader_info(r, &info);
    rrt_reader_close(r);
    size_t len;
    body = fz_slurp(path, &len);
    unlink(path);
    if (!body || len < info.index_offset)
        abort();
    body_len = (size_t)info.index_offset;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    if (!body)
        load_body();
    rrt_buf b;
    rrt_buf_init(&b);
    rrt_buf_put(&b, body, body_len);
    fz_put_index_footer(&b, data, size);
    if (b.failed)
        abort();
    const char *path = fz_memfile(b.data, b.len);
    rrt_buf_free(&b);
    fz_verify_oracle(path, fz_exercise(path));
    return 0;
}

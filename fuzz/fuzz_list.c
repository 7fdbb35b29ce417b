/* Fuzzes the argv/env list codec (rrt/list.h, spec/events.md "List
 * encoding"): any text decodes; the items, encoded again, decode to the
 * same items; an encoding holds no bare newline inside an item. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0; /* the codec reads C strings: stop at the first NUL */
    size_t n = 0, n2 = 0;
    char **items = rrt_list_decode(text, &n);
    if (!items)
        abort();
    if (items[n] != NULL)
        fz_die("decoded vector is not NULL-terminated");
    char *again = rrt_list_encode(items, n);
    if (!again)
        abort();
    char **items2 = rrt_list_decode(again, &n2);
    if (!items2)
        abort();
    /* One empty item encodes as "", which is the empty list: the one
     * list the encoding cannot hold (spec). */
    bool lone_empty = n == 1 && items[0][0] == 0;
    if (!lone_empty && n2 != n)
        fz_die("re-encoded list has another item count");
    for (size_t i = 0; !lone_empty && i < n; i++)
        if (strcmp(items[i], items2[i]) != 0)
            fz_die("re-encoded list decodes to other items");
    size_t newlines = 0;
    for (const char *p = again; *p; p++)
        newlines += *p == '\n';
    if (n && newlines != n - 1)
        fz_die("an item's newline was not escaped");
    free(items2);
    free(again);
    free(items);
    free(text);
    return 0;
}

/* The list encoding of argv and env metadata (spec/events.md). */
#include <stdlib.h>
#include <string.h>

#include "rrti.h"

char *rrt_list_encode(char *const *items, size_t n)
{
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(items[i]) + 1;
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = '\n';
        for (const char *s = items[i]; *s; s++) {
            if (*s == '\\' || *s == '\n') {
                *o++ = '\\';
                *o++ = *s == '\n' ? 'n' : '\\';
            } else {
                *o++ = *s;
            }
        }
    }
    *o = 0;
    return out;
}

char **rrt_list_decode(const char *text, size_t *n)
{
    /* Only unescaped newlines separate: a backslash before a newline byte
     * makes it part of the item, like any other escaped byte. */
    size_t len = strlen(text), count = len ? 1 : 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\\')
            i++;
        else
            count += text[i] == '\n';
    }
    /* One block: the pointer vector, then the decoded strings. */
    char **v = malloc((count + 1) * sizeof(char *) + len + 1);
    if (!v)
        return NULL;
    char *o = (char *)(v + count + 1);
    size_t k = 0;
    if (count)
        v[k++] = o;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            *o++ = 0;
            v[k++] = o;
        } else if (text[i] == '\\' && i + 1 < len) {
            i++;
            *o++ = text[i] == 'n' ? '\n' : text[i];
        } else {
            *o++ = text[i];
        }
    }
    *o = 0;
    v[k] = NULL;
    *n = count;
    return v;
}

/* Which environment variables the recorder redacts: names that look like
 * they hold secrets (README, spec/events.md). */
#include <string.h>
#include <strings.h>

#include "recorder.h"

static bool contains_ci(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++)
        if (strncasecmp(s + i, word, w) == 0)
            return true;
    return false;
}

bool rec_env_is_secret(const char *name, size_t len)
{
    return contains_ci(name, len, "TOKEN") ||
           contains_ci(name, len, "SECRET") ||
           contains_ci(name, len, "PASSWORD") ||
           contains_ci(name, len, "KEY") ||
           (len >= 4 && strncmp(name, "AWS_", 4) == 0);
}

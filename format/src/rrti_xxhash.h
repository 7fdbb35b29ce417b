/* xxHash from the Debian package, inlined: the hash is on every hot path
 * (section checksums, content ids), and inlining also lets us keep
 * XXH3 streaming states on the stack. */
#ifndef RRTI_XXHASH_H
#define RRTI_XXHASH_H
#define XXH_INLINE_ALL
#include <xxhash.h>
#endif

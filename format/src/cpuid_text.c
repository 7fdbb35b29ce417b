/* Host CPU descriptions read from files, for `rrt verify --host --against`
 * and `rrt record --cpu-mask`: an archive's CPUID manifest, and
 * hand-written parsers for the two text formats (line-oriented `cpuid -r`
 * output and the attribute-only libvirt cpudata XML), which need no
 * general XML library. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrt/archive.h"
#include "rrt/cpufeat.h"
#include "rrti.h"

/* A one-line message naming the input (the name is part of fmt). */
/* Fills err with a one-line message and returns st. */
#define text_fail(err, st, ...)                                                \
    rrtx_fail(err, st, 0, NULL, UINT64_MAX, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Records collected by the text parsers, with their line numbers for
 * error messages, and their conversion into a manifest. */

typedef struct pending {
    rrt_cpuid_record r;
    unsigned line;
} pending;

typedef struct collector {
    pending *v;
    size_t n, cap;
    const char *name;
    rrt_error *err;
} collector;

/* Printable excerpt of untrusted text for an error message. */
static const char *excerpt(const char *p, size_t n, char out[40])
{
    size_t k = 0;
    for (; k < n && k < 32; k++) {
        unsigned char c = (unsigned char)p[k];
        out[k] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (k < n) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = 0;
    return out;
}

static rrt_status collect(collector *c, unsigned line, uint32_t leaf,
                          uint32_t sub, const uint32_t regs[4])
{
    if (c->n >= RRT_CPUID_TEXT_MAX_RECORDS)
        return text_fail(c->err, RRT_E_LIMIT,
                         "%s: line %u: more than %u CPUID records", c->name,
                         line, RRT_CPUID_TEXT_MAX_RECORDS);
    pending *v = rrtx_grow(c->v, &c->cap, c->n + 1, sizeof(*v));
    if (!v)
        return text_fail(c->err, RRT_E_NOMEM, "%s: out of memory", c->name);
    c->v = v;
    pending *p = &c->v[c->n++];
    p->r = (rrt_cpuid_record){.leaf = leaf,
                              .subleaf = sub,
                              .eax = regs[0],
                              .ebx = regs[1],
                              .ecx = regs[2],
                              .edx = regs[3]};
    p->line = line;
    return RRT_OK;
}

static int cmp_pending(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    if (x->r.leaf != y->r.leaf)
        return x->r.leaf < y->r.leaf ? -1 : 1;
    if (x->r.subleaf != y->r.subleaf)
        return x->r.subleaf < y->r.subleaf ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static const pending *find_pending(const collector *c, uint32_t leaf,
                                   uint32_t sub)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].r.leaf == leaf && c->v[i].r.subleaf == sub)
            return &c->v[i];
    return NULL;
}

/* Basic leaves live below 0x40000000 (the hypervisor range) and extended
 * ones in 0x80000000..0x8000ffff, whatever a hostile leaf 0 claims. */
static bool keep_leaf(uint32_t leaf, uint32_t max_basic, uint32_t max_ext)
{
    if (leaf < 0x40000000u)
        return leaf <= max_basic;
    return leaf >= 0x80000000u && leaf <= 0x8000ffffu && leaf <= max_ext;
}

/* The manifest a dump describes: the leaves within the maxima of leaves 0
 * and 0x80000000 (hypervisor and Transmeta/Centaur ranges are dropped, as
 * rrt_cpuid_capture_host never records them), subleaves only for
 * subleaf-indexed leaves, XCR0 derived from leaf 0xD. */
static rrt_status collector_finish(collector *c, rrt_cpuid_manifest *out)
{
    if (c->n)
        qsort(c->v, c->n, sizeof(*c->v), cmp_pending);
    for (size_t i = 1; i < c->n; i++)
        if (c->v[i].r.leaf == c->v[i - 1].r.leaf &&
            c->v[i].r.subleaf == c->v[i - 1].r.subleaf)
            return text_fail(
                c->err, RRT_E_PARSE,
                "%s: line %u: duplicate CPUID leaf 0x%x subleaf 0x%x "
                "(first on line %u)",
                c->name, c->v[i].line, c->v[i].r.leaf, c->v[i].r.subleaf,
                c->v[i - 1].line);
    const pending *l0 = find_pending(c, 0, 0);
    if (!l0)
        return text_fail(
            c->err, RRT_E_PARSE,
            "%s: no CPUID leaf 0 (vendor and maximum leaf) in the file",
            c->name);
    const pending *e0 = find_pending(c, 0x80000000u, 0);
    uint32_t max_basic = l0->r.eax;
    uint32_t max_ext = e0 && e0->r.eax >= 0x80000000u ? e0->r.eax : 0;
    memset(out, 0, sizeof(*out));
    out->records = calloc(c->n, sizeof(*out->records));
    if (!out->records)
        return text_fail(c->err, RRT_E_NOMEM, "%s: out of memory", c->name);
    for (size_t i = 0; i < c->n; i++) {
        rrt_cpuid_record r = c->v[i].r;
        if (!keep_leaf(r.leaf, max_basic, max_ext))
            continue;
        if (rrt_cpuid_leaf_is_indexed(r.leaf))
            r.flags = RRT_CPUID_SUBLEAF_INDEXED;
        else if (r.subleaf != 0)
            continue;
        out->records[out->n_records++] = r;
    }
    memcpy(out->vendor, &l0->r.ebx, 4);
    memcpy(out->vendor + 4, &l0->r.edx, 4);
    memcpy(out->vendor + 8, &l0->r.ecx, 4);
    for (int i = 0; i < 12; i++)
        if ((unsigned char)out->vendor[i] < 0x20 ||
            (unsigned char)out->vendor[i] >= 0x7f)
            out->vendor[i] = '?';
    out->vendor[12] = 0;
    const pending *l1 = find_pending(c, 1, 0);
    const pending *xs = find_pending(c, 0xd, 0);
    if (l1 && xs && max_basic >= 0xd && (l1->r.ecx & (1u << 27)))
        out->xcr0 = (uint64_t)xs->r.edx << 32 | xs->r.eax;
    return rrt_cpuid_manifest_normalize(out, c->err);
}

static void collector_free(collector *c)
{
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

/* "0x" followed by 1..8 hex digits, exactly filling [p, p+n). */
static bool parse_hex32(const char *p, size_t n, uint32_t *out)
{
    if (n < 3 || n > 10 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
        return false;
    uint32_t v = 0;
    for (size_t i = 2; i < n; i++) {
        int d = rrtx_hex_digit(p[i]);
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

/* ------------------------------------------------------------------ */
/* `cpuid -r` output: optional "CPU:" / "CPU n:" headers, then lines
 *    0x00000007 0x00: eax=0x00000002 ebx=0xf1bf2ffb ecx=... edx=...
 * Only the first CPU is read. */

typedef struct line_cursor {
    const char *p, *end;
} line_cursor;

static void lc_ws(line_cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

/* The next token up to whitespace, ':' or the end; ':' ends a token but is
 * not part of it. */
static size_t lc_token(line_cursor *c, const char **tok)
{
    lc_ws(c);
    *tok = c->p;
    while (c->p < c->end && *c->p != ' ' && *c->p != '\t' && *c->p != ':')
        c->p++;
    return (size_t)(c->p - *tok);
}

static bool lc_lit(line_cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return false;
    c->p += n;
    return true;
}

static rrt_status raw_bad(collector *c, unsigned line, const char *what,
                          const char *p, size_t n)
{
    char ex[40];
    return text_fail(c->err, RRT_E_PARSE, "%s: line %u: %s: '%s'", c->name,
                     line, what, excerpt(p, n, ex));
}

static rrt_status raw_record(collector *c, unsigned line, line_cursor *lc)
{
    const char *tok;
    size_t n = lc_token(lc, &tok);
    uint32_t leaf, sub, regs[4];
    if (!parse_hex32(tok, n, &leaf))
        return raw_bad(c, line, "bad leaf number", tok, n);
    n = lc_token(lc, &tok);
    if (!parse_hex32(tok, n, &sub))
        return raw_bad(c, line, "bad subleaf number", tok, n);
    if (!lc_lit(lc, ":"))
        return raw_bad(c, line, "expected ':' after the subleaf", lc->p,
                       (size_t)(lc->end - lc->p));
    static const char *const names[4] = {"eax=", "ebx=", "ecx=", "edx="};
    for (int i = 0; i < 4; i++) {
        lc_ws(lc);
        if (!lc_lit(lc, names[i]))
            return raw_bad(c, line,
                           i == 0 ? "expected eax="
                                  : "expected "
                                    "register",
                           lc->p, (size_t)(lc->end - lc->p));
        n = lc_token(lc, &tok);
        if (!parse_hex32(tok, n, &regs[i]))
            return raw_bad(c, line, "bad register value", tok, n);
    }
    lc_ws(lc);
    if (lc->p != lc->end)
        return raw_bad(c, line, "unexpected text after edx", lc->p,
                       (size_t)(lc->end - lc->p));
    return collect(c, line, leaf, sub, regs);
}

/* "CPU:" or "CPU <n>:" */
static bool raw_is_header(line_cursor lc)
{
    if (!lc_lit(&lc, "CPU"))
        return false;
    lc_ws(&lc);
    while (lc.p < lc.end && *lc.p >= '0' && *lc.p <= '9')
        lc.p++;
    if (!lc_lit(&lc, ":"))
        return false;
    lc_ws(&lc);
    return lc.p == lc.end;
}

static rrt_status raw_lines(collector *c, const char *p, const char *end)
{
    unsigned line = 0;
    bool header_seen = false;
    while (p < end) {
        line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if ((size_t)(eol - p) > RRT_CPUID_TEXT_MAX_LINE)
            return text_fail(c->err, RRT_E_PARSE,
                             "%s: line %u: line longer than %u bytes", c->name,
                             line, RRT_CPUID_TEXT_MAX_LINE);
        if (memchr(p, 0, (size_t)(eol - p)))
            return text_fail(c->err, RRT_E_PARSE,
                             "%s: line %u: NUL byte in text", c->name, line);
        line_cursor lc = {p, eol};
        if (lc.end > lc.p && lc.end[-1] == '\r')
            lc.end--;
        p = nl ? nl + 1 : end;
        lc_ws(&lc);
        if (lc.p == lc.end)
            continue;
        if (raw_is_header(lc)) {
            if (header_seen)
                break; /* the next CPU: describe the first one only */
            header_seen = true;
            continue;
        }
        if (lc.end - lc.p < 2 || lc.p[0] != '0' || lc.p[1] != 'x')
            return raw_bad(c, line, "not a `cpuid -r` line", lc.p,
                           (size_t)(lc.end - lc.p));
        rrt_status st = raw_record(c, line, &lc);
        if (st != RRT_OK)
            return st;
    }
    return RRT_OK;
}

rrt_status rrti_cpuid_raw_parse(const void *data, size_t len, const char *name,
                                rrt_cpuid_manifest *out, rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    collector c = {.name = name, .err = err};
    if (len > RRT_CPUID_TEXT_MAX_BYTES)
        return text_fail(err, RRT_E_LIMIT, "%s: larger than %u bytes", name,
                         RRT_CPUID_TEXT_MAX_BYTES);
    const char *p = data;
    rrt_status st = raw_lines(&c, p, p + len);
    if (st == RRT_OK)
        st = collector_finish(&c, out);
    collector_free(&c);
    if (st != RRT_OK)
        rrt_cpuid_manifest_clear(out);
    return st;
}

/* ------------------------------------------------------------------ */
/* libvirt cpudata XML, the subset libvirt's cpu-gather writes:
 *   <?xml ...?> and <!-- comments --> anywhere between elements,
 *   <cpudata arch='x86'>
 *     <cpuid eax_in='0x7' ecx_in='0x0' eax='..' ebx='..' ecx='..' edx='..'/>
 *     <msr index='0x10a' edx='..' eax='..'/>          (ignored)
 *   </cpudata>
 * Older files spell eax_in as function= and have no ecx_in. */

#define XML_MAX_ATTRS 8
#define XML_MAX_NAME 32
#define XML_MAX_VALUE 64

typedef struct xml_attr {
    const char *name, *value;
    size_t name_len, value_len;
} xml_attr;

typedef struct xml {
    const char *p, *end;
    unsigned line;
    collector *c;
} xml;

static rrt_status xml_bad(xml *x, const char *what)
{
    return text_fail(x->c->err, RRT_E_PARSE, "%s: line %u: %s", x->c->name,
                     x->line, what);
}

static bool xml_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static void xml_skip_ws(xml *x)
{
    while (x->p < x->end && xml_ws(*x->p)) {
        if (*x->p == '\n')
            x->line++;
        x->p++;
    }
}

static bool xml_starts(const xml *x, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(x->end - x->p) >= n && memcmp(x->p, lit, n) == 0;
}

/* Skips to just after `term`, counting lines; false at end of input. */
static bool xml_skip_past(xml *x, const char *term)
{
    size_t n = strlen(term);
    while ((size_t)(x->end - x->p) >= n) {
        if (memcmp(x->p, term, n) == 0) {
            x->p += n;
            return true;
        }
        if (*x->p == '\n')
            x->line++;
        x->p++;
    }
    x->p = x->end;
    return false;
}

/* Whitespace, comments and (before the root) processing instructions. */
static rrt_status xml_skip_misc(xml *x, bool allow_pi)
{
    for (;;) {
        xml_skip_ws(x);
        if (xml_starts(x, "<!--")) {
            x->p += 4;
            if (!xml_skip_past(x, "-->"))
                return xml_bad(x, "unterminated comment");
        } else if (allow_pi && xml_starts(x, "<?")) {
            x->p += 2;
            if (!xml_skip_past(x, "?>"))
                return xml_bad(x, "unterminated <?...?>");
        } else {
            return RRT_OK;
        }
    }
}

static bool name_char(char ch, bool first)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_')
        return true;
    return !first && ((ch >= '0' && ch <= '9') || ch == '-' || ch == '.');
}

static size_t xml_name(xml *x, const char **name)
{
    *name = x->p;
    while (x->p < x->end && name_char(*x->p, x->p == *name) &&
           x->p - *name <= XML_MAX_NAME)
        x->p++;
    return (size_t)(x->p - *name);
}

static rrt_status xml_attr_value(xml *x, xml_attr *a)
{
    xml_skip_ws(x);
    if (x->p >= x->end || (*x->p != '\'' && *x->p != '"'))
        return xml_bad(x, "attribute value must be quoted");
    char q = *x->p++;
    a->value = x->p;
    while (x->p < x->end && *x->p != q) {
        if (*x->p == '<' || *x->p == '&' || *x->p == '\n')
            return xml_bad(x, "unsupported character in attribute value");
        if (x->p - a->value >= XML_MAX_VALUE)
            return xml_bad(x, "attribute value too long");
        x->p++;
    }
    if (x->p >= x->end)
        return xml_bad(x, "unexpected end of file in attribute value");
    a->value_len = (size_t)(x->p - a->value);
    x->p++;
    return RRT_OK;
}

/* Attributes up to "/>" (*empty = true) or ">". */
static rrt_status xml_attrs(xml *x, xml_attr *attrs, size_t *n, bool *empty)
{
    *n = 0;
    for (;;) {
        const char *before = x->p;
        xml_skip_ws(x);
        if (x->p >= x->end)
            return xml_bad(x, "unexpected end of file inside a tag");
        if (xml_starts(x, "/>") || *x->p == '>') {
            *empty = *x->p == '/';
            x->p += *empty ? 2 : 1;
            return RRT_OK;
        }
        if (x->p == before)
            return xml_bad(x, "expected whitespace between attributes");
        if (*n == XML_MAX_ATTRS)
            return xml_bad(x, "too many attributes");
        xml_attr *a = &attrs[*n];
        a->name_len = xml_name(x, &a->name);
        if (a->name_len == 0 || a->name_len > XML_MAX_NAME)
            return xml_bad(x, "bad attribute name");
        for (size_t i = 0; i < *n; i++)
            if (attrs[i].name_len == a->name_len &&
                memcmp(attrs[i].name, a->name, a->name_len) == 0)
                return xml_bad(x, "duplicate attribute");
        xml_skip_ws(x);
        if (x->p >= x->end || *x->p != '=')
            return xml_bad(x, "expected '=' after an attribute name");
        x->p++;
        rrt_status st = xml_attr_value(x, a);
        if (st != RRT_OK)
            return st;
        (*n)++;
    }
}

static bool attr_is(const xml_attr *a, const char *name)
{
    return a->name_len == strlen(name) &&
           memcmp(a->name, name, a->name_len) == 0;
}

static rrt_status xml_cpuid(xml *x, const xml_attr *attrs, size_t n)
{
    static const char *const names[] = {"eax_in", "ecx_in", "eax",
                                        "ebx",    "ecx",    "edx"};
    uint32_t v[6] = {0};
    bool seen[6] = {false};
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < 6 && !attr_is(&attrs[i], names[k]))
            k++;
        if (k == 6 && attr_is(&attrs[i], "function"))
            k = 0;
        if (k == 6) {
            char ex[40], msg[96];
            snprintf(msg, sizeof(msg), "unknown attribute '%s' on <cpuid>",
                     excerpt(attrs[i].name, attrs[i].name_len, ex));
            return xml_bad(x, msg);
        }
        if (seen[k])
            return xml_bad(x, "both function= and eax_in= on <cpuid>");
        if (!parse_hex32(attrs[i].value, attrs[i].value_len, &v[k])) {
            char ex[40], msg[96];
            snprintf(msg, sizeof(msg), "bad hex value '%s' for %s",
                     excerpt(attrs[i].value, attrs[i].value_len, ex), names[k]);
            return xml_bad(x, msg);
        }
        seen[k] = true;
    }
    for (size_t k = 0; k < 6; k++)
        if (k != 1 && !seen[k]) {
            char msg[64];
            snprintf(msg, sizeof(msg), "<cpuid> without %s=", names[k]);
            return xml_bad(x, msg);
        }
    return collect(x->c, x->line, v[0], v[1], &v[2]);
}

static rrt_status xml_root_open(xml *x)
{
    if (x->p >= x->end)
        return xml_bad(x, "unexpected end of file (no <cpudata> element)");
    if (!xml_starts(x, "<cpudata"))
        return xml_bad(x, "expected <cpudata arch='x86'>");
    x->p += 8;
    xml_attr attrs[XML_MAX_ATTRS];
    size_t n;
    bool empty;
    rrt_status st = xml_attrs(x, attrs, &n, &empty);
    if (st != RRT_OK)
        return st;
    if (empty)
        return xml_bad(x, "empty <cpudata/> element");
    for (size_t i = 0; i < n; i++)
        if (attr_is(&attrs[i], "arch") &&
            !(attrs[i].value_len == 3 && memcmp(attrs[i].value, "x86", 3) == 0))
            return xml_bad(x, "not x86 CPU data (arch is not 'x86')");
    return RRT_OK;
}

/* One child of <cpudata>; *done at </cpudata>. */
static rrt_status xml_child(xml *x, bool *done)
{
    if (x->p >= x->end)
        return xml_bad(x, "unexpected end of file (missing </cpudata>)");
    if (xml_starts(x, "</cpudata")) {
        x->p += 9;
        xml_skip_ws(x);
        if (x->p >= x->end || *x->p != '>')
            return xml_bad(x, "malformed </cpudata>");
        x->p++;
        *done = true;
        return RRT_OK;
    }
    bool is_cpuid = xml_starts(x, "<cpuid") && x->end - x->p > 6 &&
                    !name_char(x->p[6], false);
    bool is_msr = xml_starts(x, "<msr") && x->end - x->p > 4 &&
                  !name_char(x->p[4], false);
    if (!is_cpuid && !is_msr)
        return xml_bad(x, *x->p == '<' ? "unexpected element (expected "
                                         "<cpuid/> or <msr/>)"
                                       : "unexpected text");
    x->p += is_cpuid ? 6 : 4;
    xml_attr attrs[XML_MAX_ATTRS];
    size_t n;
    bool empty;
    unsigned line = x->line;
    rrt_status st = xml_attrs(x, attrs, &n, &empty);
    if (st != RRT_OK)
        return st;
    if (!empty)
        return xml_bad(x, "<cpuid> and <msr> must be empty elements (/>)");
    if (!is_cpuid)
        return RRT_OK;
    unsigned end_line = x->line;
    x->line = line; /* report the record at the line where it starts */
    st = xml_cpuid(x, attrs, n);
    x->line = end_line;
    return st;
}

static rrt_status xml_document(xml *x)
{
    rrt_status st = xml_skip_misc(x, true);
    if (st == RRT_OK)
        st = xml_root_open(x);
    for (bool done = false; st == RRT_OK && !done;) {
        st = xml_skip_misc(x, false);
        if (st == RRT_OK)
            st = xml_child(x, &done);
    }
    if (st == RRT_OK)
        st = xml_skip_misc(x, false);
    if (st == RRT_OK && x->p != x->end)
        st = xml_bad(x, "unexpected content after </cpudata>");
    return st;
}

rrt_status rrti_cpuid_xml_parse(const void *data, size_t len, const char *name,
                                rrt_cpuid_manifest *out, rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    if (len > RRT_CPUID_TEXT_MAX_BYTES)
        return text_fail(err, RRT_E_LIMIT, "%s: larger than %u bytes", name,
                         RRT_CPUID_TEXT_MAX_BYTES);
    if (memchr(data, 0, len))
        return text_fail(err, RRT_E_PARSE, "%s: NUL byte in XML", name);
    collector c = {.name = name, .err = err};
    xml x = {data, (const char *)data + len, 1, &c};
    rrt_status st = xml_document(&x);
    if (st == RRT_OK)
        st = collector_finish(&c, out);
    collector_free(&c);
    if (st != RRT_OK)
        rrt_cpuid_manifest_clear(out);
    return st;
}

/* ------------------------------------------------------------------ */
/* Format detection and files */

rrt_status rrt_cpuid_parse_text(const void *data, size_t len, const char *name,
                                rrt_cpuid_manifest *out,
                                rrt_cpuid_source *source, rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *p = data, *end = p + len;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) /* UTF-8 BOM */
        p += 3;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    if (p == end)
        return text_fail(err, RRT_E_PARSE, "%s: empty CPU description", name);
    if (*p == '<') {
        *source = RRT_CPUID_SOURCE_LIBVIRT;
        return rrti_cpuid_xml_parse(data, len, name, out, err);
    }
    if ((end - p >= 3 && memcmp(p, "CPU", 3) == 0) ||
        (end - p >= 2 && memcmp(p, "0x", 2) == 0)) {
        *source = RRT_CPUID_SOURCE_CPUID_RAW;
        return rrti_cpuid_raw_parse(data, len, name, out, err);
    }
    return text_fail(err, RRT_E_PARSE,
                     "%s: not a CPU description (expected a file written by "
                     "`rrt cpuid -o`, `cpuid -r` output or libvirt <cpudata> "
                     "XML)",
                     name);
}

static rrt_status read_small_file(const char *path, int fd, size_t size,
                                  char **out, rrt_error *err)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return text_fail(err, RRT_E_NOMEM, "%s: out of memory", path);
    size_t got = 0;
    while (got < size) {
        ssize_t k = pread(fd, buf + got, size - got, (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            free(buf);
            return text_fail(err, RRT_E_IO, "%s: read error: %s", path,
                             k < 0 ? strerror(errno) : "file shrank");
        }
        got += (size_t)k;
    }
    *out = buf;
    return RRT_OK;
}

static rrt_status load_archive(const char *path, rrt_cpuid_manifest *out,
                               rrt_error *err)
{
    rrt_reader *r = NULL;
    rrt_status st = rrt_reader_open(path, &r, err);
    if (st != RRT_OK)
        return st;
    st = rrt_reader_cpuid(r, out, err);
    if (st == RRT_E_NOT_FOUND)
        st = text_fail(
            err, st, "%s: archive has no CPUID manifest (CPID section)", path);
    rrt_reader_close(r);
    return st;
}

rrt_status rrt_cpuid_load(const char *path, rrt_cpuid_manifest *out,
                          rrt_cpuid_source *source, rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return text_fail(err, RRT_E_IO, "%s: %s", path, strerror(errno));
    rrt_status st;
    char *text = NULL;
    struct stat sb;
    uint8_t head[4] = {0};
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = text_fail(err, RRT_E_IO, "%s: not a regular file", path);
        goto out;
    }
    if (sb.st_size >= 4 && pread(fd, head, 4, 0) == 4 &&
        memcmp(head, RRTX_ARCHIVE_MAGIC, 4) == 0) {
        close(fd);
        *source = RRT_CPUID_SOURCE_ARCHIVE;
        return load_archive(path, out, err);
    }
    if ((uint64_t)sb.st_size > RRT_CPUID_TEXT_MAX_BYTES) {
        st = text_fail(err, RRT_E_LIMIT,
                       "%s: too large for a CPU description (%lld bytes, "
                       "limit %u)",
                       path, (long long)sb.st_size, RRT_CPUID_TEXT_MAX_BYTES);
        goto out;
    }
    st = read_small_file(path, fd, (size_t)sb.st_size, &text, err);
    if (st == RRT_OK)
        st = rrt_cpuid_parse_text(text, (size_t)sb.st_size, path, out, source,
                                  err);
out:
    free(text);
    close(fd);
    return st;
}

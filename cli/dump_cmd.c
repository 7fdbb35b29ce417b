/* rrt dump: every section, blob, file and event of an archive, as text
 * (recording events decoded) or as complete, stable JSON. */
#include <string.h>

#include "cli.h"

static const char *section_name(uint32_t type, char buf[5])
{
    for (int i = 0; i < 4; i++) {
        char ch = (char)(type >> (8 * i));
        buf[i] = ch >= 0x21 && ch <= 0x7e ? ch : '?';
    }
    buf[4] = 0;
    return buf;
}

static void dump_hex(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    fputc('"', f);
}

static int dump_json(rrt_reader *r, const char *path)
{
    rrt_archive_info in;
    rrt_error err;
    rrt_reader_info(r, &in);
    printf("{\n  \"format\": \"%u.%u\",\n  \"header_flags\": %u,\n"
           "  \"size\": %llu,\n  \"index_offset\": %llu,\n  \"sections\": [",
           in.major, in.minor, in.header_flags,
           (unsigned long long)in.file_size,
           (unsigned long long)in.index_offset);
    for (size_t i = 0; i < in.n_sections; i++) {
        rrt_section_info s;
        char fc[5];
        rrt_reader_section(r, i, &s);
        printf("%s\n    {\"type\": \"%s\", \"flags\": %u, \"offset\": %llu, "
               "\"length\": %llu, \"aux\": %llu}",
               i ? "," : "", section_name(s.type, fc), s.flags,
               (unsigned long long)s.offset, (unsigned long long)s.length,
               (unsigned long long)s.aux);
    }
    printf("\n  ],\n  \"blobs\": [");
    for (size_t i = 0; i < in.n_blobs; i++) {
        rrt_blob_id id;
        uint64_t size;
        char hex[33];
        rrt_reader_blob(r, i, &id, &size);
        rrt_blob_id_to_hex(&id, hex);
        printf("%s\n    {\"id\": \"%s\", \"size\": %llu}", i ? "," : "", hex,
               (unsigned long long)size);
    }
    printf("\n  ],\n  \"files\": [");
    for (size_t i = 0; i < in.n_files; i++) {
        rrt_file_entry e;
        if (rrt_reader_file(r, i, &e, &err) != RRT_OK)
            goto fail;
        char hex[33] = "";
        if (e.flags & RRT_FILE_HAS_BLOB)
            rrt_blob_id_to_hex(&e.blob, hex);
        printf("%s\n    {\"path\": ", i ? "," : "");
        cli_json_string(stdout, e.path);
        printf(", \"flags\": %u, \"mode\": %u, \"size\": %llu, "
               "\"mtime_ns\": %lld, \"dev\": %llu, \"ino\": %llu, "
               "\"blob\": \"%s\"}",
               e.flags, e.mode, (unsigned long long)e.size,
               (long long)e.mtime_ns, (unsigned long long)e.dev,
               (unsigned long long)e.ino, hex);
        rrt_file_entry_clear(&e);
    }
    printf("\n  ],\n  \"cpuid\": ");
    rrt_cpuid_manifest m;
    rrt_status st = rrt_reader_cpuid(r, &m, &err);
    if (st == RRT_E_NOT_FOUND) {
        printf("null");
    } else if (st != RRT_OK) {
        goto fail;
    } else {
        printf("{\"vendor\": ");
        cli_json_string(stdout, m.vendor);
        printf(", \"flags\": %u, \"xcr0\": %llu, \"mask_name\": ", m.flags,
               (unsigned long long)m.xcr0);
        cli_json_string(stdout, m.mask_name);
        const rrt_cpuid_record *lists[2] = {m.records, m.masks};
        size_t counts[2] = {m.n_records, m.n_masks};
        const char *names[2] = {"records", "masks"};
        for (int k = 0; k < 2; k++) {
            printf(",\n    \"%s\": [", names[k]);
            for (size_t i = 0; i < counts[k]; i++) {
                const rrt_cpuid_record *c = &lists[k][i];
                printf("%s\n      [%u, %u, %u, %u, %u, %u, %u]", i ? "," : "",
                       c->leaf, c->subleaf, c->flags, c->eax, c->ebx, c->ecx,
                       c->edx);
            }
            printf("]");
        }
        printf(",\n    \"queried\": [");
        for (size_t i = 0; i < m.n_queried; i++)
            printf("%s[%u, %u]", i ? ", " : "", m.queried[i].leaf,
                   m.queried[i].subleaf);
        printf("]}");
        rrt_cpuid_manifest_clear(&m);
    }
    const rrt_meta_entry *meta;
    size_t nmeta;
    if (rrt_reader_meta(r, &meta, &nmeta, &err) != RRT_OK)
        goto fail;
    printf(",\n  \"meta\": {");
    for (size_t i = 0; i < nmeta; i++) {
        printf("%s\n    ", i ? "," : "");
        cli_json_string(stdout, meta[i].key);
        printf(": ");
        cli_json_string(stdout, meta[i].value);
    }
    printf("\n  },\n  \"events\": [");
    rrt_event_iter *it;
    if (rrt_event_iter_open(r, 0, &it, &err) != RRT_OK)
        goto fail;
    rrt_event ev;
    while ((st = rrt_event_iter_next(it, &ev, &err)) == RRT_OK) {
        printf("%s\n    {\"seq\": %llu, \"type\": %u, \"data\": ",
               ev.seq ? "," : "", (unsigned long long)ev.seq, ev.type);
        dump_hex(stdout, ev.data, ev.len);
        printf("}");
    }
    rrt_event_iter_close(it);
    if (st != RRT_END)
        goto fail;
    printf("\n  ]\n}\n");
    (void)path;
    return CLI_EXIT_OK;
fail:
    fflush(stdout);
    cli_report(&err);
    return CLI_EXIT_ERROR;
}

/* Decoded events of recordings (rrt/events.h), one line each. */

static bool is_recording(rrt_reader *r)
{
    const char *tool = rrt_reader_meta_get(r, "tool");
    return rrt_reader_meta_get(r, "exe") ||
           (tool && !strcmp(tool, "rrt record"));
}

static void print_word(uint64_t v)
{
    int64_t s = (int64_t)v;
    if (v <= 0xffff)
        printf("%llu", (unsigned long long)v);
    else if (s < 0 && s >= -4096) /* -1, AT_FDCWD, -errno */
        printf("%lld", (long long)s);
    else
        printf("0x%llx", (unsigned long long)v);
}

static const char *signal_name(uint32_t signo)
{
    static const char *const names[] = {
        NULL,      "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP",
        "SIGABRT", "SIGBUS",  "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV",
        "SIGUSR2", "SIGPIPE", "SIGALRM",   "SIGTERM", "SIGSTKFLT", "SIGCHLD",
        "SIGCONT", "SIGSTOP", "SIGTSTP",   "SIGTTIN", "SIGTTOU",   "SIGURG",
        "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",  "SIGIO",
        "SIGPWR",  "SIGSYS"};
    return signo < sizeof(names) / sizeof(names[0]) ? names[signo] : NULL;
}

static void print_signo(uint32_t signo)
{
    const char *n = signal_name(signo);
    if (n)
        printf("%u (%s)", signo, n);
    else
        printf("%u (SIGRTMIN+%d)", signo, (int)signo - 34);
}

/* " /usr/bin/ls" for a file-table index, or " #N" if out of range. */
static void print_file(rrt_reader *r, uint64_t index)
{
    rrt_file_entry f;
    if (index < rrt_reader_file_count(r) &&
        rrt_reader_file(r, (size_t)index, &f, NULL) == RRT_OK) {
        printf(" %s", f.path);
        rrt_file_entry_clear(&f);
    } else {
        printf(" #%llu", (unsigned long long)index);
    }
}

static void print_syscall(rrt_reader *r, const rrt_ev_syscall *e)
{
    const char *name = rrt_syscall_name(e->nr);
    printf(" tid %u ", e->tid);
    if (name)
        printf("%s(", name);
    else
        printf("syscall_%u(", e->nr);
    for (int i = 0; i < 6; i++) {
        printf(i ? ", " : "");
        print_word(e->args[i]);
    }
    printf(")");
    if (e->flags & RRT_EV_SC_ENTRY_ONLY) {
        printf(" [entry only]\n");
        return;
    }
    printf(" = ");
    print_word((uint64_t)e->ret);
    const char *sep = " [";
    if (e->n_mem) {
        uint64_t bytes = 0;
        for (size_t i = 0; i < e->n_mem; i++)
            bytes += e->mem[i].len;
        printf("%s%zu mem write%s, %llu bytes", sep, e->n_mem,
               e->n_mem == 1 ? "" : "s", (unsigned long long)bytes);
        sep = "; ";
    }
    if (e->flags & RRT_EV_SC_STDIO) {
        printf("%s%s %zu bytes", sep,
               e->stdio_stream == 1 ? "stdout" : "stderr", e->stdio_len);
        sep = "; ";
    }
    if (e->flags & RRT_EV_SC_FILE) {
        printf("%sfile", sep);
        print_file(r, e->file_index);
        sep = "; ";
    }
    if (e->flags & RRT_EV_SC_INITIAL) {
        printf("%sinitial exec", sep);
        sep = "; ";
    }
    if (e->flags & RRT_EV_SC_FORCED) {
        printf("%sforced by the recorder", sep);
        sep = "; ";
    }
    printf("%s\n", sep[0] == ';' ? "]" : "");
}

/* One printer per event type (RRT_EVENT_LIST), after "event SEQ NAME". */

static void print_rdtsc(rrt_reader *r, const rrt_ev_rdtsc *e)
{
    (void)r;
    printf(" tid %u %s tsc %llu", e->tid, e->rdtscp ? "rdtscp" : "rdtsc",
           (unsigned long long)e->tsc);
    if (e->rdtscp)
        printf(" aux %u", e->aux);
    printf("\n");
}

static void print_cpuid(rrt_reader *r, const rrt_ev_cpuid *e)
{
    (void)r;
    printf(" tid %u leaf 0x%x subleaf 0x%x = eax 0x%08x ebx 0x%08x "
           "ecx 0x%08x edx 0x%08x\n",
           e->tid, e->leaf, e->subleaf, e->regs[0], e->regs[1], e->regs[2],
           e->regs[3]);
}

static void print_signal(rrt_reader *r, const rrt_ev_signal *e)
{
    (void)r;
    printf(" tid %u signal ", e->tid);
    print_signo(e->signo);
    printf("%s\n", e->sync ? " sync" : "");
}

static void print_exit(rrt_reader *r, const rrt_ev_exit *e)
{
    (void)r;
    if (e->killed) {
        printf(" tid %u killed by signal ", e->tid);
        print_signo(e->code);
        printf("\n");
    } else {
        printf(" tid %u exit status %u\n", e->tid, e->code);
    }
}

static void print_clone(rrt_reader *r, const rrt_ev_clone *e)
{
    (void)r;
    printf(" parent %u child %u flags 0x%llx\n", e->parent, e->child,
           (unsigned long long)e->flags);
}

static void print_exec(rrt_reader *r, const rrt_ev_exec *e)
{
    printf(" tid %u exe", e->tid);
    print_file(r, e->exe_file);
    if (e->has_interp) {
        printf(" interpreter");
        print_file(r, e->interp_file);
    }
    printf(", %zu auxv entries\n", e->n_auxv);
}

static void print_exec_script(rrt_reader *r, const rrt_ev_exec_script *e)
{
    printf(" tid %u script", e->tid);
    print_file(r, e->script_file);
    printf("\n");
}

static void print_signal_frame(rrt_reader *r, const rrt_ev_signal_frame *e)
{
    (void)r; /* regs: user_regs_struct order (rip 16, rsp 19) */
    printf(" tid %u handler 0x%llx rsp 0x%llx mask 0x%llx, %zu-byte frame\n",
           e->tid, (unsigned long long)e->regs[16],
           (unsigned long long)e->regs[19], (unsigned long long)e->mask,
           e->frame_len);
}

static void print_xgetbv(rrt_reader *r, const rrt_ev_xgetbv *e)
{
    (void)r;
    printf(" tid %u xcr%u = 0x%llx\n", e->tid, e->xcr,
           (unsigned long long)e->value);
}

static void print_shared_map(rrt_reader *r, const rrt_ev_shared_map *e)
{
    (void)r;
    printf(" tid %u object %u\n", e->tid, e->object);
}

static void print_shared_write(rrt_reader *r, const rrt_ev_shared_write *e)
{
    (void)r;
    printf(" tid %u object %u offset %llu, %zu bytes\n", e->tid, e->object,
           (unsigned long long)e->offset, e->len);
}

static void print_preempt(rrt_reader *r, const rrt_ev_preempt *e)
{
    (void)r;
    printf(" tid %u %s\n", e->tid,
           e->resume ? "runs on from where it stopped (a trap, or its records)"
                     : "gives way");
}

static void print_detach(rrt_reader *r, const rrt_ev_detach *e)
{
    (void)r;
    printf(" tid %u: its recording stops here\n", e->tid);
}

/* The syscall buffer's records, one a line after the event's. */
static void print_syscallbuf(rrt_reader *r, const rrt_ev_syscallbuf *e)
{
    (void)r;
    printf(" tid %u, %zu record%s%s\n", e->tid, e->n_recs,
           e->n_recs == 1 ? "" : "s",
           e->flags & RRT_EV_SB_STOP ? ", stops after them" : "");
    for (size_t i = 0; i < e->n_recs; i++) {
        const rrt_ev_sb_rec *x = &e->recs[i];
        const char *name = rrt_syscall_name(x->nr);
        if (name)
            printf("  %s = ", name);
        else
            printf("  syscall_%u = ", x->nr);
        print_word((uint64_t)x->ret);
        if (x->len)
            printf(" [%zu bytes at 0x%llx]", x->len,
                   (unsigned long long)x->addr);
        printf("\n");
    }
}

static void print_syscallbuf_patch(rrt_reader *r,
                                   const rrt_ev_syscallbuf_patch *e)
{
    (void)r;
    printf(" tid %u site 0x%llx (%zu bytes) jumps to stub 0x%llx (%zu bytes), ",
           e->tid, (unsigned long long)e->site, e->site_len,
           (unsigned long long)e->stub, e->stub_len);
    if (e->rip)
        printf("continues at 0x%llx\n", (unsigned long long)e->rip);
    else
        printf("patched ahead\n");
}

static void print_cpuid_patch(rrt_reader *r, const rrt_ev_cpuid_patch *e)
{
    (void)r;
    printf(" tid %u site 0x%llx (%zu bytes) jumps to stub 0x%llx (%zu bytes)\n",
           e->tid, (unsigned long long)e->site, e->site_len,
           (unsigned long long)e->stub, e->stub_len);
}

static void print_syscallbuf_init(rrt_reader *r,
                                  const rrt_ev_syscallbuf_init *e)
{
    (void)r;
    printf(" tid %u library at 0x%llx, %zu-byte image", e->tid,
           (unsigned long long)e->base, e->image_len);
    for (int i = 0; i < 2; i++) {
        printf("; %s ", i ? "stderr" : "stdout");
        if (e->out[i].ok)
            printf("dev %llu ino %llu", (unsigned long long)e->out[i].dev,
                   (unsigned long long)e->out[i].ino);
        else
            printf("not open");
    }
    printf("\n");
}

/* Prints the decoded form of a known event; false (nothing printed) when
 * the type is unknown or the payload does not decode. */
static bool dump_decoded(rrt_reader *r, const rrt_event *ev)
{
    rrt_ev_any e;
    rrt_error err;
    rrt_status st = rrt_ev_decode_any(ev->type, ev->data, ev->len, &e, &err);
    if (st == RRT_E_UNSUPPORTED) /* a newer producer's type: printed raw */
        return false;
    if (st != RRT_OK) {
        cli_warn("event %llu: %s", (unsigned long long)ev->seq, err.message);
        return false;
    }
    printf("event %llu %s", (unsigned long long)ev->seq,
           rrt_ev_type_name(e.type));
    switch (e.type) {
#define PRINT_EVENT(NAME, name, num)                                           \
    case RRT_EV_##NAME:                                                        \
        print_##name(r, &e.u.name);                                            \
        break;
        RRT_EVENT_LIST(PRINT_EVENT)
#undef PRINT_EVENT
    }
    rrt_ev_any_clear(&e);
    return true;
}

static int dump_text(rrt_reader *r)
{
    rrt_archive_info in;
    rrt_error err;
    rrt_reader_info(r, &in);
    printf("format %u.%u, %llu bytes, index at %llu\n", in.major, in.minor,
           (unsigned long long)in.file_size,
           (unsigned long long)in.index_offset);
    for (size_t i = 0; i < in.n_sections; i++) {
        rrt_section_info s;
        char fc[5];
        rrt_reader_section(r, i, &s);
        printf("section %-4s at %10llu, %8llu bytes%s\n",
               section_name(s.type, fc), (unsigned long long)s.offset,
               (unsigned long long)s.length,
               s.flags & RRT_SECF_REQUIRED ? ", required" : "");
    }
    for (size_t i = 0; i < in.n_blobs; i++) {
        rrt_blob_id id;
        uint64_t size;
        char hex[33];
        rrt_reader_blob(r, i, &id, &size);
        rrt_blob_id_to_hex(&id, hex);
        printf("blob %s %llu bytes\n", hex, (unsigned long long)size);
    }
    rrt_event_iter *it;
    if (rrt_event_iter_open(r, 0, &it, &err) != RRT_OK) {
        cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    rrt_event ev;
    rrt_status st;
    bool decode = is_recording(r);
    while ((st = rrt_event_iter_next(it, &ev, &err)) == RRT_OK) {
        if (decode && dump_decoded(r, &ev))
            continue;
        printf("event %llu type %u, %zu bytes\n", (unsigned long long)ev.seq,
               ev.type, ev.len);
    }
    rrt_event_iter_close(it);
    if (st != RRT_END) {
        cli_report(&err);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

static int run_dump(int argc, char **argv)
{
    bool json = false;
    int first = 0;
    rrt_reader *r = NULL;
    int rc = cli_open_one_archive(argc, argv, "dump", &json, &first, &r);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = json ? dump_json(r, argv[first]) : dump_text(r);
    rrt_reader_close(r);
    return rc;
}

const cli_command cmd_dump = {
    "dump",
    "print an archive's structure and events",
    "NAME\n"
    "  rrt dump - print every section, blob, file, event and the CPUID\n"
    "  manifest of an .rrt archive\n"
    "\n"
    "SYNOPSIS\n"
    "  rrt dump [--json] FILE.rrt\n"
    "\n"
    "DESCRIPTION\n"
    "  The text form lists indexed sections, blobs and events, one a line.\n"
    "  In a recording (metadata names an exe, or tool is \"rrt record\")\n"
    "  events are decoded as spec/events.md describes them, e.g.\n"
    "    event 12 SYSCALL tid 4711 read(3, 0x7ffd5000, 4096, 0, 0, 0) = 42\n"
    "      [1 mem write, 42 bytes]\n"
    "  with all six argument registers; an event of an unknown type, or one\n"
    "  that does not decode (a warning on stderr says why), is printed raw.\n"
    "  The JSON form is complete and stable: spec/vectors/ holds the\n"
    "  expected JSON of each golden archive, and tools may parse it. Event\n"
    "  payloads are hex strings; paths and metadata are JSON strings in\n"
    "  which every byte outside printable ASCII is escaped as \\u00XX.\n"
    "\n"
    "OPTIONS\n"
    "  --json    JSON on stdout\n",
    run_dump,
    NULL,
    NULL};

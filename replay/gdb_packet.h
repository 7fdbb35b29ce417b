/* The GDB remote serial protocol's wire layer, pure: framing of the byte
 * stream into packets ($data#cs, acks, the interrupt byte), the reply
 * encoding, and decoding a packet into a command. No I/O, no replay state:
 * gdb.c drives it, fuzz/fuzz_gdb_packet.c and tests/test_gdb_packet.c
 * exercise it. */
#ifndef RRT_REPLAY_GDB_PACKET_H
#define RRT_REPLAY_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest packet accepted (qSupported's PacketSize says so to gdb);
 * a longer one is an error that closes the connection. */
#define GDBP_MAX_PACKET 16384

typedef enum gdbp_kind {
    GDBP_NONE,      /* more bytes needed */
    GDBP_PACKET,    /* p->buf[0..len) holds a packet, unescaped, NUL-ended */
    GDBP_INTERRUPT, /* the 0x03 byte: Ctrl-C */
    GDBP_ACK,       /* '+' */
    GDBP_NACK,      /* '-': resend the last reply */
    GDBP_BADSUM,    /* a packet whose checksum is wrong: answer '-' */
    GDBP_ERROR,     /* malformed or oversized: p->error says why */
} gdbp_kind;

typedef struct gdbp_parser {
    int state;
    bool esc;
    char buf[GDBP_MAX_PACKET + 1];
    size_t len;
    uint8_t sum;   /* of the raw bytes between $ and # */
    unsigned csum; /* the checksum digits read so far */
    int ncsum;
    char error[96];
} gdbp_parser;

void gdbp_init(gdbp_parser *p);
/* Consumes bytes of data[0..n) up to and including the end of one item
 * and returns how many; *kind says what ended there (GDBP_NONE: all n were
 * consumed and the item is incomplete). After GDBP_ERROR the parser stays
 * in error: the connection must be closed. */
size_t gdbp_feed(gdbp_parser *p, const uint8_t *data, size_t n,
                 gdbp_kind *kind);

/* Frames payload[0..n) as "$...#cs" into out (escaping $ # } * as the
 * protocol's binary encoding does); returns the framed length, or 0 when
 * out (cap bytes) is too small. */
size_t gdbp_frame(const void *payload, size_t n, char *out, size_t cap);

/* Hex helpers. gdbp_hex_encode writes 2n digits (no NUL). gdbp_hex_decode
 * reads exactly 2n digits; false on any other character. */
void gdbp_hex_encode(const void *data, size_t n, char *out);
bool gdbp_hex_decode(const char *hex, size_t n, void *out);
/* Parses 1-16 hex digits at *s, advancing it; false on none or overflow. */
bool gdbp_hex_u64(const char **s, uint64_t *v);

/* A thread id: "p PID.TID", "TID", -1 (all) or 0 (any). pid 0: absent. */
typedef struct gdbp_tid {
    int64_t pid, tid;
} gdbp_tid;
bool gdbp_parse_tid(const char **s, gdbp_tid *t);

#define GDBP_MAX_ACTIONS 8

typedef struct gdbp_action {
    char op;             /* 'c', 's', 'C', 'S', 't', 'r' */
    int sig;             /* C and S */
    uint64_t start, end; /* r */
    bool has_tid;
    gdbp_tid tid;
} gdbp_action;

typedef enum gdbp_cmd_kind {
    GDBP_C_UNKNOWN, /* answer with an empty packet */
    GDBP_C_BAD,     /* a known command with bad arguments: answer E01 */
    GDBP_C_STOP_REASON,
    GDBP_C_READ_REGS,
    GDBP_C_WRITE_REGS, /* data, len: raw bytes */
    GDBP_C_READ_REG,   /* reg */
    GDBP_C_WRITE_REG,  /* reg, data, len */
    GDBP_C_READ_MEM,   /* addr, len */
    GDBP_C_WRITE_MEM,  /* addr, len, data */
    GDBP_C_INSERT_BP,  /* bp_type, addr, len (kind) */
    GDBP_C_REMOVE_BP,
    GDBP_C_SET_THREAD, /* op ('g' or 'c'), tid */
    GDBP_C_THREAD_ALIVE,
    GDBP_C_RESUME, /* actions[0..nactions) */
    GDBP_C_VCONT_QUERY,
    GDBP_C_DETACH,
    GDBP_C_KILL,
    GDBP_C_QUERY,     /* name: q's name up to ':' or ','; args after it */
    GDBP_C_SET,       /* Q packets, as QUERY */
    GDBP_C_XFER_READ, /* object, annex, addr (offset), len */
    GDBP_C_VFILE,     /* name ("open", "pread", ...), args */
    GDBP_C_EXTENDED,  /* '!' */
} gdbp_cmd_kind;

typedef struct gdbp_cmd {
    gdbp_cmd_kind kind;
    char name[32];
    const char *args; /* into the packet: after the name and separator */
    char object[32], annex[256];
    uint64_t addr, len;
    unsigned reg;
    int bp_type;
    char op;
    gdbp_tid tid;
    /* decoded bytes of G, P, M and X (owned by the command) */
    uint8_t data[GDBP_MAX_PACKET / 2 + 1];
    size_t ndata;
    gdbp_action actions[GDBP_MAX_ACTIONS];
    size_t nactions;
} gdbp_cmd;

/* Decodes the packet pkt[0..n) (as gdbp_feed leaves it: NUL-ended). */
void gdbp_decode(const char *pkt, size_t n, gdbp_cmd *c);

#endif

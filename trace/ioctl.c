/* What an ioctl writes into the caller's memory, from its request number.
 * A request built by _IOC() says so itself: _IOC_READ means the kernel
 * writes _IOC_SIZE bytes at the argument. Older requests (the terminal's
 * 0x54xx, sockets' 0x89xx, ...) carry no direction or size: those that
 * write are listed here, and an unlisted one of those families is refused
 * rather than guessed. A few modern requests write more than their size
 * says (TUNSETIFF, FS_IOC_FIEMAP): listed too. */
#include "trace.h"

#define IOC_NRBITS 8
#define IOC_TYPEBITS 8
#define IOC_SIZEBITS 14
#define IOC_TYPESHIFT IOC_NRBITS
#define IOC_SIZESHIFT (IOC_TYPESHIFT + IOC_TYPEBITS)
#define IOC_DIRSHIFT (IOC_SIZESHIFT + IOC_SIZEBITS)
#define IOC_WRITE 1u
#define IOC_READ 2u

enum {
    SZ_TERMIOS = 36,  /* struct termios (kernel): 4 flags, c_line, c_cc[19] */
    SZ_TERMIO = 18,   /* struct termio */
    SZ_IFREQ = 40,    /* struct ifreq */
    SZ_SERIAL = 72,   /* struct serial_struct */
    SZ_ICOUNTER = 80, /* struct serial_icounter_struct */
};

/* Old-style requests and what they write at their argument. */
static const struct legacy {
    uint32_t req, size;
} legacy[] = {
    /* terminals: <asm-generic/ioctls.h> */
    {0x5401, SZ_TERMIOS},  /* TCGETS */
    {0x5402, 0},           /* TCSETS */
    {0x5403, 0},           /* TCSETSW */
    {0x5404, 0},           /* TCSETSF */
    {0x5405, SZ_TERMIO},   /* TCGETA */
    {0x5406, 0},           /* TCSETA */
    {0x5407, 0},           /* TCSETAW */
    {0x5408, 0},           /* TCSETAF */
    {0x5409, 0},           /* TCSBRK */
    {0x540A, 0},           /* TCXONC */
    {0x540B, 0},           /* TCFLSH */
    {0x540C, 0},           /* TIOCEXCL */
    {0x540D, 0},           /* TIOCNXCL */
    {0x540E, 0},           /* TIOCSCTTY */
    {0x540F, 4},           /* TIOCGPGRP */
    {0x5410, 0},           /* TIOCSPGRP */
    {0x5411, 4},           /* TIOCOUTQ */
    {0x5412, 0},           /* TIOCSTI */
    {0x5413, 8},           /* TIOCGWINSZ */
    {0x5414, 0},           /* TIOCSWINSZ */
    {0x5415, 4},           /* TIOCMGET */
    {0x5416, 0},           /* TIOCMBIS */
    {0x5417, 0},           /* TIOCMBIC */
    {0x5418, 0},           /* TIOCMSET */
    {0x5419, 4},           /* TIOCGSOFTCAR */
    {0x541A, 0},           /* TIOCSSOFTCAR */
    {0x541B, 4},           /* FIONREAD */
    {0x541C, 1},           /* TIOCLINUX: some subcodes answer in byte 0 */
    {0x541D, 0},           /* TIOCCONS */
    {0x541E, SZ_SERIAL},   /* TIOCGSERIAL */
    {0x541F, 0},           /* TIOCSSERIAL */
    {0x5420, 0},           /* TIOCPKT */
    {0x5421, 0},           /* FIONBIO */
    {0x5422, 0},           /* TIOCNOTTY */
    {0x5423, 0},           /* TIOCSETD */
    {0x5424, 4},           /* TIOCGETD */
    {0x5425, 0},           /* TCSBRKP */
    {0x5427, 0},           /* TIOCSBRK */
    {0x5428, 0},           /* TIOCCBRK */
    {0x5429, 4},           /* TIOCGSID */
    {0x542E, 32},          /* TIOCGRS485 */
    {0x542F, 32},          /* TIOCSRS485: writes the applied settings back */
    {0x5432, 16},          /* TCGETX */
    {0x5433, 0},           /* TCSETX */
    {0x5434, 0},           /* TCSETXF */
    {0x5435, 0},           /* TCSETXW */
    {0x5437, 0},           /* TIOCVHANGUP */
    {0x5441, 0},           /* TIOCGPTPEER: returns a descriptor */
    {0x5450, 0},           /* FIONCLEX */
    {0x5451, 0},           /* FIOCLEX */
    {0x5452, 0},           /* FIOASYNC */
    {0x5453, 0},           /* TIOCSERCONFIG */
    {0x5454, 4},           /* TIOCSERGWILD */
    {0x5455, 0},           /* TIOCSERSWILD */
    {0x5456, SZ_TERMIOS},  /* TIOCGLCKTRMIOS */
    {0x5457, 0},           /* TIOCSLCKTRMIOS */
    {0x5459, 4},           /* TIOCSERGETLSR */
    {0x545C, 0},           /* TIOCMIWAIT */
    {0x545D, SZ_ICOUNTER}, /* TIOCGICOUNT */
    {0x5460, 8},           /* FIOQSIZE */
    /* files: <linux/fs.h> */
    {0x0001, 4}, /* FIBMAP: block number in and out */
    {0x0002, 4}, /* FIGETBSZ */
    /* block devices: _IO(0x12, n) */
    {0x125D, 0}, /* BLKROSET */
    {0x125E, 4}, /* BLKROGET */
    {0x125F, 0}, /* BLKRRPART */
    {0x1260, 8}, /* BLKGETSIZE */
    {0x1261, 0}, /* BLKFLSBUF */
    {0x1262, 0}, /* BLKRASET */
    {0x1263, 8}, /* BLKRAGET */
    {0x1264, 0}, /* BLKFRASET */
    {0x1265, 8}, /* BLKFRAGET */
    {0x1266, 0}, /* BLKSECTSET */
    {0x1267, 2}, /* BLKSECTGET */
    {0x1268, 4}, /* BLKSSZGET */
    {0x1277, 0}, /* BLKDISCARD */
    {0x1278, 4}, /* BLKIOMIN */
    {0x1279, 4}, /* BLKIOOPT */
    {0x127A, 4}, /* BLKALIGNOFF */
    {0x127B, 4}, /* BLKPBSZGET */
    {0x127C, 4}, /* BLKDISCARDZEROES */
    {0x127D, 0}, /* BLKSECDISCARD */
    {0x127E, 2}, /* BLKROTATIONAL */
    {0x127F, 0}, /* BLKZEROOUT */
    /* virtual terminals: <linux/vt.h> */
    {0x5600, 4},  /* VT_OPENQRY */
    {0x5601, 8},  /* VT_GETMODE */
    {0x5602, 0},  /* VT_SETMODE */
    {0x5603, 6},  /* VT_GETSTATE */
    {0x5604, 0},  /* VT_SENDSIG */
    {0x5605, 0},  /* VT_RELDISP */
    {0x5606, 0},  /* VT_ACTIVATE */
    {0x5607, 0},  /* VT_WAITACTIVE */
    {0x5608, 0},  /* VT_DISALLOCATE */
    {0x5609, 0},  /* VT_RESIZE */
    {0x560A, 0},  /* VT_RESIZEX */
    {0x560B, 0},  /* VT_LOCKSWITCH */
    {0x560C, 0},  /* VT_UNLOCKSWITCH */
    {0x560D, 2},  /* VT_GETHIFONTMASK */
    {0x560E, 16}, /* VT_WAITEVENT */
    {0x560F, 0},  /* VT_SETACTIVATE */
    /* keyboards: <linux/kd.h> */
    {0x4B31, 1}, /* KDGETLED */
    {0x4B32, 0}, /* KDSETLED */
    {0x4B33, 1}, /* KDGKBTYPE */
    {0x4B3A, 0}, /* KDSETMODE */
    {0x4B3B, 4}, /* KDGETMODE */
    {0x4B44, 4}, /* KDGKBMODE */
    {0x4B45, 0}, /* KDSKBMODE */
    {0x4B46, 4}, /* KDGKBENT */
    {0x4B62, 4}, /* KDGKBMETA */
    {0x4B63, 0}, /* KDSKBMETA */
    {0x4B64, 1}, /* KDGKBLED */
    {0x4B65, 0}, /* KDSKBLED */
    /* loop devices: <linux/loop.h> */
    {0x4C00, 0},   /* LOOP_SET_FD */
    {0x4C01, 0},   /* LOOP_CLR_FD */
    {0x4C02, 0},   /* LOOP_SET_STATUS */
    {0x4C03, 168}, /* LOOP_GET_STATUS */
    {0x4C04, 0},   /* LOOP_SET_STATUS64 */
    {0x4C05, 232}, /* LOOP_GET_STATUS64 */
    {0x4C06, 0},   /* LOOP_CHANGE_FD */
    {0x4C07, 0},   /* LOOP_SET_CAPACITY */
    {0x4C08, 0},   /* LOOP_SET_DIRECT_IO */
    {0x4C09, 0},   /* LOOP_SET_BLOCK_SIZE */
    {0x4C0A, 0},   /* LOOP_CONFIGURE */
    {0x4C80, 0},   /* LOOP_CTL_ADD */
    {0x4C81, 0},   /* LOOP_CTL_REMOVE */
    {0x4C82, 0},   /* LOOP_CTL_GET_FREE */
    /* SCSI generic */
    {0x2282, 4}, /* SG_GET_VERSION_NUM */
    {0x5382, 8}, /* SCSI_IOCTL_GET_IDLUN */
    /* frame buffers: <linux/fb.h> */
    {0x4600, 160}, /* FBIOGET_VSCREENINFO */
    {0x4601, 0},   /* FBIOPUT_VSCREENINFO */
    {0x4602, 80},  /* FBIOGET_FSCREENINFO */
    /* sockets: <linux/sockios.h>, <asm/sockios.h> */
    {0x8901, 0},  /* FIOSETOWN */
    {0x8902, 0},  /* SIOCSPGRP */
    {0x8903, 4},  /* FIOGETOWN */
    {0x8904, 4},  /* SIOCGPGRP */
    {0x8905, 4},  /* SIOCATMARK */
    {0x8906, 16}, /* SIOCGSTAMP_OLD: struct timeval */
    {0x8907, 16}, /* SIOCGSTAMPNS_OLD: struct timespec */
    /* modern encodings that write more than their size says */
    {0x400454CA, SZ_IFREQ}, /* TUNSETIFF: the name the kernel chose */
    {0x800454D2, SZ_IFREQ}, /* TUNGETIFF */
};

/* Old families with requests that write: an unlisted one is not guessed. */
static bool legacy_family(uint32_t type)
{
    switch (type) {
    case 0x00: /* FIBMAP, FIGETBSZ */
    case 0x12: /* block devices */
    case 0x22: /* SCSI generic */
    case 0x46: /* 'F' frame buffers */
    case 0x4B: /* 'K' keyboards */
    case 0x4C: /* 'L' loop devices */
    case 0x53: /* 'S' CD-ROM, SCSI */
    case 0x54: /* 'T' terminals */
    case 0x56: /* 'V' virtual terminals */
    case 0x89: /* sockets */
        return true;
    default:
        return false;
    }
}

trace_ioctl_kind trace_ioctl_out(uint64_t request, uint32_t *size)
{
    uint32_t req = (uint32_t)request; /* the kernel's cmd is an unsigned int */
    uint32_t dir = req >> IOC_DIRSHIFT;
    uint32_t type = (req >> IOC_TYPESHIFT) & 0xff;
    *size = 0;
    for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
        if (legacy[i].req == req) {
            *size = legacy[i].size;
            return TRACE_IOCTL_FIXED;
        }
    if (req == 0xC020660Bu) /* FS_IOC_FIEMAP: extents follow the header */
        return TRACE_IOCTL_FIEMAP;
    if (req == 0x8912) /* SIOCGIFCONF: struct ifconf and its buffer */
        return TRACE_IOCTL_IFCONF;
    /* interface requests: a struct ifreq the GET ones fill */
    if (req >= 0x8910 && req <= 0x89FF && req != 0x8946 && req != 0x89B0 &&
        req != 0x89B1) {
        *size = SZ_IFREQ;
        return TRACE_IOCTL_FIXED;
    }
    if (dir == 0 && legacy_family(type))
        return TRACE_IOCTL_REFUSE;
    if (dir & IOC_READ)
        *size = (req >> IOC_SIZESHIFT) & ((1u << IOC_SIZEBITS) - 1);
    return TRACE_IOCTL_FIXED;
}

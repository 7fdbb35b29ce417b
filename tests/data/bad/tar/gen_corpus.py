#!/usr/bin/env python3
"""Writes the hostile tar/zip corpus for `rrt unpack` and `rrt import` into
OUTDIR (generated at test time, so no binary blobs live in the tree).

Each file holds one trick; OUTSIDE is a directory the tricks aim at, which
the test checks is left untouched. Usage: gen_corpus.py OUTDIR OUTSIDE"""
import io
import os
import stat
import sys
import tarfile
import zipfile


def tar(path, members, gz=False):
    with tarfile.open(path, "w:gz" if gz else "w", format=tarfile.PAX_FORMAT) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)


def reg(name, data=b"pwned\n", mode=0o644):
    i = tarfile.TarInfo(name)
    i.size = len(data)
    i.mode = mode
    return i, data


def special(name, kind, **kw):
    i = tarfile.TarInfo(name)
    i.type = kind
    for k, v in kw.items():
        setattr(i, k, v)
    return i, None


def huge_declared(path):
    # A GNU header declaring 2^40 bytes followed by a few bytes: no
    # legitimate reader should allocate or write that much.
    i = tarfile.TarInfo("files/huge")
    i.size = 1 << 40
    with open(path, "wb") as f:
        f.write(i.tobuf(format=tarfile.GNU_FORMAT))
        f.write(b"x" * 512)
        f.write(b"\0" * 1024)


def many_entries(path, n=100000):
    with tarfile.open(path, "w:gz", format=tarfile.USTAR_FORMAT) as t:
        for k in range(n):
            i = tarfile.TarInfo("files/d%03d/f%06d" % (k % 1000, k))
            t.addfile(i, io.BytesIO(b""))


def zipper(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, data, mode in entries:
            zi = zipfile.ZipInfo(name)
            zi.external_attr = mode << 16
            z.writestr(zi, data)


def main():
    out, outside = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    p = lambda n: os.path.join(out, n)
    tar(p("abs_path.tar"), [reg(outside + "/abs_pwned")])
    tar(p("dotdot.tar"), [reg("files/../../outside/dotdot_pwned")])
    tar(p("dotdot_deep.tar"), [reg("../" * 12 + outside.lstrip("/") + "/deep_pwned")])
    tar(p("symlink_then_file.tar"), [
        special("files/link", tarfile.SYMTYPE, linkname=outside),
        reg("files/link/via_symlink_pwned")])
    tar(p("symlink_etc.tar"), [
        special("files/etc", tarfile.SYMTYPE, linkname="/etc"),
        reg("files/etc/rrt_pwned")])
    tar(p("hardlink_outside.tar"), [
        special("files/hl", tarfile.LNKTYPE, linkname=outside + "/victim")])
    tar(p("hardlink_dotdot.tar"), [
        special("files/hl", tarfile.LNKTYPE, linkname="../outside/victim")])
    tar(p("chardev.tar"), [special("files/null", tarfile.CHRTYPE, devmajor=1, devminor=3)])
    tar(p("blockdev.tar"), [special("files/sda", tarfile.BLKTYPE, devmajor=8, devminor=0)])
    tar(p("fifo.tar"), [special("files/fifo", tarfile.FIFOTYPE)])
    tar(p("setuid.tar"), [reg("files/suid", b"#!/bin/sh\n", 0o6755)])
    tar(p("abs_path.tar.gz"), [reg(outside + "/gz_pwned")], gz=True)
    huge_declared(p("huge_declared.tar"))
    many_entries(p("many_entries.tar.gz"))
    zipper(p("zip_abs.zip"), [(outside + "/zip_abs_pwned", b"x", 0o100644)])
    zipper(p("zip_dotdot.zip"), [("files/../../outside/zip_dotdot_pwned", b"x", 0o100644)])
    zipper(p("zip_symlink.zip"), [("files/zl", outside, 0o120777),
                                 ("files/zl/zip_link_pwned", b"x", 0o100644)])
    zipper(p("zip_setuid.zip"), [("files/zsuid", b"x", 0o104755)])


if __name__ == "__main__":
    main()

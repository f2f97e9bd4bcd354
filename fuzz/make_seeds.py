#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets: small valid files of each
kind pcseg reads, in fuzz/corpus/<target>/ (git-ignored; libFuzzer adds the
inputs it finds there). Run from anywhere: python3 fuzz/make_seeds.py"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


POINTS = [(0.5, -1.0, 2.0, 0.0, 0.0, 1.0, 12, 7), (3.0, 4.0, -5.5, 0.0, 1.0, 0.0, 13, 8),
          (0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 15, 9)]
PROPS = [("float", "x"), ("float", "y"), ("float", "z"), ("float", "nx"), ("float", "ny"),
         ("float", "nz"), ("int", "label"), ("ushort", "intensity")]
FMT = {"float": "f", "int": "i", "ushort": "H", "uchar": "B", "double": "d"}


def header(encoding, props, n, before=""):
    lines = ["ply", f"format {encoding} 1.0", "comment seed", before + f"element vertex {n}"]
    lines += [f"property {t} {name}" for t, name in props]
    return "\n".join(lines) + "\nend_header\n"


def ply_seeds():
    n = len(POINTS)
    body = "".join(" ".join(f"{v:g}" for v in p) + "\n" for p in POINTS)
    write("ply_read", "ascii.ply", header("ascii", PROPS, n) + body)
    for enc, order in [("binary_little_endian", "<"), ("binary_big_endian", ">")]:
        fmt = order + "".join(FMT[t] for t, _ in PROPS)
        data = b"".join(struct.pack(fmt, *p) for p in POINTS)
        write("ply_read", enc + ".ply", header(enc, PROPS, n).encode() + data)
    # x y z only, double and uchar types, label as 'class'.
    props = [("double", "x"), ("double", "y"), ("double", "z"), ("uchar", "class")]
    fmt = "<dddB"
    data = b"".join(struct.pack(fmt, p[0], p[1], p[2], p[7]) for p in POINTS)
    write("ply_read", "double_class.ply",
          header("binary_little_endian", props, n).encode() + data)
    # A mesh: a face element with a list property before the vertices.
    before = "element face 1\nproperty list uchar int vertex_indices\n"
    xyz = [("float", "x"), ("float", "y"), ("float", "z")]
    text = header("ascii", xyz, n, before) + "3 0 1 2\n" + "".join(
        f"{p[0]} {p[1]} {p[2]}\n" for p in POINTS)
    write("ply_read", "mesh_ascii.ply", text)
    data = struct.pack("<Biii", 3, 0, 1, 2) + b"".join(
        struct.pack("<fff", *p[:3]) for p in POINTS)
    write("ply_read", "mesh_binary.ply",
          header("binary_little_endian", xyz, n, before).encode() + data)


def text_seeds():
    write("text_read", "xyz3.xyz", "".join(f"{p[0]} {p[1]} {p[2]}\n" for p in POINTS))
    write("text_read", "xyz4.xyz", "".join(f"{p[0]} {p[1]} {p[2]} {p[6]}\n" for p in POINTS))
    write("text_read", "normals6.xyz",
          "".join(" ".join(f"{v:g}" for v in p[:6]) + "\n" for p in POINTS))
    write("text_read", "normal7.txt",
          "".join(" ".join(f"{v:.6f}" for v in p[:7]) + "\n" for p in POINTS))
    write("text_read", "header.csv",
          "x,y,z,label\n" + "".join(f"{p[0]},{p[1]},{p[2]},{p[6]}\n" for p in POINTS))
    write("text_read", "comments.txt",
          "# scan\n\n1e-3\t2.5E+1\t-0\r\n  4 5 6  # end\n")


ply_seeds()
text_seeds()

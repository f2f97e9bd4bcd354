#!/usr/bin/env python3
"""Write a ShapeNetPart `_normal` folder turned into each of the 24 axis-aligned frames.

usage: scripts/rotate_dataset.py SRC OUT

OUT/<up>_<front>/ is SRC with every shape's x y z and nx ny nz turned so that
the model's up (+y) points along input axis <up> and its front (+x) along
<front> (the frame `pcseg run --up <up> --front <front>` undoes). Labels and
the split lists are copied unchanged. The rotations are signed permutations,
so columns are moved and signs flipped as text: no digit changes.
"""
import os
import shutil
import sys

AXES = {"x": (0, 1), "-x": (0, -1), "y": (1, 1), "-y": (1, -1), "z": (2, 1), "-z": (2, -1)}


def vec(a):
    k, s = AXES[a]
    v = [0, 0, 0]
    v[k] = s
    return v


def cross(a, b):
    return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]


def frames():
    for up in AXES:
        for front in AXES:
            if AXES[up][0] != AXES[front][0]:
                yield up, front


def neg(s):
    return s[1:] if s.startswith("-") else "-" + s


def mapping(up, front):
    """For each input column k, (model column r, sign): p_in[k] = sign * p_model[r]."""
    rows = [vec(front), vec(up), cross(vec(front), vec(up))]
    out = []
    for k in range(3):
        for r in range(3):
            if rows[r][k]:
                out.append((r, rows[r][k]))
    return out


def turn(line, m):
    f = line.split()
    if len(f) < 6:
        return line
    xyz, nrm = f[0:3], f[3:6]
    g = lambda v, r, s: v[r] if s > 0 else neg(v[r])
    new = [g(xyz, r, s) for r, s in m] + [g(nrm, r, s) for r, s in m] + f[6:]
    return " ".join(new) + "\n"


def main():
    src, out = sys.argv[1], sys.argv[2]
    for up, front in frames():
        m = mapping(up, front)
        dst = os.path.join(out, f"{up}_{front}")
        for root, _, files in os.walk(src):
            rel = os.path.relpath(root, src)
            os.makedirs(os.path.join(dst, rel), exist_ok=True)
            for name in files:
                a, b = os.path.join(root, name), os.path.join(dst, rel, name)
                if rel.startswith("train_test_split") or rel == ".":
                    shutil.copyfile(a, b)
                    continue
                with open(a) as fi, open(b, "w") as fo:
                    fo.writelines(turn(l, m) for l in fi)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Check the library's layering and its file-level import graph.

Every `crate::...` path in src/ (outside src/main.rs and src/cli/, the binary)
names the module it uses. A module may use modules of a lower layer, or its
own module's files; never a higher layer. Files must not import each other in
a cycle. Exits 1 listing every violation; prints one summary line otherwise.

usage: scripts/check_layers.py [REPO]
"""
import os
import re
import sys

# Lowest first. Keep in step with the picture at the top of src/lib.rs.
LAYERS = [
    ["categories", "cloud", "error", "rng"],
    ["io", "geometry"],
    ["model", "render"],
    ["predict", "synth"],
    ["eval"],
    ["train"],
]
RANK = {m: i for i, layer in enumerate(LAYERS) for m in layer}

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")


def module_files(src):
    out = []
    for dirpath, _, files in os.walk(src):
        for f in files:
            if f.endswith(".rs"):
                out.append(os.path.relpath(os.path.join(dirpath, f), src))
    return sorted(out)


def module_path(rel):
    """src-relative file -> module path list (a/b.rs -> [a, b]; a/mod.rs -> [a])."""
    parts = rel[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return parts


def resolve(segments, files):
    """The file holding the longest prefix of a module path, or None."""
    for n in range(len(segments), 0, -1):
        base = os.path.join(*segments[:n])
        for cand in (base + ".rs", os.path.join(base, "mod.rs")):
            if cand in files:
                return cand
    return None


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    src = os.path.join(repo, "src")
    files = [f for f in module_files(src) if f != "main.rs" and not f.startswith("cli" + os.sep)]
    fileset = set(files)
    problems = []
    graph = {f: set() for f in files}
    for f in files:
        me = module_path(f)
        top = me[0] if me else None
        text = strip_comments(open(os.path.join(src, f), encoding="utf-8").read())
        for m in PATH.finditer(text):
            kind, rest = m.group(1), m.group(2).split("::")[1:]
            if kind == "crate":
                segs = rest
            else:
                # `super` in a/b.rs or a/b/mod.rs is module a.
                parent = me[:-1]
                while rest and rest[0] == "super":
                    rest, parent = rest[1:], parent[:-1]
                segs = parent + rest
            if not segs:
                continue
            target_top = segs[0]
            if top and target_top in RANK and top in RANK and target_top != top:
                if RANK[target_top] > RANK[top]:
                    problems.append("%s: uses %s (layer %d) from %s (layer %d)"
                                    % (os.path.join("src", f), "::".join(["crate"] + segs),
                                       RANK[target_top], top, RANK[top]))
            target = resolve(segs, fileset)
            if target and target != f and not (target == "lib.rs"):
                graph[f].add(target)
    for top in {module_path(f)[0] for f in files if module_path(f)}:
        if top not in RANK:
            problems.append("src/%s: module '%s' has no layer in scripts/check_layers.py" % (top, top))

    # File cycles (Tarjan's strongly connected components). A module file
    # (mod.rs) re-exporting its children is not a dependency of them.
    def deps(f):
        return {t for t in graph[f] if not (t.endswith("mod.rs") and
                                             os.path.dirname(f).startswith(os.path.dirname(t)))}
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in deps(v):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for f in files:
        if f not in index:
            strong(f)
    for comp in out:
        problems.append("import cycle between files: " + ", ".join("src/" + c for c in comp))
    if problems:
        for p in problems:
            print(p)
        sys.exit(1)
    edges = sum(len(deps(f)) for f in files)
    print("layers ok: %d library files, %d file imports, no upward import, no cycle" % (len(files), edges))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Fetch freely licensed real triangle meshes from Debian packages and index them
# by ShapeNetPart category.
#
# usage: scripts/fetch_meshes.sh [DEST]        (default DEST: /tmp/pcseg-meshes)
#
# Downloads (apt-get download, no install) sweethome3d-furniture (OBJ furniture,
# CC0 / CC-BY-3.0), flightgear-data-ai (AC3D aircraft, GPL-2+) and torcs-data
# (AC3D cars, GPL-2+ / Free Art), about 740 MB of .deb and 1.2 GB unpacked,
# extracts them under DEST/root, unzips the Sweet Home 3D catalogues (.sh3f zip
# archives) under DEST/sweethome3d/<catalogue>/, and writes DEST/index.tsv:
#
#   category <TAB> path <TAB> licence/source <TAB> frame <TAB> to_shapenetpart
#
# category: ShapeNetPart name (Airplane, Car, Chair, ...); path: absolute path of
# the model file (.obj, .ac, .acc); licence/source: licence, package, catalogue
# and model name; frame: how the model is oriented as stored (see the end of
# the header), plus for Sweet Home 3D the catalogue's modelRotation (nine
# numbers, row-major, applied to the model to make it y-up) when it has one.
# Measured on the models (fin, chair backs, car wings): Sweet Home 3D models are
# y-up facing +z; FlightGear AI aircraft are y-up with the nose at -x and wings
# along z; TORCS cars are y-up with the front at +x. The frame column says the
# rotation into the ShapeNetPart frame (y up, front +x); categories whose
# ShapeNetPart pose is not "front +x" (Knife, Guitar, Mug handle, ...) need
# their own look. to_shapenetpart: the same rotation as nine numbers (3x3,
# row-major, v' = M v, the modelRotation included), which `pcseg pseudo-label`
# applies.
# Lines starting with '#' are comments.
#
# Idempotent: downloads, extraction and unzipping are skipped when already
# done; the index is rewritten each run. Nothing is written inside the repo.
set -euo pipefail

DEST=${1:-/tmp/pcseg-meshes}
mkdir -p "$DEST/debs" "$DEST/root" "$DEST/sweethome3d"
DEST=$(cd "$DEST" && pwd)

PACKAGES=(sweethome3d-furniture flightgear-data-ai torcs-data)

have_deb() { compgen -G "$DEST/debs/$1_*.deb" >/dev/null; }

for pkg in "${PACKAGES[@]}"; do
  if ! have_deb "$pkg"; then
    echo "downloading $pkg" >&2
    if ! (cd "$DEST/debs" && apt-get download -q "$pkg"); then
      echo "apt-get download failed; running apt-get update once" >&2
      apt-get update -q >/dev/null
      (cd "$DEST/debs" && apt-get download -q "$pkg")
    fi
  fi
  stamp="$DEST/root/.extracted-$pkg"
  if [ ! -e "$stamp" ]; then
    echo "extracting $pkg" >&2
    for deb in "$DEST/debs/${pkg}"_*.deb; do dpkg-deb -x "$deb" "$DEST/root"; done
    touch "$stamp"
  fi
done

command -v unzip >/dev/null || { echo "unzip is needed (apt-get install unzip)" >&2; exit 1; }
for sh3f in "$DEST"/root/usr/share/sweethome3d/furniture/*.sh3f; do
  out="$DEST/sweethome3d/$(basename "$sh3f" .sh3f)"
  if [ ! -e "$out/.unzipped" ]; then
    echo "unzipping $(basename "$sh3f")" >&2
    mkdir -p "$out"
    unzip -q -o "$sh3f" -d "$out"
    touch "$out/.unzipped"
  fi
done

python3 - "$DEST" <<'PY'
import os, re, sys

dest = sys.argv[1]
rows = []

# Rotations into the ShapeNetPart frame (row-major 3x3, v' = M v).
SH3D_TO_SNP = [[0, 0, 1], [0, 1, 0], [-1, 0, 0]]    # (x,y,z) -> (z,y,-x)
FG_TO_SNP = [[-1, 0, 0], [0, 1, 0], [0, 0, -1]]     # (x,y,z) -> (-x,y,-z)
IDENTITY = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def matrix_text(m):
    return " ".join(repr(float(x)) if x != int(x) else str(int(x)) for row in m for x in row)

# ---- Sweet Home 3D: catalogue properties name each model and its category.
SH3D_LICENCE = {
    "BlendSwap-CC-0": "CC0",
    "BlendSwap-CC-BY": "CC-BY-3.0",
    "KatorLegaz": "CC-BY-3.0-US",
    "Reallusion": "CC-BY-3.0-US",
    "Scopia": "CC-BY-3.0",
}

def unescape(v):
    # Java properties: ISO-8859-1 text with \uXXXX escapes.
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), v).replace("\\", "")

def properties(path):
    items = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            m = re.match(r"^\s*(\w+)#(\d+)\s*[=:]\s*(.*?)\s*$", line)
            if m:
                items.setdefault(int(m.group(2)), {})[m.group(1)] = unescape(m.group(3))
    return items

def has(words, text):
    return re.search(r"\b(" + "|".join(words) + r")\b", text) is not None

def sh3d_category(name, tags, room):
    """ShapeNetPart category of a Sweet Home 3D model, or None."""
    n = name.lower()
    t = tags.lower()
    if has(["wheelchair", "ottoman", "stand", "cake", "cupboard", "rack", "holder"], n):
        return None
    if has(["chair", "chairs", "armchair"], n):
        return "Chair"
    if has(["lamp", "lamps", "light", "lights", "lantern", "lamppost", "chandelier", "spotlight"], n) \
            and not has(["flashlight", "candle"], n):
        return "Lamp"
    if room == "Lights" and not has(["candle", "flashlight"], n):
        return "Lamp"
    if has(["table", "desk"], n) and not has(
            ["pool", "football", "tennis", "fan", "changing", "dressing", "lamp", "tablet"], n):
        return "Table"
    if has(["mug"], n) or n in ("cup", "coffee cup"):
        return "Mug"
    if has(["laptop", "notebook"], n):
        return "Laptop"
    if has(["guitar"], n):
        return "Guitar"
    if has(["knife"], n):
        return "Knife"
    if has(["skateboard"], n):
        return "Skateboard"
    if n == "cap":
        return "Cap"
    if has(["handbag", "backpack"], n):
        return "Bag"
    if has(["headphones", "headset", "earphones"], n):
        return "Earphone"
    if has(["biplane", "airplane", "aircraft", "plane"], n):
        return "Airplane"
    if room == "Vehicles" and ("motorbike" in t or "motorcycle" in t):
        return "Motorbike"
    if has(["car model", "smart car", "suv", "chevrolet", "peugeot", "renault"], n):
        return "Car"
    return None

for cat_dir in sorted(os.listdir(os.path.join(dest, "sweethome3d"))):
    root = os.path.join(dest, "sweethome3d", cat_dir)
    props = os.path.join(root, "PluginFurnitureCatalog.properties")
    if not os.path.isfile(props):
        continue
    for num, item in sorted(properties(props).items()):
        model = item.get("model", "")
        category = sh3d_category(item.get("name", ""), item.get("tags", ""), item.get("category", ""))
        if category is None or not model.lower().endswith(".obj"):
            continue
        path = os.path.join(root, model.lstrip("/"))
        if not os.path.isfile(path):
            continue
        creator = item.get("creator", "?")
        source = "%s; sweethome3d-furniture %s #%d '%s' by %s" % (
            SH3D_LICENCE.get(cat_dir, "see catalogue"), cat_dir, num, item.get("name", ""), creator)
        frame = "y-up, front +z; to ShapeNetPart (x,y,z)->(z,y,-x)"
        matrix = SH3D_TO_SNP
        if item.get("modelRotation"):
            frame = ("modelRotation %s (apply first, v'=Mv, M row-major), then " % item["modelRotation"]) + frame
            v = [float(x) for x in item["modelRotation"].split()]
            matrix = matmul(SH3D_TO_SNP, [v[0:3], v[3:6], v[6:9]])
        rows.append((category, path, source, frame, matrix_text(matrix)))

# ---- FlightGear AI aircraft (AC3D).
SKIP_AC = re.compile(r"(light|flare|flash|beacon|strobe|nav[lrb]|toggle|exhaust|bomb|droptank|tank|"
                     r"wheels|banner|probe|refuel|ssme|omspods|cone)", re.I)
SKIP_DIRS = {"balloon", "Ferry", "SpaceShuttle", "CCX"}
ai = os.path.join(dest, "root/usr/share/games/flightgear/AI/Aircraft")
if os.path.isdir(ai):
    for aircraft in sorted(os.listdir(ai)):
        if aircraft in SKIP_DIRS:
            continue
        for dirpath, dirnames, files in os.walk(os.path.join(ai, aircraft)):
            dirnames.sort()
            rel = os.path.relpath(dirpath, ai)
            if SKIP_AC.search(rel.split(os.sep, 1)[-1]) and rel != aircraft:
                continue
            for f in sorted(files):
                if f.endswith(".ac") and not SKIP_AC.search(f):
                    rows.append(("Airplane", os.path.join(dirpath, f),
                                 "GPL-2+; flightgear-data-ai AI/Aircraft/%s" % os.path.relpath(os.path.join(dirpath, f), ai),
                                 "y-up, nose -x, wings along z; to ShapeNetPart (x,y,z)->(-x,y,-z)",
                                 matrix_text(FG_TO_SNP)))

# ---- TORCS cars (AC3D .acc; the -lod variants are left out).
cars = os.path.join(dest, "root/usr/share/games/torcs/cars")
if os.path.isdir(cars):
    for car in sorted(os.listdir(cars)):
        path = os.path.join(cars, car, car + ".acc")
        if os.path.isfile(path):
            licence = "Free-Art-License" if car == "acura-nsx-sz" else "GPL-2+"
            rows.append(("Car", path, "%s; torcs-data cars/%s" % (licence, car),
                         "y-up, front +x, width along z (the ShapeNetPart frame)",
                         matrix_text(IDENTITY)))

tmp = os.path.join(dest, "index.tsv.tmp")
with open(tmp, "w") as out:
    out.write("# category\tpath\tlicence/source\tframe (as stored)\tto_shapenetpart\n")
    for r in rows:
        out.write("\t".join(x.replace("\t", " ") for x in r) + "\n")
os.replace(tmp, os.path.join(dest, "index.tsv"))
counts = {}
for r in rows:
    counts[r[0]] = counts.get(r[0], 0) + 1
print("index: %s (%d models: %s)" % (os.path.join(dest, "index.tsv"), len(rows),
      ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
PY

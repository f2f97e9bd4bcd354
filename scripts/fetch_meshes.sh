#!/usr/bin/env bash
# Fetch freely licensed real triangle meshes from Debian packages and index them
# by ShapeNetPart category.
#
# usage: scripts/fetch_meshes.sh [DEST]        (default DEST: /tmp/pcseg-meshes)
#
# Downloads (apt-get download, no install) sweethome3d-furniture (OBJ furniture,
# CC0 / CC-BY-3.0), flightgear-data-ai (AC3D aircraft, GPL-2+), torcs-data
# (AC3D cars, GPL-2+ / Free Art), trigger-rally-data (OBJ rally cars, GPL-2+),
# flightgear-data-models and flightgear-data-base (AC3D scenery models: cars,
# street lamps, rockets; GPL-2+), about 2.3 GB of .deb (flightgear-data-base
# alone 1.34 GB) and 1.7 GB unpacked (of the two FlightGear scenery packages
# only the .ac files are extracted), extracts them under DEST/root, unzips the
# Sweet Home 3D catalogues (.sh3f zip archives) under
# DEST/sweethome3d/<catalogue>/ and the Trigger Rally vehicles under
# DEST/trigger-rally/, writes each Trigger Rally car with its wheels to
# DEST/trigger-rally/assembled/<car>.obj, and writes DEST/index.tsv:
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
# along z; TORCS cars are y-up with the front at +x; Trigger Rally cars (the
# .vehicle frame) are z-up with the front at +y; FlightGear scenery models are
# y-up but their fronts differ model by model (-z, +z or -x: the list in the
# script gives each one's, measured from where the roof and the low hood end
# are, and checked on labelled renders). The frame column says the
# rotation into the ShapeNetPart frame (y up, front +x); categories whose
# ShapeNetPart pose is not "front +x" (Knife, Guitar, Mug handle, ...) need
# their own look; ShapeNetPart rockets lie along x with the nose at +x, and the
# rocket rows are turned so. to_shapenetpart: the same rotation as nine numbers (3x3,
# row-major, v' = M v, the modelRotation included), which `pcseg pseudo-label`
# applies.
# Lines starting with '#' are comments.
#
# Looked at and left out: supertuxkart-data (karts in the binary .spm format,
# and cartoons), opencity-data (cars of 30-70 triangles, no wheels),
# stormbaancoureur-data and gl-117-data (.3ds), crrcsim-data (RC aircraft,
# nothing of the weak categories), and in the FlightGear packages the
# motorbike and quad bike (Misc/StuntBike, Misc/QuadBike: a rider is modelled
# on them, not separable by object or material), rockets on launchers or with
# their rails, picnic tables with benches, and lampposts modelled with their
# light cones.
#
# Idempotent: downloads, extraction and unzipping are skipped when already
# done; the index (and the assembled Trigger Rally cars) are rewritten each
# run. Nothing is written inside the repo.
set -euo pipefail

DEST=${1:-/tmp/pcseg-meshes}
mkdir -p "$DEST/debs" "$DEST/root" "$DEST/sweethome3d"
DEST=$(cd "$DEST" && pwd)

PACKAGES=(sweethome3d-furniture flightgear-data-ai torcs-data trigger-rally-data
          flightgear-data-models flightgear-data-base)
# Packages of which only some files are extracted (tar patterns; the rest of
# the package is textures and scenery the index does not use).
declare -A ONLY=(
  [flightgear-data-models]="./usr/share/games/flightgear/Models/*.ac ./usr/share/doc/*"
  [flightgear-data-base]="./usr/share/games/flightgear/Scenery/Models/*.ac ./usr/share/doc/*"
)

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
    for deb in "$DEST/debs/${pkg}"_*.deb; do
      if [ -n "${ONLY[$pkg]:-}" ]; then
        # shellcheck disable=SC2086  # the patterns are split on purpose
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$DEST/root" --wildcards ${ONLY[$pkg]}
      else
        dpkg-deb -x "$deb" "$DEST/root"
      fi
    done
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

# Trigger Rally keeps its data in one zip; only the vehicles are needed.
trx_zip="$DEST/root/usr/share/games/trigger-rally/data.zip"
if [ -e "$trx_zip" ] && [ ! -e "$DEST/trigger-rally/.unzipped" ]; then
  echo "unzipping trigger-rally vehicles" >&2
  mkdir -p "$DEST/trigger-rally"
  unzip -q -o "$trx_zip" 'vehicles/*' -d "$DEST/trigger-rally"
  touch "$DEST/trigger-rally/.unzipped"
fi

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


AXES = {"x": (1, 0, 0), "-x": (-1, 0, 0), "y": (0, 1, 0), "-y": (0, -1, 0), "z": (0, 0, 1), "-z": (0, 0, -1)}


def axes_to_snp(up, front):
    """Rotation taking the stored axes `up` and `front` (x, -x, y, ...) to +y and +x."""
    u, f = AXES[up], AXES[front]
    side = (f[1] * u[2] - f[2] * u[1], f[2] * u[0] - f[0] * u[2], f[0] * u[1] - f[1] * u[0])
    return [list(f), list(u), list(side)]


def axes_frame(up, front):
    m = axes_to_snp(up, front)
    return "%s up, front %s; to ShapeNetPart (x,y,z)->(%s)" % (up, front, ",".join(
        "".join(("%s%s" % ("-" if c < 0 else "+", "xyz"[i])) for i, c in enumerate(row) if c).lstrip("+")
        for row in m))

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

# ---- Trigger Rally cars (OBJ). The body and the wheel are separate models that
# the game puts together from the .vehicle file (body scale, wheel positions
# and radius, in the vehicle frame: x side, y front, z up). Each car is written
# once, body and four wheels, to DEST/trigger-rally/assembled/<car>.obj; the
# three liveries of each body (kitcar, super500, wrc) share the geometry, so only
# the wrc one is used.
trx = os.path.join(dest, "trigger-rally/vehicles")


def obj_read(path):
    verts, faces = [], []
    with open(path, encoding="latin-1") as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "v":
                verts.append([float(x) for x in w[1:4]])
            elif w[0] == "f":
                faces.append([int(x.split("/")[0]) for x in w[1:]])
    # negative (relative) indices to absolute, 0-based
    return verts, [[i - 1 if i > 0 else len(verts) + i for i in face] for face in faces]


def xml_floats(text):
    return [float(x) for x in text.split(",")]


if os.path.isdir(trx):
    out_dir = os.path.join(dest, "trigger-rally/assembled")
    os.makedirs(out_dir, exist_ok=True)
    for car in sorted(os.listdir(trx)):
        if not car.endswith("_wrc"):
            continue
        spec = open(os.path.join(trx, car, car + ".vehicle"), encoding="latin-1").read()
        part = re.search(r"<part\b(.*?)>", spec, re.S).group(1)
        body_scale = float(re.search(r'scale="([^"]+)"', part).group(1))
        body_model = re.search(r'model="([^"]+)"', part).group(1)
        wheel_model = re.search(r'wheelmodel="([^"]+)"', spec).group(1)
        wheels = [(xml_floats(re.search(r'pos="([^"]+)"', w).group(1)), float(re.search(r'radius="([^"]+)"', w).group(1)))
                  for w in re.findall(r"<wheel\b[^>]*>", spec)]
        bv, bf = obj_read(os.path.join(trx, car, body_model))
        wv, wf = obj_read(os.path.join(trx, car, wheel_model))
        wheel_r = max(max(abs(v[1]), abs(v[2])) for v in wv)   # the wheel model's axle is x
        out = os.path.join(out_dir, car + ".obj")
        with open(out + ".tmp", "w") as f:
            f.write("# Trigger Rally %s (GPL-2+), body and wheels assembled from %s.vehicle by fetch_meshes.sh\n" % (car, car))
            f.write("o body\n")
            for v in bv:
                f.write("v %.5f %.5f %.5f\n" % tuple(body_scale * c for c in v))
            for face in bf:
                f.write("f %s\n" % " ".join(str(i + 1) for i in face))
            base = len(bv)
            for k, (pos, radius) in enumerate(wheels):
                s = radius / wheel_r
                f.write("o wheel%d\n" % k)
                for v in wv:
                    f.write("v %.5f %.5f %.5f\n" % tuple(pos[i] + s * v[i] for i in range(3)))
                for face in wf:
                    f.write("f %s\n" % " ".join(str(base + i + 1) for i in face))
                base += len(wv)
        os.replace(out + ".tmp", out)
        rows.append(("Car", out, "GPL-2+; trigger-rally-data data.zip vehicles/%s (body %s, wheels %s)" % (
            car, body_model, wheel_model), axes_frame("z", "y"), matrix_text(axes_to_snp("z", "y"))))

# ---- FlightGear scenery models (AC3D), one object each, picked by hand: the
# frames differ from model to model (measured: the roof sits behind the middle
# of a car and the hood end is the lower one; rocket noses by their fins).
# Colour variants of one model (camaro*, hatchback_*, hondacrv*, tcamry*) are
# kept once; vans, pickups, buses, lorries, models with riders (Misc/StuntBike,
# Misc/QuadBike), shadow planes (Transport/hummerh2-ba) or light cones
# (most airport lampposts) are left out.
FG_SCENERY = [
    # (package, path under the package's model folder, category, up, front)
    ("flightgear-data-base", "Transport/VWJetta_S1.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Transport/VWPassat_S1.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Transport/bmw3silver.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Transport/camaroblack.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Transport/hatchback_red.ac", "Car", "y", "-x"),
    ("flightgear-data-base", "Transport/honda1.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Transport/hondacrvsilver.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Transport/it_policecar1.ac", "Car", "y", "z"),
    ("flightgear-data-base", "Transport/gr_policar1.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Transport/mazda_wagontaxi.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Transport/tcamrysilver.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Transport/volvoxc90s1.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Transport/vwgolfsilver.ac", "Car", "y", "z"),
    ("flightgear-data-base", "Transport/voyager1.ac", "Car", "y", "-z"),
    ("flightgear-data-base", "Airport/Vehicle/EDDI-FollowMe.ac", "Car", "y", "-x"),
    ("flightgear-data-base", "Military/humvee-pickup-odrab-low-poly.ac", "Car", "y", "-x"),
    ("flightgear-data-base", "StreetFurniture/Streetlamp1.ac", "Lamp", "y", "x"),
    ("flightgear-data-base", "StreetFurniture/Streetlamp2.ac", "Lamp", "y", "x"),
    ("flightgear-data-base", "StreetFurniture/Streetlamp3.ac", "Lamp", "y", "x"),
    ("flightgear-data-base", "StreetFurniture/angled-light-pole.ac", "Lamp", "y", "x"),
    # ShapeNetPart rockets lie along x with the nose at +x.
    ("flightgear-data-models", "Geometry/rocket.ac", "Rocket", "-x", "y"),
    ("flightgear-data-models", "Geometry/Aim91x.ac", "Rocket", "y", "-x"),
]
FG_MODEL_DIRS = {
    "flightgear-data-base": "root/usr/share/games/flightgear/Scenery/Models",
    "flightgear-data-models": "root/usr/share/games/flightgear/Models",
}
for pkg, rel, category, up, front in FG_SCENERY:
    path = os.path.join(dest, FG_MODEL_DIRS[pkg], rel)
    if os.path.isfile(path):
        rows.append((category, path, "GPL-2+; %s %s" % (pkg, os.path.relpath(path, os.path.join(dest, "root"))),
                     axes_frame(up, front), matrix_text(axes_to_snp(up, front))))

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

#!/usr/bin/env bash
# Run mix19-3: a second round of runs 31-32. The model they shipped (the
# weight average of their epochs 4-6, `assets/ssg-mbv2-wide.safetensors` at
# commit 92f91f3) fine-tuned again for 6 epochs at lr 1e-4 (run 22's recipe,
# seed 47) with the synthetic shapes drawn in a
# uniform category mix (`--mix uniform`: each of the 16 categories a
# sixteenth of the shapes) instead of ShapeNetPart's proportions, in which
# earphones, rockets and caps are 0.3-0.5 % of the shapes and motorbikes 1.2 %.
# The meshes of scripts/fetch_meshes.sh keep the labels of runs 31-32
# (/tmp/pseudo-w6, written by run 22's model; rockets left out). Checkpoints go outside the repository (CKPT,
# default /work/ckpt/mix19-3); the epochs are then weight-averaged
# (`pcseg export A B ... -o OUT`).
set -euo pipefail
cd "$(dirname "$0")/../.."
CKPT=${CKPT:-/work/ckpt/mix19-3}
RUN22=${RUN22:-/tmp/run22.safetensors}
[ -f "$RUN22" ] || git show 62215bb:assets/ssg-mbv2-wide.safetensors > "$RUN22"
START=${START:-/tmp/ship19.safetensors}
[ -f "$START" ] || git show 92f91f3:assets/ssg-mbv2-wide.safetensors > "$START"
[ -d /tmp/pseudo-w6 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w6 \
    --model "$RUN22" \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
exec ${PCSEG:-./target/release/pcseg} train --synthetic --init "$START" --config runs/wide-w1/config.json \
    --seed 47 --epochs 6 --shapes-per-epoch 3000 --val-shapes 256 --mix uniform \
    --schedule cosine --warmup 0.5 --lr 0.0001 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w6 --pseudo-share 0.25 --mirror 0.5 \
    --checkpoint-dir "$CKPT" --log runs/mix19-3/log.csv --out "$CKPT/best.safetensors" --quiet "$@"

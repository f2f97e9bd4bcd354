#!/usr/bin/env bash
# Run lr20-2 (run 39, seed 54): run 38 (runs/lr20-1) at half its rate: the
# shipped model (runs 31-32's weight average) fine-tuned for 6 epochs at
# peak lr 2.5e-4 (cosine, half an epoch of warm-up; runs 21-37 used 1e-4,
# run 38 5e-4) on the uniform category mix, the session-20 generators and the
# meshes labelled by run 22 (/tmp/pseudo-w6, rockets left out). Run 38 gained
# 2 points on the full-density real samples and the category choice but lost
# 1.65 on the sparse reference set; this asks whether a rate between keeps
# the first and not the second. Checkpoints go outside the repository (CKPT,
# default /work/ckpt/lr20-2).
set -euo pipefail
cd "$(dirname "$0")/../.."
CKPT=${CKPT:-/work/ckpt/lr20-2}
RUN22=${RUN22:-/tmp/run22.safetensors}
[ -f "$RUN22" ] || git show 62215bb:assets/ssg-mbv2-wide.safetensors > "$RUN22"
[ -d /tmp/pseudo-w6 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w6 \
    --model "$RUN22" \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
exec ${PCSEG:-./target/release/pcseg} train --synthetic --init ${START:-assets/ssg-mbv2-wide.safetensors} \
    --seed 54 --epochs 6 --shapes-per-epoch 3000 --val-shapes 256 --mix uniform \
    --schedule cosine --warmup 0.5 --lr 0.00025 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w6 --pseudo-share 0.25 --mirror 0.5 \
    --checkpoint-dir "$CKPT" --log runs/lr20-2/log.csv --out "$CKPT/best.safetensors" --quiet "$@"

#!/usr/bin/env bash
# Run mix20-1 (run 36, seed 51): runs 31-35's uniform-mix fine-tuning of run 22's
# model, 10 epochs instead of 6 (same peak lr 1e-4, cosine over the longer plan).
# In runs 31, 32 and 35 the last epoch was among the best, so the question is
# whether the uniform mix has more to give with more shapes. The meshes of
# scripts/fetch_meshes.sh are labelled by run 22 into /tmp/pseudo-w6, rockets
# left out. Checkpoints go outside the repository (CKPT, default
# /work/ckpt/mix20-1).
set -euo pipefail
cd "$(dirname "$0")/../.."
CKPT=${CKPT:-/work/ckpt/mix20-1}
# Run 22's model, the default until this run (commit 62215bb), starts the run
# and labels the meshes.
RUN22=${RUN22:-/tmp/run22.safetensors}
[ -f "$RUN22" ] || git show 62215bb:assets/ssg-mbv2-wide.safetensors > "$RUN22"
[ -d /tmp/pseudo-w6 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w6 \
    --model "$RUN22" \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
exec ${PCSEG:-./target/release/pcseg} train --synthetic --init "$RUN22" --config runs/wide-w1/config.json \
    --seed 51 --epochs 10 --shapes-per-epoch 3000 --val-shapes 256 --mix uniform \
    --schedule cosine --warmup 0.5 --lr 0.0001 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w6 --pseudo-share 0.25 --mirror 0.5 \
    --checkpoint-dir "$CKPT" --log runs/mix20-1/log.csv --out "$CKPT/best.safetensors" --quiet "$@"

#!/usr/bin/env bash
# Run scratch17-1: the wide network from random weights on the session-16
# generators (run 17's recipe, 40 epochs instead of 24), with the meshes of
# scripts/fetch_meshes.sh labelled by the shipped model (/tmp/pseudo-w4, a
# quarter of each epoch): a noisy-student restart of the lineage.
# Checkpoints go outside the repository (CKPT, default /work/ckpt/scratch17-1);
# resume with `pcseg train --resume $CKPT/last.safetensors --quiet` (the
# checkpoint carries the flags; --synthetic cannot be given with --resume).
set -euo pipefail
cd "$(dirname "$0")/../.."
CKPT=${CKPT:-/work/ckpt/scratch17-1}
[ -d /tmp/pseudo-w4 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w4 \
    --model assets/ssg-mbv2-wide.safetensors \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
exec ${PCSEG:-./target/release/pcseg} train --synthetic --config runs/wide-w1/config.json \
    --seed 42 --epochs 40 --shapes-per-epoch 3000 --val-shapes 256 \
    --schedule cosine --warmup 1 --lr 0.001 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w4 --pseudo-share 0.25 --mirror 0.5 \
    --checkpoint-dir "$CKPT" --log runs/scratch17-1/log.csv --out "$CKPT/best.safetensors" --quiet "$@"

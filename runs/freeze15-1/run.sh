#!/usr/bin/env bash
# Run freeze15-1: run shapes14-2's recipe (seed 36, the session-14
# generators with the earphone arms, the meshes labelled by run 21 in
# /tmp/pseudo-w3) from the shipped model, with the encoder frozen
# (`--freeze encoder`: stem, SA levels and category classifier, their
# BatchNorm statistics included), so that only the decoder (FP levels and
# head) learns and the category choice cannot move.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d /tmp/pseudo-w3 ] || { echo "run.sh: make /tmp/pseudo-w3 as runs/shapes14-1/run.sh does" >&2; exit 1; }
exec ./target/release/pcseg train --synthetic --init assets/ssg-mbv2-wide.safetensors --config runs/wide-w1/config.json \
    --seed 36 --epochs 6 --shapes-per-epoch 3000 --val-shapes 256 \
    --schedule cosine --warmup 0.5 --lr 0.0001 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w3 --pseudo-share 0.25 --mirror 0.5 \
    --freeze encoder \
    --checkpoint-dir runs/freeze15-1 --log runs/freeze15-1/log.csv --out runs/freeze15-1/best.safetensors "$@"

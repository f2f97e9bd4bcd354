#!/usr/bin/env bash
# Run wide-w1: the wider config trained from random weights on synthetic shapes
# plus the pseudo-labelled meshes (noisy-student distillation of the shipped model).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec ./target/release/pcseg train --synthetic --config runs/wide-w1/config.json \
    --seed 30 --epochs 24 --shapes-per-epoch 3000 --val-shapes 256 \
    --schedule cosine --warmup 1 --lr 0.001 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-r3 --pseudo-share 0.25 --mirror 0.5 \
    --checkpoint-dir runs/wide-w1 --log runs/wide-w1/log.csv --out runs/wide-w1/best.safetensors "$@"

#!/usr/bin/env bash
# Run wide-st1: one self-training round on the wide network. The meshes of
# scripts/fetch_meshes.sh relabelled by runs/wide-w1/best.safetensors
# (/tmp/pseudo-w1), then a short fine-tune from that model at a low rate.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d /tmp/pseudo-w1 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w1 \
    --model runs/wide-w1/best.safetensors \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
exec ./target/release/pcseg train --synthetic --init runs/wide-w1/best.safetensors --config runs/wide-w1/config.json \
    --seed 31 --epochs 6 --shapes-per-epoch 3000 --val-shapes 256 \
    --schedule cosine --warmup 0.5 --lr 0.0002 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w1 --pseudo-share 0.25 --mirror 0.5 \
    --checkpoint-dir runs/wide-st1 --log runs/wide-st1/log.csv --out runs/wide-st1/best.safetensors "$@"

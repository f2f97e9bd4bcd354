#!/usr/bin/env bash
# Run car-gear1: wide-st2 (same seed, pseudo-labels, schedule) with cars that carry running gear labelled wheel (axles, drive shaft, subframe) and a lower kind mix, and motorbikes whose hubs and spokes are usually body. The meshes of
# scripts/fetch_meshes.sh relabelled by assets/ssg-mbv2-wide.safetensors (wide-st1 epoch 6,
# exported; the run itself started from the checkpoint, same weights)
# (/tmp/pseudo-w2), then a short fine-tune from that model at a low rate.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d /tmp/pseudo-w2 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w2 \
    --model assets/ssg-mbv2-wide.safetensors \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
exec ./target/release/pcseg train --synthetic --init assets/ssg-mbv2-wide.safetensors --config runs/wide-w1/config.json \
    --seed 32 --epochs 6 --shapes-per-epoch 3000 --val-shapes 256 \
    --schedule cosine --warmup 0.5 --lr 0.0002 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w2 --pseudo-share 0.25 --mirror 0.5 \
    --checkpoint-dir runs/car-gear1 --log runs/car-gear1/log.csv --out runs/car-gear1/best.safetensors "$@"

#!/usr/bin/env bash
# Run car-gear2: run car-gear1's data (mended car and motorbike generators, the
# meshes relabelled by the shipped model in /tmp/pseudo-w2) at a quarter of its
# learning rate (5e-5) for 4 epochs, to keep the other categories where the
# shipped model has them.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d /tmp/pseudo-w2 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w2 \
    --model assets/ssg-mbv2-wide.safetensors \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
exec ./target/release/pcseg train --synthetic --init assets/ssg-mbv2-wide.safetensors --config runs/wide-w1/config.json \
    --seed 33 --epochs 4 --shapes-per-epoch 3000 --val-shapes 256 \
    --schedule cosine --warmup 0.5 --lr 0.00005 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w2 --pseudo-share 0.25 --mirror 0.5 \
    --checkpoint-dir runs/car-gear2 --log runs/car-gear2/log.csv --out runs/car-gear2/best.safetensors "$@"

#!/usr/bin/env bash
# Run shapes16-1: the shipped model fine-tuned on the session-16 generator
# changes (motorbike and car, see the run's COMMAND.md) with the meshes of
# scripts/fetch_meshes.sh labelled by the shipped model (/tmp/pseudo-w4, a
# third of each epoch), 6 epochs at lr 1e-4 (run 24's recipe otherwise);
# the epochs are then weight-averaged (`pcseg export A B C -o OUT`).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d /tmp/pseudo-w4 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w4 \
    --model assets/ssg-mbv2-wide.safetensors \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
exec ./target/release/pcseg train --synthetic --init assets/ssg-mbv2-wide.safetensors --config runs/wide-w1/config.json \
    --seed 41 --epochs 6 --shapes-per-epoch 3000 --val-shapes 256 \
    --schedule cosine --warmup 0.5 --lr 0.0001 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w4 --pseudo-share 0.33 --mirror 0.5 \
    --checkpoint-dir runs/shapes16-1 --log runs/shapes16-1/log.csv --out runs/shapes16-1/best.safetensors "$@"

#!/usr/bin/env bash
# Run cars18-1: the shipped model (run 22's weight average) fine-tuned for 6
# epochs at lr 1e-4 (run 22's recipe) with the meshes of
# scripts/fetch_meshes.sh as extended in session 18 (19 more cars from
# trigger-rally-data and FlightGear scenery, 4 street lamps, 2 rockets)
# labelled by the shipped model into /tmp/pseudo-w5 (rocket now among the
# pseudo-labelled categories). Checkpoints go outside the repository (CKPT,
# default /work/ckpt/cars18-1); the epochs are then weight-averaged
# (`pcseg export A B ... -o OUT`).
set -euo pipefail
cd "$(dirname "$0")/../.."
CKPT=${CKPT:-/work/ckpt/cars18-1}
[ -d /tmp/pseudo-w5 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w5 \
    --model assets/ssg-mbv2-wide.safetensors \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,rocket,skateboard,table --quiet
exec ${PCSEG:-./target/release/pcseg} train --synthetic --init assets/ssg-mbv2-wide.safetensors --config runs/wide-w1/config.json \
    --seed 44 --epochs 6 --shapes-per-epoch 3000 --val-shapes 256 \
    --schedule cosine --warmup 0.5 --lr 0.0001 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w5 --pseudo-share 0.25 --mirror 0.5 \
    --checkpoint-dir "$CKPT" --log runs/cars18-1/log.csv --out "$CKPT/best.safetensors" --quiet "$@"

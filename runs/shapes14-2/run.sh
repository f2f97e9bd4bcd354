#!/usr/bin/env bash
# Run shapes14-2: run shapes14-1's recipe from its shipped weight average,
# with the earphone arms now in the generators (the meshes still labelled by
# run 21 in /tmp/pseudo-w3), 6 epochs at lr 1e-4, seed 36.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d /tmp/pseudo-w3 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w3 \
    --model assets/ssg-mbv2-wide.safetensors \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
exec ./target/release/pcseg train --synthetic --init assets/ssg-mbv2-wide.safetensors --config runs/wide-w1/config.json \
    --seed 36 --epochs 6 --shapes-per-epoch 3000 --val-shapes 256 \
    --schedule cosine --warmup 0.5 --lr 0.0001 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w3 --pseudo-share 0.25 --mirror 0.5 \
    --checkpoint-dir runs/shapes14-2 --log runs/shapes14-2/log.csv --out runs/shapes14-2/best.safetensors "$@"

#!/usr/bin/env bash
# Run cls16-1: only the category classifier trains (every other stage
# frozen, BatchNorm statistics included, so the segmentation with the
# category given stays bit-identical to the shipped model's). Data as run
# shapes15-1 (session-14 generators with the earphone arms, the meshes of
# scripts/fetch_meshes.sh labelled by the shipped model in /tmp/pseudo-w4,
# their categories from their catalogues), plus density randomisation
# (--raw-points 200..10000: the real reference clouds have ~240 points), 6
# epochs at lr 5e-4. The question: can the classifier alone reach 50 of 52
# reference shapes?
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d /tmp/pseudo-w4 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w4 \
    --model assets/ssg-mbv2-wide.safetensors \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
exec ./target/release/pcseg train --synthetic --init assets/ssg-mbv2-wide.safetensors --config runs/wide-w1/config.json \
    --seed 40 --epochs 6 --shapes-per-epoch 3000 --val-shapes 256 \
    --schedule cosine --warmup 0.5 --lr 0.0005 --batch 16 --points 2048 --realism medium \
    --surface-flip 0.1 --warp 0.04 --pseudo /tmp/pseudo-w4 --pseudo-share 0.33 --mirror 0.5 \
    --raw-points 200..10000 --freeze stem,sa1,sa2,sa3,fp3,fp2,fp1,head,out \
    --checkpoint-dir runs/cls16-1 --log runs/cls16-1/log.csv --out runs/cls16-1/best.safetensors "$@"

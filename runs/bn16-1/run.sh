#!/usr/bin/env bash
# Study bn16-1: re-estimate the shipped model's BatchNorm running statistics
# (`--statistics-only`: training forwards, no backward, no optimiser step,
# each statistic the plain mean over the epoch's 100 batches) on three data
# mixes, every weight unchanged:
#   s00: synthetic shapes only (1,600)
#   s50: 800 synthetic + 800 real meshes labelled in /tmp/pseudo-w4
#   s80: 400 synthetic + 1,600 real meshes
# usage: runs/bn16-1/run.sh s00|s50|s80
set -euo pipefail
cd "$(dirname "$0")/../.."
case "${1:-}" in
    s00) mix=(--shapes-per-epoch 1600) ;;
    s50) mix=(--shapes-per-epoch 800 --pseudo /tmp/pseudo-w4 --pseudo-share 0.5) ;;
    s80) mix=(--shapes-per-epoch 400 --pseudo /tmp/pseudo-w4 --pseudo-share 0.8) ;;
    *) echo "usage: $0 s00|s50|s80" >&2; exit 2 ;;
esac
[ "$1" = s00 ] || [ -d /tmp/pseudo-w4 ] || ./target/release/pcseg pseudo-label /tmp/pcseg-meshes/index.tsv -o /tmp/pseudo-w4 \
    --model assets/ssg-mbv2-wide.safetensors \
    --categories airplane,bag,cap,car,chair,earphone,guitar,lamp,laptop,motorbike,mug,skateboard,table --quiet
out=/tmp/bn16-1/$1
exec ./target/release/pcseg train --synthetic --init assets/ssg-mbv2-wide.safetensors --statistics-only \
    --seed 53 --epochs 1 --val-shapes 16 --batch 16 --realism medium --surface-flip 0.1 --mirror 0.5 \
    "${mix[@]}" --checkpoint-dir "$out" --log "$out/log.csv" --out "$out/best.safetensors"

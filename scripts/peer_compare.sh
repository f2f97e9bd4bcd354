#!/usr/bin/env bash
# pcseg against the PyTorch PointNet++ SSG part-segmentation peer, side by
# side in one run on this machine, as ratios (docs/PERFORMANCE.md, issue 17).
#
# usage: scripts/peer_compare.sh [PEER_SCRIPT] [WORK_DIR]
#
#   PEER_SCRIPT  default ../shared/tools/peer_pointnet2_ssg.py (the project's
#                timing peer: random weights, pure-PyTorch sampling/grouping)
#   WORK_DIR     default /tmp/pcseg-peer (synthetic clouds and outputs)
#   PEER_PYTHON  environment: the Python that has torch and numpy
#                (default /tmp/peer/bin/python; make it with
#                `python3 -m venv /tmp/peer && /tmp/peer/bin/pip install torch numpy`)
#
# Measures, in this order, each the best of several runs:
#   peer: batch-1 forward (2 threads), batch-16 forward, batch-16 training
#         step, batch-1 forward on one thread;
#   pcseg: criterion `forward` bench (one cloud on one thread, batch of 16,
#          training step), folder `run` of 40 synthetic clouds of about
#          2,600 points end to end (reading, sampling, forward, writing), and
#          `eval` of the 2,874-shape synthetic test split (`pcseg synth
#          --seed 4242`), both with the default two votes and with one.
# Prints a Markdown table. Takes about 10 minutes; the machine should be
# otherwise idle (the figures of a shared machine move; the ratios less).
set -euo pipefail

PEER=${1:-../shared/tools/peer_pointnet2_ssg.py}
WORK=${2:-/tmp/pcseg-peer}
PY=${PEER_PYTHON:-/tmp/peer/bin/python}
cd "$(dirname "$0")/.."

[ -f "$PEER" ] || { echo "peer_compare: $PEER: no such file (pass the peer script's path)" >&2; exit 1; }
"$PY" -c 'import torch' 2>/dev/null || { echo "peer_compare: $PY cannot import torch (see PEER_PYTHON above)" >&2; exit 1; }

cargo build --release --quiet
BIN=target/release/pcseg
mkdir -p "$WORK"

# Best (smallest) of the numbers printed after KEY= by REPS runs of the peer.
peer_best() {
    local reps=$1 key=$2; shift 2
    for _ in $(seq "$reps"); do
        "$PY" "$PEER" "$@" | sed -n "s/.*$key=\([0-9.]*\).*/\1/p"
    done | sort -g | head -1
}
peer_b1=$(peer_best 3 ms_per_shape --batch 1 --reps 10 --threads 2)
peer_b16=$(peer_best 2 ms_per_shape --batch 16 --reps 3 --threads 2)
peer_train=$(peer_best 1 shapes_per_s --batch 16 --reps 3 --threads 2 --train)
peer_t1=$(peer_best 3 ms_per_shape --batch 1 --reps 10 --threads 1)

# criterion medians (ns) of the forward bench.
cargo bench --quiet --bench forward -- --noplot >"$WORK/bench.txt" 2>&1
median_ms() {
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['median']['point_estimate'] / 1e6)" \
        "target/criterion/$1/new/estimates.json"
}
one_cloud=$(median_ms forward/one_cloud_2048_one_thread)
batch16=$(median_ms forward/batch16_2048_all_cores)
train_step=$(median_ms train/step_batch16_2048_all_cores)

# Best wall seconds of REPS runs of a command.
best_seconds() {
    local reps=$1; shift
    for _ in $(seq "$reps"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s.%N)
        python3 -c "print($t1 - $t0)"
    done | sort -g | head -1
}

[ -d "$WORK/clouds" ] || "$BIN" synth "$WORK/clouds" --shapes 40 --seed 9 >/dev/null
mapfile -t clouds < <(find "$WORK/clouds" -mindepth 2 -name '*.txt' -not -path '*train_test_split*' | sort)
n_clouds=${#clouds[@]}
run_v2=$(best_seconds 3 "$BIN" run "${clouds[@]}" -o "$WORK/out" --quiet)
run_v1=$(best_seconds 3 "$BIN" run "${clouds[@]}" -o "$WORK/out" --quiet --votes 1)

[ -d "$WORK/split" ] || "$BIN" synth "$WORK/split" --seed 4242 >/dev/null
eval_v2=$(best_seconds 2 "$BIN" eval "$WORK/split" --split test --quiet --json "$WORK/eval.json")
eval_v1=$(best_seconds 2 "$BIN" eval "$WORK/split" --split test --quiet --votes 1)
n_eval=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['shapes'])" "$WORK/eval.json")

# bf16 on AMX (--precision bf16) where this CPU has it; "-" otherwise.
one_bf16=- batch16_bf16=- run_bf16=- eval_bf16=-
if "$BIN" run "${clouds[0]}" -o "$WORK/bf16-probe.ply" --quiet --precision bf16 2>/dev/null; then
    one_bf16=$(median_ms forward/one_cloud_2048_one_thread_bf16)
    batch16_bf16=$(median_ms forward/batch16_2048_all_cores_bf16)
    run_bf16=$(best_seconds 3 "$BIN" run "${clouds[@]}" -o "$WORK/out" --quiet --precision bf16)
    eval_bf16=$(best_seconds 2 "$BIN" eval "$WORK/split" --split test --quiet --precision bf16)
fi

python3 - "$peer_b1" "$peer_b16" "$peer_train" "$peer_t1" "$one_cloud" "$batch16" "$train_step" \
    "$run_v2" "$run_v1" "$n_clouds" "$eval_v2" "$eval_v1" "$n_eval" "$(nproc)" \
    "$one_bf16" "$batch16_bf16" "$run_bf16" "$eval_bf16" <<'EOF'
import sys
(pb1, pb16, ptrain, pt1, one, b16, step, run2, run1, nc, ev2, ev1, ne, cores,
 one_h, b16_h, run_h, ev_h) = sys.argv[1:]
pb1, pb16, ptrain, pt1 = map(float, (pb1, pb16, ptrain, pt1))
one, b16, step, run2, run1, ev2, ev1 = map(float, (one, b16, step, run2, run1, ev2, ev1))
nc, ne = int(nc), int(ne)
r2, r1 = 1000 * run2 / nc, 1000 * run1 / nc
e2, e1 = 1000 * ev2 / ne, 1000 * ev1 / ne
train = 16 / (step / 1000)
rows = [
    ("one 2,048-point cloud, one thread (criterion median)", f"{one:.2f} ms", f"{pt1:.1f} ms (batch 1, 1 thread)", pt1 / one),
    ("batch of 16 clouds, forward only, all cores (criterion median)", f"{b16 / 16:.2f} ms/cloud", f"{pb16:.1f} ms/cloud (batch 16)", pb16 / (b16 / 16)),
    (f"folder `run`, {nc} clouds end to end, 2 votes (default)", f"{r2:.2f} ms/cloud", f"{pb1:.1f} ms/cloud (batch 1, forward only)", pb1 / r2),
    (f"folder `run`, {nc} clouds end to end, 1 vote", f"{r1:.2f} ms/cloud", f"{pb1:.1f} ms/cloud (batch 1, forward only)", pb1 / r1),
    (f"`eval`, {ne} shapes, 2 votes (default)", f"{e2:.2f} ms/shape ({ne / ev2:.0f} shapes/s)", f"{pb16:.1f} ms/shape (batch 16)", pb16 / e2),
    (f"`eval`, {ne} shapes, 1 vote", f"{e1:.2f} ms/shape ({ne / ev1:.0f} shapes/s)", f"{pb16:.1f} ms/shape (batch 16)", pb16 / e1),
    ("training step, batch 16, 2,048 points (criterion median)", f"{train:.1f} shapes/s", f"{ptrain:.2f} shapes/s", train / ptrain),
]
if one_h != "-":
    one_h, b16_h, run_h, ev_h = map(float, (one_h, b16_h, run_h, ev_h))
    rh, eh = 1000 * run_h / nc, 1000 * ev_h / ne
    rows += [
        ("bf16 (AMX): one 2,048-point cloud, one thread (criterion median)", f"{one_h:.2f} ms", f"{pt1:.1f} ms (batch 1, 1 thread)", pt1 / one_h),
        ("bf16: batch of 16 clouds, forward only, all cores (criterion median)", f"{b16_h / 16:.2f} ms/cloud", f"{pb16:.1f} ms/cloud (batch 16)", pb16 / (b16_h / 16)),
        (f"bf16: folder `run`, {nc} clouds end to end, 2 votes", f"{rh:.2f} ms/cloud", f"{pb1:.1f} ms/cloud (batch 1, forward only)", pb1 / rh),
        (f"bf16: `eval`, {ne} shapes, 2 votes", f"{eh:.2f} ms/shape ({ne / ev_h:.0f} shapes/s)", f"{pb16:.1f} ms/shape (batch 16)", pb16 / eh),
    ]
print(f"| measure ({cores} cores) | pcseg | PyTorch peer | ratio |")
print("|---|---|---|---:|")
for m, a, b, r in rows:
    print(f"| {m} | {a} | {b} | {r:.1f}x |")
EOF

#!/usr/bin/env bash
# The GPU measurements of dmo_nb in one script: the speed table, then CIFAR-10 + MNIST + USPS end to end with the
# paper's scenario-1 protocol for every network, groups included (ResNet-18, 72x72, 25 + 25 epochs, batch 64, lr 0.1, SGD momentum 0.9, cosine).
# Run from the repository root on a machine with a CUDA GPU; data as .npz files in $DATA (see ../shared/data/README.md).
#
#   bash results/run_gpu.sh            # speed, then the run (COMPARE=1: then every baseline too)
#   bash results/run_gpu.sh speed      # only the speed tables (eager, and compiled with CUDA graphs)
#   bash results/run_gpu.sh run        # only the run; COMPILE=reduce-overhead compiles every network
#   bash results/run_gpu.sh compare    # only the baselines (after the run)
#
# A dry run of the script itself on a CPU (tiny settings; a stand-in nvidia-smi on PATH):
#   AMP= EXTRA='--n-train 300 --epochs 1 --ft-epochs 1 --depth 10 --width 4 --size 32 --device cpu' \
#   SPEED_ARGS='--device cpu --size 16 --depth 10 --width 4 --n-images 128 --steps 2 --warmup 1 --epochs 1' bash results/run_gpu.sh
#
# Everything resumes: finished speed tables are kept, finished networks are reused, and a training killed part-way
# (e.g. by a time limit) goes on from its last checkpoint (one at most every 30 s) when the same command runs again.
set -euo pipefail
WHAT=${1:-all}; OUT=${OUT:-results/gpu}; DATA=${DATA:-.data}; RUN=${RUN:-runs/digits3}
mkdir -p "$OUT"
if [ -d .whl ]; then   # packages a bare GPU image lacks, carried as wheels
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/device.txt"
if [ "$WHAT" = all ] || [ "$WHAT" = speed ]; then
  [ -f "$OUT/speed.md" ] || python3 benchmarks/speed.py --full-run --n-images 20000 --out "$OUT" ${SPEED_ARGS:-}
  [ -f "$OUT/compiled/speed.md" ] || python3 benchmarks/speed.py --bs 64 --n-images 20000 --compile reduce-overhead --out "$OUT/compiled" ${SPEED_ARGS:-}
fi
FLAGS=(--scenario custom --tasks "npz:$DATA/cifar10_jpeg.npz" "npz:$DATA/mnist.npz" "npz:$DATA/usps.npz" --size 72
       --epochs 25 --bs 64 --lr 0.1 --depth 18 --width 64 --schedule cos --channels-last --out "$RUN")
AMP=${AMP-bf16}; if [ -n "$AMP" ]; then FLAGS+=(--amp "$AMP"); fi
if [ -n "${COMPILE:-}" ]; then FLAGS+=(--compile "$COMPILE"); fi
FLAGS+=(${EXTRA:-})   # extra flags (a later flag wins), e.g. for a dry run
DMO=(python3 -c 'import sys; from dmo_nb.pipeline import main; sys.exit(main())')
if [ "$WHAT" = all ] || [ "$WHAT" = run ]; then
  /usr/bin/time -f 'wall %e s' "${DMO[@]}" run "${FLAGS[@]}" 2>&1 | tee -a "$OUT/run.log"
  cp "$RUN/report.json" "$RUN/table.md" "$OUT/"; mkdir -p "$OUT/figures"; cp "$RUN"/figures/*.png "$OUT/figures/"
fi
# every baseline of the paper's Table 1 on the same tasks (reuses the run above; resumes per method and epoch)
if [ "$WHAT" = compare ] || { [ "$WHAT" = all ] && [ "${COMPARE:-0}" = 1 ]; }; then
  /usr/bin/time -f 'wall %e s' "${DMO[@]}" compare "${FLAGS[@]}" 2>&1 | tee -a "$OUT/compare.log"
  cp "$RUN/comparison.md" "$RUN/comparison.json" "$OUT/"; mkdir -p "$OUT/figures"; cp "$RUN/figures/comparison.png" "$OUT/figures/"
fi

#!/usr/bin/env bash
# The controls of DMO on the full-data CPU run (CIFAR-10 + MNIST + USPS), three seeds: for each seed, the run itself
# (single-task + DMO, reused when finished), then every row of `dmo_nb ablate`, then the write-up. Every step resumes:
# run it again after a kill and finished networks, groups and rows are reused.
#   bash results/real_cpu_full/ablate.sh           # about 3 hours per seed on 2 CPU cores
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data}
DMO_NB=${DMO_NB:-.venv/bin/dmo_nb}
PY=${PY:-.venv/bin/python}
OUT=${OUT:-runs/real_cpu_full}
TASKS="npz:cifar10=$DATA/cifar10_jpeg.npz npz:mnist=$DATA/mnist.npz npz:usps=$DATA/usps.npz"
COMMON="--scenario custom --tasks $TASKS --size 32 --depth 10 --width 16 --epochs 15"
stamp() { date '+%F %T'; }
for s in ${SEEDS:-0 1 2}; do
  echo "[$(stamp)] seed $s: single-task + DMO"; $DMO_NB compare $COMMON --seed $s --methods dmo --out $OUT/seed$s
  echo "[$(stamp)] seed $s: ablations"; $DMO_NB ablate --out $OUT/seed$s
  $PY benchmarks/ablation.py --runs $OUT --out results/real_cpu_full
done
echo "[$(stamp)] done"

#!/usr/bin/env bash
# The full-data CPU reproduction of the paper's Table 1 (CIFAR-10 + MNIST + USPS; STL-10 is not available offline).
# Every command resumes: run it again after a kill and finished networks, groups and baselines are reused.
#   bash results/real_cpu_full/run.sh            # seeds 0 1 2: single-task + DMO, then hard sharing and MTAN, then the tau curve on seed 1
# DMO_NB="python -m dmo_nb" or a path to the console script can be set; DATA is ../shared/data by default.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data}
DMO_NB=${DMO_NB:-.venv/bin/dmo_nb}
OUT=${OUT:-runs/real_cpu_full}
TASKS="npz:cifar10=$DATA/cifar10_jpeg.npz npz:mnist=$DATA/mnist.npz npz:usps=$DATA/usps.npz"
COMMON="--scenario custom --tasks $TASKS --size 32 --depth 10 --width 16 --epochs 15"
stamp() { date '+%F %T'; }
for s in 0 1 2; do echo "[$(stamp)] seed $s: single-task + DMO"; $DMO_NB compare $COMMON --seed $s --methods dmo --out $OUT/seed$s; done
for s in 0 1 2; do echo "[$(stamp)] seed $s: hard sharing, MTAN"; $DMO_NB compare $COMMON --seed $s --methods dmo hard mtan --out $OUT/seed$s; done
for t in 0.25 0.5 2 4; do echo "[$(stamp)] seed 1: tau $t"; $DMO_NB run $COMMON --seed 1 --tau $t --out $OUT/seed1; done
echo "[$(stamp)] done"

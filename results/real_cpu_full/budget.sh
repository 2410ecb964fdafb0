#!/usr/bin/env bash
# The accuracy–size frontier from 14% to 1% with DMO for the size asked (`dmo_budget`), on the full data (CIFAR-10 +
# MNIST + USPS, 15 + 15 epochs, the runs of run.sh and frontier.sh), paired over seeds. Per seed:
#   ratios 0.05 and 0.02 at the 0.5% keep-ratio floor: the committed points of frontier.sh (dmo, uniform_keep,
#     sparse_hard, dmo_distill) are taken from results/real_cpu_full/frontier/seedS/frontier.json, not trained again;
#     one_group and dmo_budget are trained;
#   ratio 0.01: every row at a 0.1% floor and a 0.1% layer floor (at the run's 1% layer floor no grouping fits in 1%);
#   seed 1 only: ratio 0.10 at the 0.5% floor;
# then the write-up (benchmarks/budget.py). Every step resumes: run it again after a kill and every finished network
# (single-task, selection, candidate, group) is reused.
#   bash results/real_cpu_full/budget.sh          # seeds 1 2 0; about 2-3 hours a seed on 2 CPU cores
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data}
DMO_NB=${DMO_NB:-.venv/bin/dmo_nb}
PY=${PY:-.venv/bin/python}
OUT=${OUT:-runs/real_cpu_full}
RES=results/real_cpu_full/budget
TASKS="npz:cifar10=$DATA/cifar10_jpeg.npz npz:mnist=$DATA/mnist.npz npz:usps=$DATA/usps.npz"
COMMON="--scenario custom --tasks $TASKS --size 32 --depth 10 --width 16 --epochs 15 --no-channels-last"
ROWS="dmo uniform_keep sparse_hard one_group dmo_budget"
stamp() { date '+%F %T'; }
keep() { mkdir -p "$RES/seed$1/figures"; for f in frontier.json frontier.md figures/frontier.png; do
           [ -f "$OUT/seed$1/$f" ] && cp "$OUT/seed$1/$f" "$RES/seed$1/$f"; done; return 0; }
for s in ${SEEDS:-1 2 0}; do
  if [ ! -f "$OUT/seed$s/report.json" ] && [ -d "results/real_cpu_full/ablation_runs/seed$s/single" ]; then
    echo "[$(stamp)] seed $s: its committed run directory, copied to $OUT"; mkdir -p "$OUT"
    cp -r "results/real_cpu_full/ablation_runs/seed$s" "$OUT/"
  fi
  if [ ! -f "$OUT/seed$s/report.json" ]; then
    echo "[$(stamp)] seed $s: single-task networks, DMO and hard sharing"
    $DMO_NB compare $COMMON --seed $s --methods dmo hard --out "$OUT/seed$s"
  fi
  # seed 0's 30-epoch references were trained in a run directory that is gone: its committed table keeps them
  MATCHED=--matched; [ -d "results/real_cpu_full/ablation_runs/seed$s/single" ] || MATCHED=--no-matched
  # the committed points: frontier.sh's, and this script's own from an earlier session (on a machine without runs/)
  REUSE="results/real_cpu_full/frontier/seed$s/frontier.json"
  [ -f "$RES/seed$s/frontier.json" ] && REUSE="$REUSE $RES/seed$s/frontier.json"
  echo "[$(stamp)] seed $s: ratios 0.05 and 0.02 at the 0.5% floor, the committed points reused"
  $DMO_NB frontier --out "$OUT/seed$s" --ratios 0.05 0.02 --min-keep 0.005 --rows $ROWS $MATCHED --reuse $REUSE
  keep $s
  echo "[$(stamp)] seed $s: ratio 0.01 at a 0.1% floor and layer floor"
  $DMO_NB frontier --out "$OUT/seed$s" --ratios 0.01 --min-keep 0.001 --min-layer-keep 0.001 --rows $ROWS $MATCHED
  keep $s
  $PY benchmarks/budget.py || echo "[$(stamp)] the write-up failed; the points are kept"
  if [ "$s" = 1 ]; then
    echo "[$(stamp)] seed $s: ratio 0.10 at the 0.5% floor"
    $DMO_NB frontier --out "$OUT/seed$s" --ratios 0.1 --min-keep 0.005 --rows $ROWS $MATCHED
    keep $s
    $PY benchmarks/budget.py || echo "[$(stamp)] the write-up failed; the points are kept"
  fi
done
echo "[$(stamp)] done"

#!/usr/bin/env bash
# The accuracy–size frontier on the full data (CIFAR-10 + MNIST + USPS, 15 + 15 epochs, the runs of run.sh), paired
# over seeds: per seed, `dmo_distill` at the run's own tau = 1 (with the references of `dmo_nb ablate`), then
# `dmo_nb frontier` at ratios 0.05 and 0.02 (dmo, uniform_keep, sparse_hard, dmo_distill) with a keep-ratio floor of
# 0.5% (the run's 2% floor alone keeps a #P ratio of 0.026), then the write-up.
# Every step resumes: run it again after a kill and every finished group is reused.
#   bash results/real_cpu_full/frontier.sh          # seeds 1 2 0; about 2-3 hours a seed on 2 CPU cores
# Seeds 1 and 2 start from their committed run directories (results/real_cpu_full/ablation_runs/), so their single-task
# networks, DMO, single_matched and hard sharing are reused; seed 0 trains them first (NCHW, as the committed seed 0).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data}
DMO_NB=${DMO_NB:-.venv/bin/dmo_nb}
PY=${PY:-.venv/bin/python}
OUT=${OUT:-runs/real_cpu_full}
RES=results/real_cpu_full/frontier
TASKS="npz:cifar10=$DATA/cifar10_jpeg.npz npz:mnist=$DATA/mnist.npz npz:usps=$DATA/usps.npz"
COMMON="--scenario custom --tasks $TASKS --size 32 --depth 10 --width 16 --epochs 15 --no-channels-last"
stamp() { date '+%F %T'; }
keep() { mkdir -p "$RES/seed$1/figures"; for f in "${@:2}"; do [ -f "$OUT/seed$1/$f" ] && cp "$OUT/seed$1/$f" "$RES/seed$1/$f"; done; return 0; }
for s in ${SEEDS:-1 2 0}; do
  if [ ! -f "$OUT/seed$s/report.json" ] && [ -d "results/real_cpu_full/ablation_runs/seed$s/single" ]; then
    echo "[$(stamp)] seed $s: its committed run directory, copied to $OUT"; mkdir -p "$OUT"
    cp -r "results/real_cpu_full/ablation_runs/seed$s" "$OUT/"
  fi
  if [ ! -f "$OUT/seed$s/report.json" ]; then
    echo "[$(stamp)] seed $s: single-task networks, DMO and hard sharing"
    $DMO_NB compare $COMMON --seed $s --methods dmo hard --out "$OUT/seed$s"
  fi
  echo "[$(stamp)] seed $s: dmo_distill at tau = 1, beside single and single_matched"
  if [ -d "results/real_cpu_full/ablation_runs/seed$s/single" ]; then
    $DMO_NB ablate --out "$OUT/seed$s"   # every committed row is reused: the table gains dmo_distill
  else
    $DMO_NB ablate --out "$OUT/seed$s" --ablations single_matched dmo_distill
  fi
  keep $s ablation.json ablation.md
  # the run's 2% floor alone keeps a #P ratio of 0.026, so 0.02 needs a lower one: 0.5% at both budgets
  echo "[$(stamp)] seed $s: the frontier at ratios 0.05 and 0.02, keep-ratio floor 0.5%"
  $DMO_NB frontier --out "$OUT/seed$s" --ratios 0.05 0.02 --min-keep 0.005
  keep $s frontier.json frontier.md figures/frontier.png
  $PY benchmarks/frontier.py
done
echo "[$(stamp)] done"

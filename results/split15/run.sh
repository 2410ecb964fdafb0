#!/usr/bin/env bash
# The 15-task scenario where grouping matters (MNIST, USPS, CIFAR-10 split by class pairs), three seeds at the full-data
# CPU protocol: for each seed, single-task + DMO + baselines (`dmo_nb compare`), then the grouping rows of `dmo_nb ablate`
# (singletons, one group, the known grouping, 5 random partitions of DMO's group sizes), then the write-ups. Every step
# resumes: run it again after a kill and finished networks, groups and rows are reused.
#   bash results/split15/run.sh          # several hours per seed on 2 CPU cores; SEEDS="0" for one seed
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data}
DMO_NB=${DMO_NB:-.venv/bin/dmo_nb}
PY=${PY:-.venv/bin/python}
OUT=${OUT:-runs/split15}
COMMON="--scenario split15 --data-root $DATA --size 32 --depth 10 --width 16 --epochs 15"
stamp() { date '+%F %T'; }
for s in ${SEEDS:-0 1 2}; do
  echo "[$(stamp)] seed $s: single-task, DMO and the baselines"
  $DMO_NB compare $COMMON --seed $s --methods dmo hard mtan --out $OUT/seed$s
  echo "[$(stamp)] seed $s: groupings judged by outcome"
  $DMO_NB ablate --out $OUT/seed$s --ablations singletons one_group known_groups partitions --random-partitions 5
  $PY benchmarks/grouping_signals.py --runs $OUT --out results/split15
  $PY benchmarks/ablation.py --runs $OUT --out results/split15
done
echo "[$(stamp)] done"

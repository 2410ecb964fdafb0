#!/usr/bin/env bash
# The 15-task scenario where grouping matters (MNIST, USPS, CIFAR-10 split by class pairs), three seeds at the full-data
# CPU protocol. The order puts what the issue needs first, so a stopped session has finished the most useful rows:
#   1. seed 0: single-task + DMO (`dmo_nb compare --methods dmo`), then the groupings judged by outcome
#      (`dmo_nb ablate`: singletons, one group, the known grouping, 5 random partitions of DMO's group sizes),
#      then hard sharing and MTAN beside them (the same `compare`, which reuses single-task and DMO);
#   2. seeds 1 and 2: `dmo_nb compare` alone, which completes the 3-seed Table 2;
#   3. seeds 1 and 2: the grouping rows as well (set OUTCOME_SEEDS="0" to skip them).
# The write-ups are remade after every step. Every step resumes: run it again after a kill and finished networks,
# groups and rows are reused.
#   bash results/split15/run.sh          # on 2 CPU cores, a seed: single-task 10 min, DMO 15, hard sharing 10, MTAN 18;
#                                        # the groupings 45 min (groups they share with DMO are copied, not trained)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data}
DMO_NB=${DMO_NB:-.venv/bin/dmo_nb}
PY=${PY:-.venv/bin/python}
OUT=${OUT:-runs/split15}
RES=${RES:-results/split15}
SEEDS=${SEEDS:-0 1 2}
OUTCOME_SEEDS=${OUTCOME_SEEDS:-$SEEDS}
COMMON="--scenario split15 --data-root $DATA --size 32 --depth 10 --width 16 --epochs 15"
stamp() { date '+%F %T'; }
report() {
  $PY benchmarks/grouping_signals.py --runs $OUT --out $RES
  $PY benchmarks/ablation.py --runs $OUT --out $RES --script results/split15/run.sh --title 'the 15-task scenario'
  $PY benchmarks/table2.py --runs $OUT --out $RES
}
# A seed whose run directory is not on this machine but whose finished step is kept in $RES (a new session, another
# machine) is not trained again: its write-ups are remade from what $RES keeps. Delete $RES/seedS to redo it.
kept() {  # kept SEED compare|outcome
  [ ! -d $OUT/seed$1 ] || return 1
  case $2 in
    compare) [ -f $RES/seed$1/table2_inputs.json ] && grep -q '"mtan"' $RES/seed$1/table2_inputs.json ;;
    outcome) [ -f $RES/seed$1/ablation.json ] && grep -q '"known_groups"' $RES/seed$1/ablation.json ;;
  esac
}
compare() {  # compare SEED METHOD...
  local s=$1; shift
  if kept $s compare; then echo "[$(stamp)] seed $s: kept in $RES/seed$s, not trained again"; return; fi
  echo "[$(stamp)] seed $s: single-task and ${*}"
  $DMO_NB compare $COMMON --seed $s --methods "$@" --out $OUT/seed$s
  report
}
outcome() {
  if kept $1 outcome; then echo "[$(stamp)] seed $1: groupings kept in $RES/seed$1, not trained again"; return; fi
  if [ ! -d $OUT/seed$1 ]; then   # its networks are gone; training them again would also replace its kept Table 2 inputs
    echo "[$(stamp)] seed $1: no run directory under $OUT, so no grouping rows (they need the seed's networks)"; return
  fi
  echo "[$(stamp)] seed $1: groupings judged by outcome"
  $DMO_NB ablate --out $OUT/seed$1 --ablations singletons one_group known_groups partitions --random-partitions 5
  report
}
first=${SEEDS%% *}
case " $OUTCOME_SEEDS " in *" $first "*) compare $first dmo; outcome $first ;; esac
compare $first dmo hard mtan
for s in $SEEDS; do [ "$s" = "$first" ] || compare $s dmo hard mtan; done
for s in $OUTCOME_SEEDS; do [ "$s" = "$first" ] || outcome $s; done
echo "[$(stamp)] done"

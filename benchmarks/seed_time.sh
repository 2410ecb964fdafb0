#!/usr/bin/env bash
# The wall time of one full-data seed (CIFAR-10 + MNIST + USPS, 15 + 15 epochs: the single-task networks and DMO, as
# `results/real_cpu_full/run.sh` trains a seed), from an empty run directory, for `benchmarks/speed.py --seed-times`.
#   bash benchmarks/seed_time.sh LABEL [CHECKOUT]     # CHECKOUT: another checkout's dmo_nb (e.g. a git worktree of an
#                                                     # earlier commit), run with this repository's environment
# Appends {"LABEL": {"minutes": ..., "commit": ..., "date": ...}} to results/seed_times.json. Time it on a quiet machine:
# nothing else may run on the cores. It does not resume: a killed timing is started again.
set -euo pipefail
cd "$(dirname "$0")/.."
LABEL=$1; CHECKOUT=${2:-$PWD}; SEED=${SEED:-0}
DATA=${DATA:-$(cd ../shared/data && pwd)}
OUT=$(mktemp -d)/seed$SEED
TASKS="npz:cifar10=$DATA/cifar10_jpeg.npz npz:mnist=$DATA/mnist.npz npz:usps=$DATA/usps.npz"
LAUNCH="import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]; sys.path.insert(0, '$CHECKOUT')
from dmo_nb.cli import main; sys.exit(main(sys.argv[1:]))"
t0=$(date +%s)
.venv/bin/python -c "$LAUNCH" compare --scenario custom --tasks $TASKS --size 32 --depth 10 --width 16 --epochs 15 \
  --seed $SEED --methods dmo --out "$OUT"
t1=$(date +%s)
.venv/bin/python - "$LABEL" "$(( t1 - t0 ))" "$(git -C "$CHECKOUT" rev-parse --short HEAD)" "$OUT" <<'PY'
import json, sys, datetime
from pathlib import Path
label, secs, commit, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
rep = json.loads((out/'report.json').read_text())
p = Path('results/seed_times.json')
d = json.loads(p.read_text()) if p.exists() else {}
d[label] = dict(minutes=round(secs / 60, 1), commit=commit, date=str(datetime.date.today()), seed=rep['config']['seed'],
                channels_last=rep['config'].get('channels_last'), single_avg=rep['accuracy']['single_avg'],
                dmo_avg=rep['accuracy']['dmo_avg'], ratio=rep['ratio'])
p.write_text(json.dumps(d, indent=1) + '\n')
print(label, d[label])
PY

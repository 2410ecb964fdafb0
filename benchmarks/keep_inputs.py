"""Copy what the regrouping app needs of a run into a light directory: its config.json, a manifest and the similarity
inputs the run kept when it planned (`regroup/inputs-<key>.pt`: S_W, S_L, the per-sample losses, the magnitude levels,
the scenario's known grouping). `dmo_nb.widgets.regroup` opens on that directory without the data or any network;
a launch from it needs them and says so. The regrouping tutorial opens the committed 15-task run this way.

    .venv/bin/python benchmarks/keep_inputs.py --run runs/split15/seed0 --out results/split15/regroup_seed0

The run must have planned (or `Run.inputs` measures it now, from its data and networks)."""
import argparse
from pathlib import Path
from dmo_nb.core import atomic_save, atomic_write_json, load_json, open_manifest
from dmo_nb.config import regroup_key
from dmo_nb.runs import kept_inputs
from dmo_nb.runs import Run

def keep(run:Path, out:Path)->Path:
    "Write `out`: config.json, a manifest and the kept inputs of `run`; return the inputs file written."
    cfg, inp = kept_inputs(run)
    if inp is None or 'known' not in inp:   # never measured, or kept before the file named the known grouping
        r = Run(cfg)
        inp = dict(r.inputs(), scenario=r.sc.name, known=r.sc.expected_groups)
    open_manifest(out)
    atomic_write_json(load_json(run/'config.json'), out/'config.json')
    return atomic_save(inp, out/'regroup'/f'inputs-{regroup_key(cfg, inp["tasks"])}.pt')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--run', type=Path, required=True, help='a run directory whose single-task stage is done')
    ap.add_argument('--out', type=Path, required=True, help='the light directory to write')
    a = ap.parse_args()
    p = keep(a.run, a.out)
    _, back = kept_inputs(a.out)
    assert back is not None, f'{a.out} does not open: its inputs file does not match its config.json'
    print(f'{a.out}: {len(back["tasks"])} tasks, {p.stat().st_size:,} B of inputs ({p.name})')

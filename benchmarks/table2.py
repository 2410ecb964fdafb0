"""Write up the paper's Table 2 layout over several seeds of one scenario (the 15-task run: `results/split15/run.sh`).

    python benchmarks/table2.py [--runs runs/split15] [--out results/split15] [--methods single dmo hard mtan]

Reads every `<runs>/seed*/`: its `comparison.json` (written when `dmo_nb compare` finishes), each finished baseline of
`compare/<method>-<key>.json` (so a comparison cut short still counts what it finished) and the run's `report.json`
for single-task learning and DMO. Writes `<out>/table2.md` and `<out>/table2.json`: one row per method and one column
per task, each cell the mean ± std over the seeds that have the method, then the average, #P, its ratio to single-task
learning, LibMTL's Δm against single-task learning, and the paired difference of the average to DMO's (mean ± std of
the per-seed differences: seeds move every method together). Each seed's inputs are copied to `<out>/seed*/`, and a
seed with no run directory here keeps the copy already there. Run it again as methods and seeds finish.
"""
import argparse, json, shutil
from pathlib import Path
from dmo_nb.ablate import aggregate, delta_m

LABELS = {'single': 'Single-task learning', 'dmo': 'DMO', 'hard': 'Hard parameter sharing', 'mtan': 'MTAN',
          'soft': 'Soft parameter sharing', 'rsa': 'Soft RSA', 'cross_stitch': 'Cross-stitch', 'nddr': 'NDDR', 'taps': 'TAPS'}

def seed_methods(d:Path)->dict:
    "method -> {'accuracy': {task: %}, 'params': int, 'seconds': float} of one seed's run directory, finished methods only."
    rows = {}
    rep = d/'report.json'
    if rep.is_file():
        r = json.loads(rep.read_text())
        for m in ('single', 'dmo'):
            rows[m] = dict(accuracy=r['accuracy'][m], params=r['params'][m], seconds=None)
    for f in sorted((d/'compare').glob('*-*.json'), key=lambda q: q.stat().st_mtime):   # the newest file of a method wins
        r = json.loads(f.read_text())
        if 'accuracy' in r and 'params' in r: rows[f.name.split('-')[0]] = dict(accuracy=r['accuracy'], params=r['params'], seconds=r.get('time_s'))
    cmp = d/'comparison.json'
    if cmp.is_file():
        for m, r in json.loads(cmp.read_text())['rows'].items():
            rows[m] = dict(accuracy=r['accuracy'], params=r['params'], seconds=r.get('time_s'))
    return rows

def seed_table(seed:int, rows:dict, tasks:list)->dict:
    "One seed's methods as an `ablation.json`-shaped table, so that `dmo_nb.ablate.aggregate` gives means and paired differences."
    base = rows['single']
    out = []
    for m, r in rows.items():
        acc = {t: float(r['accuracy'][t]) for t in tasks}
        out.append(dict(name=m, seed=seed, accuracy=acc, avg=sum(acc.values()) / len(tasks), params=int(r['params']),
                        ratio=r['params'] / base['params'], delta_m=delta_m(acc, base['accuracy']), delta_m_matched=None,
                        seconds=r['seconds'] or 0.0))
    return dict(scenario=None, seed=seed, tasks=tasks, rows=out)

def pm(d, p=2): return '' if d is None else (f"{d['mean']:.{p}f} ± {d['std']:.{p}f}" if d['n'] > 1 else f"{d['mean']:.{p}f}")

def main(runs:Path, out:Path, methods:list):
    found = {}
    for d in sorted(runs.glob('seed*')):
        rows = seed_methods(d)
        if 'single' not in rows: continue
        found[d.name] = (rows, d)
    for f in sorted(out.glob('seed*/table2_inputs.json')):   # a seed whose run directory is not on this machine
        if f.parent.name not in found:
            found[f.parent.name] = (json.loads(f.read_text()), None)
            print(f'{f.parent.name}: no run directory under {runs}, the inputs kept in {f} are used')
    if not found: print(f'no finished single-task stage under {runs}/seed*: nothing to write'); return
    tasks = None
    tables = []
    for name in sorted(found):
        rows, d = found[name]
        if tasks is None: tasks = list(rows['single']['accuracy'])
        rows = {m: rows[m] for m in methods if m in rows}
        tables.append(seed_table(int(name[4:]), rows, tasks))
        dst = out/name; dst.mkdir(parents=True, exist_ok=True)
        (dst/'table2_inputs.json').write_text(json.dumps(rows, indent=1) + '\n')
        if d is not None and (d/'report.json').is_file(): shutil.copyfile(d/'report.json', dst/'report.json')
    have_dmo = [t for t in tables if any(r['name'] == 'dmo' for r in t['rows'])]
    agg = aggregate(have_dmo) if have_dmo else None
    seeds = {m: [t['seed'] for t in tables if any(r['name'] == m for r in t['rows'])] for m in methods}
    lines = [f"# The paper's Table 2 layout: {len(tasks)} tasks", '',
             'Written by `python benchmarks/table2.py` from the run directories of `dmo_nb compare` (one per seed). Each cell is the',
             'mean ± std over the seeds that have the method; Δm is LibMTL\'s average relative change against single-task learning',
             '(percent); "Avg − DMO" is the mean ± std of the per-seed differences (paired: same data, initialisation and seed).', '',
             'Seeds finished per method: ' + ', '.join(f"{LABELS.get(m, m)} {seeds[m] or 'none'}" for m in methods) + '.', '']
    if agg:
        lines += ['| Method | seeds | ' + ' | '.join(tasks) + ' | Avg | #P | #P ratio | Δm vs single | Avg − DMO (paired) |',
                  '|---|---|' + '---|' * (len(tasks) + 5)]
        for r in agg['rows']:
            lines.append(f"| {LABELS.get(r['name'], r['name'])} | {len(r['seeds'])} | " + ' | '.join(pm(r['accuracy'][t]) for t in tasks)
                         + f" | {pm(r['avg'])} | {r['params']['mean'] / 1e6:.3f}M | {r['ratio']['mean']:.3f} | {pm(r['delta_m'])} | "
                         + (pm(r['avg_minus_dmo']) if r['name'] != 'dmo' else '') + ' |')
        groups = [(t['seed'], json.loads(f.read_text())['groups']) for t in have_dmo if (f := out/f"seed{t['seed']}"/'report.json').is_file()]
        if groups: lines += ['', "DMO's groups: " + '; '.join(f"seed {s}: {' '.join('+'.join(g) for g in gs)}" for s, gs in groups) + '.']
    else:
        lines += ['No seed has DMO finished yet.']
    out.mkdir(parents=True, exist_ok=True)
    (out/'table2.md').write_text('\n'.join(lines) + '\n')
    (out/'table2.json').write_text(json.dumps(dict(tasks=tasks, methods=methods, aggregate=agg, seeds=tables), indent=1) + '\n')
    print('\n'.join(lines))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--runs', default='runs/split15', type=Path); p.add_argument('--out', default='results/split15', type=Path)
    p.add_argument('--methods', nargs='+', default=['single', 'dmo', 'hard', 'mtan'])
    a = p.parse_args(); main(a.runs, a.out, a.methods)

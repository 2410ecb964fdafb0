"""The full-data frontier over seeds: `results/real_cpu_full/frontier.md`, `frontier.json` and `frontier.png`.

Reads what `results/real_cpu_full/frontier.sh` keeps per seed in `results/real_cpu_full/frontier/seed<S>/`:
`frontier.json` (`dmo_nb frontier` at ratios 0.05 and 0.02) and `ablation.json` (`dmo_nb ablate`, with `dmo_distill` at the
run's own tau = 1). Seeds that have not finished a step are left out of that step's table and named. Rerunning it only
rewrites the write-up: it trains nothing.

    .venv/bin/python benchmarks/frontier.py
"""
import json, sys
from pathlib import Path
import numpy as np
from dmo_nb.frontier import aggregate_frontier, frontier_table, plot_frontier
from dmo_nb.ablate import _ms
from dmo_nb.report import write_figure

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT/'results'/'real_cpu_full'

def _pm(d): return '' if d is None else f"{d['mean']:+.2f} ± {d['std']:.2f} ({d['n']} seed{'s' if d['n'] > 1 else ''})"

def distill_at_default(tables:list)->list:
    "Markdown lines: dmo_distill at the run's own budget against DMO, single_matched and single, paired by seed."
    have = [t for t in tables if {'dmo', 'dmo_distill'} <= {r['name'] for r in t['rows']}]
    if not have: return ['No seed has `dmo_distill` at the default budget yet.']
    by = [{r['name']: r for r in t['rows']} for t in have]
    lines = ['| seed | single | single_matched | DMO | DMO taught (dmo_distill) | distill − DMO | distill − single_matched |',
             '|---|---|---|---|---|---|---|']
    for t, b in zip(have, by):
        m = b.get('single_matched')
        lines.append(f"| {t['seed']} | {b['single']['avg']:.2f} | {m['avg'] if m else float('nan'):.2f} | {b['dmo']['avg']:.2f} | "
                     f"{b['dmo_distill']['avg']:.2f} | {b['dmo_distill']['avg'] - b['dmo']['avg']:+.2f} | "
                     + (f"{b['dmo_distill']['avg'] - m['avg']:+.2f} |" if m else ' |'))
    d_dmo = _ms([b['dmo_distill']['avg'] - b['dmo']['avg'] for b in by])
    matched = [b for b in by if 'single_matched' in b]
    d_m = _ms([b['dmo_distill']['avg'] - b['single_matched']['avg'] for b in matched]) if matched else None
    lines += ['', f'Paired over seeds {[t["seed"] for t in have]}: dmo_distill − DMO {_pm(d_dmo)}; '
                  f'dmo_distill − single_matched {_pm(d_m)}.']
    return lines

def _paired(fronts:list, row:str, R:float, key='avg')->list:
    "Per seed (in seed order): `row` − DMO at budget `R`, for the seeds that have both points."
    out = []
    for f in fronts:
        by = {(q['name'], q['target']): q for q in f['points']}
        a, d = by.get((row, R)), by.get(('dmo', R))
        if a is not None and d is not None: out.append(a[key] - d[key])
    return out

def _said(ds:list, ahead:str, behind:str)->str:
    "One clause on paired differences `ds` (ahead − behind): mean ± std, and on how many seeds the sign held."
    if not ds: return 'no seed yet'
    m, sd = float(np.mean(ds)), float(np.std(ds, ddof=1)) if len(ds) > 1 else 0.
    lead, trail = (ahead, behind) if m >= 0 else (behind, ahead)
    k = sum((d > 0) == (m >= 0) and d != 0 for d in ds)
    return f'{lead} ahead of {trail} by {abs(m):.2f}' + (f' ± {sd:.2f}' if len(ds) > 1 else '') + f' ({k} of {len(ds)} seeds)'

def findings(fronts:list, ablations:list)->list:
    """Markdown lines: what the frontier says on the three questions of the issue that asked for it, computed from the
    per-seed points (paired by seed). With fewer than three seeds each line says so."""
    if not fronts: return []
    ratios = sorted({q['target'] for f in fronts for q in f['points']}, reverse=True)
    n = len(fronts)
    lines = ['## What the frontier says', '',
             f'From {n} seed{"s" if n > 1 else ""} ({", ".join(str(f["seed"]) for f in fronts)}), paired: each difference is taken '
             'within a seed, then averaged (mean ± std over seeds).' + (' Three seeds are asked for; until they are in, '
             'these are observations, not claims.' if n < 3 else ''), '']
    lines.append('- **The difficulty-aware budget against one keep ratio for every task** (`uniform_keep`): ' + '; '.join(
        f'at R = {R:g}, ' + _said([-d for d in _paired(fronts, 'uniform_keep', R)], 'DMO', 'uniform_keep') for R in ratios) + '.')
    by = [{r['name']: r for r in t['rows']} for t in ablations]
    dm = [b['dmo_distill']['avg'] - b['single_matched']['avg'] for b in by if {'dmo_distill', 'single_matched'} <= set(b)]
    lines.append('- **Distillation** (`dmo_distill`, the run\'s dense task networks as teachers): at the default budget '
                 + _said(dm, 'dmo_distill', 'single_matched') + '; against DMO untaught, ' + '; '.join(
        f'at R = {R:g} ' + _said(_paired(fronts, 'dmo_distill', R), 'dmo_distill', 'DMO') for R in ratios) + '.')
    lines.append('- **Sparse hard sharing** (`sparse_hard`, one pruned network for all tasks at the same #P): ' + '; '.join(
        f'at R = {R:g}, ' + _said(_paired(fronts, 'sparse_hard', R), 'sparse_hard', 'DMO') for R in ratios) + '.')
    # where the difficulty-aware budget puts its parameters at the smallest budget: the easy tasks at the floor
    lo = min(ratios)
    acc = lambda row: [next(q['accuracy'] for q in f['points'] if q['name'] == row and q['target'] == lo) for f in fronts
                       if any(q['name'] == row and q['target'] == lo for q in f['points'])]
    d, u = acc('dmo'), acc('uniform_keep')
    if d and u and len(d) == len(u):
        per = {t: float(np.mean([a[t] - b[t] for a, b in zip(d, u)])) for t in d[0]}
        lines.append(f'- Per task at R = {lo:g}, DMO − `uniform_keep`: ' + ', '.join(f'{t} {v:+.2f}' for t, v in per.items()) + '.')
    return lines + ['']

def main():
    seeds = sorted(RES.glob('frontier/seed*'))
    fronts = [json.loads((d/'frontier.json').read_text()) for d in seeds if (d/'frontier.json').is_file()]
    ablations = [json.loads((d/'ablation.json').read_text()) for d in seeds if (d/'ablation.json').is_file()]
    lines = ['# The accuracy–size frontier on the full data', '',
             'CIFAR-10 + MNIST + USPS, full training and test sets, ResNet depth 10 / width 16 at 32×32, 15 + 15 epochs '
             '(`results/real_cpu_full/run.sh`). Made by `bash results/real_cpu_full/frontier.sh` (it resumes) and '
             '`python benchmarks/frontier.py`. Distillation: λ = 0.5, T = 4 (`dmo_nb.ablate.DISTILL`). The frontier runs at a '
             'keep-ratio floor of 0.5% (`--min-keep 0.005`).', '',
             '## Distillation at the default budget (τ = 1)', ''] + distill_at_default(ablations)
    lines += [''] + findings(sorted(fronts, key=lambda f: f['seed']), sorted(ablations, key=lambda t: t['seed']))
    lines += ['', '## DMO and its controls at ratios 0.05 and 0.02', '']
    if fronts:
        agg = aggregate_frontier(fronts)
        lines += [f'Seeds with a frontier: {agg["seeds"]}. Each cell: average accuracy over the three tasks, mean ± std '
                  'over seeds (#P ratio); "− DMO": the paired difference to DMO at that budget.', '', frontier_table(agg)]
        write_figure(lambda: plot_frontier(agg), RES/'frontier.png')
        (RES/'frontier.json').write_text(json.dumps(agg, indent=1) + '\n')
    else: lines += ['No seed has finished its frontier yet.']
    floor2 = [json.loads(f.read_text()) for f in sorted(RES.glob('frontier/seed*/frontier-floor2pct.json'))]
    if floor2:
        lines += ['', "## At the runs' own 2% floor (ratio 0.05 only)", '',
                  'The 2% keep-ratio floor alone keeps a #P ratio of 0.026 here, so 0.02 cannot be met with it; the frontier '
                  'above runs both budgets at a 0.5% floor. These points were made first, at the 2% floor:', '',
                  frontier_table(aggregate_frontier(floor2))]
    (RES/'frontier.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    return 0

if __name__ == '__main__': sys.exit(main())

"""DMO for the size asked on the full data, over seeds: `results/real_cpu_full/budget.md`, `budget.json` and `budget.png`.

Reads what `results/real_cpu_full/budget.sh` keeps per seed in `results/real_cpu_full/budget/seed<S>/frontier.json`
(`dmo_nb frontier` at ratios 0.05, 0.02 and 0.01, and 0.10 on seed 1, with the rows dmo, uniform_keep, sparse_hard,
one_group and dmo_budget), and the default-budget rows of `results/real_cpu_full/frontier/seed<S>/ablation.json` (DMO at
τ = 1 and its controls), so the figure spans 14% to 1%. Seeds that have not finished a budget are left out of it and
named. Rerunning it only rewrites the write-up: it trains nothing.

    .venv/bin/python benchmarks/budget.py
"""
import json, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parent))
from frontier import _said, _paired   # the paired clauses of the frontier's own write-up
from dmo_nb.frontier import aggregate_frontier, frontier_table, plot_frontier
from dmo_nb.report import write_figure

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT/'results'/'real_cpu_full'
ROWS = ('dmo', 'uniform_keep', 'sparse_hard', 'one_group', 'dmo_budget')   # the rows every budget has
DEFAULT = ('dmo', 'uniform_keep', 'sparse_hard', 'one_group')   # the default-budget rows of `dmo_nb ablate`

def with_default(front:dict, ablation:dict=None)->dict:
    "`front` with the default-budget rows of the same seed's `ablation` as points at DMO's own ratio (rounded to 0.01)."
    if ablation is None: return front
    by = {r['name']: r for r in ablation['rows']}
    if 'dmo' not in by: return front
    R = round(by['dmo']['ratio'], 2)
    extra = [dict(by[n], target=R, tau=ablation['config'].get('tau'), default=True) for n in DEFAULT if n in by]
    return dict(front, points=[p for p in front['points'] if p['target'] != R] + extra)

def choices(fronts:list)->list:
    "Markdown lines: what `dmo_budget` chose at each budget on each seed, and what choosing cost."
    lines = ['| seed | R | chosen (grouping, rule, floor) | candidates | selection epochs | selection fine-tuning (s) | '
             'selection single-task (s), once a seed |', '|---|---|---|---|---|---|---|']
    for f in fronts:
        for p in sorted((q for q in f['points'] if q['name'] == 'dmo_budget'), key=lambda q: -q['target']):
            s = p['selection']
            lines.append(f"| {f['seed']} | {p['target']:g} | {s['chosen']['name'].replace('|', chr(92) + '|')} | {len(s['candidates'])} | "
                         f"{s['cost']['epochs']} | {s['cost']['finetune_s']:.0f} | {s['cost']['single_s']:.0f} |")
    return lines if len(lines) > 2 else ['No seed has a `dmo_budget` point yet.']

def rounds(fronts:list)->list:
    "Markdown lines: every candidate's held-out average in each round of successive halving, per seed and budget."
    lines = []
    for f in fronts:
        for p in sorted((q for q in f['points'] if q['name'] == 'dmo_budget'), key=lambda q: -q['target']):
            s = p['selection']
            eps = [r['epochs'] for r in s['rounds']]
            lines += [f"Seed {f['seed']}, R = {p['target']:g} (held out: " + ', '.join(f'{t} {n:,}' for t, n in s['holdout'].items())
                      + (f"; refused by the budget: {', '.join(s['refused'])}" if s['refused'] else '') + '):', '',
                      '| candidate | ' + ' | '.join(f'{e} epoch(s)' for e in eps) + ' |', '|---|' + '---|' * len(eps)]
            for c in s['candidates']:
                cells = [f"{r['scores'][c['name']]:.2f}" if c['name'] in r['scores'] else '' for r in s['rounds']]
                mark = ' (chosen)' if c['name'] == s['chosen']['name'] else ''
                lines.append(f"| {c['name'].replace('|', chr(92) + '|')}{mark} | " + ' | '.join(cells) + ' |')
            lines.append('')
    return lines

def regret(fronts:list, rows:tuple=ROWS)->dict:
    "Per budget: `dmo_budget`'s regret (best row's test average − its own) on each seed that has every row there."
    out = {}
    for f in fronts:
        by = {(q['name'], q['target']): q for q in f['points']}
        for R in sorted({q['target'] for q in f['points'] if q['name'] == 'dmo_budget'}, reverse=True):
            have = [by[(n, R)] for n in rows if (n, R) in by]
            if len(have) < len(rows): continue
            best = max(have, key=lambda q: q['avg'])
            out.setdefault(R, []).append(dict(seed=f['seed'], regret=best['avg'] - by[('dmo_budget', R)]['avg'],
                                              best=best['name']))
    return out

def standing(fronts:list)->list:
    "Markdown lines: where `dmo_budget` stands against sparse_hard, one_group and DMO at each budget, paired by seed."
    ratios = sorted({q['target'] for f in fronts for q in f['points'] if q['name'] == 'dmo_budget'}, reverse=True)
    lines = []
    for R in ratios:
        d = {n: [a - b for a, b in zip(_paired(fronts, 'dmo_budget', R), _paired(fronts, n, R))] if n != 'dmo'
             else _paired(fronts, 'dmo_budget', R) for n in ('sparse_hard', 'one_group', 'dmo')}
        lines.append(f'- **R = {R:g}**: ' + '; '.join(_said(v, 'dmo_budget', n) for n, v in d.items()) + '.')
    reg = regret(fronts)
    for R, rs in reg.items():
        v = [r['regret'] for r in rs]
        lines.append(f'- Regret at R = {R:g} (best row by test − dmo_budget): {np.mean(v):.2f}'
                     + (f' ± {np.std(v, ddof=1):.2f}' if len(v) > 1 else '') + ' over seeds '
                     + ', '.join(f"{r['seed']} ({r['regret']:+.2f}, best {r['best']})" for r in rs) + '.')
    return lines or ['No seed has a `dmo_budget` point yet.']

def main():
    fronts, full = [], []
    for d in sorted(RES.glob('budget/seed*')):
        if not (d/'frontier.json').is_file(): continue
        f = json.loads((d/'frontier.json').read_text())
        ab = RES/'frontier'/d.name/'ablation.json'
        fronts.append(f)
        full.append(with_default(f, json.loads(ab.read_text()) if ab.is_file() else None))
    fronts.sort(key=lambda f: f['seed'])
    full.sort(key=lambda f: f['seed'])
    lines = ['# DMO for the size asked: the frontier from 14% to 1% on the full data', '',
             'CIFAR-10 + MNIST + USPS, full training and test sets, ResNet depth 10 / width 16 at 32×32, 15 + 15 epochs '
             '(`results/real_cpu_full/run.sh`). Made by `bash results/real_cpu_full/budget.sh` (it resumes) and '
             '`python benchmarks/budget.py`. Floors: 0.5% keep-ratio floor at ratios 0.10, 0.05 and 0.02 (the points of '
             '`frontier.sh` at 0.05 and 0.02 are reused, not trained again); at 0.01 a 0.1% keep-ratio floor and a 0.1% '
             'layer floor, because at the runs\' 1% layer floor no grouping fits in 1% (one group alone needs 1.48%). '
             'The default-budget points are `dmo_nb ablate`\'s rows at τ = 1 (#P ratio 0.14).', '',
             '**How `dmo_budget` chooses.** For each seed a selection run trains its own three single-task networks without '
             '1,000 images of each task (USPS: 1,000 of 7,291), makes every candidate from *their* measurements '
             '(the groupings along DMO\'s τ_sim path × the difficulty rule at floors 2%, 0.5% and 0.1% where the budget '
             'allows them, and one keep ratio for every task), and runs successive halving on the held-out accuracy: every '
             'candidate 1 epoch, the best third 3 epochs, then 9. The chosen configuration is then trained once in the '
             'main run, from its own networks, 15 epochs, and scored on the test set. No test image enters the choice.', '']
    seeds = [f['seed'] for f in fronts]
    lines += ['## Where dmo_budget stands', '',
              f'From seed(s) {seeds}, paired within each seed.' + (' Three seeds are asked for; until they are in, these '
              'are observations, not claims.' if len(seeds) < 3 else ''), ''] + standing(fronts)
    lines += ['', '## What it chose, and what choosing cost', ''] + choices(fronts)
    lines += ['', '## Each selection, round by round (held-out average accuracy)', ''] + rounds(fronts)
    lines += ['', '## Every row at every budget', '']
    if full:
        agg = aggregate_frontier(full)
        lines += [f'Seeds: {agg["seeds"]}. Each cell: average accuracy over the three tasks, mean ± std over seeds '
                  '(#P ratio); "− DMO": the paired difference to DMO at that budget. R = 0.14 is the default budget '
                  '(τ = 1).', '', frontier_table(agg)]
        write_figure(lambda: plot_frontier(agg), RES/'budget.png')
        (RES/'budget.json').write_text(json.dumps(agg, indent=1) + '\n')
    else: lines += ['No seed has finished a budget yet.']
    (RES/'budget.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    return 0

if __name__ == '__main__': sys.exit(main())

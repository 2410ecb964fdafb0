"""Which signal groups the tasks best? Score every similarity reading by the known structure, with no training.

    python benchmarks/grouping_signals.py --runs runs/split15 [--out results/split15]

For each run directory `<runs>/seed*/` whose single-task stage is finished (`dmo_nb run --stage single` is enough),
of a scenario with a known grouping (`split15`: `mnist_k` with `usps_k`, each CIFAR-10 task alone), it reads the
single-task networks and scores these signals (seeds already in `<out>/signals.json` whose run directories are gone are
kept, so a write-up grows seed by seed across machines):
S_W in its three readings (`--weight-mode cka|delta|final`), S_L, the paper's S at α ∈ {0, 0.5, 1} (CKA), and a
signal of another kind, the overlap of the tasks' pruning masks (`dmo_nb.structure.mask_similarity`, at one keep
ratio for every task). Each is scored by the adjusted Rand index of its grouping against the known one and by the
share of known pairs kept together: at the run's τ_sim, and at the best τ_sim of a sweep (the signal's ceiling,
since τ_sim lives on each signal's own scale). Prints a table and writes `<out>/signals.md` and `signals.json`.
"""
import argparse, json
from pathlib import Path
import numpy as np
from dmo_nb.core import load_json, atomic_write_json, atomic_write_text
from dmo_nb.config import Config, missing_single
from dmo_nb.measure import combine_similarity
from dmo_nb.structure import grouping_at, score_grouping, tau_sim_sweep, mask_similarity
from dmo_nb.runs import Run

def signals(run:Run, keep:float)->dict:
    "Every similarity reading of the run's task networks, as T x T matrices."
    run.single()
    m = {f'S_W {w}': np.asarray(run.but(weight_mode=w).measure()['S_W']) for w in ('cka', 'delta', 'final')}
    m['S_L'] = np.asarray(run.measure()['S_L'])
    for a in (0.0, 0.5, 1.0): m[f'S, α = {a:g} (CKA)'] = combine_similarity(m['S_W cka'], m['S_L'], a)
    m[f'mask IoU at {keep:.0%}'] = mask_similarity([run.net(n) for n in run.names], keep)
    return m

def score(S, names, known, tau_sim)->dict:
    at = score_grouping(grouping_at(S, tau_sim, names), known)
    sw = tau_sim_sweep(S, names, known)
    i = int(np.argmax(sw['ari']))
    return dict(ari=at['ari'], together=at['together'], n_groups=at['n_groups'], best_ari=sw['best_ari'],
                best_tau_sim=sw['tau_sim'][i], best_together=sw['together'][i], best_n_groups=sw['n_groups'][i])

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--runs', default='runs/split15')
    p.add_argument('--out', default='results/split15')
    p.add_argument('--keep', type=float, default=0.1, help='the keep ratio of every mask of the mask-overlap signal')
    a = p.parse_args(argv)
    rows = {}
    for d in sorted(Path(a.runs).glob('seed*')):
        if not (d/'config.json').is_file():   # `--stage single` pieces write no config.json: a whole run or `Run.open` does
            print(f'{d}: skipped, no config.json (write it with `Run(Config(<the same settings>, out=...)).open()`)'); continue
        run = Run(Config.from_dict({**load_json(d/'config.json'), 'out': str(d), 'quiet': True}))
        if missing := missing_single(run.cfg, run.names, verify=False):   # the single stage is all these signals need
            print(f'{d}: skipped, single-task networks not finished ({len(missing)} missing)'); continue
        known = run.sc.expected_groups
        for name, S in signals(run, a.keep).items():
            rows.setdefault(name, []).append(dict(seed=run.cfg.seed, **score(S, run.names, known, run.cfg.tau_sim)))
    out = Path(a.out)
    if (kept := out/'signals.json').is_file():   # seeds scored before whose run directories are not on this machine
        fresh = {r['seed'] for rs in rows.values() for r in rs}
        old = {n: [r for r in rs if r['seed'] not in fresh] for n, rs in load_json(kept).items()}
        if seeds := sorted({r['seed'] for rs in old.values() for r in rs}):
            print(f'seed(s) {seeds}: no run directory under {a.runs}, their scores kept in {kept} are used')
        for n, rs in old.items(): rows[n] = sorted(rows.get(n, []) + rs, key=lambda r: r['seed'])
    if not rows: raise SystemExit(f'no finished run under {a.runs}/seed*')
    f = lambda rs, k: f"{np.mean([r[k] for r in rs]):.2f} ± {np.std([r[k] for r in rs]):.2f}" if rs[0][k] is not None else '–'
    lines = ['| signal | seeds | ARI at the run\'s τ_sim | pairs together | groups | best ARI (any τ_sim) | pairs together there | τ_sim there |',
             '|---|---|---|---|---|---|---|---|']
    for name, rs in sorted(rows.items(), key=lambda kv: -np.mean([r['best_ari'] for r in kv[1]])):
        lines.append(f"| {name} | {len(rs)} | {f(rs, 'ari')} | {f(rs, 'together')} | {f(rs, 'n_groups')} | {f(rs, 'best_ari')} | "
                     f"{f(rs, 'best_together')} | {f(rs, 'best_tau_sim')} |")
    table = '\n'.join(lines) + '\n'
    print(table)
    atomic_write_json(rows, out/'signals.json')
    atomic_write_text(f'# Which signal groups best\n\nMade by `python benchmarks/grouping_signals.py --runs {a.runs}`: each '
                      f'signal scored against the known grouping, no training (see the script).\n\n' + table, out/'signals.md')

if __name__ == '__main__': main()

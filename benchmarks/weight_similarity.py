"""Which similarity separates related from unrelated tasks? Measured on the built-in scenario.

For each seed, trains (or reuses) the single-task networks of `synthetic` with the default settings and
prints, for every definition of S_W, for S_L and for S (Eq. 1), the smallest similarity between two tasks
that belong together (the digit renderings) and the largest between tasks that do not. A definition
separates the groups when that gap is positive.

    python benchmarks/weight_similarity.py --seeds 0 1 2 --out runs/bench_sw > results/weight_similarity.md
"""
import argparse, dataclasses, itertools, sys
import numpy as np
from dmo_nb.pipeline import Config, Run
from dmo_nb.measure import combine_similarity

def gap(S, groups, names):
    gid = {n: i for i, g in enumerate(groups) for n in g}
    same, diff = [], []
    for i, j in itertools.combinations(range(len(names)), 2):
        (same if gid[names[i]] == gid[names[j]] else diff).append(S[i, j])
    return min(same), max(diff)

def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--out', default='runs/bench_sw')
    p.add_argument('--alpha', type=float, default=0.5)
    a = p.parse_args(argv)
    rows = []
    for seed in a.seeds:
        r = Run(Config(out=f'{a.out}/seed{seed}', seed=seed, quiet=True))
        sc = r.sc
        r.single()
        sims = {m: r.but(weight_mode=m).measure() for m in ('final', 'delta', 'cka')}
        S_L = sims['cka']['S_L']
        cands = {f'S_W final weights': sims['final']['S_W'], 'S_W change from shared init': sims['delta']['S_W'],
                 'S_W linear CKA (default)': sims['cka']['S_W'], 'S_L log loss curves': S_L,
                 f'S, alpha={a.alpha}, CKA + S_L (default)': combine_similarity(sims['cka']['S_W'], S_L, a.alpha),
                 f'S, alpha={a.alpha}, change + S_L': combine_similarity(sims['delta']['S_W'], S_L, a.alpha)}
        for name, S in cands.items():
            lo, hi = gap(np.asarray(S), sc.expected_groups, sc.names)
            rows.append((seed, name, lo, hi, lo - hi))
    print('| seed | similarity | min related pair | max unrelated pair | gap (> 0 separates) |')
    print('|---|---|---|---|---|')
    for seed, name, lo, hi, g in rows: print(f'| {seed} | {name} | {lo:.3f} | {hi:.3f} | {g:+.3f} |')
    return 0

if __name__ == '__main__': sys.exit(main())

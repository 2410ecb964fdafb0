"""Write up the full-data CPU reproduction (`results/real_cpu_full/run.sh`) from the run directories it made.

    python benchmarks/real_cpu_full.py [--runs runs/real_cpu_full] [--out results/real_cpu_full]

Reads every seed's reports (DMO at tau = 1 and the baselines of `comparison.json`), the tau curve of the seed with the most tau settings, and
writes `README.md` (mean +- std over the seeds present, the paper's Table 1 beside, the done-means check, wall time
per stage), one folder per seed with its `report.json`/`comparison.json`, and `tau_curve.png` (the paper's Fig. 5).
Run it again as more seeds finish: it reports what is there and says what is missing.
"""
import argparse, json, shutil
from pathlib import Path
import numpy as np
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt

TASKS = ['cifar10', 'mnist', 'usps']
METHODS = {'single': 'Single-task learning', 'dmo_merged': 'DMO, pruned and merged, before fine-tuning', 'dmo': 'DMO',
           'hard': 'Hard parameter sharing', 'mtan': 'MTAN'}
PAPER = {  # Table 1 (ResNet-18, 72 px, four tasks; STL-10 is not available here)
    'single': dict(cifar10=92.10, mnist=99.32, usps=96.51, ratio=1.00), 'dmo': dict(cifar10=91.50, mnist=99.31, usps=96.56, ratio=0.15),
    'hard': dict(cifar10=79.72, mnist=98.03, usps=51.66, ratio=0.25), 'mtan': dict(cifar10=81.92, mnist=94.53, usps=95.06, ratio=0.42)}

def dmo_reports(seed_dir:Path)->dict:
    "tau -> report of every DMO setting finished in one seed's run directory."
    out = {}
    for p in seed_dir.glob('dmo-*/report.json'):
        r = json.loads(p.read_text()); out[r['config']['tau']] = r
    return out

def seed_rows(seed_dir:Path)->dict:
    "method -> {'acc': {task: %}, 'params': int} for one seed (DMO at tau = 1)."
    reps = dmo_reports(seed_dir); rows = {}
    if 1.0 in reps:
        r = reps[1.0]
        rows['single'] = dict(acc=r['accuracy']['single'], params=r['params']['single'])
        rows['dmo'] = dict(acc=r['accuracy']['dmo'], params=r['params']['dmo'])
        if 'dmo_before_finetune' in r['accuracy']: rows['dmo_merged'] = dict(acc=r['accuracy']['dmo_before_finetune'], params=r['params']['dmo'])
    for m in ('hard', 'mtan'):   # each finished baseline is one compare/<method>-<key>.json, before the comparison is complete
        done = sorted((seed_dir/'compare').glob(f'{m}-*.json'), key=lambda q: q.stat().st_mtime)
        if done: r = json.loads(done[-1].read_text()); rows[m] = dict(acc=r['accuracy'], params=r['params'])
    return rows

def fmt(xs): return f'{np.mean(xs):.2f} ± {np.std(xs):.2f}' if len(xs) > 1 else f'{xs[0]:.2f}'

def main(runs:Path, out:Path):
    seeds = sorted(int(p.name[4:]) for p in runs.glob('seed*') if p.is_dir())
    per_seed = {s: seed_rows(runs/f'seed{s}') for s in seeds}
    lines = ['# Full-data CPU reproduction: CIFAR-10 + MNIST + USPS', '',
             'Made by `bash results/real_cpu_full/run.sh` (2 CPU cores; every command resumes), written up by',
             '`python benchmarks/real_cpu_full.py`. Data: the full training sets of `../shared/data` (CIFAR-10 JPEG 50,000, MNIST',
             '60,000, USPS 7,291) and their full test sets (10,000, 10,000, 2,007). Network: ResNet depth 10 / width 16 at 32×32',
             '(~4,000 images/s on this machine). Protocol: the paper\'s, for single-task and group networks alike: 15 epochs, batch',
             '64, SGD lr 0.1, momentum 0.9, cosine decay (`report.json` → `recipe`). The paper trains 25 epochs of ResNet-18 at',
             '72×72 on a GPU, and has STL-10 as a fourth task.', '', '```bash',
             'dmo_nb compare --scenario custom --tasks npz:cifar10=$DATA/cifar10_jpeg.npz npz:mnist=$DATA/mnist.npz npz:usps=$DATA/usps.npz \\',
             '  --size 32 --depth 10 --width 16 --epochs 15 --seed S --methods dmo hard mtan --out runs/real_cpu_full/seedS',
             'dmo_nb run ... --seed S --tau T --out runs/real_cpu_full/seedS      # the tau curve, reusing the single-task networks',
             '```', '']
    done = {m: [s for s in seeds if m in per_seed[s]] for m in METHODS}
    lines += ['Seeds finished per method: ' + ', '.join(f'{METHODS[m]} {done[m] or "none"}' for m in METHODS) + '.', '']
    lines += ['| Method | ' + ' | '.join(TASKS) + ' | Avg | #P (Ratio) | seeds | paper (Table 1): ' + ' / '.join(TASKS) + ' (Ratio) |',
              '|---' * (len(TASKS) + 5) + '|']
    single_p = None
    for m, label in METHODS.items():
        ss = done[m]
        if not ss: continue
        accs = {t: [per_seed[s][m]['acc'][t] for s in ss] for t in TASKS}
        avg = [np.mean([per_seed[s][m]['acc'][t] for t in TASKS]) for s in ss]
        P = per_seed[ss[0]][m]['params']
        if m == 'single': single_p = P
        ratio = f' ({P / single_p:.3f})' if single_p else ''
        pp = PAPER.get(m)
        lines.append(f'| {label} | ' + ' | '.join(fmt(accs[t]) for t in TASKS) + f' | {fmt(avg)} | {P / 1e6:.3f}M{ratio} | {len(ss)} | '
                     + (' / '.join(f'{pp[t]:.2f}' for t in TASKS) + f' ({pp["ratio"]:.2f})' if pp else '') + ' |')
    both = [s for s in seeds if 'single' in per_seed[s] and 'dmo' in per_seed[s]]
    if both:
        d = {t: np.mean([per_seed[s]['dmo']['acc'][t] - per_seed[s]['single']['acc'][t] for s in both]) for t in TASKS}
        davg = np.mean(list(d.values()))
        ratio = np.mean([per_seed[s]['dmo']['params'] / per_seed[s]['single']['params'] for s in both])
        lines += ['', f'**DMO against single-task learning** (mean over {len(both)} seed(s)): average {davg:+.2f} points '
                  f'({"meets" if davg >= -0.5 else "misses"} the target of at most 0.5 below); per task ' + ', '.join(f'{t} {v:+.2f}' for t, v in d.items())
                  + f' ({"none" if min(d.values()) >= -1 else "some"} more than 1.0 below); parameter ratio {ratio:.3f} '
                  f'({"≤" if ratio <= 0.15 else ">"} 0.15).' + ('' if len(both) == 3 else f' Seeds still to run: {sorted(set(range(3)) - set(both))}.')]
        mg = [s for s in both if 'dmo_merged' in per_seed[s]]
        if mg:
            m0 = per_seed[mg[0]]['dmo_merged']['acc']
            lines += ['', f'Where accuracy goes (seed {mg[0]}): pruned and merged, before fine-tuning, DMO scores '
                      + ', '.join(f'{t} {m0[t]:.2f}' for t in TASKS) + '. A task kept at the 2% floor is at chance until the group is '
                      'fine-tuned; the network of the hard task (CIFAR-10, about 37% kept) loses little to pruning. Fine-tuning then '
                      'trains each group as long as a single-task network (the paper\'s protocol), so a group starts from a trained '
                      'network and gets as many epochs again: that is why DMO ends above single-task learning on CIFAR-10.']
        r0 = dmo_reports(runs/f'seed{both[0]}')[1.0]
        lines += ['', f'Seed {both[0]}: groups {r0["groups"]}; difficulty ' + ', '.join(f'{t} {r0["difficulty"][t]:.3f}' for t in TASKS) + '.', '',
                  '| Task | d | target keep | actual keep | rescued layers |', '|---|---|---|---|---|']
        for t in TASKS:
            i = r0['pruning'][t]
            lines.append(f'| {t} | {r0["difficulty"][t]:.3f} | {100 * i["target_keep"]:.2f}% | {100 * i["actual_keep"]:.2f}% | {len(i["rescued"])} |')
        lines += ['', '| pair | S_W (CKA) | S_L | S (α = 0.5) |', '|---|---|---|---|']
        for i in range(3):
            for j in range(i + 1, 3):
                lines.append(f'| {TASKS[i]} – {TASKS[j]} | ' + ' | '.join(f'{r0["similarity"][k][i][j]:.3f}' for k in ('S_W', 'S_L', 'S')) + ' |')
        lines += ['', 'Wall time per stage (seconds, from each `report.json`, one thread on one core while other work used the second; a stage '
                  'resumed after a restart counts only its last part, and a report rewritten by a later run that reused everything shows '
                  'only that run\'s time, marked "reused"):', '',
                  '| seed | single-task | plan | groups |', '|---|---|---|---|']
        for s in both:
            tm = dmo_reports(runs/f'seed{s}')[1.0]['timing']
            cell = lambda k: f'{tm.get(k, 0):.0f}' if tm.get(k, 0) >= 5 else 'reused'
            lines.append(f'| {s} | {cell("single_s")} | {tm.get("plan_s", 0):.0f} | {cell("groups_s")} |')
    curve = max(seeds, key=lambda s: len(dmo_reports(runs/f'seed{s}')), default=None)   # the seed with the most tau settings
    taus = dmo_reports(runs/f'seed{curve}') if curve is not None else {}
    if len(taus) > 1:
        pts = sorted((t, r['params']['dmo'], r['accuracy']['dmo_avg'], r['ratio']) for t, r in taus.items())
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot([p[1] / 1e6 for p in pts], [p[2] for p in pts], 'o-', label='DMO at τ = ' + ', '.join(f'{p[0]:g}' for p in pts))
        for t, P, a, _ in pts: ax.annotate(f'τ={t:g}', (P / 1e6, a), fontsize=7, xytext=(3, 3), textcoords='offset points')
        sa = next(iter(taus.values()))
        ax.axhline(sa['accuracy']['single_avg'], color='k', ls='--', lw=1, label='single-task learning')
        ax.set_xlabel('#P of DMO (millions)'); ax.set_ylabel('average test accuracy (%)'); ax.legend(fontsize=7)
        ax.set_title(f'accuracy against parameters as τ varies (Fig. 5), seed {curve}', fontsize=9); fig.tight_layout()
        out.mkdir(parents=True, exist_ok=True); fig.savefig(out/'tau_curve.png', dpi=110); plt.close(fig)
        lines += ['', f'## τ curve (seed {curve}; the paper\'s Fig. 5)', '', '![tau curve](tau_curve.png)', '', '| τ | Avg | #P | ratio |', '|---|---|---|---|']
        lines += [f'| {t:g} | {a:.2f} | {P / 1e6:.3f}M | {r:.3f} |' for t, P, a, r in pts]
        lines += ['', 'Keep ratios per τ: ' + '; '.join(f'τ={t:g}: ' + ', '.join(f'{k} {100 * v:.1f}%' for k, v in taus[t]['keep_ratio'].items())
                                                  for t in sorted(taus)) + '. The easy tasks sit at the 2% floor for every τ here.']
    out.mkdir(parents=True, exist_ok=True)
    for s in seeds:
        dst = out/f'seed{s}'; dst.mkdir(exist_ok=True)
        for tau, r in dmo_reports(runs/f'seed{s}').items():
            (dst/('report.json' if tau == 1.0 else f'report-tau{tau:g}.json')).write_text(json.dumps(r, indent=2) + '\n')
        if (runs/f'seed{s}'/'comparison.json').exists(): shutil.copyfile(runs/f'seed{s}'/'comparison.json', dst/'comparison.json')
    (out/'README.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--runs', type=Path, default=Path('runs/real_cpu_full')); a.add_argument('--out', type=Path, default=Path('results/real_cpu_full'))
    args = a.parse_args(); main(args.runs, args.out)

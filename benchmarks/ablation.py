"""Write up `dmo_nb ablate` over several seeds of one setting (the full-data run: `results/real_cpu_full/ablate.sh`).

    python benchmarks/ablation.py [--runs runs/real_cpu_full] [--out results/real_cpu_full] [--script SCRIPT --title TITLE]

Reads `<runs>/seed*/ablation.json`, copies each seed's table next to the write-up (`<out>/seed*/ablation.json|md`; a seed
with no run directory here keeps the table already there), and
writes `<out>/ablation.json` (every seed's table and the aggregate) and `<out>/ablation.md`: mean ± std over the seeds
per row, the paired difference of each row's average to DMO's (mean ± std of the per-seed differences), and one
sentence per control, written from those numbers, whichever way they fall. Run it again as rows and seeds finish.
"""
import argparse, json, shutil
from pathlib import Path
from dmo_nb.ablate import aggregate, aggregate_table, ablation_table, grouping_rank, row_label

WHAT = {  # what each control isolates (DESIGN: "what a control isolates")
    'single_matched': 'single-task networks trained as many epochs as DMO in all (is it the extra epochs?)',
    'singletons': 'every task its own group (does grouping matter?)',
    'one_group': 'all tasks in one group',
    'known_groups': "the scenario's known grouping (does DMO find the structure that is there?)",
    'uniform_keep': "DMO's groups with one keep ratio for every task at DMO's #P (does the difficulty-aware budget matter?)",
    'reinit': "DMO's masks from the shared initialisation (do the trained weights matter?)",
    'random_masks': "random masks of DMO's per-layer density from the shared initialisation (do the chosen masks matter?)",
    'sparse_hard': "hard sharing pruned to DMO's #P and fine-tuned (is one sparse multi-task network enough?)",
}

def sentence(r:dict, dmo:dict, tasks:list)->str:
    "One sentence for a row: DMO's paired lead or deficit against it, stated as it came out."
    d = r['avg_minus_dmo']
    if d is None: return ''
    m, s, n = -d['mean'], d['std'], d['n']   # DMO minus the row
    part = r['name'].startswith('partition:')
    what = WHAT.get(r['name'], ("a random partition with DMO's group sizes" if len(tasks) > 4 else
                                f"the partition {r['name'][len('partition:'):]}") if part else r['name'])
    name = row_label(r['name'], tasks).replace('\\|', '|')
    if n > 1 and abs(m) <= s: verdict = 'no difference beyond the spread of the seeds'
    elif abs(m) < 0.1: verdict = 'no difference'
    else: verdict = f"DMO {'ahead' if m > 0 else 'behind'}"
    return (f"- **{name}**, {what}: DMO − row = {m:+.2f} ± {s:.2f} points on the average (paired, {n} seed(s)): {verdict}; "
            f"#P ratio to single-task learning {r['ratio']['mean']:.3f} (DMO {dmo['ratio']['mean']:.3f}).")

def read_table(f:Path)->dict:
    "One seed's ablation.json; a table written before `ablate` ranked the grouping gets its rank from its own rows."
    t = json.loads(f.read_text())
    if t.get('grouping') is None: t['grouping'] = grouping_rank(t['rows'])
    return t

def main(runs:Path, out:Path, script:str='results/real_cpu_full/ablate.sh', title:str='the full-data run'):
    tables = {}
    for d in sorted(runs.glob('seed*')):
        f = d/'ablation.json'
        if not f.is_file(): continue
        tables[d.name] = read_table(f)
        (out/d.name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, out/d.name/'ablation.json')
        (out/d.name/'ablation.md').write_text(ablation_table(tables[d.name]))
    # a seed whose run directory is not on this machine (runs/ starts empty) keeps the table written up before
    for f in sorted(out.glob('seed*/ablation.json')):
        if f.parent.name not in tables:
            tables[f.parent.name] = read_table(f)
            (f.parent/'ablation.md').write_text(ablation_table(tables[f.parent.name]))   # in today's table form
            print(f'{f.parent.name}: no run directory under {runs}, the table kept in {f} is used')
    tables = [tables[k] for k in sorted(tables)]
    if not tables: print(f'no ablation.json under {runs}/seed*: nothing to write'); return
    agg = aggregate(tables)
    dmo = next(r for r in agg['rows'] if r['name'] == 'dmo')
    lines = [f"# Ablations of {title}: {', '.join(agg['tasks'])}", '',
             f'Made by `bash {script}` (each seed: the run, then `dmo_nb ablate`; every row resumes), written up',
             'by `python benchmarks/ablation.py`. Protocol as in `README.md` here; every control trains with the run\'s data, seed,',
             "shared initialisation and fine-tuning recipe. Δm is LibMTL's, in percent, against `single` and against `single_matched`.", '',
             f"Seeds with a table: {agg['seeds']}. Rows per seed: " + ', '.join(f"seed {t['seed']} {len(t['rows'])}" for t in tables)
             + '. A row that not every seed has is averaged over the seeds that have it (column "seeds").', '',
             '## Mean ± std over the seeds', '', aggregate_table(agg),
             f"DMO's groups per seed: " + '; '.join(f"seed {t['seed']} {t['dmo_groups']}" for t in tables) + '.', '',
             '## What each control shows', '']
    lines += [s for r in agg['rows'] if r['name'] not in ('single', 'dmo') and (s := sentence(r, dmo, agg['tasks']))]
    lines += ['', f"DMO itself: average {dmo['avg']['mean']:.2f} ± {dmo['avg']['std']:.2f}, Δm vs single "
              + (f"{dmo['delta_m']['mean']:+.2f} ± {dmo['delta_m']['std']:.2f}" if dmo['delta_m'] else 'undefined (a task at 0%)') + (f", Δm vs single_matched {dmo['delta_m_matched']['mean']:+.2f} ± {dmo['delta_m_matched']['std']:.2f}"
                                                  if dmo['delta_m_matched'] else '') + '.', '', '## Per seed', '']
    for t in tables: lines += [f"### Seed {t['seed']}", '', ablation_table(t)]
    (out/'ablation.md').write_text('\n'.join(lines) + '\n')
    (out/'ablation.json').write_text(json.dumps(dict(aggregate=agg, seeds=tables), indent=1) + '\n')
    print(f"wrote {out/'ablation.md'} and {out/'ablation.json'} ({len(tables)} seed(s))")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--runs', default='runs/real_cpu_full', type=Path); p.add_argument('--out', default='results/real_cpu_full', type=Path)
    p.add_argument('--script', default='results/real_cpu_full/ablate.sh', help='the script that made the runs, named in the write-up')
    p.add_argument('--title', default='the full-data run', help='what the runs are, for the heading')
    a = p.parse_args(); main(a.runs, a.out, a.script, a.title)

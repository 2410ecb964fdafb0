"""Wall time of the built-in scenario with one process and with `torchrun --nproc_per_node 2` (task- and data-parallel), on this machine.

    .venv/bin/python benchmarks/distributed.py                 # writes results/distributed.md
    .venv/bin/python benchmarks/distributed.py --quick         # a smaller scenario (smoke test)

Each configuration runs `dmo_nb run --scenario synthetic` from an empty directory and reads the stage times from its
`report.json` (single-task stage, planning, group stage) next to the command's wall time (process start-up and data
generation included). The arithmetic of one thread per process is the same as a one-process run at one thread, so
those two reports must agree exactly; the script checks it. A data-parallel launch (`--parallel data`: every network on
both processes, half of every batch each) splits the batch-norm statistics, so its report is another run's; the table
gives its groups and accuracy beside the others. Run it on an otherwise idle machine."""
import argparse, json, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

def one(cmd:list, threads:int, out:Path)->dict:
    "Run `cmd` with `threads` threads per process into `out`; its wall time and report."
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    t = time.time(); subprocess.run(cmd + ['--out', str(out), '--quiet'], env=env, check=True, cwd=ROOT)
    rep = json.loads((out/'report.json').read_text())
    return dict(wall=time.time() - t, report=rep)

def main(quick:bool=False, out_md:Path=ROOT/'results'/'distributed.md'):
    args = ['--scenario', 'synthetic'] + (['--n-train', '300', '--n-test', '100', '--epochs', '2', '--ft-epochs', '2'] if quick else [])
    run = [str(BIN/'dmo_nb'), 'run'] + args
    tr = [str(BIN/'torchrun'), '--standalone', '--nproc_per_node', '2', '-m', 'dmo_nb', 'run'] + args
    cases = [('1 process, 2 threads', run, 2), ('1 process, 1 thread', run, 1), ('torchrun, 2 processes x 1 thread', tr, 1),
             ('torchrun, 2 processes x 1 thread, --parallel data', tr + ['--parallel', 'data'], 1)]
    tmp = Path(tempfile.mkdtemp()); res = {}
    for name, cmd, th in cases:
        res[name] = one(cmd, th, tmp/name.replace(' ', '_').replace(',', ''))
        print(f'{name}: {res[name]["wall"]:.1f} s', flush=True)
    keys = ('groups', 'keep_ratio', 'params', 'ratio', 'accuracy')
    same = {k: res[cases[1][0]]['report'][k] == res[cases[2][0]]['report'][k] for k in keys}
    two = {k: res[cases[0][0]]['report'][k] == res[cases[2][0]]['report'][k] for k in keys}
    acc = lambda r: r['report']['accuracy']['dmo_avg']
    base = res[cases[0][0]]
    lines = [f'# Task- and data-parallel runs on this machine ({os.cpu_count()} cores)', '',
             f'`python benchmarks/distributed.py{" --quick" if quick else ""}`: `dmo_nb run {" ".join(args)}` from an empty directory, '
             'stage times from `report.json`, wall time of the whole command (start-up and data generation included).', '',
             '| configuration | wall (s) | single-task stage (s) | plan (s) | group stage (s) | speed-up of the single-task stage | speed-up, wall |',
             '|---|---|---|---|---|---|---|']
    for name, _, _ in cases:
        r = res[name]; t = r['report']['timing']
        lines.append(f'| {name} | {r["wall"]:.1f} | {t["single_s"]:.1f} | {t["plan_s"]:.1f} | {t["groups_s"]:.1f} | '
                     f'{base["report"]["timing"]["single_s"] / t["single_s"]:.2f}x | {base["wall"] / r["wall"]:.2f}x |')
    g = res[cases[0][0]]['report']['groups']
    lines += ['', f'Groups: {g} ({len(g)} group(s), so at most {min(2, len(g))} process(es) fine-tune at once).',
              f'torchrun (1 thread per process) against one process at 1 thread, same arithmetic: '
              + ', '.join(f'{k} {"identical" if v else "DIFFERENT"}' for k, v in same.items()) + '.',
              'Against one process at 2 threads (other arithmetic: another summation order): '
              + ', '.join(f'{k} {"identical" if v else "different"}' for k, v in two.items())
              + f'; DMO average accuracy {acc(res[cases[0][0]]):.2f} (2 threads) and {acc(res[cases[2][0]]):.2f} (torchrun).',
              f'Data-parallel (each network on both processes, batch-norm statistics per process): groups '
              f'{"identical" if res[cases[3][0]]["report"]["groups"] == g else "different"}: {res[cases[3][0]]["report"]["groups"]}; '
              f'DMO average accuracy {acc(res[cases[3][0]]):.2f}, single-task {res[cases[3][0]]["report"]["accuracy"]["single_avg"]:.2f} '
              f'(one process at 2 threads: {res[cases[0][0]]["report"]["accuracy"]["single_avg"]:.2f}).']
    out_md.parent.mkdir(parents=True, exist_ok=True); out_md.write_text('\n'.join(lines) + '\n'); print('\n'.join(lines))
    shutil.rmtree(tmp, ignore_errors=True)
    if not all(same.values()): sys.exit('the two-process run differs from the one-process run at the same arithmetic')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='a smaller scenario: a smoke test, not a measurement')
    ap.add_argument('--out', type=Path, default=ROOT/'results'/'distributed.md', help='where the table goes')
    a = ap.parse_args(); main(a.quick, a.out)

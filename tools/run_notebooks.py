"""Execute the notebooks in place and keep their outputs: the docs site shows what a real run printed and drew.

    .venv/bin/python tools/run_notebooks.py                 # every notebook in nbs/ (about 10 minutes on 2 cores)
    .venv/bin/python tools/run_notebooks.py nbs/06_prune.ipynb nbs/tutorials
    .venv/bin/python tools/run_notebooks.py --slow nbs/tutorials/reproduce.ipynb   # run the `slow` cells too

Cells flagged `slow`, `notest` or `cuda` (`#| slow`, the flags `nbdev_test` skips) are not run unless `--slow` is
given; they keep the outputs they have. Each notebook runs in a fresh process from its own folder, as `nbdev_test`
runs it, and is written back only if every cell ran; then `nbdev_clean` normalises it (outputs stay: `clear_all =
False`). A failing notebook is named with its traceback, and the others still run."""
import argparse, os, re, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {'slow', 'notest', 'cuda'}

def flags(src:str)->set:
    "The directive words of a cell's leading `#|` lines."
    out = set()
    for line in src.splitlines():
        if not line.startswith('#|'): break
        out.update(re.split(r'[\s:,]+', line[2:].strip()))
    return out

def run_one(path:Path, slow:bool)->None:
    "Execute the code cells of `path` (in a process of its own) and write it back with the outputs."
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    os.environ['IN_TEST'] = '1'
    nb = read_nb(path)
    skip = set() if slow else SKIP
    def no_eval(cell): return cell.cell_type != 'code' or 'nbdev_export(' in cell.source or bool(flags(cell.source) & skip)
    os.chdir(path.parent)
    sh = CaptureShell(path)
    sh.run_all(nb, exc_stop=True, preproc=no_eval)
    write_nb(nb, path)

def notebooks(args:list)->list:
    "The notebooks named by `args` (files or folders), or every notebook in nbs/."
    paths = [Path(a).resolve() for a in args] or [ROOT/'nbs']
    out = []
    for p in paths:
        out += sorted(q for q in p.rglob('*.ipynb') if '.ipynb_checkpoints' not in q.parts) if p.is_dir() else [p]
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('paths', nargs='*', help='notebooks or folders (default: nbs/)')
    ap.add_argument('--slow', action='store_true', help='run the cells flagged slow, notest or cuda too')
    ap.add_argument('--one', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one: return run_one(Path(a.one), a.slow)
    failed = []
    for p in notebooks(a.paths):
        t = time.time()
        r = subprocess.run([sys.executable, __file__, '--one', str(p)] + (['--slow'] if a.slow else []))
        print(f'{"ok    " if r.returncode == 0 else "FAILED"} {p.relative_to(ROOT)} ({time.time() - t:.0f} s)', flush=True)
        if r.returncode: failed.append(p)
        else: subprocess.run([str(Path(sys.executable).parent/'nbdev_clean'), '--fname', str(p)], cwd=ROOT, check=True)
    if failed: sys.exit(f'{len(failed)} notebook(s) failed: ' + ', '.join(str(p.relative_to(ROOT)) for p in failed))

if __name__ == '__main__': main()

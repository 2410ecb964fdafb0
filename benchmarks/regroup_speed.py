"""How long does a slider move take in the regrouping app on a 20-task artifact?

Builds a run directory of 20 single-task artifacts of full-size ResNet-18 networks (11.2M parameters each,
the scale of the paper's CIFAR-100 scenario) without training them: weights are the shared initialisation
plus a task-specific perturbation, loss curves and per-sample losses are drawn at random. Opens the app on it
twice (the first opening measures and keeps the inputs a run keeps when it plans; the second reads them)
and times moves of each slider (plan, budget, table and, with figures, the redraw and the PNG the app shows,
which the app encodes itself on every move that changes a figure).

    python benchmarks/regroup_speed.py --tasks 20
"""
import argparse, statistics, sys, tempfile, time
from pathlib import Path
import numpy as np, torch
from dmo_nb.core import atomic_save, atomic_write_json, stable_hash
from dmo_nb.pipeline import Config, resolve, single_key
from dmo_nb.single import shared_init, task_net
from dmo_nb.models import n_params
from dmo_nb.widgets import regroup

def fabricate(d, n_tasks, depth, width, size):
    rng = np.random.default_rng(0)
    for i in range(n_tasks):
        x = rng.integers(0, 256, (64, size, size, 3), dtype=np.uint8)
        np.savez(d/f't{i:02d}.npz', x_train=x, y_train=np.arange(64) % 5, x_test=x[:16], y_test=np.arange(16) % 5)
    cfg = Config(scenario='custom', tasks=[f'npz:{d}/t{i:02d}.npz' for i in range(n_tasks)], size=size, depth=depth, width=width,
                 out=str(d/'run'), quiet=True)
    atomic_write_json(cfg.to_dict(), d/'run'/'config.json')
    cfg, sc = resolve(cfg)
    init = shared_init(depth, width, cfg.seed)
    atomic_save(init, d/'run'/'single'/f"init-{stable_hash(dict(depth=depth, width=width, seed=cfg.seed))}.pt")
    fam = [torch.Generator().manual_seed(100 + i % 4) for i in range(n_tasks)]   # four families of related tasks
    for i, t in enumerate(sc.tasks):
        m = task_net(t, init, depth, width)
        with torch.no_grad():
            for p in m.parameters(): p.add_(0.02 * torch.randn(p.shape, generator=fam[i]) + 0.01 * torch.randn_like(p))
        curve = np.exp(-np.linspace(0, 3 + i % 4, 200)) + rng.uniform(0, 0.05, 200)
        art = dict(task=t.name, n_classes=5, state=m.state_dict(), epoch_losses=[float(curve.mean())], batch_losses=curve.tolist(),
                   sample_losses=rng.exponential(0.2 + 0.1 * (i % 5), 64).astype(np.float32), test_acc=90.0, n_params=n_params(m), time_s=0.0)
        atomic_save(art, d/'run'/'single'/f'{t.name}-{single_key(cfg, t.name)}.pt')
    return d/'run'

def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--tasks', type=int, default=20); p.add_argument('--depth', type=int, default=18); p.add_argument('--width', type=int, default=64)
    p.add_argument('--size', type=int, default=32); p.add_argument('--moves', type=int, default=10)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        run_dir = fabricate(Path(d), a.tasks, a.depth, a.width, a.size)
        # a run plans before anyone opens the app, and keeps what the app reads (`Run.inputs`); this run was
        # fabricated without planning, so the first opening measures and keeps it, as for a run made before that existed
        t0 = time.perf_counter(); regroup(run_dir, figures=False); t_first = time.perf_counter() - t0
        t0 = time.perf_counter(); app = regroup(run_dir); t_open = time.perf_counter() - t0
        rows = []
        for figures in (True, False):
            app.view.figures = figures
            for name, values in (('alpha', np.linspace(0.1, 0.9, a.moves)), ('tau_sim', np.linspace(-0.5, 0.9, a.moves)),
                                 ('tau', np.geomspace(0.2, 5, a.moves))):
                slider = app.sliders[name]
                ts = []
                for v in values:
                    t0 = time.perf_counter(); slider.value = float(v)
                    ts.append(time.perf_counter() - t0)
                rows.append((name, figures, statistics.median(ts), max(ts)))
    print(f'{a.tasks} tasks, ResNet depth {a.depth} width {a.width} ({app.state.ranks.P:,} prunable weights each)\n')
    print('| opening | seconds |\n|---|---|')
    print(f'| a run that kept its regrouping inputs (every run since they are kept) | {t_open:.2f} |')
    print(f'| a run without them: measured once, then kept | {t_first:.1f} |\n')
    print('| slider | figures redrawn | median redraw (ms) | max (ms) |\n|---|---|---|---|')
    for name, fig, med, mx in rows: print(f'| {name} | {"yes" if fig else "no"} | {med*1e3:.0f} | {mx*1e3:.0f} |')
    return 0

if __name__ == '__main__': sys.exit(main())

"""Draw the landing page's picture, `nbs/images/overview.png`, from the figures of the built-in run in `results/synthetic/`.

    .venv/bin/dmo_nb run --scenario synthetic --out runs/demo && cp -r runs/demo/figures runs/demo/report.json results/synthetic/
    .venv/bin/python tools/overview.py"""
from pathlib import Path
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]

def main(figs:Path=ROOT/'results'/'synthetic'/'figures', out:Path=ROOT/'nbs'/'images'/'overview.png'):
    "Tile the report's figures under the steps of DMO they show."
    panels = [('similarity', '1. Train one network per task; measure S_W, S_L and S = α·S_W + (1−α)·S_L'),
              ('task_graph', '2. Link S > τ_sim; groups are maximal cliques'),
              ('difficulty_pruning', '3. Prune each task by its difficulty'),
              ('accuracy_params', '4. Merge and fine-tune: accuracy against #P')]
    fig = plt.figure(figsize=(15, 8.4), layout='constrained')
    gs = fig.add_gridspec(2, 3, height_ratios=[0.7, 1])
    axes = [fig.add_subplot(gs[0, :])] + [fig.add_subplot(gs[1, i]) for i in range(3)]
    for ax, (name, title) in zip(axes, panels):
        ax.imshow(plt.imread(figs/f'{name}.png')); ax.set_axis_off(); ax.set_title(title, fontsize=13, loc='left')
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110); plt.close(fig)
    print(out.relative_to(ROOT))

if __name__ == '__main__': main()

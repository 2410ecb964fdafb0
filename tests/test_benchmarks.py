"The speed benchmark runs end to end (tiny sizes on the CPU; the real measurement needs a GPU) and prints its table."
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))
import speed

def test_speed_benchmark_smoke(tmp_path, capsys):
    assert speed.main(['--device', 'cpu', '--size', '16', '--depth', '10', '--width', '8', '--bs', '32', '--n-images', '96',
                       '--steps', '2', '--warmup', '1', '--epochs', '1', '--full-run', '--out', str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for what in ('model-only ceiling (plain loop)', 'single-task stage (fastai Learner)', 'group stage, 2 tasks x batch 32',
                 'ceiling + masks re-applied each step', '| single |', '| groups |'):
        assert what in out, what
    assert (tmp_path/'speed.md').read_text().strip() in out

def test_training_step_dispatches_about_as_many_ops_as_the_plain_loop(tmp_path):
    "Launch-bound GPUs pay per operation: dmo_nb's step stays near the plain loop's count, far below fastai's own SGD."
    import json
    speed.main(['--device', 'cpu', '--size', '16', '--depth', '18', '--width', '4', '--bs', '32', '--n-images', '96',
                '--steps', '2', '--warmup', '1', '--epochs', '1', '--out', str(tmp_path)])
    ops = {r['what']: r['ops'] for r in json.loads((tmp_path/'speed.json').read_text())['rows']}
    plain, ours, fastai = ops['model-only ceiling (plain loop)'], ops['single-task stage (fastai Learner)'], ops["single-task stage with fastai's own SGD"]
    assert ours < 1.25 * plain < fastai, ops
    assert ops['group stage, 2 tasks x batch 32, masks held'] < 1.5 * plain, ops   # the Eq. 5 norm term adds no per-weight kernels

def test_equal_weighting_adds_no_operations_to_a_step():
    "DMO's group fine-tuning always passes a weighting: the default one costs one sum per step, and no weight tensor copied to the device."
    import torch
    from argparse import Namespace
    from dmo_nb.weighting import make_weighting
    a = Namespace(size=16, depth=10, width=4, amp=None, channels_last=False)
    def counted(weighting):
        learn = speed.group_learner_of(a, 16)(torch.device('cpu'), None)
        if weighting: learn.add_cb(make_weighting(weighting, 2))
        learn.add_cb(speed.CountStep())
        with learn.no_logging(), learn.no_bar(): learn.fit(1, 0.01)
        return learn.step_ops
    assert counted('equal') <= counted(None) + 1   # its combine re-sums the per-task losses

def test_distributed_benchmark_smoke(tmp_path, capsys):
    "One process against `torchrun --nproc_per_node 2` on a small built-in scenario: the table, and the two reports agree."
    import distributed
    distributed.main(quick=True, out_md=tmp_path/'distributed.md')
    table = (tmp_path/'distributed.md').read_text()
    for what in ('| 1 process, 2 threads |', '| torchrun, 2 processes x 1 thread |', 'accuracy identical'): assert what in table, what

def _seed_dir(d:Path, single:dict, dmo:dict, hard:dict=None):
    "A run directory as `dmo_nb compare` leaves it: the run's report, and a finished baseline under compare/."
    import json
    d.mkdir(parents=True)
    (d/'report.json').write_text(json.dumps(dict(accuracy=dict(single=single, dmo=dmo), params=dict(single=1000, dmo=150),
                                                 groups=[['a', 'b']])))
    if hard:
        (d/'compare').mkdir()
        (d/'compare'/'hard-0123456789.json').write_text(json.dumps(dict(accuracy=hard, params=400)))

def test_table2_means_paired_differences_and_resume(tmp_path):
    "Hand-computed: two seeds, hard sharing on one; the cells are mean ± std, the last column DMO's paired lead; a seed whose run is gone keeps its copy."
    import json, table2
    runs, out = tmp_path/'runs', tmp_path/'out'
    _seed_dir(runs/'seed0', dict(a=80., b=90.), dict(a=82., b=90.), hard=dict(a=70., b=90.))
    _seed_dir(runs/'seed1', dict(a=84., b=90.), dict(a=84., b=92.))
    table2.main(runs, out, ['single', 'dmo', 'hard', 'mtan'])
    agg = {r['name']: r for r in json.loads((out/'table2.json').read_text())['aggregate']['rows']}
    assert agg['single']['avg']['mean'] == 86.0 and abs(agg['single']['avg']['std'] - 2 ** 0.5) < 1e-9   # 85, 87
    assert agg['dmo']['avg']['mean'] == 87.0 and agg['dmo']['ratio']['mean'] == 0.15                     # 86, 88
    assert agg['single']['avg_minus_dmo']['mean'] == -1.0 and agg['single']['avg_minus_dmo']['std'] == 0.0
    assert agg['hard']['seeds'] == [0] and agg['hard']['avg_minus_dmo']['mean'] == -6.0                  # 80 − 86
    assert abs(agg['hard']['delta_m']['mean'] - 100 * ((70 - 80) / 80 + 0) / 2) < 1e-9
    md = (out/'table2.md').read_text()
    assert 'MTAN none' in md and '| Hard parameter sharing | 1 | 70.00 | 90.00 | 80.00 | 0.000M | 0.400 |' in md
    assert "DMO's groups: seed 0: a+b; seed 1: a+b." in md
    import shutil; shutil.rmtree(runs/'seed1')
    table2.main(runs, out, ['single', 'dmo', 'hard', 'mtan'])
    assert json.loads((out/'table2.json').read_text())['aggregate']['rows'][0]['seeds'] == [0, 1]

def test_grouping_signals_keeps_seeds_whose_run_is_gone(tmp_path, capsys):
    "The signals write-up grows across machines: scores already written are kept for seeds with no run directory, and averaged."
    import json, grouping_signals
    score = lambda seed, ari: dict(seed=seed, ari=ari, together=0.0, n_groups=15, best_ari=ari, best_tau_sim=0.3,
                                    best_together=0.8, best_n_groups=10)
    out = tmp_path/'out'; out.mkdir()
    (out/'signals.json').write_text(json.dumps({'S_W cka': [score(1, 0.8), score(2, 0.9)]}))
    grouping_signals.main(['--runs', str(tmp_path/'runs'), '--out', str(out)])
    assert 'seed(s) [1, 2]: no run directory' in capsys.readouterr().out
    assert '| S_W cka | 2 | 0.85 ± 0.05 |' in (out/'signals.md').read_text()                   # mean and std of 0.8, 0.9
    assert [r['seed'] for r in json.loads((out/'signals.json').read_text())['S_W cka']] == [1, 2]
    import pytest
    with pytest.raises(SystemExit, match='no finished run'): grouping_signals.main(['--runs', str(tmp_path/'runs'), '--out', str(tmp_path/'empty')])

def test_step_budget_times_each_piece_of_a_group_step():
    import argparse, torch
    a = argparse.Namespace(size=16, depth=10, width=4, amp=None, channels_last=False, n_images=64)
    b = speed.step_budget(a, torch.device('cpu'), 16, n=3)
    assert len(b) == 5 and all(v > 0 for v in b.values())
    assert any('norm term' in k for k in b) and any('masks' in k for k in b)

def _front(seed, pts):
    return dict(seed=seed, points=[dict(name=n, target=R, avg=v, accuracy=acc) for n, R, v, acc in pts])

def test_frontier_findings_are_paired_by_seed():
    import frontier
    # hand-made: uniform_keep − DMO at 0.05 is +1.0 and +0.5 (mean 0.75, std 0.354); at 0.02 it is −0.2 and −0.4
    a = {'t1': 80., 't2': 99.}
    fronts = [_front(1, [('dmo', 0.05, 89.0, a), ('uniform_keep', 0.05, 90.0, a), ('dmo', 0.02, 87.0, {'t1': 70., 't2': 98.}),
                         ('uniform_keep', 0.02, 86.8, {'t1': 66., 't2': 99.})]),
              _front(2, [('dmo', 0.05, 89.5, a), ('uniform_keep', 0.05, 90.0, a), ('dmo', 0.02, 87.2, {'t1': 71., 't2': 98.}),
                         ('uniform_keep', 0.02, 86.8, {'t1': 67., 't2': 99.5})])]
    assert frontier._paired(fronts, 'uniform_keep', 0.05) == [1.0, 0.5]
    ab = [dict(seed=1, rows=[dict(name='dmo_distill', avg=90.0), dict(name='single_matched', avg=90.5)]),
          dict(seed=2, rows=[dict(name='dmo_distill', avg=90.3), dict(name='single_matched', avg=90.2)])]
    text = '\n'.join(frontier.findings(fronts, ab))
    assert 'at R = 0.05, uniform_keep ahead of DMO by 0.75 ± 0.35 (2 of 2 seeds)' in text
    assert 'at R = 0.02, DMO ahead of uniform_keep by 0.30 ± 0.14 (2 of 2 seeds)' in text
    assert 'single_matched ahead of dmo_distill by 0.20 ± 0.42 (1 of 2 seeds)' in text   # −0.5 and +0.1
    assert 'DMO − `uniform_keep`: t1 +4.00, t2 -1.25' in text   # (70−66 + 71−67)/2, (98−99 + 98−99.5)/2
    assert 'observations, not claims' in text and frontier.findings([], ab) == []

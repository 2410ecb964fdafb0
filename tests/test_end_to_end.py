"A small run end to end: the report contract, sparsity after fine-tuning, parameter accounting, artifact round trips, resume."
import json, numpy as np, pytest, torch
from pathlib import Path
from dmo_nb.pipeline import Config, Run, run, resolve, load_group, make_plan, plan_key
from dmo_nb.prune import count_params, load_sparse, magnitude_masks
from dmo_nb.models import prunable
from dmo_nb.single import task_net
from dmo_nb.report import load_report, REQUIRED_KEYS
from conftest import TINY

def _run_dir(out): return next(Path(out).glob('dmo-*'))

def test_report_contract(tiny_run):
    out, rep = tiny_run
    back = load_report(out)
    for k in REQUIRED_KEYS: assert k in back
    assert back['tasks'] == TINY['tasks']
    assert sorted(t for g in back['groups'] for t in g) == sorted(TINY['tasks'])
    assert set(back['similarity']) >= {'S_W', 'S_L', 'S'}
    assert set(back['accuracy']['single']) == set(back['accuracy']['dmo']) == set(TINY['tasks'])
    assert back['ratio'] == pytest.approx(back['params']['dmo'] / back['params']['single'])
    assert back['config']['alpha'] == 0.5 and back['config']['tau_sim'] == 0.5
    for k in ('table.md', 'figures/similarity.png', 'figures/task_graph.png', 'figures/difficulty_pruning.png', 'figures/accuracy_params.png'):
        assert (out/k).stat().st_size > 0, k

def _union_masks(out, rep):
    "Recompute each group's union of task masks from the single-task artifacts and the saved plan."
    r = Run(Config.from_dict(rep['config']))
    cfg, sc, arts = r.cfg, r.sc, r.single()
    init = r.init
    plan = json.loads((_run_dir(out)/'plan.json').read_text())
    by = {t.name: (t, a) for t, a in zip(sc.tasks, arts)}
    unions = []
    for g in plan['groups']:
        u = None
        for n in g:
            t, a = by[n]; m = task_net(t, init, cfg.depth, cfg.width); m.load_state_dict(a['state'])
            mk, _ = magnitude_masks(m, plan['keep_ratio'][n], cfg.min_layer_keep)
            u = mk if u is None else {k: u[k] | mk[k] for k in mk}
        unions.append(u)
    return unions

def test_pruned_weights_stay_zero_and_params_match_saved_model(tiny_run):
    out, rep = tiny_run
    rd = _run_dir(out)
    total = 0
    for gi, union in enumerate(_union_masks(out, rep)):
        net = load_group(rd/f'group_{gi}.pt')
        for k, p in prunable(net).items():
            assert (p[~union[k]] == 0).all(), f'group {gi}: pruned weights of {k} moved during fine-tuning'
            assert (p[union[k]] != 0).float().mean() > 0.95, 'kept weights should have trained values'
        pr = {id(p) for p in prunable(net).values()}
        nonzero = sum(int((p != 0).sum()) for p in net.parameters() if id(p) in pr)
        unpruned = sum(p.numel() for p in net.parameters() if id(p) not in pr)
        assert rep['params']['dmo_per_group'][gi] == nonzero + unpruned
        total += nonzero + unpruned
    assert rep['params']['dmo'] == total

def test_artifact_round_trips(tiny_run):
    out, rep = tiny_run
    rd = _run_dir(out)
    # single-task artifacts: load into the architecture they came from, same accuracy inputs
    cfg, sc = resolve(Config.from_dict(rep['config']))
    for t in sc.tasks:
        (p,) = (Path(out)/'single').glob(f'{t.name}-*.pt')
        a = torch.load(p, weights_only=True)
        init = torch.load(next((Path(out)/'single').glob('init-*.pt')), weights_only=True)
        m = task_net(t, init, cfg.depth, cfg.width); m.load_state_dict(a['state'])
        assert a['test_acc'] == rep['accuracy']['single'][t.name]
        assert len(a['sample_losses']) == len(t.x_train)
    # the plan re-made from the same inputs is the saved plan
    r = Run(cfg, sc)
    r.single()
    plan = make_plan(cfg, sc.names, **r.measure())
    saved = json.loads((rd/'plan.json').read_text())
    assert saved['groups'] == plan.groups and np.allclose(saved['similarity']['S'], plan.similarity['S'])
    assert rd.name == f'dmo-{plan_key(cfg, sc.names, plan)}'
    # sparse group files restore exact state dicts; the json beside them agrees
    for gp in sorted(rd.glob('group_*.pt')):
        st, meta = load_sparse(gp)
        net = load_group(gp)
        assert all(torch.equal(st[k], v) for k, v in net.state_dict().items())
        gj = json.loads(gp.with_suffix('.json').read_text())
        assert gj['params'] == count_params(net) and list(meta['heads']) == gj['tasks']
        assert gj['sparse_bytes'] == gp.stat().st_size
    # report.json: top-level copy equals the per-setting one
    assert load_report(out) == load_report(rd)

def test_rerun_reuses_and_resumes(tmp_path, capsys, monkeypatch):
    out = tmp_path/'r'
    cfg = Config(out=str(out), **{**TINY, 'tasks': ['digits', 'shapes', 'colors'], 'tau_sim': -1.0, 'quiet': False})
    # kill the run in the middle of the group stage
    import dmo_nb.carry as pl   # the group stage: where fine-tuning is called
    calls = {'n': 0}; real = pl.finetune_group
    def dying(*a, **k):
        calls['n'] += 1
        if calls['n'] == 1: return real(*a, **k)
        raise KeyboardInterrupt('killed')
    # tau_sim=-1 puts all tasks in one group: use 2 groups instead by a threshold between
    cfg.tau_sim = 0.999
    monkeypatch.setattr(pl, 'finetune_group', dying)
    with pytest.raises(KeyboardInterrupt): run(cfg)
    monkeypatch.setattr(pl, 'finetune_group', real)
    rd = _run_dir(out)
    assert (rd/'group_0.pt').exists() and not (rd/'group_1.pt').exists()
    assert not list(rd.glob('.*.tmp')), 'no temporary files may be left behind'
    capsys.readouterr()
    rep = run(cfg)
    log = capsys.readouterr().out
    assert 'reusing single-task artifacts for 3 task(s)' in log
    assert '[group 0] reusing finished group' in log and '[group 1] fine-tuning' in log
    assert len(rep['groups']) == 3
    # changing only tau reuses the single-task networks and writes a new setting next to the old one
    capsys.readouterr()
    cfg.tau = 0.5; run(cfg)
    assert 'reusing single-task artifacts for 3 task(s)' in capsys.readouterr().out
    assert len(list(out.glob('dmo-*'))) == 2

def test_killed_training_resumes_at_its_next_epoch(tmp_path, capsys, monkeypatch):
    "A kill inside a task's training keeps its finished epochs: the re-run resumes there and ends as an uninterrupted run."
    import dmo_nb.train as train
    settings = {**TINY, 'tasks': ['shapes', 'colors'], 'epochs': 3, 'ft_epochs': 2, 'checkpoint_s': 0, 'quiet': False}
    ref = run(Config(out=str(tmp_path/'ref'), **settings))
    real = train.Checkpoint.after_epoch
    def dying(self):
        real(self)
        if self.epoch == 1 and self.learn.model.tasks == ['colors']: raise KeyboardInterrupt('killed')
    monkeypatch.setattr(train.Checkpoint, 'after_epoch', dying)
    out = tmp_path/'r'
    with pytest.raises(KeyboardInterrupt): run(Config(out=str(out), **settings))
    monkeypatch.setattr(train.Checkpoint, 'after_epoch', real)
    cks = list((out/'single').glob('colors-*.ckpt'))
    assert len(cks) == 1 and torch.load(cks[0], weights_only=True)['epoch'] == 1
    assert not list((out/'single').glob('shapes-*.ckpt')), 'a finished task leaves no checkpoint'
    capsys.readouterr()
    rep = run(Config(out=str(out), **settings))
    log = capsys.readouterr().out
    assert '[single] colors: resuming from' in log and 'reusing single-task artifacts for 1 task(s): shapes' in log
    assert not list(out.rglob('*.ckpt')), 'checkpoints are deleted once their artifact is written'
    for name in ('shapes', 'colors'):
        a = torch.load(next((out/'single').glob(f'{name}-*.pt')), weights_only=True)
        b = torch.load(next((tmp_path/'ref'/'single').glob(f'{name}-*.pt')), weights_only=True)
        assert a['batch_losses'] == b['batch_losses'] and a['test_acc'] == b['test_acc']
        assert all(torch.equal(a['state'][k], v) for k, v in b['state'].items())
    assert rep['groups'] == ref['groups'] and rep['accuracy'] == ref['accuracy']

def test_independent_init(tmp_path, monkeypatch):
    "By default every task network starts from one initialisation; `independent_init` gives each its own."
    import dmo_nb.pipeline as pl
    starts = {}
    def spy(task, init, *a, **k):
        starts[task.name] = init['conv1.weight'].clone()
        raise KeyboardInterrupt  # the start is all this test needs
    import dmo_nb.runs
    monkeypatch.setattr(dmo_nb.runs, 'train_single', spy)
    for indep in (False, True):
        cfg, sc = resolve(Config(out=str(tmp_path/str(indep)), tasks=['digits', 'shapes'], n_train=32, n_test=8, width=8, quiet=True,
                                 independent_init=indep))
        r = Run(cfg, sc)
        for t in sc.names:
            with pytest.raises(KeyboardInterrupt): r.single([t])
        same = torch.equal(starts['digits'], starts['shapes'])
        assert same != indep

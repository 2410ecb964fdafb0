"The regrouping app, headless: widget values drive the plan, the budget and the figures; launches match the CLI."
import json, time, threading
from pathlib import Path
import numpy as np, pytest
from dmo_nb.pipeline import Config, run
from dmo_nb.core import open_manifest, atomic_write_json
from dmo_nb.widgets import regroup, RegroupApp

SMALL = dict(tasks=['digits', 'digits_noisy', 'shapes', 'colors'], n_train=160, n_test=80, epochs=2, ft_epochs=1,
             width=8, bs=32, quiet=True)

@pytest.fixture(scope='module')
def app_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp('app')
    run(Config(out=str(d), **SMALL))
    return d

def test_refuses_runs_without_single_stage(tmp_path):
    with pytest.raises(FileNotFoundError, match='config.json'): regroup(tmp_path)
    (tmp_path/'config.json').write_text(json.dumps(Config(out=str(tmp_path), **SMALL).to_dict()))
    with pytest.raises(ValueError, match='not a dmo_nb run directory'): regroup(tmp_path)   # a config.json alone is not a run
    run_dir = open_manifest(tmp_path/'run')   # a run directory whose single-task stage never ran
    (run_dir/'config.json').write_text(json.dumps(Config(out=str(run_dir), **SMALL).to_dict()))
    with pytest.raises(ValueError, match='config.json is not trusted'): regroup(run_dir)   # the manifest does not vouch for it
    atomic_write_json(Config(out=str(run_dir), **SMALL).to_dict(), run_dir/'config.json')
    with pytest.raises(FileNotFoundError, match='single-task networks missing'): regroup(run_dir)

def test_sliders_drive_plan_budget_and_figures(app_dir):
    app = regroup(app_dir)
    app.sliders['tau_sim'].value = -1.0
    assert app.current.groups == [SMALL['tasks']]
    assert 'τ_sim = -1.00: 1 group(s)' in app.view.ax_graph.get_title()
    one_group = app.projected()
    app.sliders['tau_sim'].value = 1.0
    assert len(app.current.groups) == 4 and '4 group(s)' in app.view.ax_graph.get_title()
    assert np.allclose(app.view.im.get_array(), app.current.similarity['S'])
    # separate networks cost more than one shared network at the same keep ratios
    assert app.projected()['total'] > one_group['total']
    assert '4 group(s)' in app.view.summary.value and 'projected #P' in app.view.summary.value
    # the known grouping of the built-in tasks (the digits together): its score, as a user choosing tau_sim sees it
    # all four apart, against a known {digits, digits_noisy}: no pair together in both, so ARI 0 by hand, and 0% kept
    assert 'adjusted Rand index <b>0.00</b>' in app.view.summary.value and 'kept together <b>0%</b>' in app.view.summary.value
    # tau moves keep ratios (and only them): harder tasks keep more, a larger tau keeps less
    k1 = dict(app.current.keep_ratio); app.sliders['tau'].value = 4.0; k2 = app.current.keep_ratio
    assert all(k2[t] <= k1[t] for t in k1) and app.projected()['total'] < one_group['total'] * 4
    assert len(app.current.groups) == 4
    # alpha recombines S: at alpha=1 S is S_W
    app.sliders['alpha'].value = 1.0
    assert np.allclose(app.current.similarity['S'], app.current.similarity['S_W'])
    # the difficulty / keep table shows every task
    for t in SMALL['tasks']: assert f'<td>{t}</td>' in app.view.table.value

def test_typed_values(app_dir):
    app = regroup(app_dir, figures=False)
    for box, slider, bad in ((app.boxes['alpha'], app.sliders['alpha'], -0.5), (app.boxes['tau_sim'], app.sliders['tau_sim'], 2.0), (app.boxes['tau'], app.sliders['tau'], 0.0)):
        before = slider.value; box.value = bad
        assert 'outside' in app.view.msg.value and slider.value == before and box.value == round(before, 4)
    app.boxes['tau_sim'].value = 0.3
    assert app.sliders['tau_sim'].value == 0.3 and app.view.msg.value == ''

def test_launch_matches_cli_and_keeps_history(app_dir, tmp_path):
    app = regroup(app_dir, figures=False)
    app.sliders['tau_sim'].value = 0.3; app.sliders['tau'].value = 2.0
    app.apply()
    applied = json.loads((app_dir/'applied_plan.json').read_text())
    assert applied['applied_settings'] == dict(alpha=0.5, tau_sim=0.3, tau=2.0) and applied['groups'] == app.current.groups
    rep = app.launch(background=False)
    cli = run(Config(out=str(tmp_path/'cli'), **SMALL, tau_sim=0.3, tau=2.0))
    assert rep['groups'] == cli['groups'] and rep['accuracy'] == cli['accuracy'] and rep['params'] == cli['params']
    # the projection is close to the count after pruning (quantised ranks, no collapse guard)
    assert abs(app.projected()['total'] - rep['params']['dmo']) <= 0.03 * rep['params']['dmo']
    app.sliders['tau'].value = 0.5; app.launch(background=False)
    assert len(app.results) == 2 and 'tau=2' in app.view.history.value and 'tau=0.5' in app.view.history.value
    assert app.view.history.value.count('<tr>') == 4   # header, single-task, two launches

def test_stop_and_resume(tmp_path):
    run(Config(out=str(tmp_path), **{**SMALL, 'ft_epochs': 3}))
    app = regroup(tmp_path, figures=False)
    app.sliders['tau_sim'].value = 1.0; app.sliders['tau'].value = 0.3   # four groups, a fresh plan
    app.launch()
    deadline = time.time() + 60
    while app.view.progress.value < 2 and time.time() < deadline: time.sleep(0.01)
    app.stop(); app.launcher.thread.join(60)
    assert 'stopped' in app.view.status.value and not app.results
    app.launch(background=False)
    assert len(app.results) == 1 and app.view.status.value.startswith('done')

def test_opens_from_what_the_run_kept_without_reading_a_network(app_dir, monkeypatch):
    "The run kept the app's inputs when it planned: opening reads that file only, and the same plan comes out."
    import dmo_nb.widgets as wmod
    kept = list((app_dir/'regroup').glob('inputs-*.pt'))
    assert len(kept) == 1
    ref = regroup(app_dir, figures=False).plan()
    def no_networks(*a, **k): raise AssertionError('the app read the single-task networks to open')
    monkeypatch.setattr(wmod.Run, 'single', no_networks)
    app = regroup(app_dir, figures=False)
    assert app.plan() == ref and app.state._run is None   # nor the scenario's data
    with pytest.raises(AssertionError, match='to open'): app.state.single()   # a launch is what reads them
    # a run from before the inputs were kept: the first opening measures them once and keeps them
    monkeypatch.undo(); kept[0].unlink()
    assert regroup(app_dir, figures=False).plan() == ref and len(list((app_dir/'regroup').glob('inputs-*.pt'))) == 1

def test_opens_from_a_copy_of_the_kept_inputs_alone(app_dir, tmp_path, monkeypatch):
    "config.json, the manifest and regroup/ are a whole app (as the tutorial's committed 15-task run); a launch says what is missing."
    import sys
    import dmo_nb.config as cmod
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))
    from keep_inputs import keep   # what wrote results/split15/regroup_seed0
    d = tmp_path/'kept'
    keep(app_dir, d)
    assert sorted(p.relative_to(d).as_posix() for p in d.rglob('*') if p.is_file() and not p.name.startswith('.')) == \
        ['config.json', 'manifest.json', f'regroup/{next((app_dir/"regroup").glob("inputs-*.pt")).name}']
    ref = regroup(app_dir, figures=False)
    def no_data(*a, **k): raise AssertionError('the app read the data to open')
    monkeypatch.setattr(cmod, 'build_scenario', no_data)
    app = regroup(d, figures=False)
    assert app.plan() == ref.plan() and app.projected() == ref.projected()
    assert app.view.summary.value == ref.view.summary.value and 'adjusted Rand index' in app.view.summary.value
    monkeypatch.undo()
    app.launch(background=False)
    assert 'single-task networks missing' in app.view.status.value and not app.results
    # a damaged inputs file is set aside, and then the copy is what it is: no networks to measure from
    f, = (d/'regroup').glob('inputs-*.pt')
    f.write_bytes(f.read_bytes()[:-8])
    with pytest.warns(UserWarning, match='recomputing it'), pytest.raises(FileNotFoundError, match='single-task networks missing'):
        regroup(d, figures=False)

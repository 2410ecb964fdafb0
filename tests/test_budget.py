"""DMO for the size asked (`dmo_budget`), held-out data and the frontier's grouping rows, from the command line, on tiny
runs of the built-in scenario and of `.npz` tasks (a few minutes on 2 cores)."""
import dataclasses, json, subprocess, sys
from pathlib import Path
import numpy as np, pytest
from dmo_nb.cli import main
from dmo_nb.core import load_json
from dmo_nb.config import Config, config_key
from dmo_nb.datasets import get_scenario

ROOT = Path(__file__).resolve().parents[1]
ALL = ['dmo', 'one_group', 'singletons', 'sparse_hard', 'uniform_keep', 'dmo_budget']
RECIPE = ['--epochs', '1', '--ft-epochs', '1', '--width', '4', '--bs', '32', '--quiet']
TINY = ['--n-train', '96', '--n-test', '64'] + RECIPE

def _npz_tasks(tmp:Path)->list:
    "Three `.npz` tasks made of the built-in scenario's images, as a user's files would hold them (N, H, W, C)."
    sc = get_scenario('synthetic', n_train=96, n_test=64, tasks=['digits', 'shapes', 'colors'], size=16)
    out = []
    for t in sc.tasks:
        p = tmp/f'{t.name}.npz'
        np.savez(p, x_train=t.x_train.permute(0, 2, 3, 1).numpy(), y_train=t.y_train.numpy(),
                 x_test=t.x_test.permute(0, 2, 3, 1).numpy(), y_test=t.y_test.numpy())
        out.append(f'npz:{t.name}={p}')
    return out


@pytest.fixture(scope='module')
def npz_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('budget')
    d = tmp/'run'
    assert main(['run', '--out', str(d), '--scenario', 'custom', '--tasks', *_npz_tasks(tmp), '--size', '16'] + RECIPE) == 0
    return d

def test_frontier_gives_every_row_on_npz_tasks(npz_run):
    assert main(['frontier', '--out', str(npz_run), '--ratios', '0.25', '--no-matched', '--rows', *ALL]) == 0
    fr = load_json(npz_run/'frontier.json')
    by = {p['name']: p for p in fr['points']}
    assert set(by) == set(ALL), sorted(by)
    for n in ('dmo', 'singletons', 'dmo_budget', 'uniform_keep'):   # one group cannot always grow to a budget
        assert abs(by[n]['ratio'] - 0.25) <= 0.01 * 0.25, (n, by[n]['ratio'])
    assert by['one_group']['groups'] == [['digits', 'shapes', 'colors']]
    assert by['singletons']['groups'] == [['digits'], ['shapes'], ['colors']]
    s = by['dmo_budget']['selection']
    names = {c['name'] for c in s['candidates']}
    assert s['chosen']['name'] in names and set(s['rounds'][0]['scores']) == names   # every candidate scored
    assert all(0 <= v <= 100 for r in s['rounds'] for v in r['scores'].values())
    assert s['cost']['epochs'] == sum(r['epochs'] * len(r['scores']) for r in s['rounds'])
    assert s['holdout'] == {'digits': 19, 'shapes': 19, 'colors': 19}   # a fifth of 96
    # the chosen configuration trains in the main run: the row's groups are the choice's
    assert by['dmo_budget']['groups'] == s['chosen']['groups']

def test_a_second_call_reuses_and_another_file_is_taken_not_trained(npz_run, tmp_path, refused):
    before = sorted(p.name for p in npz_run.rglob('*.pt'))
    assert main(['frontier', '--out', str(npz_run), '--ratios', '0.25', '--no-matched', '--rows', *ALL]) == 0
    assert sorted(p.name for p in npz_run.rglob('*.pt')) == before
    # a copy of the points offered to a fresh copy of the run (no group networks): nothing is fine-tuned again
    import shutil
    other = tmp_path/'copy'
    shutil.copytree(npz_run, other)
    for f in other.glob('dmo-*'): shutil.rmtree(f)
    shutil.rmtree(other/'ablate', ignore_errors=True)
    (other/'frontier.json').rename(tmp_path/'points.json')
    assert main(['frontier', '--out', str(other), '--ratios', '0.25', '--no-matched', '--rows', 'dmo', 'one_group',
                 '--reuse', str(tmp_path/'points.json')]) == 0
    assert not list(other.glob('dmo-*/group_*.pt'))   # nothing trained
    got = load_json(other/'frontier.json')
    assert {p['name'] for p in got['points']} == set(ALL)   # the other rows are kept too
    # a file of another seed is refused in one line, before anything changes
    bad = json.loads((tmp_path/'points.json').read_text())
    bad['seed'] = 7
    (tmp_path/'seed7.json').write_text(json.dumps(bad))
    table = (other/'frontier.json').read_bytes()
    refused(['frontier', '--out', other, '--ratios', '0.1', '--reuse', tmp_path/'seed7.json'], 'another seed')
    bad = json.loads((tmp_path/'points.json').read_text())
    bad['points'][0]['accuracy'] = {'digits': 1e9}
    (tmp_path/'forged.json').write_text(json.dumps(bad))
    refused(['frontier', '--out', other, '--ratios', '0.1', '--reuse', tmp_path/'forged.json'], 'percentage')
    refused(['frontier', '--out', other, '--ratios', '0.1', '--min-layer-keep', '2'], '`min_layer_keep`')
    assert (other/'frontier.json').read_bytes() == table

def test_run_can_ask_for_the_budget_choice(tmp_path):
    d = tmp_path/'run'
    assert main(['run', '--out', str(d), '--tasks', 'digits', 'shapes', 'colors', '--ratio', '0.3', '--select', '20']
                + TINY) == 0
    rep = load_json(d/'report.json')
    s = rep['selection']
    assert s['chosen']['groups'] == rep['groups'] and s['holdout'] == {'digits': 19, 'shapes': 19, 'colors': 19}
    assert abs(rep['ratio'] - 0.3) <= 0.01 * 0.3

def test_selection_settings_are_checked_in_one_line(tmp_path, refused):
    new = tmp_path/'new'
    refused(['run', '--out', new, '--select', '100'] + TINY, '`select` chooses the grouping for a budget')
    refused(['run', '--out', new, '--ratio', '0.3', '--select', '0'] + TINY, '`select`')
    refused(['run', '--out', new, '--holdout', '-3'] + TINY, '`holdout`')
    refused(['run', '--out', new, '--ratio', '0.3', '--select', '9', '--holdout', '9'] + TINY, 'exclude each other')
    assert not new.exists()

def test_selection_settings_enter_no_key_and_holdout_every_network_key():
    c = Config(seed=3)
    for a in ('init', 'single', 'similarity', 'plan', 'group', 'baseline'):
        assert config_key(dataclasses.replace(c, select=500), a) == config_key(c, a)
    for a in ('single', 'group', 'baseline'):
        assert config_key(dataclasses.replace(c, holdout=500), a)['holdout'] == 500
    assert config_key(dataclasses.replace(c, holdout=500), 'init') == config_key(c, 'init')   # one shared start

def _front(seed, pts):
    return dict(seed=seed, tasks=['a', 'b'], points=[dict(name=n, target=R, avg=v, ratio=R, accuracy={'a': v, 'b': v},
                                                          params=1, **extra) for n, R, v, extra in pts])

def test_budget_write_up_is_paired_and_its_regret_hand_computed():
    sys.path.insert(0, str(ROOT/'benchmarks'))
    import budget as b
    sel = dict(selection=dict(chosen=dict(name='a+b uniform'), candidates=[1, 2, 3], cost=dict(epochs=9, finetune_s=12.,
                                                                                                  single_s=30.)))
    f0 = _front(0, [('dmo', .05, 80, {}), ('uniform_keep', .05, 81, {}), ('sparse_hard', .05, 83, {}),
                    ('one_group', .05, 82, {}), ('dmo_budget', .05, 82.5, sel)])
    f1 = _front(1, [('dmo', .05, 70, {}), ('uniform_keep', .05, 71, {}), ('sparse_hard', .05, 72, {}),
                    ('one_group', .05, 74, {}), ('dmo_budget', .05, 74, sel)])
    reg = b.regret([f0, f1])
    assert [(r['seed'], r['regret'], r['best']) for r in reg[.05]] == [(0, 0.5, 'sparse_hard'), (1, 0.0, 'one_group')]
    lines = b.standing([f0, f1])
    # dmo_budget − sparse_hard: −0.5 and +2 -> +0.75 ± 1.77, ahead on 1 of 2 seeds
    assert 'dmo_budget ahead of sparse_hard by 0.75 ± 1.77 (1 of 2 seeds)' in lines[0], lines[0]
    assert 'dmo_budget ahead of dmo by 3.25 ± 1.06 (2 of 2 seeds)' in lines[0], lines[0]
    assert '| 0 | 0.05 | a+b uniform | 3 | 9 | 12 | 30 |' in b.choices([f0])
    sel['selection']['chosen']['name'] = 'a|b uniform'
    assert '| 0 | 0.05 | a\\|b uniform |' in b.choices([f0])[2], b.choices([f0])
    # the default budget's rows join as points at DMO's own ratio
    ab = dict(config=dict(tau=1.0), rows=[dict(name='dmo', ratio=0.1412, avg=90., accuracy={'a': 90., 'b': 90.}, params=9),
                                          dict(name='single', ratio=1., avg=89., accuracy={'a': 89., 'b': 89.}, params=60)])
    got = b.with_default(f0, ab)
    assert [(p['name'], p['target']) for p in got['points'] if p.get('default')] == [('dmo', 0.14)]

def test_gradual_pruning_is_a_row_of_its_own_at_the_same_size(npz_run):
    c = Config(seed=3)
    assert 'prune_schedule' not in config_key(c, 'group')   # every committed key stays as it is
    assert config_key(dataclasses.replace(c, prune_schedule='gradual'), 'group')['prune_schedule'] == 'gradual'
    for how in ('oneshot', 'gradual'):   # the one-shot points are kept from the first test when it ran
        assert main(['frontier', '--out', str(npz_run), '--ratios', '0.25', '--no-matched', '--rows', 'dmo', 'sparse_hard',
                     '--prune-schedule', how]) == 0
    by = {p['name']: p for p in load_json(npz_run/'frontier.json')['points']}
    for n in ('dmo', 'sparse_hard'):
        g, o = by[f'{n}:gradual'], by[n]
        assert abs(g['params'] - o['params']) <= 0.002 * o['params'], (n, g['params'], o['params'])   # the same #P
    assert 'dmo:gradual' in load_json(npz_run/'frontier.json')['rows']

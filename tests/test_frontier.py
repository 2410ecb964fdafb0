"""A budget by size, distillation and the frontier, from the command line, on a tiny run (under a minute on 2 cores)."""
import json
import pytest
from dmo_nb.cli import main
from dmo_nb.core import load_json

TINY = ['--tasks', 'digits', 'shapes', 'colors', '--n-train', '96', '--n-test', '64', '--epochs', '1', '--ft-epochs', '1',
        '--width', '4', '--bs', '32', '--quiet']

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp('frontier')/'run'
    assert main(['run', '--out', str(d)] + TINY) == 0
    return d

def _one_line(capsys, args, says):
    assert main([str(a) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith('dmo_nb: error:') and says in err, err

def test_run_with_a_ratio_hits_it_and_names_tau(tiny, tmp_path):
    assert main(['run', '--out', str(tiny), '--ratio', '0.3'] + TINY) == 0
    rep = load_json(tiny/'report.json')
    assert abs(rep['ratio'] - 0.3) <= 0.01 * 0.3, rep['ratio']
    assert rep['budget']['ratio'] == 0.3 and rep['budget']['tau'] != 1.0 and rep['config']['ratio'] == 0.3

def test_bad_ratios_get_one_line_before_any_work(tiny, tmp_path, capsys):
    for r in ('0', '1.5', '-1'):
        _one_line(capsys, ['run', '--out', tmp_path/'new', '--ratio', r] + TINY, '`ratio` must be a number in (0, 1]')
    _one_line(capsys, ['run', '--out', tmp_path/'new', '--ratio', '0.0001'] + TINY, 'unpruned tensors')
    assert not (tmp_path/'new').exists()
    _one_line(capsys, ['frontier', '--out', tiny, '--ratios', '0.2', '0'], '`ratios` must be a number in (0, 1]')
    _one_line(capsys, ['frontier', '--out', tiny, '--ratios', '0.0001'], 'unpruned tensors')
    _one_line(capsys, ['frontier', '--out', tiny, '--rows', 'dmo', 'nope'], "unknown frontier row(s) ['nope']")
    _one_line(capsys, ['run', '--out', tmp_path/'new', '--distill-temp', '2'] + TINY, '`distill_temp` applies with `distill`')

def test_frontier_gives_every_row_and_resumes(tiny):
    assert main(['frontier', '--out', str(tiny), '--ratios', '0.4', '0.25']) == 0
    fr = load_json(tiny/'frontier.json')
    got = {(p['name'], p['target']) for p in fr['points']}
    assert got == {(n, r) for n in ('dmo', 'uniform_keep', 'sparse_hard', 'dmo_distill') for r in (0.4, 0.25)}
    for p in fr['points']:
        if p['name'] == 'dmo': assert abs(p['ratio'] - p['target']) <= 0.01 * p['target'], p
    assert [x['name'] for x in fr['references']] == ['single', 'single_matched']
    assert (tiny/'frontier.md').exists() and (tiny/'figures'/'frontier.png').exists()
    before = sorted(p.name for p in tiny.rglob('*.pt'))
    assert main(['frontier', '--out', str(tiny), '--ratios', '0.4', '0.25', '--rows', 'dmo', 'sparse_hard']) == 0
    assert sorted(p.name for p in tiny.rglob('*.pt')) == before   # nothing trained again

def test_distillation_enters_the_group_key_only_when_set(tiny):
    from dmo_nb.config import Config, config_key
    from dmo_nb.runs import run_config
    cfg = run_config(tiny)
    assert 'distill' not in config_key(cfg, 'group') and 'distill_temp' not in config_key(cfg, 'group')
    import dataclasses
    taught = dataclasses.replace(cfg, distill=0.5)
    assert config_key(taught, 'group')['distill'] == 0.5
    assert config_key(dataclasses.replace(taught, distill_temp=2.), 'group')['distill_temp'] == 2.

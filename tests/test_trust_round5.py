"""A refused command changes nothing in a finished run, and a follow-up command on a run keeps that run's settings."""
import hashlib
from pathlib import Path
import pytest
from dmo_nb.cli import main
from dmo_nb.core import load_json

TINY = ['--tasks', 'digits', 'shapes', '--n-train', '96', '--n-test', '64', '--epochs', '1', '--ft-epochs', '1',
        '--width', '4', '--bs', '32', '--quiet']

def _snapshot(d:Path)->dict:
    "Every file under `d` with its bytes' digest and modification time (the locks' own files say who held them last)."
    return {str(p.relative_to(d)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(d.rglob('*')) if p.is_file() and not p.name.endswith(('.lock', '.lock.json'))}

@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    d = tmp_path_factory.mktemp('round5')/'run'
    assert main(['run', '--out', str(d)] + TINY) == 0
    return d


def test_a_refused_setting_leaves_a_finished_run_byte_for_byte(finished, capsys, refused):
    before = _snapshot(finished)
    refused(['run', '--out', finished, '--ratio', '0.03'], 'keep-ratio floor `min_keep`')
    refused(['run', '--out', finished, '--min-keep', '0.9', '--ratio', '0.5'], 'keep-ratio floor `min_keep`')
    for t in ('1e-300', '1e200'):
        refused(['run', '--out', finished, '--distill', '0.5', '--distill-temp', t], '`distill_temp` must be')
    assert _snapshot(finished) == before
    # the run is still finished: the commands that read it still take it
    assert main(['frontier', '--out', str(finished), '--ratios', '0.03']) == 2
    assert 'holds no finished run' not in capsys.readouterr().err
    assert _snapshot(finished) == before   # `frontier` too checks every budget before training anything

def test_a_follow_up_command_keeps_the_runs_settings(finished, capsys):
    singles = sorted(p.name for p in (finished/'single').iterdir())
    assert main(['run', '--out', str(finished), '--ratio', '0.4']) == 0
    err = capsys.readouterr().err
    assert 'ratio None -> 0.4' in err and 'the single-task networks are reused' in err, err
    cfg = load_json(finished/'config.json')
    assert cfg['tasks'] == ['digits', 'shapes'] and cfg['n_train'] == 96 and cfg['ratio'] == 0.4
    assert sorted(p.name for p in (finished/'single').iterdir()) == singles   # nothing retrained
    rep = load_json(finished/'report.json')
    assert abs(rep['ratio'] - 0.4) <= 0.01 * 0.4

def test_the_comparison_figure_takes_any_number_of_methods():
    from dmo_nb.compare import plot_comparison, METHODS
    tasks = ['a', 'b']
    rows = {f'm{i}': dict(params=1000 * (i + 1), accuracy={'a': 50. + i, 'b': 60. + i}) for i in range(len(METHODS) + 7)}
    fig = plot_comparison(dict(scenario='toy', seed=0, tasks=tasks, rows=rows))
    assert len(fig.axes[0].get_legend().get_texts()) == len(rows) + len(tasks)

def test_a_png_is_predicted_without_a_third_party_warning(tmp_path):
    import warnings, numpy as np
    from PIL import Image
    from dmo_nb.datasets import open_image
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path/'x.png')
    a = open_image(str(tmp_path/'x.png'), 'x.png')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        import torch
        torch.from_numpy(a)   # what `dmo_nb predict` does with it: a read-only array would warn here
    assert a.flags.writeable

def test_an_edited_table_is_refused_alike_with_what_to_do(finished, capsys, refused):
    assert main(['ablate', '--out', str(finished), '--ablations', 'singletons']) == 0
    assert main(['frontier', '--out', str(finished), '--ratios', '0.4', '--rows', 'dmo', '--no-matched']) == 0
    capsys.readouterr()
    for cmd, name, what in (('ablate', 'ablation.json', 'build its rows again'),
                            ('frontier', 'frontier.json', 'build its points again')):
        p = finished/name
        p.write_text(p.read_text().replace('"seed": 0', '"seed": 0 '))   # one byte more: the manifest no longer vouches
        args = ['--ablations', 'singletons'] if cmd == 'ablate' else ['--ratios', '0.4', '--rows', 'dmo', '--no-matched']
        refused([cmd, '--out', finished] + args, what)

"Every bad input is refused with a message naming the argument and its range, before any work is done."
import numpy as np, pytest, torch
from dmo_nb.pipeline import Config, run
from dmo_nb.cli import main
from dmo_nb.measure import task_difficulty, mean_loss, combine_similarity, loss_similarity
from dmo_nb.group import group_tasks
from dmo_nb.prune import keep_ratio

CLI_CASES = [
    (['--alpha', '-0.1'], '`alpha` must be a number in [0, 1]'),
    (['--alpha', '1.01'], '`alpha` must be a number in [0, 1]'),
    (['--tau', '0'], '`tau` must be a finite number > 0'),
    (['--tau', '-1'], '`tau` must be a finite number > 0'),
    (['--tau-sim', '1.5'], '`tau_sim` must be a number in [-1, 1]'),
    (['--tau-sim', '-1.01'], '`tau_sim` must be a number in [-1, 1]'),
    (['--scenario', 'imagenet'], "unknown `scenario` 'imagenet'"),
    (['--tasks', 'digits', 'cats'], "unknown task(s) ['cats']"),
    (['--epochs', '0'], '`epochs` must be an integer >= 1'),
    (['--min-keep', '0'], '`min_keep` must be a number in (0, 1]'),
    (['--weight-mode', 'cosine'], '`weight_mode` must be one of'),
    (['--reading', 'median'], '`reading` must be one of'),
]

@pytest.mark.parametrize('args,msg', CLI_CASES)
def test_cli_refuses_before_work(tmp_path, capsys, args, msg):
    out = tmp_path/'run'
    assert main(['run', '--out', str(out), '--quiet'] + args) == 2
    err = capsys.readouterr().err
    assert msg in err and err.startswith('dmo_nb: error:'), err
    assert 'Traceback' not in err
    assert not out.exists(), 'nothing may be written (or trained) for a refused config'

def test_run_refuses_before_work(tmp_path):
    with pytest.raises(ValueError, match='alpha'): run(Config(out=str(tmp_path/'r'), alpha=float('nan')))
    assert not (tmp_path/'r').exists()

@pytest.mark.parametrize('bad', [float('nan'), float('inf'), -float('inf')])
def test_nonfinite_losses(bad):
    L = [np.array([1., 2.]), np.array([1., bad])]
    for f in (task_difficulty, mean_loss):
        with pytest.raises(ValueError, match=r'`losses\[1\]` holds 1 NaN or infinite'): f(L)
    with pytest.raises(ValueError, match=r'`curves\[1\]`'): loss_similarity(L)

@pytest.mark.parametrize('S,msg', [
    (np.ones((2, 3)), 'square'),
    (np.ones(3), 'square'),
    (np.array([[1, .2], [.3, 1]]), 'symmetric'),
    (np.array([[1, np.nan], [np.nan, 1]]), 'finite'),
    (np.array([[1, 2.], [2., 1]]), r'\[-1, 1\]'),
])
def test_bad_similarity(S, msg):
    with pytest.raises(ValueError, match=msg): group_tasks(S, 0.5)

def test_bad_scalars():
    with pytest.raises(ValueError, match=r'`tau_sim` must be a number in \[-1, 1\]'): group_tasks(np.eye(2), 2)
    with pytest.raises(ValueError, match='`tau` must be a finite number > 0'): keep_ratio(0.3, float('inf'))
    with pytest.raises(ValueError, match=r'`alpha` must be a number in \[0, 1\]'): combine_similarity(np.eye(2), np.eye(2), True)
    with pytest.raises(ValueError, match='square and of one shape'): combine_similarity(np.eye(2), np.eye(3), .5)

import os, warnings
import pytest, torch

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
warnings.filterwarnings('ignore', category=FutureWarning)

from dmo_nb.pipeline import Config, run

TINY = dict(tasks=['digits', 'digits_noisy', 'shapes', 'colors'], n_train=160, n_test=80, epochs=2, ft_epochs=2,
            width=8, bs=32, quiet=True, tau_sim=0.5)

@pytest.fixture(scope='session')
def tiny_run(tmp_path_factory):
    "One small end-to-end run shared by the tests that only read its artifacts."
    out = tmp_path_factory.mktemp('tiny')
    rep = run(Config(out=str(out), **TINY))
    return out, rep

@pytest.fixture
def refused(capsys):
    "`refused(args, says)`: the command line exits 2 with one line that starts `dmo_nb: error:` and contains `says`."
    from dmo_nb.cli import main
    def check(args, says):
        assert main([str(a) for a in args]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith('dmo_nb: error:') and says in err, err
    return check

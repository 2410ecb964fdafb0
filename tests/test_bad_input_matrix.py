"""The bad-input matrix: every case exits 2 before any work, with one line naming the culprit, and leaves an existing
run directory byte for byte as it was."""
import hashlib, shutil, zipfile
from pathlib import Path
import numpy as np, pytest
from dmo_nb.cli import main

def _digest(d:Path)->dict:
    return {p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob('*')) if p.is_file()}

@pytest.fixture(scope='module')
def run_dir(tiny_run, tmp_path_factory):
    "A copy of a finished run: the directory every bad call points at."
    d = tmp_path_factory.mktemp('matrix')/'run'; shutil.copytree(tiny_run[0], d); return d

def _check(run_dir, capsys, argv, culprit):
    before = _digest(run_dir)
    rc = main(argv[:1] + ['--out', str(run_dir), '--quiet'] + argv[1:])
    err = capsys.readouterr().err
    assert rc == 2, f'exit {rc}: {err}'
    assert err.startswith('dmo_nb: error:') and err.count('\n') == 1 and 'Traceback' not in err, err
    for c in ([culprit] if isinstance(culprit, str) else culprit): assert c in err, f'{c!r} not in {err!r}'
    assert _digest(run_dir) == before, 'a refused call changed the run directory'

SETTINGS = [   # (flags, what the message must name)
    (['--alpha', '-0.1'], ['`alpha` must be a number in [0, 1]', '--alpha']),
    (['--alpha', '1.01'], '--alpha'),
    (['--tau', '0'], ['`tau` must be a finite number > 0', '--tau']),
    (['--tau', '-1'], '--tau'),
    (['--tau-sim', '1.5'], ['[-1, 1]', '--tau-sim']),
    (['--tau-sim', '-1.01'], '--tau-sim'),
    (['--scenario', 'imagenet'], "unknown `scenario` 'imagenet'"),
    (['--tasks', 'digits', 'cats'], "unknown task(s) ['cats']"),
    (['--tasks', 'digits', 'digits'], ['distinct', '--tasks']),
    (['--epochs', '0'], ['`epochs` must be an integer >= 1', '--epochs']),
    (['--ft-epochs', '-1'], '--ft-epochs'),
    (['--min-keep', '0'], ['(0, 1]', '--min-keep']),
    (['--min-layer-keep', '2'], '--min-layer-keep'),
    (['--weight-mode', 'cosine'], ['`weight_mode` must be one of', '--weight-mode']),
    (['--reading', 'median'], '--reading'),
    (['--weighting', 'gradnorm'], '--weighting'),
    (['--schedule', 'step'], ['`schedule` must be one of', '--schedule']),
    (['--compile', 'fast'], '--compile'),
    (['--amp', 'fp8'], '--amp'),
    (['--seed', '-5'], ['`seed` must be an integer in [0, 2**32 - 1]', '--seed']),
    (['--seed', '4294967296'], '--seed'),
    (['--lr', '1e308'], ['`lr` must be a number in (0, 100]', '--lr']),
    (['--lr', '0'], '--lr'),
    (['--lr', 'nan'], '--lr'),
    (['--ft-lr', '-0.1'], '--ft-lr'),
    (['--wd', '-0.1'], '--wd'),
    (['--wd', '5'], '--wd'),
    (['--mom', '1'], ['`mom` must be in [0, 1)', '--mom']),
    (['--mom', '-0.5'], '--mom'),
    (['--reg', '-1'], '--reg'),
    (['--reg', 'inf'], '--reg'),
    (['--width', '0'], '--width'),
    (['--depth', '7'], '--depth'),
    (['--size', '4'], '--size'),
    (['--bs', '0'], '--bs'),
    (['--n-train', '0'], '--n-train'),
    (['--loss-points', '1'], '--loss-points'),
    (['--probe-per-task', '0'], '--probe-per-task'),
    (['--checkpoint-s', '-1'], '--checkpoint-s'),
    (['--device', 'tpu9'], '--device'),
    (['--n-train', '40', '--bs', '64', '--epochs', '1'], ['1 batch(es) (40 images, --bs 64, --epochs 1)', 'at least 2']),
    (['--n-train', '40', '--bs', '32', '--epochs', '1'], ['at least 2', '--bs', '--epochs']),
    (['--config', 'missing.json'], '--config missing.json'),
    (['--pretrained'], '`pretrained` needs the standard ResNet-18'),
]

@pytest.mark.parametrize('flags,culprit', SETTINGS, ids=[' '.join(f) for f, _ in SETTINGS])
def test_bad_setting(run_dir, capsys, flags, culprit):
    _check(run_dir, capsys, ['run'] + flags, culprit)

def test_bad_subcommand_values(run_dir, capsys):
    _check(run_dir, capsys, ['compare', '--methods', 'dmo', 'gradnorm'], "unknown method(s) ['gradnorm']")
    _check(run_dir, capsys, ['sweep', '--widths', '0'], '`widths` must be integers >= 1')
    _check(run_dir, capsys, ['sweep', '--depths', '12'], '`depths` must be from')

def _arrays(n=40, m=20, size=16):
    rng = np.random.default_rng(0)
    return dict(x_train=rng.integers(0, 256, (n, size, size), dtype=np.uint8), y_train=np.arange(n) % 4,
                x_test=rng.integers(0, 256, (m, size, size), dtype=np.uint8), y_test=np.arange(m) % 4)

def _npz(tmp, name, **over):
    a = {**_arrays(), **over}; p = tmp/f'{name}.npz'
    np.savez(p, **{k: v for k, v in a.items() if v is not None}); return p

def _nan_pixels():
    x = np.random.default_rng(0).random((40, 16, 16)).astype(np.float32); x[3, 2, 2] = np.nan; return x

DATA = {   # name -> (how the file is made, what the message must name)
    'nan_pixels': (lambda t: _npz(t, 'nan_pixels', x_train=_nan_pixels()), ['x_train', 'NaN or infinite']),
    'all_nan': (lambda t: _npz(t, 'all_nan', x_train=np.full((40, 16, 16), np.nan, np.float32)), ['x_train', '10,240 NaN']),
    'inf_pixels': (lambda t: _npz(t, 'inf_pixels', x_test=np.full((20, 16, 16), np.inf, np.float32)), ['x_test', 'NaN or infinite']),
    'float_out_of_range': (lambda t: _npz(t, 'float_out_of_range', x_train=np.full((40, 16, 16), 3., np.float32)), ['x_train', '[0, 1]']),
    'fractional_labels': (lambda t: _npz(t, 'fractional_labels', y_train=np.r_[3.5, 1.5, np.zeros(38)] ), ['y_train', 'whole-number', '3.5']),
    'negative_labels': (lambda t: _npz(t, 'negative_labels', y_test=-(np.arange(20) % 4)), ['y_test', '>= 0']),
    'string_labels': (lambda t: _npz(t, 'string_labels', y_train=np.array(['cat'] * 40)), ['y_train', 'integer labels']),
    'length_mismatch': (lambda t: _npz(t, 'length_mismatch', y_train=np.arange(39) % 4), ['x_train', '40 images', '39 labels']),
    'stray_label': (lambda t: _npz(t, 'stray_label', y_train=np.r_[1000, np.arange(39) % 4]), ['y_train', 'stray label', 'classes']),
    'test_label_beyond_classes': (lambda t: _npz(t, 'test_label_beyond_classes', y_test=np.r_[7, np.arange(19) % 4],
                                                 classes=np.array(['a', 'b', 'c', 'd'])), ['y_test', 'label 7', '4 classes']),
    'empty_split': (lambda t: _npz(t, 'empty_split', x_test=np.zeros((0, 16, 16), np.uint8), y_test=np.zeros(0, np.int64)), ['x_test', 'no images']),
    'missing_key': (lambda t: _npz(t, 'missing_key', y_test=None), ["'y_test' is missing", 'numpy.savez']),
    'bad_shape': (lambda t: _npz(t, 'bad_shape', x_train=np.zeros((40, 256), np.uint8)), ['x_train', 'shape']),
    'two_channels': (lambda t: _npz(t, 'two_channels', x_train=np.zeros((40, 2, 16, 16), np.uint8)), ['x_train', 'channels']),
    'truncated': (lambda t: (p := _npz(t, 'truncated'), p.write_bytes(p.read_bytes()[:300]))[0], ['truncated.npz', 'truncated or not a .npz']),
    'text_file': (lambda t: (p := t/'text_file.npz', p.write_text('x_train,y_train\n1,2\n'))[0], ['text_file.npz', 'never load it with allow_pickle']),
    'pickled_object': (lambda t: (p := t/'pickled.npz', np.save(open(p, 'wb'), np.array([{'a': 1}], dtype=object), allow_pickle=True))[0],
                       ['pickled.npz', 'never load it with allow_pickle']),
    'missing_file': (lambda t: t/'nowhere.npz', ['no such .npz file', 'nowhere.npz']),
}

@pytest.mark.parametrize('case', list(DATA))
def test_bad_custom_data(run_dir, tmp_path, capsys, case):
    make, culprit = DATA[case]
    path = make(tmp_path)
    culprit = ([str(path)] if case not in ('missing_file',) else []) + (culprit if isinstance(culprit, list) else [culprit])
    _check(run_dir, capsys, ['run', '--scenario', 'custom', '--tasks', f'npz:{path}', '--size', '16'], culprit)

def test_task_names_from_any_file_name(tmp_path):
    "A file name that is not an identifier becomes a safe task name; `npz:NAME=PATH` names the task outright."
    from dmo_nb.datasets import load_task, safe_task_name
    p = _npz(tmp_path, 'my task é')
    assert load_task(f'npz:{p}', size=16).name == 'my_task_e'
    assert load_task(f'npz:digits_b={p}', size=16).name == 'digits_b'
    assert safe_task_name('2024 scans (v2)') == 't_2024_scans_v2'

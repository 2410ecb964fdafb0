"A first run is safe: no file of the user's is deleted, failures speak in one line, one-class tasks are refused."
import json, os, shutil, subprocess, sys, warnings
from pathlib import Path
import numpy as np, pytest, torch
from dmo_nb.cli import main
from dmo_nb.core import verify, MANIFEST
from dmo_nb.datasets import task_from_arrays
from dmo_nb.pipeline import Config, run

EXE = Path(sys.executable).parent/'dmo_nb'
ARGS = ['--tasks', 'shapes', 'colors', '--n-train', '96', '--n-test', '32', '--epochs', '2', '--ft-epochs', '1', '--width', '4',
        '--bs', '32', '--quiet']
CFG = dict(tasks=['shapes', 'colors'], n_train=96, n_test=32, epochs=2, ft_epochs=1, width=4, bs=32, quiet=True)   # = ARGS

def _tree(d:Path)->dict:
    "Every file under `d` with its bytes."
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob('*')) if p.is_file()}

def _user_files(d:Path):
    d.mkdir(parents=True, exist_ok=True)
    (d/'.notes.v1.tmp').write_text('my notes'); (d/'sub').mkdir(exist_ok=True); (d/'sub'/'.draft.x.tmp').write_text('a draft')

# --- 2. no user file is ever deleted -------------------------------------------------------------------------------------

def test_a_folder_that_is_not_a_run_directory_is_refused(tmp_path, capsys):
    d = tmp_path/'mine'; _user_files(d); before = _tree(d)
    assert main(['run', '--out', str(d), *ARGS]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('dmo_nb: error: `out`') and 'not a dmo_nb run directory' in err[0], err
    assert _tree(d) == before   # nothing added, nothing removed, nothing changed
    for cmd in (['compare', '--methods', 'dmo'], ['run', '--stage', 'single']):
        assert main([*cmd, '--out', str(d), *ARGS]) == 2
    assert _tree(d) == before

def test_a_run_directory_keeps_files_it_did_not_write(tmp_path):
    d = tmp_path/'run'
    assert main(['run', '--out', str(d), *ARGS]) == 0
    _user_files(d); (d/'single'/'.mine.tmp').write_text('mine too')
    stale = next((d/'single').glob('*.pt')); half = stale.parent/f'.{stale.name}.abcd1234.dmo_nb.tmp'
    half.write_bytes(b'left by a killed write')
    assert main(['run', '--out', str(d), *ARGS, '--tau', '2']) == 0
    assert (d/'.notes.v1.tmp').read_text() == 'my notes' and (d/'sub'/'.draft.x.tmp').read_text() == 'a draft'
    assert (d/'single'/'.mine.tmp').read_text() == 'mine too'
    assert not half.exists()   # dmo_nb's own temporary file, in its own artifact folder, goes

# --- 3. failures speak in one line ---------------------------------------------------------------------------------------

def _short_writes(monkeypatch, after:int):
    "Make every torch artifact write after the first `after` fail as torch's zip writer fails on a full disk."
    import dmo_nb.core as core
    real, n = core.torch.save, [0]
    def save(obj, f, *a, **k):
        n[0] += 1
        if n[0] <= after: return real(obj, f, *a, **k)
        Path(f).write_bytes(b'PK\x03\x04 half')
        raise RuntimeError('[enforce fail at inline_container.cc:672] . unexpected pos 576 vs 534')
    monkeypatch.setattr(core.torch, 'save', save)

def _consistent(d:Path):
    "Every file the manifest lists proves itself, and no temporary file is left."
    files = json.loads((d/MANIFEST).read_text())['files']
    assert all(verify(d/f) == '' for f in files if (d/f).exists()), files
    assert not [p for p in d.rglob('*.tmp')], list(d.rglob('*.tmp'))

def test_a_full_disk_is_one_line_and_the_run_resumes(tmp_path, capsys, monkeypatch):
    ref = run(Config(out=str(tmp_path/'ref'), **CFG))
    d = tmp_path/'run'
    _short_writes(monkeypatch, after=2)   # the shared init and the first network are written, then the disk is full
    assert main(['run', '--out', str(d), *ARGS]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('dmo_nb: error: no space left to write ') and 'free on its file system' in err[0], err
    _consistent(d)
    monkeypatch.undo()
    assert main(['run', '--out', str(d), *ARGS]) == 0
    rep = json.loads((d/'report.json').read_text())
    assert rep['accuracy'] == ref['accuracy'] and rep['groups'] == ref['groups']

def _tmpfs(path:Path, size:str)->bool:
    path.mkdir(parents=True, exist_ok=True)
    try: return subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={size}', 'tmpfs', str(path)], capture_output=True).returncode == 0
    except OSError: return False

def test_a_real_full_disk(tmp_path):
    "On a 1 MiB tmpfs (where this process may mount one): one line, exit 1, no half file; the run finishes elsewhere."
    mnt = tmp_path/'small'
    if not _tmpfs(mnt, '1m'): pytest.skip('cannot mount a tmpfs here (needs root); the patched writer test covers the logic')
    try:
        r = subprocess.run([str(EXE), 'run', '--out', str(mnt/'run'), *ARGS[:-1], '--width', '16'], capture_output=True, text=True, timeout=600)
        assert r.returncode == 1, r.stderr[-2000:]
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and 'no space left to write' in lines[0] and str(mnt/'run') in lines[0], r.stderr[-2000:]
        assert 'Traceback' not in r.stderr
        _consistent(mnt/'run')
        shutil.copytree(mnt/'run', tmp_path/'moved')
    finally: subprocess.run(['umount', str(mnt)], capture_output=True)
    r = subprocess.run([str(EXE), 'run', '--out', str(tmp_path/'moved'), *ARGS[:-1], '--width', '16'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((tmp_path/'moved'/'report.json').read_text())['groups']

def test_a_warning_on_the_command_line_is_one_line(tmp_path):
    d = tmp_path/'run'
    assert main(['run', '--out', str(d), *ARGS]) == 0
    (d/MANIFEST).write_text(json.dumps(dict(format='dmo_nb.manifest/1'))[:-5])   # torn
    r = subprocess.run([str(EXE), 'run', '--out', str(d), *ARGS], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    warn = [l for l in r.stderr.splitlines() if l.strip()]
    assert warn and all(l.startswith('dmo_nb: warning: ') for l in warn), r.stderr[-2000:]
    assert 'is not used' in r.stderr and 'ok = ' not in r.stderr
    with pytest.warns(UserWarning, match='is not used'):   # from Python, an ordinary warning
        (d/MANIFEST).write_text('{"format": "dmo_nb.manif')
        run(Config(out=str(d), **CFG))

# --- 4. one-class tasks ----------------------------------------------------------------------------------------------

def _npz(path:Path, y_train, y_test=None):
    n, m = len(y_train), 40
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (n, 16, 16), dtype=np.uint8), y_train=np.asarray(y_train),
             x_test=rng.integers(0, 256, (m, 16, 16), dtype=np.uint8), y_test=np.asarray(y_test if y_test is not None else [0, 1] * (m // 2)))
    return path

def test_a_one_class_task_is_refused_before_any_work(tmp_path, capsys):
    f = _npz(tmp_path/'zeros.npz', [0] * 120, [0] * 40)
    out = tmp_path/'r'
    assert main(['run', '--scenario', 'custom', '--tasks', f'npz:{f}', 'synthetic:colors', '--size', '16', '--out', str(out), '--quiet']) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "task 'zeros'" in err[0] and '1 class' in err[0], err
    assert not out.exists()

def test_a_training_split_with_one_declared_class_is_refused():
    x = np.zeros((50, 8, 8), np.uint8)
    with pytest.raises(ValueError, match=r"task 'sorted': its training split holds only 1 of its 3 declared classes"):
        task_from_arrays('sorted', x, np.zeros(50, int), x, np.arange(50) % 3, classes=['a', 'b', 'c'])

def test_a_rare_class_warns_in_one_line(tmp_path):
    y = [0] * 199 + [1]
    f = _npz(tmp_path/'rare.npz', y)
    r = subprocess.run([str(EXE), 'run', '--scenario', 'custom', '--tasks', f'npz:{f}', 'synthetic:colors', '--size', '16',
                        '--out', str(tmp_path/'r'), '--epochs', '1', '--bs', '512'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and 'too few' not in r.stdout   # stops at the data check, after the data were read and warned about
    lines = r.stderr.strip().splitlines()
    assert "dmo_nb: warning: task 'rare': 1 class(es) have under 1% of the 200 training images: label 1 (1)" in lines, r.stderr

# --- 5. installs that give the same versions every time ---------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]

def _pins()->dict:
    from packaging.utils import canonicalize_name
    pins = {}
    for line in (ROOT/'constraints.txt').read_text().splitlines():
        if line.strip() and not line.startswith('#'):
            name, _, version = line.partition('==')
            assert version, f'constraints.txt: {line!r} is not an exact pin'
            pins[canonicalize_name(name)] = version.strip()
    return pins

def test_constraints_pin_every_requirement_within_its_range():
    import configparser
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    ini = configparser.ConfigParser(); ini.read(ROOT/'settings.ini')
    reqs = [Requirement(r) for k in ('requirements', 'dev_requirements') for r in ini['DEFAULT'][k].split()]
    pins = _pins()
    assert not [n for n in pins if n in ('dmo-nb', 'dmo_nb')], 'the package itself is not pinned'
    for r in reqs:
        name = canonicalize_name(r.name)
        assert name in pins, f'{r.name} is not pinned in constraints.txt'
        assert r.specifier.contains(pins[name], prereleases=True), f'{r.name}=={pins[name]} is outside settings.ini\'s {r.specifier}'

def test_both_readme_commands_and_ci_use_the_constraints():
    cmds = [l for l in (ROOT/'README.md').read_text().splitlines() if l.startswith('python3 -m venv .venv && ')]
    assert len(cmds) == 2 and all('pip install -c constraints.txt -e ' in c for c in cmds), cmds
    assert 'README.md' in (ROOT/'.ci'/'run').read_text()   # CI runs README command 2 as it is written
    assert 'constraints' not in (ROOT/'setup.py').read_text() and 'constraints' not in (ROOT/'settings.ini').read_text()

def test_this_environment_has_the_pinned_versions():
    "What README command 2 installed here is the pinned set (a package pinned but not installed is skipped: other platforms)."
    from importlib.metadata import distributions
    from packaging.utils import canonicalize_name
    from packaging.version import Version
    pins = _pins()
    have = {canonicalize_name(d.metadata['Name']): d.version for d in distributions()}
    wrong = {n: (have[n], v) for n, v in pins.items() if n in have and Version(have[n]).public != Version(v).public}
    assert not wrong, f'installed versions differ from constraints.txt (installed, pinned): {wrong}'

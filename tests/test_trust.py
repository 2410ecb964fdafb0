"A run directory can be shared without risk: no code runs from it, damaged files are never used, one writer at a time."
import hashlib, json, os, shutil, signal, subprocess, sys, time, warnings
from pathlib import Path
import pytest, torch
from dmo_nb.core import record, verify, ArtifactError, MANIFEST
from dmo_nb.pipeline import Config, run, load_group
from dmo_nb.cli import main
from dmo_nb.compare import compare, load_baseline
from dmo_nb.widgets import regroup
from conftest import TINY

EXE = Path(sys.executable).parent/'dmo_nb'
SMALL = dict(tasks=['digits', 'shapes', 'colors'], n_train=96, n_test=32, epochs=2, ft_epochs=1, width=4, bs=32, quiet=True, tau_sim=0.5)

class Payload:
    "A pickle that runs a shell command when it is loaded: what a hostile artifact would hold."
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (os.system, (f'touch {self.marker}',))

@pytest.fixture(scope='module')
def base(tmp_path_factory):
    "A finished small run with one baseline, copied by every test that plants something in it."
    d = tmp_path_factory.mktemp('trust')/'run'
    compare(Config(out=str(d), **SMALL), ['dmo', 'hard'])
    return d

def _copy(base, tmp_path):
    d = tmp_path/'run'; shutil.copytree(base, d); return d

def _kinds(d):
    "Every kind of torch artifact of a run directory, with the files a re-run then reads instead of reusing a result."
    g = next(d.glob('dmo-*'))
    single = next((d/'single').glob('digits-*.pt'))
    return {
        'init': (next((d/'single').glob('init-*.pt')), []),
        'single': (single, []),
        'single_ckpt': (single.with_suffix('.ckpt'), [single]),
        'group': (g/'group_0.pt', []),
        'group_ckpt': (g/'group_0.ckpt', [g/'group_0.pt', g/'group_0.json']),
        'baseline': (next((d/'compare').glob('hard-*.pt')), []),
        'baseline_ckpt': (next((d/'compare').glob('hard-*.pt')).with_suffix('.ckpt'),
                          [next((d/'compare').glob('hard-*.pt')), next((d/'compare').glob('hard-*.json'))]),
    }

def _plant(path, marker, forge, drop=()):
    "Write a payload as `path`; `forge` also enters it in the manifest, as an attacker who edits manifest.json would."
    for p in drop: p.unlink()
    torch.save({'state': Payload(marker), 'epoch': 0, 'n_epoch': 1}, path)
    if forge: record(path)

@pytest.mark.parametrize('forge', [False, True], ids=['planted', 'forged-manifest'])
@pytest.mark.parametrize('kind', ['init', 'single', 'single_ckpt', 'group', 'group_ckpt', 'baseline', 'baseline_ckpt'])
def test_no_code_runs_from_a_run_directory(base, tmp_path, capsys, kind, forge):
    d = _copy(base, tmp_path); marker = tmp_path/'pwned'
    path, drop = _kinds(d)[kind]
    _plant(path, marker, forge, drop)
    cfg_args = ['--config', str(d/'config.json'), '--out', str(d), '--quiet']
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        rc = main(['compare', '--methods', 'dmo', 'hard'] + cfg_args) if kind.startswith('baseline') else main(['run'] + cfg_args)
        err = capsys.readouterr().err
        if forge and kind in ('init', 'single'):   # a file the run must load is refused, naming it
            assert rc == 2 and path.name in err and 'refused' in err and 'Traceback' not in err, err
        else: assert rc == 0, err   # not trusted (or a checkpoint that fails to load): rebuilt, never loaded
        for open_it in (lambda: regroup(d, figures=False), lambda: load_group(next(d.glob('dmo-*'))/'group_0.pt')):
            try: open_it()
            except (ArtifactError, FileNotFoundError) as e: assert 'Traceback' not in str(e)
        if kind == 'baseline' and forge:
            with pytest.raises(ArtifactError, match=path.name): load_baseline(path, [], 10, 4)
    assert not marker.exists(), f'a planted {kind} file ran code'

def test_refused_file_is_named_in_one_line(base, tmp_path):
    d = _copy(base, tmp_path); path = _kinds(d)['group'][0]
    _plant(path, tmp_path/'pwned', forge=True)
    with pytest.raises(ArtifactError) as e: load_group(path)
    assert str(path) in str(e.value) and '\n' not in str(e.value) and not (tmp_path/'pwned').exists()

def _digest(d:Path)->dict:
    return {p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob('*')) if p.is_file()}

def test_damaged_artifacts_are_rebuilt_with_a_warning(base, tmp_path, capsys):
    d = _copy(base, tmp_path)
    g = next(d.glob('dmo-*'))
    gp, sp = g/'group_0.pt', next((d/'single').glob('digits-*.pt'))
    gp.write_bytes(gp.read_bytes()[:1000])           # truncated by a full disk
    (g/'group_1.json').write_text('{"tasks": ')      # a torn JSON
    before = json.loads((d/'report.json').read_text())
    with pytest.warns(UserWarning) as w: rep = run(Config.from_dict({**before['config'], 'out': str(d), 'quiet': True}))
    msgs = ' '.join(str(x.message) for x in w)
    assert 'group_0.pt is not used' in msgs and 'group_1.json is not used' in msgs and 'fine-tuning group' in msgs
    assert (g/'group_0.pt.rejected').exists()
    assert verify(gp) == '' and verify(g/'group_1.json') == ''
    assert rep['accuracy'] == before['accuracy'] and rep['params'] == before['params'], 'a rebuilt group equals the lost one'
    assert sp.exists() and verify(sp) == ''

def test_stale_tmp_files_are_removed_and_files_honour_the_umask(base, tmp_path):
    d = _copy(base, tmp_path)
    stale = [d/'single'/'.digits-x.pt.abc123.dmo_nb.tmp', d/'.report.json.zz.dmo_nb.tmp']   # killed writes of dmo_nb's own
    users = [d/'single'/'.notes.v1.tmp', d/'.report.json.zz.tmp']                              # not dmo_nb's: never touched
    for p in stale + users: p.write_bytes(b'half written')
    old = os.umask(0o077)
    try: run(Config.from_dict({**json.loads((d/'config.json').read_text()), 'out': str(d), 'quiet': True, 'tau': 0.7}))
    finally: os.umask(old)
    assert not any(p.exists() for p in stale) and not list(d.rglob('*.dmo_nb.tmp'))
    assert all(p.read_bytes() == b'half written' for p in users)
    assert (d/'report.json').stat().st_mode & 0o777 == 0o600
    run(Config.from_dict({**json.loads((d/'config.json').read_text()), 'out': str(d), 'quiet': True, 'tau': 0.8}))
    assert (d/'report.json').stat().st_mode & 0o777 == 0o666 & ~old

ENV = {**os.environ, 'OMP_NUM_THREADS': str(torch.get_num_threads())}   # subprocesses compute as this process does

def _dmo(*args): return subprocess.Popen([str(EXE), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)

def _argv(d, **over):
    s = {**SMALL, 'n_train': 480, 'epochs': 6, 'width': 8, **over}   # long enough for a second writer to arrive while it runs
    a = ['run', '--out', d, '--quiet']
    for k, v in s.items():
        if k == 'quiet': continue
        a += [f'--{k.replace("_", "-")}'] + (list(v) if isinstance(v, list) else [v])
    return a

def _wait_for_holder(d, proc, timeout=120):
    t0 = time.time()
    while not (d/'.lock.json').exists() or json.loads((d/'.lock.json').read_text())['pid'] != proc.pid:
        assert proc.poll() is None and time.time() - t0 < timeout, proc.stderr.read() if proc.poll() is not None else 'timeout'
        time.sleep(0.2)

def test_second_writer_exits_at_once_naming_the_holder(tmp_path):
    d = tmp_path/'run'
    first = _dmo(*_argv(d)); _wait_for_holder(d, first)
    t0 = time.time(); second = _dmo(*_argv(d, tau=0.5)); out, err = second.communicate(timeout=120)
    assert second.returncode == 2 and f'in use by pid {first.pid}' in err and 'host' in err and '--wait' in err, err
    assert first.wait(timeout=600) == 0, first.stderr.read()
    cfg, rep = json.loads((d/'config.json').read_text()), json.loads((d/'report.json').read_text())
    assert cfg == rep['config'] and cfg['tau'] == 1.0, 'config.json and report.json describe the one run that ran'

def test_waiting_writer_runs_after_the_holder(tmp_path):
    d = tmp_path/'run'
    first = _dmo(*_argv(d)); _wait_for_holder(d, first)
    second = _dmo(*_argv(d, tau=0.5), '--wait')
    assert first.wait(timeout=600) == 0 and second.wait(timeout=600) == 0, second.stderr.read()
    cfg, rep = json.loads((d/'config.json').read_text()), json.loads((d/'report.json').read_text())
    assert cfg == rep['config'] and cfg['tau'] == 0.5, 'the later run is the one both files describe'

KILL_DURING_SAVE = '''
import os, sys, time, pathlib
real = os.replace
def slow(src, dst, *a, **k):
    if str(dst).endswith('.pt') and 'shapes-' in str(dst):   # the save of the second task's network: hang before the rename
        pathlib.Path(sys.argv[1]).write_text('saving'); time.sleep(600)
    return real(src, dst, *a, **k)
os.replace = slow
from dmo_nb.cli import main
sys.exit(main(sys.argv[2:]))
'''

def test_kill_during_a_save_then_rerun(tiny_run, tmp_path):
    "kill -9 while an artifact is being written leaves a .tmp file; the re-run removes it and ends with the uninterrupted report."
    ref_out, ref = tiny_run
    d, ready = tmp_path/'run', tmp_path/'ready'
    argv = ['run', '--config', str(ref_out/'config.json'), '--out', str(d), '--quiet']
    p = subprocess.Popen([sys.executable, '-c', KILL_DURING_SAVE, str(ready), *argv], env=ENV)
    t0 = time.time()
    while not ready.exists():
        assert p.poll() is None and time.time() - t0 < 600; time.sleep(0.2)
    os.kill(p.pid, signal.SIGKILL); p.wait()
    assert list(d.rglob('.shapes-*.tmp')), 'the kill left the half-written file'
    r = subprocess.run([str(EXE), *argv], capture_output=True, text=True, timeout=900, env=ENV)
    assert r.returncode == 0, r.stderr
    assert not list(d.rglob('*.tmp'))
    rep = json.loads((d/'report.json').read_text())
    for k in ('groups', 'accuracy', 'params', 'keep_ratio', 'difficulty', 'ratio'): assert rep[k] == ref[k], k

@pytest.mark.parametrize('flag', ['--lr', '--ft-lr'])
def test_a_diverging_training_stops_and_saves_nothing_non_finite(tmp_path, capsys, flag):
    d = tmp_path/'run'
    rc = main(['run', '--out', str(d), '--quiet', '--tasks', 'shapes', 'colors', '--n-train', '96', '--n-test', '32', '--width', '4',
               '--bs', '32', '--epochs', '8', '--ft-epochs', '8', flag, '100'])
    err = capsys.readouterr().err
    # the loss or the weights go non-finite first, as the data fall: either way one line that names the flag
    assert rc == 2 and ('diverged' in err or 'non-finite weights' in err), err
    assert f'lower the learning rate ({flag})' in err and err.count('\n') == 1, err
    for p in d.rglob('*.pt'):   # whatever was saved is finite
        s = torch.load(p, weights_only=True)
        for v in (s.get('state') or s.get('dense') or s).values():
            if isinstance(v, torch.Tensor) and v.is_floating_point(): assert torch.isfinite(v).all(), p
    assert not list(d.glob('dmo-*/group_*.pt')) if flag == '--ft-lr' else not list((d/'single').glob('shapes-*.pt'))

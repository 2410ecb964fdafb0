"""Many processes, one run directory, on the CPU with gloo: `torchrun --nproc_per_node 2` equals one process, each rank
trains its share; fan-out pieces started side by side (as a Slurm array would) and a final run equal it too."""
import json, os, re, subprocess, sys
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent
TINY = ['--scenario', 'synthetic', '--tasks', 'digits', 'digits_noisy', 'shapes', 'colors', '--n-train', '200', '--n-test', '64',
        '--epochs', '2', '--ft-epochs', '2', '--width', '8', '--tau-sim', '0.75']
SAME = ('groups', 'keep_ratio', 'difficulty', 'similarity', 'params', 'ratio', 'bytes', 'pruning', 'accuracy')
ENV = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')   # one thread per process: the arithmetic of one process at one thread

def dmo(*args, out, torchrun=False, check=True):
    cmd = ([str(BIN/'torchrun'), '--standalone', '--nproc_per_node', '2', '-m', 'dmo_nb'] if torchrun else [str(BIN/'dmo_nb')])
    r = subprocess.run(cmd + list(args) + ['--out', str(out)], env=ENV, capture_output=True, text=True, timeout=600)
    if check: assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r

def report(d): return json.loads((Path(d)/'report.json').read_text())

@pytest.fixture(scope='module')
def one_process(tmp_path_factory):
    d = tmp_path_factory.mktemp('one')/'run'; dmo('run', *TINY, '--quiet', out=d); return d

def test_torchrun_two_processes_equal_one(one_process, tmp_path):
    r = dmo('run', *TINY, out=tmp_path/'run', torchrun=True)
    a, b = report(one_process), report(tmp_path/'run')
    for k in SAME: assert a[k] == b[k], k
    assert len(a['groups']) >= 2, a['groups']   # so both stages have work for both ranks
    trained = {rk: re.findall(rf'\[rank {rk}\] \[single\] training (\w+)', r.stdout) for rk in (0, 1)}
    assert sorted(trained[0] + trained[1]) == sorted(a['tasks']) and len(trained[0]) == len(trained[1]) == 2, trained   # about half each
    tuned = {rk: re.findall(rf'\[rank {rk}\] \[group (\d+)\] fine-tuning', r.stdout) for rk in (0, 1)}
    assert sorted(tuned[0] + tuned[1]) == [str(i) for i in range(len(a['groups']))] and tuned[0] and tuned[1], tuned
    # the same artifacts as one process, and the next launch reuses all of them
    files = lambda d: sorted(p.relative_to(d).as_posix() for p in Path(d).rglob('*') if p.is_file() and not p.name.startswith('.'))
    assert files(one_process) == files(tmp_path/'run')
    again = dmo('run', *TINY, out=tmp_path/'run', torchrun=True)
    assert 'training' not in again.stdout and 'fine-tuning' not in again.stdout, again.stdout[-2000:]
    assert report(tmp_path/'run')['accuracy'] == a['accuracy']

def test_fan_out_pieces_side_by_side_then_a_final_run(one_process, tmp_path):
    d = tmp_path/'run'
    def start(*a): return subprocess.Popen([str(BIN/'dmo_nb'), 'run', *TINY, *a, '--out', str(d), '--quiet'], env=ENV,
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # an array job of four, by index, plus a second job given the same task: it waits for the first, then reuses it
    jobs = [start('--stage', 'single', '--task', str(i)) for i in range(4)] + [start('--stage', 'single', '--task', 'digits')]
    outs = [j.communicate(timeout=600) for j in jobs]
    assert all(j.returncode == 0 for j in jobs), outs
    assert len(list((d/'single').glob('digits-*.pt'))) == 1
    jobs = [start('--stage', 'group', '--group', str(i)) for i in range(4)]   # sized for one group per task
    outs = [j.communicate(timeout=600) for j in jobs]
    assert all(j.returncode == 0 for j in jobs), outs
    final = dmo('run', *TINY, out=d)
    assert 'training' not in final.stdout and 'fine-tuning' not in final.stdout, final.stdout[-2000:]
    for k in SAME: assert report(d)[k] == report(one_process)[k], k

def test_pieces_refuse_bad_picks_before_any_work(tmp_path):
    for args, msg in ((['--stage', 'single', '--task', 'nope'], '`task` must be one of'),
                      (['--stage', 'single', '--task', '9'], '`task` must be an integer in [0, 3]'),
                      (['--task', 'digits'], 'give --stage single or --stage group too'),
                      (['--stage', 'group', '--task', 'digits'], 'with stage `single`'),
                      (['--stage', 'group'], 'single-task networks missing')):
        r = dmo('run', *TINY, *args, out=tmp_path/'r', check=False)
        assert r.returncode == 2 and msg in r.stderr and 'Traceback' not in r.stderr, (args, r.stderr)
    assert not list((tmp_path/'r').rglob('*.pt'))

def test_compare_refuses_a_multi_process_launch():
    env = dict(ENV, WORLD_SIZE='2', RANK='0')
    r = subprocess.run([sys.executable, '-c', "from dmo_nb.compare import one_process; one_process('compare')"], env=env,
                       capture_output=True, text=True)
    assert r.returncode != 0 and '`dmo_nb compare` runs in one process' in r.stderr, r.stderr[-1000:]

def test_a_killed_launch_resumes(tmp_path):
    "SIGKILL every rank while a network is between epochs: the next launch resumes it and reuses what was finished."
    import signal, time
    longer = [*TINY, '--epochs', '4', '--ft-epochs', '4']
    dmo('run', *longer, '--quiet', out=tmp_path/'ref')   # one process, uninterrupted
    d = tmp_path/'run'
    cmd = [str(BIN/'torchrun'), '--standalone', '--nproc_per_node', '2', '-m', 'dmo_nb', 'run', *longer,
           '--checkpoint-s', '0', '--out', str(d), '--quiet']
    p = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.time()
    while not list(d.rglob('*.ckpt')) and p.poll() is None and time.time() - t0 < 300: time.sleep(0.01)
    import psutil   # torchrun's workers are not in its process group: kill the whole tree, as a node failure would
    for q in psutil.Process(p.pid).children(recursive=True) + [psutil.Process(p.pid)]:
        try: q.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess: pass
    p.wait(); time.sleep(1)
    assert not (d/'report.json').exists(), 'the launch finished before it could be killed'
    r = dmo('run', *longer, out=d, torchrun=True)
    assert 'resuming from' in r.stdout, r.stdout[-2000:]   # the network in training goes on from its checkpoint
    for k in SAME: assert report(d)[k] == report(tmp_path/'ref')[k], k
    assert not list(d.rglob('*.ckpt')) and not list(d.rglob('.*.tmp'))

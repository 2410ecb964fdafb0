"""Many processes, one run directory, on the CPU with gloo: `torchrun --nproc_per_node 2` equals one process, each rank
trains its share; fan-out pieces started side by side (as a Slurm array would) and a final run equal it too."""
import dataclasses, json, os, re, subprocess, sys
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

@pytest.mark.parametrize('parallel', ['tasks', 'data'])
def test_a_killed_launch_resumes(tmp_path, parallel):
    "SIGKILL every rank while a network is between epochs: the next launch resumes it and reuses what was finished."
    import signal, time
    longer = [*TINY, '--epochs', '4', '--ft-epochs', '4', '--parallel', parallel]
    # uninterrupted: one process for task parallelism (the same arithmetic), the same launch for data parallelism
    dmo('run', *longer, '--quiet', out=tmp_path/'ref', torchrun=parallel == 'data')
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

DDP_SCRIPT = '''
import sys, torch
from fastai.callback.core import Callback
from dmo_nb.data import synthetic_task
from dmo_nb.distrib import init_distributed, rank
from dmo_nb.single import shared_init, task_net, single_learner, sample_losses, test_accuracy
from dmo_nb.train import Recipe, fit
init_distributed('cpu')
class Seen(Callback):
    "The size of every training batch this rank saw."
    def before_fit(self): self.sizes = []
    def after_batch(self):
        if self.training: self.sizes.append(len(self.yb[0]))
task = synthetic_task('digits', n_train=203, n_test=51)   # odd sizes: the ranks' shares differ by one image
torch.manual_seed(0)
seen = Seen()
learn = single_learner(task, task_net(task, shared_init(10, 8), 10, 8), Recipe(epochs=2, bs=32, lr=0.05, ddp=True, quiet=True), cbs=[seen])
fit(learn, 2, 0.05, quiet=True)
torch.save(dict(state=learn.model.state_dict(), sizes=seen.sizes, batch_losses=learn.batch_losses,
                losses=torch.from_numpy(sample_losses(learn, task)), acc=test_accuracy(learn, task)), f'{sys.argv[1]}/rank{rank()}.pt')
'''

def test_ddp_one_task_two_processes(tmp_path):
    "fastai's DDP under torchrun (gloo): each rank half of every batch, one network, and per-sample losses of every image once."
    import torch
    from dmo_nb.data import synthetic_task
    from dmo_nb.single import shared_init, task_net, single_learner, sample_losses, test_accuracy
    from dmo_nb.train import Recipe
    (tmp_path/'ddp.py').write_text(DDP_SCRIPT)
    r = subprocess.run([str(BIN/'torchrun'), '--standalone', '--nproc_per_node', '2', str(tmp_path/'ddp.py'), str(tmp_path)],
                       env=ENV, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    a, b = (torch.load(tmp_path/f'rank{i}.pt') for i in (0, 1))
    # the recipe's batch of 32 is shared: 16 images per rank per step, 203 // 2 // 16 = 6 steps an epoch on both ranks
    assert a['sizes'] == b['sizes'] == [16] * 12, (a['sizes'], b['sizes'])
    # the gradients were averaged: both ranks hold one network (batch-norm statistics included), one loss curve
    assert a['state'].keys() == b['state'].keys() and all(torch.equal(a['state'][k], b['state'][k]) for k in a['state'])
    assert a['batch_losses'] == b['batch_losses'] and len(a['batch_losses']) == 12
    # per-sample losses: one per training image, in order, gathered from both ranks' shares; one process scores the same
    task = synthetic_task('digits', n_train=203, n_test=51)
    net = task_net(task, shared_init(10, 8), 10, 8); net.load_state_dict(a['state'])
    learn = single_learner(task, net, Recipe(quiet=True))
    assert len(a['losses']) == 203 and torch.equal(a['losses'], b['losses'])
    assert torch.allclose(a['losses'], torch.from_numpy(sample_losses(learn, task)), atol=1e-5)
    assert a['acc'] == b['acc'] == test_accuracy(learn, task)

def test_data_parallel_run_of_the_pipeline(tmp_path):
    "`--parallel data`: every network trains on both ranks in turn; its per-sample losses cover every image once."
    import torch
    from dmo_nb.core import safe_load
    from dmo_nb.pipeline import Config, Run
    from dmo_nb.single import single_learner, sample_losses, test_accuracy
    d = tmp_path/'run'
    r = dmo('run', *TINY, '--parallel', 'data', out=d, torchrun=True)
    assert '[rank' not in r.stdout, r.stdout[-2000:]   # no rank trains alone; rank 0 speaks for both
    assert re.findall(r'\[single\] training (\w+)', r.stdout) == ['digits', 'digits_noisy', 'shapes', 'colors']
    rep = report(d)
    assert rep['config']['parallel'] == 'data' and len(rep['groups']) >= 2
    r = Run(Config(**{**rep['config'], 'out': str(d)}))
    cfg, sc = r.cfg, r.sc
    for t in sc.tasks:
        (f,) = (d/'single').glob(f'{t.name}-*.pt'); art = safe_load(f)
        learn = single_learner(t, r.net(t.name), dataclasses.replace(cfg.train_recipe(), quiet=True))
        assert len(art['sample_losses']) == len(t.x_train) == 200
        assert torch.allclose(art['sample_losses'], torch.from_numpy(sample_losses(learn, t)), atol=1e-5), t.name
        assert art['test_acc'] == test_accuracy(learn, t)
    (run_dir,) = d.glob('dmo-*')   # rank 0 wrote every group's network and result once
    assert sorted(p.name for p in run_dir.glob('group_*')) == sorted(f'group_{i}.{e}' for i in range(len(rep['groups'])) for e in ('json', 'pt'))
    again = dmo('run', *TINY, '--parallel', 'data', out=d, torchrun=True)
    assert 'training' not in again.stdout and 'fine-tuning' not in again.stdout, again.stdout[-2000:]
    assert report(d)['accuracy'] == rep['accuracy']
    bad = dmo('run', *TINY, '--parallel', 'data', '--bs', '33', out=tmp_path/'bad', torchrun=True, check=False)
    assert bad.returncode != 0 and '`bs` (33) must be a multiple of the 2 processes' in bad.stderr, bad.stderr[-2000:]

"""Images/s of dmo_nb's training stages next to the model-only ceiling, from one run on one device.

The ceiling is the same network, batch and image size on random tensors already on the device, trained by
a plain PyTorch loop (forward, loss, backward, SGD step): nothing any data pipeline or framework can beat.
Each stage row is dmo_nb's own code path (fastai Learner, whole-batch loaders, callbacks) on uint8 data
of the same shape, timed over `fit` alone. A full pipeline run on the same data gives each stage's wall time.

On a CUDA device one more row replays the whole plain-loop step from a CUDA graph: no launch costs host
time there, so it shows how far past the batch-64 launch bound the same network can go.

`ops/step` counts the tensor operations one training step dispatches (view operations excluded: they launch
no kernel), from data gathering and augmentation to the optimiser and callbacks. It is counted on the CPU, in fp32, with
the same network depth and options, so it does not depend on the device; at batch 64 a GPU is bound by
kernel launches, and a stage whose step dispatches more operations than the plain loop cannot reach its
images/s. The row with fastai's own SGD shows what dmo_nb's optimiser (`dmo_nb.train.sgd`) saves.

    python benchmarks/speed.py                          # on a GPU: ResNet-18, 72x72, batch 64 and 256
    python benchmarks/speed.py --device cpu             # on a CPU, in about 3 minutes: the CPU table, results/speed_cpu.md
    python benchmarks/speed.py --bs 64 --compile reduce-overhead   # also the stages compiled, forward/backward in CUDA graphs
    python benchmarks/speed.py --device cpu --size 16 --depth 10 --width 8 --n-images 256 --steps 5   # smoke test
"""
import argparse, json, sys, tempfile, time
from functools import partial
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode
from fastai.callback.core import Callback
from fastai.optimizer import SGD as FastaiSGD
from fastai.torch_core import trainable_params
from dmo_nb.data import Task, Scenario
from dmo_nb.models import resnet, MultiHeadNet, prunable
from dmo_nb.single import single_learner, task_net, shared_init
from dmo_nb.train import speed_cbs, COMPILE_MODES
from dmo_nb.prune import magnitude_masks
from dmo_nb.finetune import group_learner, Distill
from dmo_nb.joint import joint_learner
from dmo_nb.baselines import build_baseline
from dmo_nb.config import FASTEST
from dmo_nb.pipeline import Config, run
import dmo_nb.data as data_mod

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

class OpCount(TorchDispatchMode):
    "Count the tensor operations dispatched while active (views and allocations excluded: they launch no kernel)."
    SKIP = {'empty', 'empty_strided', 'empty_like', 'lift_fresh'}
    def __init__(self): super().__init__(); self.n = 0
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if not _is_view(func) and func.overloadpacket.__name__ not in self.SKIP: self.n += 1
        return func(*args, **(kwargs or {}))

def _is_view(func)->bool:
    "Whether an aten overload returns an alias of an input (from its schema where `is_view` is not there)."
    v = getattr(func, 'is_view', None)
    return v if v is not None else any(r.alias_info is not None and not r.alias_info.is_write for r in func._schema.returns)

class CountStep(Callback):
    "Count the operations of the third training step, from the end of the second (so data loading is included)."
    order = 100
    def before_fit(self): self.mode, self.learn.step_ops = None, None
    def after_batch(self):
        if not self.training: return
        if self.iter == 1: self.mode = OpCount(); self.mode.__enter__()
        elif self.iter == 2 and self.mode is not None: self.mode.__exit__(None, None, None); self.learn.step_ops = self.mode.n

def step_ops(make_learner):
    "Operations per training step of the learner `make_learner(device, n_images)` builds (counted on the CPU)."
    learn = make_learner(torch.device('cpu'), None); learn.add_cb(CountStep())
    with learn.no_logging(), learn.no_bar(): learn.fit(1, 0.01)
    return learn.step_ops

def ceiling(args, dev, bs, masks=False, count=False, compiled=False):
    "Plain-loop images/s on random device tensors (optionally re-applying masks after each step); `count`: ops/step."
    if count: dev = torch.device('cpu')
    torch.manual_seed(0)
    m = MultiHeadNet(resnet(args.depth, args.width), {'t': 10}).to(dev)
    if args.channels_last: m = m.to(memory_format=torch.channels_last)
    if compiled: m.compile()   # the first warm-up step compiles (not timed)
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4, foreach=True)   # as on CUDA by default
    x = torch.randn(bs, 3, args.size, args.size, device=dev); y = torch.randint(0, 10, (bs,), device=dev)
    if args.channels_last: x = x.contiguous(memory_format=torch.channels_last)
    ps = list(prunable(m).values()); ms = [(torch.rand_like(p) < 0.2).to(p.dtype) for p in ps]
    # counted without autocast, as the stages' counts are (their CUDA autocast does not act on the CPU)
    ac = torch.autocast(dev.type, dtype=torch.bfloat16) if args.amp == 'bf16' and not count else torch.autocast(dev.type, enabled=False)
    def step():
        with ac: loss = F.cross_entropy(m(x), y)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        if masks:
            with torch.no_grad(): torch._foreach_mul_(ps, ms)
    if count:
        step()   # the first step creates the momentum buffers
        with OpCount() as c: step()
        return c.n
    for _ in range(args.warmup): step()
    sync(dev); t0 = time.perf_counter()
    for _ in range(args.steps): step()
    sync(dev); return bs * args.steps / (time.perf_counter() - t0)

def graphed_ceiling(args, dev, bs):
    """Plain-loop images/s with the whole step (forward, loss, backward, SGD) captured once in a CUDA graph and replayed:
    what is left of a step when no kernel launch costs host time (None off CUDA, the error text if capture fails)."""
    if dev.type != 'cuda': return None
    try:
        torch.manual_seed(0)
        m = MultiHeadNet(resnet(args.depth, args.width), {'t': 10}).to(dev)
        if args.channels_last: m = m.to(memory_format=torch.channels_last)
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
        x = torch.randn(bs, 3, args.size, args.size, device=dev); y = torch.randint(0, 10, (bs,), device=dev)
        if args.channels_last: x = x.contiguous(memory_format=torch.channels_last)
        ac = lambda: torch.autocast('cuda', dtype=torch.bfloat16, cache_enabled=False, enabled=args.amp == 'bf16')
        def step():
            with ac(): loss = F.cross_entropy(m(x), y)
            loss.backward(); opt.step()
        s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):   # warm-up on a side stream, as capture requires
            for _ in range(3): opt.zero_grad(set_to_none=True); step()
        torch.cuda.current_stream().wait_stream(s)
        g = torch.cuda.CUDAGraph(); opt.zero_grad(set_to_none=True)
        with torch.cuda.graph(g): step()
        for _ in range(args.warmup): g.replay()
        sync(dev); t0 = time.perf_counter()
        for _ in range(args.steps): g.replay()
        sync(dev); return bs * args.steps / (time.perf_counter() - t0)
    except Exception as e: return f'{type(e).__name__}: {e}'[:120]

def fake_task(name, n, size, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=g); y = torch.randint(0, 10, (n,), generator=g)
    return Task(name, x, y, x[: max(1, n // 10)], y[: max(1, n // 10)], [str(i) for i in range(10)], pad=size // 16)

class TrainTime(Callback):
    "Wall time of the training phases of a fit (`learn.train_s`): the fit without its per-epoch validation pass."
    order = -100
    def before_fit(self): self.learn.train_s = 0.
    def before_train(self): sync(self.dls.device or torch.device('cpu')); self.t0 = time.perf_counter()
    def after_train(self): sync(self.dls.device or torch.device('cpu')); self.learn.train_s += time.perf_counter() - self.t0

def timed_fit(learn, epochs, dev):
    "Seconds of `learn.fit(epochs)` after a warm-up epoch, and of its training phases alone."
    learn.add_cb(TrainTime())
    with learn.no_logging(), learn.no_bar():
        learn.fit(1, 0.01)   # warm-up epoch: cuDNN autotuning, allocator
        sync(dev); t0 = time.perf_counter(); learn.fit(epochs, 0.01); sync(dev)
    return time.perf_counter() - t0, learn.train_s

def single_learner_of(args, bs, fastai_sgd=False, compile=None):
    "A function (device, n_images) -> the single-task stage's Learner (optionally with fastai's own SGD, or compiled)."
    def make(dev, n):
        t = fake_task('a', n or 4 * bs, args.size, 0)
        learn = single_learner(t, task_net(t, shared_init(args.depth, args.width), args.depth, args.width), bs=bs, device=dev,
                               amp=args.amp, channels_last=args.channels_last, compile=compile)
        if fastai_sgd: learn.opt_func, learn.splitter = partial(FastaiSGD, mom=0.9), trainable_params
        return learn
    return make

def group_learner_of(args, bs, compile=None, distill=False):
    """A function (device, n_images) -> the group stage's Learner: two tasks, 80% of the weights masked (optionally compiled,
    or taught by two dense task networks, `dmo_nb.finetune.Distill`)."""
    def make(dev, n):
        ts = [fake_task('a', n or 4 * bs, args.size, 0), fake_task('b', n or 4 * bs, args.size, 1)]
        g = MultiHeadNet(resnet(args.depth, args.width), {'a': 10, 'b': 10})
        masks, _ = magnitude_masks(g, keep=0.2)
        with torch.no_grad():
            for k, p in prunable(g).items(): p.mul_(masks[k])
        cbs = [Distill({t.name: MultiHeadNet(resnet(args.depth, args.width), {t.name: 10}) for t in ts}, 0.5)] if distill else []
        return group_learner(g, ts, masks, bs=bs, device=dev, amp=args.amp, channels_last=args.channels_last, compile=compile,
                             cbs=cbs)
    return make

def hard_learner_of(args, bs):
    "A function (device, n_images) -> the joint baselines' Learner: hard parameter sharing on two tasks (no masks, no norm term)."
    def make(dev, n):
        ts = [fake_task('a', n or 4 * bs, args.size, 0), fake_task('b', n or 4 * bs, args.size, 1)]
        return joint_learner(build_baseline('hard', ts, args.depth, args.width), ts, bs=bs, device=dev, amp=args.amp,
                             channels_last=args.channels_last)
    return make

def stacked_steps(args, T=3, bs=64, steps=10):
    """Images/s of T networks of one shape trained one after another (T steps), and in one step stacked with
    `torch.func.stack_module_state` and `vmap` (batch norm without running statistics, which `vmap` cannot update in
    place: an upper bound on what stacking gives)."""
    import copy
    from torch.func import stack_module_state, functional_call, vmap, grad, replace_all_batch_norm_modules_
    torch.manual_seed(0)
    nets = [MultiHeadNet(resnet(args.depth, args.width), {'t': 10}) for _ in range(T)]
    xs, ys = torch.randn(T, bs, 3, args.size, args.size), torch.randint(0, 10, (T, bs))
    opts = [torch.optim.SGD(n.parameters(), lr=0.01, momentum=0.9, foreach=True) for n in nets]
    def one_by_one():
        for n, o, x, y in zip(nets, opts, xs, ys):
            loss = F.cross_entropy(n(x), y); o.zero_grad(set_to_none=True); loss.backward(); o.step()
    snets = [copy.deepcopy(n) for n in nets]
    for n in snets: replace_all_batch_norm_modules_(n)
    params, buffers = stack_module_state(snets)
    base = copy.deepcopy(snets[0]).to('meta')
    g = vmap(grad(lambda p, b, x, y: F.cross_entropy(functional_call(base, (p, b), (x,)), y)))
    ps, mom = list(params.values()), [torch.zeros_like(p) for p in params.values()]
    def stacked():
        gr = g(params, buffers, xs, ys)
        torch._foreach_mul_(mom, 0.9); torch._foreach_add_(mom, [gr[k] for k in params])
        with torch.no_grad(): torch._foreach_add_(ps, mom, alpha=-0.01)
    out = {}
    for name, f in (('one after another', one_by_one), ('stacked (vmap)', stacked)):
        for _ in range(2): f()
        t0 = time.perf_counter()
        for _ in range(steps): f()
        out[name] = T * bs * steps / (time.perf_counter() - t0)
    return out

def step_budget(args, dev, bs, n=300):
    """Microseconds each piece of a group step costs beyond the network's own forward, backward and SGD (two tasks, 80% of
    the weights masked), each timed alone over `n` calls: where the stage loses to the plain loop."""
    learn = group_learner_of(args, bs)(dev, args.n_images)
    with learn.no_logging(), learn.no_bar(): learn.fit(1, 0.01)
    learn.training = True
    for p in learn.model.parameters(): p.grad = torch.randn_like(p)
    cbs = {type(c).__name__: c for c in learn.cbs}
    it = iter(learn.dls.train)
    def batch():
        nonlocal it
        try: return next(it)
        except StopIteration: it = iter(learn.dls.train); return next(it)
    b = batch(); xb, yb = b[:2], b[2:]
    with torch.no_grad(): pred = learn.model(*xb)
    learn.xb, learn.yb, learn.loss = xb, yb, learn.loss_func(pred, *yb)
    def us(f):
        for _ in range(10): f()
        sync(dev); t0 = time.perf_counter()
        for _ in range(n): f()
        sync(dev); return (time.perf_counter() - t0) / n * 1e6
    return {'a batch of each task (gather, crop, normalise, channels-last)': us(batch),
            'the loss (cross-entropy per task, summed)': us(lambda: learn.loss_func(pred, *yb)),
            'the norm term (Eq. 5, `NormPenalty`)': us(lambda: cbs['NormPenalty']('before_step')),
            'the masks re-applied (`KeepMasks`)': us(lambda: cbs['KeepMasks']('after_step')),
            'the recorder and loss curve (per batch)': us(lambda: (cbs['LeanRecorder']('after_batch'), cbs['LossCurve']('after_batch')))}

def stage_ips(make, args, dev, bs, n_tasks=1):
    """Training images/s of `fit` for the learner `make` builds (one batch of each task per step): over the whole fit, and
    over its training phases alone (without the per-epoch validation pass, which the plain loop does not do)."""
    s, train_s = timed_fit(make(dev, args.n_images), args.epochs, dev)
    n = n_tasks * (args.n_images // bs) * bs * args.epochs
    return n / s, n / train_s

def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    # defaults per device (GPU / CPU): the paper's network on a GPU; on a CPU the run's small one, in about 3 minutes
    p.add_argument('--size', type=int); p.add_argument('--depth', type=int); p.add_argument('--width', type=int)
    p.add_argument('--bs', type=int, nargs='+')
    p.add_argument('--n-images', type=int, help='images per task in the stage measurements')
    p.add_argument('--epochs', type=int); p.add_argument('--steps', type=int); p.add_argument('--warmup', type=int)
    p.add_argument('--amp', default=None, choices=[None, 'bf16'])
    p.add_argument('--channels-last', action=argparse.BooleanOptionalAction, default=None,
                   help="channels-last memory format (default: what a new run takes on the device, `dmo_nb.config.FASTEST`)")
    p.add_argument('--seed-times', default=None, help='a JSON of full-data seed wall times to add to the CPU table')
    p.add_argument('--compile', default=None, choices=[m for m in COMPILE_MODES if m], help='also time both stages with the network compiled')
    p.add_argument('--full-run', action='store_true', help='also time each stage of a full pipeline run on the same data')
    p.add_argument('--out', default=None, help='folder for speed.md and speed.json')
    a = p.parse_args(argv); dev = torch.device(a.device)
    cpu = dev.type == 'cpu'
    for k, gpu_v, cpu_v in (('size', 72, 32), ('depth', 18, 10), ('width', 64, 16), ('bs', [64, 256], [64]),
                            ('n_images', 20_000, 4096), ('epochs', 2, 1), ('steps', 100, 50), ('warmup', 20, 5)):
        if getattr(a, k) is None: setattr(a, k, cpu_v if cpu else gpu_v)
    if a.channels_last is None: a.channels_last = FASTEST.get(dev.type, {}).get('channels_last', False)
    name = 'speed'
    if a.out is None and cpu: a.out, name = str(Path(__file__).resolve().parents[1]/'results'), 'speed_cpu'
    rows = []
    def row(what, bs, ips, ref, ops):
        ips, train = ips if isinstance(ips, tuple) else (ips, None)   # a stage: (whole fit, training phases alone)
        rows.append(dict(what=what, bs=bs, ips=ips, share=ips / ref, ops=ops, train_share=None if train is None else train / ref))
    for bs in a.bs:
        c = ceiling(a, dev, bs); row('model-only ceiling (plain loop)', bs, c, c, ceiling(a, dev, bs, count=True))
        gc = graphed_ceiling(a, dev, bs)
        if isinstance(gc, float): row('model only, whole step in one CUDA graph (past the launch bound)', bs, gc, c, 'graph')
        elif gc is not None: print(f'CUDA graph capture failed at batch {bs}: {gc}')
        row('ceiling + masks re-applied each step', bs, ceiling(a, dev, bs, masks=True), c, ceiling(a, dev, bs, masks=True, count=True))
        for what, make in (('single-task stage (fastai Learner)', single_learner_of(a, bs)),
                           ("single-task stage with fastai's own SGD", single_learner_of(a, bs, fastai_sgd=True))):
            row(what, bs, stage_ips(make, a, dev, bs), c, step_ops(make))
        c2 = ceiling(a, dev, 2 * bs)   # a group step pushes one batch of each task through the backbone at once
        row('model-only ceiling at the group step (2 x batch)', 2 * bs, c2, c2, ceiling(a, dev, 2 * bs, count=True))
        row('ceiling + masks at the group step', 2 * bs, ceiling(a, dev, 2 * bs, masks=True), c2, ceiling(a, dev, 2 * bs, masks=True, count=True))
        make = group_learner_of(a, bs)
        row(f'group stage, 2 tasks x batch {bs}, masks held', 2 * bs, stage_ips(make, a, dev, bs, n_tasks=2), c2, step_ops(make))
        make = group_learner_of(a, bs, distill=True)
        row(f'group stage taught by dense networks (distill), 2 tasks x batch {bs}', 2 * bs, stage_ips(make, a, dev, bs, n_tasks=2),
            c2, step_ops(make))
        make = hard_learner_of(a, bs)
        row(f"joint baselines' step (hard sharing), 2 tasks x batch {bs}", 2 * bs, stage_ips(make, a, dev, bs, n_tasks=2), c2,
            step_ops(make))
        if a.compile:   # the same stages with the network compiled (the first epoch, not timed, compiles)
            row(f'single-task stage, compile={a.compile}', bs, stage_ips(single_learner_of(a, bs, compile=a.compile), a, dev, bs), c, 'compiled')
            row(f'group stage, compile={a.compile}', 2 * bs, stage_ips(group_learner_of(a, bs, compile=a.compile), a, dev, bs, n_tasks=2),
                c2, 'compiled')
    dname = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else _cpu_name()
    lines = [f'device: {dname}; {torch.get_num_threads()} threads; torch {torch.__version__}; ResNet depth {a.depth}, width {a.width}, '
             f'{a.size}x{a.size}, amp {a.amp}, channels_last {a.channels_last}', '',
             '| what | batch | images/s | share of ceiling | training phases only | ops/step |', '|---|---|---|---|---|---|']
    lines += [f"| {r['what']} | {r['bs']} | {r['ips']:,.0f} | {r['share']:.0%} | "
              f"{'' if r['train_share'] is None else format(r['train_share'], '.0%')} | {r['ops']} |" for r in rows]
    lines += ['', 'A stage row times the whole `fit`, with the validation pass fastai runs after each epoch (on 10% as many images '
              'here; a full-data run scores 1,024 test images a task per epoch, about 2% of its training images); '
              '"training phases only" leaves that pass out, as the plain loop does.']
    if cpu and name == 'speed_cpu': lines += cpu_tables(a, dev, rows)
    if a.full_run:
        with tempfile.TemporaryDirectory() as d:
            for i in range(3):
                tr, te = fake_task('t', a.n_images, a.size, i), fake_task('t', a.n_images // 10, a.size, i + 9)
                np.savez(Path(d)/f't{i}.npz', x_train=tr.x_train.numpy(), y_train=tr.y_train.numpy(), x_test=te.x_train.numpy(), y_test=te.y_train.numpy())
            rep = run(Config(scenario='custom', tasks=[f'npz:{d}/t{i}.npz' for i in range(3)], size=a.size, depth=a.depth, width=a.width,
                             epochs=a.epochs, ft_epochs=a.epochs, bs=a.bs[0], out=f'{d}/run', device=a.device, amp=a.amp,
                             channels_last=a.channels_last, compile=a.compile, quiet=True))
        tm = rep['timing']
        lines += ['', f'full run, 3 tasks x {a.n_images} images, {a.epochs} + {a.epochs} epochs, batch {a.bs[0]}, compile {a.compile}:', '',
                  '| stage | wall time (s) |', '|---|---|'] + [f'| {k[:-2]} | {v:.1f} |' for k, v in tm.items()]
    text = '\n'.join(lines) + '\n'
    print(text)
    if a.out:
        Path(a.out).mkdir(parents=True, exist_ok=True)
        (Path(a.out)/f'{name}.md').write_text(text)
        (Path(a.out)/f'{name}.json').write_text(json.dumps(dict(args=vars(a), rows=rows), indent=2))
    return 0

def _cpu_name()->str:
    "The processor's model name and its AVX-512 / AMX flags (Linux), else 'CPU'."
    try: info = Path('/proc/cpuinfo').read_text()
    except OSError: return 'CPU'
    model = next((l.split(':', 1)[1].strip() for l in info.splitlines() if l.startswith('model name')), 'CPU')
    flags = next((l.split(':', 1)[1].split() for l in info.splitlines() if l.startswith('flags')), [])
    extra = [f for f in ('avx512f', 'avx512_bf16', 'amx_bf16', 'amx_int8') if f in flags]
    return f"{model} ({', '.join(extra)})" if extra else model

def cpu_tables(a, dev, rows):
    "The CPU report's other tables: the plain loop in each memory format, compiled and in bf16; stages against the fastest."
    bs = a.bs[0]
    v = lambda **kw: argparse.Namespace(**{**vars(a), **kw})
    loops = {'NCHW': ceiling(v(channels_last=False, amp=None), dev, bs),
             'channels-last': ceiling(v(channels_last=True, amp=None), dev, bs),
             'NCHW, torch.compile (default mode)': ceiling(v(channels_last=False, amp=None), dev, bs, compiled=True),
             'channels-last, bf16 autocast': ceiling(v(channels_last=True, amp='bf16'), dev, bs)}
    fp32 = max(v for k, v in loops.items() if 'bf16' not in k)   # the fastest loop that learns what the stages learn
    out = ['', f'## The plain loop at batch {bs}, four ways', '', '| plain loop | images/s | vs NCHW |', '|---|---|---|']
    out += [f'| {k} | {v:,.0f} | {v / loops["NCHW"]:.2f}x |' for k, v in loops.items()]
    out += ['', f'The stages above ran with channels_last {a.channels_last}. Against the fastest fp32 loop of this run '
            f'({fp32:,.0f} images/s at batch {bs}; bf16 changes the numerics, so it is no ceiling for fp32 stages):', '',
            '| stage | batch | images/s | share of the fastest fp32 loop |', '|---|---|---|---|']
    for r in rows:
        if r['bs'] == bs and ('stage' in r['what'] or 'joint' in r['what']):
            out.append(f"| {r['what']} | {r['bs']} | {r['ips']:,.0f} | {r['ips'] / fp32:.0%} |")
    out += ['', f'At the group step (2 x {bs} images through the backbone) the main table compares each stage with the plain loop '
            'at that batch, in the same format; the compiled loop was timed at batch {bs} only.'.replace('{bs}', str(bs))]
    c2 = next(r['ips'] for r in rows if r['what'].startswith('model-only ceiling at the group step'))
    step_us = 2 * bs / c2 * 1e6
    out += ['', '## Where a group step goes beyond the plain loop', '',
            f'One plain-loop step at {2 * bs} images takes {step_us:,.0f} µs here. Each piece the group stage adds, timed alone:', '',
            '| piece | µs per step | share of a plain-loop step |', '|---|---|---|']
    budget = step_budget(a, dev, bs)
    out += [f'| {k} | {v:,.0f} | {v / step_us:.1%} |' for k, v in budget.items()]
    out += [f'| all of these | {sum(budget.values()):,.0f} | {sum(budget.values()) / step_us:.1%} |']
    g = next(r for r in rows if r['what'].startswith('group stage, 2 tasks'))
    pieces = sum(budget.values()) / step_us
    rest = 1 - g['train_share'] - pieces / (1 + pieces)
    out += ['', f"The group stage reaches {g['share']:.0%} of its plain loop over the whole fit and {g['train_share']:.0%} over its "
            f"training phases: the validation pass after each epoch takes {1 - g['share'] / g['train_share']:.0%} of the fit, the "
            f"pieces above {pieces:.0%} of a step, and the rest ({rest:.0%}) is fastai's loop around them and what the pieces cost "
            "the network's own operations when they run between them (the caches they take). Each piece is one or a few "
            "whole-tensor operations already; the data and the norm term are the work the stage exists to do.",
            '', 'A record of the code before the speed work against this code, measured the same day, is `results/speed_before_after.md`.']
    st = stacked_steps(a)
    out += ['', '## Three networks at once (stacked) or one after another', '', '| 3 networks of one shape, batch 64 each | images/s |',
            '|---|---|'] + [f'| {k} | {v:,.0f} |' for k, v in st.items()]
    if a.seed_times and Path(a.seed_times).is_file():
        t = json.loads(Path(a.seed_times).read_text())
        if isinstance(t, dict):   # as `benchmarks/seed_time.sh` writes it: label -> one timing
            t = [dict(code=f"{k} (commit {v['commit']})", when=v['date'], minutes=v['minutes'],
                      note=f"seed {v['seed']}, channels_last {v['channels_last']}: single-task avg {v['single_avg']:.2f}, "
                           f"DMO {v['dmo_avg']:.2f} at #P ratio {v['ratio']:.3f}") for k, v in t.items()]
        out += ['', '## A full-data seed (CIFAR-10 + MNIST + USPS, 15 + 15 epochs, `results/real_cpu_full/run.sh`)', '',
                '`bash benchmarks/seed_time.sh LABEL [CHECKOUT]` times one, from an empty run directory.', '',
                '| code | when | wall time (min) | note |', '|---|---|---|---|']
        out += [f"| {r['code']} | {r['when']} | {r['minutes']:.1f} | {r.get('note', '')} |" for r in t]
    return out

if __name__ == '__main__': sys.exit(main())

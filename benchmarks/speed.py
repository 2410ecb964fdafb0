"""Images/s of dmo_nb's training stages next to the model-only ceiling, from one run on one device.

The ceiling is the same network, batch and image size on random tensors already on the device, trained by
a plain PyTorch loop (forward, loss, backward, SGD step): nothing any data pipeline or framework can beat.
Each stage row is dmo_nb's own code path (fastai Learner, whole-batch loaders, callbacks) on uint8 data
of the same shape, timed over `fit` alone. A full pipeline run on the same data gives each stage's wall time.

    python benchmarks/speed.py                          # on a GPU: ResNet-18, 72x72, batch 64 and 256
    python benchmarks/speed.py --device cpu --size 16 --depth 10 --width 8 --n-images 256 --steps 5   # smoke test
"""
import argparse, json, sys, tempfile, time
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F
from dmo_nb.data import Task, Scenario
from dmo_nb.models import resnet, MultiHeadNet, prunable
from dmo_nb.single import single_learner, task_net, shared_init, speed_cbs
from dmo_nb.prune import magnitude_masks
from dmo_nb.finetune import group_learner
from dmo_nb.pipeline import Config, run
import dmo_nb.data as data_mod

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

def ceiling(args, dev, bs, masks=False):
    "Plain-loop images/s on random device tensors (optionally re-applying masks after each step)."
    torch.manual_seed(0)
    m = MultiHeadNet(resnet(args.depth, args.width), {'t': 10}).to(dev)
    if args.channels_last: m = m.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(bs, 3, args.size, args.size, device=dev); y = torch.randint(0, 10, (bs,), device=dev)
    if args.channels_last: x = x.contiguous(memory_format=torch.channels_last)
    ps = list(prunable(m).values()); ms = [(torch.rand_like(p) < 0.2).to(p.dtype) for p in ps]
    ac = torch.autocast(dev.type, dtype=torch.bfloat16) if args.amp == 'bf16' else torch.autocast(dev.type, enabled=False)
    def step():
        with ac: loss = F.cross_entropy(m(x), y)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        if masks:
            with torch.no_grad(): torch._foreach_mul_(ps, ms)
    for _ in range(args.warmup): step()
    sync(dev); t0 = time.perf_counter()
    for _ in range(args.steps): step()
    sync(dev); return bs * args.steps / (time.perf_counter() - t0)

def fake_task(name, n, size, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=g); y = torch.randint(0, 10, (n,), generator=g)
    return Task(name, x, y, x[: max(1, n // 10)], y[: max(1, n // 10)], [str(i) for i in range(10)], pad=size // 16)

def timed_fit(learn, epochs, dev):
    with learn.no_logging(), learn.no_bar():
        learn.fit(1, 0.01)   # warm-up epoch: cuDNN autotuning, allocator
        sync(dev); t0 = time.perf_counter(); learn.fit(epochs, 0.01); sync(dev)
    return time.perf_counter() - t0

def single_stage(args, dev, bs):
    t = fake_task('a', args.n_images, args.size, 0)
    learn = single_learner(t, task_net(t, shared_init(args.depth, args.width), args.depth, args.width), bs=bs, device=dev,
                           amp=args.amp, channels_last=args.channels_last)
    s = timed_fit(learn, args.epochs, dev)
    return (args.n_images // bs) * bs * args.epochs / s

def group_stage(args, dev, bs):
    ts = [fake_task('a', args.n_images, args.size, 0), fake_task('b', args.n_images, args.size, 1)]
    g = MultiHeadNet(resnet(args.depth, args.width), {'a': 10, 'b': 10})
    masks, _ = magnitude_masks(g, keep=0.2)
    with torch.no_grad():
        for k, p in prunable(g).items(): p.mul_(masks[k])
    learn = group_learner(g, ts, masks, bs=bs, device=dev, amp=args.amp, channels_last=args.channels_last)
    s = timed_fit(learn, args.epochs, dev)
    return 2 * (args.n_images // bs) * bs * args.epochs / s   # one batch of each task per step

def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--size', type=int, default=72); p.add_argument('--depth', type=int, default=18); p.add_argument('--width', type=int, default=64)
    p.add_argument('--bs', type=int, nargs='+', default=[64, 256])
    p.add_argument('--n-images', type=int, default=20_000, help='images per task in the stage measurements')
    p.add_argument('--epochs', type=int, default=2); p.add_argument('--steps', type=int, default=100); p.add_argument('--warmup', type=int, default=20)
    p.add_argument('--amp', default=None, choices=[None, 'bf16']); p.add_argument('--channels-last', action='store_true')
    p.add_argument('--full-run', action='store_true', help='also time each stage of a full pipeline run on the same data')
    p.add_argument('--out', default=None, help='folder for speed.md and speed.json')
    a = p.parse_args(argv); dev = torch.device(a.device)
    rows = []
    for bs in a.bs:
        c = ceiling(a, dev, bs)
        rows.append(dict(what='model-only ceiling (plain loop)', bs=bs, ips=c, share=1.0))
        cm = ceiling(a, dev, bs, masks=True)
        rows.append(dict(what='ceiling + masks re-applied each step', bs=bs, ips=cm, share=cm / c))
        s = single_stage(a, dev, bs); rows.append(dict(what='single-task stage (fastai Learner)', bs=bs, ips=s, share=s / c))
        c2 = ceiling(a, dev, 2 * bs)   # a group step pushes one batch of each task through the backbone at once
        rows.append(dict(what='model-only ceiling at the group step (2 x batch)', bs=2 * bs, ips=c2, share=1.0))
        cm2 = ceiling(a, dev, 2 * bs, masks=True)
        rows.append(dict(what='ceiling + masks at the group step', bs=2 * bs, ips=cm2, share=cm2 / c2))
        g = group_stage(a, dev, bs); rows.append(dict(what=f'group stage, 2 tasks x batch {bs}, masks held', bs=2 * bs, ips=g, share=g / c2))
    name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'CPU'
    lines = [f'device: {name}; ResNet depth {a.depth}, width {a.width}, {a.size}x{a.size}, amp {a.amp}, channels_last {a.channels_last}', '',
             '| what | batch | images/s | share of ceiling |', '|---|---|---|---|']
    lines += [f"| {r['what']} | {r['bs']} | {r['ips']:,.0f} | {r['share']:.0%} |" for r in rows]
    if a.full_run:
        with tempfile.TemporaryDirectory() as d:
            for i in range(3): np.savez(Path(d)/f't{i}.npz', **{k: v.numpy() for k, v in dict(
                x_train=fake_task('t', a.n_images, a.size, i).x_train, y_train=fake_task('t', a.n_images, a.size, i).y_train,
                x_test=fake_task('t', a.n_images // 10, a.size, i + 9).x_train, y_test=fake_task('t', a.n_images // 10, a.size, i + 9).y_train).items()})
            rep = run(Config(scenario='custom', tasks=[f'npz:{d}/t{i}.npz' for i in range(3)], size=a.size, depth=a.depth, width=a.width,
                             epochs=a.epochs, ft_epochs=a.epochs, bs=a.bs[0], out=f'{d}/run', device=a.device, amp=a.amp,
                             channels_last=a.channels_last, quiet=True))
        tm = rep['timing']
        lines += ['', f'full run, 3 tasks x {a.n_images} images, {a.epochs} + {a.epochs} epochs, batch {a.bs[0]}:', '',
                  '| stage | wall time (s) |', '|---|---|'] + [f'| {k[:-2]} | {v:.1f} |' for k, v in tm.items()]
    text = '\n'.join(lines) + '\n'
    print(text)
    if a.out:
        Path(a.out).mkdir(parents=True, exist_ok=True)
        (Path(a.out)/'speed.md').write_text(text); (Path(a.out)/'speed.json').write_text(json.dumps(dict(args=vars(a), rows=rows), indent=2))
    return 0

if __name__ == '__main__': sys.exit(main())

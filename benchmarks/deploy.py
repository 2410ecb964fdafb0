"""What serving DMO's model costs: bytes on disk, peak memory of one process serving every task, latency (`results/deploy.md`).

    python benchmarks/deploy.py --run runs/demo [--run runs/real_cpu_full/seed1] [--out results/deploy.md] [--threads 2] [--from-json]

For each finished run directory: exports the model at float32, float16 and bfloat16 (`dmo_nb.deploy.export_model`) and
measures, against T dense single-task networks (float32) and G dense group networks:
- bytes on disk (every state dict saved with safetensors, the same container as the export);
- resident memory of a fresh process that loads the networks and classifies one batch of every task: the highest RSS read
  after each task (after garbage collection), above the same process's RSS after its imports (the interpreter, torch and dmo_nb),
  and the bytes of the model tensors it holds at their highest (the dense state dicts; for the export, `held_bytes`: its
  packed tensors in memory, none with `max_resident`, which reads each group from the file, plus the group networks
  rebuilt at that moment): the part of the memory that DMO's sparsity can shrink;
- latency at batch 1 and 64 of one task, median of repeats in one process at the same thread count: one dense single-task
  network in torch eager, the exported model (torch), the exported model through onnxruntime, and one dense network
  exported to onnxruntime (the same engine without DMO);
- one convolution of the run at its density, dense against torch's sparse CSR matrix product (im2col), to say why the
  exported groups are densified rather than run sparse.
The machine is shared: compare rows of one run, not runs.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, torch

ROOT = Path(__file__).resolve().parents[1]

def _median_ms(f, reps:int)->float:
    f(); f()   # warm-up
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return 1000 * statistics.median(ts)

PEAK = r'''
import gc, json, os, resource, sys, torch
torch.set_num_threads(int(sys.argv[4]))
from dmo_nb.deploy import load
from dmo_nb.models import MultiHeadNet, resnet
from dmo_nb.core import safe_load
def rss(): gc.collect(); return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') // 1024
def nbytes(ts): return sum(t.numel() * t.element_size() for t in ts)
def held(nets): return nbytes(v for n in nets for v in n.state_dict().values())
base = rss(); high = base; weights = 0   # weights: bytes of the tensors the process holds for the model, at their highest
how, arg, tasks = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
x = {t: torch.zeros(8, 3, *s, dtype=torch.uint8) for t, s in tasks.items()}
keep = []
with torch.no_grad():
    if how == 'dense':
        meta = json.loads(sys.argv[5])
        for t, f in json.loads(arg).items():
            a = safe_load(f); m = MultiHeadNet(resnet(meta['depth'], meta['width']), {t: meta['classes'][t]}); m.load_state_dict(a['state'])
            m.eval(); m.forward_task(x[t].float(), t); keep.append(m); high = max(high, rss())
            weights = max(weights, held(keep))
    else:
        m = load(arg, max_resident=None if how == 'all' else int(how))
        for t in tasks:
            m.predict(t, x[t]); high = max(high, rss())
            weights = max(weights, m.held_bytes())
print(json.dumps(dict(base_kib=base, peak_kib=high, weights_bytes=weights)))
'''

def peak(how:str, arg:str, tasks:dict, threads:int, meta:dict=None)->dict:
    r = subprocess.run([sys.executable, '-c', PEAK, how, arg, json.dumps(tasks), str(threads), json.dumps(meta or {})],
                       capture_output=True, text=True, timeout=900, cwd=ROOT)
    if r.returncode: raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])

def sparse_conv(net, density_of, threads:int)->dict:
    "One 3x3 convolution of the run at its density: dense conv2d against im2col + torch.sparse.mm (CSR), batch 64."
    import torch.nn.functional as F
    conv = max((m for m in net.backbone.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)), key=lambda m: m.weight.numel())
    w = conv.weight.detach(); x = torch.randn(64, w.shape[1], 8, 8)
    csr = w.reshape(w.shape[0], -1).to_sparse_csr()
    dense = lambda: F.conv2d(x, w, padding=1)
    def sparse():
        cols = F.unfold(x, 3, padding=1)                       # (N, C*9, L)
        y = torch.sparse.mm(csr, cols.permute(1, 0, 2).reshape(cols.shape[1], -1))
        return y.view(w.shape[0], x.shape[0], -1)
    return dict(density=float((w != 0).float().mean()), shape=list(w.shape), dense_ms=_median_ms(dense, 20), sparse_ms=_median_ms(sparse, 20))

def bench(run:Path, threads:int)->dict:
    from safetensors.torch import save
    from dmo_nb.deploy import export_model, load, run_groups_dir, task_session
    from dmo_nb.pipeline import load_group, single_path, resolve
    from dmo_nb.runs import finished_run
    from dmo_nb.core import safe_load
    from dmo_nb.models import MultiHeadNet, resnet
    torch.set_num_threads(threads)
    cfg, sc = resolve(finished_run(run)); rep = json.loads((run/'report.json').read_text())
    tmp = Path(tempfile.mkdtemp())
    files = {dt: export_model(run, tmp/f'model-{dt}.safetensors', dt) for dt in ('float32', 'float16', 'bfloat16')}
    singles = {t.name: str(single_path(cfg, t.name)) for t in sc.tasks}
    single_states = {t: safe_load(f)['state'] for t, f in singles.items()}
    gdir = run_groups_dir(run)
    group_states = [load_group(gdir/f'group_{gi}.pt').state_dict() for gi in range(len(rep['groups']))]
    nbytes = lambda states: sum(len(save({k: v.contiguous() for k, v in s.items()})) for s in states)
    T, G = len(sc), len(rep['groups'])
    out = dict(run=str(run), tasks=sc.names, groups=rep['groups'], ratio=rep['ratio'], threads=threads,
               bytes=dict(single_dense=nbytes(single_states.values()), group_dense=nbytes(group_states),
                          **{f'export_{dt}': os.path.getsize(f) for dt, f in files.items()}))
    sizes = {t.name: list(t.size) for t in sc.tasks}
    meta = dict(depth=cfg.depth, width=cfg.width, classes={t.name: t.n_classes for t in sc.tasks})
    out['peak'] = {'dense': peak('dense', json.dumps(singles), sizes, threads, meta),
                   f'export max_resident={G}': peak('all', str(files['float32']), sizes, threads),
                   'export max_resident=1': peak('1', str(files['float32']), sizes, threads)}
    # latency: the largest task (most training images), one dense single-task network against the exported model
    t = max(sc.tasks, key=lambda t: len(t.x_train))
    dense = MultiHeadNet(resnet(cfg.depth, cfg.width), {t.name: t.n_classes}); dense.load_state_dict(single_states[t.name]); dense.eval()
    m_torch, m_ort = load(files['float32']), load(files['float32'], backend='onnxruntime')
    dense_ort = task_session(dense, t.name, t.size, threads)
    lat = {}
    for b in (1, 64):   # every path from the same uint8 images to class indices, timed in turn so that noise hits them alike
        xu = t.x_test[:b]
        prep = lambda: m_torch.prepare(t.name, xu)
        fs = {'dense single-task network, torch eager': lambda: dense.forward_task(prep(), t.name).argmax(1),
              'export, torch': lambda: m_torch.predict(t.name, xu),
              'export, onnxruntime': lambda: m_ort.predict(t.name, xu),
              'dense single-task network, onnxruntime': lambda: dense_ort.run(None, {'x': prep().numpy()})[0].argmax(1)}
        ts = {k: [] for k in fs}
        with torch.no_grad():
            for f in fs.values(): f(); f()
            for _ in range(200 if b == 1 else 40):
                for k, f in fs.items():
                    t0 = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t0)
        lat[b] = {k: 1000 * statistics.median(v) for k, v in ts.items()}
    out['latency_task'] = t.name; out['latency_ms'] = lat
    out['sparse_conv'] = sparse_conv(load_group(gdir/f'group_{rep["groups"].index(next(g for g in rep["groups"] if t.name in g))}.pt'), None, threads)
    # exactness on every test image
    acc = {}
    for dt, f in files.items():
        m = load(f, max_resident=1)
        acc[dt] = {n: 100 * float((m.predict(n, sc[n].x_test) == sc[n].y_test).float().mean()) for n in sc.names}
    out['accuracy'] = dict(run=rep['accuracy']['dmo'], **acc)
    return out

def table(r:dict)->str:
    T, G, ratio = len(r['tasks']), len(r['groups']), r['ratio']; b = r['bytes']; d = b['single_dense']
    L = [f"## `{r['run']}`: {T} tasks in {G} groups, #P ratio {ratio:.3f}, {r['threads']} threads", '',
         '| on disk | bytes | of T dense networks | ÷ #P ratio |', '|---|---|---|---|']
    for k, lab in [('single_dense', 'T dense single-task networks (float32)'), ('group_dense', 'G dense group networks (float32)'),
                   ('export_float32', 'export, float32 values'), ('export_float16', 'export, float16 values'), ('export_bfloat16', 'export, bfloat16 values')]:
        L.append(f'| {lab} | {b[k]:,} | {b[k] / d:.3f} | {b[k] / d / ratio:.2f} |')
    base = r['peak']['dense']['base_kib']
    L += ['', '| serving every task from one process | highest RSS above the imports (MiB) | process RSS (MiB) '
          '| model tensors held, at most (MiB) | of T dense networks |', '|---|---|---|---|---|']
    w0 = r['peak']['dense'].get('weights_bytes')
    for k, v in r['peak'].items():
        lab = 'T dense single-task networks' if k == 'dense' else k
        w = v.get('weights_bytes')
        held = f"{w / 2**20:.2f} | {w / w0:.3f}" if w and w0 else '– | –'
        L.append(f"| {lab} | {(v['peak_kib'] - v['base_kib']) / 1024:.1f} | {v['peak_kib'] / 1024:.1f} | {held} |")
    L += ['', f"Latency of task `{r['latency_task']}` (median ms):", '', '| | batch 1 | batch 64 |', '|---|---|---|']
    for k in r['latency_ms'][1]:
        L.append(f"| {k} | {r['latency_ms'][1][k]:.2f} | {r['latency_ms'][64][k]:.2f} |")
    s = r['sparse_conv']
    L += ['', f"Sparse kernel: the largest 3×3 convolution of that task's group ({s['shape']}, density {s['density']:.3f}), batch 64 at 8×8: "
          f"dense conv2d {s['dense_ms']:.2f} ms, im2col + CSR `torch.sparse.mm` {s['sparse_ms']:.2f} ms ({s['sparse_ms'] / s['dense_ms']:.1f}× dense).", '',
          '| accuracy (%) | ' + ' | '.join(r['tasks']) + ' |', '|---|' + '---|' * T]
    for k, v in r['accuracy'].items(): L.append(f'| {k} | ' + ' | '.join(f'{v[t]:.2f}' for t in r['tasks']) + ' |')
    return '\n'.join(L) + '\n'

WHY_NOT = {  # why a target is missed, where it is: the arithmetic of the measured figures, not a guess
    'float16': 'the packed masks (1 bit per prunable weight of every group) and the unpruned tensors, stored as they are, '
               'are a share that halving the values does not touch',
    'ram': 'with `max_resident=1` the process holds one rebuilt group network and nothing else of the model (the packed '
           'tensors stay in the file): one dense network, 1/T, plus the heads of the other tasks of its group; in RSS, the '
           'working memory of a forward pass (the batch, the kernels\' buffers) is most of the peak at these sizes, for '
           'dense networks and the export alike',
    'torch': 'the export runs the same dense kernels as one dense network once its group is rebuilt',
    'onnxruntime': "onnxruntime's dense engine is the ceiling: the same network without DMO, in onnxruntime, is as far "
                   "(the figure after the semicolon), and no sparse kernel measured here beats dense at this density "
                   "(the sparse kernel line above)",
}

def targets(r:dict)->str:
    "The issue's targets against the figures of run `r`, each met or not, with the reason where not."
    b, ratio, T = r['bytes'], r['ratio'], len(r['tasks'])
    d = b['single_dense']
    pk = r['peak']; dense = pk['dense']; one = pk['export max_resident=1']
    above = lambda v: (v['peak_kib'] - v['base_kib']) / 1024
    lat = r['latency_ms']; eager = 'dense single-task network, torch eager'
    rows = [('float32 export on disk ≤ 1.3 × the #P ratio', f"{b['export_float32'] / d / ratio:.2f} ×",
             b['export_float32'] / d / ratio <= 1.3, ''),
            ('float16 export on disk ≤ 0.75 × the #P ratio', f"{b['export_float16'] / d / ratio:.2f} ×",
             b['export_float16'] / d / ratio <= 0.75, WHY_NOT['float16']),
            (f'peak RAM with `max_resident=1` ≤ 1/T of the dense networks (+ interpreter)',
             f"RSS above the imports {above(one):.1f} MiB against {above(dense):.1f} / {T} = {above(dense) / T:.1f} MiB; "
             f"model tensors held {one['weights_bytes'] / dense['weights_bytes']:.3f} of the dense ones (1/T = {1 / T:.3f})",
             above(one) <= above(dense) / T and one['weights_bytes'] <= dense['weights_bytes'] / T, WHY_NOT['ram']),
            ('torch backend, batch 64 ≤ 1.1 × one dense network',
             f"{lat[64]['export, torch']:.2f} ms against {lat[64][eager]:.2f} ms ({lat[64]['export, torch'] / lat[64][eager]:.2f} ×)",
             lat[64]['export, torch'] <= 1.1 * lat[64][eager], WHY_NOT['torch'])]
    ort = [lat[b]['export, onnxruntime'] / lat[b][eager] for b in (1, 64)]
    rows.append(('onnxruntime ≤ 0.4 × torch eager dense, batch 1 and 64',
                 f"{lat[1]['export, onnxruntime']:.2f} / {lat[64]['export, onnxruntime']:.2f} ms against {lat[1][eager]:.2f} / "
                 f"{lat[64][eager]:.2f} ms ({ort[0]:.2f} × / {ort[1]:.2f} ×); dense in onnxruntime "
                 f"{lat[64]['dense single-task network, onnxruntime'] / lat[64][eager]:.2f} × at batch 64",
                 max(ort) <= 0.4, WHY_NOT['onnxruntime']))
    L = [f"## Against the targets (`{r['run']}`, #P ratio {ratio:.3f})", '', '| target | measured | met? |', '|---|---|---|']
    L += [f"| {t} | {m} | {'yes' if ok else 'no: ' + why} |" for t, m, ok, why in rows]
    return '\n'.join(L) + '\n'

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', action='append', type=Path, required=True)
    p.add_argument('--out', type=Path, default=None)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--from-json', action='store_true', help="rewrite the tables from <out>.json's figures, measuring nothing")
    a = p.parse_args()
    if a.from_json:
        rs = json.loads(a.out.with_suffix('.json').read_text())
        for r in rs: r['latency_ms'] = {int(k): v for k, v in r['latency_ms'].items()}   # JSON's keys are strings
    else: rs = [bench(r, a.threads) for r in a.run]
    text = '\n'.join(table(r) for r in rs) + '\n' + targets(rs[-1])   # the targets name the last run (the full-data one)
    print(text)
    if a.out:
        a.out.write_text('# Serving the DMO model: bytes, memory, latency\n\nMade by `python benchmarks/deploy.py '
                         + ' '.join(f'--run {r}' for r in a.run) + f' --out {a.out}`. '
                         + __doc__.split('\n\n', 1)[1].split('\n', 1)[1] + '\n' + text)
        if not a.from_json: a.out.with_suffix('.json').write_text(json.dumps(rs, indent=1) + '\n')

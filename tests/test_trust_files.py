"""Files someone else made: a shared run directory, a model file and the inputs of `predict` are checked before use.

Each case gets one line (exit status 2 on the command line) or works, with no traceback, and nothing outside the run
directory changes. Groups follow the trust review: 2 Δm with a task at 0%, 3 a run directory's files, 4 a model file
whose digest matches, 5 inputs of `predict` and the loaders, 6 output paths (1, the first run, is test_default_run)."""
import io, json, shutil, struct, zipfile, zlib
from pathlib import Path
import numpy as np, pytest, torch
from safetensors.torch import save_file
from dmo_nb.core import record, atomic_write_json, load_json, ArtifactError
from dmo_nb.pipeline import Config, run
from dmo_nb.plan import Plan
from dmo_nb.cli import main
from dmo_nb.ablate import _finish, ablation_table, aggregate, aggregate_table
from dmo_nb.deploy import export_model, read_model, load, _digest
from dmo_nb.datasets import task_from_npz, task_from_arrays
from dmo_nb.widgets import regroup, RegroupView

SMALL = dict(tasks=['digits', 'shapes', 'colors'], n_train=96, n_test=32, epochs=2, ft_epochs=1, width=4, bs=32, quiet=True,
             tau_sim=0.5)

@pytest.fixture(scope='module')
def base(tmp_path_factory):
    "A finished small run and its exported model, copied by every test that changes something."
    d = tmp_path_factory.mktemp('files')/'run'
    run(Config(out=str(d), **SMALL))
    export_model(d, d.parent/'model.safetensors')
    return d

def _copy(base, tmp_path):
    d = tmp_path/'run'
    shutil.copytree(base, d)
    return d

def _one_line(capsys, args, says):
    "`dmo_nb ARGS` exits 2 with one line that contains `says`, and no traceback."
    assert main([str(a) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith('dmo_nb: error:') and 'Traceback' not in err, err
    assert says in err, err
    return err

def _files(d): return sorted(str(p.relative_to(d)) for p in Path(d).rglob('*'))

# 2: Δm is undefined where single-task learning scores 0%; the rest of the table stands

def test_delta_m_undefined_at_zero(tmp_path):
    single = dict(name='single', accuracy={'a': 0.0, 'b': 50.0}, params=100, seconds=1.)
    dmo = dict(name='dmo', accuracy={'a': 10.0, 'b': 55.0}, params=10, seconds=1.)
    table = dict(scenario='x', tasks=['a', 'b'], seed=0, config={}, rows=[], dmo_groups=[['a', 'b']])
    _finish(table, dict(single=single, dmo=dmo), single, tmp_path)
    assert [r['delta_m'] for r in table['rows']] == [None, None] and table['undefined'] == {'single': ['a']}
    assert [r['avg'] for r in table['rows']] == [25.0, 32.5]   # the accuracies stand
    md = (tmp_path/'ablation.md').read_text()
    assert md.count('undefined') >= 2 and 'scores 0% on a' in md and load_json(tmp_path/'ablation.json')['rows']
    agg = aggregate([table, dict(table, seed=1)])
    assert agg['rows'][1]['delta_m'] is None and '| dmo |' in aggregate_table(agg)

# 3: everything in a run directory is checked before it is used

def test_swapped_config_is_refused_before_any_training(base, tmp_path, capsys):
    d = _copy(base, tmp_path)
    other = dict(load_json(d/'config.json'), tasks=['shapes', 'gratings'])
    (d/'config.json').write_text(json.dumps(other))   # another run's settings, the manifest as it was
    before = _files(d)
    _one_line(capsys, ['ablate', '--out', d], 'config.json is not trusted')
    with pytest.raises(ValueError, match='config.json is not trusted'): regroup(d)
    assert _files(d) == before   # nothing trained, nothing written

def test_markup_in_task_names_is_refused_and_never_rendered(base, tmp_path):
    d = _copy(base, tmp_path)
    atomic_write_json(dict(load_json(d/'config.json'), tasks=['<img src=x onerror=alert(document.domain)>', 'colors']),
                      d/'config.json')   # written through the manifest, as a hostile sharer could
    with pytest.raises(ValueError, match='`tasks` holds'): regroup(d)
    name = '<b>two</b>'
    plan = Plan(tasks=[name], groups=[[name]], group_idx=[[0]], difficulty={name: .1}, keep_ratio={name: .5}, mu=1.,
                similarity=dict(S=[[1.]], S_W=[[1.]], S_L=[[1.]]), settings={})
    v = RegroupView('title', [name], dict(alpha=.5, tau_sim=.5, tau=1.), figures=False)
    v.show(plan, dict(total=1, ratio=.1, single=10))
    assert '&lt;b&gt;two&lt;/b&gt;' in v.summary.value and name not in v.summary.value
    assert name not in v.table.value

def test_edited_reports_are_refused_by_export(base, tmp_path, capsys):
    d = _copy(base, tmp_path)
    rep = load_json(d/'report.json')
    assert len(rep['groups']) > 1
    swapped = dict(rep, groups=rep['groups'][::-1])
    plan_dir = next(p.parent for p in d.glob('dmo-*/report.json'))
    for p in (d/'report.json', plan_dir/'report.json'): p.write_text(json.dumps(swapped))
    _one_line(capsys, ['export', '--out', d, '--to', tmp_path/'m.safetensors'], 'report.json is not trusted')
    for p in (d/'report.json', plan_dir/'report.json'): record(p)   # the manifest edited too
    _one_line(capsys, ['export', '--out', d, '--to', tmp_path/'m.safetensors'], 'disagrees with itself')
    assert not (tmp_path/'m.safetensors').exists()

@pytest.mark.parametrize('drop', ['levels', 'tasks'])
def test_regroup_inputs_of_the_wrong_structure(base, tmp_path, drop):
    d = _copy(base, tmp_path)
    p = next((d/'regroup').glob('inputs-*.pt'))
    x = torch.load(p, weights_only=True)
    x.pop(drop)
    torch.save(x, p)
    record(p)   # the manifest matches it
    with pytest.raises(ArtifactError, match=f'no {drop} entry') as e: regroup(d)
    assert '\n' not in str(e.value)

@pytest.mark.parametrize('table, says', [([1, 2], 'holds a JSON list'), ({'time_s': 'soon', 'rows': []}, '`time_s`')])
def test_edited_ablation_table(base, tmp_path, capsys, table, says):
    d = _copy(base, tmp_path)
    atomic_write_json(table, d/'ablation.json')
    _one_line(capsys, ['ablate', '--out', d, '--ablations', 'singletons'], says)
    (d/'ablation.json').write_text(json.dumps({'time_s': 5.0}))   # edited after it was written
    _one_line(capsys, ['ablate', '--out', d, '--ablations', 'singletons'], 'ablation.json is not trusted')

# 4: a model file is untrusted even when its digest matches

def _signed(base, tmp_path, change):
    t, m = read_model(base.parent/'model.safetensors')
    meta = change(json.loads(json.dumps(m)))
    p = tmp_path/'crafted.safetensors'
    save_file(t, str(p), metadata=dict(dmo_nb=json.dumps(meta), digest=_digest(t, meta)))
    return p

def _task0(m): return m['groups'][0]['tasks'][0]
CRAFTED = {
    'missing group': (lambda m: {**m, 'routing': {**m['routing'], _task0(m): len(m['groups'])}}, 'does not hold it'),
    'group -1': (lambda m: {**m, 'routing': {**m['routing'], _task0(m): -1}}, 'routed to group -1'),
    'sparse 10^12': (lambda m: {**m, 'groups': [{**m['groups'][0], 'sparse': {k: [10**6, 10**6] for k in m['groups'][0]['sparse']}}]
                                + m['groups'][1:]}, 'declares'),
    'width 200,000': (lambda m: {**m, 'width': 200_000}, 'width 200000'),
    'input 300,000 x 300,000': (lambda m: {**m, 'preprocessing': {t: {**p, 'size': [300_000, 300_000]}
                                                                 for t, p in m['preprocessing'].items()}}, 'input size'),
    'one class name': (lambda m: {**m, 'preprocessing': {t: {**p, 'classes': ['only']} for t, p in m['preprocessing'].items()}},
                       'class(es) for a'),
    'std 0': (lambda m: {**m, 'preprocessing': {t: {**p, 'std': [0., 0., 0.]} for t, p in m['preprocessing'].items()}},
              'std of 0'),
}

@pytest.mark.parametrize('case', list(CRAFTED))
def test_crafted_model_with_a_correct_digest(base, tmp_path, capsys, case):
    change, says = CRAFTED[case]
    p = _signed(base, tmp_path, change)
    x = np.zeros((2, 32, 32), np.uint8)
    np.savez(tmp_path/'x.npz', x=x)
    task = read_model(base.parent/'model.safetensors')[1]['groups'][0]['tasks'][0]
    _one_line(capsys, ['predict', '--model', p, '--task', task, tmp_path/'x.npz'], says)
    with pytest.raises(ArtifactError, match='not a usable dmo_nb model'): load(p, max_resident=1)

# 5: inputs of predict and the loaders

def _npz_with_header(path, key, shape, payload=b'\0' * 64, others=None):
    "An .npz whose `key` declares `shape` (uint8) in its header but holds only `payload`: a memory bomb."
    hdr = io.BytesIO()
    np.lib.format.write_array_header_1_0(hdr, dict(descr='|u1', fortran_order=False, shape=shape))
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr(f'{key}.npy', b'\x93NUMPY\x01\x00' + hdr.getvalue()[8:] + payload)
        for k, v in (others or {}).items():
            b = io.BytesIO(); np.save(b, v); z.writestr(f'{k}.npy', b.getvalue())
    return path

def _png_claiming(path, w, h):
    "A PNG whose header (with a correct checksum) declares w x h pixels."
    ihdr = struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    Path(path).write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\0' * 64))
                           + chunk(b'IEND', b''))
    return path

@pytest.fixture(scope='module')
def model(base): return base.parent/'model.safetensors'

def test_memory_bombs_are_refused_before_allocating(model, tmp_path, capsys):
    bomb = _npz_with_header(tmp_path/'bomb.npz', 'x', (10**6, 10**6))
    _one_line(capsys, ['predict', '--model', model, '--task', 'digits', bomb], 'declares shape (1000000, 1000000)')
    y = np.zeros(4, np.int64)
    task_bomb = _npz_with_header(tmp_path/'task.npz', 'x_train', (10**6, 10**6),
                                 others=dict(y_train=y, x_test=np.zeros((4, 8, 8), np.uint8), y_test=y))
    with pytest.raises(ValueError, match='forged or damaged'): task_from_npz(task_bomb)
    png = _png_claiming(tmp_path/'big.png', 40_000, 40_000)
    _one_line(capsys, ['predict', '--model', model, '--task', 'digits', png], 'at most 89,478,485 are read')
    jpegs = _png_claiming(tmp_path/'j.png', 40_000, 40_000).read_bytes()   # one "JPEG" of a CIFAR-style archive
    buf = np.frombuffer(jpegs, np.uint8)
    np.savez(tmp_path/'cifar.npz', train_jpeg=buf, train_offsets=np.array([0, len(buf)]), y_train=np.zeros(1, np.int64),
             test_jpeg=buf, test_offsets=np.array([0, len(buf)]), y_test=np.zeros(1, np.int64))
    with pytest.raises(ValueError, match='train_jpeg image 0: the image declares too many pixels'): task_from_npz(tmp_path/'cifar.npz')

def test_degenerate_and_damaged_inputs(model, tmp_path, capsys):
    np.savez(tmp_path/'flat.npz', x=np.zeros((2, 0, 32), np.uint8))
    _one_line(capsys, ['predict', '--model', model, '--task', 'digits', tmp_path/'flat.npz'], '`images`')
    with pytest.raises(ValueError, match='a side of 0'): task_from_arrays('t', np.zeros((4, 0, 8)), [0, 1, 0, 1],
                                                                        np.zeros((2, 8, 8)), [0, 1])
    np.savez(tmp_path/'scalar.npz', x_train=np.float32(3), y_train=np.zeros(1), x_test=np.zeros((2, 8, 8)), y_test=np.zeros(2))
    with pytest.raises(ValueError, match='must be images'): task_from_npz(tmp_path/'scalar.npz')
    np.savez(tmp_path/'ok.npz', x=np.zeros((3, 32, 32), np.uint8))
    (tmp_path/'cut.npz').write_bytes((tmp_path/'ok.npz').read_bytes()[:-40])
    _one_line(capsys, ['predict', '--model', model, '--task', 'digits', tmp_path/'cut.npz'], 'truncated or not a .npz')

def test_predict_batches_views_and_memory(model, monkeypatch):
    m = load(model)
    for bs in (0, -1):
        with pytest.raises(ValueError, match='`bs`'): m.predict('digits', np.zeros((2, 32, 32), np.uint8), bs=bs)
    x = np.random.default_rng(0).integers(0, 256, (20, 32, 32), dtype=np.uint8)
    flipped = x[:, :, ::-1]   # a valid numpy view with a negative stride
    assert torch.equal(m.predict('digits', flipped), m.predict('digits', flipped.copy()))
    seen, norm = [], type(m)._normalise
    monkeypatch.setattr(type(m), '_normalise', lambda self, t, b: seen.append(len(b)) or norm(self, t, b))
    m.predict('digits', x, bs=8)
    assert seen == [8, 8, 4]   # memory follows the batch: the input is made float 8 images at a time

# 6: output paths

def test_output_paths_get_one_line_and_nothing_is_written(base, model, tmp_path, capsys):
    np.savez(tmp_path/'x.npz', x=np.zeros((2, 32, 32), np.uint8))
    (tmp_path/'afile').write_text('x')
    before = _files(tmp_path)
    _one_line(capsys, ['predict', '--model', model, '--task', 'digits', tmp_path/'x.npz', '--to', tmp_path], 'is a folder')
    _one_line(capsys, ['export', '--out', base, '--to', tmp_path], 'is a folder')
    _one_line(capsys, ['export', '--out', base, '--to', tmp_path/'afile'/'sub.safetensors'], 'is a file')
    assert _files(tmp_path) == before

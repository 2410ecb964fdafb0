"`dmo_nb export` and `dmo_nb predict` on a small built-in run: exact predictions, one-line refusals."
import json, subprocess, sys
from pathlib import Path
import numpy as np, pytest, torch
from dmo_nb.cli import main
from dmo_nb.data import synthetic
from dmo_nb.deploy import load, run_groups_dir
from dmo_nb.pipeline import load_group

EXE = Path(sys.executable).parent/'dmo_nb'
TASKS = ['digits', 'shapes', 'colors']
ARGS = ['--tasks', *TASKS, '--n-train', '96', '--n-test', '200', '--epochs', '2', '--ft-epochs', '1', '--width', '4', '--bs', '32', '--quiet']

@pytest.fixture(scope='module')
def model(tmp_path_factory):
    d = tmp_path_factory.mktemp('deploy')
    assert main(['run', '--out', str(d/'run'), *ARGS]) == 0
    assert main(['export', '--out', str(d/'run'), '--to', str(d/'m.safetensors')]) == 0
    return d

def test_predictions_are_the_runs(model):
    m, sc = load(model/'m.safetensors', max_resident=1), synthetic(n_train=96, n_test=200, tasks=TASKS)
    rep = json.loads((model/'run'/'report.json').read_text())
    for gi, g in enumerate(rep['groups']):
        net = load_group(run_groups_dir(model/'run')/f'group_{gi}.pt').eval()
        for n in g:
            t = sc[n]; mean, std = t.stats()
            with torch.no_grad(): ref = net.forward_task((t.x_test.float() / 255 - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1), n).argmax(1)
            assert torch.equal(m.predict(n, t.x_test), ref)
            assert len(m.resident) == 1

def test_predict_command(model, tmp_path):
    sc = synthetic(n_train=96, n_test=200, tasks=['shapes'])
    np.savez(tmp_path/'x.npz', x=sc['shapes'].x_test[:7].permute(0, 2, 3, 1).numpy())   # channels last, as images usually are
    r = subprocess.run([str(EXE), 'predict', '--model', str(model/'m.safetensors'), '--task', 'shapes', str(tmp_path/'x.npz')],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0] == 'index,class,label' and len(lines) == 8
    want = load(model/'m.safetensors').predict('shapes', sc['shapes'].x_test[:7]).tolist()
    assert [int(l.split(',')[1]) for l in lines[1:]] == want
    assert main(['predict', '--model', str(model/'m.safetensors'), '--task', 'shapes', str(tmp_path/'x.npz'), '--probs', '--to', str(tmp_path/'p.csv')]) == 0
    rows = (tmp_path/'p.csv').read_text().strip().splitlines()
    assert len(rows[0].split(',')) == 3 + 5 and abs(sum(float(v) for v in rows[1].split(',')[3:]) - 1) < 1e-4

def test_images_of_another_size_are_resized_as_the_run_resized(model, tmp_path, capsys):
    "28 x 28 images (an .npz, or image files) go in as they are: resized as every task's data is, never refused."
    from PIL import Image
    from dmo_nb.datasets import resize_images
    sc = synthetic(n_train=96, n_test=200, size=28, tasks=['shapes'])
    x = sc['shapes'].x_test[:5]
    m = load(model/'m.safetensors')
    want = m.predict('shapes', resize_images(x, 32)).tolist()
    assert m.predict('shapes', x).tolist() == want
    files = []
    for i, im in enumerate(x.permute(0, 2, 3, 1).numpy()):
        files.append(str(tmp_path/f'{i}.png')); Image.fromarray(im).save(files[-1])
    capsys.readouterr()
    assert main(['predict', '--model', str(model/'m.safetensors'), '--task', 'shapes', *files]) == 0
    assert [int(l.split(',')[1]) for l in capsys.readouterr().out.strip().splitlines()[1:]] == want

@pytest.mark.parametrize('how, msg', [
    ('tamper', 'was changed after it was written'), ('truncate', 'is damaged'), ('task', "unknown `task` 'cats'"),
    ('shape', 'must be (N, 32, 32)'), ('dtype', 'must be uint8')])
def test_bad_input_is_one_line(model, tmp_path, capsys, how, msg):
    f = tmp_path/'m.safetensors'; b = bytearray((model/'m.safetensors').read_bytes())
    if how == 'tamper': b[-3] ^= 1
    if how == 'truncate': b = b[:len(b) // 2]
    f.write_bytes(bytes(b))
    x = np.zeros((2, 32, 32, 3), np.uint8)
    if how == 'shape': x = np.zeros((2, 32, 32, 2), np.uint8)   # two channels (another size is resized)
    if how == 'dtype': x = x.astype(np.float32)
    np.savez(tmp_path/'x.npz', x=x)
    assert main(['predict', '--model', str(f), '--task', 'cats' if how == 'task' else 'shapes', str(tmp_path/'x.npz')]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and msg in err[0], err

def test_onnxruntime_matches_torch(model):
    pytest.importorskip('onnxruntime')
    sc = synthetic(n_train=96, n_test=200, tasks=TASKS)
    a = load(model/'m.safetensors', backend='onnxruntime').predict('digits', sc['digits'].x_test, probs=True)
    b = load(model/'m.safetensors').predict('digits', sc['digits'].x_test, probs=True)
    assert float((a - b).abs().max()) < 1e-5

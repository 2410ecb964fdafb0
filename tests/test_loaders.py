"Every loader on small files in the real on-disk format, written here; no test touches the network."
import bz2, json, pickle
from pathlib import Path
import numpy as np, pytest, torch
from PIL import Image
from dmo_nb.datasets import (torchvision_task, cifar100_tasks, decathlon_tasks, task_from_npz, write_mnist_like, custom,
                             CIFAR100_SUPERCLASSES, load_task)
from dmo_nb.pipeline import Config, run, resolve
from dmo_nb.cli import main

RNG = np.random.default_rng(0)
FINE = sorted(c for v in CIFAR100_SUPERCLASSES.values() for c in v)   # CIFAR-100's fine labels are alphabetical

def write_cifar10(root, n=30, m=10):
    base = Path(root)/'cifar-10-batches-py'; base.mkdir(parents=True)
    for i in range(1, 6):
        with open(base/f'data_batch_{i}', 'wb') as f:
            pickle.dump({'data': RNG.integers(0, 256, (n, 3072), dtype=np.uint8), 'labels': list(RNG.integers(0, 10, n))}, f)
    with open(base/'test_batch', 'wb') as f:
        pickle.dump({'data': RNG.integers(0, 256, (m, 3072), dtype=np.uint8), 'labels': list(RNG.integers(0, 10, m))}, f)
    with open(base/'batches.meta', 'wb') as f:
        pickle.dump({'label_names': ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']}, f)

def write_cifar100(root, per_class_train=500, per_class_test=100):
    base = Path(root)/'cifar-100-python'; base.mkdir(parents=True)
    for split, k in (('train', per_class_train), ('test', per_class_test)):
        fine = np.repeat(np.arange(100), k); RNG.shuffle(fine)
        data = np.repeat(fine.astype(np.uint8)[:, None], 3072, 1)   # every pixel holds the fine label: checkable
        with open(base/split, 'wb') as f: pickle.dump({'data': data, 'fine_labels': list(fine), 'coarse_labels': [0] * len(fine)}, f)
    with open(base/'meta', 'wb') as f: pickle.dump({'fine_label_names': FINE, 'coarse_label_names': list(CIFAR100_SUPERCLASSES)}, f)

def write_stl10(root, n=12, m=6):
    base = Path(root)/'stl10_binary'; base.mkdir(parents=True)
    for split, k in (('train', n), ('test', m)):
        x = RNG.integers(0, 256, (k, 3, 96, 96), dtype=np.uint8)
        (base/f'{split}_X.bin').write_bytes(np.transpose(x, (0, 1, 3, 2)).tobytes())   # STL-10 stores images column-major
        (base/f'{split}_y.bin').write_bytes((RNG.integers(0, 10, k) + 1).astype(np.uint8).tobytes())   # labels 1..10
        np.save(base/f'{split}_x_ref.npy', x)
    (base/'class_names.txt').write_text('\n'.join(['airplane', 'bird', 'car', 'cat', 'deer', 'dog', 'horse', 'monkey', 'ship', 'truck']))

def write_usps(root, n=15, m=5):
    Path(root).mkdir(parents=True, exist_ok=True)
    for name, k in (('usps.bz2', n), ('usps.t.bz2', m)):
        v = RNG.uniform(-1, 1, (k, 256)); y = RNG.integers(1, 11, k)
        lines = [f'{y[i]} ' + ' '.join(f'{j+1}:{v[i, j]:.6f}' for j in range(256)) for i in range(k)]
        with bz2.open(Path(root)/name, 'wb') as f: f.write(('\n'.join(lines) + '\n').encode())

def write_decathlon(root, ds='dtd', n=6, m=4, n_cls=3):
    base = Path(root)/'decathlon-1.0'; (base/'annotations').mkdir(parents=True, exist_ok=True)
    for split, k in (('train', n), ('val', m)):
        imgs, anns = [], []
        for i in range(k):
            fn = f'data/{ds}/{split}/{i:04d}.jpg'; (base/fn).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(RNG.integers(0, 256, (72, 90, 3), dtype=np.uint8)).save(base/fn)
            imgs.append({'id': 1000 + i, 'file_name': fn, 'width': 90, 'height': 72})
            anns.append({'id': i, 'image_id': 1000 + i, 'category_id': 4000 + i % n_cls})
        cats = [{'id': 4000 + c, 'name': f'class{c}'} for c in range(n_cls)]
        (base/'annotations'/f'{ds}_{split}.json').write_text(json.dumps({'images': imgs, 'annotations': anns, 'categories': cats}))

def test_cifar10(tmp_path):
    write_cifar10(tmp_path)
    t = torchvision_task('cifar10', tmp_path, size=72, verify=False)
    assert t.x_train.shape == (150, 3, 72, 72) and t.x_test.shape == (10, 3, 72, 72) and t.classes[1] == 'automobile'
    assert t.flip
    with pytest.raises(FileNotFoundError, match='corrupted'): torchvision_task('cifar10', tmp_path)   # checksums are checked by default

def test_cifar100_superclass_split_full_size(tmp_path):
    write_cifar100(tmp_path)
    tasks = cifar100_tasks(tmp_path, verify=False)
    assert len(tasks) == 20
    for t in tasks:
        assert t.n_classes == 5 and len(t.x_train) == 2500 and len(t.x_test) == 500
        assert t.classes == sorted(CIFAR100_SUPERCLASSES[t.name])
        # each image's pixels hold its fine label: the 0-4 label must name the same fine class
        fine = t.x_train[:, 0, 0, 0].numpy()
        assert [FINE[f] for f in fine] == [t.classes[y] for y in t.y_train.tolist()]
        assert np.bincount(t.y_train.numpy()).tolist() == [500] * 5

def test_stl10(tmp_path):
    write_stl10(tmp_path)
    t = torchvision_task('stl10', tmp_path, verify=False)
    ref = np.load(tmp_path/'stl10_binary'/'train_x_ref.npy')
    assert t.x_train.shape == (12, 3, 96, 96) and torch.equal(t.x_train, torch.from_numpy(ref))
    assert t.y_train.min() >= 0 and t.y_train.max() <= 9 and t.classes[7] == 'monkey'

def test_mnist(tmp_path):
    write_mnist_like(tmp_path, n_train=20, n_test=10)
    t = torchvision_task('mnist', tmp_path, size=72)
    assert t.x_train.shape == (20, 3, 72, 72) and len(t.x_test) == 10 and not t.flip

def test_usps(tmp_path):
    write_usps(tmp_path)
    t = torchvision_task('usps', tmp_path)
    assert t.x_train.shape == (15, 3, 16, 16) and len(t.x_test) == 5 and t.y_train.max() <= 9

def test_decathlon(tmp_path):
    write_decathlon(tmp_path)
    (t,) = decathlon_tasks(tmp_path, size=72, datasets=['dtd'])
    assert t.x_train.shape == (6, 3, 72, 72) and t.x_test.shape == (4, 3, 72, 72)
    assert t.classes == ['class0', 'class1', 'class2'] and t.y_train.tolist() == [0, 1, 2, 0, 1, 2]
    with pytest.raises(FileNotFoundError, match='annotations'): decathlon_tasks(tmp_path, datasets=['gtsrb'])

def test_missing_files_say_where(tmp_path):
    for name, where in (('cifar10', 'cifar-10-batches-py/'), ('stl10', 'stl10_binary/'), ('mnist', 'MNIST/raw/'), ('usps', 'usps.bz2')):
        with pytest.raises(FileNotFoundError, match='download') as e: torchvision_task(name, tmp_path/'none')
        assert where in str(e.value)

def test_cli_offline_scenario_message(tmp_path, capsys):
    assert main(['run', '--scenario', 'scenario1', '--data-root', str(tmp_path/'none'), '--out', str(tmp_path/'r')]) == 2
    err = capsys.readouterr().err
    assert 'dataset files not found' in err and 'Traceback' not in err and not (tmp_path/'r').exists()

def test_mixed_custom_scenario_runs(tmp_path):
    "A user's .npz task, a torchvision-format task and a built-in task in one run."
    write_mnist_like(tmp_path/'data', n_train=64, n_test=32)
    x = RNG.integers(0, 256, (64, 20, 20, 3), dtype=np.uint8)
    np.savez(tmp_path/'mine.npz', x_train=x, y_train=np.arange(64) % 4, x_test=x[:32], y_test=np.arange(32) % 4)
    cfg = Config(scenario='custom', tasks=['mnist', f'npz:{tmp_path}/mine.npz', 'synthetic:colors'], data_root=str(tmp_path/'data'),
                 size=32, n_train=64, epochs=1, ft_epochs=1, width=8, depth=10, bs=16, out=str(tmp_path/'r'), quiet=True)
    rep = run(cfg)
    assert rep['tasks'] == ['mnist', 'mine', 'colors'] and rep['params']['dmo'] < rep['params']['single']

SHARED = Path(__file__).resolve().parents[2]/'shared'/'data'

@pytest.mark.skipif(not (SHARED/'mnist.npz').exists(), reason='../shared/data is not here')
def test_shared_real_data_npz():
    for f, n_cls in (('mnist.npz', 10), ('usps.npz', 10), ('cifar10_jpeg.npz', 10)):
        t = load_task(f'npz:{SHARED/f}', size=72, n_train=200)
        assert t.x_train.shape == (200, 3, 72, 72) and t.n_classes == n_cls and len(t.x_test) > 1000

# ---- every scenario builder on files in the real formats ----
from dmo_nb.datasets import get_scenario
from dmo_nb.datasets import DECATHLON

def test_scenario1_and_digits3(tmp_path):
    write_cifar10(tmp_path); write_stl10(tmp_path); write_mnist_like(tmp_path, 20, 10); write_usps(tmp_path)
    s1 = get_scenario('scenario1', root=tmp_path, size=24, verify=False)
    assert s1.names == ['cifar10', 'stl10', 'mnist', 'usps'] and {t.size for t in s1.tasks} == {(24, 24)}
    assert s1.defaults['epochs'] == 25 and s1.defaults['bs'] == 64 and s1.defaults['lr'] == 0.1
    d3 = get_scenario('digits3', root=tmp_path, size=24, verify=False, n_train=8)
    assert d3.names == ['cifar10', 'mnist', 'usps'] and all(len(t.x_train) == 8 for t in d3.tasks)
    assert d3.expected_groups == [['mnist', 'usps'], ['cifar10']]

def test_cifar100_scenario(tmp_path):
    write_cifar100(tmp_path, per_class_train=3, per_class_test=1)
    sc = get_scenario('cifar100', root=tmp_path, verify=False)
    assert len(sc) == 20 and sc.defaults['epochs'] == 200 and all(t.size == (32, 32) for t in sc.tasks)

def test_decathlon_scenario_and_pretrained_weights(tmp_path, monkeypatch, capsys):
    for ds in DECATHLON: write_decathlon(tmp_path, ds, n=3, m=2, n_cls=3)
    sc = get_scenario('decathlon', root=tmp_path, size=32)
    assert len(sc) == 9 and 'imagenet12' not in sc.names, "the paper's Table 3: nine tasks"
    assert sc.defaults['pretrained'] and sc.defaults['bs'] == 128 and sc.defaults['lr'] == 0.01 and sc.defaults['epochs'] == 25
    assert len(get_scenario('decathlon', root=tmp_path, size=32, tasks=['imagenet12', 'dtd', 'vgg_flowers'])) == 3   # ImageNet as an option
    # without torchvision's ImageNet weights: one clear error, before any training
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path/'hub'))
    assert main(['run', '--scenario', 'decathlon', '--data-root', str(tmp_path), '--size', '32', '--out', str(tmp_path/'r')]) == 2
    err = capsys.readouterr().err
    assert 'ImageNet ResNet-18 weights not found' in err and 'resnet18-f37072fd.pth' in err and not (tmp_path/'r').exists()

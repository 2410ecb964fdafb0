"""The package is what the notebooks export, and the notebooks are as `nbdev_clean` leaves them: checked on a copy, so
a notebook change that was not exported (or not cleaned) fails here and in CI, and nothing in the tree is rewritten."""
import filecmp, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

def _copy(tmp:Path)->Path:
    dst = tmp/'repo'
    dst.mkdir()
    for f in ('settings.ini', 'setup.py', 'pyproject.toml'): shutil.copy(ROOT/f, dst/f)
    shutil.copytree(ROOT/'nbs', dst/'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
    shutil.copytree(ROOT/'dmo_nb', dst/'dmo_nb', ignore=shutil.ignore_patterns('__pycache__'))
    return dst

def _differ(a:Path, b:Path, pattern:str)->list:
    return sorted(str(p.relative_to(a)) for p in a.rglob(pattern) if '.ipynb_checkpoints' not in p.parts
                  and not filecmp.cmp(p, b/p.relative_to(a), shallow=False))

def test_the_package_is_what_the_notebooks_export(tmp_path):
    dst = _copy(tmp_path)
    r = subprocess.run([str(BIN/'nbdev_export')], cwd=dst, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    new = sorted(str(p.relative_to(dst)) for p in (dst/'dmo_nb').rglob('*.py') if not (ROOT/p.relative_to(dst)).exists())
    assert not new and not _differ(dst/'dmo_nb', ROOT/'dmo_nb', '*.py'), \
        f'run nbdev_export and commit dmo_nb/: {new + _differ(dst/"dmo_nb", ROOT/"dmo_nb", "*.py")}'

def test_the_notebooks_are_clean(tmp_path):
    dst = _copy(tmp_path)
    r = subprocess.run([str(BIN/'nbdev_clean')], cwd=dst, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert not _differ(dst/'nbs', ROOT/'nbs', '*.ipynb'), f'run nbdev_clean and commit: {_differ(dst/"nbs", ROOT/"nbs", "*.ipynb")}'

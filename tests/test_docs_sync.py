"The README is the docs site's index page: the two say the same thing, and every link of the README resolves."
import importlib.util, re
from pathlib import Path

ROOT = Path(__file__).parent.parent
spec = importlib.util.spec_from_file_location('readme', ROOT/'tools'/'readme.py')
readme = importlib.util.module_from_spec(spec); spec.loader.exec_module(readme)

def test_readme_is_the_index_notebook():
    assert (ROOT/'README.md').read_text() == readme.readme_text(), \
        'README.md and nbs/index.ipynb differ: edit nbs/index.ipynb, then run `python tools/readme.py`'

def test_links_are_rebased_for_the_repository_root():
    assert readme.rebase('tutorials/synthetic.ipynb') == 'nbs/tutorials/synthetic.ipynb'
    assert readme.rebase('images/overview.png') == 'nbs/images/overview.png'
    assert readme.rebase('../results/README.md') == 'results/README.md'
    for url in ('https://dmo-nb.github.io/dmo_nb/', '#two-commands', 'mailto:a@b.c'): assert readme.rebase(url) == url

def test_every_relative_link_of_the_readme_exists():
    targets = [t for t in readme.LINK.findall((ROOT/'README.md').read_text()) for t in [t[1]]
               if not re.match(r'^[a-z][a-z0-9+.-]*:|#', t)]
    assert len(targets) >= 5, targets
    missing = [t for t in targets if not (ROOT/t.split('#')[0]).exists()]
    assert not missing, f'README links to files that do not exist: {missing}'

def test_the_index_links_to_the_four_tutorials():
    text = (ROOT/'README.md').read_text()
    for nb in ('synthetic', 'reproduce', 'regroup', 'own_tasks'):
        assert f'(nbs/tutorials/{nb}.ipynb)' in text and (ROOT/'nbs'/'tutorials'/f'{nb}.ipynb').exists(), nb

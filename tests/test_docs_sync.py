"The README is the docs site's index page: the two say the same thing."
import json
from pathlib import Path

ROOT = Path(__file__).parent.parent

def test_readme_is_the_index_notebook():
    nb = json.loads((ROOT/'nbs'/'index.ipynb').read_text())
    md = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown']
    readme = (ROOT/'README.md').read_text()
    assert readme.strip() == '\n\n'.join(md).strip(), 'README.md and nbs/index.ipynb differ: edit one, copy it to the other'

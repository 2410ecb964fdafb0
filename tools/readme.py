"""Write README.md from the markdown cells of nbs/index.ipynb (what `nbdev_readme` does, without Quarto).

    .venv/bin/python tools/readme.py

Links and images in the index are relative to `nbs/` (where the docs site resolves them); in the README they
are made relative to the repository's root, so both work: `tutorials/x.ipynb` becomes `nbs/tutorials/x.ipynb`.
`tests/test_docs_sync.py` checks that README.md is what this script writes."""
import json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r'(\]\()([^)\s]+)(\))')

def rebase(target:str)->str:
    "A link target of the index, as the README at the repository's root must write it."
    if re.match(r'^[a-z][a-z0-9+.-]*:', target) or target.startswith(('#', '/')): return target
    return target[3:] if target.startswith('../') else 'nbs/' + target

def readme_text(index:Path=ROOT/'nbs'/'index.ipynb')->str:
    "The README that `index` makes: its markdown cells joined by blank lines, links rebased."
    cells = json.loads(Path(index).read_text())['cells']
    md = '\n\n'.join(''.join(c['source']).strip() for c in cells if c['cell_type'] == 'markdown')
    return LINK.sub(lambda m: m[1] + rebase(m[2]) + m[3], md) + '\n'

if __name__ == '__main__':
    (ROOT/'README.md').write_text(readme_text()); print('README.md')

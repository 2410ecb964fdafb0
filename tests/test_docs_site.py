"""The docs site, checked offline as Quarto would build it: `nbdev_proc_nbs` prepares every page (it runs the
show_doc and import cells), each page is rendered to HTML, and headless Chromium photographs the index and the
tutorials into `test-artifacts/docs/`. Quarto itself cannot be installed here; the deploy workflow builds the site."""
import json, re, shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
PROC, NBS, ARTIFACTS = ROOT/'_proc', ROOT/'nbs', ROOT/'test-artifacts'/'docs'
SITE = 'https://dmo-nb.github.io/dmo_nb/'
SOURCE = 'https://github.com/dmo-nb/dmo_nb/blob/main/'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
# a call that draws: the report's and the data's plotting functions, matplotlib, seaborn, a shown image
FIGURE = re.compile(r'(?<![\w.])(plot_\w+|show_scenario|show_batch|plt\.(?!close)\w+|sns\.\w+|Image)\(')
NBDEV_DIRECTIVES = {'export', 'exports', 'exporti', 'hide', 'default_exp', 'slow', 'notest', 'cuda', 'exec_doc', 'hide_input', 'hide_output'}

def pages()->list: return sorted(p for p in PROC.rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)
def name(p:Path)->str: return str(p.relative_to(PROC))
def url_of(page:str)->str:
    "The site's file of a page: nbdev drops the number prefix of each part (`01a_datasets.ipynb` is `datasets.html`)."
    return '/'.join(re.sub(r'^\d+[a-z]?_', '', part) for part in page.split('/')).replace('.ipynb', '.html')
def code_cells(nb): return [c for c in nb['cells'] if c['cell_type'] == 'code']
def text(x)->str: return ''.join(x) if isinstance(x, list) else (x or '')

@pytest.fixture(scope='module')
def site():
    "Every page, prepared by nbdev's own processor from a clean cache."
    r = subprocess.run([sys.executable, '-c', "from nbdev.serve import proc_nbs; proc_nbs('nbs', n_workers=2, force=True)"],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-4000:]
    assert 'Found cells containing imports and other code' not in r.stderr, \
        'a cell mixes imports with other code: the docs build would run it out of context\n' + r.stderr[-3000:]
    return {name(p): json.loads(p.read_text()) for p in pages()}

def test_every_notebook_is_a_page_and_in_the_sidebar(site):
    nbs = {str(p.relative_to(NBS)) for p in NBS.rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts}
    assert set(site) == nbs
    sidebar = set(re.findall(r'^\s+- (\S+\.ipynb)\s*$', (NBS/'sidebar.yml').read_text(), re.M))
    assert sidebar == nbs, f'nbs/sidebar.yml misses {sorted(nbs - sidebar)} and lists {sorted(sidebar - nbs)}'
    order = re.findall(r'^\s+- (\S+\.ipynb)\s*$', (NBS/'sidebar.yml').read_text(), re.M)
    assert order[1:5] == [f'tutorials/{t}.ipynb' for t in ('synthetic', 'reproduce', 'regroup', 'own_tasks')], 'tutorials come first'

def test_no_page_shows_an_error(site):
    bad = [(n, i) for n, nb in site.items() for i, c in enumerate(code_cells(nb)) for o in c.get('outputs', [])
           if o['output_type'] == 'error' or (o.get('name') == 'stderr' and re.search(r'Traceback|Error\b', text(o.get('text'))))]
    assert not bad, f'error outputs on pages: {bad}'

def test_every_page_shows_outputs(site):   # the index is the README: prose only
    empty = [n for n, nb in site.items() if n != 'index.ipynb' and not any(c.get('outputs') for c in code_cells(nb))]
    assert not empty, f'pages without a single saved output: {empty}'

def test_every_show_doc_shows_its_entry(site):
    "A cell shows only its last value: one `show_doc` per cell, and each renders its entry."
    bad = [(n, text(c['source'])[:60]) for n, nb in site.items() for c in code_cells(nb) if 'show_doc(' in text(c['source'])
           and (text(c['source']).count('show_doc(') > 1 or not any('text/markdown' in o.get('data', {}) for o in c.get('outputs', [])))]
    assert not bad, f'show_doc cells that show nothing or only their last entry: {bad}'

def test_every_cell_that_draws_has_its_figure(site):
    missing = []
    for n, nb in site.items():
        for c in code_cells(nb):
            src = text(c['source'])
            if not FIGURE.search(src) or re.search(r'^(def|class) ', src, re.M): continue
            if not any(k.startswith('image/') for o in c.get('outputs', []) for k in o.get('data', {})):
                missing.append((n, src.splitlines()[0][:80]))
    assert not missing, f'cells that draw a figure but show none: {missing}'

def test_no_raw_directive_leaks(site):
    leaks = []
    for n, nb in site.items():
        for c in nb['cells']:
            lines = text(c['source']).splitlines()
            if c['cell_type'] == 'markdown': leaks += [(n, l) for l in lines if l.lstrip().startswith('#|')]
            else:   # Quarto reads the leading `#| key: value` lines as cell options; nbdev's own must be gone
                for l in lines:
                    if not l.startswith('#|'): break
                    key = l[2:].strip().split(':')[0].split()[0] if l[2:].strip() else ''
                    if key in NBDEV_DIRECTIVES or not re.match(r'^#\|\s*[\w-]+:\s*\S', l): leaks.append((n, l))
    assert not leaks, f'raw directives on pages: {leaks}'

def anchors(nb)->set:
    "The ids Quarto (pandoc) gives the headings of a page: its markdown cells and the markdown show_doc writes."
    mds = [text(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown']
    mds += [text(o['data']['text/markdown']) for c in code_cells(nb) for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {})]
    out = set()
    for md in mds:
        for h in re.findall(r'^#{1,6} (.+)$', md, re.M):
            explicit = re.search(r'\{#([\w.-]+)\}', h)
            if explicit: out.add(explicit[1]); continue
            h = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', h).replace('`', '').replace('*', '')
            h = re.sub(r'[^\w\s.-]', '', h.lower()).strip()
            out.add(re.sub(r'^[^a-z]+', '', re.sub(r'\s+', '-', h)))
    return out

def links(nb)->list:
    "Every link target on a page: markdown links and images, and hrefs in HTML outputs."
    parts = [text(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown']
    parts += [text(o['data'][k]) for c in code_cells(nb) for o in c.get('outputs', []) for k in ('text/markdown', 'text/html') if k in o.get('data', {})]
    md = '\n'.join(parts)
    return re.findall(r'\]\(([^)\s]+)', md) + re.findall(r'href="([^"]+)"', md)

def test_every_cross_reference_resolves(site):
    ids = {n: anchors(nb) for n, nb in site.items()}
    by_url = {url_of(n): n for n in site}
    bad, n_site, n_src = [], 0, 0
    for n, nb in site.items():
        for t in links(nb):
            target, _, anchor = t.partition('#')
            if t.startswith(SITE):
                n_site += 1; page = by_url.get(target[len(SITE):] or 'index.html')
                if page is None or (anchor and anchor not in ids[page]): bad.append((n, t))
            elif t.startswith(SOURCE):
                n_src += 1; f = ROOT/target[len(SOURCE):]
                m = re.fullmatch(r'L(\d+)', anchor)
                if not f.exists() or not m or not 1 <= int(m[1]) <= len(f.read_text().splitlines()): bad.append((n, t))
            elif re.match(r'^[a-z][a-z0-9+.-]*:', t): continue   # other sites
            elif target:
                f = (PROC/n).parent/target
                page = re.sub(r'\.html$', '.ipynb', str(f.resolve().relative_to(PROC.resolve()))) if f.resolve().is_relative_to(PROC.resolve()) else None
                if page in site:
                    if anchor and anchor not in ids[page]: bad.append((n, t))
                elif not f.exists(): bad.append((n, t))
            elif anchor and anchor not in ids[n]: bad.append((n, t))
    assert n_site > 100 and n_src > 100, (n_site, n_src)   # the API pages link to each other and to their source
    assert not bad, f'links that resolve to nothing: {bad}'

def render(nb:dict)->str:
    "A page as HTML, with Quarto's cell options taken out of the code as Quarto does."
    import nbformat
    from nbconvert import HTMLExporter
    nb = json.loads(json.dumps(nb))
    for c in code_cells(nb):
        lines = text(c['source']).splitlines(True)
        while lines and lines[0].startswith('#|'): lines.pop(0)
        c['source'] = ''.join(lines)
    return HTMLExporter().from_notebook_node(nbformat.reads(json.dumps(nb), as_version=4))[0]

def test_pages_render_and_the_index_and_tutorials_are_photographed(site):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = ['index.ipynb'] + sorted(n for n in site if n.startswith('tutorials/'))
    for n, nb in site.items():
        html = render(nb)
        assert '#|' not in html, f'{n}: a raw directive is rendered'
        out = (ARTIFACTS/n).with_suffix('.html'); out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html)
    for img in [p for ext in ('png', 'jpg', 'svg') for p in PROC.rglob(f'*.{ext}')]:   # images the pages link, where they link them
        dst = ARTIFACTS/img.relative_to(PROC); dst.parent.mkdir(parents=True, exist_ok=True); shutil.copy(img, dst)
    if CHROMIUM is None: pytest.skip('Chromium is not installed (.ci/run installs it): pages rendered, not photographed')
    playwright = pytest.importorskip('playwright.sync_api')
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=['--no-sandbox', '--disable-gpu'])
        try:
            pg = b.new_page(viewport={'width': 1100, 'height': 1400})
            for n in shots:
                html = (ARTIFACTS/n).with_suffix('.html')
                pg.goto(html.as_uri()); pg.wait_for_load_state('load')
                broken = pg.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
                assert not broken, f'{n}: images that do not load: {broken}'
                png = html.with_suffix('.png'); pg.screenshot(path=str(png), full_page=True)
                assert png.stat().st_size > 50_000, f'{n}: the screenshot is nearly blank'
        finally: b.close()

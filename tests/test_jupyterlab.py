"""The regrouping tutorial in real JupyterLab, in headless Chromium: run the notebook, drag τ_sim, see the groups
change, Apply, Prune & fine-tune, and see the new row of the results table. Leaves test-artifacts/regroup_jupyterlab.png."""
import json, os, secrets, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
playwright = pytest.importorskip('playwright.sync_api')
pytest.importorskip('jupyterlab')
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason='Chromium is not installed (.ci/run installs it)')
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT/'test-artifacts'
TUTORIAL = ROOT/'nbs'/'tutorials'/'regroup.ipynb'
SETTINGS = {'@jupyterlab/apputils-extension/notification.jupyterlab-settings': {'fetchNews': 'false', 'checkForUpdates': False},
            '@jupyterlab/notebook-extension/tracker.jupyterlab-settings': {'windowingMode': 'none'}}

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    "JupyterLab on 127.0.0.1 with a token, serving a copy of the tutorial without its saved outputs."
    d = tmp_path_factory.mktemp('lab')
    nb = json.loads(TUTORIAL.read_text())
    for c in nb['cells']:
        if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
    (d/'tutorials').mkdir(); (d/'tutorials'/'regroup.ipynb').write_text(json.dumps(nb))
    shutil.copytree(ROOT/'nbs'/'images', d/'images')
    for f, v in SETTINGS.items():
        (d/'settings'/f).parent.mkdir(parents=True, exist_ok=True); (d/'settings'/f).write_text(json.dumps(v))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(d/'settings'), JUPYTERLAB_WORKSPACES_DIR=str(d/'workspaces'),
               JUPYTER_RUNTIME_DIR=str(d/'runtime'), JUPYTER_CONFIG_DIR=str(d/'config'))
    port, token = free_port(), secrets.token_hex(16)
    log = open(d/'lab.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={port}',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={d}'] + (['--allow-root'] if os.geteuid() == 0 else []),
                            cwd=d, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}/'
    for _ in range(120):   # bounded: at most a minute for the server to answer
        if proc.poll() is not None: break
        try: urllib.request.urlopen(f'{url}api/status?token={token}', timeout=2); break
        except Exception: time.sleep(0.5)
    if proc.poll() is not None or _ == 119: pytest.fail('JupyterLab did not start:\n' + (d/'lab.log').read_text()[-3000:])
    # without a token the server refuses: it is not open to anyone on the machine
    with pytest.raises(urllib.error.HTTPError): urllib.request.urlopen(f'{url}api/contents', timeout=5)
    yield url, token, nb
    os.killpg(proc.pid, signal.SIGTERM); proc.wait(30); log.close()

def groups_shown(pg)->str:
    return pg.locator('.widget-html:has-text("projected #P")').inner_text()

def test_regroup_tutorial_in_jupyterlab(lab):
    url, token, nb = lab
    upto = next(i for i, c in enumerate(nb['cells']) if c['cell_type'] == 'code' and 'regroup(' in ''.join(c['source']))   # the cell that opens the app
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=['--no-sandbox', '--disable-gpu'])
        try:
            pg = b.new_page(viewport={'width': 1400, 'height': 2000})
            pg.goto(f'{url}lab/tree/tutorials/regroup.ipynb?token={token}', timeout=120_000)
            pg.locator('.jp-Notebook .jp-Cell').first.wait_for(timeout=120_000)
            pg.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
            pg.locator('.jp-Notebook .jp-Cell').first.click(); pg.keyboard.press('Escape')
            for _ in range(upto + 1): pg.keyboard.press('Shift+Enter'); time.sleep(0.2)   # run the tutorial down to the app
            summary = pg.locator('.widget-html:has-text("projected #P")')
            summary.wait_for(timeout=300_000)
            before = groups_shown(pg)
            assert '3 group(s)' in before and '{digits, digits_noisy}' in before, before
            tau_sim = pg.locator('.widget-slider').nth(1)
            tau_sim.scroll_into_view_if_needed()
            track, handle = tau_sim.locator('.noUi-base').bounding_box(), tau_sim.locator('.noUi-handle').bounding_box()
            y = handle['y'] + handle['height'] / 2
            pg.mouse.move(handle['x'] + handle['width'] / 2, y); pg.mouse.down()
            pg.mouse.move(track['x'] + 1, y, steps=10); pg.mouse.up()   # drag tau_sim to its minimum: every pair is linked
            pg.wait_for_function("() => [...document.querySelectorAll('.widget-html')].some(e => e.innerText.includes('1 group(s)'))",
                                 timeout=60_000)
            assert '{digits, digits_noisy, shapes, colors}' in groups_shown(pg)
            pg.locator('button:has-text("Apply")').click()
            pg.wait_for_function("() => [...document.querySelectorAll('.widget-html')].some(e => e.innerText.startsWith('applied: groups'))",
                                 timeout=30_000)
            pg.locator('button:has-text("Prune & fine-tune")').click()
            pg.wait_for_function("() => [...document.querySelectorAll('.widget-html')].some(e => e.innerText.startsWith('done: '))",
                                 timeout=300_000)
            rows = pg.locator('table.dmo-results tbody tr')
            assert rows.count() == 2, rows.count()   # single-task learning, and the launch
            assert 'tau_sim=' in rows.nth(1).inner_text() and "[['digits', 'digits_noisy', 'shapes', 'colors']]" in rows.nth(1).inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            app = pg.locator('.jp-OutputArea-output:has(.widget-vbox)').first
            app.scroll_into_view_if_needed()
            app.screenshot(path=str(ARTIFACTS/'regroup_jupyterlab.png'))
            pg.screenshot(path=str(ARTIFACTS/'regroup_jupyterlab_page.png'))
        finally: b.close()
    assert (ARTIFACTS/'regroup_jupyterlab.png').stat().st_size > 20_000

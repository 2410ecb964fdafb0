"The regrouping app in a real browser: Voilà serves a notebook showing it, headless Chromium moves a slider."
import json, os, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
playwright = pytest.importorskip('playwright.sync_api')
pytest.importorskip('voila')
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason='Chromium is not installed (.ci/run installs it)')
ARTIFACTS = Path(__file__).resolve().parents[1]/'test-artifacts'
ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync']

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture(scope='module')
def served_app(tmp_path_factory):
    from dmo_nb.pipeline import Config, run
    d = tmp_path_factory.mktemp('browser')
    run(Config(out=str(d/'run'), tasks=['digits', 'shapes', 'colors'], n_train=160, n_test=32, epochs=2, ft_epochs=1, width=8, quiet=True))
    src = ["from dmo_nb.widgets import regroup\n", f"app = regroup({str(d/'run')!r})\n", "app.widget"]
    nb = {'cells': [{'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [], 'source': src}],
          'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}}, 'nbformat': 4, 'nbformat_minor': 5}
    (d/'app.ipynb').write_text(json.dumps(nb))
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-m', 'voila', 'app.ipynb', '--no-browser', f'--port={port}', '--Voila.ip=127.0.0.1'],
                            cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}/'
    for _ in range(120):   # bounded: at most a minute for the server to answer
        try: urllib.request.urlopen(url + 'api/kernelspecs', timeout=2); break
        except Exception: time.sleep(0.5)
    yield url
    os.killpg(proc.pid, signal.SIGTERM); proc.wait(30)

def test_slider_regroups_in_browser(served_app):
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            pg = b.new_page(viewport={'width': 1200, 'height': 1100})
            pg.goto(served_app, timeout=120_000)
            summary = pg.locator('.widget-html:has-text("projected #P")')
            summary.wait_for(timeout=180_000)
            before = summary.inner_text()
            assert '3 group(s)' in before, before
            tau_sim = pg.locator('.widget-slider').nth(1)
            track, handle = tau_sim.locator('.noUi-base').bounding_box(), tau_sim.locator('.noUi-handle').bounding_box()
            y = handle['y'] + handle['height'] / 2
            pg.mouse.move(handle['x'] + handle['width'] / 2, y); pg.mouse.down()
            pg.mouse.move(track['x'] + 1, y, steps=10); pg.mouse.up()   # drag tau_sim to its minimum
            pg.wait_for_function("() => [...document.querySelectorAll('.widget-html')].some(e => e.innerText.includes('1 group(s)'))",
                                 timeout=60_000)
            after = summary.inner_text()
            assert '{digits, shapes, colors}' in after and after != before
            ARTIFACTS.mkdir(exist_ok=True)
            pg.screenshot(path=str(ARTIFACTS/'regroup_app.png'), full_page=True)
        finally: b.close()
    assert (ARTIFACTS/'regroup_app.png').stat().st_size > 10_000

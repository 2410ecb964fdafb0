"The console script is installed and works as the README says."
import subprocess, sys
from pathlib import Path

# pip puts console scripts beside the interpreter of the environment (the venv may not be on PATH)
EXE = Path(sys.executable).parent/('dmo_nb.exe' if sys.platform == 'win32' else 'dmo_nb')

def test_console_script_help():
    assert EXE.exists(), f'the dmo_nb console script is not installed at {EXE}'
    r = subprocess.run([str(EXE), 'run', '--help'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    for flag in ('--alpha', '--tau-sim', '--tau', '--epochs', '--scenario', '--out', '--independent-init'): assert flag in r.stdout

def test_console_script_bad_input(tmp_path):
    r = subprocess.run([str(EXE), 'run', '--tau-sim', '3', '--out', str(tmp_path/'r')], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and '`tau_sim` must be a number in [-1, 1]' in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path/'r').exists()

def test_cli_builds_the_scenario_once(tmp_path, monkeypatch):
    "A CLI call checks its settings by building the scenario, then every stage and every sweep size reuses it."
    import dmo_nb.pipeline as pl
    import dmo_nb.config as cf
    calls = []; real = cf.build_scenario
    monkeypatch.setattr(cf, 'build_scenario', lambda cfg: calls.append(cfg.scenario) or real(cfg))
    argv = ['--tasks', 'shapes', 'colors', '--n-train', '64', '--n-test', '16', '--epochs', '1', '--ft-epochs', '1', '--width', '4',
            '--bs', '32', '--quiet', '--out', str(tmp_path/'r')]
    from dmo_nb.cli import main
    assert main(['sweep', '--widths', '4', '8', '--depths', '10', *argv]) == 0
    assert calls == ['synthetic'], calls
    assert len(list((tmp_path/'r'/'sweep').iterdir())) == 2   # width 4 and width 8, both at depth 10

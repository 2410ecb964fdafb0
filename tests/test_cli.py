"The console script is installed and works as the README says."
import subprocess, sys, shutil

def test_console_script_help():
    exe = shutil.which('dmo_nb')
    assert exe, 'the dmo_nb console script is not installed'
    r = subprocess.run([exe, 'run', '--help'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    for flag in ('--alpha', '--tau-sim', '--tau', '--epochs', '--scenario', '--out'): assert flag in r.stdout

def test_console_script_bad_input():
    r = subprocess.run(['dmo_nb', 'run', '--tau-sim', '3'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and '`tau_sim` must be a number in [-1, 1]' in r.stderr and 'Traceback' not in r.stderr

"The README's main job, at its default settings: the built-in scenario groups as designed, and DMO is small and accurate."
import pytest
from dmo_nb.data import synthetic, SYNTHETIC_GROUPS
from dmo_nb.pipeline import Config, run
from dmo_nb.report import load_report

def test_default_synthetic_run(tmp_path):
    rep = run(Config(scenario='synthetic', out=str(tmp_path/'demo'), quiet=True))
    assert load_report(tmp_path/'demo') == rep
    # the grouping the scenario was built to produce (nbs/00_data.ipynb)
    assert sorted(map(sorted, rep['groups'])) == sorted(map(sorted, SYNTHETIC_GROUPS))
    assert rep['expected_groups'] == SYNTHETIC_GROUPS
    # DMO keeps at most 15% of the single-task parameters ...
    assert rep['ratio'] <= 0.15, rep['ratio']
    # ... at an average accuracy within 1 point of single-task learning, and no task more than 3 points below its own
    acc = rep['accuracy']
    assert acc['dmo_avg'] >= acc['single_avg'] - 1, acc
    assert all(acc['dmo'][t] >= acc['single'][t] - 3 for t in rep['tasks']), acc
    assert rep['config']['min_keep'] == 0.05   # the scenario's floor (README: why the defaults are what they are)
    # harder tasks keep more: keep ratios follow difficulty
    d, k = rep['difficulty'], rep['keep_ratio']
    order = sorted(d, key=d.get)
    assert [k[t] for t in order] == sorted(k[t] for t in order)
    assert d['colors'] < d['digits'] < d['digits_noisy']

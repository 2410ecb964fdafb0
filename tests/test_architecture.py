"Checks of the package's shape: imports run one way, settings flow as one object, cache keys come from `Config`'s declarations."
import ast, dataclasses, importlib, inspect, json, pkgutil, re, subprocess, sys
from pathlib import Path
import networkx as nx, pytest
import dmo_nb
from dmo_nb.core import stable_hash
from dmo_nb.pipeline import Config, resolve, config_key, single_key, plan_key, init_key
from dmo_nb.compare import baseline_key

PKG = Path(dmo_nb.__file__).parent
MODULES = sorted(m.name for m in pkgutil.iter_modules(dmo_nb.__path__) if not m.name.startswith('_'))

def _imports(path:Path)->set:
    "The dmo_nb modules a module imports at its top level or anywhere inside it."
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ''
            if node.level == 1: out.add(mod.split('.')[0] if mod else '')
            elif mod.startswith('dmo_nb.'): out.add(mod.split('.')[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split('.')[1] for a in node.names if a.name.startswith('dmo_nb.')}
    return out - {''}

def test_no_import_cycle():
    g = nx.DiGraph()
    for m in MODULES: g.add_edges_from((m, d) for d in _imports(PKG/f'{m}.py'))
    cycles = list(nx.simple_cycles(g))
    assert cycles == [], f'import cycles: {cycles}'
    # the rooms: the training core and the joint trainer know nothing of the stages built on them
    assert not (_imports(PKG/'train.py') & {'single', 'finetune', 'baselines', 'pipeline', 'joint'})
    assert not (_imports(PKG/'joint.py') & {'finetune', 'baselines', 'pipeline', 'single'})
    assert 'finetune' not in _imports(PKG/'baselines.py') and 'compare' not in _imports(PKG/'pipeline.py')

def test_public_functions_take_at_most_ten_parameters():
    long = []
    for m in MODULES:
        mod = importlib.import_module(f'dmo_nb.{m}')
        for n in getattr(mod, '__all__', []):
            o = getattr(mod, n)
            fs = [(n, o)] if inspect.isfunction(o) else []
            if inspect.isclass(o) and not dataclasses.is_dataclass(o):
                fs += [(f'{n}.__init__', o.__init__)] + [(f'{n}.{k}', v) for k, v in vars(o).items() if inspect.isfunction(v) and not k.startswith('_')]
            for name, f in fs:
                if not inspect.isfunction(f) or not f.__module__.startswith('dmo_nb'): continue
                ps = [p for p in inspect.signature(f).parameters.values() if p.name != 'self' and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
                if len(ps) > 10: long.append((m, name, len(ps)))
    assert long == []

def test_importing_leaves_warning_filters_alone():
    code = ("import warnings, dmo_nb.data, dmo_nb.cli\n"
            "bad = [f for f in warnings.filters if f[1] is not None and 'script' in f[1].pattern and 'deprecated' in f[1].pattern]\n"
            "assert not bad, bad")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert 'torch.jit.script' not in r.stderr   # quiet, without a global filter

def test_weightings_keep_fastai_callback_names():
    from dmo_nb.weighting import WEIGHTINGS, Weighting, MinMax, DWA
    assert set(WEIGHTINGS) == {'equal', 'uncertainty', 'dwa', 'minmax'}
    assert WEIGHTINGS['minmax'] is MinMax and WEIGHTINGS['equal'] is Weighting
    assert (Weighting(2).name, MinMax(2).name, DWA(2).name) == ('weighting', 'min_max', 'dwa')   # fastai's own naming

# The cache keys of runs made before keys were derived from `Config`'s field declarations, written out by hand as
# they were: a run directory made then must reuse its artifacts now.
def _old_flags(c, names=('pretrained', 'amp', 'channels_last', 'compile')): return {k: getattr(c, k) for k in names if getattr(c, k)}
def _old_sched(c): return {} if c.schedule == 'one_cycle' else {'schedule': c.schedule}
def _old_single(c, task):
    return stable_hash(dict(scenario=c.scenario, task=task, n_train=c.n_train, n_test=c.n_test, size=c.size, seed=c.seed,
                            depth=c.depth, width=c.width, epochs=c.epochs, bs=c.bs, lr=c.lr, wd=c.wd, mom=c.mom,
                            **_old_sched(c), **_old_flags(c, ('independent_init', 'pretrained', 'amp', 'channels_last', 'compile'))))
def _old_plan(c, names, plan):
    return stable_hash(dict(single=[_old_single(c, n) for n in names], groups=plan['groups'], keep=plan['keep_ratio'],
                            difficulty=plan['difficulty'], min_layer_keep=c.min_layer_keep, ft_epochs=c.ft_epochs,
                            ft_lr=c.ft_lr, bs=c.bs, wd=c.wd, mom=c.mom, reg=c.reg, seed=c.seed, **_old_sched(c),
                            **({'weighting': c.weighting} if c.weighting != 'equal' else {})))
def _old_baseline(c, method, names, extra=None):
    return stable_hash(dict(method=method, scenario=c.scenario, tasks=list(names), n_train=c.n_train, n_test=c.n_test,
                            size=c.size, seed=c.seed, depth=c.depth, width=c.width, epochs=c.epochs, bs=c.bs, lr=c.lr,
                            wd=c.wd, mom=c.mom, weighting=c.weighting, extra=extra or {}, **_old_sched(c), **_old_flags(c)))
def _old_init(c): return stable_hash(dict(depth=c.depth, width=c.width, seed=c.seed, **({'pretrained': True} if c.pretrained else {})))

@pytest.mark.parametrize('over', [{}, dict(schedule='cos'), dict(weighting='dwa', seed=3), dict(independent_init=True, weight_mode='final'),
                                  dict(epochs=3, ft_epochs=2, lr=0.2, ft_lr=0.05, bs=32, wd=0.0, mom=0.8, reg=0.0, min_layer_keep=0.05),
                                  dict(channels_last=True, n_train=200, size=24)])
def test_cache_keys_of_earlier_runs_still_match(over):
    c = resolve(Config(**over))[0]
    plan = dict(groups=[['digits', 'shapes'], ['colors']], keep_ratio={'digits': 0.1, 'shapes': 0.2, 'colors': 0.3},
                difficulty={'digits': 0.1, 'shapes': 0.2, 'colors': 0.3})
    names = ['digits', 'shapes', 'colors']
    assert single_key(c, 'digits') == _old_single(c, 'digits')
    assert init_key(c) == _old_init(c)
    assert baseline_key(c, 'hard', names, {'coef': 0.1}) == _old_baseline(c, 'hard', names, {'coef': 0.1})
    if not c.channels_last: assert plan_key(c, names, plan) == _old_plan(c, names, plan)
    else: assert plan_key(c, names, plan) != _old_plan(c, names, plan)   # a runtime flag now keys the groups it changes

def test_every_key_declaration_names_a_real_artifact():
    artifacts = {'init', 'single', 'similarity', 'plan', 'group', 'baseline'}
    for f in dataclasses.fields(Config):
        assert set(f.metadata.get('keys', {})) <= artifacts, f.name
    c = resolve(Config())[0]
    assert set(config_key(c, 'plan')) == {'alpha', 'tau_sim', 'tau', 'min_keep', 'reading', 'weight_mode'}
    assert 'out' not in config_key(c, 'single') and 'quiet' not in config_key(c, 'group') and 'device' not in config_key(c, 'baseline')

def test_method_and_weighting_options_reach_every_entry_point():
    c = Config(weighting='dwa', dwa_temp=4.0, soft_coef=0.1, taps_coef=0.5, rsa_groups=2).validate()
    assert c.weighting_options() == {'temp': 4.0}
    assert (c.method_options('soft'), c.method_options('taps'), c.method_options('soft_rsa'), c.method_options('hard')) == \
           ({'coef': 0.1}, {'coef': 0.5}, {'n_groups': 2}, {})
    assert Config(weighting='minmax', minmax_gamma=0.0, weighting_lr=0.05).validate().weighting_options() == {'lr': 0.05, 'gamma': 0.0}
    with pytest.raises(ValueError, match="`dwa_temp` applies to `weighting` 'dwa'"): Config(dwa_temp=3.0).validate()
    with pytest.raises(ValueError, match='`soft_coef` must be a number >= 0'): Config(soft_coef=-1.0).validate()
    r = resolve(Config(weighting='dwa'))[0]; r2 = dataclasses.replace(r, dwa_temp=4.0)
    plan = dict(groups=[['digits']], keep_ratio={'digits': 0.1}, difficulty={'digits': 0.1})
    assert plan_key(r, ['digits'], plan) != plan_key(r2, ['digits'], plan)   # a weighting setting keys the groups it trains
    from dmo_nb.cli import main
    import io, contextlib
    h = io.StringIO()
    with contextlib.redirect_stdout(h), contextlib.suppress(SystemExit): main(['compare', '--help'])
    for flag in ('--dwa-temp', '--minmax-gamma', '--weighting-lr', '--soft-coef', '--taps-coef', '--rsa-groups'): assert flag in h.getvalue()

def test_python_dash_m_runs_the_cli():
    r = subprocess.run([sys.executable, '-m', 'dmo_nb', 'run', '--alpha', '2'], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == ['dmo_nb: error: `alpha` must be a number in [0, 1]; got 2.0 (flag --alpha)']

def test_stage_functions_take_a_recipe():
    from dmo_nb.train import Recipe
    from dmo_nb.single import train_single
    from dmo_nb.finetune import finetune_group, group_learner
    from dmo_nb.baselines import train_baseline
    for f in (train_single, finetune_group, group_learner, train_baseline):
        assert inspect.signature(f).parameters['recipe'].annotation in (Recipe, 'Recipe'), f.__name__
    with pytest.raises(TypeError, match=r"\['epoch'\]"): Recipe.of(None, epoch=3)
    c = resolve(Config(epochs=3, ft_epochs=2, ft_lr=0.03))[0]
    assert (c.train_recipe().epochs, c.finetune_recipe().epochs, c.finetune_recipe().lr, c.finetune_recipe().bs) == (3, 2, 0.03, c.bs)

def _several_statements(tree)->list:
    "Lines of `tree` where a statement follows another on the same line (`a; b`)."
    out = []
    for node in ast.walk(tree):
        for field in ('body', 'orelse', 'finalbody'):
            body = getattr(node, field, None)
            if isinstance(body, list):
                out += [b.lineno for a, b in zip(body, body[1:]) if isinstance(a, ast.stmt) and b.lineno == a.end_lineno]
    return out

def test_the_run_is_small_parts_and_one_statement_a_line():
    "The pipeline is a `Run` whose stages live in modules of a readable size; no class is a hub; no line holds two statements."
    for m in ('config', 'layout', 'runs', 'plan', 'carry', 'pipeline'):
        n = len((PKG/f'{m}.py').read_text().splitlines())
        assert n <= 350, f'dmo_nb/{m}.py has {n} lines'
    big, joined = [], []
    for m in MODULES:
        tree = ast.parse((PKG/f'{m}.py').read_text())
        big += [(m, c.name, c.end_lineno - c.lineno + 1) for c in ast.walk(tree)
                if isinstance(c, ast.ClassDef) and c.end_lineno - c.lineno + 1 > 120]
        joined += [(m, l) for l in _several_statements(tree)]
    assert big == [] and joined == []
    from dmo_nb.pipeline import Run   # the old import path still works
    for stage in ('single', 'plan', 'groups', 'report', 'carry_out', 'dmo'): assert callable(getattr(Run, stage))

def test_run_is_complete_from_its_own_module():
    "`from dmo_nb.runs import Run` alone gives every stage: nothing is patched onto it from a module imported later."
    code = ("import sys\nfrom dmo_nb.runs import Run\n"
            "stages = ('single', 'train_single_stage', 'net', 'measure', 'inputs', 'plan', 'budget_tau', 'plan_dir',\n"
            "          'build_group', 'groups', 'report', 'carry_out', 'dmo')\n"
            "missing = [s for s in stages if not callable(getattr(Run, s, None))]\n"
            "assert not missing, missing\n"
            "later = sorted(m for m in sys.modules if m.split('.')[0] == 'dmo_nb' and m.split('.')[-1] in "
            "('pipeline', 'compare', 'ablate', 'frontier', 'widgets', 'deploy', 'cli'))\n"
            "assert not later, later")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_no_module_imports_another_only_for_its_side_effects():
    "Every import of a dmo_nb module names what it uses (`from .x import y`): no bare `import dmo_nb.x`."
    bare = [(m, a.name) for m in MODULES for node in ast.walk(ast.parse((PKG/f'{m}.py').read_text()))
            if isinstance(node, ast.Import) for a in node.names if a.name.startswith('dmo_nb')]
    assert bare == [], bare

def test_notebook_numbers_follow_the_layers():
    "A module's notebook sorts after the notebooks of every module it imports, so the sidebar's order is the layers'."
    nb_of = {}
    for nb in (PKG.parent/'nbs').glob('[0-9]*.ipynb'):
        first = ''.join(json.loads(nb.read_text())['cells'][0]['source'])
        if first.startswith('#| default_exp '): nb_of[first.split()[-1]] = nb.name
    assert set(nb_of) == set(MODULES) - {'__main__'} | ({'__main__'} & set(nb_of)), set(MODULES) ^ set(nb_of)
    def number(m): return nb_of[m].split('_')[0]
    late = [(m, d) for m in nb_of for d in _imports(PKG/f'{m}.py') if d in nb_of and number(d) >= number(m) and d != m]
    assert late == [], f'modules importing a module whose notebook does not come first: {late}'
    side = (PKG.parent/'nbs'/'sidebar.yml').read_text()
    listed = [l.strip()[2:] for l in side.splitlines() if re.match(r'^\s+- \d', l)]
    assert listed == sorted(listed), 'the sidebar lists the package pages in their numbered order'

RUN_FILES = {'config.json', 'report.json', 'table.md', 'plan.json', 'applied_plan.json', 'single', 'regroup', 'compare',
             'ablate', 'figures', 'sweep', 'comparison.json', 'ablation.json', 'frontier.json'}

def test_only_the_layout_joins_paths_under_a_run_directory():
    "`dmo_nb.layout.RunDir` hands out every path under a run directory: no other module joins a name of one with `/`."
    joins = []
    for m in MODULES:
        if m == 'layout': continue
        for node in ast.walk(ast.parse((PKG/f'{m}.py').read_text())):
            if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)): continue
            for side in (node.left, node.right):
                s = side.value if isinstance(side, ast.Constant) and isinstance(side.value, str) else \
                    ''.join(v.value for v in side.values if isinstance(v, ast.Constant)) if isinstance(side, ast.JoinedStr) else None
                if s is not None and (s in RUN_FILES or re.match(r'^(dmo-|group_|inputs-|init-|width)', s)):
                    joins.append((m, node.lineno, ast.unparse(node)))
    assert joins == [], joins

def test_old_pipeline_names_still_work_and_say_where_they_went():
    import warnings, dmo_nb.pipeline as pl
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        f = pl.run_plan
        c = Config(epochs=2)
        assert c.recipe() == c.train_recipe() and c.ft_recipe() == c.finetune_recipe()
    assert f.__name__ == 'run_plan' and [x.category for x in w] == [DeprecationWarning] * 2
    with pytest.raises(AttributeError, match='no attribute'): pl.no_such_name

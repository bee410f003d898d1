"""The package's shape (ARCHITECTURE.md): subpackages along the data flow, each importing
only from those above it, no import cycle anywhere, and nothing in reporting that trains
or times a model. Imports are read from the source
with ``ast`` (module level and inside functions alike), so nothing is imported here."""

import ast

from conftest import REPO

PACKAGE = REPO / "ser_utils"

# The data flow, upstream first: a module may import from its own layer and those above.
LAYERS = [
    ("base", ["ser_utils", "ser_utils.numerics", "ser_utils.paths", "ser_utils.literature", "ser_utils.workers",
              "ser_utils.progress", "ser_utils.columns"]),
    ("data", ["ser_utils.data"]),
    ("models", ["ser_utils.models"]),
    ("training", ["ser_utils.training"]),
    ("inference", ["ser_utils.inference"]),
    ("experiments", ["ser_utils.experiments"]),
    ("reporting", ["ser_utils.reporting"]),
    ("entry points", ["ser_utils.profiles", "ser_utils.pipeline", "ser_utils.cli", "ser_utils.__main__"]),
]


def _modules() -> dict:
    """{dotted name: path} of every module of the package."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str:
    """The module a dotted name lives in (a submodule if it is one, else its package)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _imports(name: str) -> set:
    """The package's modules that ``name`` imports."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {_resolve(a.name) for a in node.names if a.name.split(".")[0] == "ser_utils"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if base.split(".")[0] != "ser_utils":
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in MODULES else _resolve(base))
    out.discard(name)
    return out


def _layer(name: str) -> int:
    best = None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if name == p or (p != "ser_utils" and name.startswith(p + ".")):
                if best is None or len(p) > best[1]:
                    best = (i, len(p))
    assert best is not None, f"{name} is in no layer: add it to LAYERS (and ARCHITECTURE.md)"
    return best[0]


def test_every_module_is_in_a_layer():
    for name in MODULES:
        _layer(name)


def test_subpackages_import_only_from_above():
    wrong = []
    for name in sorted(MODULES):
        for dep in sorted(_imports(name)):
            if _layer(dep) > _layer(name):
                wrong.append(f"{name} ({LAYERS[_layer(name)][0]}) imports {dep} ({LAYERS[_layer(dep)][0]})")
    assert not wrong, "imports against the data flow:\n" + "\n".join(wrong)


def _cycles(graph: dict) -> list:
    """Every cycle a depth-first walk of ``graph`` ({node: {node, ...}}) closes."""
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == "open":
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return cycles


def test_no_import_cycle():
    cycles = _cycles({name: _imports(name) for name in MODULES})
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


# What trains or times a model: reporting imports none of it (experiments run it; reporting
# turns what they recorded into tables, figures and text).
TRAINS_OR_TIMES = {"ser_utils.training.loop", "ser_utils.training.cv", "ser_utils.training.farm",
                   "ser_utils.inference.transfer", "ser_utils.models.cost", "time", "timeit"}
TRAINING_NAMES = {"train_fold", "run_job", "cross_validate", "cross_validate_many", "train_checkpoint", "time_call",
                  "cpu_ms", "perf_counter"}


def _trains_or_times(name: str) -> set:
    """The modules (dotted, stdlib included) and names from ``TRAINS_OR_TIMES`` and
    ``TRAINING_NAMES`` that module ``name`` imports."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in TRAINS_OR_TIMES}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found |= {node.module} & TRAINS_OR_TIMES
            found |= {a.name for a in node.names} & (TRAINING_NAMES | {m.rpartition(".")[2] for m in TRAINS_OR_TIMES
                                                                    if m.startswith(f"{node.module}.")})
    return found


def test_reporting_never_trains_nor_times():
    reporting = [name for name in sorted(MODULES) if _layer(name) == _layer("ser_utils.reporting")]
    wrong = {name: sorted(_trains_or_times(name)) for name in reporting if _trains_or_times(name)}
    assert not wrong, f"reporting modules that train or time (move that part to ser_utils.experiments): {wrong}"
    assert "cost" in _trains_or_times("ser_utils.experiments.comparison")  # the check can fail
    assert "cross_validate_many" in _trains_or_times("ser_utils.experiments.what_helps.training")


def test_the_checks_can_fail():
    """The old flat models.py <-> seed_models.py pair is a cycle; a data module importing
    training goes against the flow; a function-level import counts."""
    assert _cycles({"ser_utils.models": {"ser_utils.seed_models"}, "ser_utils.seed_models": {"ser_utils.models"},
                    "ser_utils.cli": {"ser_utils.models"}}) == [
        ["ser_utils.models", "ser_utils.seed_models", "ser_utils.models"]]
    assert _layer("ser_utils.data.corpus") < _layer("ser_utils.training.loop")
    assert "ser_utils.training.tuning" in _imports("ser_utils.cli")  # imported inside a function
    assert _imports("ser_utils.models.lstm_sa") == {"ser_utils.models.config", "ser_utils.models.layers"}

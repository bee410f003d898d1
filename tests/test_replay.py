"""Replay (``python -m ser_utils replay``): a record retrained from its spec and seed agrees
bit for bit where ``numerics.guaranteed`` says it must, and says why where it need not.

The committed records are replayed too (2 epochs, one record per model family and
profile, on the real corpus): each is checked for exactly what is guaranteed for it on
the machine the test runs on — a pinned record must agree; a native record from an
unrecorded CPU must come back with the reason it may differ — and the test never skips
a record silently.
"""

import json
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from conftest import REPO, real_corpus_root
from ser_utils import numerics
from ser_utils.data.folds import REFERENCE_FOLDS
from ser_utils.data.project_data import folds_for
from ser_utils.models import ModelConfig
from ser_utils.training import Spec, TrainConfig, loop
from ser_utils.training.records import RunRecord, record_path, write_record

SPEC = Spec(ModelConfig("reslstm_sa", hidden=8, dropout=0.2), TrainConfig(epochs=3, batch_size=4, lr=3e-3, T_0=2))


def _replay(*args, cwd=REPO):
    out = subprocess.run([sys.executable, "-m", "ser_utils", "replay", *map(str, args), "--json"], cwd=cwd,
                         capture_output=True, text=True, timeout=900)
    return out.returncode, (json.loads(out.stdout) if out.stdout.strip().startswith("{") else None), out.stderr


@pytest.fixture(scope="module")
def trained(learn_data, tmp_path_factory):
    """One (run, fold) of a small ResLSTM-SA at batch 4, trained here under the pinned numerics."""
    runs = tmp_path_factory.mktemp("replay_runs")
    folds = folds_for(learn_data)
    spec = loop.for_data(replace(SPEC, model=replace(SPEC.model, input_dim=learn_data.dim)), learn_data)
    key = loop.experiment_key(spec, learn_data, folds)
    record = loop.run_job(spec, learn_data, folds, key, 1, 0, runs)
    return record_path(runs, key, 1, 0), record


def test_import_pins_the_numerics():
    state = numerics.state()
    if not numerics.supported():
        assert state["numerics"] == numerics.NATIVE
        return
    assert state["numerics"] == numerics.NAME and state["torch_capability"] == "AVX2"
    assert state["numpy_avx512_loops"] == [] and state["openblas_core"] in (None, "Haswell")


def test_a_pinned_record_replays_bit_for_bit(trained, learn_data, learn_cache):
    path, record = trained
    assert record.machine["numerics"] == numerics.requested() and record.machine["cpu"] == numerics.cpu_model()
    root = Path(learn_data.index["path"].iloc[0]).parents[1]
    rc, out, err = _replay(path, "--epochs", 3, "--root", root, "--cache", learn_cache)
    assert rc == 0, err
    (result,) = out["replays"]
    assert result["agree"] and result["guaranteed"] and result["first_difference"] is None
    assert [row["train_loss"][1] for row in result["rows"]] == record.history["train_loss"]


def test_a_changed_history_is_found_at_its_epoch(trained, learn_data, learn_cache, tmp_path):
    path, record = trained
    history = {k: list(v) for k, v in record.history.items()}
    history["val_uar"][1] = round(history["val_uar"][1] + 1e-6, 6)  # one rounding unit, epoch 2
    tampered = tmp_path / "run01-fold0.json"
    write_record(tampered, {**record.to_dict(), "history": history})
    root = Path(learn_data.index["path"].iloc[0]).parents[1]
    rc, out, _ = _replay(tampered, "--epochs", 3, "--root", root, "--cache", learn_cache)
    assert rc == 1
    assert out["replays"][0]["first_difference"] == {"epoch": 2, "column": "val_uar"}


def test_a_record_from_another_cpu_says_why_it_may_differ(trained, learn_data, learn_cache, tmp_path):
    path, record = trained
    machine = {**record.machine, "numerics": "native", "cpu": "Imaginary CPU 9000 (family 1, model 2)",
               "torch_capability": "AVX512"}
    other = tmp_path / "run01-fold0.json"
    write_record(other, {**record.to_dict(), "machine": machine})
    root = Path(learn_data.index["path"].iloc[0]).parents[1]
    rc, out, err = _replay(other, "--epochs", 1, "--root", root, "--cache", learn_cache)
    assert rc in (0, 1), err
    (result,) = out["replays"]
    assert result["here"]["numerics"] == numerics.NATIVE  # replayed under the record's own numerics
    assert not result["guaranteed"] and "Imaginary CPU 9000" in result["why"]


def test_a_record_of_other_data_is_refused_naming_it(trained, learn_data, learn_cache, tmp_path):
    path, record = trained
    other = tmp_path / "run01-fold0.json"
    write_record(other, {**record.to_dict(), "data": "000000000000"})
    root = Path(learn_data.index["path"].iloc[0]).parents[1]
    rc, out, err = _replay(other, "--root", root, "--cache", learn_cache)
    (result,) = out["replays"]
    assert rc == 1 and not result["agree"] and result["path"] == str(other) and "Traceback" not in err
    assert "000000000000" in result["unreplayable"] and learn_data.fingerprint in result["unreplayable"]


def _committed(profile: str) -> list[Path]:
    """One committed record per model family of ``results/<profile>/runs`` (the lowest run of
    the first experiment of that family in key order), and per family also the first record
    made under the pinned numerics where there is one (those must replay on any AVX2 CPU)."""
    chosen, pinned = {}, {}
    for folder in sorted((REPO / "results" / profile / "runs").iterdir()):
        records = sorted(folder.glob("run*-fold*.json"))
        if not records or not (folder / "spec.json").exists():
            continue
        reference = [{k: list(v) for k, v in asdict(f).items()} for f in REFERENCE_FOLDS]
        if json.loads((folder / "spec.json").read_text()).get("folds") != reference:
            continue   # a derived corpus (08's shift: stand-in speakers), not the corpus replay loads
        first = RunRecord.load(records[0])
        family = first.spec["model"]["name"]
        chosen.setdefault(family, records[0])
        if family not in pinned and (first.machine or {}).get("numerics") == numerics.NAME:
            pinned[family] = records[0]
    return list(chosen.values()) + [p for p in pinned.values() if p not in chosen.values()]


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_committed_records_replay_as_guaranteed(profile):
    root = real_corpus_root()
    if root is None:
        pytest.skip("real RAVDESS not found (RAVDESS_DIR or ../shared/data/ravdess): the committed records "
                    "cannot be replayed without their corpus")
    paths = _committed(profile)
    families = {RunRecord.load(p).spec["model"]["name"] for p in paths}
    assert {"lstm_sa", "reslstm_sa"} <= families
    rc, out, err = _replay(*paths, "--epochs", 2, "--root", root)
    assert rc in (0, 1), err
    assert len(out["replays"]) == len(paths)
    for result in out["replays"]:
        if result["guaranteed"]:
            assert result["agree"], f"{result['path']}: a guaranteed replay differs ({result['why']})"
        else:  # not guaranteed: the reason is named, whichever way it came out
            assert result["why"] and result["differences"], result["path"]
        print(f"{result['path']}: {'agrees' if result['agree'] else 'differs'}; guaranteed: {result['guaranteed']} "
              f"({result['why']})")
    assert rc == (0 if all(r["agree"] for r in out["replays"]) else 1)

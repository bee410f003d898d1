"""The README and ``profiles/quick.yaml`` quote the quick profile's measured cold run
(``results/quick/cold_run.json``), in one form, on the profile it was measured with."""

import json
import re

import pytest

from ser_utils import pipeline
from ser_utils.paths import project_dir

COLD = project_dir() / "results" / "quick" / "cold_run.json"
QUOTE = re.compile(r"(\d+(?:\.\d+)?) min on (\d+) CPU cores \(cold run, `?results/quick/cold_run\.json`?\)")


@pytest.mark.skipif(not COLD.exists(), reason="results/quick/cold_run.json not measured yet (make cold-run)")
@pytest.mark.parametrize("where", ["README.md", "profiles/quick.yaml"])
def test_quick_cold_time_is_quoted_as_measured(where):
    cold = json.loads(COLD.read_text())
    quotes = QUOTE.findall((project_dir() / where).read_text())
    assert quotes, (f"{where} does not quote the cold run as "
                    "'N min on 2 CPU cores (cold run, results/quick/cold_run.json)'")
    for minutes, cores in quotes:
        assert float(minutes) == cold["total_minutes"], where
        assert int(cores) == cold["machine"]["cores"] == 2, where


@pytest.mark.skipif(not COLD.exists(), reason="results/quick/cold_run.json not measured yet (make cold-run)")
def test_cold_run_was_measured_on_todays_profile():
    """The cold run is today's profile's, or the README says that it is not (and that a new one is pending)."""
    cold = json.loads(COLD.read_text())
    if cold["profile_sha256"] != pipeline.profile_digest("quick"):
        readme = (project_dir() / "README.md").read_text()
        assert "measured on an earlier version of `profiles/quick.yaml`" in readme and "cold run" in readme and \
            "pending" in readme, ("profiles/quick.yaml changed since the cold run: measure again (make cold-run), "
                                  "or say in the README that the quoted time is from an earlier version of it")
        return
    assert set(pipeline.notebook_names()) <= set(cold)


def test_quote_pattern():
    assert QUOTE.findall("takes 161.4 min on 2 CPU cores (cold run, `results/quick/cold_run.json`)") == \
        [("161.4", "2")]

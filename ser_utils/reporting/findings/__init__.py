""""What we found", generated: each notebook's findings computed from the tables the
same run wrote (``<out_dir>/tables/*.csv``), never typed by hand, so they stay true when
a profile is re-run with other epochs or runs. Each finding is one sentence with its
numbers and their uncertainty (std over runs, a 95 % interval, a paired test and
whether it could reach p < 0.05) and a link to the table or figure it comes from.
Published values appear only as labelled quotations (*reported*).

``markdown(findings_01(out_dir), out_dir)`` gives the Markdown a notebook displays;
``link_terms(text, out_dir)`` turns ``[[UAR]]`` into a link to ``GLOSSARY.md#uar``, which
resolves beside the source notebook and beside the executed one in ``<out_dir>/notebooks``
(the pipeline copies the glossary there).

One module a notebook (``notebook01`` … ``notebook09``) on ``common``'s phrasing; this
package's face re-exports them, so ``findings.findings_09`` and ``findings.num`` read as before."""

from __future__ import annotations

from IPython.display import Markdown, display

from ser_utils.reporting.findings.common import (  # noqa: F401
    ALPHA,
    FALLBACK_RUNG,
    GLOSSARY,
    HEADLINE_RUNG,
    HONEST_RUNGS,
    NOT_NESTED_RUNGS,
    TERM_PATTERN,
    TERMS,
    TIE_SHARE,
    ZERO_SPREAD,
    Finding,
    and_join,
    below_baseline,
    convergence_finding,
    extreme,
    family_settings,
    glossary_path,
    holm_phrase,
    interval,
    link_terms,
    markdown,
    nested_winner_phrase,
    num,
    pm,
    pvalue,
    signed,
    source_link,
    span,
    t_half,
    test_phrase,
    test_phrase_plain,
    trial_counts,
    units,
    within_noise,
)
from ser_utils.reporting.findings.notebook01 import (  # noqa: F401
    findings_01,
)
from ser_utils.reporting.findings.notebook02 import (  # noqa: F401
    depth_comparison,
    findings_02,
)
from ser_utils.reporting.findings.notebook03 import (  # noqa: F401
    findings_03,
    nested_findings,
    residual_verdict,
    spread_findings,
)
from ser_utils.reporting.findings.notebook04 import (  # noqa: F401
    findings_04,
    validation_choice,
)
from ser_utils.reporting.findings.notebook05 import (  # noqa: F401
    findings_05,
    silhouette_words,
)
from ser_utils.reporting.findings.notebook06 import (  # noqa: F401
    findings_06,
)
from ser_utils.reporting.findings.notebook07 import (  # noqa: F401
    SAME_RECORDS,
    findings_07,
    ladder_summary,
    trials_of,
)
from ser_utils.reporting.findings.notebook08 import (  # noqa: F401
    findings_08,
    shift_findings,
)
from ser_utils.reporting.findings.notebook09 import (  # noqa: F401
    GOAL_MODEL_MS,
    GOAL_PARAMETERS,
    GOAL_UAR,
    SINGLE_EXPLORATORY,
    best_single_levers,
    combines_nothing,
    findings_09,
    goal_size,
    goal_status,
    single_lever_words,
)

BY_NOTEBOOK = {"01": findings_01, "02": findings_02, "03": findings_03, "04": findings_04, "05": findings_05,
               "06": findings_06, "07": findings_07,
               "08": findings_08, "09": findings_09}


def show(notebook: str, out_dir) -> None:
    """Display a notebook's findings (``notebook``: ``"03"``) as Markdown."""
    display(Markdown(markdown(BY_NOTEBOOK[notebook](out_dir), out_dir)))


def show_exercises(text: str, out_dir) -> None:
    """Display a notebook's exercises with their ``[[term]]`` glossary links resolved."""
    display(Markdown(link_terms(text, out_dir)))

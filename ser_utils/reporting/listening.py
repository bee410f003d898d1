"""Notebook 01's "hear it, then see it": one utterance per emotion, each with an audio
player beside its panels (``plots.utterance_panels``)."""

from __future__ import annotations

import os
from pathlib import Path

from ser_utils.reporting import plots


def examples_by_emotion(index, speaker: int, statement: int = 1) -> list[tuple[str, str]]:
    """``[(emotion, path)]``: one take of ``speaker`` (the index's ``actor`` number) saying
    ``statement`` per emotion, in the index's emotion order, the strong take where there is
    one (neutral has none), else the first normal one."""
    out = []
    for emotion in index.emotion.cat.categories:
        rows = index[(index["actor"] == speaker) & (index.emotion == emotion) & (index.statement == statement)]
        rows = rows.sort_values(["intensity", "path"], ascending=[False, True])
        out.append((str(emotion), str(rows.path.iloc[0])))
    return out


def player(path, audio: str, out_dir) -> str:
    """An HTML audio player: ``audio="embed"`` carries the sound in the page; ``"link"``
    points at the file (under ``data/raw/ravdess`` where it is there), relative to the
    executed notebooks' folder, so the page stores no audio."""
    if audio == "embed":
        from IPython.display import Audio  # noqa: PLC0415 - heavy: IPython, one use

        return Audio(filename=str(path))._repr_html_()
    path = Path(path)
    linked = Path("data/raw/ravdess") / path.parent.name / path.name
    target = linked if linked.exists() else path
    src = os.path.relpath(target.absolute(), (Path(out_dir) / "notebooks").absolute())
    return f'<audio controls preload="none" src="{src}"></audio>'


def table(examples, config, audio: str, out_dir) -> str:
    """An HTML table: per (emotion, path) its name, file, player and panels."""
    return "<table>" + "".join(
        f"<tr><td><b>{emotion}</b><br>{Path(path).name}<br>{player(path, audio, out_dir)}</td>"
        f"<td>{plots.inline_png(plots.utterance_panels([(emotion, path)], config))}</td></tr>"
        for emotion, path in examples) + "</table>"

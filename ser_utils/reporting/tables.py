"""Writing tables (CSV + Markdown) and figures (PNG + SVG), one file per result,
atomically, into ``<out_dir>/tables`` and ``<out_dir>/figures``."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ser_utils.paths import atomic_path, table_path


def _slug(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_\-.]+", name):
        raise ValueError(f"result name {name!r}: use letters, digits, '_', '-' and '.' only")
    return name


def save_table(df: pd.DataFrame, name: str, out_dir: str | Path, floatfmt: str = ".4g") -> Path:
    """``tables/<name>.csv`` and ``tables/<name>.md``; returns the CSV path."""
    csv = table_path(out_dir, _slug(name))
    with atomic_path(csv, suffix=".csv") as tmp:
        df.to_csv(tmp, index=False)
    with atomic_path(csv.with_suffix(".md"), suffix=".md") as tmp:
        tmp.write_text(df.to_markdown(index=False, floatfmt=floatfmt) + "\n")
    return csv


def drop_table(name: str, out_dir: str | Path) -> list[Path]:
    """Remove ``tables/<name>.csv`` and ``.md`` where a run no longer makes that table, so an
    older run's table is not read as this one's; returns the files removed."""
    csv = table_path(out_dir, _slug(name))
    gone = [p for p in (csv, csv.with_suffix(".md")) if p.exists()]
    for p in gone:
        p.unlink()
    return gone


def save_figure(fig, name: str, out_dir: str | Path, dpi: int = 110) -> Path:
    """``figures/<name>.png`` and ``.svg``; returns the PNG path. Meshes (spectrograms)
    and filled areas (waveforms) are rasterised inside the SVG to keep it small."""
    from matplotlib.collections import PolyCollection, QuadMesh  # noqa: PLC0415 - heavy: matplotlib, one use

    for ax in fig.axes:
        for artist in ax.collections:
            if isinstance(artist, (QuadMesh, PolyCollection)):
                artist.set_rasterized(True)
    import matplotlib  # noqa: PLC0415 - heavy: matplotlib, one use

    matplotlib.rcParams["svg.hashsalt"] = name  # stable element ids: same figure, same file
    folder = Path(out_dir) / "figures"
    png = folder / f"{_slug(name)}.png"
    for path, kwargs in ((png, {"dpi": dpi, "metadata": {"Software": None}}),
                         (folder / f"{name}.svg", {"metadata": {"Date": None}})):
        with atomic_path(path, suffix=path.suffix) as tmp:
            fig.savefig(tmp, format=path.suffix[1:], bbox_inches="tight", **kwargs)
    return png

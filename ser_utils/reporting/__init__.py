"""Run records to tables and figures: ``tables`` (writing CSV/Markdown and figures),
``study`` (a profile's corpus and folds, summaries of cross-validation), ``plots``,
``embeddings``, ``tuning_tables``, ``comparison`` (notebook 06) and ``readme`` (the
README's results section)."""

from ser_utils.reporting.tables import save_figure, save_table

__all__ = ["save_figure", "save_table"]

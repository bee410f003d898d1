"""Run records and tables to tables, figures and text; nothing here trains or times a
model: ``tables`` (writing CSV/Markdown and figures), ``summaries`` (summaries of
cross-validation over runs and folds), ``plots``, ``embeddings``, ``tuning_tables``, ``comparison`` (notebook
06's tables), ``cross_corpus`` (notebook 08's), ``findings`` and ``readme`` (the README's
results section)."""

from ser_utils.reporting.tables import drop_table, save_figure, save_table

__all__ = ["drop_table", "save_figure", "save_table"]

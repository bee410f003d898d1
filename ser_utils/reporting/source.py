"""The package's own code shown in a notebook, where it is taught: the source of a class
or function as highlighted Markdown, read from the package itself so it never drifts
from what runs."""

from __future__ import annotations

import inspect


def show_source(*objects):
    """Markdown of each object's source (a class, function or method), for ``display``."""
    from IPython.display import Markdown  # noqa: PLC0415 - heavy: IPython, one use

    blocks = [f"`{inspect.getsourcefile(o).split('ser_utils/')[-1]}`\n```python\n{inspect.getsource(o)}```"
              for o in objects]
    return Markdown("\n\n".join(blocks))

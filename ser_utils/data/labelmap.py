"""Matching the classes of two corpora (a model trained on one, tried on another).

Both sides' labels are already names of one vocabulary (``corpus_registry.VOCABULARY``). A
class one side has and the other lacks is merged into a near class where the
merge is the usual one (``MERGE``: RAVDESS's calm -> neutral, calm being RAVDESS's
low-arousal variant of neutral speech), else left out; what was merged and what was
left out are said (``LabelMap.notes``).
"""

from __future__ import annotations

from dataclasses import dataclass

# A class -> the class it joins when the other corpus lacks it.
MERGE = {"calm": "neutral"}


@dataclass(frozen=True)
class LabelMap:
    """How ``source`` classes (a model's outputs) and ``target`` classes (a corpus'
    labels) meet: ``source_to_shared`` / ``target_to_shared`` map a class to its
    shared class (absent: left out); ``shared`` in the source's order."""

    source: tuple
    target: tuple
    shared: tuple
    source_to_shared: dict
    target_to_shared: dict

    @property
    def source_only(self) -> tuple:
        return tuple(c for c in self.source if c not in self.source_to_shared)

    @property
    def target_only(self) -> tuple:
        return tuple(c for c in self.target if c not in self.target_to_shared)

    @property
    def merged(self) -> dict:
        return {c: s for side in (self.source_to_shared, self.target_to_shared) for c, s in side.items() if c != s}

    def notes(self) -> list[str]:
        out = [f"{c} counted as {s} (the other corpus has no {c})" for c, s in self.merged.items()]
        if self.source_only:
            out.append("left out, only the model knows them: " + ", ".join(self.source_only))
        if self.target_only:
            out.append("left out, only the corpus has them (its files are not scored): " + ", ".join(self.target_only))
        return out

    def to_dict(self) -> dict:
        return {"shared": list(self.shared), "merged": self.merged, "model_only": list(self.source_only),
                "corpus_only": list(self.target_only), "notes": self.notes()}


def label_map(source, target) -> LabelMap:
    """The shared classes of ``source`` and ``target`` after ``MERGE``."""
    source, target = tuple(source), tuple(target)

    def mapped(classes, other):
        return {c: (c if c in other else MERGE[c]) for c in classes if c in other or MERGE.get(c) in other}

    s_map = mapped(source, set(target) | {MERGE.get(t) for t in target if t not in source and MERGE.get(t)})
    t_map = mapped(target, set(source) | {MERGE.get(s) for s in source if s not in target and MERGE.get(s)})
    common = set(s_map.values()) & set(t_map.values())
    s_map = {c: s for c, s in s_map.items() if s in common}
    t_map = {c: s for c, s in t_map.items() if s in common}
    shared = tuple(dict.fromkeys(s_map[c] for c in source if c in s_map))
    if not shared:
        raise ValueError(f"no shared classes between {list(source)} and {list(target)}")
    return LabelMap(source, target, shared, s_map, t_map)

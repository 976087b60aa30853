"""Sphinx extension: bibliography labels that match the author–year citations of the text.

sphinxcontrib-bibtex's default ``alpha`` style labels entries ``[SCH+24]`` while the pages cite
"Seddik et al. (2024)"; the ``authoryear`` style registered here labels them the same way
(``[Seddik et al., 2024]``). Used by ``book/bibliography.md`` as ``:style: authoryear``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


def _last_name(person: Any) -> str:
    return Text.from_latex(" ".join(person.last_names)).render_as("text")


class AuthorYearLabels(BaseLabelStyle):
    """``Seddik et al., 2024``; ``Eldan and Li, 2023``; ``Author, year`` for one author."""

    def format_labels(self, sorted_entries: Iterable[Any]) -> Iterator[str]:
        """Entries that would share a label get ``2024a``, ``2024b``, … in their sorted order."""
        labels = [self._label(entry) for entry in sorted_entries]
        seen: dict[str, int] = {}
        for label in labels:
            if labels.count(label) > 1:
                seen[label] = seen.get(label, 0) + 1
                yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
            else:
                yield label

    @staticmethod
    def _label(entry: Any) -> str:
        people = entry.persons.get("author", [])
        year = entry.fields.get("year", "n.d.")
        if not people:
            return f"{entry.key}, {year}"
        if len(people) == 1:
            return f"{_last_name(people[0])}, {year}"
        if len(people) == 2:
            return f"{_last_name(people[0])} and {_last_name(people[1])}, {year}"
        return f"{_last_name(people[0])} et al., {year}"


class AuthorYearStyle(UnsrtStyle):
    default_label_style = "authoryear"  # type: ignore[assignment]
    default_sorting_style = "author_year_title"  # type: ignore[assignment]


register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels)
register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)


def setup(app: Any) -> dict[str, Any]:
    return {"parallel_read_safe": True, "parallel_write_safe": True}

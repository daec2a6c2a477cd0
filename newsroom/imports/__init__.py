"""Moving in: articles and comments from a WordPress export (`wordpress.py`) and comments
from a Disqus export (`disqus.py`), read as a stream and written in one transaction
(`store.py`).

An import changes nothing or everything: a file that turns out malformed half-way stops it
with the line and the reason, and what it had written is rolled back. Each imported row
keeps where it came from (`source_key`), so a second run of the same file, or of a later
export of the same site, adds only what is new. At the end the moderation counters are
recounted, every cached page is dated as changed and the planner's statistics refreshed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

# Examples kept of each reason something was skipped, for the summary.
EXAMPLES_KEPT = 3


class ImportRefused(Exception):
    """An import that was not done (nothing was changed); the message says why."""


@dataclass
class Summary:
    """What an import did: how many of each thing it added, found from an earlier run, and
    skipped (with why, and a few examples of each)."""

    source: str
    imported: Counter[str] = field(default_factory=Counter)
    already: Counter[str] = field(default_factory=Counter)
    # Things found on this site rather than imported (Disqus's threads, by article).
    matched: Counter[str] = field(default_factory=Counter)
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def skip(self, what: str, why: str, example: str = "", count: int = 1) -> None:
        self.skipped[what, why] += count
        kept = self.examples.setdefault((what, why), [])
        if example and len(kept) < EXAMPLES_KEPT:
            kept.append(example)

    def lines(self) -> list[str]:
        def counted(counter: Counter[str]) -> str:
            return ", ".join(
                f"{total:,} {what}" for what, total in sorted(counter.items()) if total
            )

        lines = [f"Imported from {self.source}: {counted(self.imported) or 'nothing new'}."]
        if any(self.matched.values()):
            lines.append(f"Matched to articles here: {counted(self.matched)}.")
        if any(self.already.values()):
            lines.append(f"Already here from an earlier import: {counted(self.already)}.")
        for (what, why), total in sorted(self.skipped.items()):
            examples = self.examples.get((what, why))
            tail = f" (e.g. {', '.join(examples)})" if examples else ""
            lines.append(f"Skipped {what} ({total:,}): {why}{tail}.")
        return lines


# Told how far the file has been read (bytes) and what has been done so far.
Progress = Callable[[int, Summary], None]

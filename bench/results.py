"""The benchmarks' results: one measure per line, written to bench/results.json and printed as a table."""

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Measure:
    name: str
    value: float
    unit: str
    target: str  # e.g. "< 150", ">= 0.5", "" when the measure is only informative
    met: bool | None  # None: no target

    @classmethod
    def check(cls, name: str, value: float, unit: str, *, below: float | None = None, above: float | None = None):
        if below is not None:
            return cls(name, round(value, 2), unit, f"< {below:g}", value < below)
        if above is not None:
            return cls(name, round(value, 2), unit, f">= {above:g}", value >= above)
        return cls(name, round(value, 2), unit, "", None)


def write(measures: list[Measure], path: Path, **meta) -> None:
    path.write_text(json.dumps({**meta, "measures": [asdict(m) for m in measures]}, indent=2) + "\n")


def table(measures: list[Measure]) -> str:
    rows = [("measure", "value", "unit", "target", "met")]
    for m in measures:
        met = "-" if m.met is None else ("yes" if m.met else "NO")
        rows.append((m.name, f"{m.value:g}", m.unit, m.target or "-", met))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) if i != 1 else cell.rjust(widths[i]) for i, cell in enumerate(row))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

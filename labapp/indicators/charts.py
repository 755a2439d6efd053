"""Geometry of the accessible SVG bar charts (pure: no database, no Flask).

The template draws the bars with CSS classes (no inline style); the chart is
labelled (role="img", title and description) and a data table always sits
beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 44, 28, 12


@dataclass(frozen=True)
class Bar:
    label: str
    short: str
    value: float | None
    x: float
    y: float
    width: float
    height: float


def nice_max(value: float) -> int:
    """A round upper bound for a count axis whose quarters are whole numbers
    (4, 8, 20, 40, 80, 200, ...)."""
    magnitude = 1
    while True:
        for step in (4, 8, 20):
            if value <= step * magnitude:
                return step * magnitude
        magnitude *= 10


def bar_chart(labels: list[str], shorts: list[str], values: list[float | None],
              ratio: bool = False) -> dict:
    """Bars, axis ticks and the frame of a vertical bar chart; None values draw no bar."""
    top = 1.0 if ratio else nice_max(max([v for v in values if v is not None] or [0]))
    plot_w = WIDTH - MARGIN_LEFT - 8
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_w / max(1, len(values))
    bars = []
    for i, (label, short, value) in enumerate(zip(labels, shorts, values, strict=True)):
        height = 0.0 if value is None else plot_h * min(value, top) / top
        bars.append(Bar(label, short, value, x=round(MARGIN_LEFT + i * slot + slot * 0.15, 1),
                        y=round(MARGIN_TOP + plot_h - height, 1), width=round(slot * 0.7, 1),
                        height=round(height, 1)))
    ticks = [(round(MARGIN_TOP + plot_h - plot_h * k / 4, 1), top * k / 4) for k in range(5)]
    return {"bars": bars, "ticks": ticks, "width": WIDTH, "height": HEIGHT, "top": top,
            "left": MARGIN_LEFT, "baseline": MARGIN_TOP + plot_h, "ratio": ratio,
            "label_y": HEIGHT - 8, "slot": slot}

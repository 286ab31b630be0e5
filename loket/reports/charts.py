"""Charts drawn on the server as SVG, without script: bars, columns over days, and the
hour-of-week heat map. Each is a picture of a table printed beside it (the table is what
screen readers read; the picture is hidden from them).

Counts come suppressed: "<5" is drawn as an empty bar with its label, never as its value.
Colours are SVG attributes, not style: the pages' Content-Security-Policy stays strict.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_COLOUR = "#2f5f8a"
LABEL_W, BAR_W, ROW_H = 170, 300, 22
COLUMN_H, COLUMN_W = 160, 14
CELL = 18

Value = int | str | None


def number(value: Value) -> int:
    """Return the length a value draws: a suppressed or missing count draws nothing."""
    return value if isinstance(value, int) else 0


def shown(value: Value) -> str:
    """Return a value as printed: counts, "<5", or a dash."""
    return "\u2013" if value is None else str(value)


def svg(width: int, height: int, body: list[str]) -> Markup:
    """Return an SVG picture, hidden from screen readers (its table is beside it)."""
    # Safe: every label and value in `body` went through `escape`; the rest is our markup.
    return Markup(  # noqa: S704
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-hidden="true" '
        f'focusable="false">{"".join(body)}</svg>'
    )


def bars(labels: Sequence[str], values: Sequence[Value]) -> Markup:
    """Return horizontal bars, one per label, longest = the largest count."""
    top = max([number(v) for v in values] + [1])
    body: list[str] = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = i * ROW_H
        length = round(BAR_W * number(value) / top)
        body.append(
            f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{length}" height="{ROW_H - 8}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{LABEL_W + length + 4}" y="{y + 15}" font-size="12">'
            f"{escape(shown(value))}</text>"
        )
    return svg(LABEL_W + BAR_W + 60, max(ROW_H * len(labels), ROW_H), body)


def columns(labels: Sequence[str], values: Sequence[Value], *, every: int = 7) -> Markup:
    """Return vertical columns over time, a label under every `every`-th one."""
    top = max([number(v) for v in values] + [1])
    body: list[str] = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = 30 + i * COLUMN_W
        height = round(COLUMN_H * number(value) / top)
        body.append(f'<rect x="{x}" y="{10 + COLUMN_H - height}" width="{COLUMN_W - 3}" '
                    f'height="{height}" fill="{BAR_COLOUR}"><title>{escape(label)}: '
                    f"{escape(shown(value))}</title></rect>")
        if i % every == 0:
            body.append(f'<text x="{x}" y="{COLUMN_H + 26}" font-size="10">'
                        f"{escape(label)}</text>")
    body.append(f'<text x="0" y="18" font-size="10">{top}</text>'
                f'<line x1="28" y1="10" x2="28" y2="{10 + COLUMN_H}" stroke="#888"/>')
    return svg(40 + COLUMN_W * len(labels) + 40, COLUMN_H + 34, body)


def heat(rows: Sequence[str], grid: Sequence[Sequence[Value]]) -> Markup:
    """Return a heat map: a row per weekday, a cell per hour, darker for more contacts."""
    top = max([number(v) for row in grid for v in row] + [1])
    body: list[str] = []
    for r, (label, row) in enumerate(zip(rows, grid, strict=True)):
        y = 16 + r * CELL
        body.append(f'<text x="0" y="{y + 13}" font-size="11">{escape(label)}</text>')
        for h, value in enumerate(row):
            share = number(value) / top
            opacity = 0.06 if value == "<5" else round(0.03 + 0.97 * share, 3)
            body.append(f'<rect x="{40 + h * CELL}" y="{y}" width="{CELL - 2}" '
                        f'height="{CELL - 2}" fill="{BAR_COLOUR}" fill-opacity="{opacity}">'
                        f"<title>{escape(label)} {h:02d}:00: {escape(shown(value))}</title>"
                        "</rect>")
    for h in range(0, 24, 3):
        body.append(f'<text x="{40 + h * CELL}" y="11" font-size="10">{h:02d}</text>')
    return svg(40 + 24 * CELL + 4, 16 + CELL * len(rows) + 4, body)

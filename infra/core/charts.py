"""Small server-drawn SVG charts: no JavaScript library, no CDN, and they print."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass
class Series:
    label: str
    values: Sequence[float | None]
    color: str
    dashed: bool = False


def line_chart(
    labels: Sequence[str], series: Sequence[Series], *, width: int = 720, height: int = 240, title: str = ""
) -> SafeString:
    """A line chart of one or more series over the same x labels, with a legend."""
    left, right, top, bottom = 44, 12, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v for s in series for v in s.values if v is not None] + [1])
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / peak

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for k in range(5):
        value = peak * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" font-size="10" text-anchor="end">{value:.0f}</text>'
        )
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" font-size="10" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for s in series:
        points = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
        if not points:
            continue
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        parts.append(f'<polyline fill="none" stroke="{s.color}" stroke-width="2"{dash} points="{path}"/>')
    for n, s in enumerate(series):
        lx = left + n * 200
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        parts.append(
            f'<line x1="{lx}" x2="{lx + 20}" y1="{height - 8}" y2="{height - 8}" stroke="{s.color}" '
            f'stroke-width="2"{dash}/>'
            f'<text x="{lx + 26}" y="{height - 4}" font-size="11">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every user-given text above is escaped

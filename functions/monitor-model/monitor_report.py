"""The monitoring report: one self-contained HTML page (inline CSS and SVG, no script, nothing fetched), like the
run report: drift per hour, accuracy per hour, rows per hour, PSI per feature against the threshold, and the
predicted classes live and on the holdout."""

from __future__ import annotations

from html import escape
from typing import Any, Optional, Sequence

WIDTH, HEIGHT, PAD = 640, 180, 36
DRIFTED = ' class="drifted"'


def _line_chart(title: str, labels: Sequence[str], values: Sequence[Optional[float]], threshold: Optional[float] = None) -> str:
    """An SVG line chart of values over labels (None leaves a gap), with an optional dashed threshold line."""
    known = [v for v in values if v is not None]
    top = max(known + ([threshold] if threshold is not None else []) + [1e-9])
    top = 1.0 if top <= 1.0 and title.startswith("Accuracy") else top * 1.1
    n = max(len(values) - 1, 1)
    x = lambda i: PAD + (WIDTH - 2 * PAD) * i / n  # noqa: E731
    y = lambda v: HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top  # noqa: E731
    parts, segment = [], []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                parts.append(segment)
            segment = []
        else:
            segment.append(f"{x(i):.1f},{y(v):.1f}")
    if segment:
        parts.append(segment)
    lines = "".join(f'<polyline fill="none" stroke="#2563eb" stroke-width="2" points="{" ".join(s)}"/>' for s in parts)
    dots = "".join(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="#2563eb"><title>{escape(labels[i])}: {v:.4g}</title></circle>' for i, v in enumerate(values) if v is not None)
    rule = ""
    if threshold is not None:
        rule = f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(threshold):.1f}" y2="{y(threshold):.1f}" stroke="#dc2626" stroke-dasharray="4 3"/>'
    ticks = ""
    if labels:
        ticks = (
            f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="10">{escape(labels[0])}</text>'
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="10" text-anchor="end">{escape(labels[-1])}</text>'
        )
    axis = f'<text x="4" y="{PAD}" font-size="10">{top:.3g}</text><text x="4" y="{HEIGHT - PAD}" font-size="10">0</text>'
    return (
        f'<figure><figcaption>{escape(title)}</figcaption><svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">'
        f'<rect x="{PAD}" y="{PAD}" width="{WIDTH - 2 * PAD}" height="{HEIGHT - 2 * PAD}" fill="#f8fafc" stroke="#cbd5e1"/>'
        f"{rule}{lines}{dots}{ticks}{axis}</svg></figure>"
    )


def _bars(title: str, items: Sequence[tuple[str, float, bool]], threshold: Optional[float]) -> str:
    """Horizontal SVG bars (name, value, flagged), flagged ones red, with the threshold as a dashed line."""
    row = 18
    height = PAD + row * len(items) + 10
    top = max([v for _, v, _ in items] + ([threshold] if threshold is not None else []) + [1e-9]) * 1.1
    left, right = 200, WIDTH - 60
    scale = lambda v: left + (right - left) * v / top  # noqa: E731
    bars = "".join(
        f'<text x="{left - 6}" y="{PAD + i * row + 12}" font-size="11" text-anchor="end">{escape(name)}</text>'
        f'<rect x="{left}" y="{PAD + i * row + 2}" width="{max(scale(v) - left, 0.5):.1f}" height="{row - 5}" fill="{"#dc2626" if flagged else "#60a5fa"}"><title>{escape(name)}: {v:.4g}</title></rect>'
        f'<text x="{scale(v) + 4:.1f}" y="{PAD + i * row + 12}" font-size="10">{v:.3f}</text>'
        for i, (name, v, flagged) in enumerate(items)
    )
    rule = "" if threshold is None else f'<line x1="{scale(threshold):.1f}" x2="{scale(threshold):.1f}" y1="{PAD - 6}" y2="{height - 6}" stroke="#dc2626" stroke-dasharray="4 3"/>'
    return f'<figure><figcaption>{escape(title)}</figcaption><svg viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{escape(title)}">{bars}{rule}</svg></figure>'


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return escape(str(value))


def render(summary: dict[str, Any]) -> str:
    """The page for one monitoring summary."""
    model, window, drift, accuracy = summary["model"], summary["window"], summary["drift"], summary["accuracy"]
    thresholds = summary["thresholds"]
    hours = [point["hour"] for point in summary["series"]]
    verdict = "Drift detected" if drift["detected"] else "No drift"
    charts = [
        _line_chart("Largest feature PSI per hour", hours, [p["maxPsi"] for p in summary["series"]], thresholds["psi"]),
        _line_chart("Accuracy per hour (rows with feedback)", hours, [p["accuracy"] for p in summary["series"]]),
        _line_chart("Rows logged per hour", hours, [float(p["samples"]) for p in summary["series"]]),
    ]
    if summary["features"]:
        charts.append(_bars("PSI per feature (red: drifted)", [(f["feature"], f["psi"], f["drifted"]) for f in summary["features"]], thresholds["psi"]))
    classes = sorted(set(summary["predictions"]["live"]) | set(summary["predictions"]["holdout"]))
    live_total = sum(summary["predictions"]["live"].values()) or 1
    holdout_total = sum(summary["predictions"]["holdout"].values()) or 1
    class_rows = "".join(
        f"<tr><td>{escape(c)}</td><td>{summary['predictions']['live'].get(c, 0) / live_total:.3f}</td><td>{summary['predictions']['holdout'].get(c, 0) / holdout_total:.3f}</td></tr>"
        for c in classes
    )
    feature_rows = "".join(
        f"<tr{DRIFTED if f['drifted'] else ''}><td>{escape(f['feature'])}</td><td>{f['psi']:.4f}</td><td>{f['ksPValue']:.3g}</td><td>{f['trainingMean']:.4g}</td><td>{f['liveMean']:.4g}</td></tr>"
        for f in summary["features"]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Monitoring: {escape(model['name'])} {escape(model['version'])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#0f172a}}table{{border-collapse:collapse}}td,th{{border:1px solid #cbd5e1;padding:.2rem .5rem;text-align:right}}td:first-child,th:first-child{{text-align:left}}tr.drifted td{{background:#fee2e2}}.verdict{{font-size:1.3rem;font-weight:600;color:{'#b91c1c' if drift['detected'] else '#15803d'}}}figure{{margin:1rem 0}}figcaption{{font-weight:600}}</style></head>
<body>
<h1>Monitoring of {escape(model['name'])}, version {escape(model['version'])}</h1>
<p>Window {escape(window['start'])} → {escape(window['end'])} ({_fmt(window['hours'])} h): {summary['requests']} requests, {summary['samples']} rows{f", {summary['skippedLines']} unreadable lines skipped" if summary['skippedLines'] else ''}. Trained on dataset {escape(summary['dataset']['name'])} {escape(summary['dataset']['version'])}.</p>
<p class="verdict">{verdict}</p><p>{escape(drift['reason'])}</p>
<table><tr><th>figure</th><th>value</th></tr>
<tr><td>drift (largest PSI)</td><td>{_fmt(drift['value'])}</td></tr>
<tr><td>predicted classes PSI</td><td>{_fmt(summary['predictions']['psi'])}</td></tr>
<tr><td>live accuracy ({accuracy['labeled']} labeled rows)</td><td>{_fmt(accuracy['live'])}</td></tr>
<tr><td>holdout accuracy</td><td>{_fmt(accuracy['holdout'])}</td></tr>
<tr><td>thresholds</td><td>PSI {thresholds['psi']}, KS p {thresholds['ksPValue']}, min rows {thresholds['minSamples']}</td></tr></table>
{''.join(charts)}
<h2>Features</h2><table><tr><th>feature</th><th>PSI</th><th>KS p-value</th><th>training mean</th><th>live mean</th></tr>{feature_rows}</table>
<h2>Predicted classes (shares)</h2><table><tr><th>class</th><th>live</th><th>holdout</th></tr>{class_rows}</table>
</body></html>
"""

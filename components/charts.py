"""Figure builders: each returns a plotly Figure and draws nothing. Colour scales are colour-blind safe (Okabe–Ito, viridis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Okabe–Ito colours for CEBM levels 1-5 (lower = better evidence)
LEVEL_COLOURS = {1: "#004488", 2: "#0072B2", 3: "#009E73", 4: "#E69F00", 5: "#CC79A7"}
GAP_COLOUR = "#C8C8C8"
NO_MEASURE_COLOUR = "#7F7F7F"
CONTINUOUS_SCALE = "Viridis"
FONT = dict(family="Noto Sans, Noto Sans CJK SC, Microsoft YaHei, Arial, sans-serif", size=13)


def _layout(fig: go.Figure, x_labels: list[str], y_labels: list[str], title: str = "") -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, font=dict(size=15)) if title else None,
        font=FONT,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        height=max(320, 110 + 44 * len(y_labels)),
        plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="top", y=-0.02, x=0, title=None),
        clickmode="event+select",
        dragmode=False,
    )
    fig.update_xaxes(categoryorder="array", categoryarray=x_labels, side="top", showgrid=True, gridcolor="#EEEEEE", tickangle=0, automargin=True)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(y_labels)), showgrid=True, gridcolor="#EEEEEE", automargin=True)
    return fig


def _gap_trace(x_labels, y_labels, filled: set, name: str) -> go.Scatter:
    """Faint open squares where no study exists: the gaps of the map."""
    gaps = [(x, y) for x in x_labels for y in y_labels if (x, y) not in filled]
    return go.Scatter(
        x=[g[0] for g in gaps], y=[g[1] for g in gaps], mode="markers", name=name,
        marker=dict(symbol="square-open", size=10, color=GAP_COLOUR), hoverinfo="skip", customdata=[["", ""]] * len(gaps),
    )


def bubble_map_figure(cells: pd.DataFrame, x_labels: list[str], y_labels: list[str], *, colour_by: str, legend: dict[str, str], title: str = "") -> go.Figure:
    """Therapy × disease bubbles. `cells` columns: x, y, x_code, y_code, patients, studies, best_level, hover, and
    for colour_by='proportion' also proportion (NaN where the cell has studies but none reports the measure).

    Size = patients (area-proportional); colour = best evidence level, or the proportion on a viridis scale.
    """
    fig = go.Figure()
    fig.add_trace(_gap_trace(x_labels, y_labels, set(zip(cells["x"], cells["y"])), legend["gap"]))
    if not cells.empty:
        biggest = max(float(cells["patients"].max()), 1.0)
        sizes = 14 + 46 * np.sqrt(cells["patients"].astype(float) / biggest)
        cells = cells.assign(_size=sizes)
    if colour_by == "level":
        for level, colour in LEVEL_COLOURS.items():
            part = cells[cells["best_level"] == level]
            if part.empty:
                continue
            fig.add_trace(go.Scatter(
                x=part["x"], y=part["y"], mode="markers", name=legend[f"level_{level}"],
                marker=dict(size=part["_size"], color=colour, line=dict(color="white", width=1), opacity=0.9),
                customdata=part[["x_code", "y_code"]].to_numpy(), hovertext=part["hover"], hovertemplate="%{hovertext}<extra></extra>",
            ))
    else:
        with_value = cells[cells["proportion"].notna()]
        without = cells[cells["proportion"].isna()]
        if not without.empty:
            fig.add_trace(go.Scatter(
                x=without["x"], y=without["y"], mode="markers", name=legend["no_measure"],
                marker=dict(size=without["_size"], color="white", line=dict(color=NO_MEASURE_COLOUR, width=2), symbol="circle"),
                customdata=without[["x_code", "y_code"]].to_numpy(), hovertext=without["hover"], hovertemplate="%{hovertext}<extra></extra>",
            ))
        if not with_value.empty:
            fig.add_trace(go.Scatter(
                x=with_value["x"], y=with_value["y"], mode="markers+text", name=legend["proportion"],
                text=[f"{p:.0%}" for p in with_value["proportion"]], textposition="middle center", textfont=dict(color="white", size=11),
                marker=dict(size=with_value["_size"], color=with_value["proportion"], colorscale=CONTINUOUS_SCALE, cmin=0, cmax=1,
                            line=dict(color="black", width=1), colorbar=dict(title=legend["proportion"], tickformat=".0%", len=0.6)),
                customdata=with_value[["x_code", "y_code"]].to_numpy(), hovertext=with_value["hover"], hovertemplate="%{hovertext}<extra></extra>",
            ))
    return _layout(fig, x_labels, y_labels, title)


def grid_figure(cells: pd.DataFrame, x_labels: list[str], y_labels: list[str], *, value: str, text: str, colour_title: str,
                legend_gap: str, percent: bool = False, title: str = "") -> go.Figure:
    """A matrix drawn as coloured squares (clickable, unlike a heatmap). `cells` columns: x, y, x_code, y_code, hover,
    <value> (colour), <text> (label in the square). Empty cells show as faint open squares; 0 is a coloured square."""
    fig = go.Figure()
    fig.add_trace(_gap_trace(x_labels, y_labels, set(zip(cells["x"], cells["y"])), legend_gap))
    if not cells.empty:
        top = 1.0 if percent else max(float(cells[value].max()), 1.0)
        fig.add_trace(go.Scatter(
            x=cells["x"], y=cells["y"], mode="markers+text", name=colour_title, showlegend=False,
            text=cells[text], textposition="middle center",
            textfont=dict(color=["white" if v / top > 0.35 else "black" for v in cells[value].astype(float)], size=11),
            marker=dict(symbol="square", size=38, color=cells[value].astype(float), colorscale=CONTINUOUS_SCALE, reversescale=not percent,
                        cmin=0, cmax=top, line=dict(color="white", width=1),
                        colorbar=dict(title=colour_title, tickformat=".0%" if percent else "d", len=0.6)),
            customdata=cells[["x_code", "y_code"]].to_numpy(), hovertext=cells["hover"], hovertemplate="%{hovertext}<extra></extra>",
        ))
    return _layout(fig, x_labels, y_labels, title)


def forest_figure(studies: pd.DataFrame, pooled: dict | None, *, title: str, labels: dict[str, str]) -> go.Figure:
    """Forest plot of single proportions. `studies` columns: label, proportion, ci_low, ci_high, weight (percent), text,
    and optionally rob (risk-of-bias label shown as a column at the right of each row).
    `pooled`: estimate, ci_low, ci_high, pi_low, pi_high, label (or None when there is nothing to pool)."""
    rows = list(studies["label"])
    fig = go.Figure()
    weights = studies["weight"].fillna(0).astype(float)
    fig.add_trace(go.Scatter(
        x=studies["proportion"], y=rows, mode="markers", name=labels["study"],
        error_x=dict(type="data", symmetric=False, array=studies["ci_high"] - studies["proportion"],
                     arrayminus=studies["proportion"] - studies["ci_low"], color="#444444", thickness=1.5, width=4),
        marker=dict(symbol="square", color="#0072B2", size=[8 + 14 * math.sqrt(w / 100) for w in weights]),
        hovertext=studies["text"], hovertemplate="%{hovertext}<extra></extra>",
    ))
    if pooled:
        y = pooled["label"]
        rows.append(y)
        if pooled.get("pi_low") is not None and not pd.isna(pooled.get("pi_low")):
            fig.add_trace(go.Scatter(x=[pooled["pi_low"], pooled["pi_high"]], y=[y, y], mode="lines", name=labels["prediction"],
                                     line=dict(color="#E69F00", width=3), hoverinfo="skip"))
        diamond_x = [pooled["ci_low"], pooled["estimate"], pooled["ci_high"], pooled["estimate"], pooled["ci_low"]]
        fig.add_trace(go.Scatter(x=diamond_x, y=[y] * 5, mode="lines", fill="toself", name=labels["pooled"],
                                 line=dict(color="#D55E00", width=9), fillcolor="#D55E00",
                                 hovertext=pooled["text"], hovertemplate="%{hovertext}<extra></extra>"))
    right = 10
    if "rob" in studies:
        # the risk-of-bias column: one label per study row, right of the plot, with its heading above
        right = 130
        for label, rob in zip(studies["label"], studies["rob"]):
            fig.add_annotation(x=1.02, xref="paper", y=label, yref="y", text=str(rob), showarrow=False, xanchor="left", font=dict(size=12))
        fig.add_annotation(x=1.02, xref="paper", y=1.0, yref="paper", yanchor="top", text=f"<b>{labels.get('rob', 'RoB')}</b>",
                           showarrow=False, xanchor="left", font=dict(size=12))
    # the legend sits above the plot: below it, it would cover the axis title
    fig.update_layout(font=FONT, margin=dict(l=10, r=right, t=70, b=10), height=max(260, 120 + 34 * len(rows)), plot_bgcolor="white",
                      title=dict(text=title, x=0, y=0.98, yanchor="top", font=dict(size=14)),
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom", font=dict(size=11)))
    fig.update_xaxes(range=[-0.02, 1.02], tickformat=".0%", title=labels["axis"], showgrid=True, gridcolor="#EEEEEE", zeroline=False)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(rows)), automargin=True)
    return fig


PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]


def durability_figure(points: pd.DataFrame, *, labels: dict[str, str]) -> go.Figure:
    """Responders/evaluated against months since infusion: one line per cohort through its timepoints,
    point size = patients evaluated, exact 95% CIs. `points` columns: cohort, label, timepoint_months, proportion,
    ci_low, ci_high, evaluated, text."""
    fig = go.Figure()
    largest = max(float(points["evaluated"].max()), 1.0)
    for index, (_, part) in enumerate(points.groupby("cohort", sort=False)):
        part = part.sort_values("timepoint_months")
        fig.add_trace(go.Scatter(
            x=part["timepoint_months"], y=part["proportion"], mode="lines+markers", name=part["label"].iloc[0],
            line=dict(color=PALETTE[index % len(PALETTE)], width=2),
            marker=dict(size=[8 + 18 * math.sqrt(n / largest) for n in part["evaluated"]], color=PALETTE[index % len(PALETTE)]),
            error_y=dict(type="data", symmetric=False, array=part["ci_high"] - part["proportion"],
                         arrayminus=part["proportion"] - part["ci_low"], thickness=1.2, width=3),
            hovertext=part["text"], hovertemplate="%{hovertext}<extra></extra>",
        ))
    fig.update_layout(font=FONT, margin=dict(l=10, r=10, t=30, b=10), height=420, plot_bgcolor="white",
                      legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(title=labels["x"], rangemode="tozero", showgrid=True, gridcolor="#EEEEEE")
    fig.update_yaxes(title=labels["y"], range=[-0.02, 1.05], tickformat=".0%", showgrid=True, gridcolor="#EEEEEE")
    return fig


def cumulative_figure(rows: pd.DataFrame, *, labels: dict[str, str]) -> go.Figure:
    """The pooled estimate (95% CI) using every cohort published up to each year. `rows` columns: year, estimate,
    ci_low, ci_high, text."""
    fig = go.Figure(go.Scatter(
        x=rows["year"].astype(str), y=rows["estimate"], mode="lines+markers", name=labels["y"],
        line=dict(color="#D55E00", width=2), marker=dict(size=10, color="#D55E00"),
        error_y=dict(type="data", symmetric=False, array=rows["ci_high"] - rows["estimate"], arrayminus=rows["estimate"] - rows["ci_low"], thickness=1.5),
        hovertext=rows["text"], hovertemplate="%{hovertext}<extra></extra>",
    ))
    fig.update_layout(font=FONT, margin=dict(l=10, r=10, t=30, b=10), height=320, plot_bgcolor="white", showlegend=False)
    fig.update_xaxes(title=labels["x"], type="category")
    fig.update_yaxes(title=labels["y"], range=[-0.02, 1.05], tickformat=".0%", showgrid=True, gridcolor="#EEEEEE")
    return fig


def safety_figure(rates: pd.DataFrame, *, labels: dict[str, str]) -> go.Figure:
    """Dot plot with exact CIs: one row per event type, one colour per therapy. `rates` columns:
    therapy, event, proportion, ci_low, ci_high, text."""
    palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
    fig = go.Figure()
    for index, (therapy, part) in enumerate(rates.groupby("therapy", sort=False)):
        fig.add_trace(go.Scatter(
            x=part["proportion"], y=part["event"], mode="markers", name=therapy,
            error_x=dict(type="data", symmetric=False, array=part["ci_high"] - part["proportion"], arrayminus=part["proportion"] - part["ci_low"], thickness=1.5),
            marker=dict(size=10, color=palette[index % len(palette)]),
            hovertext=part["text"], hovertemplate="%{hovertext}<extra></extra>",
        ))
    fig.update_layout(font=FONT, margin=dict(l=10, r=10, t=30, b=10), height=max(260, 60 + 50 * rates["event"].nunique()),
                      plot_bgcolor="white", scattermode="group", legend=dict(orientation="h", y=1.1))
    fig.update_xaxes(range=[-0.02, 1.02], tickformat=".0%", title=labels["axis"], showgrid=True, gridcolor="#EEEEEE")
    fig.update_yaxes(automargin=True)
    return fig

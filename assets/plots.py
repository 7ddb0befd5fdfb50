"""Small PNG plots for the Dagster UI, drawn headless (matplotlib's Agg backend) and attached
to a materialization as markdown with a data URI, so they show without any file or server."""

from __future__ import annotations

import base64
import io

import polars as pl

WIDTH, HEIGHT, DPI = 8.0, 3.4, 90


def _figure():
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory only
    import matplotlib.pyplot as plt

    return plt, plt.subplots(figsize=(WIDTH, HEIGHT), dpi=DPI)


def _markdown(plt, fig, title: str) -> str:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f"![{title}](data:image/png;base64,{encoded})"


def articles_per_day(frame: pl.DataFrame) -> str:
    """Stacked bars of articles per published day, one colour per site (``site``, ``day``,
    ``articles``): a site that stops publishing, or a day that came out empty, shows as a gap."""
    if frame.is_empty():
        return "_no articles with a published date_"
    plt, (fig, ax) = _figure()
    wide = frame.pivot(on="site", index="day", values="articles").sort("day").fill_null(0)
    days = wide["day"].to_list()
    bottom = [0] * len(days)
    for site in wide.columns[1:]:
        counts = wide[site].to_list()
        ax.bar(days, counts, bottom=bottom, label=site, width=0.8)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_ylabel("articles")
    ax.set_title("Articles per site per published day")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.autofmt_xdate()
    return _markdown(plt, fig, "articles per site per day")


def chrome_share(frame: pl.DataFrame) -> str:
    """Horizontal bars: each site's share of block text called chrome (``site``,
    ``chrome_share``)."""
    if frame.is_empty():
        return "_no site modelled yet_"
    plt, (fig, ax) = _figure()
    shown = frame.head(20).reverse()
    ax.barh(shown["site"].to_list(), shown["chrome_share"].to_list(), color="#c8553d")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the site's block text removed as chrome")
    ax.set_title("Chrome share per site")
    return _markdown(plt, fig, "chrome share per site")

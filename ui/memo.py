"""The PDF decision memo: a RunResult in, PDF bytes out.

Like the one-page brief a steering committee actually reads: what was assumed, what the
simulation showed (the same figures and the same Plotly charts as the dashboard), what is
recommended and why, what is still a gap, and a link that reopens the exact scenario. Charts are
rendered by kaleido on Debian's Chromium through one long-lived server; where no browser exists,
matplotlib draws the same traces. Text is set in DejaVu Sans; characters the font lacks become '?'.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import threading
import warnings
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from planner import __version__
from planner.catalog import iter_figures, load_catalog
from planner.run import RunResult
from ui import charts

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
MAX_TEXT = 400
_KALEIDO_LOCK = threading.Lock()


@cache
def font_paths() -> tuple[str, str]:
    for d in FONT_DIRS:
        if (d / "DejaVuSans.ttf").exists():
            return str(d / "DejaVuSans.ttf"), str(d / "DejaVuSans-Bold.ttf")
    import matplotlib

    d = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return str(d / "DejaVuSans.ttf"), str(d / "DejaVuSans-Bold.ttf")


@cache
def font_charset() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(font_paths()[0]).getBestCmap())


def safe(text: object, limit: int = MAX_TEXT) -> str:
    """Printable in the font, no control characters, at most ``limit`` characters."""
    chars = font_charset()
    s = "".join(c if (ord(c) in chars and c.isprintable()) else "?" for c in str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"


@cache
def _kaleido_started() -> bool:
    import kaleido

    warnings.filterwarnings("ignore", message="The kopts argument is ignored")
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    return True


def fig_png(fig: go.Figure, width: int = 900, height: int = 420) -> bytes:
    """PNG of a plotly figure: kaleido (one server, behind a lock), else matplotlib."""
    try:
        with _KALEIDO_LOCK:
            _kaleido_started()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return bytes(fig.to_image(format="png", width=width, height=height, scale=1))
    except Exception:  # no Chromium: draw the same traces with matplotlib
        return matplotlib_png(fig, width, height)


def matplotlib_png(fig: go.Figure, width: int, height: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f, ax = plt.subplots(figsize=(width / 100, height / 100), dpi=100)
    for trace in fig.data:
        x, y = list(trace.x or []), list(trace.y or [])
        if not x or not y:
            continue
        if trace.type == "bar":
            ax.bar([str(v) for v in x] if isinstance(x[0], str) else x, y, label=trace.name)
        else:
            ax.plot(x, y, label=trace.name)
    layout = fig.layout
    ax.set_title(layout.title.text or "")
    if layout.xaxis.type == "log":
        ax.set_xscale("log")
    ax.set_xlabel(layout.xaxis.title.text or "")
    ax.set_ylabel(layout.yaxis.title.text or "")
    ax.legend(fontsize=7)
    buf = io.BytesIO()
    f.tight_layout()
    f.savefig(buf, format="png")
    plt.close(f)
    return buf.getvalue()


class Memo(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        regular, bold = font_paths()
        self.add_font("DejaVu", "", regular)
        self.add_font("DejaVu", "B", bold)
        self.set_auto_page_break(True, margin=15)
        self.memo_title = title
        self.set_title(title)
        self.set_creator(f"Edge-Cloud Inference Planner {__version__}")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 5, f"{self.memo_title[:90]} · page {self.page_no()}", align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", 12)
        self.cell(0, 7, safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("DejaVu", "", 9)

    def para(self, text: str, size: float = 9) -> None:
        self.set_font("DejaVu", "", size)
        self.multi_cell(
            0, 4.6, safe(text, 2000), new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.WORD
        )

    def table_rows(self, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        self.set_font("DejaVu", "", 8)
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=4.4,
            wrapmode=WrapMode.WORD,
            first_row_as_headings=True,
        ) as t:
            for row in [header, *rows]:
                r = t.row()
                for cell in row:
                    r.cell(safe(cell, 300))

    def image_png(self, png: bytes, w: float = 180) -> None:
        self.image(io.BytesIO(png), w=w)

    def chart(self, title: str, fig: go.Figure) -> None:
        """A heading and its chart kept on one page."""
        if self.get_y() + 95 > self.h - self.b_margin:
            self.add_page()
        self.heading(title)
        self.image_png(fig_png(fig))


def fmt_ms(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    return f"{x / 1000:,.2f} s" if x >= 10_000 else f"{x:,.1f} ms"


def fmt_ci(r: RunResult, key: str, f: object) -> str:
    ci = r.ci95.get(key)
    return f"{f(ci[0])} – {f(ci[1])}" if ci else "single replication"  # type: ignore[operator]


def kpi_rows(r: RunResult) -> list[list[str]]:
    f, cost = r.figures, r.extras["cost"]

    def pct(x: float) -> str:
        return "n/a" if math.isnan(x) else f"{x * 100:.1f} %"

    rows = [
        ["p50 latency", fmt_ms(f["latency_ms.p50"]), fmt_ci(r, "latency_ms.p50", fmt_ms)],
        ["p95 latency", fmt_ms(f["latency_ms.p95"]), fmt_ci(r, "latency_ms.p95", fmt_ms)],
        ["p99 latency", fmt_ms(f["latency_ms.p99"]), fmt_ci(r, "latency_ms.p99", fmt_ms)],
        ["SLO attainment", pct(f["slo_attainment"]), fmt_ci(r, "slo_attainment", pct)],
        ["fallback rate", pct(f["fallback_rate"]), fmt_ci(r, "fallback_rate", pct)],
        [
            "GPU hours / month",
            f"{f['cloud.gpu_hours']:,.1f}",
            fmt_ci(r, "cloud.gpu_hours", lambda v: f"{v:,.1f}"),
        ],
        ["monthly cost", f"${cost['monthly_usd']['total']:,.0f}", "from the simulated month"],
        [
            f"{cost['horizon_years']}-year TCO",
            f"${cost['horizon_usd']:,.0f}",
            "cash, capex up front",
        ],
    ]
    if "ttft_ms.p95" in f:
        rows.insert(
            3,
            ["p95 time to first token", fmt_ms(f["ttft_ms.p95"]), fmt_ci(r, "ttft_ms.p95", fmt_ms)],
        )
    return rows


def build_memo(r: RunResult, link: str, today: dt.date | None = None) -> bytes:
    """The memo as PDF bytes (same scenario and seed give the same memo apart from the date)."""
    s = r.scenario
    day = today or dt.date.today()
    pdf = Memo(safe(s.name, 120))
    pdf.set_creation_date(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(
        0,
        8,
        safe(f"Decision memo: {s.name}", 200),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        wrapmode=WrapMode.WORD,
    )
    pdf.para(
        f"{day.isoformat()} · preset {s.preset or 'none'} · seed {s.simulation.seed} · "
        f"{r.engine['replications']} replications · planner {__version__}"
    )
    if s.description:
        pdf.para(s.description)
    decision = r.extras["decision"]
    pdf.heading(f"Recommendation: {decision['architecture']}")
    for reason in decision["reasons"]:
        pdf.para(f"• {reason}")
    for flag in decision["flags"][:3]:
        pdf.para(f"Against it: {flag}")
    pdf.para("Scores: " + ", ".join(f"{k} {v:+.1f}" for k, v in decision["scores"].items()))
    pdf.heading("Key figures (mean and 95 % interval across replications)")
    pdf.table_rows(["figure", "value", "95 % interval"], kpi_rows(r), [50, 40, 90])
    pdf.chart("Latency", charts.fig_latency_histogram(r))
    pdf.chart("Cost per month", charts.fig_cost_breakdown(r))
    pdf.chart("Cumulative cost and break-even", charts.fig_tco(r))
    pdf.chart("Fallback and capacity", charts.fig_capacity(r))
    add_compliance(pdf, r)
    add_assumptions(pdf, r)
    pdf.heading("Reopen this scenario")
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(30, 80, 160)
    pdf.multi_cell(
        0,
        4.4,
        safe(link, 4000),
        link=link,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        wrapmode=WrapMode.CHAR,
    )
    pdf.set_text_color(0, 0, 0)
    for note in r.engine["notes"]:
        pdf.para(f"Simulation note: {note}", 8)
    return bytes(pdf.output())


def add_compliance(pdf: Memo, r: RunResult) -> None:
    comp = r.extras["compliance"]
    pdf.heading("Enterprise checklist")
    rows = [[i["title"], i["edge"], i["cloud"]] for i in comp["items"]]
    pdf.table_rows(["item", "edge", "cloud"], rows, [90, 45, 45])
    gaps = comp["gaps"]
    edge, cloud = ", ".join(gaps["edge"]) or "none", ", ".join(gaps["cloud"]) or "none"
    pdf.para(f"Gaps: edge {edge}; cloud {cloud}.")
    if r.scenario.workload.sensitive_share > 0:
        verified = "verified" if comp["residency_verified"] else "NOT verified"
        pdf.para(
            f"Residency {verified} in the simulation: "
            f"{int(r.figures['sensitive_left_site'])} sensitive requests crossed a site's link."
        )
    pdf.heading("Risk matrix")
    pdf.table_rows(
        ["risk", "likelihood", "mitigation"],
        [[x["risk"], x["likelihood"], x["mitigation"]] for x in comp["risks"]],
        [45, 25, 110],
    )


def add_assumptions(pdf: Memo, r: RunResult) -> None:
    s = r.scenario
    cat = load_catalog()
    links = sorted({s.network.link, *s.network.site_links.values()})
    entries = [(s.edge.device, cat.devices[s.edge.device]), (s.cloud.gpu, cat.gpus[s.cloud.gpu])]
    entries += [(k, cat.links[k]) for k in links]
    rows = [
        [f"{key}.{name}", f"{fig.v:g}", fig.grade, fig.src]
        for key, e in entries
        for name, fig in iter_figures(e)
    ]
    pdf.heading("Assumptions (catalog figures used, with sources)")
    pdf.table_rows(["figure", "value", "grade", "source"], rows, [55, 18, 15, 92])
    over = {
        "edge.capex_usd_per_device": s.edge.capex_usd_per_device,
        "cloud.gpu_hourly_usd": s.cloud.gpu_hourly_usd,
    }
    given = [f"{k} = {v:g}" for k, v in over.items() if v is not None]
    if given:
        pdf.para("Scenario overrides: " + "; ".join(given))

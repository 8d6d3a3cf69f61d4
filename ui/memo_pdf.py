"""The memo's page machinery: fonts, chart images and the PDF page with its layout knobs.

Like a print shop's imposition: the text and charts are the customer's (``ui.memo``); here
they are set in DejaVu Sans, charts become PNGs (kaleido on Debian's Chromium through one
long-lived server, matplotlib where no browser exists), and each page records how full it is so
the memo can be laid out again with other sizes until no page is mostly empty.
"""

from __future__ import annotations

import io
import threading
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from planner import __version__

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


def fig_png(fig: go.Figure, width: int = 900, height: int = 420, scale: float = 1) -> bytes:
    """PNG of a plotly figure: kaleido (one server, behind a lock), else matplotlib."""
    try:
        with _KALEIDO_LOCK:
            _kaleido_started()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return bytes(fig.to_image(format="png", width=width, height=height, scale=scale))
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
    def __init__(
        self, title: str, scale: float = 1.0, pngs: dict[tuple[str, int, int], bytes] | None = None
    ) -> None:
        super().__init__(format="A4")
        self.scale = scale
        """Charts' heights (and the long assumptions table's type) relative to the default."""
        self.pngs = {} if pngs is None else pngs
        """Chart images by (name, width px, height px), shared by the layouts tried."""
        self.fills: list[float] = []
        """How full each finished page is (0-1)."""
        regular, bold = font_paths()
        self.add_font("DejaVu", "", regular)
        self.add_font("DejaVu", "B", bold)
        self.set_auto_page_break(True, margin=15)
        self.memo_title = title
        self.set_title(title)
        self.set_creator(f"Edge-Cloud Inference Planner {__version__}")

    def add_page(self, *args: Any, **kwargs: Any) -> None:
        if self.page > 0:
            self.fills.append(self.fill())
        super().add_page(*args, **kwargs)

    def fill(self) -> float:
        """Share of the current page's writable height used so far."""
        return (self.get_y() - self.t_margin) / (self.h - self.t_margin - self.b_margin)

    def keep_room(self, mm: float) -> None:
        """A new page unless ``mm`` of height are left on this one."""
        if self.get_y() + mm > self.h - self.b_margin:
            self.add_page()

    def png(self, name: str, fig: go.Figure, w_px: int, h_px: int, scale: float = 1) -> bytes:
        key = (name, w_px, h_px)
        if key not in self.pngs:
            self.pngs[key] = fig_png(fig, w_px, h_px, scale)
        return self.pngs[key]

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 5, f"{self.memo_title[:90]} · page {self.page_no()}", align="C")

    def heading(self, text: str) -> None:
        self.keep_room(22)  # never a heading alone at the foot of a page
        self.ln(2)
        self.set_font("DejaVu", "B", 12)
        self.cell(0, 7, safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("DejaVu", "", 9)

    def para(self, text: str, size: float = 9) -> None:
        self.set_font("DejaVu", "", size)
        # ragged right: fpdf2 justifies by default, which stretched a line of long figures
        # ('Against  cloud-first:  3-year  cost ...') with gaps a reader takes for missing text
        self.multi_cell(
            0,
            4.6,
            safe(text, 2000),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            wrapmode=WrapMode.WORD,
            align="L",
        )

    def table_rows(
        self, header: list[str], rows: list[list[str]], widths: list[float], size: float = 8
    ) -> None:
        self.set_font("DejaVu", "", size)
        airy = 1 + 0.5 * max(0.0, self.scale - 1)  # a larger layout also spaces table rows
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=size * 0.55 * airy,
            wrapmode=WrapMode.WORD,
            first_row_as_headings=True,
        ) as t:
            for row in [header, *rows]:
                r = t.row()
                for cell in row:
                    r.cell(safe(cell, 300))

    def image_png(self, png: bytes, w: float = 180) -> None:
        self.image(io.BytesIO(png), w=w)

    def chart_pair(self, left: Chart, right: Chart, h: int, min_h: int = 0) -> None:
        """Two charts side by side, each 88 mm wide (on a new page when they do not fit); the
        layout's scale sets their height, never below ``min_h`` px (their text would overlap)."""
        h = max(min_h, round(h * self.scale))
        w_mm, w_px = 88.0, 640
        h_mm = w_mm * h / w_px
        if self.get_y() + h_mm + 10 > self.h - self.b_margin:
            self.add_page()
        y = self.get_y() + 2
        for k, (title, fig) in enumerate((left, right)):
            x = self.l_margin + k * (w_mm + 4)
            self.set_xy(x, y)
            self.set_font("DejaVu", "B", 10)
            self.cell(w_mm, 6, safe(title))
            fig = go.Figure(fig).update_layout(height=h, title=None, margin={"t": 20})
            png = self.png(title, fig, w_px, h, 2)
            self.image(io.BytesIO(png), x=x, y=y + 6, w=w_mm)
        self.set_xy(self.l_margin, y + 6 + h_mm + 2)

    def chart(self, title: str, fig: go.Figure, height_px: int = 420, heading: bool = True) -> None:
        """A heading and its chart on one page: shrunk to the room left when at least 60 % of
        it fits (no half-empty page before it), else on a new page. The layout's scale may
        make it taller, never shorter (its labels would crowd)."""
        height_px = round(height_px * max(1.0, self.scale))
        full_w = 180.0
        full_h = full_w * height_px / 900
        room = self.h - self.b_margin - self.get_y() - 10
        if room < 0.6 * full_h:
            self.add_page()
            room = self.h - self.b_margin - self.get_y() - 10
        w = full_w * min(1.0, room / full_h)
        if heading:
            self.heading(title)
        png = self.png(title or "chart", fig, 900, height_px)
        self.image(io.BytesIO(png), w=w, x=self.l_margin + (full_w - w) / 2)


Chart = tuple[str, go.Figure]
SCALES = (1.0, 0.85, 1.15, 0.7, 1.3)
"""Chart sizes tried until no page is less than half full: smaller first when little spills
onto the last page, larger first when much does."""
MIN_FILL = 0.5

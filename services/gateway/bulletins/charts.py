"""The 通报's charts as PNG, drawn on the server with matplotlib (Agg, no display) in a CJK font that
Debian installs (fonts-noto-cjk or fonts-wqy-zenhei, deploy/scripts/infra.sh), found by path when drawn."""
import io
import os
import threading

from shared.errors import ServiceUnavailable
from shared.labels import PHASE_TITLES as PHASE_TEXT

FONTS = (  # (path, family): the first that exists is used
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei"),
)
STATUS = (("done", "已完成", "#2e7d32"), ("in_progress", "正在推进", "#1565c0"), ("blocked", "受阻", "#ef6c00"),
          ("not_started", "未开始", "#9e9e9e"))
PRAISED, CRITICISED, OTHER = "#2e7d32", "#c62828", "#5c7fa3"
WIDTH_INCHES = 5.9  # the 版心 is 156 mm wide; the pictures are placed 150 mm wide
DPI = 200
MOST_BARS = 30  # a larger district shows its first and last 15 offices
_lock = threading.Lock()
_family = None


def font_family() -> str:
    """The family of the first CJK font found, registered with matplotlib (and made its default) once;
    503 without one."""
    global _family
    with _lock:
        if _family is None:
            import matplotlib
            matplotlib.use("Agg")
            from matplotlib import font_manager
            found = next(((path, family) for path, family in FONTS if os.path.exists(path)), None)
            if found is None:
                raise ServiceUnavailable("服务器缺少中文字体（fonts-noto-cjk），暂不能绘制通报图表")
            font_manager.fontManager.addfont(found[0])
            matplotlib.rcParams["font.family"] = [found[1]]
            matplotlib.rcParams["axes.unicode_minus"] = False
            _family = found[1]
        return _family


def _figure(height):
    font_family()
    from matplotlib.figure import Figure
    return Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)


def _png(figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return out.getvalue()


def _frame(axes):
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def status_chart(totals: dict) -> bytes:
    """Milestones by status: one horizontal bar per status with its count and share."""
    figure = _figure(2.2)
    axes = figure.add_subplot()
    labels = [label for _, label, _ in STATUS][::-1]
    values = [totals.get(key, 0) for key, _, _ in STATUS][::-1]
    bars = axes.barh(labels, values, color=[color for _, _, color in STATUS][::-1], height=0.6)
    whole = max(sum(values), 1)
    for bar, value in zip(bars, values, strict=True):
        axes.text(bar.get_width() + whole * 0.01, bar.get_y() + bar.get_height() / 2,
                  f"{value} 项（{100 * value / whole:.1f}%）", va="center", fontsize=9)
    axes.set_xlim(0, max(values + [1]) * 1.3)
    axes.set_xlabel("里程碑数（项）", fontsize=9)
    axes.set_title(f"全区建设里程碑状态（共 {sum(values)} 项，逾期 {totals.get('overdue', 0)} 项）", fontsize=11)
    axes.tick_params(labelsize=9)
    _frame(axes)
    return _png(figure)


def phases_chart(rows: list[dict]) -> bytes:
    """Each phase's milestones, stacked by status, with its percent done."""
    phases = {}
    for row in rows:
        cell = phases.setdefault(row["phase"], dict.fromkeys(("total", *[k for k, _, _ in STATUS]), 0))
        for key in cell:
            cell[key] += row[key]
    order = sorted(phases)[::-1]
    figure = _figure(0.45 * max(len(order), 1) + 1.2)
    axes = figure.add_subplot()
    names = [PHASE_TEXT.get(p, str(p)) for p in order]
    left = [0] * len(order)
    for key, label, color in STATUS:
        values = [phases[p][key] for p in order]
        axes.barh(names, values, left=left, color=color, label=label, height=0.6)
        left = [a + b for a, b in zip(left, values, strict=True)]
    for y, p in enumerate(order):
        total = phases[p]["total"]
        share = 100 * phases[p]["done"] / total if total else 0.0
        axes.text(left[y] + max(left + [1]) * 0.01, y, f"完成 {share:.1f}%", va="center", fontsize=9)
    axes.set_xlim(0, max(left + [1]) * 1.22)
    axes.set_xlabel("里程碑数（项）", fontsize=9)
    axes.set_title("分阶段完成情况", fontsize=11)
    axes.tick_params(labelsize=9)
    axes.legend(ncol=4, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28 if len(order) < 4 else -0.16),
                frameon=False)
    _frame(axes)
    return _png(figure)


def ranking_chart(offices: list[dict], district_percent: float, praised: list[str], criticised: list[str]) -> bytes:
    """The offices' percent done in ranking order (best at the top); praised offices green, criticised red,
    the district's percent a dashed line."""
    shown = offices if len(offices) <= MOST_BARS else offices[:MOST_BARS // 2] + offices[-MOST_BARS // 2:]
    shown = shown[::-1]
    figure = _figure(0.24 * len(shown) + 1.3)
    axes = figure.add_subplot()
    names = [f"{o['rank']}. {o['office']}" for o in shown]
    values = [o["percent_done"] for o in shown]
    colors = [CRITICISED if o["office"] in criticised else PRAISED if o["office"] in praised else OTHER for o in shown]
    axes.barh(range(len(shown)), values, color=colors, height=0.65)
    axes.set_yticks(range(len(shown)), names)
    for y, value in enumerate(values):
        axes.text(value + 1, y, f"{value:.1f}%", va="center", fontsize=8)
    axes.axvline(district_percent, color="#424242", linestyle="--", linewidth=1)
    axes.text(district_percent, len(shown) - 0.4, f" 全区 {district_percent:.1f}%", fontsize=8, color="#424242",
              va="bottom")
    axes.set_xlim(0, 112)
    axes.set_ylim(-0.6, len(shown) + 0.2)
    axes.set_xlabel("里程碑完成率（%）", fontsize=9)
    title = "各街道办事处里程碑完成率（绿色为表扬，红色为通报批评）"
    if len(shown) < len(offices):
        title += f"，列出前后各 {MOST_BARS // 2} 名"
    axes.set_title(title, fontsize=11)
    axes.tick_params(labelsize=8)
    _frame(axes)
    return _png(figure)

"""One click on a data grid after the page was scrolled (issue #15: "with a case panel open, the first
click on a unit name is ignored").

Streamlit's data grid (glide-data-grid, drawn on a canvas) picks the cell a click selects from the
pointer positions it has seen. When the page scrolls under a resting pointer — the wheel, or the
case panel brought into view — no pointer move reaches the grid, and a click without moving the
mouse first selects nothing (measured on the demo county at 1366×768: the first and the second
click both ignored, a jiggle and a third click drill). SCRIPT remembers where the pointer is and,
when a scroll has ended, replays one pointer move at that place to the grid under it, as if the
mouse had moved. The shell adds it with the print stylesheet (gridboard.ui.printing.print_styles),
once per page; tests/test_drill_scroll.py clicks a name after a wheel scroll without a move.
"""

from __future__ import annotations

SETTLE_MS = 80  # a scroll with no further scroll event for this long has ended

SCRIPT = """
<script>
if (!window.__gbScrollHover) {
  window.__gbScrollHover = true;
  let x = -1, y = -1, timer = 0;
  const seen = e => { x = e.clientX; y = e.clientY; };
  window.addEventListener('pointermove', e => { if (e.isTrusted) seen(e); }, true);
  window.addEventListener('pointerdown', seen, true);
  const replay = () => {
    timer = 0;
    if (x < 0) return;
    const el = document.elementFromPoint(x, y);
    if (!el || !el.closest('[data-testid="stDataFrame"]')) return;
    const init = {clientX: x, clientY: y, bubbles: true, cancelable: true, composed: true, view: window};
    el.dispatchEvent(new PointerEvent('pointermove', {...init, pointerType: 'mouse', isPrimary: true, pointerId: 1}));
    el.dispatchEvent(new MouseEvent('mousemove', init));
  };
  window.addEventListener('scroll', () => { clearTimeout(timer); timer = setTimeout(replay, SETTLE_MS); }, true);
}
</script>
""".replace("SETTLE_MS", str(SETTLE_MS))

/* egov: a table wider than the screen scrolls inside its own box (egov.css); such a box is made
   focusable so that keyboard users can scroll it too (WCAG 2.1.1). Re-checked after htmx swaps
   and when the window is resized. */
(function () {
  "use strict";
  function markScrollingTables() {
    document.querySelectorAll("table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) {
        table.setAttribute("tabindex", "0");
      } else if (table.getAttribute("tabindex") === "0") {
        table.removeAttribute("tabindex");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", markScrollingTables);
  document.addEventListener("htmx:afterSettle", markScrollingTables);
  window.addEventListener("resize", markScrollingTables);
})();

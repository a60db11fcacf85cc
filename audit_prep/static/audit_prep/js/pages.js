/* audit-prep pages: the little behaviour htmx does not give (served as a file: the
   Content-Security-Policy allows no inline script). */
(function () {
  "use strict";
  /* After htmx replaces part of a page, move the focus to the element the new part names with
     data-focus-after-swap, so that keyboard and screen-reader users land on the result. */
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target.querySelector("[data-focus-after-swap]");
    if (target) {
      target.focus();
    }
  });
  /* A read-only address to copy (the calendar feed's): focusing it selects it whole. */
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input.copyable")) {
      event.target.select();
    }
  });
})();

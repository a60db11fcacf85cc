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
  /* A form marked data-swap-refusals shows the 400 answer of a refused search or filter
     (its message in the form) in place of its results, as it shows any other answer. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    var element = (config && config.elt) || event.detail.elt;
    if (event.detail.xhr.status === 400 && element && element.closest &&
        element.closest("[data-swap-refusals]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  /* A read-only address to copy (the calendar feed's): focusing it selects it whole. */
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input.copyable")) {
      event.target.select();
    }
  });
})();

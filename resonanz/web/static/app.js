// Resonanz: the CSRF header for HTMX requests, and charts from their Vega-Lite specs.
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });
  function renderCharts(root) {
    if (typeof vegaEmbed === "undefined") { return; }
    root.querySelectorAll("script[data-chart]").forEach(function (node) {
      var target = document.getElementById(node.getAttribute("data-chart"));
      if (!target || target.dataset.rendered) { return; }
      target.dataset.rendered = "1";
      vegaEmbed(target, JSON.parse(node.textContent), { actions: false, renderer: "svg" });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { renderCharts(event.target); });
})();

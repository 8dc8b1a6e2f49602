// Behaviour shared by every page. No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";

  // Forms and buttons with data-confirm ask before they submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm") || (event.submitter && event.submitter.getAttribute("data-confirm"));
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);

  // Charts: any element with data-chart-src is filled by ECharts from the JSON option at that URL,
  // or from the JSON in the element named by data-chart-json (a <script type="application/json">).
  function renderCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart-json]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart-json"));
      if (!source) { return; }
      var chart = window.echarts.init(element);
      chart.setOption(JSON.parse(source.textContent));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { renderCharts(event.target); });
})();

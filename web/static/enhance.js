// Progressive enhancement only: every feature works without this file.
// - changing the sort order re-runs the search at once;
// - "/" jumps to the search box, as on many search sites;
// - a sort order shown only because there were no words (newest) goes back
//   to relevance once words are typed;
// - the chart's labels are thinned to the width the chart really has.
(function () {
  "use strict";
  var sort = document.querySelector("select[data-implied]");
  if (sort && sort.form) {
    sort.form.addEventListener("submit", function () {
      var box = document.getElementById("q");
      if (box && box.value.trim() && sort.value === sort.getAttribute("data-implied")) { sort.value = "relevance"; }
    });
  }
  // Keep the best-ranked labels (lowest data-rank, then left to right) that
  // overlap no label already kept and stay inside the chart.
  function thinLabels(svg) {
    var labels = Array.prototype.slice.call(svg.querySelectorAll(".bar-label"));
    var box = svg.getBoundingClientRect();
    labels.forEach(function (label) { label.classList.remove("is-thinned"); });
    var order = labels.map(function (label, i) { return { label: label, i: i, rank: +label.getAttribute("data-rank") }; });
    order.sort(function (a, b) { return a.rank - b.rank || a.i - b.i; });
    var kept = [];
    var gap = 6;
    order.forEach(function (entry) {
      var r = entry.label.getBoundingClientRect();
      var fits = r.left >= box.left - 1 && r.right <= box.right + 1 && kept.every(function (k) {
        return r.right + gap <= k.left || r.left >= k.right + gap;
      });
      if (fits) { kept.push(r); } else { entry.label.classList.add("is-thinned"); }
    });
  }
  var charts = document.querySelectorAll(".histogram-svg");
  if (charts.length) {
    var thinAll = function () { charts.forEach(thinLabels); };
    thinAll();
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { window.cancelAnimationFrame(pending); }
      pending = window.requestAnimationFrame(thinAll);
    });
  }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit(); }
    });
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var box = document.getElementById("q");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
  });
})();

// The review console's only script: live "time left" on the review SLA, filters that apply
// when changed. The pages work without it.
"use strict";
(function () {
  function short(ms) {
    var s = Math.round(Math.abs(ms) / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d > 0) return d + "d " + h + "h";
    if (h > 0) return h + "h " + m + "m";
    if (m > 0) return m + "m";
    return s + "s";
  }
  function tick() {
    document.querySelectorAll(".sla[data-deadline]").forEach(function (el) {
      var left = Date.parse(el.dataset.deadline) - Date.now();
      el.textContent = left < 0 ? "overdue by " + short(left) : short(left) + " left";
      el.classList.toggle("overdue", left < 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 30000);
    var filters = document.getElementById("filters");
    if (filters) {
      filters.querySelectorAll("select").forEach(function (sel) {
        sel.addEventListener("change", function () { filters.submit(); });
      });
    }
  });
})();

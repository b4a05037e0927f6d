// Sorting, filtering and opening detail views. The page reads the same without it; the
// Content-Security-Policy lets only this script run (by its hash).
(function () {
  "use strict";
  var table = document.getElementById("wl");
  if (!table) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var heads = table.tHead.rows[0].cells;
  var controls = document.getElementById("controls");
  var query = document.getElementById("q");
  var option = document.getElementById("f-option");
  var conf = document.getElementById("f-conf");
  var shown = document.getElementById("shown");
  var texts = null; // each row's text, lower-cased once, on the first filter
  var sorted = { col: -1, dir: 1 };

  controls.hidden = false;
  controls.addEventListener("submit", function (event) { event.preventDefault(); }); // Enter in the filter
  table.classList.add("sortable");

  function key(row, col) {
    var cell = row.cells[col];
    var k = cell.getAttribute("data-k");
    if (k !== null && k !== "" && !isNaN(k)) return Number(k);
    return cell.textContent.toLowerCase();
  }

  function compare(a, b) {
    if (typeof a[0] !== typeof b[0]) return typeof a[0] === "number" ? -1 : 1;
    if (a[0] < b[0]) return -sorted.dir;
    if (a[0] > b[0]) return sorted.dir;
    return a[1] - b[1]; // stable: ties keep their order
  }

  function sortBy(col) {
    sorted.dir = sorted.col === col ? -sorted.dir : 1;
    sorted.col = col;
    var keyed = rows.map(function (row, i) { return [key(row, col), i, row]; });
    keyed.sort(compare);
    rows = keyed.map(function (k) { return k[2]; });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) { fragment.appendChild(row); });
    tbody.appendChild(fragment);
    refresh();
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute("aria-sort");
    heads[col].setAttribute("aria-sort", sorted.dir > 0 ? "ascending" : "descending");
  }

  for (var i = 0; i < heads.length; i++) {
    heads[i].tabIndex = 0;
    heads[i].addEventListener("click", sortBy.bind(null, i));
    heads[i].addEventListener("keydown", function (col, event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(col); }
    }.bind(null, i));
  }

  // Rows are shown a page at a time: the browser lays out only the rows it shows, and 100,000
  // rows laid out at once take many seconds to load, sort or filter. Without this script the style
  // sheet's noscript rule shows them all.
  var PAGE = 1000;
  var limit = PAGE;
  var more = document.getElementById("more");

  function matches(row, text, o, c) {
    return (!o || row.getAttribute("data-o") === o) && (!c || row.getAttribute("data-c") === c) &&
           (!text || texts.get(row).indexOf(text) >= 0);
  }

  function refresh() {
    var count = 0;
    rows.forEach(function (row) {
      var show = row.matched && count < limit;
      if (row.matched) count++;
      if (row.hidden === show) row.hidden = !show;
    });
    var showing = Math.min(count, limit);
    shown.textContent = (showing < count ? showing + " shown of " + count + " matching, " : count + " of ") + rows.length;
    more.hidden = showing >= count;
  }

  function filter() {
    var text = query.value.trim().toLowerCase();
    var o = option.value, c = conf.value;
    if (text && texts === null) {
      texts = new Map();
      rows.forEach(function (row) { texts.set(row, row.textContent.toLowerCase()); });
    }
    rows.forEach(function (row) { row.matched = matches(row, text, o, c); });
    limit = PAGE;
    refresh();
  }

  rows.forEach(function (row) { row.matched = true; });
  refresh();
  table.classList.add("paged"); // from here on the [hidden] rows are the ones not shown
  more.addEventListener("click", function () { limit += PAGE; refresh(); });

  var timer = 0;
  var delay = rows.length > 5000 ? 250 : 0; // a large table: filter once the typing pauses
  query.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(filter, delay); });
  option.addEventListener("change", filter);
  conf.addEventListener("change", filter);

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // Printed, every detail view shows in full, and every row that matches the filter; then as before.
  var opened = [], kept = limit;
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details.detail"), function (d) { return !d.open; });
    opened.forEach(function (d) { d.open = true; });
    kept = limit;
    limit = Infinity;
    refresh();
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
    limit = kept;
    refresh();
  });
})();

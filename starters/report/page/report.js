(function () {
  "use strict";
  function value(row, index) {
    var cell = row.cells[index];
    return cell ? (cell.getAttribute("data-sort-value") || "") : "";
  }
  function compare(a, b, type) {
    if (a === b) { return 0; }
    if (a === "") { return 1; }
    if (b === "") { return -1; }
    if (type === "num") {
      var x = parseFloat(a), y = parseFloat(b);
      if (!isNaN(x) && !isNaN(y) && x !== y) { return x < y ? -1 : 1; }
    }
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: "base"});
  }
  function sortTable(table, index, descending) {
    var head = table.tHead.rows[0].cells[index];
    var type = head.getAttribute("data-type") || "text";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) { row.setAttribute("data-order", String(i)); });
    rows.sort(function (r1, r2) {
      var v1 = value(r1, index), v2 = value(r2, index);
      // Empty cells stay last whichever the direction.
      if (v1 === "" || v2 === "") { return compare(v1, v2, type); }
      var c = compare(v1, v2, type);
      return (descending ? -c : c) ||
        (+r1.getAttribute("data-order") - +r2.getAttribute("data-order"));
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.setAttribute("aria-sort", "none");
    });
    head.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.querySelector("button").addEventListener("click", function () {
        sortTable(table, index, th.getAttribute("aria-sort") === "ascending");
      });
    });
    // The summary shows what the page really holds.
    var category = table.getAttribute("data-category");
    var counted = table.tBodies[0].rows.length;
    var card = document.getElementById("count-" + category);
    if (card) {
      card.setAttribute("data-rendered-count", String(counted));
      if (card.getAttribute("data-available") === "true") {
        card.querySelector(".count").textContent = String(counted);
      }
    }
  });
  var match = /(?:^#|&)sort=([^:&]+):([^:&]+)(?::(desc|asc))?/.exec(window.location.hash);
  if (match) {
    var table = document.getElementById("table-" + decodeURIComponent(match[1]));
    if (table) {
      var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
      var index = heads.findIndex(function (th) {
        return th.getAttribute("data-key") === decodeURIComponent(match[2]);
      });
      if (index >= 0) { sortTable(table, index, match[3] === "desc"); }
    }
  }
  document.body.setAttribute("data-ready", "true");
})();

// Wide tables scroll sideways inside a box of their own on a narrow screen, never the whole
// page. The box is a labelled, focusable region so that keyboard users can scroll it too
// (WCAG 2.1.1), and it says so when it is wider than the screen.
(function () {
  function nameOf(table, box) {
    if (table.caption) return table.caption.textContent.trim();
    // A folded table is named by its summary and the heading of its section ("Data table" alone
    // would name several regions alike).
    var details = box.closest("details");
    var anchor = details || box;
    var heading = headingBefore(anchor);
    if (details && details.querySelector("summary")) {
      var summary = details.querySelector("summary").textContent.trim();
      return heading ? heading + ": " + summary : summary;
    }
    return heading || "Table";
  }

  function headingBefore(element) {
    for (var node = element.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) return node.textContent.trim();
    }
    var title = document.querySelector("main h1");
    return title ? title.textContent.trim() : "";
  }

  var boxes = [];
  document.querySelectorAll("main table").forEach(function (table) {
    var box = table.parentElement;
    if (!box.classList.contains("app-table-wrap")) {
      box = document.createElement("div");
      box.className = "app-table-wrap";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    }
    box.setAttribute("role", "region");
    box.tabIndex = 0;
    if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", nameOf(table, box));
    boxes.push(box);
  });

  function markOverflow() {
    boxes.forEach(function (box) {
      box.classList.toggle("app-table-wrap--overflows", box.scrollWidth > box.clientWidth + 1);
    });
  }
  markOverflow();
  window.addEventListener("resize", markOverflow);
  document.querySelectorAll("details").forEach(function (details) {
    details.addEventListener("toggle", markOverflow);
  });
})();

// Sortable tables: each column heading becomes a button that sorts the rows; the order is kept
// in the link (#sort=table.column.direction) so a shared link reopens the same view.
(function () {
  var tables = Array.prototype.slice.call(document.querySelectorAll("main table"));

  function keyOf(text) {
    var number = text.replace(/[£,%\s]/g, "").replace(/^−/, "-");
    if (number !== "" && !isNaN(number)) return { number: parseFloat(number) };
    return { text: text.toLowerCase() };
  }

  function cellValue(row, column) {
    var cell = row.cells[column];
    // A cell whose words do not sort gives its order instead: a date written "1 Oct 2013", an
    // amount with a note ("£100,000,000 (up to)", "— (nothing allocated)" for 0), or nothing
    // for a missing value, which goes last whichever way the column is sorted.
    if (cell && cell.dataset.sortValue !== undefined) {
      return cell.dataset.sortValue === "" ? { missing: true } : keyOf(cell.dataset.sortValue);
    }
    var text = cell ? cell.textContent : "";
    // A responsive table names each value on a phone; the name is not part of the value.
    var heading = cell && cell.querySelector(".nhsuk-table-responsive__heading");
    return keyOf(text.slice(heading ? heading.textContent.length : 0).trim());
  }

  function compare(a, b) {
    if (a.number !== undefined && b.number !== undefined) return a.number - b.number;
    if (a.number !== undefined) return -1;
    if (b.number !== undefined) return 1;
    return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  }

  function sort(tableIndex, column, direction, remember) {
    var table = tables[tableIndex];
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var sign = direction === "descending" ? -1 : 1;
    rows
      .map(function (row, index) { return { row: row, index: index, key: cellValue(row, column) }; })
      .sort(function (a, b) {
        var order = a.key.missing || b.key.missing
          ? Boolean(a.key.missing) - Boolean(b.key.missing)
          : sign * compare(a.key, b.key);
        return order || a.index - b.index;
      })
      .forEach(function (item) { body.appendChild(item.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var arrow = th.querySelector(".app-sort-arrow");
      if (index === column) th.setAttribute("aria-sort", direction);
      else th.removeAttribute("aria-sort");
      // The arrow is for the eye: aria-sort tells assistive technology, and the button's
      // name stays the column's name.
      if (arrow) arrow.textContent = index !== column ? "" : direction === "ascending" ? " ▲" : " ▼";
    });
    if (remember) {
      history.replaceState(null, "", "#sort=" + [tableIndex, column, direction].join("."));
    }
  }

  tables.forEach(function (table, tableIndex) {
    if (!table.tHead || !table.tBodies.length || table.tBodies[0].rows.length < 2) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "app-sort-button";
      while (th.firstChild) button.appendChild(th.firstChild);
      var arrow = document.createElement("span");
      arrow.className = "app-sort-arrow";
      arrow.setAttribute("aria-hidden", "true");
      button.appendChild(arrow);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        sort(tableIndex, column, next, true);
      });
    });
  });

  var saved = /^#sort=(\d+)\.(\d+)\.(ascending|descending)$/.exec(location.hash);
  if (saved && tables[+saved[1]] && tables[+saved[1]].tHead) {
    sort(+saved[1], +saved[2], saved[3], false);
  }
})();

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

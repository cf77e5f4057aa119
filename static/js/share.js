// "Copy link to this view": the page's address holds its filters (and the table order), so
// copying it shares exactly what is on screen. Shown only where the clipboard can be written.
document.querySelectorAll("[data-copy-link]").forEach(function (button) {
  if (!navigator.clipboard) return;
  var box = button.closest(".app-share");
  var status = box.querySelector(".app-share__status");
  box.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(location.href).then(
      function () { status.textContent = "Link copied"; },
      function () { status.textContent = "Copy failed: the link is " + location.href; }
    );
  });
});

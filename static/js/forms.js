// After a filter is submitted, focus moves to what changed (the NHS design system's error
// summary pattern): to the error summary when the filter was refused, to the results otherwise.
// A link opened afresh keeps the focus at the top of the page.
(function () {
  var KEY = "app-filter-submitted";
  var submitted = false;
  try {
    submitted = sessionStorage.getItem(KEY) === location.pathname;
    sessionStorage.removeItem(KEY);
  } catch (error) { /* storage refused: focus stays where the browser puts it */ }
  var summary = document.querySelector(".nhsuk-error-summary");
  var results = document.querySelector("[data-results]");
  if (summary) summary.focus();
  else if (submitted && results) results.focus();
  document.querySelectorAll("form.app-filters").forEach(function (form) {
    form.addEventListener("submit", function () {
      try { sessionStorage.setItem(KEY, location.pathname); } catch (error) { /* see above */ }
    });
  });
  // An error summary's link moves to its field and puts the field's legend or label in view.
  if (summary) {
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var input = document.getElementById(link.getAttribute("href").slice(1));
        if (!input) return;
        event.preventDefault();
        var group = input.closest("fieldset") || input.closest(".nhsuk-form-group");
        (group || input).scrollIntoView();
        input.focus({ preventScroll: true });
      });
    });
  }
})();

// Swagger UI draws its page after load; once it has, two gaps in its structure are mended:
// a heading level between its h1 and the h3 of each group of endpoints, and a name for the
// introduction, which sits outside any landmark. body[data-mended] says it is done.
(function () {
  function mend() {
    var groups = document.querySelector(".swagger-ui .opblock-tag-section");
    var intro = document.querySelector(".swagger-ui .information-container");
    if (!groups || !intro) return false;
    var heading = document.createElement("h2");
    heading.className = "app-visually-hidden";
    heading.textContent = "Endpoints";
    groups.parentNode.insertBefore(heading, groups);
    intro.setAttribute("role", "region");
    intro.setAttribute("aria-label", "About the API");
    document.body.dataset.mended = "true";
    return true;
  }
  var observer = new MutationObserver(function () {
    if (mend()) observer.disconnect();
  });
  observer.observe(document.body, { childList: true, subtree: true });
})();

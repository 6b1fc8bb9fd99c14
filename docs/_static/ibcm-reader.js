/* Reader furniture of the runbooks (see generator/sphinx_ext/reader.py).
 *
 * 1. The build line: every element with data-ibcm-build="<key>" gets the value of that key from
 *    _static/ibcm-build.js (written by each HTML build with the values of the build stamp), and the
 *    hidden part holding it is shown.  The pages never hold those values, so they stay the same bytes
 *    when only the commit or the build time changes.
 * 2. The change-board PDF: its link is in the page but hidden; it is shown only once the web server
 *    answers that the PDF exists (HEAD, or a one-byte GET where HEAD is not allowed).  Opened from
 *    file:// the request fails and the link stays hidden.
 * Without JavaScript both stay hidden; the rest of the page does not depend on this file.
 */
(function () {
  "use strict";
  var script = document.currentScript;

  function fillBuildLine(values) {
    document.querySelectorAll("[data-ibcm-build]").forEach(function (element) {
      var value = values[element.getAttribute("data-ibcm-build")];
      if (!value) return;
      element.textContent = value;
      var part = element.closest(".ibcm-build-part");
      if (part) part.hidden = false;
    });
  }

  function loadBuildValues() {
    if (!script || !document.querySelector("[data-ibcm-build]")) return;
    var loader = document.createElement("script");
    loader.src = new URL("ibcm-build.js", script.src).href; // a script, not fetch(): works from file:// too
    loader.onload = function () {
      if (window.ibcmBuild) fillBuildLine(window.ibcmBuild);
    };
    document.head.appendChild(loader);
  }

  function isPdf(response) {
    var type = (response.headers.get("Content-Type") || "").toLowerCase();
    return response.ok && type.indexOf("text/html") === -1; // a 200 "not found" page is not the PDF
  }

  function probe(url) {
    return fetch(url, { method: "HEAD", cache: "no-store" }).then(function (response) {
      if (response.status !== 405 && response.status !== 501) return isPdf(response);
      return fetch(url, { headers: { Range: "bytes=0-0" }, cache: "no-store" }).then(isPdf);
    });
  }

  function revealPdfLinks() {
    if (!/^https?:$/.test(location.protocol)) return;
    document.querySelectorAll("a.ibcm-pdf-link[hidden]").forEach(function (link) {
      probe(link.href)
        .then(function (exists) {
          if (exists) link.hidden = false;
        })
        .catch(function () {});
    });
  }

  // A table or code block wider than the column scrolls in its own box: make that box reachable with the
  // keyboard (Tab, then the arrow keys), as WCAG asks of scrollable regions, and only while it does scroll.
  function focusableScrollBoxes() {
    document.querySelectorAll("article .table-wrapper, article pre").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
      else if (box.getAttribute("tabindex") === "0") box.removeAttribute("tabindex");
    });
  }

  // Furo's two sidebars are both <aside>: name them, so that landmarks can be told apart.
  function nameSidebars() {
    var names = { "sidebar-drawer": "Navigation", "toc-drawer": "On this page" };
    Object.keys(names).forEach(function (name) {
      var aside = document.querySelector("aside." + name);
      if (aside && !aside.hasAttribute("aria-label")) aside.setAttribute("aria-label", names[name]);
    });
  }

  var resizing = 0;
  loadBuildValues();
  revealPdfLinks();
  focusableScrollBoxes();
  nameSidebars();
  window.addEventListener("resize", function () {
    cancelAnimationFrame(resizing);
    resizing = requestAnimationFrame(focusableScrollBoxes);
  });
})();

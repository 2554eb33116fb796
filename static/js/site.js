/* Outings: the few lines of JavaScript every page uses. Everything works without them. */
(function () {
  "use strict";

  // Tell the server the browser's time zone (outings.common.middleware reads the `tz` cookie),
  // so that times render in the viewer's zone from the next page on. IANA names are cookie-safe.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var current = document.cookie.match(/(?:^|;\s*)tz=([^;]*)/);
    if (zone && /^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone) && (!current || current[1] !== zone)) {
      document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) {
    /* No Intl support: times stay in UTC. */
  }

  // The language menu returns to the page as it is now: htmx may have put another address in
  // the bar (a search on the explore page) since the server wrote `next`. Not on the answer to
  // a form sent (`data-return-here` marks the page of a GET): its address may take no GET, and
  // the server's `next` names the page the form was sent from.
  function returnHere(form) {
    if (!form.hasAttribute("data-return-here")) { return; }
    var next = form.elements.namedItem("next");
    if (next instanceof HTMLInputElement) { next.value = location.pathname + location.search; }
  }
  document.addEventListener("submit", function (event) {
    if (event.target instanceof HTMLFormElement && event.target.classList.contains("lang-switch")) {
      returnHere(event.target);
    }
  });

  // "Show more" (htmx, on the list of things to do) appends the next cards and replaces the
  // pager, the link just pressed with it: the focus would fall back to the top of the page. It
  // goes to the first card added instead, where reading goes on; when none was (a broken page
  // link: the pager says so), to the pager's way on, the first page.
  var cardsBefore = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var results = document.getElementById("results");
    if (results && event.target instanceof Element && event.target.closest("#pager")) {
      cardsBefore = results.children.length;
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (cardsBefore === null || !(event.target instanceof Element) || event.target.id !== "results") {
      return;
    }
    var first = event.target.children[cardsBefore];
    cardsBefore = null;
    var link = first ? first.querySelector("a[href]") : document.querySelector("#pager a[href]");
    if (link) { link.focus(); }
  });
})();

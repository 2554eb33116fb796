/* The host's live boards: the dashboard's #host-board and a date's #roster-board. htmx fetches
 * the page again when live.js dispatches "outings:booking" (hx-trigger="outings:booking
 * from:document") and swaps the board. What htmx would otherwise evaluate from attributes (a
 * trigger's [filter], hx-vals="js:…") is here: the site's Content-Security-Policy runs no code
 * made from strings.
 * - a board with data-board-slot="<slot id>" refreshes only for a booking on that date;
 * - the refresh asks for ?booking=<reference>&change=<event>, so that the page can say what
 *   changed (hosting/_board_news.html);
 * - an event heard while a refresh is on its way is heard again once the board that refresh
 *   brings is in the page: htmx queues that event's refresh on the board it replaces, and drops
 *   it once that board has left the page (hx-swap="outerHTML"), so the board missed a booking
 *   that landed during a refresh read before it (until session 24).
 */
(function () {
  "use strict";

  var refreshing = false; // a board's refresh is on its way
  var missed = null; // the last event heard meanwhile

  /* The live event behind an htmx request of a board, else null. */
  function liveEvent(detail) {
    var event = detail.triggeringEvent;
    if (!detail.elt || !detail.elt.hasAttribute("data-board")) return null;
    return event && event.type === "outings:booking" ? event : null;
  }

  document.addEventListener("htmx:confirm", function (confirm) {
    var event = liveEvent(confirm.detail);
    var slot = event && confirm.detail.elt.getAttribute("data-board-slot");
    if (slot && String(event.detail.slot) !== slot) confirm.preventDefault(); // another date's
  });

  document.addEventListener("htmx:configRequest", function (request) {
    var event = liveEvent(request.detail);
    if (!event) return;
    request.detail.parameters.booking = event.detail.reference;
    request.detail.parameters.change = event.detail.event;
    refreshing = true;
  });

  document.addEventListener("outings:booking", function (event) {
    if (refreshing) missed = event;
  });

  function refreshed() {
    refreshing = false;
    var again = missed;
    missed = null;
    if (again) document.dispatchEvent(new CustomEvent("outings:booking", { detail: again.detail }));
  }

  // The new board is in the page (htmx:load, fired on it once it has settled).
  document.addEventListener("htmx:load", function (loaded) {
    if (refreshing && loaded.detail.elt.hasAttribute("data-board")) refreshed();
  });

  // No new board: the board that asked stays, with the refresh htmx queued on it.
  ["htmx:sendError", "htmx:responseError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (failed) {
      if (liveEvent(failed.detail.requestConfig || {})) {
        refreshing = false;
        missed = null;
      }
    });
  });
})();

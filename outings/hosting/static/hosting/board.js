/* The host's live boards: the dashboard's #host-board and a date's #roster-board. htmx fetches
 * the page again when live.js dispatches "outings:booking" (hx-trigger="outings:booking
 * from:document") and swaps the board. What htmx would otherwise evaluate from attributes (a
 * trigger's [filter], hx-vals="js:…") is here: the site's Content-Security-Policy runs no code
 * made from strings.
 * - a board with data-board-slot="<slot id>" refreshes only for a booking on that date;
 * - the refresh asks for ?booking=<reference>&change=<event>, so that the page can say what
 *   changed (hosting/_board_news.html).
 */
(function () {
  "use strict";

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
  });
})();

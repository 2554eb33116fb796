/* Outings live updates: the notification bell, toasts, opt-in desktop notifications, and live
 * seats-left numbers on listing pages. No dependencies.
 *
 * <script src="{% static 'notifications/live.js' %}" defer
 *         data-feed-url="{% url 'notifications:feed' %}" data-user="{{ user.pk }}"
 *         data-last-id="{{ latest_notification_id|default:0 }}"
 *         data-unread-change="{{ unread_change }}"></script>
 *
 * - elements with [data-notification-count] show the unread count (hidden at 0): the one with
 *   the highest number (`unread_change`) of those the page rendered, fetched or received;
 * - each notification shows as a toast in .live-toasts (a polite live region) until dismissed,
 *   by its button (named data-dismiss-label + its title) or Escape; the newest three stay;
 *   a toast carries the language it is written in (`lang`), and the listing's title in it the
 *   listing's (the event's "language" and "body_parts");
 * - a button with [data-desktop-notifications] asks for the browser's permission (opt-in);
 * - an element with [data-live-listing="<listing id>"] subscribes to that listing; elements with
 *   [data-slot-seats="<slot id>"] inside the page get the new number of seats left, and an
 *   element with [data-seats-of="<slot id>"] the whole sentence for it, in the form for the new
 *   number ("1 seat left", "2 seats left", "Sold out") that the page rendered, translated, into
 *   data-seats-one, data-seats-other and data-sold-out on an element around it;
 * - every event is also dispatched on document as "outings:notification" / "outings:seats"
 *   (a host dashboard can refresh itself with hx-trigger="outings:notification from:document");
 * - {"type": "booking"} events (bookings.effects.host_dashboard_changed, on the host's own socket)
 *   are dispatched as "outings:booking": the host dashboard refreshes on it.
 * After a disconnect it reconnects with backoff and fetches from the inbox what it missed; closed
 * because its session ended (4401), only if the browser is still signed in (a new session).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !("WebSocket" in window)) return;
  var feedUrl = script.dataset.feedUrl || "/notifications/feed/";
  var signedIn = Boolean(script.dataset.user);
  var lastId = Number(sessionStorage.getItem("outings.lastNotification") || script.dataset.lastId || 0);
  var DESKTOP_KEY = "outings.desktopNotifications";
  var dismissLabel = script.dataset.dismissLabel || "Dismiss";
  var MAX_TOASTS = 3;

  function wsUrl(path) {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }

  /* A socket that reconnects with capped, jittered backoff and pings to stay open. Closed with
   * 4401 (the session it was opened with no longer signs anyone in), it connects again only if
   * `stillSignedIn` (a promise) says the browser's session now does. */
  function connect(path, onEvent, onOpen, stillSignedIn) {
    var delay = 1000;
    var socket;
    var pinger;
    function open() {
      socket = new WebSocket(wsUrl(path));
      socket.onopen = function () {
        delay = 1000;
        pinger = setInterval(function () {
          if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
        }, 25000);
        if (onOpen) onOpen();
      };
      socket.onmessage = function (message) {
        var event;
        try { event = JSON.parse(message.data); } catch (error) { return; }
        onEvent(event);
      };
      socket.onclose = function (closed) {
        clearInterval(pinger);
        // 4404: no such listing. Retrying cannot help.
        if (closed.code === 4404) return;
        if (closed.code === 4401) {
          // The session the socket was opened with ended. Signed out (a logout in another
          // tab): stay closed. Or a new session of the same user (a password changed in
          // another tab gives one): connect again with it, catching up on what was missed.
          if (stillSignedIn) stillSignedIn().then(function (yes) { if (yes) retry(); });
          return;
        }
        retry();
      };
    }
    function retry() {
      setTimeout(open, delay + Math.random() * delay / 2);
      delay = Math.min(delay * 2, 30000);
    }
    open();
  }

  function setCount(count) {
    document.querySelectorAll("[data-notification-count]").forEach(function (badge) {
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count === 0;
    });
  }

  // The number the shown unread count was taken at: counts come from different processes (each
  // change's from the one that made it) and from the feed, and can arrive in another order than
  // they were taken; an older one must not undo a newer one (notifications/selectors.py).
  var unreadChange = Number(script.dataset.unreadChange || 0);

  /* Show `count` unread, unless the bell shows a count taken after it already. A count without
   * a number (sent by a release from before them) is shown, as it always was. */
  function showUnread(count, change) {
    if (typeof change === "number") {
      if (change <= unreadChange) return;
      unreadChange = change;
    }
    setCount(count);
  }

  function toasts() {
    var box = document.querySelector(".live-toasts");
    if (!box) {
      box = document.createElement("div");
      box.className = "live-toasts";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    return box;
  }

  /* Remove a toast; the focus, if it was in it, moves to the next toast's button (or the
   * bell), not back to the top of the page. */
  function dismiss(item) {
    var box = item.parentNode;
    var had = item.contains(document.activeElement);
    var rest = box ? Array.prototype.filter.call(box.children, function (other) {
      return other !== item;
    }) : [];
    item.remove();
    if (!had) return;
    var next = rest.length ? rest[rest.length - 1].querySelector("button") : document.querySelector(".bell");
    if (next) next.focus();
  }

  /* A toast stays until its reader dismisses it (WCAG 2.2.1: no time limit on reading it): by
   * its button, or Escape while the focus is in it. Only the newest MAX_TOASTS stay on screen. */
  function toast(event) {
    var item = document.createElement("div");
    item.className = "live-toast";
    // Written in the reader's language, which another tab may have changed since this page
    // came (WCAG 3.1.2): a screen reader reads it in that language's voice.
    if (event.language) item.lang = event.language;
    var content = document.createElement(event.url ? "a" : "div");
    content.className = "live-toast__body";
    if (event.url) content.href = event.url;
    var title = document.createElement("strong");
    title.textContent = event.title;
    var body = document.createElement("span");
    // Runs of text, the listing's title marked with the language it is written in.
    (event.body_parts && event.body_parts.length ? event.body_parts : [[event.body, ""]]).forEach(function (part) {
      if (!part[1]) { body.appendChild(document.createTextNode(part[0])); return; }
      var run = document.createElement("span");
      run.lang = part[1];
      run.textContent = part[0];
      body.appendChild(run);
    });
    content.appendChild(title);
    content.appendChild(body);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "live-toast__close";
    close.setAttribute("aria-label", dismissLabel + ": " + event.title);
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { dismiss(item); });
    item.addEventListener("keydown", function (key) {
      if (key.key === "Escape") dismiss(item);
    });
    item.appendChild(content);
    item.appendChild(close);
    var box = toasts();
    box.appendChild(item);
    while (box.children.length > MAX_TOASTS) dismiss(box.firstElementChild);
  }

  function desktop(event) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    if (localStorage.getItem(DESKTOP_KEY) !== "on" || !document.hidden) return;
    var shown = new Notification(event.title, { body: event.body, tag: "outings-" + event.id });
    shown.onclick = function () { window.focus(); if (event.url) location.href = event.url; };
  }

  function seen(id) {
    if (id > lastId) {
      lastId = id;
      sessionStorage.setItem("outings.lastNotification", String(id));
    }
  }

  function onNotificationEvent(event) {
    if (event.type === "notification") {
      if (event.id <= lastId) return; // already shown (a reconnect fetched it)
      seen(event.id);
      if (typeof event.unread === "number") showUnread(event.unread, event.unread_change);
      toast(event);
      desktop(event);
      document.dispatchEvent(new CustomEvent("outings:notification", { detail: event }));
    } else if (event.type === "unread") {
      showUnread(event.unread, event.unread_change);
    } else if (event.type === "booking") {
      // A booking on one of this host's listings changed: dashboards and rosters refresh.
      document.dispatchEvent(new CustomEvent("outings:booking", { detail: event }));
    }
  }

  /* Whether the browser's session (its cookie as it is now) signs a user in: the feed answers
   * them, and sends anyone else to sign in (a redirect, not followed). */
  function stillSignedIn() {
    return fetch(feedUrl + "?after=" + lastId, {
      credentials: "same-origin", headers: { Accept: "application/json" }, redirect: "manual"
    }).then(function (response) { return response.ok; }, function () { return false; });
  }

  /* After (re)connecting: the unread count, and what arrived while we were away. */
  function catchUp() {
    fetch(feedUrl + "?after=" + lastId, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) return;
        showUnread(body.unread, body.unread_change);
        body.items.slice(-3).forEach(function (item) { onNotificationEvent(item); });
        body.items.forEach(function (item) { seen(item.id); });
      })
      .catch(function () { /* offline: the next reconnect tries again */ });
  }

  function setUpDesktopButton() {
    document.querySelectorAll("[data-desktop-notifications]").forEach(function (button) {
      if (!("Notification" in window)) { button.hidden = true; return; }
      button.setAttribute("aria-pressed", String(localStorage.getItem(DESKTOP_KEY) === "on"));
      button.addEventListener("click", function () {
        if (localStorage.getItem(DESKTOP_KEY) === "on") {
          localStorage.removeItem(DESKTOP_KEY);
          button.setAttribute("aria-pressed", "false");
          return;
        }
        Notification.requestPermission().then(function (permission) {
          var on = permission === "granted";
          if (on) localStorage.setItem(DESKTOP_KEY, "on");
          button.setAttribute("aria-pressed", String(on));
        });
      });
    });
  }

  // The highest change number applied per date: events of one date can arrive out of order
  // (published by different processes), and an older one must not undo a newer one.
  var seatsChange = {};

  /* A date's seats-left sentence for `left` seats, in the form for that number, with the number
   * in a [data-slot-seats] element. Built from text nodes: the strings are never read as HTML. */
  function writeSeats(sentence, slot, left) {
    var forms = sentence.closest("[data-seats-one]");
    if (!forms) return;
    var form = forms.dataset.soldOut;
    if (left === 1) form = forms.dataset.seatsOne;
    else if (left > 0) form = forms.dataset.seatsOther;
    var at = form.indexOf("%(n)s");
    if (at < 0) {
      sentence.replaceChildren(form);
    } else {
      var number = document.createElement("span");
      number.dataset.slotSeats = String(slot);
      number.textContent = String(left);
      sentence.replaceChildren(form.slice(0, at), number, form.slice(at + "%(n)s".length));
    }
    var item = sentence.closest(".slot");
    if (item) item.classList.toggle("slot--full", left <= 0);
  }

  function onSeatsEvent(event) {
    if (event.type !== "seats") return;
    var slot = Number(event.slot);
    if (typeof event.change === "number") {
      if (seatsChange[slot] !== undefined && event.change <= seatsChange[slot]) return;
      seatsChange[slot] = event.change;
    }
    var left = Number(event.seats_left);
    document.querySelectorAll('[data-seats-of="' + slot + '"]').forEach(function (sentence) {
      writeSeats(sentence, slot, left);
    });
    document.querySelectorAll('[data-slot-seats="' + slot + '"]').forEach(function (el) {
      el.textContent = String(event.seats_left);
      el.dataset.seatsLeft = String(event.seats_left);
    });
    document.dispatchEvent(new CustomEvent("outings:seats", { detail: event }));
  }

  function start() {
    setUpDesktopButton();
    if (signedIn) connect("/ws/notifications/", onNotificationEvent, catchUp, stillSignedIn);
    document.querySelectorAll("[data-live-listing]").forEach(function (el) {
      var id = Number(el.dataset.liveListing);
      if (id > 0) connect("/ws/listings/" + id + "/", onSeatsEvent);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// The explore page's map: markers for the results, "search this area" when the map moves.
// Everything else (filters, pages, back button) is plain HTML + htmx; the page works without JS.
(function () {
  "use strict";
  var map, markers, icon, pristine, putBack;
  var MAP_KEYS = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "+", "-", "=", "_"];

  function offerSearchArea() { document.getElementById("search-area").hidden = false; }

  function hits() {
    return Array.prototype.slice.call(document.querySelectorAll("#results .hit[data-lat]"))
      .filter(function (el) { return el.dataset.lat !== "" && el.dataset.lng !== ""; });
  }

  function draw() {
    if (!window.L) { return; }
    if (putBack) { putBack(); }
    var box = document.getElementById("map");
    if (!box) { return; }
    // Back or Forward put another #map in the page (htmx's copy of it, or the server's page):
    // a new map there; the old one's box is gone.
    if (map && map.getContainer() !== box) {
      map.remove();
      map = null;
    }
    if (!map) {
      pristine = box.cloneNode(false);  // the box as the page gave it, before Leaflet's changes
      map = L.map(box, { scrollWheelZoom: false }).setView([30, 0], 2);
      // Tiles from OpenStreetMap when online; the markers work without them.
      L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
        maxZoom: 18, attribution: "© OpenStreetMap contributors"
      }).addTo(map);
      markers = L.layerGroup().addTo(map);
      // The marker images by the addresses the page gives (their fingerprinted names in
      // production): Leaflet's own guess reads leaflet.css's url() and only knows the plain name.
      icon = L.icon({
        iconUrl: box.dataset.icon, iconRetinaUrl: box.dataset.icon2x, shadowUrl: box.dataset.shadow,
        iconSize: [25, 41], iconAnchor: [12, 41], popupAnchor: [1, -34], shadowSize: [41, 41]
      });
      // Only a move the visitor made offers "search this area", not our own fitBounds: a drag,
      // or the keys Leaflet moves and zooms the map with once it has the focus.
      map.on("dragend", offerSearchArea);
      box.addEventListener("keydown", function (event) {
        if (MAP_KEYS.indexOf(event.key) >= 0 && !event.altKey && !event.ctrlKey && !event.metaKey) {
          offerSearchArea();
        }
      });
    }
    markers.clearLayers();
    var points = [];
    hits().forEach(function (el) {
      var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
      points.push(point);
      var link = el.querySelector("a");
      var marker = L.marker(point, { title: el.dataset.title, icon: icon });
      if (link) { marker.bindPopup('<a href="' + link.getAttribute("href") + '"></a>'); marker.getPopup().setContent(link.cloneNode(true)); }
      markers.addLayer(marker);
    });
    if (points.length) { map.fitBounds(points, { maxZoom: 12, padding: [20, 20] }); }
  }

  function searchArea() {
    var b = map.getBounds();
    var form = document.getElementById("explore");
    // Leaflet's longitudes run on past ±180 when the view crosses the antimeridian or shows
    // the world more than once: wrap them into [-180, 180] (a box whose west is east of its
    // east crosses 180°, which the search understands), or take the whole world.
    var west = b.getWest(), east = b.getEast();
    if (east - west >= 360) {
      west = -180; east = 180;
    } else {
      west = L.Util.wrapNum(west, [-180, 180], true);
      east = L.Util.wrapNum(east, [-180, 180], true);
    }
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    form.querySelector('input[name="bbox"]').value = [
      south.toFixed(4), west.toFixed(4), north.toFixed(4), east.toFixed(4)
    ].join(",");
    // The place the area is searched around: another one typed in Near drops the area.
    form.querySelector('input[name="area_near"]').value = form.querySelector('input[name="near"]').value;
    // The area is the box now: a radius around the place would cut it (the place stays, as the
    // point distances and "nearest" are measured from).
    form.querySelector('input[name="radius_km"]').value = "";
    document.getElementById("search-area").hidden = true;
    if (window.htmx) { htmx.trigger(form, "submit"); } else { form.submit(); }
  }

  // The search box's suggestions, a combobox: ArrowDown and ArrowUp move through them, Enter
  // follows the one chosen, Escape closes them, and a search closes them too (an answer to the
  // typing that arrives after it is not shown). Listened to on the document: Back puts another
  // box, list and form in the page (htmx's copy of it).
  function suggestions() {
    var closed = false;
    function box() { return document.getElementById("id_q"); }
    function list() { return document.getElementById("suggestions"); }
    function options() { return Array.prototype.slice.call(list().querySelectorAll('[role="option"]')); }
    function choose(index) {
      options().forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        box().setAttribute("aria-activedescendant", options()[index].id);
      } else {
        box().removeAttribute("aria-activedescendant");
      }
    }
    function close() {
      list().innerHTML = "";
      box().removeAttribute("aria-activedescendant");
      box().setAttribute("aria-expanded", "false");
    }

    document.addEventListener("input", function (event) {
      if (event.target.id === "id_q") { closed = false; }
    });
    // The focus stays in the box while an option is clicked, as in any combobox: the box losing
    // it would fire its `change`, whose search closes the list before the click lands.
    document.addEventListener("mousedown", function (event) {
      if (event.target instanceof Element && event.target.closest('#suggestions [role="option"]')) {
        event.preventDefault();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.target.id !== "id_q" || !list()) { return; }
      var all = options();
      if (!all.length) { return; }
      var current = all.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        choose(current < 0 && step < 0 ? all.length - 1 : (current + step + all.length) % all.length);
      } else if (event.key === "Enter" && current >= 0) {
        event.preventDefault();
        var link = all[current];  // each option is the link itself
        closed = true;
        close();
        link.click();
      } else if (event.key === "Escape") {
        event.preventDefault();  // a search box would also clear what was typed
        closed = true;
        close();
      }
    });
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt.id === "explore" && list()) { closed = true; close(); }
    });
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      if (event.detail.target.id === "suggestions" && closed) { event.detail.shouldSwap = false; }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target.id === "suggestions") {
        box().removeAttribute("aria-activedescendant");
        box().setAttribute("aria-expanded", options().length ? "true" : "false");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw();
    suggestions();
  });
  // A place typed in Near (or Near cleared) is searched on its own, not inside the map area
  // searched around the place before: the area goes as the place changes, before the form's
  // `change` sends the search. (Without JavaScript the view drops it: area_near, views.py.)
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLInputElement) || field.name !== "near" || !field.form) { return; }
    if (field.form.id !== "explore") { return; }
    field.form.querySelector('input[name="bbox"]').value = "";
    field.form.querySelector('input[name="area_near"]').value = "";
  });
  // The button, whichever is in the page (Back puts htmx's copy of the page in).
  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("#search-area")) { searchArea(); }
  });
  // htmx keeps each page of the history as its HTML: attributes, not what was typed or chosen
  // since. The form outside the results is never rendered again, so write the values just
  // searched into its attributes; Back and Forward then show each search's own values.
  function remember(form) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        field.defaultChecked = field.checked;
      } else if (field.tagName === "SELECT") {
        Array.prototype.forEach.call(field.options, function (option) {
          option.defaultSelected = option.selected;
        });
      } else if ("defaultValue" in field) {
        field.defaultValue = field.value;
      }
    });
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "results") {
      remember(document.getElementById("explore"));
      draw();
    }
  });
  document.body.addEventListener("htmx:historyRestore", draw);
  // htmx keeps the page's HTML for Back, and would keep Leaflet's panes, tiles and markers in it:
  // positioned with inline styles, which come back as style attributes that the site's
  // Content-Security-Policy refuses, and as a picture of a map that nothing moves. Its copy gets
  // the empty box instead (the copy is made as soon as this event is dispatched), and draw()
  // makes a new map in it when that page comes back.
  document.body.addEventListener("htmx:beforeHistorySave", function () {
    var box = map && map.getContainer();
    if (!box || !box.parentNode || !pristine) { return; }
    var focused = box.contains(document.activeElement) ? document.activeElement : null;
    var standIn = pristine.cloneNode(false);
    box.replaceWith(standIn);
    // Back in the map's place as soon as the copy is made: before the results are drawn.
    putBack = function () {
      putBack = null;
      if (!standIn.parentNode) { return; }  // Back: htmx put the page it kept in its place
      standIn.replaceWith(box);
      if (focused) { focused.focus({ preventScroll: true }); }
    };
    queueMicrotask(function () { if (putBack) { putBack(); } });
  });
})();

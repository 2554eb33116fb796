// The explore page's map: markers for the results, "search this area" when the map moves.
// Everything else (filters, pages, back button) is plain HTML + htmx; the page works without JS.
(function () {
  "use strict";
  var map, markers;

  function hits() {
    return Array.prototype.slice.call(document.querySelectorAll("#results .hit[data-lat]"))
      .filter(function (el) { return el.dataset.lat !== "" && el.dataset.lng !== ""; });
  }

  function draw() {
    if (!window.L) { return; }
    var box = document.getElementById("map");
    if (!box) { return; }
    if (!map) {
      map = L.map(box, { scrollWheelZoom: false }).setView([30, 0], 2);
      // Tiles from OpenStreetMap when online; the markers work without them.
      L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
        maxZoom: 18, attribution: "© OpenStreetMap contributors"
      }).addTo(map);
      markers = L.layerGroup().addTo(map);
      // Only a move the visitor made offers "search this area", not our own fitBounds.
      map.on("dragend", function () { document.getElementById("search-area").hidden = false; });
    }
    markers.clearLayers();
    var points = [];
    hits().forEach(function (el) {
      var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
      points.push(point);
      var link = el.querySelector("a");
      var marker = L.marker(point, { title: el.dataset.title });
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
    // The area is the box now: a radius around the place would cut it (the place stays, as the
    // point distances and "nearest" are measured from).
    form.querySelector('input[name="radius_km"]').value = "";
    document.getElementById("search-area").hidden = true;
    if (window.htmx) { htmx.trigger(form, "submit"); } else { form.submit(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw();
    var button = document.getElementById("search-area");
    if (button) { button.addEventListener("click", searchArea); }
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
})();

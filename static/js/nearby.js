/* Home page: "Show things near me" asks the browser for its position and reloads the page with
   ?lat=&lng= (rounded to about 100 m: enough to sort by distance, no more). Refusal or failure
   leaves the page as it is, with a short message. */
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  var status = document.querySelector("[data-locate-status]");
  if (!button || !("geolocation" in navigator)) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var url = new URL(window.location.href);
        url.searchParams.set("lat", position.coords.latitude.toFixed(3));
        url.searchParams.set("lng", position.coords.longitude.toFixed(3));
        window.location.assign(url.toString());
      },
      function () {
        button.disabled = false;
        if (status) {
          status.textContent = button.getAttribute("data-error") || "";
        }
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
    );
  });
})();

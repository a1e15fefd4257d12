/* Maps of Gongzhi pages, drawn with the locally served Leaflet.
 *
 * A map is a <div class="map" data-map> with JSON data blocks named by its
 * data attributes (rendered with Django's json_script):
 *   data-grids="<id>"   GeoJSON FeatureCollection of grid polygons (properties: name, code, count?, url?)
 *   data-points="<id>"  GeoJSON FeatureCollection of points (properties: label, url?)
 *   data-pick="<lon input id>,<lat input id>"  let the user place one pin (click, location, or map centre)
 *   data-tiles="<URL template>"  tiles (e.g. 天地图); empty draws on a plain background
 * No request leaves the page's own server unless a tile URL is configured.
 * Names and labels are data: they are inserted as text (DOM nodes with textContent), never as HTML.
 */
(function () {
  "use strict";

  function readJSON(id) {
    var node = id && document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // Every string from the page's data goes in as text (textContent), never as HTML.
  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function escaped(text) {
    return textNode(text).innerHTML;
  }

  function densityColour(count, max) {
    if (!count) { return "#ffffff"; }
    var shades = ["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"];
    var index = Math.min(shades.length - 1, Math.floor((count / Math.max(1, max)) * (shades.length - 1)));
    return shades[index];
  }

  function setupMap(el) {
    var map = L.map(el, { attributionControl: true, keyboard: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    var tiles = el.getAttribute("data-tiles");
    if (tiles) {
      // Leaflet inserts an attribution as HTML: it is given as escaped text.
      L.tileLayer(tiles, { attribution: escaped(el.getAttribute("data-attribution") || ""), maxZoom: 19 }).addTo(map);
    }
    var bounds = null;
    var grids = readJSON(el.getAttribute("data-grids"));
    if (grids && grids.features && grids.features.length) {
      var max = 0;
      grids.features.forEach(function (f) { max = Math.max(max, f.properties.count || 0); });
      var density = el.hasAttribute("data-density");
      var layer = L.geoJSON(grids, {
        style: function (f) {
          return {
            color: "#57606a", weight: 1.5, fillOpacity: density ? 0.75 : 0.08,
            fillColor: density ? densityColour(f.properties.count, max) : "#b3261e"
          };
        },
        onEachFeature: function (f, lyr) {
          // A node, not a string: Leaflet would insert a string as HTML, and a grid's name is data.
          lyr.bindTooltip(textNode(f.properties.name + (density ? " · " + (f.properties.count || 0) : "")),
                          { sticky: true });
          if (f.properties.url) {
            lyr.on("click", function () { window.location.href = f.properties.url; });
          }
        }
      }).addTo(map);
      bounds = layer.getBounds();
    }
    var points = readJSON(el.getAttribute("data-points"));
    if (points && points.features && points.features.length) {
      var pts = L.geoJSON(points, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 6, color: "#0550ae", weight: 2, fillColor: "#54aeff", fillOpacity: 0.9 });
        },
        onEachFeature: function (f, lyr) {
          var label = document.createElement("span");
          if (f.properties.url) {
            var a = document.createElement("a");
            a.href = f.properties.url;
            a.textContent = f.properties.label;
            label.appendChild(a);
          } else {
            label.textContent = f.properties.label;
          }
          lyr.bindPopup(label);
        }
      }).addTo(map);
      bounds = bounds ? bounds.extend(pts.getBounds()) : pts.getBounds();
    }
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [10, 10] });
    } else {
      map.setView([39.905, 116.45], 13);
    }
    var pick = el.getAttribute("data-pick");
    if (pick) { setupPicker(el, map, pick.split(",")); }
    el._gongzhiMap = map;
    return map;
  }

  function setupPicker(el, map, ids) {
    var lonInput = document.getElementById(ids[0]);
    var latInput = document.getElementById(ids[1]);
    var status = document.getElementById(el.getAttribute("data-status"));
    var marker = null;

    function place(latlng, how) {
      var lon = Math.round(latlng.lng * 1e6) / 1e6;
      var lat = Math.round(latlng.lat * 1e6) / 1e6;
      lonInput.value = lon;
      latInput.value = lat;
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.circleMarker(latlng, { radius: 9, color: "#b3261e", weight: 3, fillColor: "#ffffff", fillOpacity: 1 }).addTo(map);
      }
      if (status) {
        status.textContent = (status.getAttribute("data-template") || "{lon}, {lat}")
          .replace("{lon}", lon.toFixed(6)).replace("{lat}", lat.toFixed(6));
      }
      el.setAttribute("data-picked", how);
    }

    if (lonInput.value && latInput.value) {
      place(L.latLng(parseFloat(latInput.value), parseFloat(lonInput.value)), "initial");
    }
    map.on("click", function (e) { place(e.latlng, "click"); });

    var centre = document.getElementById(el.getAttribute("data-centre-button"));
    if (centre) {
      centre.hidden = false;
      centre.addEventListener("click", function () { place(map.getCenter(), "centre"); });
    }
    var locate = document.getElementById(el.getAttribute("data-locate-button"));
    if (locate && "geolocation" in navigator) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          var latlng = L.latLng(pos.coords.latitude, pos.coords.longitude);
          place(latlng, "location");
          map.setView(latlng, Math.max(map.getZoom(), 16));
        }, function (err) {
          if (status) { status.textContent = locate.getAttribute("data-failed") || String(err.message); }
        }, { enableHighAccuracy: true, timeout: 10000 });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), setupMap);
  });
})();

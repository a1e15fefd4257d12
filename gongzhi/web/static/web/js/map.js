/* Maps of Gongzhi pages, drawn with the locally served Leaflet.
 *
 * A map is a <div class="map" data-map> with JSON data blocks named by its
 * data attributes (rendered with Django's json_script):
 *   data-outlines="<id>" communities and grids (properties: level, code, name, place?), drawn and labelled
 *   data-focus="<code prefix>" the user's own area: the map opens zoomed to the outlines under it
 *   data-grids="<id>"    GeoJSON FeatureCollection of grid polygons (properties: name, code, count?, shade?, url?)
 *   data-points="<id>"   GeoJSON FeatureCollection of points (properties: label, url?, style? "gap" drawn red)
 *   data-pick="<lon input id>,<lat input id>"  let the user place one pin (click, location, or map centre);
 *                        the status line names the place ("已标点：永安里社区第1网格") from the outlines
 * Tiles: the page's "map-tiles" block (settings.MAP_TILE_LAYERS); none configured (the default), no
 * request leaves the page's own server and the outlines are drawn on a plain background.
 * Names and labels are data: they are inserted as text (DOM nodes with textContent), never as HTML.
 */
(function () {
  "use strict";

  var SHADES = ["#ffffff", "#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"];
  var LABEL_LIMIT = 40; // more labels than this in view would cover the map: the finer level is hidden

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

  // --- point in polygon (GeoJSON Polygon / MultiPolygon, holes respected) ---
  function inRing(x, y, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (((yi > y) !== (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi)) { inside = !inside; }
    }
    return inside;
  }

  function inPolygon(x, y, rings) {
    if (!rings.length || !inRing(x, y, rings[0])) { return false; }
    for (var k = 1; k < rings.length; k++) { if (inRing(x, y, rings[k])) { return false; } }
    return true;
  }

  function contains(geometry, lon, lat) {
    if (!geometry) { return false; }
    if (geometry.type === "Polygon") { return inPolygon(lon, lat, geometry.coordinates); }
    if (geometry.type === "MultiPolygon") {
      return geometry.coordinates.some(function (rings) { return inPolygon(lon, lat, rings); });
    }
    return false;
  }

  function placeAt(outlines, lon, lat) {
    if (!outlines || !outlines.features) { return null; }
    for (var i = 0; i < outlines.features.length; i++) {
      var f = outlines.features[i];
      if (f.properties.level === "grid" && contains(f.geometry, lon, lat)) {
        return f.properties.place || f.properties.name;
      }
    }
    return null;
  }

  function addTiles(map, el) {
    var layers = readJSON("map-tiles") || [];
    layers.forEach(function (layer) {
      // Leaflet inserts an attribution as HTML: it is given as escaped text.
      L.tileLayer(layer.url, { attribution: escaped(layer.attribution || ""), subdomains: layer.subdomains || "abc",
                               maxZoom: 18 }).addTo(map);
    });
    el.classList.add(layers.length ? "map-tiled" : "map-plain");
    return layers.length > 0;
  }

  // A community's name sits a line above its centre, a grid's a line below: a community of one grid
  // shows both names, one over the other.
  function label(lyr, text, kind) {
    lyr.bindTooltip(textNode(text), { permanent: true, direction: "center", className: "map-label " + kind,
                                      offset: kind === "community" ? [0, -11] : [0, 11], interactive: false });
  }

  // Show a level's labels only while few enough of them are in view.
  function toggleLabels(map, el, layers) {
    var view = map.getBounds();
    ["community", "grid"].forEach(function (kind) {
      var n = 0;
      (layers[kind] || []).forEach(function (lyr) { if (view.intersects(lyr.getBounds())) { n++; } });
      el.classList.toggle("hide-" + kind + "-labels", n > LABEL_LIMIT);
    });
  }

  function drawOutlines(map, el, outlines, tiled, focus) {
    var byLevel = { community: [], grid: [] };
    var layer = L.geoJSON(outlines, {
      style: function (f) {
        if (f.properties.level === "community") {
          return { color: "#8c1d18", weight: 2.5, fill: !tiled, fillColor: "#fbfaf7", fillOpacity: 1, interactive: false };
        }
        if (focus && f.properties.code === focus) {  // the user's own grid
          return { color: "#0550ae", weight: 3, fill: true, fillColor: "#ddf4ff", fillOpacity: tiled ? 0.25 : 0.6,
                   interactive: false };
        }
        return { color: "#6e7781", weight: 1, dashArray: "4 3", fill: false, interactive: false };
      },
      onEachFeature: function (f, lyr) {
        var kind = f.properties.level === "community" ? "community" : "grid";
        byLevel[kind].push(lyr);
        label(lyr, f.properties.name, kind);
      }
    }).addTo(map);
    var update = function () { toggleLabels(map, el, byLevel); };
    map.on("zoomend moveend", update);
    map.whenReady(update);
    return layer;
  }

  function focusBounds(outlines, prefix) {
    if (!outlines || !prefix) { return null; }
    var chosen = outlines.features.filter(function (f) {
      return f.properties.code && f.properties.code.indexOf(prefix) === 0 &&
        (f.properties.level === "grid" || f.properties.code === prefix || prefix.length < 12);
    });
    if (!chosen.length) { return null; }
    var bounds = L.geoJSON({ type: "FeatureCollection", features: chosen }).getBounds();
    return bounds.isValid() ? bounds : null;
  }

  function setupMap(el) {
    var map = L.map(el, { attributionControl: true, keyboard: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    L.control.scale({ imperial: false }).addTo(map);
    var tiled = addTiles(map, el);
    var bounds = null;
    var outlines = readJSON(el.getAttribute("data-outlines"));
    if (outlines && outlines.features && outlines.features.length) {
      bounds = drawOutlines(map, el, outlines, tiled, el.getAttribute("data-focus")).getBounds();
    }
    var grids = readJSON(el.getAttribute("data-grids"));
    if (grids && grids.features && grids.features.length) {
      var density = el.hasAttribute("data-density");
      var layer = L.geoJSON(grids, {
        style: function (f) {
          return {
            color: "#57606a", weight: 1.5, fillOpacity: density ? 0.8 : 0.08,
            fillColor: density ? SHADES[f.properties.shade || 0] : "#b3261e"
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
      bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds();
    }
    var points = readJSON(el.getAttribute("data-points"));
    if (points && points.features && points.features.length) {
      var pts = L.geoJSON(points, {
        pointToLayer: function (f, latlng) {
          if (f.properties.style === "gap") {  // a place beyond the 15-minute walk (coverage map)
            return L.circleMarker(latlng, { radius: 6, color: "#a50f15", weight: 2, fillColor: "#fb6a4a", fillOpacity: 0.9 });
          }
          return L.circleMarker(latlng, { radius: 7, color: "#0550ae", weight: 2, fillColor: "#54aeff", fillOpacity: 0.9 });
        },
        onEachFeature: function (f, lyr) {
          var text = document.createElement("span");
          if (f.properties.url) {
            var a = document.createElement("a");
            a.href = f.properties.url;
            a.textContent = f.properties.label;
            text.appendChild(a);
          } else {
            text.textContent = f.properties.label;
          }
          lyr.bindPopup(text);
        }
      }).addTo(map);
      bounds = bounds ? bounds.extend(pts.getBounds()) : pts.getBounds();
    }
    var focus = focusBounds(outlines, el.getAttribute("data-focus"));
    if (focus) {
      map.fitBounds(focus, { padding: [16, 16], maxZoom: 17 });
    } else if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [10, 10], maxZoom: 17 });
    } else {
      map.setView([39.905, 116.45], 13);
    }
    var pick = el.getAttribute("data-pick");
    if (pick) { setupPicker(el, map, pick.split(","), outlines || grids); }
    el.setAttribute("data-ready", "");
    el._gongzhiMap = map;
    return map;
  }

  function setupPicker(el, map, ids, outlines) {
    var lonInput = document.getElementById(ids[0]);
    var latInput = document.getElementById(ids[1]);
    var status = document.getElementById(el.getAttribute("data-status"));
    var marker = null;

    function describe(lon, lat) {
      var place = placeAt(outlines, lon, lat);
      var template = place ? status.getAttribute("data-template-place") : status.getAttribute("data-template");
      return (template || "{lon}, {lat}").replace("{place}", place || "")
        .replace("{lon}", lon.toFixed(6)).replace("{lat}", lat.toFixed(6));
    }

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
      if (status) { status.textContent = describe(lon, lat); }
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

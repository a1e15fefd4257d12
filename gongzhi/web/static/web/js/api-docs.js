/* The API docs page (/api/v1/docs): Swagger UI from the locally served swagger-ui-dist, configured from
 * the JSON block #swagger-settings (django-ninja's settings), in a static file so that the page's
 * Content-Security-Policy needs no inline script. A signed-in session's CSRF token goes with each try. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrfToken = document.body.getAttribute("data-csrf-token");
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  config.validatorUrl = null;  // no request to the public validator
  if (csrfToken) {
    config.requestInterceptor = function (request) {
      request.headers["X-CSRFToken"] = csrfToken;
      return request;
    };
  }
  window.SwaggerUIBundle(config);
})();

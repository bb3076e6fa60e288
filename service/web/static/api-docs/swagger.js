// Starts Swagger UI on the page's mount point. validatorUrl: null keeps it from sending the
// document to the online validator; no top bar, so it cannot be pointed at another URL.
const mount = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: mount.dataset.url,
  domNode: mount,
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});

// Starts Scalar's API reference on the page's mount point, with nothing that calls another origin:
// no web fonts (fonts.scalar.com), no telemetry, no AI agent, no developer toolbar. Try-it-out
// requests go straight to this service (no proxy is configured). The mount point is not called
// "api-reference": the library would find an element of that id and start a second, default
// instance (web fonts included) by itself.
const mount = document.getElementById("scalar-reference");
Scalar.createApiReference(mount, {
  url: mount.dataset.url,
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: "never",
  hideClientButton: false,
  persistAuth: false,
  defaultOpenAllTags: true, // a small API: every operation on one page
});

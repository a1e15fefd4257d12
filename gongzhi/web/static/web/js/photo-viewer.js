/* A full-screen photo viewer for a case's photos, with a way back.
 *
 * Thumbnails are links to the photo itself ([data-photo] inside [data-photo-viewer]): without script
 * they simply open the image. With it, a tap opens a full-screen <dialog> over the page, and each of
 * these leaves it again: the "Back" button, the Escape key, and the browser's or phone's back button
 * (opening pushes one history entry; going back closes the viewer and stays on the page). The arrow
 * keys and the buttons step through the photos of the same group. Texts come from the page's data
 * attributes (translated there) and are inserted as text.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-photo-viewer]");
  if (!root || typeof HTMLDialogElement === "undefined") { return; }

  var dialog, image, caption, returnTo = null, list = [], index = 0, opened = false;

  function button(text, className, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "viewer";
    dialog.setAttribute("aria-label", root.getAttribute("data-label") || "");
    var bar = document.createElement("div");
    bar.className = "viewer-bar";
    var back = button(root.getAttribute("data-close") || "×", "viewer-close", function () { leave(); });
    back.setAttribute("data-viewer-close", "");
    caption = document.createElement("p");
    caption.className = "viewer-caption";
    caption.setAttribute("aria-live", "polite");
    bar.appendChild(back);
    bar.appendChild(caption);
    image = document.createElement("img");
    image.className = "viewer-image";
    image.alt = "";
    var nav = document.createElement("div");
    nav.className = "viewer-nav";
    nav.appendChild(button(root.getAttribute("data-previous") || "<", "viewer-previous", function () { step(-1); }));
    nav.appendChild(button(root.getAttribute("data-next") || ">", "viewer-next", function () { step(1); }));
    dialog.appendChild(bar);
    dialog.appendChild(image);
    dialog.appendChild(nav);
    // Escape: leave the same way as the back button, so the history entry goes too.
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); leave(); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { step(1); event.preventDefault(); }
      if (event.key === "ArrowLeft") { step(-1); event.preventDefault(); }
    });
    document.body.appendChild(dialog);
  }

  function show(i) {
    index = (i + list.length) % list.length;
    var link = list[index];
    image.src = link.getAttribute("href");
    var thumb = link.querySelector("img");
    image.alt = thumb ? thumb.alt : "";
    caption.textContent = link.getAttribute("data-caption") || "";
    dialog.classList.toggle("single", list.length < 2);
  }

  function step(delta) { if (list.length > 1) { show(index + delta); } }

  function open(link) {
    if (!dialog) { build(); }
    list = Array.prototype.slice.call(link.closest("ul").querySelectorAll("[data-photo]"));
    show(list.indexOf(link));
    dialog.showModal();
    if (!opened) {
      opened = true;
      history.pushState({ photoViewer: true }, "", "#photo");
    }
    dialog.querySelector("[data-viewer-close]").focus();
    returnTo = link;
  }

  function close() {
    if (dialog && dialog.open) { dialog.close(); }
    opened = false;
    if (returnTo) { returnTo.focus(); }
  }

  function leave() {
    if (opened) { history.back(); } else { close(); }  // popstate then closes the viewer
  }

  window.addEventListener("popstate", function () { if (opened) { close(); } });

  root.addEventListener("click", function (event) {
    var link = event.target.closest("[data-photo]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    open(link);
  });
})();

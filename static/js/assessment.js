// The assessment's scoring page: htmx saves each changed row; a conflict (409) or an invalid value
// (422) comes back with a message that must be shown, so those responses are swapped too.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Report generation: the progress fragment polls itself; nothing else to do here.
})();

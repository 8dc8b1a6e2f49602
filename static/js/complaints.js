// The public complaint pages: a new captcha image on request, and printing the receipt.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var refresh = event.target.closest("[data-captcha-refresh]");
    if (refresh) {
      event.preventDefault();
      var widget = refresh.closest(".captcha-widget");
      fetch(refresh.getAttribute("data-captcha-refresh"), {
        headers: { "X-Requested-With": "XMLHttpRequest" },
        credentials: "same-origin"
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          widget.querySelector("[data-captcha-image]").src = data.image_url;
          widget.querySelector("input[type=hidden]").value = data.key;
          var answer = widget.querySelector("input[type=text]");
          answer.value = "";
          answer.focus();
        });
      return;
    }
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
})();

// Attendance pages (第五条): switching agency from a select. No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-navigate]") && select.value) {
      window.location.assign(select.value);
    }
  });
})();

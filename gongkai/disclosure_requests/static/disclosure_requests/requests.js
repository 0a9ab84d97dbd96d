/* Public request pages: progressive enhancement only — every page works without it.
   - the application form shows the organisation fields only for organisations;
   - a form is sent once: a second click while it is being sent does nothing (the server
     also makes a repeated post the same request: submission_key);
   - the error summary takes the focus, so screen readers read it first;
   - the confirmation page gets a print button. */
(function () {
  "use strict";

  var applyForm = document.getElementById("apply-form");
  if (applyForm) {
    var group = document.getElementById("organisation-fields");
    var sync = function () {
      var checked = applyForm.querySelector('input[name="applicant_kind"]:checked');
      if (group) {
        group.hidden = !(checked && checked.value === "organisation");
      }
    };
    applyForm.addEventListener("change", function (event) {
      if (event.target && event.target.name === "applicant_kind") {
        sync();
      }
    });
    sync();
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.request-form"), function (form) {
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) {
        event.preventDefault();
        return;
      }
      sending = true;
      var button = form.querySelector('button[type="submit"]');
      if (button) {
        button.setAttribute("aria-disabled", "true");
        button.classList.add("button--sending");
      }
    });
    window.addEventListener("pageshow", function () {
      sending = false;
      var button = form.querySelector('button[type="submit"]');
      if (button) {
        button.removeAttribute("aria-disabled");
        button.classList.remove("button--sending");
      }
    });
  });

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();

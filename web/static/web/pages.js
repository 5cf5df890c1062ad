// Nothing typed is lost (templates/base.html): a served file, as the Content-Security-Policy allows (script-src
// 'self': no inline script). Without it every page still works; it adds:
// - the error summary: every error of the page's form at once, at the top, focused, each linking to its field;
// - the session's warning before it ends for lack of activity, with a button that extends it;
// - a form sent with the connection down stays on the page, typed, with a notice; tapping again sends it;
// - a form sent after the session ended comes back filled after signing in (web/kept_forms.py).
// Nothing typed is written to the browser's storage: it stays in the page.
"use strict";

(function () {
  var body = document.body;
  var sessionUrl = body.dataset.sessionUrl;

  // --- The error summary ------------------------------------------------------------------------------------

  function fieldLabel(field) {
    var label = field.querySelector("legend, label");
    var text = label ? label.textContent.trim().replace(/:$/, "") : "";
    var section = field.closest("details");
    var summary = section && section.querySelector("summary");
    return summary ? summary.textContent.trim() + " · " + text : text;
  }

  function errorSummary() {
    var lists = document.querySelectorAll("main form .errorlist");
    if (!lists.length) return;
    var form = lists[0].closest("form");
    var box = document.createElement("div");
    box.className = "error-summary";
    box.id = "error-summary";
    box.tabIndex = -1;
    box.setAttribute("role", "alert");
    var title = document.createElement("h2");
    title.textContent = body.dataset.errorSummary;
    box.appendChild(title);
    var items = document.createElement("ul");
    lists.forEach(function (list) {
      var field = list.closest(".field");
      var target = field && field.querySelector("input:not([type=hidden]), select, textarea");
      list.querySelectorAll("li").forEach(function (error) {
        var item = document.createElement("li");
        if (target && target.id) {
          var link = document.createElement("a");
          link.href = "#" + target.id;
          link.textContent = fieldLabel(field) + ": " + error.textContent.trim();
          link.addEventListener("click", function (event) {
            event.preventDefault();
            target.scrollIntoView({ block: "center" });
            target.focus();
          });
          item.appendChild(link);
        } else {
          item.textContent = error.textContent.trim();
        }
        items.appendChild(item);
      });
    });
    box.appendChild(items);
    form.insertBefore(box, form.firstChild);
    box.focus();
  }

  // --- A form kept when the session ended -----------------------------------------------------------------

  function restoreForm() {
    var data = document.getElementById("restored-form");
    if (!data) return;
    var values = {};
    JSON.parse(data.textContent).forEach(function (pair) {
      values[pair[0]] = pair[1];
    });
    var names = Object.keys(values);
    var form = Array.prototype.find.call(document.querySelectorAll("main form[method=post]"), function (candidate) {
      return names.some(function (name) {
        return name !== "csrfmiddlewaretoken" && candidate.elements.namedItem(name);
      });
    });
    if (!form) return;
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.type === "hidden" || element.type === "submit" || element.type === "button") return;
      var given = values[element.name];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = !!given && given.indexOf(element.value) !== -1;
      } else if (element.multiple) {
        Array.prototype.forEach.call(element.options, function (option) {
          option.selected = !!given && given.indexOf(option.value) !== -1;
        });
      } else if (given) {
        element.value = given[0];
      } else {
        return;
      }
      var section = element.closest("details");
      if (section && (element.checked || (element.value && element.type !== "radio"))) section.open = true;
    });
  }

  // --- The session's warning ------------------------------------------------------------------------------

  var warning = document.getElementById("session-warning");
  var ended = document.getElementById("session-ended");
  var timers = [];

  function planSessionWarning(secondsLeft) {
    if (!warning) return;
    timers.forEach(clearTimeout);
    var lead = Number(body.dataset.sessionWarning);
    timers = [
      setTimeout(function () {
        warning.hidden = false;
      }, Math.max(0, secondsLeft - lead) * 1000),
      setTimeout(function () {
        warning.hidden = true;
        ended.hidden = false;
      }, secondsLeft * 1000),
    ];
  }

  function extendSession() {
    // Any request extends the session; this one also says how long it now has.
    fetch(sessionUrl, { cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json();
      })
      .then(function (status) {
        warning.hidden = true;
        if (status.signed_in) {
          planSessionWarning(status.seconds_left);
        } else {
          ended.hidden = false;
        }
      })
      .catch(showOffline);
  }

  // --- A form sent with the connection down ---------------------------------------------------------------

  var offline = document.getElementById("offline-notice");

  function showOffline() {
    offline.hidden = false;
  }

  // The form goes at once (the browser's own navigation) when the phone has a connection; with none, it
  // stays on the page, everything typed in it, and the next tap tries again. (A connection the phone believes
  // up but that reaches nothing is not detected: the browser's page may then show.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "post") return;
    if (navigator.onLine === false) {
      event.preventDefault();
      showOffline();
      return;
    }
    offline.hidden = true;
  });

  document.addEventListener("DOMContentLoaded", function () {
    restoreForm();
    errorSummary();
    if (warning) {
      planSessionWarning(Number(body.dataset.sessionSeconds));
      warning.querySelector("[data-extend-session]").addEventListener("click", extendSession);
    }
  });
})();

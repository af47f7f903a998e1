/* cellflow's small layer of behaviour (no inline scripts: CSP script-src 'self'). Each part enhances plain markup
   and runs again on content htmx swaps in. docs/architecture.md, "Pages and design system". */
(function () {
  "use strict";

  /* 1. Tables of class "list" become one card per row on a phone: each cell gets its column's header as
        data-label (the CSS shows it). Every table in <main> scrolls inside its own box, never the page. */
  function labelTables(root) {
    root.querySelectorAll("table.list").forEach(function (table) {
      var heads = [];
      table.querySelectorAll("thead tr:first-child th").forEach(function (th) {
        var span = parseInt(th.getAttribute("colspan") || "1", 10);
        for (var i = 0; i < span; i++) heads.push(th.textContent.trim());
      });
      if (!heads.length) return;
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var col = 0;
        Array.prototype.forEach.call(tr.children, function (cell) {
          if (!cell.hasAttribute("data-label") && heads[col]) cell.setAttribute("data-label", heads[col]);
          col += parseInt(cell.getAttribute("colspan") || "1", 10);
        });
      });
    });
    root.querySelectorAll("main table").forEach(function (table) {
      var parent = table.parentElement;
      if (!parent || parent.classList.contains("cf-scroll")) return;
      var box = document.createElement("div");
      box.className = "cf-scroll";
      parent.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  /* 2. Dates are typed dd/mm/yyyy whatever the browser's locale: a text field (core.forms.DateInput) with a
        mask, a check on leaving it, and a button that opens the browser's own calendar and writes the day back. */
  var DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
  var ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function parseDay(text) {
    var m = DMY.exec(text), d, mo, y;
    if (m) { d = +m[1]; mo = +m[2]; y = +m[3]; }
    else if ((m = ISO.exec(text))) { y = +m[1]; mo = +m[2]; d = +m[3]; }
    else return null;
    var day = new Date(y, mo - 1, d);
    if (y < 1 || day.getFullYear() !== y || day.getMonth() !== mo - 1 || day.getDate() !== d) return null;
    return { d: d, m: mo, y: y };
  }

  function dmy(p) { return pad(p.d) + "/" + pad(p.m) + "/" + p.y; }
  function iso(p) { return ("000" + p.y).slice(-4) + "-" + pad(p.m) + "-" + pad(p.d); }

  function mask(input) {
    var value = input.value;
    if (value.indexOf("-") !== -1) return; // an ISO date pasted or filled in: checked on leaving the field
    var atEnd = input.selectionStart === value.length;
    if (!atEnd) return;
    var digits = value.replace(/\D/g, "").slice(0, 8);
    var out = digits.slice(0, 2);
    if (digits.length > 2 || (digits.length === 2 && /\/$/.test(value))) out += "/" + digits.slice(2, 4);
    if (digits.length > 4 || (digits.length === 4 && /\/$/.test(value))) out += "/" + digits.slice(4);
    if (value.length < input.dataset.lastLength) out = value; // deleting: leave the text as it is
    input.value = out;
    input.dataset.lastLength = out.length;
  }

  function check(input) {
    var text = input.value.trim();
    if (!text) { input.setCustomValidity(""); return; }
    var p = parseDay(text);
    if (p) { input.value = dmy(p); input.setCustomValidity(""); }
    else input.setCustomValidity(input.dataset.dateError || "dd/mm/yyyy");
  }

  function enhanceDates(root) {
    root.querySelectorAll("input[data-date]:not([data-date-ready])").forEach(function (input) {
      input.setAttribute("data-date-ready", "");
      input.addEventListener("input", function () { input.setCustomValidity(""); mask(input); });
      input.addEventListener("blur", function () { check(input); });
      var wrap = document.createElement("span");
      wrap.className = "cf-date";
      input.parentNode.insertBefore(wrap, input);
      wrap.appendChild(input);
      var native = document.createElement("input");
      native.type = "date";
      native.className = "cf-date__native";
      native.tabIndex = -1;
      native.setAttribute("aria-hidden", "true");
      if (typeof native.showPicker !== "function") return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "cf-date__button";
      button.setAttribute("aria-label", input.dataset.datePicker || "Calendar");
      button.title = button.getAttribute("aria-label");
      button.innerHTML = '<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" ' +
        'stroke-width="2" stroke-linecap="round" aria-hidden="true" focusable="false"><path d="M4 6h16v14H4zM4 10h16M8 3v5M16 3v5"/></svg>';
      wrap.appendChild(button);
      wrap.appendChild(native);
      button.addEventListener("click", function () {
        var p = parseDay(input.value.trim());
        native.value = p ? iso(p) : "";
        try { native.showPicker(); } catch (e) { input.focus(); }
      });
      native.addEventListener("change", function () {
        var p = parseDay(native.value);
        if (!p) return;
        input.value = dmy(p);
        input.setCustomValidity("");
        input.dispatchEvent(new Event("change", { bubbles: true }));
        input.focus();
      });
    });
  }

  document.addEventListener("submit", function (event) {
    event.target.querySelectorAll && event.target.querySelectorAll("input[data-date]").forEach(check);
  }, true);

  /* 3. A button or link with data-confirm asks first (a step that cannot be undone). */
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function enhance(root) { labelTables(root); enhanceDates(root); }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target.parentElement || document); });
})();

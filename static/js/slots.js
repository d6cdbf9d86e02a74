/* « Mes créneaux » (progressive enhancement: every control works as a plain link or form without it).
   - The week: on a phone, the day chips switch the day shown without reloading.
   - Adding slots: the fields of « Une semaine » or « Chaque semaine » only; a day picked in the calendar
     becomes a checked excluded day at once. */
(function () {
  "use strict";

  function weekSwitcher() {
    var week = document.querySelector(".slots-week");
    var chips = document.querySelectorAll(".slots-chip[data-day]");
    if (!week || !chips.length) return;
    week.classList.add("has-current");
    chips.forEach(function (chip) {
      chip.addEventListener("click", function (event) {
        var day = chip.getAttribute("data-day");
        var column = document.getElementById("jour-" + day);
        if (!column) return;
        event.preventDefault();
        chips.forEach(function (c) { c.removeAttribute("aria-current"); });
        chip.setAttribute("aria-current", "date");
        week.querySelectorAll(".slots-day").forEach(function (d) { d.classList.remove("is-current"); });
        column.classList.add("is-current");
        if (window.history && history.replaceState) history.replaceState(null, "", chip.getAttribute("href"));
      });
    });
  }

  function repeatSwitch() {
    var form = document.querySelector(".slots-add-form");
    if (!form) return;
    var radios = form.querySelectorAll("input[name=repeat]");
    function apply() {
      var checked = form.querySelector("input[name=repeat]:checked");
      var mode = checked ? checked.value : "once";
      form.querySelectorAll("[data-when]").forEach(function (part) {
        part.hidden = part.getAttribute("data-when") !== mode;
      });
    }
    radios.forEach(function (r) { r.addEventListener("change", apply); });
    apply();
  }

  var DAYS = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"];
  var MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre"];

  function excludedDays() {
    var box = document.querySelector("[data-excluded]");
    if (!box) return;
    var picker = box.querySelector("input[name=exclude]");
    var list = box.querySelector("[data-excluded-list]");
    if (!picker || !list) return;
    picker.addEventListener("change", function () {
      var value = picker.value;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return;
      if (!list.querySelector("input[value='" + value + "']")) {
        var parts = value.split("-").map(Number);
        var date = new Date(parts[0], parts[1] - 1, parts[2]);
        var item = document.createElement("li");
        var input = document.createElement("input");
        input.type = "checkbox"; input.name = "exceptions"; input.value = value; input.checked = true;
        input.id = "exclu-" + value;
        var label = document.createElement("label");
        label.htmlFor = input.id;
        label.textContent = DAYS[date.getDay()] + " " + (parts[2] === 1 ? "1er" : parts[2]) + " " + MONTHS[parts[1] - 1] +
          (parts[0] !== new Date().getFullYear() ? " " + parts[0] : "");
        item.appendChild(input); item.appendChild(label);
        list.appendChild(item);
        var none = box.querySelector("[data-excluded-none]");
        if (none) none.hidden = true;
      }
      picker.value = "";
    });
  }

  function start() { weekSwitcher(); repeatSwitch(); excludedDays(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

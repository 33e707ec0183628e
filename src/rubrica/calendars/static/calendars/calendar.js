// The calendar page: EventCalendar (vendored) fed by events.json; drag to move or resize posts
// the new times with the version read to the move endpoint (409/403/422 put the event back).
// No inline script: everything is read from the data attributes of #calendar (CSP).
(function () {
  "use strict";

  function naive(date) {
    // EventCalendar keeps wall-clock times in the UTC fields of its Date objects.
    return date.toISOString().slice(0, 19);
  }

  function selectedCalendars() {
    return Array.from(document.querySelectorAll(".calendar-toggle:checked"))
      .map(function (box) { return box.value; })
      .join(",");
  }

  function init() {
    var el = document.getElementById("calendar");
    if (!el || typeof EventCalendar === "undefined") {
      return;
    }
    var data = el.dataset;
    var status = document.getElementById("calendar-status");
    document.querySelectorAll(".calendar-swatch").forEach(function (swatch) {
      swatch.style.backgroundColor = swatch.dataset.color;
    });

    function save(info) {
      var props = info.event.extendedProps;
      var url = data.moveUrl.replace("/0/", "/" + props.pk + "/");
      var body = {
        start: naive(info.event.start),
        end: naive(info.event.end || info.event.start),
        allDay: info.event.allDay,
        version: props.version,
        occurrence: props.occurrence || ""
      };
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      }).then(function () {
        status.textContent = "";
        calendar.refetchEvents();
      }).catch(function () {
        info.revert();
        status.textContent = data.error;
      });
    }

    var calendar = EventCalendar.create(el, {
      view: data.view || "timeGridWeek",
      date: data.date,
      locale: data.locale,
      firstDay: 1,
      height: "720px",
      scrollTime: "08:00:00",
      nowIndicator: true,
      editable: true,
      headerToolbar: {
        start: "prev,next today",
        center: "title",
        end: "dayGridMonth,timeGridWeek,timeGridDay,listMonth"
      },
      buttonText: function (texts) {
        texts.dayGridMonth = data.labelMonth;
        texts.timeGridWeek = data.labelWeek;
        texts.timeGridDay = data.labelDay;
        texts.listMonth = data.labelAgenda;
        texts.today = data.labelToday;
        return texts;
      },
      eventSources: [{
        url: data.eventsUrl,
        method: "GET",
        extraParams: function () { return { calendars: selectedCalendars() }; }
      }],
      eventDrop: save,
      eventResize: save,
      eventClick: function (info) {
        var url = info.event.extendedProps.url;
        if (url) {
          window.location.assign(url);
        }
      },
      dateClick: function (info) {
        if (data.newUrl) {
          window.location.assign(data.newUrl + "?start=" + encodeURIComponent(naive(info.date)));
        }
      }
    });
    document.querySelectorAll(".calendar-toggle").forEach(function (box) {
      box.addEventListener("change", function () { calendar.refetchEvents(); });
    });
    el.calendar = calendar;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

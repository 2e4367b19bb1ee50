// The dashboard's few behaviours: the live request log (Server-Sent
// Events carrying rows rendered by the server), the charts (uPlot), row
// expansion and confirmations. Everything else is plain HTML forms.
(function () {
  "use strict";

  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  var log = document.getElementById("log");
  if (log) {
    log.addEventListener("click", function (e) {
      var body = e.target.closest("tbody.req");
      if (body && e.target.closest("tr.summary")) body.classList.toggle("open");
    });
    var live = document.getElementById("live");
    var source = new EventSource(log.getAttribute("data-events"));
    source.onopen = function () { live.classList.add("on"); };
    source.onerror = function () { live.classList.remove("on"); };
    source.addEventListener("row", function (e) {
      var tpl = document.createElement("template");
      tpl.innerHTML = e.data.trim();
      var row = tpl.content.firstElementChild;
      if (!row) return;
      var old = document.getElementById(row.id);
      if (old) {
        if (old.classList.contains("open")) row.classList.add("open");
        old.replaceWith(row);
      } else {
        row.classList.add("new");
        log.tBodies.length ? log.insertBefore(row, log.tBodies[0]) : log.appendChild(row);
        var empty = document.getElementById("log-empty");
        if (empty) empty.remove();
        while (log.tBodies.length > 500) log.removeChild(log.tBodies[log.tBodies.length - 1]);
      }
    });
  }

  var rps = document.getElementById("chart-rps");
  var lat = document.getElementById("chart-latency");
  if (rps && lat && window.uPlot) {
    var url = rps.getAttribute("data-series");
    var charts = [];
    var make = function (el, series) {
      return new uPlot({
        width: el.clientWidth, height: 160, legend: { show: true },
        scales: { x: { time: true } }, cursor: { drag: { x: false } },
        series: [{}].concat(series),
        axes: [{ stroke: "#6b7385", grid: { stroke: "#eef0f3" } }, { stroke: "#6b7385", grid: { stroke: "#eef0f3" }, size: 44 }]
      }, [[], [], []], el);
    };
    charts.push(make(rps, [
      { label: "requests/s", stroke: "#0b62c4", fill: "rgba(11,98,196,.12)", width: 1.5 },
      { label: "errors/s", stroke: "#c62828", width: 1.5 }
    ]));
    charts.push(make(lat, [
      { label: "p50 ms", stroke: "#1a7f37", width: 1.5 },
      { label: "p95 ms", stroke: "#f38020", width: 1.5 }
    ]));
    var refresh = function () {
      fetch(url, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (pts) {
        var t = [], n = [], e = [], p50 = [], p95 = [];
        pts.forEach(function (p) {
          t.push(p.t); n.push(p.n); e.push(p.e);
          p50.push(p.n ? p.p50 : null); p95.push(p.n ? p.p95 : null);
        });
        charts[0].setData([t, n, e]);
        charts[1].setData([t, p50, p95]);
      }).catch(function () {});
    };
    refresh();
    setInterval(refresh, 1000);
    window.addEventListener("resize", function () {
      charts[0].setSize({ width: rps.clientWidth, height: 160 });
      charts[1].setSize({ width: lat.clientWidth, height: 160 });
    });
  }
})();

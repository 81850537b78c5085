// paysandbox dashboard: the live request journal (server-sent events). Rows
// are built with textContent, never HTML, so nothing a request carries can
// become markup.
"use strict";
(function () {
  var table = document.getElementById("journal");
  if (!table || !window.EventSource) return;
  var tbody = table.tBodies[0];
  var status = document.getElementById("live-status");
  var src = table.getAttribute("data-stream");
  var after = table.getAttribute("data-after") || "0";
  var es = new EventSource(src + (src.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(after));

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  es.addEventListener("open", function () {
    if (status) status.textContent = "Live: new requests appear at the top.";
  });
  es.addEventListener("error", function () {
    if (status) status.textContent = "Live updates paused; reconnecting…";
  });
  es.addEventListener("request", function (ev) {
    var r;
    try { r = JSON.parse(ev.data); } catch (e) { return; }
    var tr = document.createElement("tr");
    tr.setAttribute("data-id", String(r.id));
    tr.className = "fresh";
    var first = document.createElement("td");
    var a = document.createElement("a");
    a.href = r.href;
    a.textContent = String(r.id);
    first.appendChild(a);
    tr.appendChild(first);
    cell(tr, r.time, "nowrap opt");
    cell(tr, r.vendor);
    cell(tr, r.tenant || "", "id");
    var p = cell(tr, "", "path");
    var m = document.createElement("span");
    m.className = "method";
    m.textContent = r.method;
    p.appendChild(m);
    p.appendChild(document.createTextNode(" " + r.path));
    var st = cell(tr, "");
    var b = document.createElement("span");
    b.className = "badge " + r["class"];
    b.textContent = String(r.status);
    st.appendChild(b);
    cell(tr, r.ms.toFixed(1) + " ms", "nowrap opt");
    cell(tr, r.scenario || "", "opt");
    tbody.insertBefore(tr, tbody.firstChild);
    while (tbody.rows.length > 500) tbody.deleteRow(tbody.rows.length - 1);
    var empty = document.getElementById("journal-empty");
    if (empty) empty.remove();
  });
  window.addEventListener("pagehide", function () { es.close(); });
})();

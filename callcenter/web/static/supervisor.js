/* The supervision page: snapshots of agents, waiting callers and today's figures from the live stream. */
(function () {
  "use strict";
  const {el, fill, send, live} = window.Callcenter;
  const config = JSON.parse(document.getElementById("board-config").textContent);
  const T = config.text;
  const $ = (id) => document.getElementById(id);
  const percent = new Intl.NumberFormat(config.locale, {style: "percent", maximumFractionDigits: 0});
  let snapshot = null;
  let offset = 0;  // server clock minus browser clock, so durations do not depend on the browser's clock

  function duration(since) {
    const seconds = Math.max(0, Math.round((Date.now() + offset - new Date(since).getTime()) / 1000));
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = String(seconds % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }

  function fillTable(rows, table, none, build) {
    $(table).hidden = rows.length === 0;
    $(none).hidden = rows.length !== 0;
    $(table).querySelector("tbody").replaceChildren(...rows.map(build));
  }

  function agentRow(agent) {
    return el("tr", {dataset: {agent: agent.id}},
      el("th", {scope: "row"}, agent.name),
      el("td", {className: "status-cell", dataset: {status: agent.status}}, T.presence[agent.status] || agent.status),
      el("td", {className: "since", dataset: {since: agent.since}}, duration(agent.since)),
      el("td", {}, agent.reason ? (config.pause_reasons[agent.reason] || agent.reason) : ""),
      el("td", {className: "phone-cell", dataset: {registered: String(agent.phone_registered)}},
         agent.phone_registered === null ? "" : T.phone[agent.phone_registered ? "registered" : "unregistered"]));
  }

  function waitingRow(call) {
    return el("tr", {dataset: {call: call.call_id}},
      el("th", {scope: "row"}, call.caller || T.unknown_number),
      el("td", {}, T.languages[call.language] || call.language || ""),
      el("td", {className: "since", dataset: {since: call.since}}, duration(call.since)),
      el("td", {}, T.call_state[call.state] || call.state));
  }

  function render() {
    if (!snapshot) return;
    const today = snapshot.today;
    $("figure-answered").textContent = today.answered;
    $("figure-abandoned").textContent = today.abandoned;
    $("figure-in-time").textContent = today.share_in_time === null ? "–" : percent.format(today.share_in_time);
    $("degraded").hidden = snapshot.live;
    $("waiting-count").textContent = snapshot.waiting.length ? `(${snapshot.waiting.length})` : "";
    fillTable(snapshot.waiting, "waiting-table", "waiting-none", waitingRow);
    fillTable(snapshot.agents, "agents-table", "agents-none", agentRow);
  }

  function tick() {
    document.querySelectorAll("td.since").forEach((cell) => { cell.textContent = duration(cell.dataset.since); });
  }

  function onSnapshot(data) {
    snapshot = data;
    offset = new Date(data.at).getTime() - Date.now();
    render();
  }

  function liveState(kind) {
    $("live-state").textContent = kind === "open" ? T.live_on : T.live_off;
    $("live-state").dataset.state = kind;
    if (kind === "closed") send(config.urls.ping, {method: "GET"}).catch(() => {});
  }

  window.addEventListener("callcenter:logged-out", () => window.location.assign(config.urls.login));
  live(config.urls.events, {snapshot: onSnapshot}, {onState: liveState});
  window.setInterval(tick, 1000);
})();

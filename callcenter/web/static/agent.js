/* The agent panel: presence, the screen-pop from the live stream, and the work on the call's questions. */
(function () {
  "use strict";
  const {el, fill, send, post, live, keepAlive} = window.Callcenter;
  const config = JSON.parse(document.getElementById("panel-config").textContent);
  const T = config.text;
  const storeKey = "callcenter.panel." + config.agentId;
  const $ = (id) => document.getElementById(id);
  const dateTime = new Intl.DateTimeFormat(config.locale, {dateStyle: "medium", timeStyle: "short",
                                                            timeZone: config.timezone});
  const plurals = new Intl.PluralRules(config.locale);
  // What survives a reload of this tab: where the stream stopped, the call on screen, the question chosen.
  const state = Object.assign({lastEventId: null, call: null, selected: null}, restore());

  function restore() {
    try { return JSON.parse(window.sessionStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }

  function persist() {
    const {lastEventId, call, selected} = state;
    window.sessionStorage.setItem(storeKey, JSON.stringify({lastEventId, call, selected}));
  }

  function plural(forms, n) {
    return fill(forms[plurals.select(n)] || forms.other, {n});
  }

  function say(message) {
    $("action-result").textContent = message;
  }

  // A change is what gets read out. A new message replaces the old one at once, in the frame that draws
  // the call (a second frame 50 ms later was about an eighth of the browser's work for a pop, measured
  // with fifty panels); the same message again is cleared first and set a moment later, or nothing
  // would change.
  let announcing = null;  // the message set again a moment after clearing it
  function announce(message) {
    const region = $("announcer");
    window.clearTimeout(announcing);  // a newer message wins over one still to be set
    if (region.textContent !== message) {
      region.replaceChildren(document.createTextNode(message));
      return;
    }
    region.textContent = "";
    announcing = window.setTimeout(() => { region.textContent = message; }, 50);
  }

  function failure(result) {
    if (result.status === 0) return T.network;
    return fill(T.failed, {reason: (result.body && result.body.message) || result.status});
  }

  // The caller -----------------------------------------------------------------------------------

  function callerLabel(lookup) {
    if (!lookup || lookup.unknown || !lookup.contacts.length) return T.unknown_number;
    if (lookup.contacts.length === 1) return lookup.contacts[0].name;
    return plural(T.possible_callers, lookup.contacts.length);
  }

  function deadline(q) {
    const days = Math.abs(q.working_days_left);
    if (q.overdue) return days > 0 ? plural(T.overdue_by, days) : T.overdue;
    return days === 0 ? T.due_today : plural(T.days_left, days);
  }

  function questionRow(q) {
    const reg = q.registration_number;
    const subject = [config.topics[q.topic] || q.topic, q.subject].filter(Boolean).join(" – ");
    const hidden = (text) => el("span", {className: "visually-hidden"}, " " + text);
    return el("tr", {dataset: {registration: reg}},
      el("th", {scope: "row"}, el("span", {className: "reg"}, reg)),
      el("td", {}, subject),
      el("td", {}, T.question_status[q.status] || q.status),
      el("td", {}, q.due ? dateTime.format(new Date(q.due)) : ""),
      el("td", {className: q.overdue ? "deadline deadline--overdue" : "deadline"},
         q.overdue ? el("span", {className: "deadline__flag", "aria-hidden": "true"}, "!") : null, deadline(q)),
      el("td", {className: "actions"},
         el("button", {type: "button", className: "button button--small", onclick: () => linkCall(reg)},
            T.link_call, hidden(reg)),
         el("button", {type: "button", className: "button button--small", onclick: () => select(reg)},
            T.work_on, hidden(reg))));
  }

  function questionsTable(contact) {
    if (!contact.open_questions.length) return el("p", {}, T.no_open_questions);
    return el("table", {className: "questions"},
      el("caption", {className: "visually-hidden"}, fill(T.open_questions_of, {name: contact.name})),
      el("thead", {}, el("tr", {}, T.columns.map((name) => el("th", {scope: "col"}, name)))),
      el("tbody", {}, contact.open_questions.map(questionRow)));
  }

  function callsList(calls, none) {
    if (!calls.length) return el("p", {}, none);
    return el("ul", {className: "last-calls"}, calls.map((c) => el("li", {},
      c.started_at ? dateTime.format(new Date(c.started_at)) : "", " – ",
      T.direction[c.direction] || c.direction,
      c.outcome ? " – " + (T.outcome[c.outcome] || c.outcome) : "",
      c.question ? el("span", {}, " – ", el("span", {className: "reg"}, c.question)) : "")));
  }

  // A switchboard or a shared line: the calls that came from the number, whoever made them.
  function numberCalls(lookup) {
    if (!Array.isArray(lookup.last_calls_from_number)) return null;
    return el("section", {className: "number-calls"},
      el("h3", {}, T.calls_from_number), callsList(lookup.last_calls_from_number, T.no_calls_from_number));
  }

  function contactCard(contact, several) {
    const facts = el("dl", {className: "facts"},
      el("dt", {}, T.language), el("dd", {}, T.languages[contact.language] || contact.language),
      contact.organisation ? [el("dt", {}, T.organisation), el("dd", {}, contact.organisation.name)] : null,
      contact.email ? [el("dt", {}, T.email), el("dd", {}, contact.email)] : null);
    return el("article", {className: "caller", dataset: {contact: contact.id}},
      el("h3", {}, contact.name, several || contact.match === "possible"
        ? el("span", {className: "badge"}, " ", T.possible_match) : null),
      facts,
      el("h4", {}, T.open_questions), questionsTable(contact),
      // null: not read, behind a switchboard (the number's own calls are shown above the cards)
      contact.last_calls
        ? [el("h4", {}, T.last_calls), callsList(contact.last_calls, T.no_last_calls)] : null);
  }

  function renderCallers(lookup) {
    const box = $("callers");
    box.replaceChildren();
    if (lookup.unknown) box.append(el("p", {className: "caller-unknown"}, T.unknown_number));
    lookup.organisations.forEach((org) => box.append(el("p", {}, fill(T.switchboard_of, {name: org.name}))));
    if (lookup.contacts.length > 1) box.append(el("p", {className: "notice"}, T.shared_number));
    const fromNumber = numberCalls(lookup);
    if (fromNumber) box.append(fromNumber);
    lookup.contacts.forEach((c) => box.append(contactCard(c, lookup.contacts.length > 1)));
    if (lookup.more_contacts) box.append(el("p", {className: "notice"}, T.more_contacts));
  }

  function renderFacts(call) {
    const lookup = call.lookup || {};
    $("call-facts").replaceChildren(
      el("dt", {}, T.number), el("dd", {}, lookup.display || call.from),
      el("dt", {}, T.dialled), el("dd", {}, call.to || ""),
      el("dt", {}, T.language), el("dd", {}, T.languages[call.language] || call.language || ""));
  }

  function renderNewQuestionForm(call) {
    const select = $("nq-contact");
    const contacts = (call.lookup && call.lookup.contacts) || [];
    select.replaceChildren(...contacts.map((c) => el("option", {value: c.id}, c.name)),
                           el("option", {value: ""}, T.new_caller));
    $("nq-number").value = (call.lookup && call.lookup.number) || call.from || "";
    $("nq-language").value = call.language || config.lang;
    $("new-question-form").action = config.urls.create_question.replace("__CALL__", encodeURIComponent(call.call_id));
    toggleNewCaller();
  }

  function toggleNewCaller() {
    const creating = $("nq-contact").value === "";
    $("nq-new-caller").hidden = !creating;
    $("nq-name").required = creating;
  }

  function renderTools() {
    const tools = $("question-tools");
    tools.hidden = !state.selected;
    if (!state.selected) return;
    $("tools-title").textContent = fill(T.working_on, {reg: state.selected});
    tools.querySelectorAll("form[data-question-action]").forEach((form) => {
      form.action = config.urls[form.dataset.questionAction].replace("__REG__", state.selected);
    });
  }

  function renderPhase(call) {
    $("call-state").textContent = T.call_phase[call.phase] || "";
    $("call-state").dataset.phase = call.phase;
  }

  function render() {
    const call = state.call;
    $("call-empty").hidden = Boolean(call);
    $("call-body").hidden = !call;
    if (!call) return;
    renderPhase(call);
    renderFacts(call);
    if (call.lookup) renderCallers(call.lookup);
    renderNewQuestionForm(call);
    renderTools();
  }

  // Live events ----------------------------------------------------------------------------------

  function remember(id) {
    if (id) state.lastEventId = id;
    persist();
  }

  function onScreenPop(data, id) {
    const same = state.call && state.call.call_id === data.call_id;
    const phase = same ? state.call.phase : "ringing";
    state.call = {call_id: data.call_id, from: data.from, to: data.to, language: data.language,
                  lookup: data.lookup, phase};
    if (!same) state.selected = null;
    render();
    remember(id);  // after drawing the caller: its history first, then what a reload of the tab restores
    if (!same) announce(fill(T.incoming, {caller: callerLabel(data.lookup)}));
  }

  // A call answered or ended changes only its phase: the caller's history and the new question's form
  // stay as they are (what the agent chose or typed there, where a screen reader was reading).
  function onAnswered(data, id) {
    if (state.call && state.call.call_id === data.call_id) {
      state.call.phase = data.agent_id === config.agentId ? "on_call" : "taken";
      renderPhase(state.call);
    }
    remember(id);
  }

  function onEnded(data, id) {
    if (state.call && state.call.call_id === data.call_id) {
      state.call.phase = state.call.phase === "on_call" ? "ended" : "gone";
      renderPhase(state.call);
    }
    remember(id);
  }

  function onPresence(data, id) {
    if (data.agent_id === config.agentId) showPresence(data.status, data.reason, data.since);
    remember(id);
  }

  function onPhone(data, id) {
    const line = $("phone-state");
    if (line && data.agent_id === config.agentId) {
      line.dataset.registered = String(data.registered);
      line.textContent = T.phone[data.registered ? "registered" : "unregistered"];
    }
    remember(id);
  }

  // The state shown is the newest one: an update of a change made before it (a new call's route tells
  // its agents "ringing" once its answer is sent, maybe after the agent's own later pause) is stale.
  function showPresence(status, reason, since) {
    const strong = $("presence-status");
    const at = Date.parse(since || "");
    const shown = Date.parse(strong.dataset.since || "");
    if (!Number.isNaN(at) && !Number.isNaN(shown) && at < shown) return;
    if (!Number.isNaN(at)) strong.dataset.since = since;
    strong.dataset.status = status;
    strong.textContent = T.presence[status] || status;
    $("presence-reason").textContent = status === "paused" && reason ? (config.pause_reasons[reason] || reason) : "";
  }

  // Actions --------------------------------------------------------------------------------------

  async function refreshLookup() {
    if (!state.call || !state.call.from) return;
    const url = config.urls.lookup + "?number=" + encodeURIComponent(state.call.from);
    const result = await send(url, {method: "GET"});
    if (result.ok && state.call) {
      state.call.lookup = result.body;
      persist();
      render();
    }
  }

  async function linkCall(reg) {
    const body = new FormData();
    body.append("registration_number", reg);
    const url = config.urls.link_call.replace("__CALL__", encodeURIComponent(state.call.call_id));
    const result = await send(url, {method: "POST", body}).catch(() => ({status: 0}));
    say(result.ok ? result.body.message : failure(result));
    if (result.ok) refreshLookup();
  }

  function select(reg) {
    state.selected = reg;
    persist();
    renderTools();
    $("question-tools").focus();
    loadExperts(reg);
  }

  async function loadExperts(reg) {
    const select = $("transfer-expert");
    select.replaceChildren();
    const result = await send(config.urls.experts.replace("__REG__", reg), {method: "GET"}).catch(() => ({status: 0}));
    if (!result.ok) { say(failure(result)); return; }
    const experts = result.body.experts || [];
    if (!experts.length) select.append(el("option", {value: ""}, T.no_experts));
    experts.forEach((x) => select.append(el("option", {value: x.user_id},
      fill(x.available ? T.expert_available : T.expert_later, {name: x.name, time: x.free_at || ""}))));
  }

  async function submitForm(event) {
    event.preventDefault();
    const form = event.target;
    const result = await post(form, event.submitter).catch(() => ({status: 0}));
    say(result.ok ? result.body.message : failure(result));
    if (!result.ok) return;
    if (form.id === "presence-form") {
      showPresence(result.body.status, result.body.reason, result.body.since);
      return;
    }
    form.reset();
    if (result.body.registration_number) {
      state.selected = result.body.registration_number;
      loadExperts(state.selected);
    }
    refreshLookup();
  }

  function dismiss() {
    state.call = null;
    state.selected = null;
    persist();
    render();
    $("call-title").focus();
  }

  function loggedOut() {
    say(T.session_ended);
    window.setTimeout(() => { window.location.assign(config.urls.login); }, 1500);
  }

  function liveState(kind) {
    $("live-state").textContent = kind === "open" ? T.live_on : T.live_off;
    $("live-state").dataset.state = kind;
    if (kind === "closed") send(config.urls.ping, {method: "GET"}).catch(() => {});
  }

  document.querySelectorAll("#presence-form, #new-question-form, #question-tools form").forEach((form) => {
    form.addEventListener("submit", submitForm);
  });
  $("nq-contact").addEventListener("change", toggleNewCaller);
  $("dismiss-call").addEventListener("click", dismiss);
  $("call-title").setAttribute("tabindex", "-1");
  window.addEventListener("callcenter:logged-out", loggedOut);
  render();
  if (state.selected) loadExperts(state.selected);
  live(config.urls.events, {connected: (data, id) => remember(id), screen_pop: onScreenPop,
                            call_answered: onAnswered, call_ended: onEnded, presence: onPresence,
                            phone: onPhone},
       {lastId: () => state.lastEventId, onState: liveState});
  keepAlive(config.urls.ping, config.ping_every_ms);
})();

/* Shared by the agent panel and the supervision page: DOM building, form posts, the live stream. */
(function () {
  "use strict";

  /** Build an element: el("td", {className: "x"}, "text", otherNode). Text is never parsed as HTML. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([key, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (key === "className") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    children.flat().forEach((child) => {
      if (child === null || child === undefined || child === false) return;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  /** Replace {name} placeholders of a translated message. */
  function fill(message, values) {
    return String(message).replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /** Send a request with the session's CSRF token; resolve to {ok, status, body}. */
  async function send(url, options) {
    const headers = Object.assign({"X-CSRF-Token": csrfToken(), "Accept": "application/json"},
                                  (options && options.headers) || {});
    const response = await fetch(url, Object.assign({credentials: "same-origin"}, options, {headers}));
    let body = {};
    try { body = await response.json(); } catch (e) { body = {}; }
    if (response.status === 401) window.dispatchEvent(new CustomEvent("callcenter:logged-out"));
    return {ok: response.ok, status: response.status, body};
  }

  /** Post a form (with the button that submitted it) and resolve to {ok, status, body}. */
  function post(form, submitter) {
    const data = submitter ? new FormData(form, submitter) : new FormData(form);
    return send(form.action, {method: "POST", body: data});
  }

  /**
   * Keep an EventSource open on `url`, resuming after `lastId()`; call handlers[kind](data, id).
   * EventSource itself reconnects with Last-Event-ID after a dropped stream; when the server refuses
   * the stream (e.g. the session ended), `onState("closed")` is called and we retry after `retryMs`.
   */
  function live(url, handlers, {lastId, onState, retryMs = 5000}) {
    let source = null;
    function open() {
      const target = new URL(url, window.location.href);
      const id = lastId ? lastId() : null;
      if (id) target.searchParams.set("last_event_id", id);
      source = new EventSource(target);
      source.addEventListener("open", () => onState("open"));
      source.addEventListener("error", () => {
        if (source.readyState === EventSource.CLOSED) {
          onState("closed");
          window.setTimeout(open, retryMs);
        } else {
          onState("retrying");
        }
      });
      Object.entries(handlers).forEach(([kind, handle]) => {
        source.addEventListener(kind, (event) => {
          let data = {};
          try { data = JSON.parse(event.data); } catch (e) { return; }
          handle(data, event.lastEventId || null);
        });
      });
    }
    open();
    return () => source && source.close();
  }

  /** Ask `url` every `everyMs` so that an open page keeps its session alive. */
  function keepAlive(url, everyMs) {
    window.setInterval(() => { send(url, {method: "GET"}).catch(() => {}); }, everyMs);
  }

  window.Callcenter = {el, fill, send, post, live, keepAlive};
})();

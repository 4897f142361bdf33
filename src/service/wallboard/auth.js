// callpulse wallboard: access tokens. When the service has a tokens file, the API answers 401
// until the page sends `Authorization: Bearer TOKEN`. The page then asks for the token once
// (a small form), keeps it in this tab's sessionStorage and sends it as a header on every
// request, never in a URL (URLs end up in logs and browser history). EventSource cannot send
// headers, so the stream is read with fetch() and parsed here (`callpulseAuth.EventSource`,
// the part of EventSource the wallboard uses). Without a tokens file nothing is ever asked.
"use strict";

const callpulseAuth = (() => {
  const KEY = "callpulse.token";
  let token = null;
  try { token = sessionStorage.getItem(KEY); } catch (e) { /* storage off: ask each load */ }

  function headers(extra) {
    const h = Object.assign({}, extra);
    if (token) h.Authorization = `Bearer ${token}`;
    return h;
  }

  function forget() {
    token = null;
    try { sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
  }

  const TEXT = {
    zh: { ask: "此看板需要访问令牌", wrong: "令牌无效，请重新输入", ok: "确定" },
    en: { ask: "This wallboard needs an access token", wrong: "The token was refused; enter it again", ok: "OK" },
  };

  // Shows the form (once, however many requests were refused) until a token is entered.
  let asking = null;
  function ask(refused) {
    if (asking) return asking;
    asking = new Promise((resolve) => {
      const t = TEXT[document.documentElement.lang.startsWith("zh") ? "zh" : "en"];
      const form = document.createElement("form");
      form.id = "token-form";
      form.className = "token-form";
      form.setAttribute("autocomplete", "off");
      const label = document.createElement("label");
      label.htmlFor = "token-input";
      label.textContent = refused ? t.wrong : t.ask;
      const input = document.createElement("input");
      input.id = "token-input";
      input.type = "password";
      input.name = "token";
      input.required = true;
      const button = document.createElement("button");
      button.type = "submit";
      button.textContent = t.ok;
      form.append(label, input, button);
      form.addEventListener("submit", (e) => {
        e.preventDefault(); // never submitted: the token stays out of every URL
        const value = input.value.trim();
        if (!value) return;
        token = value;
        try { sessionStorage.setItem(KEY, value); } catch (err) { /* kept in memory only */ }
        form.remove();
        asking = null;
        resolve();
      });
      document.body.append(form);
      input.focus();
    });
    return asking;
  }

  // fetch() with the token; on 401 asks for one and tries again.
  async function authFetch(url, init) {
    for (;;) {
      const sent = token;
      const r = await fetch(url, Object.assign({}, init, { headers: headers(init && init.headers) }));
      if (r.status !== 401) return r;
      if (token === sent) forget();
      await ask(sent !== null);
    }
  }

  // A Server-Sent Events reader over fetch(), so the token goes in a header.
  class TokenEventSource {
    constructor(url) {
      this.url = url;
      this.readyState = TokenEventSource.CONNECTING;
      this.onopen = null;
      this.onerror = null;
      this.listeners = {};
      this.retry = 2000;
      this.open();
    }

    addEventListener(type, fn) {
      (this.listeners[type] = this.listeners[type] || []).push(fn);
    }

    close() {
      this.readyState = TokenEventSource.CLOSED;
      if (this.abort) this.abort.abort();
    }

    failed(closed) {
      if (this.readyState === TokenEventSource.CLOSED) return;
      this.readyState = closed ? TokenEventSource.CLOSED : TokenEventSource.CONNECTING;
      if (this.onerror) this.onerror(new Event("error"));
      if (!closed) setTimeout(() => { if (this.readyState !== TokenEventSource.CLOSED) this.open(); }, this.retry);
    }

    dispatch(type, data) {
      for (const fn of this.listeners[type] || []) fn({ type, data });
    }

    async open() {
      this.abort = new AbortController();
      let r;
      try {
        const sent = token;
        r = await fetch(this.url, {
          headers: headers({ Accept: "text/event-stream" }),
          cache: "no-store",
          signal: this.abort.signal,
        });
        if (r.status === 401) {
          if (token === sent) forget();
          ask(sent !== null);
        }
      } catch (e) {
        this.failed(false);
        return;
      }
      if (!r.ok || !r.body) {
        this.failed(true); // refused, as EventSource closes on a bad status
        return;
      }
      this.readyState = TokenEventSource.OPEN;
      if (this.onopen) this.onopen(new Event("open"));
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      let type = "";
      let data = [];
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          const lines = buffer.split(/\r\n|\r|\n/);
          buffer = lines.pop();
          for (const line of lines) {
            if (line === "") {
              if (data.length) this.dispatch(type || "message", data.join("\n"));
              type = "";
              data = [];
              continue;
            }
            if (line.startsWith(":")) continue;
            const at = line.indexOf(":");
            const name = at < 0 ? line : line.slice(0, at);
            let v = at < 0 ? "" : line.slice(at + 1);
            if (v.startsWith(" ")) v = v.slice(1);
            if (name === "event") type = v;
            else if (name === "data") data.push(v);
            else if (name === "retry" && /^\d+$/.test(v)) this.retry = Number(v);
          }
        }
      } catch (e) { /* aborted or dropped */ }
      this.failed(false);
    }
  }
  TokenEventSource.CONNECTING = 0;
  TokenEventSource.OPEN = 1;
  TokenEventSource.CLOSED = 2;

  return { fetch: authFetch, EventSource: TokenEventSource };
})();

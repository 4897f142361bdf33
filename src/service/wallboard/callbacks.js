// callpulse wallboard: the callbacks panel. Today's callers to call back, per queue, from the
// board's `callbacks` (the same list as /api/v1/callbacks, its oldest entries): how many are
// pending, the oldest of them (number, masked without the `pii` scope; time since they left
// the queue; how long they had waited; why; callback attempts), and the unanswered calls
// without a number. wallboard.js calls `callpulseCallbacks.render(board, lang)` on each board.
// Text from the stream is only ever set with textContent.
"use strict";

const callpulseCallbacks = (() => {
  const WORDS = {
    zh: {
      title: "待回拨来电（今日）",
      pending: "待回拨",
      without_number: "无号码未接",
      customer: "来电号码",
      since: "已过",
      wait: "放弃前等待",
      cause: "原因",
      attempts: "回拨",
      none: "暂无待回拨来电",
      more: (n) => `另有 ${n} 位`,
      untracked: (n) => `容量已满：${n} 条记录未保留，列表可能不全`,
      cause_names: { abandoned: "放弃", timed_out: "超时", callback_requested: "请求回拨" },
      results: { no_answer: "未接", busy: "忙", failed: "失败" },
      seconds: "秒",
    },
    en: {
      title: "Callers to call back (today)",
      pending: "to call back",
      without_number: "unanswered, no number",
      customer: "Caller",
      since: "Since",
      wait: "Waited",
      cause: "Why",
      attempts: "Attempts",
      none: "No callers to call back",
      more: (n) => `${n} more`,
      untracked: (n) => `Capacity reached: ${n} facts not kept, the list may be incomplete`,
      cause_names: { abandoned: "abandoned", timed_out: "timed out", callback_requested: "callback requested" },
      results: { no_answer: "no answer", busy: "busy", failed: "failed" },
      seconds: "s",
    },
  };

  function node(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "class") e.className = v; else e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c == null) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // 3725 → "1:02:05", 65 → "1:05"
  function span(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = String(s % 60).padStart(2, "0");
    return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
  }

  function entryRow(e, w) {
    const last = e.last_attempt ? ` · ${w.results[e.last_attempt.result] || e.last_attempt.result}` : "";
    return node("tr", { "data-customer": e.customer, "data-cause": e.cause },
      node("td", { class: "num" }, e.customer),
      node("td", {}, span(e.since_seconds)),
      node("td", {}, `${Math.round(e.wait_seconds)} ${w.seconds}`),
      node("td", { class: "cause" }, w.cause_names[e.cause] || e.cause),
      node("td", { "data-attempts": e.attempts }, `${e.attempts}${last}`));
  }

  function queueCard(q, w) {
    const head = node("tr", {}, ...["customer", "since", "wait", "cause", "attempts"].map((k) => node("th", {}, w[k])));
    return node("section", { class: "cb-queue", "data-queue": q.queue, "data-pending": q.pending },
      node("h3", {},
        node("span", { class: "name" }, q.queue),
        node("span", { class: "count", "data-part": "pending" }, String(q.pending)),
        node("span", { class: "k" }, w.pending),
        q.without_number > 0
          ? node("span", { class: "nonum", "data-part": "without-number" }, `${w.without_number} ${q.without_number}`)
          : null),
      q.entries.length > 0
        ? node("table", {}, node("thead", {}, head), node("tbody", {}, ...q.entries.map((e) => entryRow(e, w))))
        : null,
      q.truncated > 0 ? node("div", { class: "more" }, w.more(q.truncated)) : null);
  }

  function render(board, lang) {
    const box = document.getElementById("callbacks");
    if (!box || !board) return;
    const w = WORDS[lang] || WORDS.zh;
    const list = board.callbacks || { queues: [], untracked: 0 };
    const shown = list.queues.filter((q) => q.pending > 0 || q.without_number > 0);
    box.dataset.masked = String(!!list.masked);
    const parts = [
      node("h2", {}, w.title),
      list.untracked > 0 ? node("div", { class: "cb-warn" }, w.untracked(list.untracked)) : null,
      shown.length > 0
        ? node("div", { class: "cb-queues" }, ...shown.map((q) => queueCard(q, w)))
        : node("div", { class: "cb-none", "data-part": "no-callbacks" }, w.none),
    ];
    box.replaceChildren(...parts.filter((p) => p != null));
  }

  return { render };
})();

// callpulse wallboard. Reads one board at load (/api/v1/board), then follows the stream
// (/api/v1/stream, Server-Sent Events, one board a second), both through auth.js (the
// access token, when the service asks for one). Every threshold comes from the
// board's `targets` (the running profile): nothing is judged here but "value vs target".
// Text from the stream is only ever set with textContent: names can never become markup.
"use strict";

const I18N = {
  zh: {
    title: "呼叫中心实时看板",
    center: "全中心",
    service_level: "服务水平",
    answer_rate: "接通率",
    asa_seconds: "平均应答速度",
    waiting: "排队中",
    longest_wait: "最长等待",
    agents_available: "空闲坐席",
    agents_on_call: "通话中",
    agents_needed: "所需坐席（Erlang C）",
    agents_staffed: "在岗",
    gap: "缺口",
    offered: "呼入",
    answered: "接通",
    abandoned: "放弃",
    today: "今日",
    availability: "系统可用性（今日）",
    live: "实时",
    connecting: "连接中…",
    reconnecting: "正在重新连接…",
    as_of: "数据时间",
    met: "达标",
    risk: "临界",
    breach: "未达标",
    idle: "量不足",
    none: "无数据",
    firing: "告警",
    pending: "待定",
    clause: "条款",
    queue: "队列",
    component: "组件",
    center_scope: "全中心",
    since: "自",
    no_alerts: "无告警：全部指标达标",
    alerts_off: "未配置告警规则",
    down: "故障",
    up: "正常",
    seconds: "秒",
    window: { "15m": "近15分钟", "60m": "近60分钟", today: "今日", interval: "本时段" },
    judged: "规则窗口",
    target: "目标",
    definition: "口径",
    colour_rule: "颜色规则",
    legend_rules: "带颜色规则的数字按规则着色（见提示）",
    legend: "颜色：绿=达标 · 黄=临界（阈值回差带内）· 红=未达标 · 白=量不足不评",
    other: "English",
    html_lang: "zh-CN",
  },
  en: {
    title: "Call center wallboard",
    center: "Whole center",
    service_level: "Service level",
    answer_rate: "Answer rate",
    asa_seconds: "Avg. speed of answer",
    waiting: "Waiting now",
    longest_wait: "Longest wait",
    agents_available: "Agents available",
    agents_on_call: "On call",
    agents_needed: "Agents needed (Erlang C)",
    agents_staffed: "staffed",
    gap: "gap",
    offered: "Offered",
    answered: "Answered",
    abandoned: "Abandoned",
    today: "Today",
    availability: "Availability today",
    live: "live",
    connecting: "connecting…",
    reconnecting: "reconnecting…",
    as_of: "as of",
    met: "met",
    risk: "at risk",
    breach: "breached",
    idle: "low volume",
    none: "no data",
    firing: "ALERT",
    pending: "pending",
    clause: "clause",
    queue: "queue",
    component: "component",
    center_scope: "whole center",
    since: "since",
    no_alerts: "No alerts: every criterion met",
    alerts_off: "no alert profile configured",
    down: "down",
    up: "up",
    seconds: "s",
    window: { "15m": "last 15 min", "60m": "last 60 min", today: "today", interval: "this interval" },
    judged: "judged over",
    target: "target",
    definition: "definition",
    colour_rule: "colour rule",
    legend_rules: "figures with colour rules are coloured by them (see their tooltip)",
    legend: "Colours: green met · amber at risk (within the hysteresis band) · red breached · white volume too low to judge",
    other: "中文",
    html_lang: "en",
  },
};

const params = new URLSearchParams(location.search);
const WINDOW = ["15m", "60m", "today", "interval"].includes(params.get("window"))
  ? params.get("window") : "15m";
const STORE_KEY = "callpulse.wallboard.lang";

function storedLang() {
  try { return localStorage.getItem(STORE_KEY); } catch (e) { return null; }
}
function storeLang(lang) {
  try { localStorage.setItem(STORE_KEY, lang); } catch (e) { /* private mode: not kept */ }
}

// The viewer's choice: ?lang= (remembered), else the remembered one, else the profile's.
let chosen = null;
{
  const asked = params.get("lang");
  if (asked === "zh" || asked === "en") {
    chosen = asked;
    storeLang(asked);
  } else {
    const kept = storedLang();
    if (kept === "zh" || kept === "en") chosen = kept;
  }
}
let board = null;
let conn = "connecting";
let lastData = 0;

const lang = () => chosen || (board && board.default_lang) || "zh";
const T = () => I18N[lang()];

// ---- formatting ---------------------------------------------------------------------------

const pct = (x) => x == null ? "–" : (100 * x).toFixed(1) + " %";
const secs = (x) => x == null ? "–" : x.toFixed(1) + " " + T().seconds;
function clock(x) {
  if (x == null) return "–";
  const s = Math.floor(x);
  return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
}
const fmt = (measure, x) => measure === "asa_seconds" ? secs(x) : pct(x);
// The target is the good side of the breach condition: "< 80 %" breaches, so "≥ 80 %".
const fmtTarget = (measure, t) => (t.comparison === "<" ? "≥" : "≤") + " " +
  (measure === "asa_seconds" ? t.threshold + " " + T().seconds : (100 * t.threshold).toFixed(1) + " %");
// "2026-11-02T10:01:00+08:00" → "10:01:00"
const hms = (t) => t ? t.slice(11, 19) : "";

// ---- judgement against the profile ------------------------------------------------------

const RANK = { none: 0, idle: 1, met: 2, risk: 3, breach: 4 };

function judge(value, target, volume) {
  if (value == null || !target) return value == null ? "none" : "idle";
  if (volume < target.min_volume) return "idle";
  const below = target.comparison === "<";
  if (below ? value < target.threshold : value > target.threshold) return "breach";
  const edge = below ? target.threshold + target.at_risk : target.threshold - target.at_risk;
  if (below ? value < edge : value > edge) return "risk";
  return "met";
}

const worst = (states) => states.reduce((a, b) => RANK[b] > RANK[a] ? b : a, "none");

// ---- DOM helpers --------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v; else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c == null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// A figure: label, value, optional sub-line; `state` colours it, unless a colour rule
// (`opts.colour`, from colours.js) does, which its tooltip names.
function fig(key, value, state, opts = {}) {
  const c = opts.colour;
  const rule = c ? `${T().colour_rule} ${c.n} (${c.source}): ${c.text}` : null;
  const title = [opts.title, rule].filter(Boolean).join(" · ") || null;
  return el("div", { class: "fig" + (opts.big ? " big" : ""), "data-measure": key, "data-state": state, "data-colour": c && c.colour, title },
    el("span", { class: "k" }, opts.label || T()[key] || key),
    el("span", { class: "v" }, value),
    opts.sub ? el("span", { class: "sub" }, opts.sub) : null);
}

// A measure of a scope judged against its target. A service level is shown and judged by the
// definition of the criterion that judges it (`contract_service_levels`), else by 9.3.1; the
// tooltip names the definition.
function judged(scope, measure, targets, opts = {}) {
  const t = targets && targets[measure];
  let value = scope[measure];
  let volume = measure === "asa_seconds" ? scope.answered : scope.offered;
  let definition = null;
  if (measure === "service_level") {
    definition = scope.service_level_definition;
    const own = t && (scope.contract_service_levels || []).find(c => c.criterion === t.criterion);
    if (own) [value, volume, definition] = [own.service_level, own.counted, own.definition];
  }
  const state = judge(value, t, volume);
  const sub = t ? T().target + " " + fmtTarget(measure, t) + " · " + T().clause + " " + t.clause : null;
  const parts = [t ? `${t.criterion} · ${T().judged} ${t.window}` : null,
    definition ? `${T().definition}: ${definition}` : null].filter(Boolean);
  const title = parts.length ? parts.join(" · ") : null;
  // Too few calls for the target to judge: no rule colours the figure either.
  const colour = t && volume < t.min_volume ? null : callpulseColours.pick(board, measure, value);
  return [fig(measure, fmt(measure, value), state, { ...opts, sub, title, colour }), state];
}

// A figure without a target: coloured by its rules only.
const ruled = (measure, value) => ({ colour: callpulseColours.pick(board, measure, value) });

// ---- rendering ----------------------------------------------------------------------------

function alertsFor(name) {
  return ((board && board.alerts) || []).filter((a) => a.state === "firing" && a.scope === "queue" && a.name === name);
}

function queueTile(q) {
  const targets = (board.targets.queues || {})[q.queue] || {};
  const [sl, s1] = judged(q, "service_level", targets, { big: true });
  const [ar, s2] = judged(q, "answer_rate", targets);
  const [asa, s3] = judged(q, "asa_seconds", targets);
  const firing = alertsFor(q.queue).length > 0;
  // A firing alert (judged over its own window) makes the tile breached whatever the figures.
  const state = firing ? "breach" : worst([s1, s2, s3]);
  const staffing = q.staffing;
  const staff = el("div", { class: "staffing figures", "data-part": "staffing", hidden: !staffing });
  if (staffing) {
    staff.append(
      fig("agents_needed", staffing.agents_needed ?? "–", staffing.gap > 0 ? "breach" : "none",
        { sub: `${T().agents_staffed} ${staffing.agents_staffed ?? "–"} · ${T().gap} ${staffing.gap ?? "–"}` }));
  }
  const flash = callpulseSignal.tileFlashing(board, q.queue) ? " flash" : "";
  return el("section", { class: "tile" + (firing ? " alerting" : "") + flash, "data-queue": q.queue, "data-state": state },
    el("h2", {}, el("span", { class: "name" }, q.queue), el("span", { class: "badge" }, T()[state])),
    el("div", { class: "hero" }, sl, callpulseTrend.compare(q.queue, lang())),
    callpulseTrend.chart(q.queue, lang()),
    el("div", { class: "figures" },
      ar, asa,
      fig("offered", String(q.offered), "none", { sub: `${T().answered} ${q.answered} · ${T().abandoned} ${q.abandoned}` }),
      fig("waiting", String(q.waiting), q.waiting > 0 ? "idle" : "none", ruled("waiting", q.waiting)),
      fig("longest_wait", clock(q.longest_wait_seconds), "none", ruled("longest_wait_seconds", q.longest_wait_seconds)),
      fig("agents_available", `${q.agents_available} / ${q.agents_on_call}`, "none",
        { label: `${T().agents_available} / ${T().agents_on_call}`, ...ruled("agents_available", q.agents_available) })),
    staff);
}

function centerTile(c) {
  const targets = board.targets.center || {};
  const today = board.today;
  const [sl, s1] = judged(c, "service_level", targets, { label: `${T().service_level} · ${T().window[WINDOW]}` });
  const [todaySl, s2] = today
    ? judged(today, "service_level", targets, { label: `${T().service_level} · ${T().today}` })
    : [fig("service_level", "–", "none"), "none"];
  const avail = board.availability_today;
  const [av, s3] = judged({ availability: avail, offered: Infinity }, "availability", targets, { label: T().availability });
  const comps = el("div", { class: "components" },
    ...board.kpis.components.map((k) => el("span", { class: "chip" + (k.up ? "" : " down"), "data-component": k.component },
      `${k.component} ${k.up ? T().up : T().down + " " + T().since + " " + hms(k.down_since)}`)));
  return el("section", { class: "tile center-tile", "data-queue": "", "data-scope": "center", "data-state": worst([s1, s2, s3]) },
    el("h2", {}, el("span", { class: "name" }, T().center), el("span", { class: "badge" }, T().window[WINDOW])),
    el("div", { class: "figures" },
      sl,
      todaySl,
      fig("offered", String(c.offered), "none", { sub: `${T().answered} ${c.answered} · ${T().abandoned} ${c.abandoned}` }),
      today ? fig("offered_today", String(today.offered), "none", { label: `${T().offered} · ${T().today}`, sub: `${T().answered} ${today.answered}` }) : null,
      fig("waiting", String(c.waiting), "none", ruled("waiting", c.waiting)),
      fig("longest_wait", clock(c.longest_wait_seconds), "none", ruled("longest_wait_seconds", c.longest_wait_seconds)),
      fig("agents_available", `${c.agents_available} / ${c.agents_on_call}`, "none",
        { label: `${T().agents_available} / ${T().agents_on_call}`, ...ruled("agents_available", c.agents_available) }),
      av),
    callpulseTrend.compare("", lang()),
    callpulseTrend.chart("", lang()),
    comps);
}

function banners() {
  const box = document.getElementById("alerts");
  if (!board.alerts) {
    box.replaceChildren(el("div", { class: "all-clear" }, T().alerts_off));
    return;
  }
  const firing = board.alerts.filter((a) => a.state === "firing");
  const pending = board.alerts.filter((a) => a.state !== "firing");
  if (firing.length === 0 && pending.length === 0) {
    box.replaceChildren(el("div", { class: "all-clear", "data-part": "all-clear" }, T().no_alerts));
    return;
  }
  const where = (a) => a.scope === "center" ? T().center_scope : `${T()[a.scope] || a.scope} ${a.name}`;
  const name = (a) => lang() === "zh" ? a.name_zh : a.name_en;
  const other = (a) => lang() === "zh" ? a.name_en : a.name_zh;
  // Ratios are judged against thresholds of 0 to 1; seconds against larger ones.
  const num = (a, x) => x == null ? "–" : a.threshold <= 1 ? pct(x) : secs(x);
  const attrs = (a, cls) => ({ class: cls, "data-criterion": a.criterion, "data-clause": a.clause, "data-state": a.state, "data-queue": a.name ?? "" });
  // One banner per firing alert; the pending ones (still in their hold time) on one line.
  const banners = firing.map((a) => el("div", attrs(a, "banner firing" + (callpulseSignal.flashing(a) ? " flash" : "")),
    el("span", { class: "state" }, T().firing),
    el("span", { class: "clause" }, `${T().clause} ${a.clause}`),
    el("span", { class: "what" }, `${name(a)} — ${where(a)}`),
    el("span", { class: "detail" }, `${num(a, a.value)} ${a.comparison} ${num(a, a.threshold)} · ${other(a)} · ${T().since} ${hms(a.firing_since || a.started_at)}`)));
  const rows = [el("div", { class: "firing-list" }, ...banners)];
  if (pending.length > 0) {
    rows.push(el("div", { class: "pending-list" }, el("span", { class: "state" }, T().pending),
      ...pending.map((a) => el("span", attrs(a, "chip pending"),
        `${a.clause} ${name(a)} — ${where(a)}: ${num(a, a.value)} ${a.comparison} ${num(a, a.threshold)}`))));
  }
  box.replaceChildren(...rows);
}

function render() {
  const t = T();
  document.documentElement.lang = t.html_lang;
  document.title = `callpulse · ${t.title}`;
  document.getElementById("title").textContent = t.title;
  document.getElementById("lang").textContent = t.other;
  const ruled = board && board.colours && Object.keys(board.colours).length > 0;
  document.getElementById("legend").textContent = t.legend + (ruled ? " · " + t.legend_rules : "");
  const c = document.getElementById("conn");
  c.dataset.conn = conn;
  c.textContent = t[conn];
  document.body.className = conn === "live" ? "" : conn;
  if (!board) return;
  if (Date.now() - lastData > 5000) document.body.classList.add("stale");
  const p = board.profile;
  document.getElementById("profile").textContent = p
    ? `${p.standard} · ${lang() === "zh" ? p.name_zh : p.name_en}` : t.alerts_off;
  const k = board.kpis;
  document.getElementById("asof").textContent = k.as_of
    ? `${t.window[k.window] || k.window} · ${t.as_of} ${hms(k.as_of)}` : t.connecting;
  banners();
  document.getElementById("center").replaceChildren(...(k.center ? [centerTile(k.center)] : []));
  document.getElementById("tiles").replaceChildren(...k.queues.map(queueTile));
  callpulseCallbacks.render(board, lang());
  callpulseSignal.render(board, lang());
}

let received = 0;
function take(b) {
  callpulseSignal.take(b);
  board = b;
  lastData = Date.now();
  received += 1;
  document.body.dataset.boards = String(received);
  render();
}

// ---- data ---------------------------------------------------------------------------------

let source = null;
function connect() {
  source = new callpulseAuth.EventSource(`/api/v1/stream?window=${WINDOW}`);
  source.addEventListener("board", (e) => {
    conn = "live";
    take(JSON.parse(e.data));
  });
  source.onopen = () => { conn = "live"; render(); };
  source.onerror = () => {
    conn = "reconnecting";
    render();
    // EventSource retries by itself unless the server refused the stream (then it closes).
    if (source.readyState === callpulseAuth.EventSource.CLOSED) {
      source = null;
      setTimeout(connect, 3000);
    }
  };
}

document.getElementById("lang").addEventListener("click", () => {
  chosen = lang() === "zh" ? "en" : "zh";
  storeLang(chosen);
  const u = new URL(location.href);
  u.searchParams.set("lang", chosen);
  history.replaceState(null, "", u);
  render();
});

// The server pushes a board when something changed (at most once a second) and at least
// every 5 s. No board for 8 s (a stalled proxy, a stopped service): say so and dim the
// numbers. No board for 15 s on a connection that looks open (a half-open TCP connection
// after a network drop never errors): drop it and open a new one.
setInterval(() => {
  const quiet = board ? Date.now() - lastData : 0;
  if (quiet > 8000 && conn === "live") {
    conn = "reconnecting";
    render();
  }
  if (quiet > 15000 && source && source.readyState !== callpulseAuth.EventSource.CLOSED) {
    source.close();
    source = null;
    lastData = Date.now();
    connect();
  }
}, 1000);

render();
callpulseTrend.start(render);
callpulseAuth.fetch(`/api/v1/board?window=${WINDOW}`)
  .then((r) => (r.ok ? r.json() : null))
  .then((b) => { if (b && !lastData) take(b); })
  .catch(() => {})
  .finally(connect);

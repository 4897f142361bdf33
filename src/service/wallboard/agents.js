// callpulse wallboard: the agents view (`/?view=agents`), in its own panel (#agents) and its
// own functions, so that the rest of the page knows nothing of it. On the page without
// `?view=agents` it does nothing (a center's thousands of agents stay off the queue board).
// Reads /api/v1/agents every 2 s through
// auth.js (the access token, when the service asks for one) and draws one tile per agent,
// grouped by state in the order a supervisor acts on (not ready, wrap-up, on a call,
// available; logged-out agents only counted), the longest in its state first, as the API
// sorts them. The time in state ticks here every second: the API's seconds_in_state (to the
// stream's clock, `as_of`) plus the wall time since the answer came. Every threshold and
// figure comes from the API; text is only ever set with textContent. The view hides the
// queue tiles (agents.css); the language is the page's (<html lang>).
"use strict";

const AGENTS_TEXT = {
  zh: {
    title: "坐席状态",
    states: { not_ready: "未就绪", wrap_up: "话后处理", on_call: "通话中", available: "空闲", logged_out: "已登出" },
    handled: "今日接听",
    aht: "平均处理时长",
    acw: "平均话后",
    occupancy: "近1小时占用率",
    logged_out: "已登出坐席：",
    none: "暂无坐席",
    s: "秒",
  },
  en: {
    title: "Agents",
    states: { not_ready: "Not ready", wrap_up: "Wrap-up", on_call: "On call", available: "Available", logged_out: "Logged out" },
    handled: "Handled today",
    aht: "AHT",
    acw: "Avg. wrap-up",
    occupancy: "Occupancy (60 min)",
    logged_out: "Logged out: ",
    none: "No agents yet",
    s: "s",
  },
};

const AGENTS_ORDER = ["not_ready", "wrap_up", "on_call", "available"];
let agentsData = null;
let agentsAt = 0;
let agentsFetches = 0;

function agentsText() {
  return AGENTS_TEXT[document.documentElement.lang.startsWith("zh") ? "zh" : "en"];
}

// Seconds as m:ss, or h:mm:ss from an hour.
function agentsDuration(s) {
  const total = Math.max(0, Math.floor(s));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const ss = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function agentsEl(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function agentsFigure(key, label, value) {
  return agentsEl("div", { class: "agent-fig", "data-f": key },
    agentsEl("span", { class: "agent-fig-label" }, label),
    agentsEl("span", { class: "agent-fig-value" }, value));
}

function agentTile(a, t, elapsed) {
  const secs = (x) => (x == null ? "–" : `${Math.round(x)} ${t.s}`);
  const head = agentsEl("div", { class: "agent-head" },
    agentsEl("span", { class: "agent-name" }, a.name),
    agentsEl("span", { class: "agent-time", "data-f": "time" },
      agentsDuration(a.seconds_in_state + elapsed)));
  const tile = agentsEl("div", { class: "agent", "data-agent": a.id, "data-state": a.state }, head);
  if (a.name !== a.id) tile.append(agentsEl("div", { class: "agent-id" }, a.id));
  if (a.reason) tile.append(agentsEl("div", { class: "agent-reason", "data-f": "reason" }, a.reason));
  tile.append(agentsEl("div", { class: "agent-queues" }, a.queues.join(" · ")));
  tile.append(agentsEl("div", { class: "agent-figs" },
    agentsFigure("handled_today", t.handled, String(a.handled_today)),
    agentsFigure("aht_seconds", t.aht, secs(a.aht_seconds)),
    agentsFigure("acw_seconds", t.acw, secs(a.acw_seconds)),
    agentsFigure("occupancy_60m", t.occupancy,
      a.occupancy_60m == null ? "–" : `${(100 * a.occupancy_60m).toFixed(0)} %`)));
  return tile;
}

function renderAgents() {
  const panel = document.getElementById("agents");
  if (!panel) return;
  const t = agentsText();
  if (!agentsData) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  const elapsed = (Date.now() - agentsAt) / 1000;
  const all = agentsData.agents;
  const groups = AGENTS_ORDER.map((state) => {
    const of = all.filter((a) => a.state === state);
    if (!of.length) return null;
    return agentsEl("div", { class: "agent-group", "data-group": state },
      agentsEl("h3", {}, `${t.states[state]} (${of.length})`),
      agentsEl("div", { class: "agent-tiles" }, ...of.map((a) => agentTile(a, t, elapsed))));
  }).filter(Boolean);
  const out = all.filter((a) => a.state === "logged_out").length;
  const title = agentsEl("h2", {}, t.title);
  const note = agentsEl("span", { class: "agent-out" }, out ? `${t.logged_out}${out}` : "");
  const body = groups.length
    ? agentsEl("div", { class: "agent-groups" }, ...groups)
    : agentsEl("div", { class: "agent-none" }, t.none);
  panel.replaceChildren(agentsEl("div", { class: "agents-head" }, title, note), body);
  panel.dataset.fetches = String(agentsFetches);
}

function fetchAgents() {
  callpulseAuth.fetch("/api/v1/agents")
    .then((r) => (r.ok ? r.json() : null))
    .then((v) => {
      agentsData = v;
      agentsAt = Date.now();
      agentsFetches += 1;
      renderAgents();
    })
    .catch(() => {});
}

if (new URLSearchParams(location.search).get("view") === "agents") {
  document.documentElement.dataset.view = "agents";
  document.getElementById("lang").addEventListener("click", () => setTimeout(renderAgents, 0));
  setInterval(renderAgents, 1000);
  setInterval(fetchAgents, 2000);
  fetchAgents();
}

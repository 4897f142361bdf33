// callpulse wallboard: the service level's last 24 hours and how today compares, per queue
// tile and on the center tile, from /api/v1/trend (fetched once a minute: last week is read
// from the evidence store; drawn anew with each board from what was fetched last).
//
// The chart (Genesys' 24 h service-level trend is its model): one point per interval with a
// call counted, at the interval's middle, joined by a line while intervals follow each other;
// a dot is red when the interval missed the target, hollow while the interval is not final
// (its figure can still change); the target as a dashed line; calls offered as faint bars;
// a tick every 3 hours, labelled every 6 with the hour of the center's zone, read from the
// offsets of the RFC 3339 times the API writes (never the browser's own zone).
//
// wallboard.js calls `callpulseTrend.start(render)` once, then `compare(scope, lang)` and
// `chart(scope, lang)` for each tile (scope: the queue's name, "" for the center); both are
// `null` when the API gave nothing for the scope (no answer yet, 403, 404: the tile stands
// without them). Text is only ever set with textContent and SVG attributes.
"use strict";

const callpulseTrend = (() => {
  const WORDS = {
    zh: {
      today: "今日",
      last_week: "上周同日",
      no_history: "无历史",
      intervals_met: "达标时段",
      title: "服务水平 近24小时",
      per: (m) => `每${m}分钟`,
      paren: (x) => `（${x}）`,
      target: "目标",
      met: "达标",
      missed: "未达标",
      not_final: "未最终",
      offered: "呼入",
      latest: "最近",
      no_calls: "近24小时无呼入",
      of: (met, judged) => `${judged}个有呼入时段中${met}个达标`,
    },
    en: {
      today: "Today",
      last_week: "same day last week",
      no_history: "no history",
      intervals_met: "intervals met",
      title: "Service level, last 24 h",
      per: (m) => `per ${m} min`,
      paren: (x) => ` (${x})`,
      target: "target",
      met: "met",
      missed: "missed",
      not_final: "not final",
      offered: "offered",
      latest: "latest",
      no_calls: "no calls in the last 24 h",
      of: (met, judged) => `${met} of ${judged} intervals with calls met the target`,
    },
  };

  const HOUR = 3600000;
  const pct = (x) => x == null ? "–" : (100 * x).toFixed(1) + " %";
  const whole = (x) => Math.round(100 * x) + " %";

  // The last answer, by scope ("" for the center), and its head (as_of, interval length).
  let scopes = {};
  let head = null;

  function fetchNow(render) {
    callpulseAuth.fetch("/api/v1/trend")
      .then((r) => {
        // Refused (403) or unknown (404): nothing to show, not even an old answer.
        if (!r.ok) {
          scopes = {};
          head = null;
          return null;
        }
        return r.json();
      })
      .then((v) => {
        if (v) {
          scopes = Object.fromEntries(v.scopes.map((s) => [s.queue ?? "", s]));
          head = { as_of: v.as_of, minutes: v.interval_minutes, hours: v.hours };
        }
        render();
      })
      .catch(() => { /* the network: keep the last answer, try again in a minute */ });
  }

  function start(render) {
    fetchNow(render);
    setInterval(() => fetchNow(render), 60000);
  }

  // ---- time, in the center's zone -----------------------------------------------------------

  // "2026-11-02T10:15:00.000+08:00" → its offset in ms (+08:00 → 28800000); Z → 0.
  function offsetOf(text) {
    const m = /([+-])(\d\d):(\d\d)$/.exec(text);
    if (!m) return 0;
    return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60000;
  }

  // The zone's offset at `t` (ms): that of the latest time written at or before it (the
  // points and as_of carry theirs, so a change of offset within the day is followed).
  function offsetAt(known, t) {
    let off = known.length ? known[0][1] : 0;
    for (const [at, o] of known) if (at <= t) off = o;
    return off;
  }

  // ---- the comparison line -------------------------------------------------------------------

  function compare(scope, lang) {
    const s = scopes[scope];
    if (!s) return null;
    const t = WORDS[lang];
    const week = s.last_week ? pct(s.last_week.service_level) : t.no_history;
    const met = s.today.intervals_judged ? `${s.today.intervals_met}/${s.today.intervals_judged}` : "–";
    const line = document.createElement("div");
    line.className = "compare";
    line.dataset.part = "compare";
    line.title = s.definition;
    const part = (cls, text) => {
      const e = document.createElement("span");
      e.className = cls;
      e.textContent = text;
      return e;
    };
    const sep = () => part("sep", " · ");
    line.append(part("today", `${t.today} ${pct(s.today.service_level)}`), sep(),
      part("week", `${t.last_week} ${week}`), sep(), part("met", `${t.intervals_met} ${met}`));
    return line;
  }

  // ---- the chart ----------------------------------------------------------------------------

  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text != null) e.textContent = text;
    return e;
  }

  // The drawing's size (user units; the SVG scales to the tile's width) and its plot area.
  const W = 600, H = 132, L = 46, R = 8, TOP = 8, BOTTOM = 22;
  const y = (v) => TOP + (1 - v) * (H - TOP - BOTTOM);
  const fixed = (x) => x.toFixed(1);

  function chart(scope, lang) {
    const s = scopes[scope];
    if (!s || !head || !head.as_of) return null;
    const t = WORDS[lang];
    const iv = head.minutes * 60000;
    const asOf = Date.parse(head.as_of);
    const points = s.points.map((p) => ({ ...p, at: Date.parse(p.start) }));
    const known = [...points.map((p) => [p.at, offsetOf(p.start)]), [asOf, offsetOf(head.as_of)]]
      .sort((a, b) => a[0] - b[0]);
    // The span ends with the interval the live clock is in (intervals start on the zone's
    // boundaries) and is `hours` long.
    const offNow = offsetAt(known, asOf);
    const end = Math.floor((asOf + offNow) / iv) * iv - offNow + iv;
    const from = end - head.hours * HOUR;
    const x = (at) => L + ((at - from) / (end - from)) * (W - L - R);

    const judged = points.filter((p) => p.service_level != null);
    const missed = judged.filter((p) => p.met === false).length;
    const latest = judged[judged.length - 1];
    const label = [t.title + t.paren(t.per(head.minutes)), `${t.target} ≥ ${whole(s.target)}`,
      judged.length ? t.of(judged.length - missed, judged.length) : t.no_calls,
      latest ? `${t.latest} ${pct(latest.service_level)}${latest.final ? "" : t.paren(t.not_final)}` : null,
    ].filter(Boolean).join(" · ");
    const root = svg("svg", {
      class: "trend24", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label,
      "data-part": "trend24", "data-as-of": head.as_of, "data-points": judged.length,
      "data-missed": missed, "data-target": s.target,
    });
    root.append(svg("title", {}, label));

    // Calls offered: faint bars from the floor, scaled to the busiest interval.
    const most = Math.max(1, ...points.map((p) => p.offered));
    for (const p of points) {
      if (!(p.offered > 0)) continue;
      const h = (p.offered / most) * (H - TOP - BOTTOM) * 0.5;
      root.append(svg("rect", { class: "offered", x: fixed(x(p.at) + 0.5), y: fixed(H - BOTTOM - h),
        width: fixed(Math.max(1, x(p.at + iv) - x(p.at) - 1)), height: fixed(h) }));
    }

    // Hours of the center's zone: a tick every 3 hours, labelled every 6.
    let at = Math.ceil((from + offsetAt(known, from)) / HOUR) * HOUR - offsetAt(known, from);
    for (; at <= end; at += HOUR) {
      const hour = (((Math.round((at + offsetAt(known, at)) / HOUR) % 24) + 24) % 24);
      if (hour % 3 !== 0) continue;
      const xx = fixed(x(at));
      root.append(svg("line", { class: hour % 6 === 0 ? "tick major" : "tick", x1: xx, x2: xx, y1: TOP, y2: H - BOTTOM }));
      if (hour % 6 === 0 && at > from && at < end) {
        root.append(svg("text", { class: "hour", x: xx, y: H - 5, "text-anchor": "middle" },
          String(hour).padStart(2, "0") + ":00"));
      }
    }
    root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - BOTTOM, y2: H - BOTTOM }));
    for (const v of [0, 1]) {
      root.append(svg("text", { class: "scale", x: L - 6, y: fixed(y(v) + 5), "text-anchor": "end" }, whole(v)));
    }

    // The target.
    const ty = fixed(y(s.target));
    root.append(svg("line", { class: "target", x1: L, x2: W - R, y1: ty, y2: ty, "data-value": s.target }));
    root.append(svg("text", { class: "target-label", x: L - 6, y: fixed(y(s.target) + 5), "text-anchor": "end" },
      whole(s.target)));

    // The service level: a line through intervals that follow each other, a dot for each.
    let run = [];
    let last = null;
    const flush = () => {
      if (run.length > 1) root.append(svg("polyline", { class: "sl", points: run.join(" ") }));
      run = [];
    };
    const dots = [];
    for (const p of judged) {
      if (last && p.at - last.at !== iv) flush();
      const cx = fixed(x(p.at + iv / 2)), cy = fixed(y(p.service_level));
      run.push(`${cx},${cy}`);
      last = p;
      const dot = svg("circle", {
        class: `pt ${p.met === false ? "miss" : "met"}${p.final ? "" : " open"}`,
        cx, cy, r: 4.2, "data-start": p.start, "data-final": p.final, "data-met": p.met,
      });
      const local = p.start.slice(11, 16);
      dot.append(svg("title", {}, `${local} · ${pct(p.service_level)} · ${t.offered} ${p.offered} · ` +
        `${p.met === false ? t.missed : t.met}${p.final ? "" : " · " + t.not_final}`));
      dots.push(dot);
    }
    flush();
    root.append(...dots);
    if (!judged.length) {
      root.append(svg("text", { class: "empty", x: fixed((L + W - R) / 2), y: fixed(H / 2), "text-anchor": "middle" },
        t.no_calls));
    }
    const box = document.createElement("div");
    box.className = "trend24-box";
    const caption = document.createElement("span");
    caption.className = "k";
    caption.textContent = `${t.title} · ${t.per(head.minutes)}`;
    box.append(caption, root);
    return box;
  }

  return { start, compare, chart };
})();

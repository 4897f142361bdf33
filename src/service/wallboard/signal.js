// callpulse wallboard: a signal when an alert starts firing while the page is open, as the
// wallboard file asks (`[on_new_alert] flash, sound`; the board's `on_new_alert`, both off by
// default). Alerts already firing when the page opens are not new.
//
// Flash: the new alert's banner and its queue's tile flash for FLASH_MS (a steady outline
// instead when the viewer prefers reduced motion). Sound: browsers play audio only after the
// viewer interacted with the page, so the page asks once ("play a sound…? yes / no") and
// keeps the answer in this browser; "yes" is the click that lets it play. After a reload a
// kept "yes" needs one click anywhere on the page again (the chip says so); a kiosk browser
// can be started with --autoplay-policy=no-user-gesture-required instead. The tone is made
// by the Web Audio API: no sound file, nothing fetched.
// wallboard.js calls `take(board)` with each board and `render(board, lang)` after drawing;
// `flashing(alert)` and `tileFlashing(queue)` tell it what to mark.
"use strict";

const callpulseSignal = (() => {
  const FLASH_MS = 30000;
  const KEY = "callpulse.wallboard.sound";
  const WORDS = {
    zh: {
      ask: "新告警触发时播放提示音？",
      yes: "是",
      no: "否",
      on: "♪ 提示音：开",
      off: "提示音：关",
      blocked: "♪ 点击页面任意处以启用提示音",
    },
    en: {
      ask: "Play a sound when a new alert fires?",
      yes: "Yes",
      no: "No",
      on: "♪ sound on",
      off: "sound off",
      blocked: "♪ click anywhere to allow sound",
    },
  };

  let seen = null; // keys of the alerts firing on the last board; null before the first
  const until = new Map(); // key → when its flash ends (ms)
  let ctx = null;
  let tones = 0;
  let last = null; // [board, lang] of the last render, to redraw after a click

  const key = (a) => `${a.criterion}|${a.scope}|${a.name ?? ""}`;
  function kept() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function keep(v) {
    try { localStorage.setItem(KEY, v); } catch (e) { /* private mode: asked again */ }
  }

  // Within a click (a user gesture): make or resume the audio context.
  function unlock() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!ctx) ctx = new Ctx();
    if (ctx.state === "suspended") ctx.resume().then(redraw, () => {});
  }

  function tone() {
    if (!ctx || ctx.state !== "running") return;
    const t = ctx.currentTime;
    for (const [at, hz] of [[0, 880], [0.18, 660]]) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = hz;
      g.gain.setValueAtTime(0.25, t + at);
      g.gain.exponentialRampToValueAtTime(0.001, t + at + 0.16);
      o.connect(g).connect(ctx.destination);
      o.start(t + at);
      o.stop(t + at + 0.17);
    }
    tones += 1;
    document.body.dataset.tones = String(tones);
  }

  // Each board: which firing alerts are new since the last one.
  function take(board) {
    const on = board.on_new_alert || {};
    const firing = (board.alerts || []).filter((a) => a.state === "firing").map(key);
    const fresh = seen ? firing.filter((k) => !seen.has(k)) : [];
    seen = new Set(firing);
    if (fresh.length === 0) return;
    if (on.flash) for (const k of fresh) until.set(k, Date.now() + FLASH_MS);
    if (on.sound && kept() === "on") tone();
  }

  const flashing = (a) => (until.get(key(a)) || 0) > Date.now();
  const tileFlashing = (board, queue) => ((board && board.alerts) || []).some((a) =>
    a.state === "firing" && a.scope === "queue" && a.name === queue && flashing(a));

  function button(text, part, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.part = part;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // The question (once), or the chip that says whether sound is on and switches it.
  function render(board, lang) {
    last = [board, lang];
    const box = document.getElementById("signal");
    if (!box) return;
    const w = WORDS[lang] || WORDS.en;
    const sound = !!(board && board.on_new_alert && board.on_new_alert.sound);
    box.hidden = !sound;
    if (!sound) return box.replaceChildren();
    const answer = kept();
    if (answer !== "on" && answer !== "off") {
      const q = document.createElement("span");
      q.textContent = w.ask;
      box.dataset.state = "ask";
      return box.replaceChildren(q,
        button(w.yes, "sound-yes", () => { keep("on"); unlock(); redraw(); }),
        button(w.no, "sound-no", () => { keep("off"); redraw(); }));
    }
    const running = ctx && ctx.state === "running";
    box.dataset.state = answer === "off" ? "off" : running ? "on" : "blocked";
    const text = answer === "off" ? w.off : running ? w.on : w.blocked;
    box.replaceChildren(button(text, "sound-toggle", () => {
      if (answer === "on" && running) keep("off"); else { keep("on"); unlock(); }
      redraw();
    }));
  }

  function redraw() {
    if (last) render(...last);
  }

  // A kept "yes" after a reload: the first click anywhere lets the tone play.
  document.addEventListener("click", () => {
    if (kept() === "on" && !(ctx && ctx.state === "running")) unlock();
  });

  return { take, render, flashing, tileFlashing };
})();

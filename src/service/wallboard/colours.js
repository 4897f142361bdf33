// callpulse wallboard: colour rules. The board's `colours` holds, per measure, up to three
// rules (the wallboard file's over the profile's `[[colours.*]]`), each `{when, value,
// colour}`; the first that matches a figure's value colours it (`data-colour`), and a value
// none matches keeps the page's own colouring by the target. The badge and the tile's border
// stay the target's judgement: the rules change how a number looks, not whether it is met.
"use strict";

const callpulseColours = (() => {
  const MATCH = {
    below: (x, v) => x < v,
    at_most: (x, v) => x <= v,
    at_least: (x, v) => x >= v,
    above: (x, v) => x > v,
  };
  const SIGN = { below: "<", at_most: "≤", at_least: "≥", above: ">" };

  // The rule that colours `value` of `measure` on `board`: {colour, n (1-based), source,
  // text}, or null when no rule matches (or there are none, or no value).
  function pick(board, measure, value) {
    const m = board && board.colours && board.colours[measure];
    if (!m || value == null || !Number.isFinite(value)) return null;
    const i = m.rules.findIndex((r) => MATCH[r.when](value, r.value));
    if (i < 0) return null;
    const r = m.rules[i];
    return { colour: r.colour, n: i + 1, source: m.source, text: `${SIGN[r.when]} ${r.value}` };
  }

  return { pick };
})();

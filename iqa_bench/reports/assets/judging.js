// The judging page of iqa-bench (reports/judging.py): one observer judges every pair of the set, side by side
// under the reference. Each session shuffles the order and puts each pair's images left or right at random;
// the session (order, sides, judgements) lives in the browser's storage under the set and the observer, and in
// the tab's window.name (which a reload keeps at once, where the storage is written a moment later), so a reload
// loses nothing. Keys: left arrow or 1 (the left image is better), right arrow or 2 (the right one),
// down arrow, 0 or space (no difference), Backspace or u (undo). Texts are set with textContent only.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("judging-data").textContent);
  const $ = (id) => document.getElementById(id);
  const storeKey = (who) => "iqa-bench/judging/" + D.set + "/" + who;
  let observer = null, state = null, shownAt = 0;

  function generator(seed) {  // FNV-1a of the seed, then xorshift32
    let h = 2166136261 >>> 0;
    for (let i = 0; i < seed.length; i += 1) { h ^= seed.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
    if (h === 0) h = 1;
    return () => { h ^= h << 13; h >>>= 0; h ^= h >>> 17; h ^= h << 5; h >>>= 0; return h / 4294967296; };
  }
  function newSession() {
    const random = generator(observer + "/" + D.set + "/" + Date.now() + "/" + Math.random());
    const order = D.trials.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return {set: D.set, observer: observer, order: order, left: order.map(() => (random() < 0.5 ? "a" : "b")),
            judgements: [], started: new Date().toISOString()};
  }
  function parsed(text) {
    try {
      const kept = JSON.parse(text || "null");
      if (kept && kept.set === D.set && kept.observer === observer && Array.isArray(kept.order) &&
          kept.order.length === D.trials.length && Array.isArray(kept.judgements)) return kept;
    } catch (e) { /* a damaged entry: not used */ }
    return null;
  }
  function tabCopy() {  // window.name outlives a reload of the tab at once; the storage is written a moment later
    try { return JSON.parse(window.name || "null"); } catch (e) { return null; }
  }
  function load() {
    const copy = tabCopy();
    const found = [parsed(localStorage.getItem(storeKey(observer))),
                   copy && copy.key === storeKey(observer) ? parsed(JSON.stringify(copy.state)) : null];
    return found.filter(Boolean).sort((x, y) => y.judgements.length - x.judgements.length)[0] || null;
  }
  function save() {
    localStorage.setItem(storeKey(observer), JSON.stringify(state));
    window.name = JSON.stringify({key: storeKey(observer), observer: observer, state: state});
  }

  function show() {
    const done = state.judgements.length, total = D.trials.length;
    $("progress").textContent = done + " of " + total + " judged";
    $("undo").disabled = done === 0;
    if (done >= total) {
      $("trial").hidden = true; $("finished").hidden = false;
      return;
    }
    $("trial").hidden = false; $("finished").hidden = true;
    const trial = D.trials[state.order[done]], left = state.left[done];
    $("left").src = D.images[trial[left]];
    $("right").src = D.images[trial[left === "a" ? "b" : "a"]];
    $("reference-box").hidden = !trial.ref;
    $("reference").src = trial.ref ? D.images[trial.ref] : "";
    shownAt = Date.now();
  }
  function answer(choice) {
    if (!state || state.judgements.length >= D.trials.length) return;
    const position = state.judgements.length, trial = D.trials[state.order[position]];
    const left = state.left[position];
    const preferred = choice === "same" ? "same" : ((choice === "left") === (left === "a") ? "a" : "b");
    state.judgements.push({trial: trial.id, position: position + 1, left: left, choice: choice,
                           preferred: preferred, ms: Date.now() - shownAt, time: new Date().toISOString()});
    save(); show();
  }
  function undo() {
    if (!state || !state.judgements.length) return;
    state.judgements.pop(); save(); show();
  }
  function exported() {
    return {set: D.set, title: D.title, observer: observer, started: state ? state.started : null,
            trials: D.trials.length, judgements: state ? state.judgements.slice() : []};
  }
  function csvCell(text) {
    const value = String(text);
    return /[",\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }
  function asCsv() {
    const columns = ["set", "observer", "trial", "position", "left", "choice", "preferred", "ms", "time"];
    const rows = exported().judgements.map((j) => [D.set, observer, j.trial, j.position, j.left, j.choice,
                                                    j.preferred, j.ms, j.time].map(csvCell).join(","));
    return columns.join(",") + "\n" + rows.join("\n") + (rows.length ? "\n" : "");
  }
  function download(name, text, type) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], {type: type}));
    link.download = name;
    document.body.appendChild(link); link.click(); link.remove();
  }
  window.judging = {exported: exported, csv: asCsv, answer: answer, undo: undo};

  function start() {
    const who = $("observer").value.trim();
    if (!who) { $("observer-note").textContent = "Enter your observer id first."; return; }
    observer = who;
    localStorage.setItem("iqa-bench/judging/last-observer", who);
    state = load() || newSession();
    save();
    $("who").textContent = who;
    $("start").hidden = true; $("session").hidden = false;
    show();
  }
  const copy = tabCopy();
  $("observer").value = (copy && copy.observer) || localStorage.getItem("iqa-bench/judging/last-observer") || "";
  $("begin").addEventListener("click", start);
  $("observer").addEventListener("keydown", (e) => { if (e.key === "Enter") start(); });
  $("pick-left").addEventListener("click", () => answer("left"));
  $("pick-right").addEventListener("click", () => answer("right"));
  $("pick-same").addEventListener("click", () => answer("same"));
  $("undo").addEventListener("click", undo);
  const base = () => "judgements-" + D.set.slice(0, 12) + "-" + observer.replace(/[^A-Za-z0-9_.-]/g, "_");
  for (const id of ["save-csv", "save-csv-end"]) $(id).addEventListener("click", () => download(base() + ".csv", asCsv(), "text/csv"));
  for (const id of ["save-json", "save-json-end"]) {
    $(id).addEventListener("click", () => download(base() + ".json", JSON.stringify(exported(), null, 1), "application/json"));
  }
  document.addEventListener("keydown", (e) => {
    if (!state || document.activeElement === $("observer")) return;
    const key = e.key;
    if (key === "ArrowLeft" || key === "1") answer("left");
    else if (key === "ArrowRight" || key === "2") answer("right");
    else if (key === "ArrowDown" || key === "0" || key === " ") answer("same");
    else if (key === "Backspace" || key === "u") undo();
    else return;
    e.preventDefault();
  });
})();

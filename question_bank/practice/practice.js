/* The practice page: questions per learning outcome, instant checking, FSRS repetition,
   progress in localStorage, and a timed exam mode. No network: everything is in this file.
   readNumber follows question_bank/numbers.py; both are tested on tests/bank_number_inputs.json. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("bank-data").textContent);
  var ITEMS = DATA.items;
  var OUTCOMES = DATA.outcomes; // [[id, text], ...]
  var BY_ID = {};
  ITEMS.forEach(function (item) { BY_ID[item.id] = item; });
  var STORE_KEY = "cnnlab-practice/" + DATA.bank_id;
  var scheduler = FSRS.fsrs(FSRS.generatorParameters(DATA.scheduler));

  // ---- reading a typed number (the same rules as question_bank/numbers.py) ---------------
  var SPACES = " \u00a0\u2009\u202f", APOSTROPHES = "'\u2019";
  var GROUPED = /^[1-9]\d{0,2}(?:\d{3})*$/;

  function reading(values, error) { return { values: values || [], error: error || "" }; }

  function grouped(whole, thousands, fraction, body) {
    var groups = whole.split(thousands);
    var bad = !GROUPED.test(groups[0]) || groups[0].length > 3 ||
      groups.slice(1).some(function (g) { return !/^\d{3}$/.test(g); }) ||
      (fraction !== "" && !/^\d+$/.test(fraction));
    if (bad) return "'" + body + "': thousands separators must set off groups of three digits";
    var value = parseFloat(groups.join("") + (fraction ? "." + fraction : ""));
    return isFinite(value) ? [value] : "'" + body + "' is too large";
  }

  function decimalValues(body) {
    var allowed = new RegExp("^[\\d.,'" + SPACES + APOSTROPHES + "]+$");
    if (!allowed.test(body) || !/\d/.test(body)) return "'" + body + "' is not a number";
    var parts = body.split(new RegExp("[" + SPACES + APOSTROPHES + "]+"));
    if (parts.length > 1) {
      var last = parts[parts.length - 1];
      var badGroups = parts.slice(1, -1).some(function (g) { return !/^\d{3}$/.test(g); }) ||
        !/^\d{3}(?:[.,]\d*)?$/.test(last) || !/^[1-9]\d{0,2}$/.test(parts[0]);
      if (badGroups) return "'" + body + "': digit groups after a space or ' have three digits";
      body = parts.join("");
    }
    var points = (body.match(/\./g) || []).length, commas = (body.match(/,/g) || []).length;
    if (points && commas) {
      var decimal = body.lastIndexOf(".") > body.lastIndexOf(",") ? "." : ",";
      var thousands = decimal === "." ? "," : ".";
      if (body.split(decimal).length > 2) return "'" + body + "' has two decimal separators";
      var halves = body.split(decimal);
      return grouped(halves[0], thousands, halves[1], body);
    }
    if (points + commas === 0) return [parseFloat(body)];
    var separator = points ? "." : ",";
    var pieces = body.split(separator);
    if (pieces.length > 2) return grouped(body, separator, "", body);
    var whole = pieces[0], fraction = pieces[1];
    if (!whole && !fraction) return "'" + body + "' is not a number";
    var value = parseFloat((whole || "0") + "." + (fraction || "0"));
    if (GROUPED.test(whole) && whole.length <= 3 && fraction.length === 3) {
      return [value, parseFloat(whole + fraction)];
    }
    return [value];
  }

  function readNumber(text, fractions) {
    var body = String(text).trim(), sign = 1;
    if (body && "+-\u2212".indexOf(body[0]) >= 0) {
      sign = body[0] === "+" ? 1 : -1;
      body = body.slice(1).trim();
    }
    if (!body) return reading([], "no number given");
    var fraction = /^(\d+)\/(\d+)$/.exec(body.replace(/\s/g, ""));
    if (fraction) {
      if (!fractions) return reading([], "this question takes a decimal number, not a fraction");
      if (Number(fraction[2]) === 0) return reading([], "a fraction cannot divide by 0");
      return reading([sign * Number(fraction[1]) / Number(fraction[2])]);
    }
    var values = decimalValues(body);
    if (typeof values === "string") return reading([], values);
    var unique = [];
    values.forEach(function (v) { if (unique.indexOf(sign * v) < 0) unique.push(sign * v); });
    return reading(unique);
  }

  function matches(read, answer, tolerance) {
    var slack = 1e-9 * Math.max(1, Math.abs(answer));
    for (var i = 0; i < read.values.length; i++) {
      if (Math.abs(read.values[i] - answer) <= tolerance + slack) return read.values[i];
    }
    return null;
  }

  // ---- stored progress: per outcome asked/right, per question an FSRS card ---------------
  var memoryOnly = false;
  function emptyState() { return { version: 1, outcomes: {}, cards: {} }; }
  function loadState() {
    try {
      var raw = window.localStorage.getItem(STORE_KEY);
      var state = raw ? JSON.parse(raw) : emptyState();
      if (!state || state.version !== 1 || typeof state.cards !== "object") return emptyState();
      return state;
    } catch (error) {
      memoryOnly = true; // storage blocked (private mode): progress lasts this visit only
      return emptyState();
    }
  }
  var state = loadState();
  function saveState() {
    if (memoryOnly) return;
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (error) {
      memoryOnly = true;
      storageNote();
    }
  }

  function record(item, correct, when) {
    var entry = state.outcomes[item.lo] || { asked: 0, correct: 0 };
    entry.asked += 1;
    entry.correct += correct ? 1 : 0;
    state.outcomes[item.lo] = entry;
    var stored = state.cards[item.id];
    var card = stored ? FSRS.TypeConvert.card(stored) : FSRS.createEmptyCard(when);
    var next = scheduler.next(card, when, correct ? FSRS.Rating.Good : FSRS.Rating.Again).card;
    state.cards[item.id] = JSON.parse(JSON.stringify(next));
    saveState();
  }

  function mastery(lo) {
    var entry = state.outcomes[lo] || { asked: 0, correct: 0 };
    return (entry.correct + 1) / (entry.asked + 2);
  }
  function dueAt(id) { return new Date(state.cards[id].due); }

  // ---- choosing the next question ---------------------------------------------------------
  function nextItem(lo, skip) {
    var pool = ITEMS.filter(function (item) {
      return (lo === "all" || item.lo === lo) && item.id !== skip;
    });
    var now = new Date();
    var due = pool.filter(function (item) {
      return state.cards[item.id] && dueAt(item.id) <= now;
    }).sort(function (a, b) { return dueAt(a.id) - dueAt(b.id); });
    if (due.length) return { item: due[0], why: "Due again: you met this one before." };
    var fresh = pool.filter(function (item) { return !state.cards[item.id]; });
    if (fresh.length) {
      var los = {};
      fresh.forEach(function (item) { los[item.lo] = true; });
      var weakest = Object.keys(los).sort(function (a, b) {
        var seenA = (state.outcomes[a] || {}).asked > 0, seenB = (state.outcomes[b] || {}).asked > 0;
        if (seenA !== seenB) return seenA ? 1 : -1;
        return mastery(a) - mastery(b) || (a < b ? -1 : 1);
      })[0];
      var mine = fresh.filter(function (item) { return item.lo === weakest; });
      return { item: mine[Math.floor(Math.random() * mine.length)], why: "" };
    }
    var later = pool.slice().sort(function (a, b) { return dueAt(a.id) - dueAt(b.id); });
    if (!later.length) return null;
    return { item: later[0], why: "Nothing is due now: this one was due next, at " +
      dueAt(later[0].id).toLocaleString() + "." };
  }

  // ---- building the page ---------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "html") node.innerHTML = attrs[key]; // our own escaped HTML only
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  function $(id) { return document.getElementById(id); }

  function outcomeName(lo) {
    for (var i = 0; i < OUTCOMES.length; i++) if (OUTCOMES[i][0] === lo) return OUTCOMES[i][1];
    return lo;
  }

  var counter = 0;
  function questionBody(item, heading) {
    counter += 1;
    var prefix = "q" + counter;
    var box = el("section", { "class": "question", "aria-labelledby": prefix + "-h",
                              "data-item-id": item.id });
    box.appendChild(el("h3", { id: prefix + "-h", text: heading }));
    box.appendChild(el("p", { "class": "meta", text: item.lo + ": " + outcomeName(item.lo) +
                              " \u00b7 level " + item.level }));
    box.appendChild(el("div", { "class": "stem", id: prefix + "-stem", html: item.stem_html }));
    if (item.figure) {
      box.appendChild(el("figure", {}, [el("img", { src: item.figure, alt: item.alt })]));
    }
    var answer;
    if (item.type === "numeric") {
      var hint = item.fractions ? "a number: 2.5, 2,5 or 5/2" : "a number: 2.5 or 2,5";
      answer = el("p", { "class": "answer" }, [
        el("label", { "for": prefix + "-in", text: "Your answer (" + hint + ")" }),
        el("input", { id: prefix + "-in", type: "text", inputmode: "decimal",
                      autocomplete: "off", spellcheck: "false", "class": "number",
                      "aria-describedby": prefix + "-stem" })]);
    } else {
      var legend = el("legend", { text: item.type === "true_false" ? "True or false?" :
                                  "Choose one answer" });
      var options = item.choices.map(function (choice, index) {
        var id = prefix + "-c" + index;
        return el("div", { "class": "choice" }, [
          el("input", { type: "radio", name: prefix, id: id, value: String(index) }),
          el("label", { "for": id, text: String.fromCharCode(65 + index) + ". " + choice.text })]);
      });
      answer = el("fieldset", { "class": "answer" }, [legend].concat(options));
    }
    box.appendChild(answer);
    return box;
  }

  function replyOf(item, box) {
    if (item.type === "numeric") return box.querySelector("input.number").value;
    var chosen = box.querySelector("input[type=radio]:checked");
    return chosen ? Number(chosen.value) : null;
  }

  // verdict: {correct, unread, text, chosen}
  function judge(item, reply) {
    if (item.type === "numeric") {
      var read = readNumber(reply, item.fractions);
      if (read.error) return { correct: false, unread: read.error };
      var hit = matches(read, item.answer, item.tolerance);
      var note = read.values.length > 1 ? " (read as " + (hit === null ? read.values.join(" or ")
        : hit) + ")" : "";
      return { correct: hit !== null, note: note };
    }
    if (reply === null) return { correct: false, unread: "choose one of the answers" };
    return { correct: reply === item.answer, chosen: reply };
  }

  function solutionBlock(item, verdict) {
    var parts = [];
    var text = verdict.correct ? "Right!" + (verdict.note || "") :
      "Not right" + (verdict.note || "") + ". The answer is " + item.answer_text + ".";
    parts.push(el("p", { "class": verdict.correct ? "verdict right" : "verdict wrong", text: text }));
    if (verdict.chosen !== undefined && !item.choices[verdict.chosen].in_solution) {
      parts.push(el("p", { "class": "feedback", text: item.choices[verdict.chosen].feedback }));
    }
    parts.push(el("h4", { text: "Worked solution" }));
    parts.push(el("div", { "class": "solution", html: item.solution_html }));
    if (item.figure) {
      parts.push(el("figure", {}, [el("img", { src: item.figure, alt: item.alt }),
                                   el("figcaption", { text: item.alt })]));
    }
    return el("div", { "class": "result" }, parts);
  }

  // ---- practice -----------------------------------------------------------------------------
  var current = null;
  function showNext() {
    var lo = $("outcome").value;
    var next = nextItem(lo, current && current.id);
    var area = $("practice-question");
    area.textContent = "";
    if (!next) { area.appendChild(el("p", { text: "No questions for this outcome." })); return; }
    current = next.item;
    if (next.why) area.appendChild(el("p", { "class": "why", text: next.why }));
    var box = questionBody(current, "Question");
    var form = el("form", { "class": "ask", novalidate: "novalidate" }, [box,
      el("p", { "class": "problem", role: "alert" }),
      el("button", { type: "submit", "class": "primary", text: "Check" })]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      check(form, box);
    });
    area.appendChild(form);
    var first = box.querySelector("input");
    if (first) first.focus();
  }

  function check(form, box) {
    var item = current, verdict = judge(item, replyOf(item, box));
    var problem = form.querySelector(".problem");
    if (verdict.unread) { problem.textContent = "Could not read that: " + verdict.unread + "."; return; }
    problem.textContent = "";
    record(item, verdict.correct, new Date());
    form.querySelectorAll("input, button").forEach(function (node) { node.disabled = true; });
    var result = solutionBlock(item, verdict);
    var next = el("button", { type: "button", "class": "primary", text: "Next question" });
    next.addEventListener("click", showNext);
    result.appendChild(next);
    $("practice-result").textContent = "";
    $("practice-result").appendChild(result);
    drawProgress();
    next.focus();
  }

  // ---- progress chart -------------------------------------------------------------------------
  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function drawProgress() {
    var chart = $("chart"), rows = $("progress-rows");
    chart.textContent = "";
    rows.textContent = "";
    var now = new Date(), labels = [];
    OUTCOMES.forEach(function (pair, index) {
      var lo = pair[0], entry = state.outcomes[lo] || { asked: 0, correct: 0 };
      var mine = ITEMS.filter(function (item) { return item.lo === lo; });
      var seen = mine.filter(function (item) { return state.cards[item.id]; }).length;
      var due = mine.filter(function (item) {
        return state.cards[item.id] && dueAt(item.id) <= now;
      }).length;
      var share = Math.round(100 * mastery(lo));
      var y = 8 + index * 34;
      chart.appendChild(svg("text", { x: 0, y: y + 17, "class": "label" }, lo));
      chart.appendChild(svg("rect", { x: 44, y: y, width: 200, height: 24, "class": "track" }));
      chart.appendChild(svg("rect", { x: 44, y: y, width: 2 * share, height: 24,
                                      "class": "bar", "data-outcome": lo }));
      chart.appendChild(svg("text", { x: 252, y: y + 17, "class": "value" }, share + " %"));
      labels.push(lo + " " + share + " %");
      rows.appendChild(el("tr", { "data-outcome": lo }, [
        el("th", { scope: "row" }, [document.createTextNode(lo),
                                    el("span", { "class": "visually-hidden", text: ": " + pair[1] })]),
        el("td", { text: entry.correct + " of " + entry.asked }),
        el("td", { text: share + " %" }),
        el("td", { text: seen + " of " + mine.length }),
        el("td", { text: String(due) })]));
    });
    chart.setAttribute("aria-label", "Mastery per learning outcome: " + labels.join(", "));
  }

  // ---- exam mode ------------------------------------------------------------------------------
  var exam = null;
  function shuffled(list) {
    var copy = list.slice();
    for (var i = copy.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1)), keep = copy[i];
      copy[i] = copy[j];
      copy[j] = keep;
    }
    return copy;
  }

  function examItems(n) {
    var byLo = OUTCOMES.map(function (pair) {
      return shuffled(ITEMS.filter(function (item) { return item.lo === pair[0]; }));
    });
    var chosen = [];
    for (var turn = 0; chosen.length < n && turn < ITEMS.length; turn++) {
      var list = byLo[turn % byLo.length];
      if (list.length) chosen.push(list.pop());
    }
    return chosen;
  }

  function startExam(event) {
    event.preventDefault();
    var n = Math.max(1, Math.min(40, Number($("exam-n").value) || 10));
    var minutes = Math.max(1, Math.min(180, Number($("exam-minutes").value) || 15));
    var area = $("exam-paper");
    area.textContent = "";
    $("exam-result").textContent = "";
    var items = examItems(n);
    var boxes = items.map(function (item, index) {
      var box = questionBody(item, "Question " + (index + 1) + " of " + items.length);
      area.appendChild(box);
      return box;
    });
    var hand = el("button", { type: "button", "class": "primary", text: "Hand in" });
    hand.addEventListener("click", function () { finishExam(false); });
    area.appendChild(hand);
    exam = { items: items, boxes: boxes, ends: Date.now() + minutes * 60000, timer: null };
    $("exam-setup").hidden = true;
    $("exam-clock").hidden = false;
    tick();
    exam.timer = window.setInterval(tick, 1000);
    boxes[0].querySelector("h3").setAttribute("tabindex", "-1");
    boxes[0].querySelector("h3").focus();
  }

  function tick() {
    var left = Math.max(0, Math.round((exam.ends - Date.now()) / 1000));
    var text = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0") + " left";
    $("exam-clock-text").textContent = text;
    if (left % 60 === 0 || left <= 10) $("exam-clock-spoken").textContent = text;
    if (left === 0) finishExam(true);
  }

  function finishExam(timeUp) {
    if (!exam) return;
    window.clearInterval(exam.timer);
    var when = new Date(), right = 0;
    var results = exam.items.map(function (item, index) {
      var box = exam.boxes[index], reply = replyOf(item, box);
      var verdict = judge(item, reply);
      if (verdict.unread) verdict = { correct: false, note: " (no readable answer)" };
      right += verdict.correct ? 1 : 0;
      record(item, verdict.correct, when);
      box.querySelectorAll("input").forEach(function (node) { node.disabled = true; });
      box.appendChild(solutionBlock(item, verdict));
      return verdict;
    });
    var paper = $("exam-paper");
    paper.querySelector("button").remove();
    var summary = el("p", { "class": "score", tabindex: "-1",
                            text: (timeUp ? "Time is up. " : "") + "Score: " + right + " of " +
                                  results.length + ". The solutions are below each question." });
    var again = el("button", { type: "button", "class": "primary", text: "New exam" });
    again.addEventListener("click", function () {
      $("exam-setup").hidden = false;
      $("exam-paper").textContent = "";
      $("exam-result").textContent = "";
      $("exam-n").focus();
    });
    $("exam-result").appendChild(summary);
    $("exam-result").appendChild(again);
    $("exam-clock").hidden = true;
    exam = null;
    drawProgress();
    summary.focus();
  }

  // ---- views ----------------------------------------------------------------------------------
  function show(view) {
    ["practice", "exam", "progress"].forEach(function (name) {
      $(name).hidden = name !== view;
      $("tab-" + name).setAttribute("aria-current", name === view ? "page" : "false");
    });
    if (view === "progress") drawProgress();
  }

  function storageNote() {
    if (memoryOnly) $("storage-note").textContent =
      "This browser does not let the page keep your progress: it lasts until you close it.";
  }

  function setUp() {
    var select = $("outcome");
    OUTCOMES.forEach(function (pair) {
      var count = ITEMS.filter(function (item) { return item.lo === pair[0]; }).length;
      if (count) select.appendChild(el("option", { value: pair[0],
        text: pair[0] + ": " + pair[1] + " (" + count + ")" }));
    });
    select.addEventListener("change", function () {
      current = null;
      $("practice-result").textContent = "";
      showNext();
    });
    ["practice", "exam", "progress"].forEach(function (name) {
      $("tab-" + name).addEventListener("click", function () { show(name); });
    });
    $("exam-setup").addEventListener("submit", startExam);
    $("reset").addEventListener("click", function () {
      if (window.confirm("Forget all progress on this page?")) {
        state = emptyState();
        saveState();
        drawProgress();
      }
    });
    storageNote();
    drawProgress();
    show("practice");
    showNext();
  }

  window.cnnlabPractice = { readNumber: readNumber, matches: matches, state: function () {
    return state;
  }, storeKey: STORE_KEY };
  setUp();
})();

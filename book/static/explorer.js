// Parameter explorers (collapse.explorer): redraw a figure's key panel from numbers the
// package computed at build time over a grid. No library and no request: the data sit in the
// page, in the data-explorer attribute of each div.collapse-explorer.
(() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 640, H = 330, M = { left: 64, right: 16, top: 14, bottom: 46 };

  function el(tag, attrs, parent) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  function niceTicks(lo, hi, count) {
    const span = hi - lo || Math.abs(hi) || 1;
    const step0 = span / count, mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 2.5, 5, 10].map(f => f * mag).find(s => span / s <= count) || 10 * mag;
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
      ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return ticks;
  }

  function logTicks(lo, hi) {
    const ticks = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      const span = Math.log10(hi) - Math.log10(lo);
      for (const m of span < 1.5 ? [1, 2, 5] : [1]) {
        const t = m * Math.pow(10, e);
        if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
      }
    }
    return ticks;
  }

  function fmt(t) {
    const a = Math.abs(t);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return t.toExponential(0).replace("e+", "e");
    return String(+t.toPrecision(4));
  }

  function scale(lo, hi, a, b, log) {
    if (log) {
      const l0 = Math.log10(lo), l1 = Math.log10(hi);
      return v => a + (Math.log10(v) - l0) / (l1 - l0 || 1) * (b - a);
    }
    return v => a + (v - lo) / (hi - lo || 1) * (b - a);
  }

  function extent(panel, axis, log) {
    let lo = Infinity, hi = -Infinity;
    for (const s of panel.series) {
      s[axis].forEach((v, i) => {
        if (v === null) return;
        const se = axis === "y" && s.se && s.se[i] !== null ? 2 * s.se[i] : 0;
        for (const w of [v - se, v + se]) {
          if (log && w <= 0) continue;
          lo = Math.min(lo, w); hi = Math.max(hi, w);
        }
      });
    }
    if (!isFinite(lo)) { lo = log ? 1 : 0; hi = log ? 10 : 1; }
    if (!log && lo === hi) { lo -= 1; hi += 1; }
    if (!log) { const pad = (hi - lo) * 0.04; lo -= pad; hi += pad; }
    return [lo, hi];
  }

  function draw(box, spec, key) {
    const panel = spec.panels[key];
    const svg = box.querySelector("svg.explorer-plot");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute("data-point", key);
    const [x0, x1] = extent(panel, "x", spec.x.log), [y0, y1] = extent(panel, "y", spec.y.log);
    const X = scale(x0, x1, M.left, W - M.right, spec.x.log);
    const Y = scale(y0, y1, H - M.bottom, M.top, spec.y.log);
    const axes = el("g", { class: "axes" }, svg);
    for (const t of spec.x.log ? logTicks(x0, x1) : niceTicks(x0, x1, 6)) {
      el("line", { x1: X(t), x2: X(t), y1: M.top, y2: H - M.bottom, class: "grid" }, axes);
      el("text", { x: X(t), y: H - M.bottom + 16, "text-anchor": "middle" }, axes).textContent = fmt(t);
    }
    for (const t of spec.y.log ? logTicks(y0, y1) : niceTicks(y0, y1, 5)) {
      el("line", { x1: M.left, x2: W - M.right, y1: Y(t), y2: Y(t), class: "grid" }, axes);
      el("text", { x: M.left - 6, y: Y(t) + 4, "text-anchor": "end" }, axes).textContent = fmt(t);
    }
    el("rect", { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom,
                 class: "frame" }, axes);
    el("text", { x: (M.left + W - M.right) / 2, y: H - 8, "text-anchor": "middle",
                 class: "label" }, axes).textContent = spec.x.label;
    el("text", { x: 14, y: (M.top + H - M.bottom) / 2, "text-anchor": "middle", class: "label",
                 transform: `rotate(-90 14 ${(M.top + H - M.bottom) / 2})` }, axes)
      .textContent = spec.y.label;
    const ok = (s, i) => s.x[i] !== null && s.y[i] !== null && !(spec.y.log && s.y[i] <= 0)
      && !(spec.x.log && s.x[i] <= 0);
    const clip = v => Math.max(M.top, Math.min(H - M.bottom, v));
    panel.series.forEach(s => {
      const g = el("g", { class: `series ${s.style}`, "data-label": s.label }, svg);
      if (s.se && s.style !== "points") {  // a ±2 SE band under the line
        const idx = s.x.map((_, i) => i).filter(i => ok(s, i) && s.se[i] !== null);
        const up = idx.map(i => `${X(s.x[i])},${clip(Y(s.y[i] + 2 * s.se[i]))}`);
        const down = idx.reverse().map(i => {
          const v = s.y[i] - 2 * s.se[i];
          return `${X(s.x[i])},${clip(spec.y.log && v <= 0 ? H - M.bottom : Y(v))}`;
        });
        el("polygon", { points: up.concat(down).join(" "), fill: s.color, opacity: 0.22 }, g);
      }
      if (s.style === "points") {
        s.x.forEach((_, i) => {
          if (!ok(s, i)) return;
          if (s.se && s.se[i] !== null) {
            el("line", { x1: X(s.x[i]), x2: X(s.x[i]), y1: clip(Y(s.y[i] + 2 * s.se[i])),
                         y2: clip(Y(Math.max(s.y[i] - 2 * s.se[i], spec.y.log ? y0 : -Infinity))),
                         stroke: s.color }, g);
          }
          el("circle", { cx: X(s.x[i]), cy: Y(s.y[i]), r: 3.2, fill: s.color }, g);
        });
      } else {
        let d = "", pen = false;
        s.x.forEach((_, i) => {
          if (!ok(s, i)) { pen = false; return; }
          d += `${pen ? "L" : "M"}${X(s.x[i]).toFixed(1)},${Y(s.y[i]).toFixed(1)}`;
          pen = true;
        });
        el("path", { d, fill: "none", stroke: s.color, "stroke-width": 1.8,
                     "stroke-dasharray": s.style === "dashed" ? "6 4" : "none" }, g);
      }
    });
    const legend = box.querySelector(".explorer-legend");
    legend.innerHTML = "";
    panel.series.forEach(s => {
      const item = document.createElement("span");
      item.className = `explorer-key ${s.style}`;
      item.innerHTML = `<i style="border-color:${s.color};background:${s.style === "points"
        ? s.color : "transparent"}"></i>`;
      item.appendChild(document.createTextNode(s.label));
      legend.appendChild(item);
    });
    const numbers = box.querySelector(".explorer-numbers");
    numbers.innerHTML = "";
    panel.numbers.forEach(([label, value]) => {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = label; dd.textContent = value; dd.setAttribute("data-number", label);
      numbers.append(dt, dd);
    });
  }

  function build(box) {
    const spec = JSON.parse(box.getAttribute("data-explorer"));
    box.innerHTML = "";
    const head = document.createElement("p");
    head.className = "explorer-title";
    head.textContent = spec.title;
    const form = document.createElement("form");
    form.className = "explorer-controls";
    form.addEventListener("submit", e => e.preventDefault());
    const inputs = spec.controls.map(c => {
      const label = document.createElement("label");
      label.textContent = `${c.label}: `;
      let input;
      const shown = document.createElement("output");
      if (c.kind === "select") {
        input = document.createElement("select");
        c.labels.forEach((l, i) => input.add(new Option(l, String(i))));
      } else {
        input = document.createElement("input");
        Object.assign(input, { type: "range", min: 0, max: c.labels.length - 1, step: 1 });
      }
      input.name = c.name;
      input.value = String(c.initial);
      const show = () => { shown.textContent = c.kind === "select" ? "" : c.labels[+input.value]; };
      show();
      input.addEventListener("input", () => { show(); redraw(); });
      label.append(input, shown);
      form.appendChild(label);
      return input;
    });
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "explorer-plot",
                            role: "img", "aria-label": spec.title });
    const legend = document.createElement("div");
    legend.className = "explorer-legend";
    const numbers = document.createElement("dl");
    numbers.className = "explorer-numbers";
    const note = document.createElement("p");
    note.className = "explorer-note";
    note.textContent = spec.note;
    box.append(head, form, svg, legend, numbers, note);
    function redraw() { draw(box, spec, inputs.map(i => i.value).join(",")); }
    redraw();
  }

  document.addEventListener("DOMContentLoaded", () =>
    document.querySelectorAll("div.collapse-explorer").forEach(build));
})();

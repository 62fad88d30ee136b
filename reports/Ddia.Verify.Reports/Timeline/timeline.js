// The timeline of one run: one column per process (or per worker), time running down, one box per op.
// Only what is in the window is drawn: ops are grouped by duration into tiers (durations within a
// power of two), each sorted by start, so the ops that meet a time range are found by binary search
// without scanning the whole history, even when an op spans it to the end.
'use strict';
(function () {
  const parseStart = performance.now();
  const data = JSON.parse(document.getElementById('timeline-data').textContent);
  const client = data.client;
  const clientCount = client.start.length;
  const nem = data.nemesis;
  const total = clientCount + nem.length;

  const OK = 0, FAIL = 1, INFO = 2, OPEN = 3, NOTE = 4;
  const OUTCOME_NAMES = ['ok', 'fail', 'info', 'never completed', 'note'];
  const COLORS = ['#2ca02c', '#d62728', '#ff7f0e'];
  const RANK = [1, 4, 3, 2];   // which outcome a pixel row shows when several ops share it: by OK, FAIL, INFO, OPEN

  // One set of arrays for client and nemesis ops alike: op i < clientCount is client op i,
  // others are nemesis op i - clientCount. Column 0 is the nemesis; setColumns places the rest.
  const start = new Float64Array(total);
  const dur = new Float64Array(total);
  const column = new Int32Array(total);
  const outcome = new Uint8Array(total);
  const index = new Float64Array(total);
  const cindex = new Float64Array(total);
  const fill = new Uint16Array(total);        // index into fills
  const fills = COLORS.slice();
  fills.push('open');                          // replaced by the hatch pattern below
  for (let i = 0; i < clientCount; i++) {
    start[i] = client.start[i];
    dur[i] = client.dur[i];
    outcome[i] = client.outcome[i];
    index[i] = client.index[i];
    cindex[i] = client.cindex[i];
    fill[i] = outcome[i];
  }
  const fillOf = new Map();
  for (let j = 0; j < nem.length; j++) {
    const [idx, cidx, , s, d, o, , , color] = nem[j];
    const i = clientCount + j;
    start[i] = s; dur[i] = d; column[i] = 0; outcome[i] = o; index[i] = idx; cindex[i] = cidx;
    if (!fillOf.has(color)) { fillOf.set(color, fills.length); fills.push(color); }
    fill[i] = fillOf.get(color);
  }
  const errors = new Map(client.errors);

  // Columns: the nemesis, then one per process, or (folded) one per worker lane. A worker that saw
  // an info continues under a new process id, so a long run has many short-lived processes; processes
  // whose lifetimes do not overlap can share a lane.
  const procs = data.procs;
  const lanes = new Int32Array(procs.length);
  let laneCount = 0;
  {
    const first = new Float64Array(procs.length).fill(Infinity), last = new Float64Array(procs.length).fill(-Infinity);
    for (let i = 0; i < clientCount; i++) {
      const p = client.col[i];
      if (start[i] < first[p]) first[p] = start[i];
      if (start[i] + dur[i] > last[p]) last[p] = start[i] + dur[i];
    }
    // In order of first invocation, each process takes the lowest lane free by then: as few lanes as
    // there were processes live at once, which is the concurrency when workers follow DESIGN §2.
    const order = Array.from(procs.keys()).sort((a, b) => first[a] - first[b] || a - b);
    const laneEnds = [];
    for (const p of order) {
      let l = 0;
      while (l < laneEnds.length && laneEnds[l] >= first[p]) l++;
      laneEnds[l] = last[p];
      lanes[p] = l;
    }
    laneCount = laneEnds.length;
  }
  let folded = false;
  let columns = [];
  function setColumns(fold) {
    folded = fold;
    columns = ['nemesis'];
    if (fold) for (let l = 0; l < laneCount; l++) columns.push('w' + l);
    else for (const p of procs) columns.push('p' + p);
    for (let i = 0; i < clientCount; i++) column[i] = 1 + (fold ? lanes[client.col[i]] : client.col[i]);
  }
  setColumns(false);
  const end = Math.max(data.end, 1);

  // Tier k holds the ops with duration in [2^(k-1), 2^k) units (tier 0: under 1 unit).
  const tiers = [];
  {
    const members = [];
    for (let i = 0; i < total; i++) {
      const k = dur[i] < 1 ? 0 : Math.floor(Math.log2(dur[i])) + 1;
      while (members.length <= k) members.push([]);
      members[k].push(i);
    }
    for (let k = 0; k < members.length; k++) {
      if (members[k].length === 0) continue;
      const ids = Int32Array.from(members[k]);
      let sorted = true;
      for (let j = 1; j < ids.length && sorted; j++) sorted = start[ids[j - 1]] <= start[ids[j]];
      if (!sorted) ids.sort((a, b) => start[a] - start[b] || a - b);
      const starts = new Float64Array(ids.length);
      for (let j = 0; j < ids.length; j++) starts[j] = start[ids[j]];
      tiers.push({ maxDur: Math.pow(2, k), ids, starts });
    }
  }
  const parseMs = performance.now() - parseStart;

  function lowerBound(a, x) {
    let lo = 0, hi = a.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (a[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  }

  /** Calls visit(i) for every op that meets [from, to] (units). */
  function forEachIn(from, to, minDur, visit) {
    for (const t of tiers) {
      const { ids, starts } = t;
      for (let j = lowerBound(starts, from - t.maxDur); j < ids.length && starts[j] <= to; j++) {
        const i = ids[j];
        if (starts[j] + Math.max(dur[i], minDur) >= from) visit(i);
      }
    }
  }

  // Times are in units of data.unit ns (µs for real runs; 1 ms per position when no op had a time).
  // Geometry: HEAD px of column headers, GUTTER px of time ruler; px = pixels per unit.
  const UNIT = data.unit, PER_MS = 1e6 / UNIT;
  const HEAD = 24, PAD = 10, GUTTER = 76, MIN_BOX = 2, MAX_SCROLL_PX = 8e6;
  const header = document.getElementById('timeline-header');
  const scroller = document.getElementById('timeline-scroll');
  const spacer = document.getElementById('timeline-spacer');
  const canvas = document.getElementById('timeline-canvas');
  const tooltip = document.getElementById('timeline-tooltip');
  const selectedLabel = document.getElementById('timeline-selected');
  const zoomLabel = document.getElementById('zoom-level');
  const ctx = canvas.getContext('2d');

  let px = 0, colW = 120, dpr = 1, selected = -1, pending = false;

  function hatch() {
    const tile = document.createElement('canvas');
    tile.width = tile.height = 8;
    const t = tile.getContext('2d');
    t.fillStyle = '#ffe3cc'; t.fillRect(0, 0, 8, 8);
    t.strokeStyle = '#ff7f0e'; t.lineWidth = 2;
    t.beginPath(); t.moveTo(-2, 10); t.lineTo(10, -2); t.moveTo(6, 10); t.lineTo(10, 6); t.moveTo(-2, 2); t.lineTo(2, -2); t.stroke();
    return ctx.createPattern(tile, 'repeat');
  }
  fills[OPEN] = hatch();

  function contentHeight() { return Math.max(1, scroller.clientHeight - HEAD - PAD); }
  function span() { return end * 1.02 + 1; }   // a little room below the last op
  function fitPx() { return contentHeight() / span(); }
  function defaultPx() {
    // Typical (median) ops about 28 px tall, sampled so that a million ops cost nothing.
    const sample = [];
    const step = Math.max(1, Math.floor(clientCount / 5000));
    for (let i = 0; i < clientCount; i += step) if (outcome[i] !== OPEN) sample.push(dur[i]);
    sample.sort((a, b) => a - b);
    const median = sample.length ? Math.max(sample[sample.length >> 1], 0.05 * PER_MS) : end / 50;
    return Math.max(28 / median, fitPx());
  }
  // From half the whole history in the window to 2 px per µs (or the whole history, if it is shorter).
  function clampPx(p) { return Math.min(Math.max(p, fitPx() / 2), Math.max(2000 / PER_MS, fitPx())); }

  function maxTop() { return Math.max(0, span() - contentHeight() / px); }
  function maxScroll() { return Math.max(0, scroller.scrollHeight - scroller.clientHeight); }

  // The time at the top of the ops area is the state; the scrollbar follows it. Past MAX_SCROLL_PX one
  // scrollbar pixel is several pixels of timeline, so the wheel moves the time itself (see below), and
  // only a scroll we did not cause (the scrollbar dragged, keys) sets the time from the scrollbar.
  // It starts a few pixels before 0 so that the first ops and tick show whole.
  let viewTop = 0, expectedScroll = 0;
  function topTime() { return viewTop; }
  function scrollToTime(t) {
    const m = maxTop();
    viewTop = Math.min(Math.max(t, -PAD / px), m - PAD / px);
    expectedScroll = m > 0 ? Math.round((viewTop + PAD / px) / m * maxScroll()) : 0;
    scroller.scrollTop = expectedScroll;
    expectedScroll = scroller.scrollTop;
    schedule();
  }
  function onScroll() {
    tooltip.hidden = true;   // the op under the mouse has moved away
    if (Math.abs(scroller.scrollTop - expectedScroll) > 1) {
      const m = maxScroll();
      viewTop = (m > 0 ? scroller.scrollTop / m * maxTop() : 0) - PAD / px;
      expectedScroll = scroller.scrollTop;
    }
    schedule();
  }
  function scaled() { return span() * px + HEAD + PAD > MAX_SCROLL_PX; }

  function layout() {
    const h = header.offsetHeight;
    scroller.style.top = h + 'px';
    canvas.style.top = h + 'px';
    colW = Math.min(220, Math.max(72, Math.floor((scroller.clientWidth - GUTTER) / columns.length)));
    spacer.style.width = (GUTTER + columns.length * colW) + 'px';
    // Browsers cap element heights (Firefox near 17.9M px): past MAX_SCROLL_PX, scrolling is scaled.
    spacer.style.height = Math.ceil(Math.min(MAX_SCROLL_PX, span() * px + HEAD + PAD)) + 'px';
    zoomLabel.textContent = formatZoom(px * PER_MS) + ' px/ms';
  }

  function formatZoom(p) { return p >= 10 ? p.toFixed(0) : p >= 0.1 ? p.toFixed(2) : p.toPrecision(2); }

  function setZoom(p, anchorY) {
    const y = anchorY === undefined ? HEAD + contentHeight() / 2 : anchorY;
    const at = topTime() + (y - HEAD) / px;
    px = clampPx(p);
    layout();
    scrollToTime(at - (y - HEAD) / px);
  }

  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  }

  // Boxes drawn in the last frame, for hit-testing.
  let hitCount = 0;
  let hitX = new Float32Array(4096), hitY = new Float32Array(4096), hitW = new Float32Array(4096), hitH = new Float32Array(4096);
  let hitId = new Int32Array(4096);
  function remember(i, x, y, w, h) {
    if (hitCount === hitId.length) {
      const grow = (a, T) => { const b = new T(a.length * 2); b.set(a); return b; };
      hitX = grow(hitX, Float32Array); hitY = grow(hitY, Float32Array); hitW = grow(hitW, Float32Array);
      hitH = grow(hitH, Float32Array); hitId = grow(hitId, Int32Array);
    }
    hitX[hitCount] = x; hitY[hitCount] = y; hitW[hitCount] = w; hitH[hitCount] = h; hitId[hitCount] = i; hitCount++;
  }

  function label(i) {
    if (i >= clientCount) {
      const n = nem[i - clientCount], v = n[7] !== null ? n[7] : n[6];
      return data.fs[n[2]] + (v === 'nil' ? '' : ' ' + v);
    }
    const c = client.cvalue[i];
    return data.fs[client.f[i]] + ' ' + (c !== null ? c : client.value[i]);
  }

  function draw() {
    const w = scroller.clientWidth, h = scroller.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio) || dpr !== ratio) {
      dpr = ratio;
      canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio);
      canvas.style.width = w + 'px'; canvas.style.height = h + 'px';
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);

    const top = topTime();
    const bottom = top + (h - HEAD) / px;
    const left = scroller.scrollLeft;
    const yOf = t => HEAD + (t - top) * px;
    const xOf = c => GUTTER + c * colW - left;
    const firstCol = Math.max(0, Math.floor(left / colW)), lastCol = Math.min(columns.length - 1, Math.floor((left + w - GUTTER) / colW));

    ctx.save();
    ctx.beginPath(); ctx.rect(GUTTER, HEAD, w - GUTTER, h - HEAD); ctx.clip();

    // Column separators.
    ctx.fillStyle = '#eee';
    for (let c = firstCol; c <= lastCol + 1; c++) ctx.fillRect(xOf(c) - 0.5, HEAD, 1, h - HEAD);

    // Fault windows, under the ops.
    const bands = [];
    for (const f of data.faults) {
      if (f.end < top || f.start > bottom) continue;
      const y0 = yOf(f.start), y1 = Math.max(yOf(f.end), y0 + 1);
      ctx.fillStyle = f.color + '33';
      ctx.fillRect(GUTTER, y0, w - GUTTER, y1 - y0);
      ctx.fillStyle = f.color;
      ctx.fillRect(GUTTER, y0, w - GUTTER, 1);
      if (!f.open) ctx.fillRect(GUTTER, y1 - 1, w - GUTTER, 1);
      bands.push([f, y0, y1]);
    }

    // Ops. Client ops shorter than a pixel or two (zoomed out, most of them) are not drawn one by one:
    // each pixel row of a column shows the outcome most of its ops had, with a strip at the right for
    // each rarer outcome among them (fail, info, never completed), so one failure among a thousand oks
    // stays visible without making the row look failed.
    hitCount = 0;
    const rows = Math.ceil(h), visibleCols = lastCol - firstCol + 1;
    const cells = Math.max(0, visibleCols * rows);
    const cellCount = new Uint32Array(cells * 4);   // ops per outcome (OK, FAIL, INFO, OPEN) per cell
    const cellRank = new Uint8Array(cells);
    const cellOp = new Int32Array(cells);           // the op hovering the row shows: its most telling one
    const labelled = [];
    let current = -1;
    forEachIn(top, bottom, MIN_BOX / px, i => {
      const c = column[i];
      if (c < firstCol || c > lastCol) return;
      const y = yOf(start[i]);
      const bh = Math.max(dur[i] * px, MIN_BOX);
      const k = fill[i];
      if (bh <= MIN_BOX && i < clientCount) {
        const row = Math.floor(y);
        if (row < 0 || row >= rows) return;
        const cell = (c - firstCol) * rows + row;
        cellCount[cell * 4 + k]++;
        if (RANK[k] > cellRank[cell]) { cellRank[cell] = RANK[k]; cellOp[cell] = i; }
        return;
      }
      const x = xOf(c) + 3, bw = colW - 6;
      if (k !== current) { ctx.fillStyle = fills[k]; current = k; }
      const faded = i >= clientCount && outcome[i] === OPEN;
      if (faded) ctx.globalAlpha = 0.45;
      ctx.fillRect(x, y, bw, bh);
      if (faded) ctx.globalAlpha = 1;
      remember(i, x, y, bw, bh);
      if (bh >= 6) labelled.push(i, x, y, bw, bh);
    });
    const cellKind = new Int8Array(cells).fill(-1);
    for (let cell = 0; cell < cells; cell++) {
      if (cellRank[cell] === 0) continue;
      let most = 0;
      for (let k = 1; k <= OPEN; k++) if (cellCount[cell * 4 + k] > cellCount[cell * 4 + most]) most = k;
      cellKind[cell] = most;
    }
    const bw = colW - 6, strip = Math.max(3, Math.floor(bw / 6));
    for (let pass = 0; pass < 2; pass++) {   // the majorities, then the strips over them
      for (let k = pass; k <= OPEN; k++) {
        ctx.fillStyle = fills[k];
        for (let cell = 0; cell < cells; cell++) {
          if (cellRank[cell] === 0) continue;
          const x = xOf(firstCol + Math.floor(cell / rows)) + 3, y = cell % rows;
          if (pass === 0 && cellKind[cell] === k) ctx.fillRect(x, y, bw, MIN_BOX);
          else if (pass === 1 && cellKind[cell] !== k && cellCount[cell * 4 + k] > 0) ctx.fillRect(x + bw - strip * k, y, strip, MIN_BOX);
        }
      }
    }
    for (let cell = 0; cell < cells; cell++) {
      if (cellRank[cell] > 0) remember(cellOp[cell], xOf(firstCol + Math.floor(cell / rows)) + 3, cell % rows, bw, MIN_BOX);
    }
    ctx.font = '10px ui-monospace, monospace';
    ctx.textBaseline = 'top';
    const charW = ctx.measureText('0123456789').width / 10;
    // Outlines and labels where there is room for them.
    ctx.strokeStyle = 'rgba(0,0,0,0.35)';
    ctx.lineWidth = 1;
    for (let j = 0; j < labelled.length; j += 5) {
      const i = labelled[j], x = labelled[j + 1], y = labelled[j + 2], bw = labelled[j + 3], bh = labelled[j + 4];
      ctx.strokeRect(x + 0.5, y + 0.5, bw - 1, bh - 1);
      if (bh < 14 || bw < 24) continue;
      const o = outcome[i];
      ctx.fillStyle = i < clientCount && (o === OK || o === FAIL) ? '#fff' : '#111';
      const text = label(i);
      const room = Math.floor((bw - 6) / charW);
      ctx.fillText(text.length > room ? text.slice(0, Math.max(0, room - 1)) + '…' : text, x + 3, Math.max(y, HEAD) + 2);
    }
    if (selected >= 0) {
      const y = yOf(start[selected]), bh = Math.max(dur[selected] * px, MIN_BOX);
      ctx.strokeStyle = '#000'; ctx.lineWidth = 3;
      ctx.strokeRect(xOf(column[selected]) + 1.5, y - 1.5, colW - 3, bh + 3);
    }

    // Fault labels, at the top of the visible part of each band.
    ctx.font = 'bold 11px system-ui, sans-serif';
    let slot = 0;
    for (const [f, y0, y1] of bands) {
      const y = Math.max(y0, HEAD) + 2;
      if (y + 12 > y1) continue;
      const text = f.kind + (f.open ? ' (never stopped)' : '');
      const tw = ctx.measureText(text).width;
      const x = w - tw - 12 - (slot++ % 4) * 8;
      ctx.fillStyle = 'rgba(255,255,255,0.85)';
      ctx.fillRect(x - 3, y - 1, tw + 6, 14);
      ctx.fillStyle = f.color;
      ctx.fillText(text, x, y);
    }
    ctx.restore();

    // Time ruler, with the fault windows as strips at its edge (visible even under dense ops).
    ctx.fillStyle = '#f6f6f6';
    ctx.fillRect(0, HEAD, GUTTER, h - HEAD);
    for (const [f, y0, y1] of bands) {
      ctx.fillStyle = f.color;
      ctx.fillRect(GUTTER - 5, Math.max(y0, HEAD), 4, Math.max(1, y1 - Math.max(y0, HEAD)));
    }
    ctx.fillStyle = '#ccc';
    ctx.fillRect(GUTTER - 1, 0, 1, h);
    const step = niceStep(Math.max(60 / px, data.byPosition ? 1 : 0));
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (let t = Math.ceil(top / step) * step; t <= bottom; t += step) {
      const y = yOf(t);
      ctx.fillStyle = '#999';
      ctx.fillRect(GUTTER - 6, y, 5, 1);
      ctx.fillStyle = '#333';
      ctx.fillText(formatTick(t, step), GUTTER - 8, y);
    }

    // Column headers, always visible.
    ctx.fillStyle = '#f0f0f0';
    ctx.fillRect(0, 0, w, HEAD);
    ctx.fillStyle = '#ccc';
    ctx.fillRect(0, HEAD - 1, w, 1);
    ctx.textAlign = 'center';
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.save();
    ctx.beginPath(); ctx.rect(GUTTER, 0, w - GUTTER, HEAD); ctx.clip();
    for (let c = firstCol; c <= lastCol; c++) {
      ctx.fillStyle = c === 0 ? '#555' : '#222';
      ctx.fillText(columns[c], xOf(c) + colW / 2, HEAD / 2);
    }
    ctx.restore();
    ctx.textAlign = 'left';
    ctx.fillStyle = '#555';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(data.byPosition ? 'position' : 'time', 6, HEAD / 2);
    if (total === 0) {
      ctx.fillStyle = '#777';
      ctx.fillText('This history has no ops to draw.', GUTTER + 12, HEAD + 24);
    }
  }

  function niceStep(raw) {
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  function formatTick(t, step) {
    if (data.byPosition) return Math.round(t).toString();
    const ns = t * UNIT, stepNs = step * UNIT;
    const [scale, name] = stepNs >= 1e9 ? [1e9, ' s'] : stepNs >= 1e6 ? [1e6, ' ms'] : stepNs >= 1e3 ? [1e3, ' µs'] : [1, ' ns'];
    return (ns / scale).toFixed(Math.max(0, -Math.floor(Math.log10(stepNs / scale)))) + name;
  }

  /** A time or duration for the tooltip: ms, to the unit the history was written in. */
  function ms(t) {
    if (data.byPosition) return 'position ' + Math.round(t);
    return (t / PER_MS).toFixed(UNIT === 1 ? 6 : 3) + ' ms';
  }

  /** The details of op i, one fact per line (shown as text: values are never parsed as HTML). */
  function describe(i) {
    const lines = [];
    const isClient = i < clientCount;
    const n = isClient ? null : nem[i - clientCount];
    const o = outcome[i];
    lines.push('op #' + index[i] + (cindex[i] >= 0 ? ' → #' + cindex[i] : ''));
    lines.push('process: ' + (isClient ? procs[client.col[i]] + (folded ? ' (worker lane ' + lanes[client.col[i]] + ')' : '') : 'nemesis'));
    lines.push('f: ' + data.fs[isClient ? client.f[i] : n[2]]);
    if (isClient && client.key[i] >= 0) lines.push('key: ' + data.keys[client.key[i]]);
    const invoked = isClient ? client.value[i] : n[6];
    const completed = isClient ? client.cvalue[i] : n[7];
    lines.push('value: ' + invoked + (completed !== null ? ' → ' + completed : ''));
    const why = o === OPEN ? ' (counts as info; drawn to the end of the history)'
      : o === INFO && isClient ? ' (unknown: it may take effect any time after its invoke)' : '';
    lines.push('outcome: ' + OUTCOME_NAMES[o] + why);
    if (o === NOTE) {
      lines.push('at: ' + ms(start[i]));
    } else {
      lines.push('invoked: ' + ms(start[i]));
      if (o !== OPEN) lines.push('completed: ' + ms(start[i] + dur[i]));
      if (o !== OPEN && !data.byPosition) lines.push('latency: ' + ms(dur[i]));
    }
    if (isClient && errors.has(i)) lines.push('error: ' + errors.get(i));
    return lines;
  }

  function hit(clientX, clientY) {
    const r = scroller.getBoundingClientRect();
    const x = clientX - r.left, y = clientY - r.top;
    if (x < GUTTER || y < HEAD) return -1;
    for (let j = hitCount - 1; j >= 0; j--) {
      const top = hitY[j] - 1, bh = Math.max(hitH[j], 3);
      if (x >= hitX[j] && x <= hitX[j] + hitW[j] && y >= top && y <= top + bh + 1) return hitId[j];
    }
    return -1;
  }

  scroller.addEventListener('mousemove', e => {
    const i = hit(e.clientX, e.clientY);
    if (i < 0) { tooltip.hidden = true; return; }
    tooltip.textContent = describe(i).join('\n');
    tooltip.hidden = false;
    const tw = tooltip.offsetWidth, th = tooltip.offsetHeight;
    tooltip.style.left = Math.max(0, e.clientX + 14 + tw > window.innerWidth ? e.clientX - tw - 14 : e.clientX + 14) + 'px';
    tooltip.style.top = Math.max(0, e.clientY + 14 + th > window.innerHeight ? e.clientY - th - 14 : e.clientY + 14) + 'px';
  });
  scroller.addEventListener('mouseleave', () => { tooltip.hidden = true; });
  scroller.addEventListener('click', e => {
    const i = hit(e.clientX, e.clientY);
    if (i < 0) return;
    select(i);
    try { history.replaceState(null, '', '#op=' + index[i]); } catch (err) { /* some file:// pages refuse; the highlight is enough */ }
  });
  scroller.addEventListener('scroll', onScroll, { passive: true });
  scroller.addEventListener('wheel', e => {
    if (!e.ctrlKey) {
      if (!scaled()) return;   // the browser scrolls pixel for pixel
      e.preventDefault();
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? contentHeight() : 1;
      scroller.scrollLeft += e.deltaX * unit;
      scrollToTime(viewTop + e.deltaY * unit / px);
      return;
    }
    e.preventDefault();
    const r = scroller.getBoundingClientRect();
    setZoom(px * Math.exp(-e.deltaY * 0.002), e.clientY - r.top);
  }, { passive: false });
  window.addEventListener('resize', () => { const t = topTime(); px = clampPx(px); layout(); scrollToTime(t); });
  window.addEventListener('keydown', e => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '+' || e.key === '=') setZoom(px * 1.5);
    else if (e.key === '-') setZoom(px / 1.5);
  });
  const fold = document.getElementById('fold-workers');
  fold.addEventListener('change', () => {
    const t = topTime();
    setColumns(fold.checked);
    layout();
    scroller.scrollLeft = 0;
    scrollToTime(t);
  });
  document.getElementById('zoom-in').addEventListener('click', () => setZoom(px * 1.5));
  document.getElementById('zoom-out').addEventListener('click', () => setZoom(px / 1.5));
  document.getElementById('zoom-fit').addEventListener('click', () => { px = fitPx(); layout(); scrollToTime(-PAD / px); });
  document.getElementById('zoom-reset').addEventListener('click', () => setZoom(defaultPx()));

  function select(i) {
    selected = i;
    selectedLabel.textContent = i < 0 ? '' : 'selected: ' + describe(i).slice(0, 3).join(', ') + ', ' + OUTCOME_NAMES[outcome[i]];
    schedule();
  }

  /** #op=N: scroll to the op whose invocation or completion has history index N, and highlight it. */
  function followHash() {
    const m = /op=(\d+)/.exec(location.hash);
    if (!m) return false;
    const wanted = Number(m[1]);
    let found = -1;
    for (let i = 0; i < total && found < 0; i++) if (index[i] === wanted || cindex[i] === wanted) found = i;
    if (found < 0) {
      selected = -1;
      selectedLabel.textContent = 'op #' + wanted + ' is not in the timeline';
      return false;
    }
    select(found);
    const ch = contentHeight();
    const room = dur[found] * px < ch * 0.6 ? ch / 3 : 20;
    scrollToTime(start[found] - room / px);
    const x = GUTTER + column[found] * colW;
    if (x < scroller.scrollLeft + GUTTER || x + colW > scroller.scrollLeft + scroller.clientWidth) {
      scroller.scrollLeft = Math.max(0, x - scroller.clientWidth / 2);
    }
    return true;
  }
  window.addEventListener('hashchange', followHash);

  // First paint: lay out, jump to a linked op, and draw right away (not on the next frame).
  if (fold.checked) setColumns(true);   // a reload may restore the box
  px = 1;
  layout();   // places the scroller under the header: its height is what the zoom fits to
  px = clampPx(defaultPx());
  layout();
  scrollToTime(-PAD / px);
  followHash();
  const drawStart = performance.now();
  draw();
  const drawMs = performance.now() - drawStart;
  performance.mark('timeline-first-draw');
  window.timelineReady = { ops: clientCount, parseMs: parseMs, drawMs: drawMs };
})();

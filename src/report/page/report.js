// The run report page (inlined by src/report/html.ts). Host text reaches the page only through
// textContent and canvas fillText, never as markup; the Gantt draws only the rows on screen.
(function () {
  'use strict';
  var STATUSES = ['ok', 'changed', 'skipped', 'failed', 'ignored', 'unreachable'];
  var COLOR = { ok: '#3a9d5d', changed: '#e0a526', skipped: '#9aa5b1', failed: '#d64545', ignored: '#e58fa6', unreachable: '#8e5bd0' };
  var ROW = 16, LABEL = 190, AXIS = 22, LIST_CAP = 300, NAMES_CAP = 40;

  /** An element with text children only: strings become text nodes, never markup. */
  function el(tag, cls, children) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
    return e;
  }
  function $(id) { return document.getElementById(id); }
  function fmtMs(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
    return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
  }
  function show(v) {
    if (v === undefined) return '';
    return typeof v === 'string' ? v : JSON.stringify(v, null, 1);
  }
  /** A loop item's result: which item of which loop (its step name alone may be cut off). */
  function itemText(r) { return r.item ? 'item ' + (r.item.index + 1) + ' of ' + r.item.loop + ': ' + r.item.label : ''; }
  function statusOf(r) { return r.status === 'failed' && r.ignored ? 'ignored' : r.status; }

  /** Times relative to the run's start, each host's results, the groups and steps to filter by. */
  function prepare(s) {
    var t0 = Date.parse(s.startedAt) || 0;
    var hosts = (s.hosts || []).slice(), known = new Set(hosts), byHost = new Map(), span = s.durationMs || 1;
    var results = (s.results || []).map(function (r, i) {
      var start = Math.max(0, (Date.parse(r.startedAt) || t0) - t0), dur = Math.max(0, r.durationMs || 0);
      span = Math.max(span, start + dur);
      if (!known.has(r.host)) { known.add(r.host); hosts.push(r.host); }
      var x = { i: i, r: r, host: r.host, status: statusOf(r), start: start, end: start + dur };
      if (!byHost.has(r.host)) byHost.set(r.host, []);
      byHost.get(r.host).push(x);
      return x;
    });
    var groups = s.groups || {}, all = new Set();
    hosts.forEach(function (h) { (groups[h] || []).forEach(function (g) { if (g !== 'all') all.add(g); }); });
    return { s: s, hosts: hosts, byHost: byHost, results: results, span: span, groups: groups, groupNames: Array.from(all).sort() };
  }

  var run, filt = { text: '', group: '', statuses: new Set(STATUSES) }, view = { hosts: [], rows: new Map(), results: [] };

  function hostMatches(h) {
    if (filt.text && h.toLowerCase().indexOf(filt.text) < 0) return false;
    return !filt.group || (run.groups[h] || []).indexOf(filt.group) >= 0;
  }

  /** The hosts and results the filters keep: a host stays when one of its results has a chosen status. */
  function computeView() {
    var rows = new Map(), hosts = [], results = [], allStatuses = filt.statuses.size === STATUSES.length;
    run.hosts.forEach(function (h) {
      if (!hostMatches(h)) return;
      var mine = (run.byHost.get(h) || []).filter(function (x) { return filt.statuses.has(x.status); });
      if (!mine.length && !allStatuses) return;
      rows.set(h, mine);
      hosts.push(h);
      for (var k = 0; k < mine.length; k++) results.push(mine[k]);
    });
    view = { hosts: hosts, rows: rows, results: results };
  }

  function header() {
    var s = run.s, tot = { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, ignored: 0 };
    Object.keys(s.stats || {}).forEach(function (h) { Object.keys(tot).forEach(function (k) { tot[k] += s.stats[h][k] || 0; }); });
    document.title = 'Marshal: ' + s.playbook;
    $('title').textContent = s.playbook + (s.checkMode ? ' (check mode)' : '');
    var meta = $('meta');
    [s.playbookFile || '', 'started ' + s.startedAt, 'took ' + fmtMs(s.durationMs || 0), run.hosts.length + ' hosts', run.results.length + ' results',
      'ok=' + tot.ok + ' changed=' + tot.changed + ' failed=' + tot.failed + ' unreachable=' + tot.unreachable + ' skipped=' + tot.skipped + ' ignored=' + tot.ignored,
    ].forEach(function (t) { if (t) meta.appendChild(el('span', '', [t])); });
    var exit = el('span', s.exitCode ? 'bad' : '', ['exit ' + s.exitCode]);
    meta.appendChild(exit);
    if (s.interrupted) meta.appendChild(el('span', 'bad', ['interrupted']));
    if (s.aborted) meta.appendChild(el('span', 'bad', ['stopped: ' + s.aborted]));
  }

  function filters() {
    var sel = $('f-group');
    run.groupNames.forEach(function (g) { var o = el('option', '', [g]); o.value = g; sel.appendChild(o); });
    var counts = {};
    run.results.forEach(function (x) { counts[x.status] = (counts[x.status] || 0) + 1; });
    var box = $('f-status');
    STATUSES.forEach(function (st) {
      var cb = el('input'); cb.type = 'checkbox'; cb.checked = true; cb.setAttribute('data-status', st);
      cb.addEventListener('change', function () { if (cb.checked) filt.statuses.add(st); else filt.statuses.delete(st); refresh(); });
      var sw = el('span', 'swatch'); sw.style.background = COLOR[st];
      box.appendChild(el('label', '', [cb, sw, st + ' (' + (counts[st] || 0) + ')']));
    });
    var timer = 0;
    $('f-host').addEventListener('input', function (e) {
      clearTimeout(timer);
      timer = setTimeout(function () { filt.text = e.target.value.trim().toLowerCase(); refresh(); }, 120);
    });
    sel.addEventListener('change', function () { filt.group = sel.value; refresh(); });
  }

  window.MarshalReportPage = { el: el, fmtMs: fmtMs, show: show, itemText: itemText, hostMatches: hostMatches, prepare: prepare, computeView: computeView, header: header, filters: filters,
    get run() { return run; }, set run(v) { run = v; }, get view() { return view; }, COLOR: COLOR, ROW: ROW, LABEL: LABEL, AXIS: AXIS,
    LIST_CAP: LIST_CAP, NAMES_CAP: NAMES_CAP, STATUSES: STATUSES };
  function refresh() { window.MarshalReportPage.refresh(); }
})();

// The timeline: a canvas the size of the visible box over a spacer as tall as every row.
(function (P) {
  'use strict';
  var box, canvas, spacer, tip, ctx, scale = 1;

  function niceStep(span, px) {
    var raw = span / Math.max(1, px / 90), pow = Math.pow(10, Math.floor(Math.log10(raw)));
    var m = [1, 2, 5, 10].find(function (k) { return k * pow >= raw; });
    return m * pow;
  }

  function drawAxis(w) {
    ctx.fillStyle = '#eef1f4'; ctx.fillRect(0, 0, w, P.AXIS);
    ctx.fillStyle = '#56606b'; ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
    ctx.fillText('host', 6, P.AXIS / 2);
    var step = niceStep(P.run.span, w - P.LABEL);
    for (var t = 0; t <= P.run.span; t += step) {
      var x = P.LABEL + t * scale;
      ctx.fillRect(x, P.AXIS - 5, 1, 5);
      ctx.fillText(P.fmtMs(t), x + 3, P.AXIS / 2);
    }
  }

  function drawRow(h, y, w, odd) {
    if (odd) { ctx.fillStyle = '#f4f6f8'; ctx.fillRect(0, y, w, P.ROW); }
    ctx.save(); ctx.beginPath(); ctx.rect(0, y, P.LABEL - 6, P.ROW); ctx.clip();
    ctx.fillStyle = '#1d2329'; ctx.fillText(h, 6, y + P.ROW / 2); ctx.restore();
    var bars = P.view.rows.get(h) || [];
    for (var k = 0; k < bars.length; k++) {
      var b = bars[k];
      ctx.fillStyle = P.COLOR[b.status] || '#000';
      ctx.fillRect(P.LABEL + b.start * scale, y + 3, Math.max(2, (b.end - b.start) * scale), P.ROW - 6);
    }
  }

  function draw() {
    var w = box.clientWidth, hgt = Math.min(box.clientHeight || 400, P.AXIS + P.view.hosts.length * P.ROW), dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(hgt * dpr);
      canvas.style.width = w + 'px'; canvas.style.height = hgt + 'px';
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    scale = (w - P.LABEL - 12) / P.run.span;
    ctx.font = '12px system-ui, sans-serif'; ctx.textBaseline = 'middle';
    var first = Math.floor(box.scrollTop / P.ROW), last = Math.min(P.view.hosts.length, first + Math.ceil(hgt / P.ROW) + 1);
    for (var i = first; i < last; i++) drawRow(P.view.hosts[i], P.AXIS + i * P.ROW - box.scrollTop, w, i % 2 === 1);
    drawAxis(w);
    if (!P.view.hosts.length) { ctx.fillStyle = '#56606b'; ctx.fillText('no host matches the filters', P.LABEL, P.AXIS + 10); }
  }

  /** The bar under the pointer: its row from y, its result from x (2 px of slack for thin bars). */
  function hit(ev) {
    var r = canvas.getBoundingClientRect(), y = ev.clientY - r.top - P.AXIS;
    if (y < 0) return undefined;
    var h = P.view.hosts[Math.floor((y + box.scrollTop) / P.ROW)];
    if (h === undefined) return undefined;
    var t = (ev.clientX - r.left - P.LABEL) / scale, slack = 2 / scale;
    return (P.view.rows.get(h) || []).find(function (b) { return t >= b.start - slack && t <= Math.max(b.end, b.start + 2 / scale) + slack; });
  }

  function onMove(ev) {
    var b = hit(ev);
    if (!b) { tip.style.display = 'none'; return; }
    var f = b.r.failure;
    tip.textContent = b.host + '\n' + b.r.step + (b.r.item ? '\n' + P.itemText(b.r) : '') + '\n' + b.status + ', ' + P.fmtMs(b.end - b.start) + (f ? '\n' + f.message : '');
    tip.style.display = 'block';
    tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - 300) + 'px';
    tip.style.top = ev.clientY + 12 + 'px';
  }

  function layout() {
    var total = P.AXIS + P.view.hosts.length * P.ROW;
    spacer.style.height = Math.max(0, total - Math.min(box.clientHeight || 400, total)) + 'px';
    box.style.height = Math.min(total + 2, Math.round(window.innerHeight * 0.7)) + 'px';
    draw();
  }

  P.gantt = {
    init: function () {
      box = document.getElementById('gantt'); canvas = document.getElementById('gantt-canvas'); spacer = document.getElementById('gantt-spacer'); tip = document.getElementById('tip');
      ctx = canvas.getContext('2d');
      var pending = false;
      box.addEventListener('scroll', function () { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; draw(); }); } });
      canvas.addEventListener('mousemove', onMove);
      canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
      canvas.addEventListener('click', function (ev) { var b = hit(ev); if (b) P.detail(b); });
      window.addEventListener('resize', layout);
    },
    layout: layout,
  };
})(window.MarshalReportPage);

// The lists: failures, changes (risky ones first), the slowest hosts and steps, one result's detail.
(function (P) {
  'use strict';
  var el = P.el;

  function hostButton(x) {
    var b = el('button', 'hostlink', [x.host]);
    b.addEventListener('click', function () { P.detail(x); });
    return b;
  }
  function capNote(shown, total) { return total > shown ? el('p', 'note', ['showing ' + shown + ' of ' + total + ': narrow the filters to see the rest']) : null; }
  function pre(t) { return t ? el('pre', '', [t]) : ''; }

  function failures() {
    var rows = P.view.results.filter(function (x) { return x.r.failure; }), body = el('tbody');
    rows.slice(0, P.LIST_CAP).forEach(function (x) {
      var f = x.r.failure;
      body.appendChild(el('tr', '', [el('td', '', [hostButton(x)]), el('td', '', [x.r.step, x.r.item ? el('div', 'item', [P.itemText(x.r)]) : '']), el('td', '', [x.status + (f.kind ? ' (' + f.kind + ')' : '')]),
        el('td', '', [f.command ? el('code', '', [f.command]) : '']), el('td', '', [f.exitCode === undefined || f.exitCode === null ? '' : String(f.exitCode)]),
        el('td', '', [pre(P.show(f.expected))]), el('td', '', [pre(P.show(f.seen))]), el('td', '', [f.message, pre(f.stderrTail)])]));
    });
    var head = el('tr', '', ['host', 'step', 'status', 'command', 'exit code', 'expected', 'seen', 'message / stderr'].map(function (t) { return el('th', '', [t]); }));
    var out = $('failures');
    out.replaceChildren(el('h2', '', ['Failures (' + rows.length + ')']), rows.length ? el('table', '', [el('thead', '', [head]), body]) : el('p', 'note', ['no failure among the hosts shown']), capNote(Math.min(rows.length, P.LIST_CAP), rows.length) || '');
  }

  /** Changed results grouped by step, in step order; steps marked with a risk go to the risky list too. */
  function changes() {
    var bySteps = new Map();
    P.view.results.forEach(function (x) {
      if (x.status !== 'changed') return;
      var k = x.r.stepIndex + '\u0000' + x.r.step;
      if (!bySteps.has(k)) bySteps.set(k, { step: x.r.step, index: x.r.stepIndex, risk: x.r.risk, list: [] });
      bySteps.get(k).list.push(x);
    });
    var steps = Array.from(bySteps.values()).sort(function (a, b) { return a.index - b.index; });
    var item = function (c) {
      var names = c.list.slice(0, P.NAMES_CAP).map(hostButton);
      var more = c.list.length > P.NAMES_CAP ? ' and ' + (c.list.length - P.NAMES_CAP) + ' more' : '';
      return el('li', '', [el('strong', '', [c.step]), c.risk ? el('span', 'risk', ['changes ' + c.risk]) : '', ' on ' + c.list.length + ' host' + (c.list.length === 1 ? '' : 's') + ': ', el('span', '', names), more]);
    };
    var risky = steps.filter(function (c) { return c.risk; });
    $('risky').replaceChildren(el('h2', '', ['Risky changes (' + risky.reduce(function (n, c) { return n + c.list.length; }, 0) + ')']),
      risky.length ? el('ul', '', risky.map(item)) : el('p', 'note', ['no risky change among the hosts shown']));
    $('changes').replaceChildren(el('h2', '', ['Changes (' + steps.reduce(function (n, c) { return n + c.list.length; }, 0) + ')']),
      steps.length ? el('ul', '', steps.map(item)) : el('p', 'note', ['no change among the hosts shown']));
  }

  function slowest() {
    var perHost = new Map();
    P.view.results.forEach(function (x) { perHost.set(x.host, (perHost.get(x.host) || 0) + (x.end - x.start)); });
    var hosts = Array.from(perHost.entries()).sort(function (a, b) { return b[1] - a[1]; }).slice(0, 10);
    var steps = P.view.results.slice().sort(function (a, b) { return (b.end - b.start) - (a.end - a.start); }).slice(0, 10);
    $('slow').replaceChildren(el('h2', '', ['Slowest']), el('div', 'cols', [
      el('div', '', [el('strong', '', ['hosts (time in steps)']), el('ol', '', hosts.map(function (e) { return el('li', '', [e[0] + ': ' + P.fmtMs(e[1])]); }))]),
      el('div', '', [el('strong', '', ['steps on one host']), el('ol', '', steps.map(function (x) { return el('li', '', [hostButton(x), x.r.step + ': ' + P.fmtMs(x.end - x.start)]); }))]),
    ]));
  }

  function $(id) { return document.getElementById(id); }

  // The playbook's summaryBy (groupSummary): one row per group, kept by its own status boxes and the host/group filters.
  var GROUP_STATUSES = ['ok', 'failed', 'unreachable', 'incomplete', 'not run'];
  var GROUP_COLOR = { ok: P.COLOR.ok, failed: P.COLOR.failed, unreachable: P.COLOR.unreachable, incomplete: P.COLOR.changed, 'not run': P.COLOR.skipped };
  var groupStatuses = new Set(GROUP_STATUSES), groupBoxes = null;

  function groupFilters() {
    var gs = P.run.s.groupSummary;
    if (!gs || !Array.isArray(gs.groups)) return;
    var counts = {};
    gs.groups.forEach(function (g) { counts[g.status] = (counts[g.status] || 0) + 1; });
    groupBoxes = el('div', 'filters-inline', GROUP_STATUSES.map(function (st) {
      var cb = el('input'); cb.type = 'checkbox'; cb.checked = true; cb.setAttribute('data-group-status', st);
      cb.addEventListener('change', function () { if (cb.checked) groupStatuses.add(st); else groupStatuses.delete(st); groupSummary(); });
      var sw = el('span', 'swatch'); sw.style.background = GROUP_COLOR[st];
      return el('label', '', [cb, sw, st + ' (' + (counts[st] || 0) + ')']);
    }));
  }

  function groupRow(g) {
    var f = g.failedAt;
    var at = f ? (f.number > 0 ? 'step ' + f.number : 'a handler') + ': ' + f.step : '';
    var st = el('td', 'gstatus', [el('span', 'swatch'), g.status]);
    st.firstChild.style.background = GROUP_COLOR[g.status] || '#000';
    return el('tr', '', [el('td', '', [g.key]), st, el('td', '', [(g.hosts || []).join(', ')]), el('td', '', [String(g.changed)]), el('td', '', [at]), el('td', '', [g.text])]);
  }

  function groupSummary() {
    var gs = P.run.s.groupSummary, box = $('groupsum');
    if (!gs || !Array.isArray(gs.groups)) return;
    var rows = gs.groups.filter(function (g) { return groupStatuses.has(g.status) && (g.hosts || []).some(P.hostMatches); });
    var head = el('tr', '', [gs.by, 'status', 'hosts', 'changed', 'failed at', 'outcome'].map(function (t) { return el('th', '', [t]); }));
    box.replaceChildren(el('h2', '', ['Summary by ' + gs.by + ' (' + rows.length + ' of ' + gs.groups.length + ')']), groupBoxes,
      rows.length ? el('table', '', [el('thead', '', [head]), el('tbody', '', rows.slice(0, P.LIST_CAP).map(groupRow))]) : el('p', 'note', ['no group matches the filters']),
      capNote(Math.min(rows.length, P.LIST_CAP), rows.length) || '');
    box.setAttribute('data-groups', String(rows.length));
    box.hidden = false;
  }

  P.detail = function (x) {
    var r = x.r, f = r.failure, dl = el('dl');
    var add = function (k, v) { if (v !== undefined && v !== '' && v !== null) { dl.appendChild(el('dt', '', [k])); dl.appendChild(el('dd', '', [v])); } };
    add('host', x.host); add('groups', (P.run.groups[x.host] || []).join(', ')); add('step', '#' + r.stepIndex + ' ' + r.step); add('loop item', P.itemText(r)); add('status', x.status);
    add('started', r.startedAt); add('duration', P.fmtMs(x.end - x.start)); add('risk', r.risk); add('skipped because', r.reason);
    if (f) { add('failure', f.kind + ': ' + f.message); add('command', f.command ? el('code', '', [f.command]) : ''); add('exit code', f.exitCode === undefined || f.exitCode === null ? '' : String(f.exitCode));
      add('expected', pre(P.show(f.expected))); add('seen', pre(P.show(f.seen))); add('stderr', pre(f.stderrTail)); add('defined at', f.definedAt); }
    (r.commands || []).forEach(function (c, i) { add('command ' + (i + 1) + ' (' + c.phase + ')', el('span', '', [el('code', '', [c.command]), ' → exit ' + c.exitCode + ', ' + P.fmtMs(c.durationMs)])); });
    (r.notes || []).forEach(function (n) { add('note', n); });
    (r.warnings || []).forEach(function (n) { add('warning', n); });
    add('diff', pre(r.diff));
    var d = $('detail');
    d.replaceChildren(el('h2', '', ['Result']), dl);
    d.hidden = false;
    d.scrollIntoView({ block: 'nearest' });
  };

  P.refresh = function () {
    P.computeView();
    var shown = $('shown');
    shown.textContent = 'showing ' + P.view.hosts.length + ' of ' + P.run.hosts.length + ' hosts, ' + P.view.results.length + ' of ' + P.run.results.length + ' results';
    shown.setAttribute('data-hosts', String(P.view.hosts.length));
    shown.setAttribute('data-results', String(P.view.results.length));
    P.gantt.layout();
    groupSummary(); failures(); changes(); slowest();
  };

  function start() {
    try {
      P.run = P.prepare(JSON.parse(document.getElementById('marshal-data').textContent));
      P.header(); P.filters(); groupFilters(); P.gantt.init(); P.refresh();
      document.body.setAttribute('data-rendered-ms', String(Math.round(performance.now())));
    } catch (e) {
      document.body.appendChild(el('p', 'bad', ['This report could not be shown: ' + (e && e.message)]));
      document.body.setAttribute('data-error', String(e && e.message));
    }
  }
  start();
})(window.MarshalReportPage);

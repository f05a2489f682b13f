// hfy dashboard. On start it loads the current snapshot and the last hour of engine figures (api/boot.js) and
// draws them; once the page has loaded it opens one EventSource (api/events), which pushes a full
// snapshot every second and whenever a member or an experiment changes. Opening the stream only after the load
// event keeps it from holding the page in "loading" (headless screenshots wait for load).
'use strict';

(function () {
  const WINDOW_MS = 3600 * 1000; // the engine charts show the last hour
  // 12 colours that stay apart, and a marker per series on top, so 12+ series remain distinguishable.
  const COLORS = ['#3b6fe0', '#e0663b', '#1f9d55', '#7c3aed', '#d98a00', '#0891b2', '#db2777', '#65a30d', '#475569', '#b91c1c', '#0d9488', '#a16207'];
  const MARKERS = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot'];

  const token = readToken();
  const $ = (id) => document.getElementById(id);
  const charts = {};
  const hist = { qps: [], p50: [], p99: [], rt: [] };
  let capacityFor = null;
  let capacityKey = '';
  let lastExperiments = [];

  function readToken() {
    const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem('hfy-token', decodeURIComponent(m[1]));
      window.history.replaceState(null, '', location.pathname);
    }
    return sessionStorage.getItem('hfy-token');
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k === 'title') e.title = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  const fmt = {
    int: (n) => Number(n).toLocaleString('en-US'),
    num: (n, d = 1) => Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }),
    bytes: (b) => {
      const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0; let v = Number(b);
      while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
      return `${v.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
    },
    duration: (s) => {
      s = Math.max(0, Math.round(s)); const h = Math.floor(s / 3600); const m = Math.floor((s % 3600) / 60); const r = s % 60;
      return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${r}s` : `${r}s`;
    },
    rate: (perMin) => perMin >= 10 ? `${fmt.num(perMin, 0)} cells/min` : perMin >= 1 ? `${fmt.num(perMin, 1)} cells/min` : `${fmt.num(perMin * 60, 1)} cells/h`,
    clock: (ms) => new Date(ms).toLocaleTimeString('en-GB'),
    hm: (ms) => new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }),
    host: (addr) => addr.replace(/^akka(\.tcp)?:\/\/[^@]+@/, ''),
  };

  // Time-axis labels: hours and minutes, with seconds while the chart spans less than a quarter of an hour.
  function timeTick(v) {
    return this.max - this.min < 15 * 60 * 1000 ? fmt.clock(v) : fmt.hm(v);
  }

  // Engine charts: x is time (ms), the last hour.
  function timeChart(canvas, datasets, yTitle) {
    return new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets.map((d, i) => ({ borderColor: COLORS[i], backgroundColor: COLORS[i] + '22', pointRadius: 0, borderWidth: 2, tension: 0.2, fill: i === 0, data: [], ...d })) },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: false, normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: { type: 'linear', ticks: { maxTicksLimit: 6, color: '#6b7385', callback: timeTick, maxRotation: 0 }, grid: { display: false } },
          y: { beginAtZero: true, title: { display: !!yTitle, text: yTitle }, ticks: { color: '#6b7385' } },
        },
        plugins: {
          legend: { display: datasets.length > 1, position: 'top', align: 'end', labels: { boxWidth: 10, boxHeight: 10 } },
          tooltip: { callbacks: { title: (items) => items.length ? fmt.clock(items[0].parsed.x) : '' } },
        },
      },
    });
  }

  // Log-axis labels only at 1, 2 and 5 times a power of ten.
  function logTick(v) {
    const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6) ? fmt.int(v) : '';
  }

  function initCharts() {
    charts.throughput = timeChart($('chart-throughput'), [{ label: 'queries/s' }], 'queries / s');
    charts.latency = timeChart($('chart-latency'), [{ label: 'p50' }, { label: 'p99', fill: false }], 'ms');
    charts.rt = timeChart($('chart-rt'), [{ label: 'round trips / step' }], '');
    charts.nodes = new Chart($('chart-nodes'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'rows', data: [], backgroundColor: COLORS[0], borderRadius: 4 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
    });
    // The capacity chart's legend is the HTML list beside it (#capacity-legend): Chart.js's own legend takes its
    // room out of the plot area, and with a dozen series it squeezed the curves into a strip.
    charts.capacity = new Chart($('chart-capacity'), {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'patterns stored N' }, ticks: { callback: logTick, maxRotation: 0 } },
          y: { min: 0, max: 1.02, title: { display: true, text: 'success rate' }, ticks: { callback: (v) => (v <= 1 ? v : '') } },
        },
        plugins: { legend: { display: false } },
      },
    });
  }

  function renderMembers(cluster) {
    const body = $('members').tBodies[0];
    body.replaceChildren(...cluster.members.map((m) => el('tr', { 'data-address': m.address, 'data-state': m.state },
      el('td', { title: m.address }, fmt.host(m.address)),
      el('td', {}, ...m.roles.map((r) => el('span', { class: 'pill' }, r))),
      el('td', { class: `status-${m.state}`, title: `Akka status ${m.status}, ${m.reachable ? 'reachable' : 'unreachable'}` }, m.state),
      el('td', {}, ...(m.leader ? [el('span', { class: 'tag' }, 'leader')] : []), ...(m.oldest ? [el('span', { class: 'tag oldest' }, 'oldest')] : [])))));
    if (cluster.members.length === 0) body.append(el('tr', {}, el('td', { class: 'empty', colspan: '4' }, 'no members yet')));
    $('leader').textContent = cluster.leader ? `leader ${fmt.host(cluster.leader)}` : 'no leader';
    const counts = cluster.memberStates.map((c) => el('span', { class: `count status-${c.state}`, 'data-state': c.state, 'data-count': String(c.count) }, `${c.count} ${c.state}`));
    $('kpi-members').replaceChildren(...(counts.length ? counts : ['none']));
  }

  function renderPartitions(banks) {
    const body = $('partitions').tBodies[0];
    body.replaceChildren(...banks.nodes.map((n) => el('tr', { 'data-node': n.node },
      el('td', { title: n.node }, fmt.host(n.node)),
      el('td', { class: 'num' }, fmt.int(n.partitions)),
      el('td', { class: 'num' }, fmt.int(n.rows)),
      el('td', { class: 'num' }, fmt.bytes(n.bytes)),
      el('td', { 'data-storage': (n.storage || []).join(',') }, (n.storage || []).join(', ') || '—'),
      el('td', { class: 'num', 'data-peak': String(n.peakWorkingSet || 0) },
        n.peakWorkingSet ? `${fmt.bytes(n.workingSet)} / ${fmt.bytes(n.peakWorkingSet)} / ${fmt.bytes(n.budget)}` : '—'))));
    if (banks.nodes.length === 0) body.append(el('tr', {}, el('td', { class: 'empty', colspan: '6' }, 'no banks yet')));
    const parts = banks.partitions;
    $('kpi-partitions').textContent = `${fmt.int(parts)} on ${banks.nodes.length} node${banks.nodes.length === 1 ? '' : 's'}`;
    charts.nodes.data.labels = banks.nodes.map((n) => fmt.host(n.node));
    charts.nodes.data.datasets[0].data = banks.nodes.map((n) => n.rows);
    charts.nodes.update();
  }

  function addPoint(p) {
    const x = Date.parse(p.at);
    const last = hist.qps.length ? hist.qps[hist.qps.length - 1].x : -Infinity;
    if (!(x > last)) return;
    hist.qps.push({ x, y: p.queriesPerSecond }); hist.p50.push({ x, y: p.latencyP50Ms }); hist.p99.push({ x, y: p.latencyP99Ms }); hist.rt.push({ x, y: p.roundTripsPerStep });
    while (hist.qps.length && hist.qps[0].x < x - WINDOW_MS) for (const k of Object.keys(hist)) hist[k].shift();
  }

  function drawHistory() {
    for (const [chart, series] of [[charts.throughput, [hist.qps]], [charts.latency, [hist.p50, hist.p99]], [charts.rt, [hist.rt]]]) {
      series.forEach((s, i) => { chart.data.datasets[i].data = s; });
      chart.update();
    }
  }

  function renderMetrics(m, at) {
    $('kpi-qps').textContent = fmt.num(m.queriesPerSecond, 1);
    $('kpi-latency').textContent = `${fmt.num(m.latencyP50Ms, 0)} / ${fmt.num(m.latencyP99Ms, 0)} ms`;
    $('kpi-rt').textContent = fmt.num(m.roundTripsPerStep, 2);
    addPoint({ at, queriesPerSecond: m.queriesPerSecond, latencyP50Ms: m.latencyP50Ms, latencyP99Ms: m.latencyP99Ms, roundTripsPerStep: m.roundTripsPerStep });
    drawHistory();
  }

  function etaCell(e) {
    if (e.state !== 'running') return el('td', { class: 'num eta' }, '–');
    if (e.stalled) {
      const quiet = e.lastCellAt ? `no cell finished for ${fmt.duration((Date.now() - Date.parse(e.lastCellAt)) / 1000)}` : 'no cell finished';
      return el('td', { class: 'num eta eta-stalled', 'data-eta': 'stalled', title: `${quiet}, far longer than its pace predicts` }, 'stalled');
    }
    return e.etaSeconds === null || e.etaSeconds === undefined
      ? el('td', { class: 'num eta', 'data-eta': 'unknown', title: 'no cell finished yet' }, '–')
      : el('td', { class: 'num eta', 'data-eta': String(Math.round(e.etaSeconds)) }, fmt.duration(e.etaSeconds));
  }

  function renderExperiments(experiments) {
    lastExperiments = experiments;
    const body = $('experiments').tBodies[0];
    body.replaceChildren(...experiments.map((e) => {
      const pct = Math.round(e.progress * 1000) / 10;
      const bar = el('span', {}); bar.style.width = `${pct}%`;
      const row = el('tr', { 'data-id': e.id, 'data-state': e.state, class: e.id === capacityFor ? 'selected' : '' },
        el('td', { title: e.id }, e.id),
        el('td', { title: e.name }, e.name),
        el('td', {}, e.kind),
        el('td', { class: `state-${e.state}`, title: e.error || '' }, e.state),
        el('td', { 'data-progress': String(e.cellsDone) }, el('span', { class: 'bar' }, bar), el('span', { class: 'progress-text' }, `${e.cellsDone} / ${e.cellsTotal} cells`)),
        el('td', { class: 'num rate', 'data-rate': e.cellsPerMinute == null ? '' : String(e.cellsPerMinute) }, e.cellsPerMinute == null ? '–' : fmt.rate(e.cellsPerMinute)),
        etaCell(e));
      row.addEventListener('click', () => { capacityFor = e.id; renderExperiments(lastExperiments); });
      return row;
    }));
    if (experiments.length === 0) body.append(el('tr', {}, el('td', { class: 'empty', colspan: '7' }, 'no experiments yet — hfy submit SPEC --coordinator URL')));
    const byState = {};
    for (const e of experiments) byState[e.state] = (byState[e.state] || 0) + 1;
    const order = ['running', 'queued', 'finished', 'failed', 'cancelled'];
    const parts = order.filter((s) => byState[s]).map((s) => el('span', { class: `count state-${s}`, 'data-state': s }, `${byState[s]} ${s}`));
    $('kpi-experiments').replaceChildren(...(parts.length ? parts : ['none']));
    renderCapacity(experiments);
  }

  function renderCapacity(experiments) {
    if (!experiments.some((e) => e.id === capacityFor)) {
      const running = experiments.find((e) => e.state === 'running');
      capacityFor = (running || experiments[0] || {}).id || null;
    }
    const e = experiments.find((x) => x.id === capacityFor);
    $('capacity-title').textContent = e ? `${e.name} (${e.id})` : '';
    const curves = e ? e.curves : [];
    const theory = e ? e.theory : [];
    const alpha = e && e.xAxis === 'alpha';
    const x = charts.capacity.options.scales.x;
    if (alpha && x.type !== 'linear') Object.assign(x, { type: 'linear', title: { display: true, text: 'load α = ln P / N' }, ticks: { maxRotation: 0 } });
    if (!alpha && x.type !== 'logarithmic') Object.assign(x, { type: 'logarithmic', title: { display: true, text: 'patterns stored N' }, ticks: { callback: logTick, maxRotation: 0 } });

    const colorOf = new Map(curves.map((c, i) => [c.label, i]));
    const datasets = curves.map((c, i) => ({
      label: c.label, data: c.points.map((p) => ({ x: p.x, y: p.success })),
      borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length],
      pointStyle: MARKERS[Math.floor(i / COLORS.length) % MARKERS.length], pointRadius: 4, borderWidth: 2, tension: 0.15,
    }));
    for (const t of theory) {
      // A theory curve takes the colour of the measured series it stands beside (its label ends with that series' label).
      const of = t.label.slice(t.label.indexOf(': ') + 2);
      const i = colorOf.has(of) ? colorOf.get(of) : datasets.length;
      datasets.push({ label: t.label, theory: true, data: t.points.map((p) => ({ x: p.x, y: p.success })),
        borderColor: COLORS[i % COLORS.length], backgroundColor: 'transparent', borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, tension: 0 });
    }
    const key = JSON.stringify([capacityFor, datasets.map((d) => d.label)]);
    const hidden = new Set(charts.capacity.data.datasets.filter((d, i) => !charts.capacity.isDatasetVisible(i)).map((d) => d.label));
    charts.capacity.data.datasets = datasets;
    datasets.forEach((d, i) => charts.capacity.setDatasetVisibility(i, !hidden.has(d.label)));
    charts.capacity.update();
    if (key !== capacityKey) { capacityKey = key; renderLegend(); }
  }

  function renderLegend() {
    const chart = charts.capacity;
    const list = $('capacity-legend');
    list.replaceChildren(...chart.data.datasets.map((d, i) => {
      const swatch = el('span', { class: d.theory ? 'swatch theory' : 'swatch' });
      swatch.style.borderColor = d.borderColor; if (!d.theory) swatch.style.background = d.borderColor;
      const item = el('li', { class: chart.isDatasetVisible(i) ? '' : 'off', 'data-label': d.label, title: d.label }, swatch, el('span', { class: 'text' }, d.label));
      item.addEventListener('click', () => { chart.setDatasetVisibility(i, !chart.isDatasetVisible(i)); item.classList.toggle('off'); chart.update(); });
      return item;
    }));
    if (chart.data.datasets.length === 0) list.append(el('li', { class: 'empty' }, 'no cells yet'));
  }

  function renderIncidents(incidents) {
    const list = $('incidents');
    list.replaceChildren(...incidents.slice(0, 50).map((i) => el('li', {},
      el('span', { class: 'when' }, fmt.clock(Date.parse(i.at))),
      el('span', { class: `kind kind-${i.kind}` }, i.kind),
      el('span', { title: i.subject }, `${fmt.host(i.subject)} — ${i.detail}`))));
    if (incidents.length === 0) list.append(el('li', { class: 'empty' }, 'no incidents'));
  }

  function render(s) {
    renderMembers(s.cluster);
    renderPartitions(s.banks);
    renderMetrics(s.metrics, s.at);
    renderExperiments(s.experiments);
    renderIncidents(s.cluster.incidents);
    document.body.dataset.updated = s.at;
  }

  function setConn(text, cls) {
    $('conn').textContent = text;
    $('conn-dot').className = `dot ${cls}`;
  }

  // The first data comes as a script (api/boot.js sets window.hfyBoot): a script inserted before the load event
  // delays it, so the page reaches load with data drawn. The event stream opens only after load.
  function loadNow() {
    return new Promise((resolve) => {
      const script = document.createElement('script');
      script.src = 'api/boot.js' + (token ? `?access_token=${encodeURIComponent(token)}` : '');
      script.onload = () => {
        const boot = window.hfyBoot;
        for (const p of boot.history) addPoint(p);
        render(boot.snapshot);
        setConn(`loaded · ${new Date().toLocaleTimeString('en-GB')}`, 'live');
        resolve();
      };
      script.onerror = () => { setConn('no data yet — connecting…', 'down'); resolve(); };
      document.head.append(script);
    });
  }

  function connect() {
    const url = 'api/events' + (token ? `?access_token=${encodeURIComponent(token)}` : '');
    const source = new EventSource(url);
    source.addEventListener('snapshot', (ev) => {
      setConn(`live · ${new Date().toLocaleTimeString('en-GB')}`, 'live');
      render(JSON.parse(ev.data));
    });
    source.onerror = () => setConn('disconnected — retrying…', 'down');
  }

  initCharts();
  const loaded = loadNow();
  const afterLoad = () => loaded.finally(connect);
  if (document.readyState === 'complete') afterLoad(); else window.addEventListener('load', afterLoad, { once: true });
})();

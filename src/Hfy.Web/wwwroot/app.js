// hfy dashboard: one EventSource (/api/events) pushes a full snapshot every second; this script renders it.
'use strict';

(function () {
  const HISTORY = 120; // points kept in the rolling engine charts (seconds at the default interval)
  const COLORS = ['#3b6fe0', '#e0663b', '#1f9d55', '#7c3aed', '#d98a00', '#0891b2', '#db2777', '#65a30d', '#64748b', '#b91c1c'];

  const token = readToken();
  const $ = (id) => document.getElementById(id);
  const charts = {};
  const hist = { labels: [], qps: [], p50: [], p99: [], rt: [] };
  let capacityFor = null;

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
    eta: (s) => {
      if (s === null || s === undefined) return '–';
      s = Math.round(s); const h = Math.floor(s / 3600); const m = Math.floor((s % 3600) / 60); const r = s % 60;
      return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${r}s` : `${r}s`;
    },
    time: (iso) => new Date(iso).toLocaleTimeString('en-GB'),
    host: (addr) => addr.replace(/^akka(\.tcp)?:\/\/[^@]+@/, ''),
  };

  function lineChart(canvas, datasets, yTitle, extra) {
    return new Chart(canvas, {
      type: 'line',
      data: { labels: [], datasets: datasets.map((d, i) => ({ borderColor: COLORS[i], backgroundColor: COLORS[i] + '22', pointRadius: 0, borderWidth: 2, tension: 0.25, fill: i === 0, data: [], ...d })) },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: { x: { ticks: { maxTicksLimit: 6, color: '#6b7385' }, grid: { display: false } }, y: { beginAtZero: true, title: { display: !!yTitle, text: yTitle }, ticks: { color: '#6b7385' } } },
        plugins: { legend: { display: datasets.length > 1, labels: { boxWidth: 12 } } },
        ...(extra || {}),
      },
    });
  }

  // Log-axis labels only at 1, 2 and 5 times a power of ten.
  function logTick(v) {
    const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6) ? fmt.int(v) : '';
  }

  function initCharts() {
    charts.throughput = lineChart($('chart-throughput'), [{ label: 'queries/s' }], 'queries / s');
    charts.latency = lineChart($('chart-latency'), [{ label: 'p50' }, { label: 'p99', fill: false }], 'ms');
    charts.rt = lineChart($('chart-rt'), [{ label: 'round trips / step' }], '');
    charts.nodes = new Chart($('chart-nodes'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'rows', data: [], backgroundColor: COLORS[0], borderRadius: 4 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
    });
    charts.capacity = new Chart($('chart-capacity'), {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'patterns stored N' }, ticks: { callback: logTick, maxRotation: 0 } },
          y: { min: 0, max: 1, title: { display: true, text: 'success rate' } },
        },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      },
    });
  }

  function renderMembers(cluster) {
    const body = $('members').tBodies[0];
    body.replaceChildren(...cluster.members.map((m) => el('tr', { 'data-address': m.address },
      el('td', { title: m.address }, fmt.host(m.address)),
      el('td', {}, ...m.roles.map((r) => el('span', { class: 'pill' }, r))),
      el('td', { class: `status-${m.status}` }, m.status),
      el('td', { class: m.reachable ? 'reach-ok' : 'reach-bad' }, m.reachable ? 'reachable' : 'unreachable'),
      el('td', {}, ...(m.leader ? [el('span', { class: 'tag' }, 'leader')] : []), ...(m.oldest ? [el('span', { class: 'tag oldest' }, 'oldest')] : [])))));
    if (cluster.members.length === 0) body.append(el('tr', {}, el('td', { class: 'empty', colspan: '5' }, 'no members yet')));
    $('leader').textContent = cluster.leader ? `leader ${fmt.host(cluster.leader)}` : 'no leader';
    $('kpi-members').textContent = `${cluster.membersUp} / ${cluster.members.length}`;
  }

  function renderPartitions(banks) {
    const body = $('partitions').tBodies[0];
    body.replaceChildren(...banks.nodes.map((n) => el('tr', { 'data-node': n.node },
      el('td', { title: n.node }, fmt.host(n.node)),
      el('td', { class: 'num' }, fmt.int(n.partitions)),
      el('td', { class: 'num' }, fmt.int(n.rows)),
      el('td', { class: 'num' }, fmt.bytes(n.bytes)))));
    if (banks.nodes.length === 0) body.append(el('tr', {}, el('td', { class: 'empty', colspan: '4' }, 'no banks yet')));
    const parts = banks.partitions;
    $('kpi-partitions').textContent = `${fmt.int(parts)} on ${banks.nodes.length} node${banks.nodes.length === 1 ? '' : 's'}`;
    charts.nodes.data.labels = banks.nodes.map((n) => fmt.host(n.node));
    charts.nodes.data.datasets[0].data = banks.nodes.map((n) => n.rows);
    charts.nodes.update();
  }

  function renderMetrics(m, at) {
    $('kpi-qps').textContent = fmt.num(m.queriesPerSecond, 1);
    $('kpi-latency').textContent = `${fmt.num(m.latencyP50Ms, 0)} / ${fmt.num(m.latencyP99Ms, 0)} ms`;
    $('kpi-rt').textContent = fmt.num(m.roundTripsPerStep, 2);
    hist.labels.push(fmt.time(at)); hist.qps.push(m.queriesPerSecond); hist.p50.push(m.latencyP50Ms); hist.p99.push(m.latencyP99Ms); hist.rt.push(m.roundTripsPerStep);
    for (const k of Object.keys(hist)) if (hist[k].length > HISTORY) hist[k].shift();
    for (const [chart, series] of [[charts.throughput, [hist.qps]], [charts.latency, [hist.p50, hist.p99]], [charts.rt, [hist.rt]]]) {
      chart.data.labels = hist.labels;
      series.forEach((s, i) => { chart.data.datasets[i].data = s; });
      chart.update();
    }
  }

  function renderExperiments(experiments) {
    const body = $('experiments').tBodies[0];
    body.replaceChildren(...experiments.map((e) => {
      const pct = Math.round(e.progress * 1000) / 10;
      const bar = el('span', {}); bar.style.width = `${pct}%`;
      const row = el('tr', { 'data-id': e.id, 'data-state': e.state, class: e.id === capacityFor ? 'selected' : '' },
        el('td', { title: e.id }, e.id),
        el('td', { title: e.kind }, e.name),
        el('td', { class: `state-${e.state}`, title: e.error || '' }, e.state),
        el('td', { 'data-progress': String(e.cellsDone) }, el('span', { class: 'bar' }, bar), el('span', { class: 'progress-text' }, `${e.cellsDone} / ${e.cellsTotal} cells`)),
        el('td', { class: 'num' }, e.state === 'running' ? fmt.eta(e.etaSeconds) : '–'));
      row.addEventListener('click', () => { capacityFor = e.id; renderCapacity(experiments); });
      return row;
    }));
    if (experiments.length === 0) body.append(el('tr', {}, el('td', { class: 'empty', colspan: '5' }, 'no experiments yet — hfy submit SPEC --coordinator URL')));
    const done = experiments.reduce((a, e) => a + e.cellsDone, 0); const total = experiments.reduce((a, e) => a + e.cellsTotal, 0);
    $('kpi-cells').textContent = `${fmt.int(done)} / ${fmt.int(total)}`;
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
    const ds = charts.capacity.data.datasets;
    curves.forEach((c, i) => {
      const data = c.points.map((p) => ({ x: p.n, y: p.success }));
      if (ds[i] && ds[i].label === c.label) { ds[i].data = data; } else {
        ds[i] = { label: c.label, data, borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], pointRadius: 3, borderWidth: 2, tension: 0.2 };
      }
    });
    ds.length = curves.length;
    charts.capacity.update();
  }

  function renderIncidents(incidents) {
    const list = $('incidents');
    list.replaceChildren(...incidents.slice(0, 50).map((i) => el('li', {},
      el('span', { class: 'when' }, fmt.time(i.at)),
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
  connect();
})();

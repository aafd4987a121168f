'use strict';
// The wallboard: one TV screen (1920×1080) for any scope, without
// scrolling. Figures come aggregated from the server (GET /board); a
// large subtree pages through its units on a timer; the live feed stays.
(() => {
  const { t, el } = M;
  const $ = (id) => document.getElementById(id);
  const OPEN = ['on_track', 'warning', 'due_today', 'overdue', 'paused'];
  const PAGE_MS = 12000;
  let scope = M.params.get('agency') || '';
  let period = M.params.get('period') || localStorage.getItem('motcua.board.period') || 'month';
  const agencies = new Map();
  const procedures = new Map();
  let board = null;
  let serverSkew = 0; // server clock minus this clock, from the last answer
  let loadedAt = null;
  const feed = []; // newest first
  const alerts = new Map();
  let page = 0;
  let refetch = null;

  // Colours by value, against thresholds the legend states.
  const grade = {
    rate: (r) => (r == null ? '' : r >= 0.95 ? 'good' : r >= 0.8 ? 'watch' : 'poor'),
    overdue: (n) => (n === 0 ? 'good' : n <= 5 ? 'watch' : 'poor'),
    viol: (n) => (n === 0 ? 'good' : n < 10 ? 'watch' : 'poor'),
    warning: (n) => (n === 0 ? 'good' : 'watch'),
  };

  async function loadStatic() {
    const [ag, pr] = await Promise.all([M.api('/agencies?at=all'), M.api('/procedures')]);
    const walk = (a) => { agencies.set(a.id, a); (a.children || []).forEach(walk); };
    walk(ag.agencies);
    pr.procedures.forEach((p) => procedures.set(p.code, p.name));
    if (!scope) scope = ag.agencies.id;
  }

  async function loadBoard() {
    const q = new URLSearchParams({ agency: scope, period });
    const [b, v] = await Promise.all([M.api('/board?' + q), M.api('/violations?' + new URLSearchParams({ agency: scope, limit: 12 }))]);
    board = b;
    serverSkew = Date.parse(b.now) - Date.now();
    loadedAt = b.now;
    const live = feed.filter((x) => x._live && !v.violations.some((y) => y.id === x.id));
    feed.length = 0;
    feed.push(...live, ...v.violations.filter(M.counts));
    document.body.dataset.loaded = '1';
    render();
  }

  // Live changes refetch the aggregates, at most every few seconds.
  function soon() {
    if (refetch) return;
    refetch = setTimeout(() => { refetch = null; loadBoard().catch(() => {}); }, 4000);
  }

  function onMsg(m) {
    switch (m.type) {
      case 'violation': {
        const v = m.violation;
        const i = feed.findIndex((x) => x.id === v.id);
        if (i >= 0) feed.splice(i, 1);
        if (M.counts(v)) { v._new = i < 0; v._live = true; feed.unshift(v); feed.length = Math.min(feed.length, 30); }
        renderFeed();
        soon();
        break;
      }
      case 'dossier': case 'rollup': soon(); break;
      case 'alert': {
        const a = m.alert; const k = a.fingerprint || JSON.stringify(a.labels);
        if (a.status === 'resolved') alerts.delete(k); else alerts.set(k, a);
        renderAlerts();
        break;
      }
      default:
    }
  }

  const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
  const name = (id) => (agencies.get(id) ? agencies.get(id).name : id);
  const pct = (r) => (r == null ? '—' : Math.round(r * 100) + '%');

  function fig(value, label, cls) {
    const f = el('div', 'fig ' + (cls || ''));
    f.append(el('b', null, value), el('span', null, label));
    return f;
  }

  function unitCard(n) {
    const card = el('article', 'unit');
    card.dataset.agency = n.agency;
    const v = sum(n.total);
    const worst = [grade.overdue(n.overdue_open), grade.rate(n.on_time_rate), grade.viol(v)];
    card.classList.add(worst.includes('poor') ? 'poor' : worst.includes('watch') ? 'watch' : 'good');
    const nm = el('div', 'unit-name');
    nm.append(el('h3', null, n.name), el('div', 'head', (n.head && n.head.name) || ''));
    const figs = el('div', 'figs');
    figs.append(fig(n.overdue_open, t('Quá hạn'), grade.overdue(n.overdue_open)), fig(v, t('Vi phạm'), grade.viol(v)),
      fig(pct(n.on_time_rate), t('Đúng hạn'), grade.rate(n.on_time_rate)));
    card.append(nm, figs);
    return card;
  }

  // perPage fits the unit cards to the space left on this screen.
  function perPage(n) {
    const box = $('units');
    if (window.matchMedia('(max-width: 900px)').matches) return n; // a phone scrolls one column
    const h = box.clientHeight;
    const probe = getComputedStyle(box);
    const cols = Math.max(1, probe.gridTemplateColumns.split(' ').length);
    const rowH = parseFloat(probe.gridAutoRows) || 158;
    const gap = parseFloat(probe.rowGap) || 12;
    const rows = Math.max(1, Math.floor((h + gap) / (rowH + gap)));
    return cols * rows;
  }

  function render() {
    if (!board) return;
    const root = board.rollup;
    $('agency-name').textContent = root.name;
    $('agency-head').textContent = t('Người đứng đầu') + ': ' + root.head.name + ' — ' + root.head.title;
    document.querySelectorAll('.period button').forEach((b) => b.classList.toggle('on', b.dataset.period === period));
    OPEN.forEach((s) => { $('k-' + s).textContent = board.open[s] || 0; });
    const cls = (id, g) => { $(id).className = 'kpi ' + g; };
    cls('kpi-on_track', 'good'); cls('kpi-paused', 'info');
    cls('kpi-warning', grade.warning(board.open.warning || 0)); cls('kpi-due_today', grade.warning(board.open.due_today || 0));
    cls('kpi-overdue', grade.overdue(board.open.overdue || 0));
    const v = sum(root.total);
    $('k-viol').textContent = v; cls('kpi-viol', grade.viol(v));
    $('k-rate').textContent = pct(root.on_time_rate); cls('kpi-rate', grade.rate(root.on_time_rate));
    $('legend-txt').textContent = t('Tỷ lệ đúng hạn') + ' ≥95% / 80–95% / <80% · ' + t('Quá hạn') + ' 0 / 1–5 / >5 · ' + t('Vi phạm') + ' 0 / 1–9 / ≥10 · ' +
      t('Kỳ') + ': ' + periodName() + ' (' + M.fmtVN(board.from).slice(0, 10) + ' – ' + M.fmtVN(board.to).slice(0, 10) + ')';
    renderUnits();
    renderOverdue();
    renderFeed();
    renderAlerts();
  }

  function periodName() { return t({ today: 'Hôm nay', month: 'Tháng này', year: 'Năm nay' }[period]); }

  function renderUnits() {
    const root = board.rollup;
    const kids = ((root.children && root.children.length) ? root.children : [root]).slice()
      .sort((a, b) => (b.overdue_open - a.overdue_open) || (sum(b.total) - sum(a.total)) || a.name.localeCompare(b.name, 'vi'));
    const box = $('units');
    const n = perPage(kids.length);
    const pages = Math.max(1, Math.ceil(kids.length / n));
    page %= pages;
    box.replaceChildren(...kids.slice(page * n, page * n + n).map(unitCard));
    $('pager').textContent = pages > 1 ? t('Trang') + ' ' + (page + 1) + '/' + pages + ' · ' + kids.length + ' ' + t('Đơn vị').toLowerCase() : kids.length + ' ' + t('Đơn vị').toLowerCase();
    document.body.dataset.pages = pages;
  }

  function ago(ms) {
    const h = Math.floor(ms / 3600e3);
    if (h >= 24) return Math.floor(h / 24) + ' ' + t('ngày');
    return h + ' ' + t('giờ');
  }

  // fit drops the rows of list that its panel would cut: a TV shows whole
  // rows or none (on a phone the panel grows and nothing is dropped).
  function fit(list) {
    const panel = list.closest('.panel');
    if (!panel || window.matchMedia('(max-width: 900px)').matches || panel.scrollHeight <= panel.clientHeight) return;
    const bottom = panel.getBoundingClientRect().bottom - parseFloat(getComputedStyle(panel).paddingBottom);
    const rows = list.querySelectorAll('li');
    for (let i = rows.length - 1; i > 0 && rows[i].getBoundingClientRect().bottom > bottom + 0.5; i--) rows[i].remove();
  }

  function renderOverdue() {
    const now = Date.now() + serverSkew;
    const od = board.overdue.slice(0, 5);
    $('overdue').replaceChildren(...(od.length ? od.map((d) => {
      const li = el('li', 'row s-overdue-b');
      li.dataset.code = d.code;
      const l = el('div', 'grow');
      l.append(el('div', 'code', d.code), el('div', 'sub', name(d.holder) + ' · ' + (procedures.get(d.procedure) || d.procedure)));
      li.append(l, el('div', 'late', t('quá') + ' ' + ago(now - Date.parse(d.due_at))));
      return li;
    }) : [el('li', 'empty', t('Không có'))]));
    fit($('overdue'));
  }

  function renderFeed() {
    $('feed').replaceChildren(...(feed.length ? feed.slice(0, 6).map((v) => {
      const li = el('li', 'row feed-item sev-' + v.severity + (v._new ? ' new' : ''));
      li.dataset.id = v.id;
      v._new = false;
      const l = el('div', 'grow');
      l.append(el('div', 'vname', M.codeName(v.code)),
        el('div', 'sub', name(v.agency) + (v.head && v.head.name ? ' · ' + v.head.name : '')));
      li.append(l, el('div', 'time', M.fmtVN(v.occurred_at).slice(-5)));
      return li;
    }) : [el('li', 'empty', t('Không có'))]));
    fit($('feed'));
  }

  function renderAlerts() {
    $('alerts-panel').hidden = alerts.size === 0;
    $('alerts').replaceChildren(...[...alerts.values()].slice(0, 3).map((a) => {
      const li = el('li', 'row alert sev-' + ((a.labels && a.labels.severity) || 'warning'));
      const l = el('div', 'grow');
      l.append(el('div', 'vname', (a.annotations && a.annotations.summary) || a.labels.alertname),
        el('div', 'sub', a.labels.agency ? name(a.labels.agency) : a.labels.alertname));
      li.append(l);
      return li;
    }));
  }

  function tick() { $('clock').textContent = M.fmtClock(new Date(Date.now() + serverSkew)); }

  function status(s) {
    document.body.dataset.ws = s;
    const txt = { open: 'Trực tuyến', closed: 'Mất kết nối', connecting: 'Đang kết nối…' }[s];
    const e = $('ws-text');
    e.dataset.t = txt; e.textContent = t(txt);
    const st = $('stale');
    st.hidden = s === 'open' || !loadedAt;
    if (!st.hidden) st.textContent = t('Mất kết nối') + ' — ' + t('Số liệu lúc') + ' ' + M.fmtVN(loadedAt);
  }

  function setPeriod(p) {
    period = p;
    localStorage.setItem('motcua.board.period', p);
    loadBoard().catch(() => {});
  }

  async function start() {
    try {
      await loadStatic();
    } catch (e) {
      if (e.status === 401) { M.signIn(start); return; }
      $('agency-name').textContent = e.text ? e.text() : String(e);
      return;
    }
    M.live(scope, onMsg, () => { loadBoard().catch((e) => { $('agency-name').textContent = e.text ? e.text() : String(e); }); }, status);
  }

  document.addEventListener('DOMContentLoaded', () => {
    serverSkew = M.now().getTime() - Date.now();
    tick(); setInterval(tick, 1000);
    setInterval(() => { if (board) { page++; renderUnits(); } }, PAGE_MS);
    window.addEventListener('resize', () => { if (board) { renderUnits(); renderOverdue(); renderFeed(); } });
    document.querySelectorAll('.period button').forEach((b) => b.addEventListener('click', () => setPeriod(b.dataset.period)));
    document.addEventListener('motcua-lang', render);
    if (!M.hasToken()) { M.signIn(start); return; }
    start();
  });
})();

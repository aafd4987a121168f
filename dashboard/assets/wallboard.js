'use strict';
(() => {
  const { t, el } = M;
  const OPEN = ['on_track', 'warning', 'due_today', 'overdue', 'paused'];
  let scope = M.params.get('agency') || '';
  let agencies = new Map(); // id -> agency
  let procedures = new Map(); // code -> name
  let nodes = new Map(); // id -> rollup node (with children)
  let tree = null;
  const dossiers = new Map(); // code -> state, open ones only
  const feed = []; // newest first
  const seenViolations = new Set();
  const alerts = new Map(); // key -> alert
  let pending = false;
  let subRows = 6;

  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  }

  function indexTree(n) {
    nodes.set(n.agency, n);
    (n.children || []).forEach(indexTree);
  }

  async function loadStatic() {
    const [ag, pr] = await Promise.all([M.api('/agencies?at=all'), M.api('/procedures')]);
    const walk = (a) => { agencies.set(a.id, a); (a.children || []).forEach(walk); };
    walk(ag.agencies);
    pr.procedures.forEach((p) => procedures.set(p.code, p.name));
    if (!scope) scope = ag.agencies.id;
  }

  async function loadState() {
    const q = '?agency=' + encodeURIComponent(scope);
    const r = await M.api('/rollup' + q);
    tree = r; nodes = new Map(); indexTree(r);
    dossiers.clear();
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const d = await M.api('/dossiers' + q + '&limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      d.dossiers.forEach(putDossier);
      cursor = d.next_cursor;
      if (!cursor) break;
    }
    const v = await M.api('/violations' + q + '&limit=15');
    const live = feed.filter((x) => x._live && !v.violations.some((y) => y.id === x.id));
    feed.length = 0;
    feed.push(...live);
    v.violations.forEach((x) => { seenViolations.add(x.id); if (x.status !== 'dismissed') feed.push(x); });
    document.body.dataset.loaded = '1';
    schedule();
  }

  function putDossier(d) {
    if (OPEN.includes(d.clock.state)) dossiers.set(d.code, d); else dossiers.delete(d.code);
  }

  function onMsg(m) {
    switch (m.type) {
      case 'dossier': putDossier(m.dossier); break;
      case 'violation': {
        const v = m.violation;
        if (!seenViolations.has(v.id) && v.status !== 'dismissed') {
          seenViolations.add(v.id);
          v._new = true;
          v._live = true;
          feed.unshift(v);
          feed.length = Math.min(feed.length, 30);
        }
        break;
      }
      case 'rollup': {
        const old = nodes.get(m.agency);
        if (old) { Object.assign(old, m.node, { children: old.children }); }
        break;
      }
      case 'alert': {
        const a = m.alert; const k = a.fingerprint || JSON.stringify(a.labels);
        if (a.status === 'resolved') alerts.delete(k); else alerts.set(k, a);
        break;
      }
      default: return;
    }
    schedule();
  }

  const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
  const name = (id) => (agencies.get(id) ? agencies.get(id).name : id);

  function chips(total, max) {
    const box = el('div', 'chips');
    Object.entries(total || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).slice(0, max).forEach(([c, n]) => {
      const ch = el('span', 'chip c-' + c);
      ch.append(el('b', null, n), document.createTextNode(' ' + M.codeName(c)));
      box.append(ch);
    });
    return box;
  }

  function rate(n) { return n.on_time_rate == null ? '—' : Math.round(n.on_time_rate * 100) + '%'; }

  function unitCard(n) {
    const card = el('article', 'unit');
    card.dataset.agency = n.agency;
    const total = sum(n.total);
    if (n.overdue_open > 0) card.classList.add('hot');
    const top = el('div', 'unit-top');
    const nm = el('div', 'unit-name');
    nm.append(el('h3', null, n.name), el('div', 'head', n.head.name + ' — ' + n.head.title));
    const num = el('div', 'unit-num');
    num.append(el('b', null, total), el('span', null, t('Vi phạm')));
    top.append(nm, num);
    card.append(top);
    const stats = el('div', 'unit-stats');
    stats.append(el('span', 'st s-overdue-t', t('đang quá hạn') + ': ' + n.overdue_open),
      el('span', null, t('Đã tiếp nhận') + ': ' + n.received),
      el('span', null, t('Đúng hạn') + ': ' + rate(n)));
    card.append(stats, chips(n.total, subRows === 3 ? 2 : 4));
    const kids = (n.children || []).slice().sort((a, b) => sum(b.total) - sum(a.total) || a.name.localeCompare(b.name, 'vi'));
    if (kids.length) {
      const ul = el('ul', 'subunits');
      kids.slice(0, subRows).forEach((k) => {
        const li = el('li');
        li.dataset.agency = k.agency;
        li.append(el('span', 'sub-name', k.name), el('span', 'sub-head', k.head.name),
          el('span', 'sub-n' + (sum(k.total) ? ' has' : ''), sum(k.total)));
        ul.append(li);
      });
      if (kids.length > subRows) ul.append(el('li', 'more', '+' + (kids.length - subRows)));
      card.append(ul);
    }
    return card;
  }

  function ago(ms) {
    const h = Math.floor(ms / 3600e3);
    if (h >= 24) return Math.floor(h / 24) + ' ' + t('ngày') + ' ' + (h % 24) + ' ' + t('giờ');
    return h + ' ' + t('giờ') + ' ' + Math.floor((ms % 3600e3) / 60e3) + "'";
  }

  function render() {
    if (!tree) return;
    const root = nodes.get(scope) || tree;
    document.getElementById('agency-name').textContent = root.name;
    document.getElementById('agency-head').textContent = t('Người đứng đầu') + ': ' + root.head.name + ' — ' + root.head.title;
    const counts = { on_track: 0, warning: 0, due_today: 0, overdue: 0, paused: 0 };
    dossiers.forEach((d) => { counts[d.clock.state]++; });
    OPEN.forEach((s) => { document.getElementById('k-' + s).textContent = counts[s]; });
    document.getElementById('k-viol').textContent = sum(root.total);
    document.getElementById('k-rate').textContent = rate(root);

    const units = document.getElementById('units');
    const kids = (root.children && root.children.length) ? root.children : [root];
    // A big tree must still fit a television: denser cards, fewer rows.
    document.body.classList.toggle('dense', kids.length > 9);
    subRows = kids.length > 9 ? 3 : 6;
    units.replaceChildren(...kids.slice().sort((a, b) => (b.overdue_open - a.overdue_open) || (sum(b.total) - sum(a.total))).map(unitCard));

    const now = M.now().getTime();
    const od = [...dossiers.values()].filter((d) => d.clock.state === 'overdue').sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at)).slice(0, 6);
    const ol = document.getElementById('overdue');
    ol.replaceChildren(...(od.length ? od.map((d) => {
      const li = el('li', 'row s-overdue-b');
      li.dataset.code = d.code;
      const l = el('div', 'grow');
      l.append(el('div', 'code', d.code), el('div', 'sub', procedures.get(d.procedure) || d.procedure),
        el('div', 'sub holder', t('Đang giữ') + ': ' + name(d.holder)));
      li.append(l, el('div', 'late', t('quá') + ' ' + ago(now - Date.parse(d.due_at))));
      return li;
    }) : [el('li', 'empty', t('Không có'))]));

    const pd = [...dossiers.values()].filter((d) => d.clock.state === 'paused').slice(0, 5);
    document.getElementById('paused').replaceChildren(...(pd.length ? pd.map((d) => {
      const li = el('li', 'row s-paused-b');
      const l = el('div', 'grow');
      l.append(el('div', 'code', d.code), el('div', 'sub', (d.clock.paused_reason || d.paused_reason || '—')),
        el('div', 'sub holder', t('Đang giữ') + ': ' + name(d.holder)));
      li.append(l);
      return li;
    }) : [el('li', 'empty', t('Không có'))]));

    document.getElementById('feed').replaceChildren(...(feed.length ? feed.slice(0, 8).map((v) => {
      const li = el('li', 'row feed-item sev-' + v.severity + (v._new ? ' new' : ''));
      li.dataset.id = v.id;
      v._new = false;
      const l = el('div', 'grow');
      l.append(el('div', 'vname', M.codeName(v.code)),
        el('div', 'sub', name(v.agency) + (v.dossier ? ' · ' + v.dossier : '')),
        el('div', 'sub', (v.head && v.head.name ? v.head.name + ' — ' + v.head.title : '')));
      li.append(l, el('div', 'time', M.fmtTime(v.occurred_at)));
      return li;
    }) : [el('li', 'empty', t('Không có'))]));

    const ap = document.getElementById('alerts-panel');
    ap.hidden = alerts.size === 0;
    document.getElementById('alerts').replaceChildren(...[...alerts.values()].map((a) => {
      const li = el('li', 'row alert sev-' + ((a.labels && a.labels.severity) || 'warning'));
      const l = el('div', 'grow');
      l.append(el('div', 'vname', (a.annotations && a.annotations.summary) || a.labels.alertname),
        el('div', 'sub', a.labels.agency ? name(a.labels.agency) : a.labels.alertname));
      li.append(l);
      return li;
    }));
  }

  function tick() { document.getElementById('clock').textContent = M.fmtClock(M.now()); }

  function status(s) {
    document.body.dataset.ws = s;
    const txt = { open: 'Trực tuyến', closed: 'Mất kết nối', connecting: 'Đang kết nối…' }[s];
    const e = document.getElementById('ws-text');
    e.dataset.t = txt; e.textContent = t(txt);
  }

  async function start() {
    try {
      await loadStatic();
    } catch (e) {
      if (e.status === 401) { M.signIn(start); return; }
      document.getElementById('agency-name').textContent = e.text ? e.text() : String(e);
      return;
    }
    M.live(scope, onMsg, () => { loadState().catch((e) => { document.getElementById('agency-name').textContent = e.text ? e.text() : String(e); }); }, status);
  }

  document.addEventListener('DOMContentLoaded', () => {
    tick(); setInterval(tick, 1000);
    document.addEventListener('motcua-lang', schedule);
    if (!M.hasToken()) { M.signIn(start); return; }
    start();
  });
})();

'use strict';
// /bao-cao: heads' scorecards for a period, sortable; the 12-month trend of
// one unit drawn as SVG here (no chart library, no CDN); the spreadsheets.
(() => {
  const { t, el } = M;
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  const levels = {
    city: 'Thành phố', department: 'Sở, ban, ngành', district: 'Quận, huyện',
    division: 'Phòng, ban chuyên môn', commune: 'Xã, phường', counter: 'Bộ phận một cửa',
  };
  let agency = M.params.get('agency') || '';
  let period = null; // {from, to} as YYYY-MM-DD
  let cards = [];
  let trend = null;
  let trendAgency = '';
  let sort = { key: 'score', dir: -1 };

  const pad = (n) => String(n).padStart(2, '0');
  const ymd = (y, m, d) => y + '-' + pad(m) + '-' + pad(d);
  const lastDay = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  const dmy = (s) => s.split('-').reverse().join('/');
  function today() {
    const d = new Date(M.now().getTime() + 7 * 3600e3);
    return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
  }

  // The period of the URL, else this month; the picker shows it in the
  // mode that fits it.
  function initPeriod() {
    const n = today();
    period = { from: M.params.get('from') || ymd(n.y, n.m, 1), to: M.params.get('to') || ymd(n.y, n.m, n.d) };
    const [fy, fm, fd] = period.from.split('-').map(Number);
    const [ty, tm, td] = period.to.split('-').map(Number);
    let mode = 'custom';
    if (fd === 1 && fy === ty) {
      if (fm === tm && (td === lastDay(ty, tm) || (ty === n.y && tm === n.m))) mode = 'month';
      else if ((fm - 1) % 3 === 0 && tm === fm + 2 && td === lastDay(ty, tm)) mode = 'quarter';
      else if (fm === 1 && tm === 12 && td === 31) mode = 'year';
    }
    $('mode').value = mode;
    $('month').value = fy + '-' + pad(fm);
    $('quarter').value = String(Math.floor((fm - 1) / 3) + 1);
    $('year').value = String(fy);
    $('from').value = period.from;
    $('to').value = period.to;
    showMode();
  }
  function showMode() {
    const mode = $('mode').value;
    document.querySelectorAll('[data-mode]').forEach((l) => { l.hidden = !l.dataset.mode.split(' ').includes(mode); });
  }
  // readPeriod turns the picker into from/to.
  function readPeriod() {
    const mode = $('mode').value;
    if (mode === 'month') {
      const [y, m] = $('month').value.split('-').map(Number);
      if (!y || !m) return null;
      return { from: ymd(y, m, 1), to: ymd(y, m, lastDay(y, m)) };
    }
    if (mode === 'quarter' || mode === 'year') {
      const y = Number($('year').value);
      if (!y) return null;
      if (mode === 'year') return { from: ymd(y, 1, 1), to: ymd(y, 12, 31) };
      const q = Number($('quarter').value);
      return { from: ymd(y, 3 * q - 2, 1), to: ymd(y, 3 * q, lastDay(y, 3 * q)) };
    }
    if (!$('from').value || !$('to').value) return null;
    return { from: $('from').value, to: $('to').value };
  }
  // Periods running past today are cut at today, as the server would.
  function clip(p) {
    const n = today();
    const now = ymd(n.y, n.m, n.d);
    return { from: p.from, to: p.to > now && p.from <= now ? now : p.to };
  }

  function query() {
    const q = new URLSearchParams();
    if (agency) q.set('agency', agency);
    q.set('from', period.from);
    q.set('to', period.to);
    return q.toString();
  }

  function showError(e) {
    if (e && e.status === 401) { M.signIn(load); return; }
    $('msg').hidden = false;
    $('msg').textContent = e && e.text ? e.text() : String(e);
  }

  async function load() {
    $('msg').hidden = true;
    try {
      const q = query();
      const [sc, tr] = await Promise.all([M.api('/scorecards?' + q),
        M.api('/scorecards/trend?' + new URLSearchParams(agency ? { agency, to: period.to } : { to: period.to }).toString())]);
      cards = sc.scorecards;
      trend = tr;
      if (!trendAgency || !cards.some((c) => c.agency === trendAgency)) trendAgency = cards.length ? cards[0].agency : '';
      const lv = $('level');
      const keep = lv.value;
      const present = [...new Set(cards.map((c) => c.level))];
      lv.replaceChildren(lv.options[0], ...present.map((l) => { const o = el('option', null, t(levels[l] || l)); o.value = l; o.dataset.t = levels[l] || l; return o; }));
      lv.value = present.includes(keep) ? keep : '';
      history.replaceState(null, '', location.pathname + '?' + q);
      render();
      document.body.dataset.ready = '1';
    } catch (e) {
      showError(e);
    }
  }

  function value(c, key) {
    switch (key) {
      case 'name': return c.name;
      case 'violations': return c.violations.high * 1e6 + c.violations.medium * 1e3 + c.violations.low;
      case 'on_time_rate': return c.on_time_rate === null ? -1 : c.on_time_rate;
      case 'rank': return c.rank / Math.max(c.rank_of, 1);
      default: return c[key];
    }
  }

  function render() {
    if (!period) return;
    $('period-text').textContent = t('Kỳ báo cáo') + ': ' + dmy(period.from) + ' – ' + dmy(period.to);
    const root = cards[0];
    $('agency-name').textContent = root ? root.name : '…';
    const level = $('level').value;
    const shown = cards.filter((c) => !level || c.level === level).slice();
    shown.sort((a, b) => {
      const x = value(a, sort.key); const y = value(b, sort.key);
      const d = typeof x === 'string' ? x.localeCompare(y, 'vi') : x - y;
      return d * sort.dir || a.name.localeCompare(b.name, 'vi');
    });
    document.querySelectorAll('th[data-sort]').forEach((th) => {
      th.classList.toggle('sorted', th.dataset.sort === sort.key);
      th.classList.toggle('desc', th.dataset.sort === sort.key && sort.dir < 0);
    });
    $('rows').replaceChildren(...(shown.length ? shown.map((c) => {
      const tr = el('tr');
      tr.dataset.agency = c.agency;
      if (c.agency === trendAgency) tr.className = 'picked';
      const name = el('td', 'name');
      const b = el('button', 'link', c.name);
      b.type = 'button';
      b.addEventListener('click', () => { trendAgency = c.agency; render(); });
      name.append(b, el('div', 'sub', t(levels[c.level] || c.level)));
      const head = el('td', null, c.head.name);
      head.append(el('div', 'sub', c.head.title));
      const rate = c.on_time_rate === null ? '—' : (c.on_time_rate * 100).toFixed(1) + ' %';
      const band = el('td');
      band.append(el('span', 'band band-' + c.band, t(c.band_name || c.band)));
      tr.append(name, head, el('td', 'num', c.received), el('td', 'num', c.finished), el('td', 'num rate', rate),
        el('td', 'num' + (c.overdue_open ? ' bad' : ''), c.overdue_open),
        el('td', 'num', c.violations.high + ' / ' + c.violations.medium + ' / ' + c.violations.low),
        el('td', 'num score', c.score.toFixed(1)), band, el('td', 'num', c.rank + '/' + c.rank_of));
      return tr;
    }) : [el('tr', null, t('Không có'))]));
    drawTrend();
  }

  // hasRecord: a month in which the unit handled a dossier or was charged
  // with a breach. Other months have no score worth drawing (it would read
  // 100 for doing nothing).
  const hasRecord = (c) => c && (c.decision_766.counted > 0 || c.received > 0 ||
    c.violations.high + c.violations.medium + c.violations.low > 0);

  // drawTrend draws the picked unit's score and on-time rate per month.
  function drawTrend() {
    const box = $('trend');
    if (!trend) return;
    const pts = trend.months.map((m) => {
      const c = m.scorecards.find((x) => x.agency === trendAgency && x.period.to === m.period.to) || m.scorecards.find((x) => x.agency === trendAgency);
      return { p: m.period, c: hasRecord(c) ? c : null };
    });
    const card = cards.find((c) => c.agency === trendAgency);
    $('trend-name').textContent = card ? card.name : '';
    const W = 900; const H = 260; const L = 44; const R = 16; const T = 16; const B = 34;
    const x = (i) => L + (pts.length < 2 ? 0 : i * (W - L - R) / (pts.length - 1));
    const y = (v) => T + (100 - v) * (H - T - B) / 100;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', t('Diễn biến 12 tháng'));
    const add = (tag, attrs, text) => {
      const e = document.createElementNS(SVG, tag);
      Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v));
      if (text !== undefined) e.textContent = text;
      svg.append(e);
      return e;
    };
    for (let v = 0; v <= 100; v += 25) {
      add('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' });
      add('text', { x: L - 8, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, String(v));
    }
    pts.forEach((pt, i) => {
      const [yy, mm] = pt.p.from.split('-');
      add('text', { x: x(i), y: H - 10, class: 'axis', 'text-anchor': 'middle' }, mm + '/' + yy.slice(2));
    });
    const line = (get, cls) => {
      let d = '';
      let pen = false;
      pts.forEach((pt, i) => {
        const v = pt.c ? get(pt.c) : null;
        if (v === null || v === undefined) { pen = false; return; }
        d += (pen ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1);
        pen = true;
      });
      if (d) add('path', { d, class: 'line ' + cls });
      pts.forEach((pt, i) => {
        const v = pt.c ? get(pt.c) : null;
        if (v === null || v === undefined) return;
        const dot = add('circle', { cx: x(i), cy: y(v), r: 4, class: 'dot ' + cls });
        const tip = document.createElementNS(SVG, 'title');
        tip.textContent = pt.p.from + ' – ' + pt.p.to + ': ' + v.toFixed(1);
        dot.append(tip);
      });
    };
    line((c) => (c.on_time_rate === null ? null : c.on_time_rate * 100), 'rate');
    line((c) => c.score, 'score');
    pts.forEach((pt, i) => {
      if (pt.c) add('text', { x: x(i), y: y(pt.c.score) - 9, class: 'val', 'text-anchor': 'middle' }, pt.c.score.toFixed(0));
    });
    box.replaceChildren(svg);
    box.dataset.points = String(pts.filter((p) => p.c).length);
  }

  async function download(kind) {
    $('msg').hidden = true;
    const names = { scorecards: 'xep-hang', register: 'so-theo-doi-ho-so', violations: 'vi-pham' };
    const who = agency || (cards[0] && cards[0].agency) || 'tat-ca';
    try {
      await M.download('/reports/' + kind + '.xlsx?' + query(), names[kind] + '-' + who + '-' + period.from + '-' + period.to + '.xlsx');
    } catch (e) {
      showError(e);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    initPeriod();
    $('mode').addEventListener('change', showMode);
    $('level').addEventListener('change', render);
    $('period').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const p = readPeriod();
      if (!p) return;
      period = clip(p);
      load();
    });
    document.querySelectorAll('th[data-sort]').forEach((th) => th.addEventListener('click', () => {
      const key = th.dataset.sort;
      sort = sort.key === key ? { key, dir: -sort.dir } : { key, dir: key === 'name' || key === 'rank' ? 1 : -1 };
      render();
    }));
    document.querySelectorAll('button.dl').forEach((b) => b.addEventListener('click', () => download(b.dataset.report)));
    document.addEventListener('motcua-lang', render);
    if (!M.hasToken()) { M.signIn(load); return; }
    load();
  });
})();

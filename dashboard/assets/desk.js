'use strict';
(() => {
  const { t, el } = M;
  const $ = (id) => document.getElementById(id);
  const TYPES = ['received', 'submitted', 'intake_supplement_requested', 'intake_refused', 'slip_issued', 'transferred',
    'supplement_requested', 'supplement_received', 'apology_issued', 'result_ready', 'returned', 'rejected', 'withdrawn',
    'complaint_filed', 'complaint_resolved', 'shift_started', 'shift_ended'];
  let agencies = new Map();
  let officials = [];
  let procedures = new Map();
  let root = null;

  function opt(value, text) { const o = el('option', null, text); o.value = value; return o; }

  function fill(sel, items) { sel.replaceChildren(...items.map(([v, x]) => opt(v, x))); }

  function labelTypes() {
    const cur = $('f-type').value;
    fill($('f-type'), TYPES.map((x) => [x, M.eventName(x)]));
    $('f-type').value = cur || 'received';
    const ch = $('f-channel').value;
    fill($('f-channel'), [['direct', t('Trực tiếp')], ['online', t('Trực tuyến (qua mạng)')], ['postal', t('Bưu chính')]]);
    $('f-channel').value = ch || 'direct';
  }

  function showFields() {
    const type = $('f-type').value;
    const shift = type.startsWith('shift_');
    document.querySelectorAll('#ev label[data-for]').forEach((l) => {
      const f = l.dataset.for.split(' ');
      const on = f.includes('*') || f.includes(type) || (f.includes('shift') && shift) || (f.includes('-shift') && !shift);
      l.hidden = !on;
    });
    const ch = $('f-channel');
    [...ch.options].forEach((o) => { o.disabled = type === 'submitted' && o.value === 'direct'; });
    if (type === 'submitted' && ch.value === 'direct') ch.value = 'online';
    if (type === 'complaint_filed' && !$('f-complaint').value) $('f-complaint').value = 'kn-' + Date.now().toString(36);
    if (type === 'received' && !$('f-dossier').value) $('f-dossier').value = newCode();
    clearErrors();
  }

  function newCode() {
    const d = M.isoLocal(M.now());
    const ymd = d.slice(2, 4) + d.slice(5, 7) + d.slice(8, 10);
    const n = String(Math.floor(Math.random() * 10000)).padStart(4, '0');
    return '000.00.' + ($('f-agency').selectedIndex + 10) + '.H17-' + ymd + '-' + n;
  }

  function agencyChanged() {
    const a = agencies.get($('f-agency').value);
    const within = (id) => { for (let x = agencies.get(id); x; x = agencies.get(x.parent)) if (x.id === a.id) return true; return false; };
    const offs = officials.filter((o) => within(o.agency));
    fill($('f-official'), [['', '—'], ...offs.map((o) => [o.id, o.name + ' (' + o.id + ')'])]);
    fill($('f-subject'), [['', '—'], ...officials.filter((o) => within(o.agency) || o.agency === a.parent).map((o) => [o.id, o.name])]);
    fill($('f-desk'), (a.desks || []).map((d) => [d, d]));
    const parent = agencies.get(a.parent);
    const near = [...agencies.values()].filter((x) => x.id !== a.id && (x.parent === a.parent || x.parent === a.id || (parent && x.id === parent.id)));
    const rest = [...agencies.values()].filter((x) => !near.includes(x) && x.id !== a.id);
    fill($('f-to'), [...near, ...rest].map((x) => [x.id, x.name]));
  }

  function docsOf(code) { const p = procedures.get(code); return p ? p.documents : []; }

  function procedureChanged() {
    const docs = docsOf($('f-procedure').value);
    for (const [box, name] of [[$('f-documents'), 'documents'], [$('f-items'), 'items']]) {
      box.replaceChildren(...docs.map((d) => {
        const l = el('label');
        const c = el('input'); c.type = 'checkbox'; c.name = name; c.value = d.code; c.dataset.name = d.name;
        if (name === 'documents') c.checked = true;
        l.append(c, el('span', null, d.name));
        return l;
      }));
    }
    const other = el('input'); other.name = 'items-other'; other.placeholder = t('Giấy tờ khác') || 'Giấy tờ khác'; other.dataset.field = 'items';
    $('f-items').append(other);
  }

  async function dossierChanged() {
    const code = $('f-dossier').value.trim();
    const type = $('f-type').value;
    if (!code || type === 'received' || type === 'submitted') return;
    try {
      const r = await M.api('/dossiers/' + encodeURIComponent(code));
      if (r.dossier.procedure && procedures.has(r.dossier.procedure)) { $('f-procedure').value = r.dossier.procedure; procedureChanged(); }
      if (type === 'transferred' && agencies.has(r.dossier.holder)) { $('f-agency').value = r.dossier.holder; agencyChanged(); }
    } catch (_) { /* shown on submit */ }
  }

  const local = (v) => (v ? v + ':00+07:00' : '');

  function build() {
    const f = $('ev').elements;
    const type = f.type.value;
    const at = f.at.value ? local(f.at.value) : M.isoLocal(M.now());
    const e = { id: M.uid(), type, at, agency: f.agency.value };
    if (f.official.value) e.official = f.official.value;
    if (!type.startsWith('shift_')) e.dossier = f.dossier.value.trim();
    const str = (k, v) => { if (v && v.trim()) e[k] = v.trim(); };
    const checked = (name) => [...document.querySelectorAll('input[name="' + name + '"]:checked')].map((c) => ({ code: c.value, name: c.dataset.name }));
    switch (type) {
      case 'submitted': case 'received':
        e.procedure = f.procedure.value; e.channel = f.channel.value;
        if (f['applicant.name'].value.trim() || f['applicant.phone'].value.trim()) {
          e.applicant = {};
          if (f['applicant.name'].value.trim()) e.applicant.name = f['applicant.name'].value.trim();
          if (f['applicant.phone'].value.trim()) e.applicant.phone = f['applicant.phone'].value.trim();
        }
        if (type === 'received') { const d = checked('documents').map((x) => ({ code: x.code })); if (d.length) e.documents = d; }
        break;
      case 'intake_supplement_requested': case 'supplement_requested': {
        if (type === 'intake_supplement_requested') e.procedure = f.procedure.value;
        const items = checked('items');
        const other = f['items-other'] && f['items-other'].value.trim();
        if (other) items.push({ name: other });
        e.items = items;
        str('reason', f.reason.value);
        break;
      }
      case 'intake_refused': e.procedure = f.procedure.value; str('reason', f.reason.value); break;
      case 'slip_issued': e.number = f.number.value.trim(); e.due_at = local(f.due_at.value); break;
      case 'transferred': e.to = f.to.value; str('step', f.step.value); break;
      case 'apology_issued': e.new_due_at = local(f.new_due_at.value); str('reason', f.reason.value); break;
      case 'rejected': case 'withdrawn': str('reason', f.reason.value); break;
      case 'complaint_filed':
        e.complaint = f.complaint.value.trim(); e.category = f.category.value;
        str('subject_official', f.subject_official.value); str('text', f.text.value); break;
      case 'complaint_resolved': e.complaint = f.complaint.value.trim(); e.outcome = f.outcome.value; break;
      case 'shift_started': case 'shift_ended': e.desk = f.desk.value; break;
      default:
    }
    return e;
  }

  // withSlip adds Form 01 to a direct receipt: the due time is the
  // procedure's lead time from now on the server's calendar.
  async function withSlip(e) {
    const p = procedures.get(e.procedure);
    if (e.type !== 'received' || !p || p.instant) return e;
    const r = await M.api('/calendar/due?' + new URLSearchParams({ from: e.at, value: p.lead_time.value, unit: p.lead_time.unit }));
    e.slip = { number: $('f-number').value.trim() || e.dossier, due_at: r.due_at };
    return e;
  }

  function clearErrors() {
    document.querySelectorAll('#ev .invalid').forEach((x) => x.classList.remove('invalid'));
    document.querySelectorAll('#ev .field-error').forEach((x) => x.remove());
    $('msg').hidden = true;
  }

  function showError(err) {
    const m = $('msg');
    m.className = 'msg err'; m.hidden = false;
    m.textContent = err.text ? err.text() : String(err);
    if (!err.field) return;
    const f = err.field.replace(/\[\d+\]/g, '').replace(/\.code$/, '');
    const target = [...document.querySelectorAll('#ev [data-field]')].find((x) => x.dataset.field.split(' ').includes(f));
    if (!target) return;
    target.classList.add('invalid');
    const label = target.closest('label');
    const note = el('div', 'field-error', err.text());
    (label || target).after(note);
    if (target.focus) target.focus();
  }

  function fmtLead(p) {
    if (!p || p.instant) return 'Trả ngay';
    const u = { working_days: 'ngày làm việc', working_hours: 'giờ làm việc', days: 'ngày' }[p.lead_time.unit] || p.lead_time.unit;
    return p.lead_time.value + ' ' + u;
  }

  function showSlip(e, d) {
    const a = agencies.get(e.agency);
    const parent = a && agencies.get(a.parent);
    $('slip-parent').textContent = parent ? parent.name.toUpperCase() : '';
    $('slip-agency').textContent = a ? a.name : e.agency;
    $('slip-number').textContent = (e.slip && e.slip.number) || '—';
    $('slip-code').textContent = d.code;
    $('slip-applicant').textContent = (e.applicant && e.applicant.name) || '—';
    $('slip-phone').textContent = (e.applicant && e.applicant.phone) || '—';
    const p = procedures.get(d.procedure);
    $('slip-procedure').textContent = p ? p.name + ' (' + p.code + ')' : d.procedure;
    $('slip-docs').replaceChildren(...(e.documents || []).map((x) => el('li', null, (docsOf(d.procedure).find((y) => y.code === x.code) || x).name || x.code)));
    $('slip-lead').textContent = fmtLead(p);
    $('slip-received').textContent = M.fmtTime(d.received_at);
    $('slip-due').textContent = M.fmtTime(d.promised_due_at);
    const o = officials.find((x) => x.id === e.official);
    $('slip-official').textContent = o ? o.name : '—';
    $('slip-key').textContent = d.tracking_key || '';
    $('slip-qr').src = '/tra-cuu/' + encodeURIComponent(d.code) + '/qr.svg?k=' + encodeURIComponent(d.tracking_key || '');
    $('slip-box').hidden = false;
  }

  function addRecent(e, d) {
    const tr = el('tr');
    const link = el('a', null, e.dossier || e.desk || '');
    if (e.dossier) link.href = '/d/' + encodeURIComponent(e.dossier);
    const c = el('td'); c.append(link);
    tr.append(el('td', null, M.fmtTime(e.at)), c, el('td', null, M.eventName(e.type)),
      el('td', 'applicant', (d && d.applicant && d.applicant.name) || ''),
      el('td', null, d ? '' : ''));
    if (d) { const b = el('span', 'badge ' + d.clock.state, M.stateName(d.clock.state)); tr.lastChild.append(b); }
    $('recent').prepend(tr);
  }

  async function submit(ev) {
    if (ev) ev.preventDefault();
    clearErrors();
    let e = build();
    $('submit').disabled = true;
    try {
      e = await withSlip(e);
      const r = await M.api('/events', { method: 'POST', body: e });
      const d = r.dossiers && r.dossiers[0];
      const m = $('msg');
      m.className = 'msg ok'; m.hidden = false;
      m.textContent = t('Đã ghi') + ': ' + M.eventName(e.type) + (e.dossier ? ' · ' + e.dossier : '') +
        (r.violations.length ? ' · ' + r.violations.map((v) => M.codeName(v.code)).join(', ') : '');
      addRecent(e, d);
      if (e.type === 'received' && d) showSlip(e, d);
      if (e.type === 'received' || e.type === 'submitted') {
        ['f-applicant', 'f-phone', 'f-number'].forEach((id) => { $(id).value = ''; });
        $('f-dossier').value = '';
        if (e.type === 'received') $('f-dossier').value = newCode();
      }
      $('f-at').value = '';
    } catch (err) {
      showError(err);
    } finally {
      $('submit').disabled = false;
    }
  }

  async function start() {
    let ag, pr;
    try {
      [ag, pr] = await Promise.all([M.api('/agencies'), M.api('/procedures')]);
    } catch (e) {
      if (e.status === 401) { M.signIn(start); return; }
      showError(e); return;
    }
    root = ag.agencies;
    const walk = (a) => { agencies.set(a.id, a); (a.children || []).forEach(walk); };
    walk(root);
    officials = ag.officials;
    pr.procedures.forEach((p) => procedures.set(p.code, p));
    const counters = [...agencies.values()].filter((a) => a.level === 'counter');
    const others = [...agencies.values()].filter((a) => a.level !== 'counter');
    fill($('f-agency'), [...counters, ...others].map((a) => [a.id, a.name]));
    const want = M.params.get('agency');
    if (want && agencies.has(want)) $('f-agency').value = want;
    fill($('f-procedure'), pr.procedures.map((p) => [p.code, p.code + ' — ' + p.name]));
    fill($('f-category'), [['attitude', 'Thái độ'], ['harassment', 'Gây phiền hà, sách nhiễu'], ['bribery', 'Đòi hỏi tiền, quà'],
      ['indifference', 'Thờ ơ, chậm trễ'], ['extra_papers', 'Đòi thêm giấy tờ'], ['other', 'Khác']]);
    fill($('f-outcome'), [['upheld', 'Đúng (có vi phạm)'], ['unfounded', 'Không có cơ sở']]);
    labelTypes();
    agencyChanged();
    procedureChanged();
    showFields();
    document.body.dataset.ready = '1';
    $('f-type').focus();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('ev').addEventListener('submit', submit);
    $('f-type').addEventListener('change', showFields);
    $('f-agency').addEventListener('change', agencyChanged);
    $('f-procedure').addEventListener('change', procedureChanged);
    $('f-dossier').addEventListener('change', dossierChanged);
    $('print').addEventListener('click', () => window.print());
    document.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); submit(); }
      if (ev.key === 'F2') { ev.preventDefault(); $('f-type').focus(); }
    });
    document.addEventListener('motcua-lang', labelTypes);
    if (!M.hasToken()) { M.signIn(start); return; }
    start();
  });
})();

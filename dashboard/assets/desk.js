'use strict';
// The reception desk: bound to one counter and one signed-in clerk. A
// list of today's dossiers at this counter (and a search) from which any
// event is one selection away; one fresh form per event type.
(() => {
  const { t, el } = M;
  const $ = (id) => document.getElementById(id);
  let session = null;
  const agencies = new Map();
  const officials = new Map();
  const procedures = new Map();
  let counterA = null; // the counter agency
  let clerk = ''; // official id
  let desk = '';
  const dossiers = new Map(); // code -> state
  let selected = null; // {d, events}
  let mode = null; // event type being recorded
  let extraDocs = {}; // per document {kind, count}, for the slip

  const TODAY = () => M.isoLocal(M.now()).slice(0, 10);
  const dayOf = (s) => (s ? M.isoLocal(new Date(s)).slice(0, 10) : '');
  const shiftKey = 'motcua.shift';

  function opt(value, text) { const o = el('option', null, text); o.value = value; return o; }
  function fill(sel, items) { sel.replaceChildren(...items.map(([v, x]) => opt(v, x))); }

  // ---------- sign-in: counter, clerk, desk; the shift starts with it ----------
  function counters() {
    return [...agencies.values()].filter((a) => a.level === 'counter' && (a.desks || []).length && within(a.id, session.agency));
  }
  function within(id, scope) { for (let x = agencies.get(id); x; x = agencies.get(x.parent)) if (x.id === scope) return true; return false; }

  // note, when set, says why a new shift is asked for (the last one ended).
  function askShift(note) {
    return new Promise((resolve) => {
      const box = $('shift');
      $('shift-note').hidden = !note;
      $('shift-note').textContent = note || '';
      const cs = counters();
      const want = M.params.get('agency') || localStorage.getItem('motcua.desk.counter');
      fill($('shift-counter'), cs.map((a) => [a.id, a.name]));
      if (want && cs.some((a) => a.id === want)) $('shift-counter').value = want;
      $('shift-counter-l').hidden = cs.length < 2;
      const refill = () => {
        const a = agencies.get($('shift-counter').value);
        fill($('shift-desk'), (a.desks || []).map((d) => [d, t('Quầy số') + ' ' + d.replace(/^q/, '')]));
        const savedDesk = localStorage.getItem('motcua.desk.desk.' + a.id);
        if (savedDesk && a.desks.includes(savedDesk)) $('shift-desk').value = savedDesk;
        const offs = [...officials.values()].filter((o) => o.agency === a.id);
        fill($('shift-clerk'), offs.map((o) => [o.id, o.name]));
      };
      $('shift-counter').onchange = refill;
      refill();
      $('shift-clerk-l').hidden = !!session.official;
      box.hidden = false;
      (cs.length > 1 ? $('shift-counter') : (session.official ? $('shift-desk') : $('shift-clerk'))).focus();
      $('shift-form').onsubmit = async (ev) => {
        ev.preventDefault();
        const a = agencies.get($('shift-counter').value);
        const who = session.official || $('shift-clerk').value;
        const dk = $('shift-desk').value;
        try {
          await M.api('/events', { method: 'POST', body: { id: M.uid(), type: 'shift_started', at: M.isoLocal(M.now()), agency: a.id, official: who, desk: dk } });
        } catch (e) { $('shift-msg').hidden = false; $('shift-msg').textContent = e.text ? e.text() : String(e); return; }
        localStorage.setItem('motcua.desk.counter', a.id);
        localStorage.setItem('motcua.desk.desk.' + a.id, dk);
        sessionStorage.setItem(shiftKey, JSON.stringify({ agency: a.id, official: who, desk: dk, day: TODAY() }));
        box.hidden = true;
        resolve({ agency: a.id, official: who, desk: dk });
      };
    });
  }

  async function endShift() {
    const s = JSON.parse(sessionStorage.getItem(shiftKey) || 'null');
    if (s) {
      try { await M.api('/events', { method: 'POST', body: { id: M.uid(), type: 'shift_ended', at: M.isoLocal(M.now()), agency: s.agency, official: s.official, desk: s.desk } }); } catch (_) { /* the sign-out goes on */ }
    }
    sessionStorage.removeItem(shiftKey);
  }

  // The shift of this desk if the server has it open (session.shifts),
  // undefined when the server does not say.
  function openShift(s) {
    if (!session.shifts) return undefined;
    return session.shifts.find((x) => x.agency === s.agency && x.desk === s.desk && x.official === s.official) || null;
  }

  // At closing time (the end of today's last office period) the server
  // ends the shift, whether or not this page is open; the page then asks
  // for a new shift. Without the server's word, the page ends it itself.
  async function closingTimer(open) {
    if (open) {
      const ms = Date.parse(open.closes_at) - M.now().getTime() + 3000;
      if (ms > 0 && ms < 86400e3) setTimeout(() => location.reload(), ms);
    }
    if (open !== undefined) return;
    try {
      const r = await M.api('/calendar/due?' + new URLSearchParams({ from: M.isoLocal(M.now()), value: 0, unit: 'working_days' }));
      const ms = Date.parse(r.return_at) - M.now().getTime();
      if (ms > 0 && ms < 86400e3) setTimeout(async () => { await endShift(); location.reload(); }, ms);
    } catch (_) { /* a day off: no timer */ }
  }

  // ---------- the list ----------
  async function loadList() {
    const r = await M.api('/dossiers?' + new URLSearchParams({ agency: counterA.id, limit: 500 }));
    r.dossiers.forEach((d) => dossiers.set(d.code, d));
    renderList();
  }

  function matches(d, q) {
    if (!q) return dayOf(d.updated_at) === TODAY() || dayOf(d.created_at) === TODAY();
    const f = M.fold(q);
    const digits = q.replace(/\D/g, '');
    return M.fold(d.code).includes(f) || (d.applicant && M.fold(d.applicant.name).includes(f)) ||
      (digits.length >= 3 && d.applicant && (d.applicant.phone || '').replace(/\D/g, '').includes(digits));
  }

  function renderList() {
    const q = $('search').value.trim();
    const rows = [...dossiers.values()].filter((d) => matches(d, q))
      .sort((a, b) => (b.updated_at || '').localeCompare(a.updated_at || '')).slice(0, 60);
    $('list').replaceChildren(...(rows.length ? rows.map((d) => {
      const li = el('li', 'drow' + (selected && selected.d.code === d.code ? ' sel' : ''));
      li.dataset.code = d.code; li.tabIndex = -1; li.setAttribute('role', 'option');
      const top = el('div', 'l1');
      const tail = d.code.slice(-4);
      top.append(el('span', 'dcode', d.code.slice(0, -4)), el('b', null, tail), el('span', 'badge ' + d.clock.state, M.stateName(d.clock.state)));
      const p = procedures.get(d.procedure);
      li.append(top, el('div', 'l2', ((d.applicant && d.applicant.name) || '—') + ' · ' + (p ? p.name : d.procedure)));
      li.addEventListener('click', () => select(d.code));
      return li;
    }) : [el('li', 'empty', t('Không có hồ sơ'))]));
  }

  // ---------- actions by state ----------
  // A stop at the applicant's request exists from Decree 118/2025 (v2025):
  // first the request, then the notice (Form 05) that ends the dossier.
  function stopActions(d) {
    if (!d.regime || d.regime === 'v2018') return [];
    return d.stop_requested_at ? ['stop_notice_issued'] : ['stop_requested'];
  }
  function actionsFor(d) {
    const open = (d.complaints || []).some((c) => !c.outcome);
    switch (d.status) {
      case 'intake': case 'intake_supplement':
        return ['received', 'intake_supplement_requested', 'intake_refused', 'withdrawn'];
      case 'processing':
        return ['supplement_requested', 'transferred', 'apology_issued', 'result_ready', 'returned', 'rejected', 'withdrawn', ...stopActions(d), 'complaint_filed'].concat(open ? ['complaint_resolved'] : []);
      case 'paused':
        return ['supplement_received', 'apology_issued', 'rejected', 'withdrawn', ...stopActions(d), 'complaint_filed'].concat(open ? ['complaint_resolved'] : []);
      case 'result_ready':
        return ['returned', 'complaint_filed'].concat(open ? ['complaint_resolved'] : []);
      default:
        return ['complaint_filed'].concat(open ? ['complaint_resolved'] : []);
    }
  }

  async function select(code) {
    // While the dossier loads, the last one's actions are gone: a digit
    // typed now must not act on a state the next render replaces.
    $('actions').hidden = true; $('ev').hidden = true;
    let r;
    try { r = await M.api('/dossiers/' + encodeURIComponent(code)); } catch (e) { showMsg(e, true); if (selected) renderSelected(); return; }
    selected = { d: r.dossier, events: r.events, violations: r.violations };
    dossiers.set(code, r.dossier);
    renderList();
    renderSelected();
    $('actions').querySelector('button').focus();
  }

  function renderSelected() {
    const d = selected.d;
    const p = procedures.get(d.procedure);
    const box = $('dossier');
    const h = el('div', 'sum-top');
    const link = el('a', 'dlink', d.code); link.href = '/d/' + encodeURIComponent(d.code);
    h.append(link, el('span', 'badge ' + d.clock.state, M.stateName(d.clock.state)), el('span', 'status', M.statusName(d.status)));
    box.replaceChildren(h, el('div', null, ((d.applicant && d.applicant.name) || '—') + (d.applicant && d.applicant.phone ? ' · ' + d.applicant.phone : '')),
      el('div', 'muted', (p ? p.name : d.procedure) + (d.due_at ? ' · ' + t('Hẹn trả') + ' ' + M.fmtVN(d.due_at) : '')));
    box.hidden = false;
    const acts = actionsFor(d);
    // Keys 1–9, then 0 for a tenth.
    const keyOf = (i) => (i < 9 ? String(i + 1) : i === 9 ? '0' : '');
    $('actions').replaceChildren(el('div', 'muted wide', t('Chọn việc cần ghi') + ' (1–' + Math.min(acts.length, 9) + (acts.length > 9 ? ', 0' : '') + ')'), ...acts.map((type, i) => {
      const b = el('button', 'act'); b.type = 'button'; b.dataset.type = type;
      b.append(el('kbd', null, keyOf(i)), document.createTextNode(' ' + M.eventName(type)));
      b.addEventListener('click', () => startForm(type));
      return b;
    }));
    $('actions').hidden = false;
    $('ev').hidden = true;
  }

  // ---------- per-event forms, built fresh each time ----------
  const field = (label, input, key) => { const l = el('label', 'f'); l.dataset.key = key; l.append(el('span', null, t(label)), input); return l; };
  function input(name, opts = {}) {
    const i = el('input'); i.name = name; i.id = 'f-' + name.replace('.', '-'); i.autocomplete = 'off';
    Object.assign(i, opts); return i;
  }
  function select_(name, items) { const s = el('select'); s.name = name; s.id = 'f-' + name; fill(s, items); return s; }

  function procedurePicker() {
    const wrap = el('div', 'picker');
    const q = input('procedure-q', { placeholder: t('Tìm thủ tục (gõ không dấu được)'), type: 'search' });
    const hidden = input('procedure', { type: 'hidden' });
    const ul = el('ul', 'picks'); ul.setAttribute('role', 'listbox');
    let hits = []; let cur = 0;
    const all = [...procedures.values()].map((p) => {
      const words = M.fold(p.name).split(/\s+/);
      return { p, name: M.fold(p.name), initials: words.map((w) => w[0]).join('') };
    });
    const show = () => {
      const f = M.fold(q.value.trim());
      const ws = f.split(/\s+/).filter(Boolean);
      hits = !f ? [] : all.filter((x) => x.p.code.startsWith(f) || ws.every((w) => x.name.includes(w)) || (ws.length === 1 && f.length >= 2 && x.initials.includes(f))).slice(0, 8);
      cur = 0;
      ul.replaceChildren(...hits.map((x, i) => {
        const li = el('li', i === cur ? 'on' : '', x.p.name); li.dataset.code = x.p.code;
        li.addEventListener('mousedown', (ev) => { ev.preventDefault(); pick(i); });
        return li;
      }));
    };
    const pick = (i) => {
      const x = hits[i]; if (!x) return;
      hidden.value = x.p.code; q.value = x.p.name; ul.replaceChildren();
      // The next field takes the focus once the Enter is over, so that
      // the key does not also submit the form from there.
      q.dataset.picked = '1';
      q.dispatchEvent(new Event('picked', { bubbles: true }));
    };
    q.addEventListener('keyup', (ev) => { if (ev.key === 'Enter' && q.dataset.picked) { delete q.dataset.picked; q.dispatchEvent(new Event('advance', { bubbles: true })); } });
    q.addEventListener('keypress', (ev) => { if (ev.key === 'Enter') ev.preventDefault(); });
    q.addEventListener('input', () => { hidden.value = ''; show(); });
    q.addEventListener('keydown', (ev) => {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault(); cur = Math.max(0, Math.min(hits.length - 1, cur + (ev.key === 'ArrowDown' ? 1 : -1)));
        [...ul.children].forEach((li, i) => li.classList.toggle('on', i === cur));
      } else if (ev.key === 'Enter' && !ev.ctrlKey && hits.length) { ev.preventDefault(); pick(cur); }
    });
    wrap.append(q, hidden, ul);
    return wrap;
  }

  function itemsBox(name, proc, checked) {
    const box = el('div', 'items'); box.dataset.field = name;
    (proc ? proc.documents : []).forEach((d) => {
      const row = el('div', 'item');
      const l = el('label');
      const c = el('input'); c.type = 'checkbox'; c.name = name; c.value = d.code; c.dataset.name = d.name; c.checked = !!checked;
      l.append(c, el('span', null, d.name));
      row.append(l);
      if (name === 'documents') {
        const kind = select_('kind-' + d.code, [['Bản chính', t('Bản chính')], ['Bản sao', t('Bản sao')]]);
        const n = input('count-' + d.code, { type: 'number', min: 1, value: 1, className: 'count' });
        row.append(kind, n);
      }
      box.append(row);
    });
    if (name === 'items') box.append(input('items-other', { placeholder: t('Giấy tờ khác') }));
    return box;
  }

  function startForm(type) {
    mode = type;
    const d = selected && type !== 'received-new' ? selected.d : null;
    const f = $('fields');
    f.replaceChildren();
    $('warn').hidden = true; $('msg').hidden = true;
    const proc = d ? procedures.get(d.procedure) : null;
    const isNew = type === 'received-new';
    $('form-title').textContent = isNew ? t('Tiếp nhận mới') : M.eventName(type) + ' · ' + d.code;
    if (isNew) {
      mode = 'received';
      f.append(field('Thủ tục', procedurePicker(), 'procedure'));
      f.append(field('Người nộp', input('applicant.name'), 'applicant.name'));
      f.append(field('Điện thoại', input('applicant.phone', { inputMode: 'tel' }), 'applicant.phone'));
      f.append(field('Giấy tờ nộp', el('div', 'items', ''), 'documents'));
      f.append(field('Kênh', select_('channel', [['direct', t('Trực tiếp')], ['online', t('Trực tuyến (qua mạng)')], ['postal', t('Bưu chính')]]), 'channel'));
      f.append(field('Việc', select_('kind', [['received', M.eventName('received')], ['intake_supplement_requested', M.eventName('intake_supplement_requested')], ['intake_refused', M.eventName('intake_refused')]]), 'kind'));
      f.append(field('Mã hồ sơ (để trống = cấp tự động)', input('dossier'), 'dossier'));
      f.addEventListener('picked', () => {
        const p = procedures.get($('f-procedure').value);
        f.querySelector('[data-key="documents"] .items').replaceWith(itemsBox('documents', p, true));
        warnings();
      });
      f.addEventListener('advance', () => $('f-applicant-name').focus());
      $('f-kind').addEventListener('change', () => newKindChanged());
    }
    switch (type) {
      case 'intake_supplement_requested': case 'supplement_requested': {
        f.append(field('Giấy tờ cần bổ sung', itemsBox('items', proc, false), 'items'));
        f.append(field('Lý do', input('reason'), 'reason'));
        break;
      }
      case 'intake_refused': case 'rejected': case 'withdrawn':
        f.append(field('Lý do', input('reason'), 'reason')); break;
      case 'stop_requested':
        f.append(field('Lý do công dân đề nghị dừng', input('reason'), 'reason')); break;
      case 'stop_notice_issued':
        f.append(el('p', 'muted wide', t('Ghi xong sẽ in Thông báo dừng giải quyết hồ sơ (Mẫu 05) để thủ trưởng ký.'))); break;
      case 'transferred': {
        const here = agencies.get(counterA.id);
        const parent = agencies.get(here.parent);
        const units = [...agencies.values()].filter((a) => a.id !== counterA.id && parent && (a.parent === parent.id || a.id === parent.id));
        f.append(field('Chuyển đến', select_('to', units.map((a) => [a.id, a.name])), 'to'));
        const steps = proc && proc.steps ? proc.steps : [];
        if (steps.length) f.append(field('Bước', select_('step', [['', '—'], ...steps.map((s) => [s.name, s.name])]), 'step'));
        break;
      }
      case 'apology_issued':
        f.append(field('Hẹn trả mới (dd/mm/yyyy hh:mm)', input('new_due_at', { placeholder: 'dd/mm/yyyy hh:mm' }), 'new_due_at'));
        f.append(field('Lý do', input('reason'), 'reason'));
        break;
      case 'received': // an online dossier received at the counter
        f.append(field('Giấy tờ nộp', itemsBox('documents', proc, true), 'documents'));
        break;
      case 'complaint_filed': {
        f.append(field('Loại khiếu nại', select_('category', [['attitude', 'Thái độ'], ['harassment', 'Gây phiền hà, sách nhiễu'], ['bribery', 'Đòi hỏi tiền, quà'],
          ['indifference', 'Thờ ơ, chậm trễ'], ['extra_papers', 'Đòi thêm giấy tờ'], ['other', 'Khác']]), 'category'));
        const offs = [...officials.values()].filter((o) => within(o.agency, counterA.parent || counterA.id));
        f.append(field('Cán bộ bị khiếu nại', select_('subject_official', [['', '—'], ...offs.map((o) => [o.id, o.name])]), 'subject_official'));
        const ta = el('textarea'); ta.name = 'text'; ta.rows = 2; ta.id = 'f-text';
        f.append(field('Nội dung', ta, 'text'));
        break;
      }
      case 'complaint_resolved':
        f.append(field('Mã khiếu nại', select_('complaint', (d.complaints || []).filter((c) => !c.outcome).map((c) => [c.id, c.id + ' · ' + c.category])), 'complaint'));
        f.append(field('Kết quả', select_('outcome', [['upheld', 'Đúng (có vi phạm)'], ['unfounded', 'Không có cơ sở']]), 'outcome'));
        break;
      default:
    }
    f.append(field('Thời điểm (để trống = bây giờ)', input('at', { placeholder: 'dd/mm/yyyy hh:mm' }), 'at'));
    // A supplement request's reason starts as the list of missing papers
    // (a reason the citizen can act on) until the clerk types one.
    const reason = f.querySelector('input[name=reason]');
    if (reason && f.querySelector('[data-field=items]')) {
      reason.dataset.auto = '1';
      reason.addEventListener('input', () => { delete reason.dataset.auto; });
      f.addEventListener('change', () => {
        if (!reason.dataset.auto) return;
        const names = checked('items').map((x) => x.name);
        reason.value = names.length ? 'Hồ sơ còn thiếu: ' + names.join('; ') : '';
        warnings();
      });
    }
    f.querySelectorAll('input,select,textarea').forEach((x) => x.addEventListener('input', warnings));
    f.querySelectorAll('input[type=checkbox]').forEach((x) => x.addEventListener('change', warnings));
    $('ev').hidden = false;
    $('actions').hidden = isNew || !selected;
    if (isNew) { $('dossier').hidden = true; }
    warnings();
    const first = f.querySelector('input:not([type=hidden]),select,textarea');
    // Focus where the next keystroke goes: the first field, or Save when
    // the event has nothing to fill in but its time.
    if (first && first.name !== 'at') first.focus(); else $('submit').focus();
  }

  function newKindChanged() {
    const kind = $('f-kind').value;
    const f = $('fields');
    f.querySelectorAll('[data-key="items"],[data-key="reason"]').forEach((x) => x.remove());
    const p = procedures.get($('f-procedure').value);
    const at = f.querySelector('[data-key="at"]');
    if (kind === 'intake_supplement_requested') at.before(field('Giấy tờ cần bổ sung', itemsBox('items', p, false), 'items'));
    if (kind !== 'received') at.before(field('Lý do', input('reason'), 'reason'));
    f.querySelector('[data-key="documents"]').hidden = kind !== 'received';
    warnings();
  }

  // ---------- warnings before saving: the breach the entry will record ----------
  let warnSeq = 0;
  async function warnings() {
    const seq = ++warnSeq;
    const out = [];
    const f = $('ev').elements;
    const type = mode === 'received' && f.kind ? f.kind.value : mode;
    const d = selected && !$('actions').hidden ? selected.d : null;
    const rules = (session && session.rules) || {};
    const v = (c) => M.codeName(c);
    if (type === 'supplement_requested' || type === 'intake_supplement_requested') {
      const other = f['items-other'] && f['items-other'].value.trim();
      if (other) out.push(t('Sẽ ghi vi phạm') + ' «' + v('extra_document') + '»: «' + other + '» không có trong thành phần hồ sơ của thủ tục.');
      const n = d ? (type === 'supplement_requested' ? d.supplements.appraisal : d.supplements.intake) : 0;
      if (n >= (rules.max_supplements || 1)) out.push(t('Sẽ ghi vi phạm') + ' «' + v('repeated_supplement') + '»: đây là lần yêu cầu bổ sung thứ ' + (n + 1) + ' (chỉ được yêu cầu một lần).');
      if (type === 'supplement_requested' && d && d.received_at && rules.supplement_window) {
        try {
          const r = await M.api('/calendar/due?' + new URLSearchParams({ from: d.received_at, value: rules.supplement_window.value, unit: rules.supplement_window.unit }));
          if (atValue() > new Date(r.due_at)) out.push(t('Sẽ ghi vi phạm') + ' «' + v('late_supplement_request') + '»: quá ' + rules.supplement_window.value + ' ngày làm việc kể từ khi tiếp nhận (hạn ' + M.fmtVN(r.due_at) + ').');
        } catch (_) { /* no warning */ }
      }
    }
    if (['supplement_requested', 'intake_supplement_requested', 'intake_refused', 'rejected'].includes(type) && f.reason && !f.reason.value.trim()) {
      out.push(t('Sẽ ghi vi phạm') + ' «' + v('missing_reason') + '»: chưa nêu lý do.');
    }
    if (type === 'apology_issued' && d) {
      if (d.reschedules >= (rules.max_reschedules || 1)) out.push(t('Sẽ ghi vi phạm') + ' «' + v('repeated_reschedule') + '»: hồ sơ đã hẹn lại ' + d.reschedules + ' lần.');
      if (d.promised_due_at && rules.apology_notice) {
        try {
          const r = await M.api('/calendar/due?' + new URLSearchParams({ from: M.isoLocal(atValue()), value: rules.apology_notice.value, unit: rules.apology_notice.unit }));
          if (new Date(r.due_at) > new Date(d.promised_due_at)) out.push(t('Sẽ ghi vi phạm') + ' «' + v('missing_apology') + '»: phiếu xin lỗi phải gửi trước hạn trả (' + M.fmtVN(d.promised_due_at) + ') ít nhất ' + rules.apology_notice.value + ' ngày làm việc.');
        } catch (_) { /* no warning */ }
      }
      const nd = M.parseVN(f.new_due_at.value);
      if (f.new_due_at.value && !nd) out.push('«' + t('Hẹn trả mới') + '»: nhập theo dạng dd/mm/yyyy hh:mm.');
    }
    if ((type === 'result_ready' || type === 'returned') && d && d.clock.state === 'overdue') {
      out.push(t('Sẽ ghi vi phạm') + ' «' + v('late_return') + '»: hồ sơ đã quá hạn trả (' + M.fmtVN(d.due_at) + ').');
    }
    if (f.at && f.at.value && !M.parseVN(f.at.value)) out.push('«' + t('Thời điểm') + '»: nhập theo dạng dd/mm/yyyy hh:mm.');
    if (seq !== warnSeq) return;
    const w = $('warn');
    w.replaceChildren(...out.map((x) => el('div', null, '⚠ ' + x)));
    w.hidden = out.length === 0;
  }

  function atValue() {
    const f = $('ev').elements;
    return (f.at && M.parseVN(f.at.value)) || M.now();
  }

  // ---------- build and save ----------
  function checked(name) { return [...document.querySelectorAll('#fields input[name="' + name + '"]:checked')].map((c) => ({ code: c.value, name: c.dataset.name })); }

  function build() {
    const f = $('ev').elements;
    const type = mode === 'received' && f.kind ? f.kind.value : mode;
    if (f.at.value && !M.parseVN(f.at.value)) throw fieldErr('at', 'Thời điểm phải theo dạng dd/mm/yyyy hh:mm', 'Time must be dd/mm/yyyy hh:mm');
    const e = { id: M.uid(), type, at: M.isoLocal(atValue()), agency: counterA.id, official: clerk };
    const str = (k, x) => { if (x && x.trim()) e[k] = x.trim(); };
    const isNew = !!f['procedure-q'];
    if (isNew) {
      if (!f.procedure.value) throw fieldErr('procedure', 'Chọn thủ tục', 'Choose a procedure');
      e.procedure = f.procedure.value;
      e.dossier = f.dossier.value.trim();
    } else {
      e.dossier = selected.d.code;
    }
    switch (type) {
      case 'received': {
        if (isNew) {
          e.channel = f.channel.value;
          const a = {}; if (f['applicant.name'].value.trim()) a.name = f['applicant.name'].value.trim();
          if (f['applicant.phone'].value.trim()) a.phone = f['applicant.phone'].value.trim();
          if (a.name || a.phone) e.applicant = a;
        } else { e.procedure = selected.d.procedure; e.channel = selected.d.channel || 'direct'; }
        const docs = checked('documents');
        if (docs.length) e.documents = docs.map((x) => ({ code: x.code }));
        extraDocs = {};
        docs.forEach((x) => { extraDocs[x.code] = { kind: f['kind-' + x.code].value, count: f['count-' + x.code].value }; });
        break;
      }
      case 'intake_supplement_requested': case 'supplement_requested': {
        if (type === 'intake_supplement_requested' && !isNew) e.procedure = selected.d.procedure;
        const items = checked('items');
        const other = f['items-other'] && f['items-other'].value.trim();
        if (other) items.push({ name: other });
        if (!items.length) throw fieldErr('items', 'Chọn giấy tờ cần bổ sung', 'Choose the items to supplement');
        e.items = items;
        str('reason', f.reason.value);
        if (isNew && type === 'intake_supplement_requested' && f.channel) e.applicant = appl(f);
        break;
      }
      case 'intake_refused': str('reason', f.reason.value); if (isNew) e.applicant = appl(f); if (!isNew) e.procedure = selected.d.procedure; break;
      case 'transferred': e.to = f.to.value; if (f.step && f.step.value) e.step = f.step.value; break;
      case 'apology_issued': {
        const nd = M.parseVN(f.new_due_at.value);
        if (!nd) throw fieldErr('new_due_at', 'Hẹn trả mới phải theo dạng dd/mm/yyyy hh:mm', 'New due time must be dd/mm/yyyy hh:mm');
        e.new_due_at = M.isoLocal(nd); str('reason', f.reason.value); break;
      }
      case 'rejected': case 'withdrawn': case 'stop_requested': str('reason', f.reason.value); break;
      case 'complaint_filed':
        e.complaint = 'kn-' + Date.now().toString(36); e.category = f.category.value;
        str('subject_official', f.subject_official.value); str('text', f.text.value); break;
      case 'complaint_resolved': e.complaint = f.complaint.value; e.outcome = f.outcome.value; break;
      default:
    }
    if (e.applicant && !e.applicant.name && !e.applicant.phone) delete e.applicant;
    return e;
  }
  function appl(f) {
    const a = {}; if (f['applicant.name'] && f['applicant.name'].value.trim()) a.name = f['applicant.name'].value.trim();
    if (f['applicant.phone'] && f['applicant.phone'].value.trim()) a.phone = f['applicant.phone'].value.trim();
    return a;
  }
  function fieldErr(fld, vi, en) { const e = new Error(M.lang() === 'vi' ? vi : en); e.field = fld; e.text = () => e.message; return e; }

  // A direct receipt gets its code from the server and Form 01 with the
  // return hour: the end of the last office period of the due day.
  async function prepare(e) {
    if (e.type === 'received' || e.type === 'intake_supplement_requested' || e.type === 'intake_refused') {
      if (!e.dossier) {
        const r = await M.api('/dossier-codes', { method: 'POST', body: { agency: counterA.id } });
        e.dossier = r.code;
        const f = $('ev').elements; if (f.dossier) f.dossier.value = r.code; // a retry keeps it
      }
    }
    const p = procedures.get(e.procedure);
    if (e.type === 'received' && p && !p.instant) {
      const r = await M.api('/calendar/due?' + new URLSearchParams({ from: e.at, value: p.lead_time.value, unit: p.lead_time.unit }));
      const seq = e.dossier.split('-').pop();
      e.slip = { number: seq + '/' + e.at.slice(8, 10) + e.at.slice(5, 7) + e.at.slice(2, 4), due_at: r.return_at || r.due_at };
    }
    return e;
  }

  function clearErrors() {
    document.querySelectorAll('#ev .invalid').forEach((x) => x.classList.remove('invalid'));
    document.querySelectorAll('#ev .field-error').forEach((x) => x.remove());
    $('msg').hidden = true;
  }

  function showMsg(err, bad) {
    const m = $('msg');
    m.className = 'msg ' + (bad ? 'err' : 'ok'); m.hidden = false;
    m.textContent = typeof err === 'string' ? err : (err.text ? err.text() : String(err));
    if (!bad || !err.field) return;
    const k = err.field.replace(/^events\[\d+\]\./, '').replace(/\[\d+\].*$/, '').replace(/^slip\..*/, 'procedure');
    const l = document.querySelector('#fields [data-key="' + k + '"]');
    if (!l) return;
    const target = l.querySelector('input:not([type=hidden]),select,textarea,.items') || l;
    target.classList.add('invalid');
    l.append(el('div', 'field-error', m.textContent));
    if (target.focus) target.focus();
  }

  async function submit(ev) {
    if (ev) ev.preventDefault();
    if (!mode || $('ev').hidden) return;
    // An Enter in the procedure search picks a procedure; it never saves.
    if (document.activeElement && document.activeElement.id === 'f-procedure-q' && ev) return;
    clearErrors();
    $('submit').disabled = true;
    try {
      let e = build();
      e = await prepare(e);
      const r = await M.api('/events', { method: 'POST', body: e });
      const d = r.dossiers && r.dossiers[0];
      showMsg(t('Đã ghi') + ': ' + M.eventName(e.type) + ' · ' + (e.dossier || '') +
        (r.violations.length ? ' · ' + r.violations.map((v) => M.codeName(v.code)).join(', ') : ''), false);
      if (d) {
        dossiers.set(d.code, d);
        const full = await M.api('/dossiers/' + encodeURIComponent(d.code));
        selected = { d: full.dossier, events: full.events, violations: full.violations };
        printFor(e, full);
      }
      renderList();
      const wasNew = !!$('ev').elements['procedure-q'];
      if (wasNew) { startForm('received-new'); showMsg(t('Đã ghi') + ': ' + M.eventName(e.type) + ' · ' + e.dossier, false); } else { renderSelected(); $('search').focus(); }
    } catch (err) {
      showMsg(err, true);
    } finally {
      $('submit').disabled = false;
    }
  }

  function ctx(full) {
    return { d: full.dossier, events: full.events, agencies, procedures, officials, publicURL: session.public_url };
  }

  function printFor(e, full) {
    const area = $('print-area');
    const c = ctx(full);
    const ev = full.events.find((x) => x.id === e.id) || e;
    let form = null;
    if (e.type === 'received') form = Forms.slip(c, extraDocs);
    if (e.type === 'supplement_requested' || e.type === 'intake_supplement_requested') form = Forms.supplement(c, ev);
    if (e.type === 'intake_refused' || e.type === 'rejected') form = Forms.refusal(c, ev);
    if (e.type === 'apology_issued') form = Forms.apology(c, ev);
    if (e.type === 'stop_notice_issued') form = Forms.stopNotice(c, ev);
    if (!form) return;
    form.id = 'slip';
    area.replaceChildren(form);
    $('slip-box').hidden = false;
  }

  // ---------- keyboard ----------
  const typing = (x) => x && (x.tagName === 'INPUT' || x.tagName === 'TEXTAREA' || x.tagName === 'SELECT');
  function keys(ev) {
    if (!$('shift').hidden || !$('signin').hidden) return;
    const a = document.activeElement;
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); submit(); return; }
    // "/" goes to the search from the search itself or from an empty field.
    if (ev.key === '/' && (a.id === 'search' || (typing(a) && a.tagName === 'INPUT' && !a.value && a.type !== 'checkbox'))) {
      ev.preventDefault(); $('search').focus(); $('search').select(); return;
    }
    if (ev.key === 'Escape') { ev.preventDefault(); if (selected && !$('ev').hidden && $('actions').hidden === false) { $('ev').hidden = true; $('actions').querySelector('button').focus(); } else $('search').focus(); return; }
    if (typing(a) && a.id !== 'list') {
      if (a.id === 'search' && (ev.key === 'Enter' || ev.key === 'ArrowDown')) {
        ev.preventDefault();
        const first = $('list').querySelector('li[data-code]');
        if (!first) return;
        if (ev.key === 'Enter') select(first.dataset.code); else first.focus();
      }
      return;
    }
    if (ev.key === '/') { ev.preventDefault(); $('search').focus(); $('search').select(); return; }
    if (ev.key === 'n' || ev.key === 'N') { ev.preventDefault(); newReceipt(); return; }
    if (a && a.classList && a.classList.contains('drow')) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') { ev.preventDefault(); const n = ev.key === 'ArrowDown' ? a.nextElementSibling : a.previousElementSibling; if (n) n.focus(); return; }
      if (ev.key === 'Enter') { ev.preventDefault(); select(a.dataset.code); return; }
    }
    if (/^[0-9]$/.test(ev.key) && !$('actions').hidden) {
      const b = $('actions').querySelectorAll('button')[ev.key === '0' ? 9 : +ev.key - 1];
      if (b) { ev.preventDefault(); startForm(b.dataset.type); }
    }
  }

  function newReceipt() {
    selected = null; $('dossier').hidden = true; $('actions').hidden = true; renderList(); startForm('received-new');
  }

  function tick() { $('clock').textContent = M.fmtClock(M.now()); }

  async function start() {
    let ag, pr;
    try {
      [session, ag, pr] = await Promise.all([M.api('/session'), M.api('/agencies'), M.api('/procedures')]);
    } catch (e) {
      if (e.status === 401) { M.signIn(start); return; }
      showMsg(e, true); return;
    }
    if (session.role !== 'desk' && session.role !== 'integration') {
      showMsg(M.lang() === 'vi' ? 'Mã truy cập này không được ghi sự kiện tại quầy.' : 'This token cannot record events at a desk.', true); return;
    }
    const walk = (a) => { agencies.set(a.id, a); (a.children || []).forEach(walk); };
    walk(ag.agencies);
    ag.officials.forEach((o) => officials.set(o.id, o));
    pr.procedures.forEach((p) => procedures.set(p.code, p));
    let s = JSON.parse(sessionStorage.getItem(shiftKey) || 'null');
    const ok = s && s.day === TODAY() && agencies.has(s.agency) && within(s.agency, session.agency) && (!session.official || s.official === session.official);
    // A shift the server no longer has open ended at closing time (or was
    // ended elsewhere): say so and start a new one.
    let note = '';
    if (ok && openShift(s) === null) {
      note = s.closes && Date.parse(s.closes) <= M.now().getTime()
        ? t('Ca trực trước đã kết thúc lúc') + ' ' + M.fmtTime(s.closes) + ' ' + t('(hết giờ làm việc).')
        : t('Ca trực trước đã kết thúc.');
    }
    if (!ok || note) {
      sessionStorage.removeItem(shiftKey);
      s = await askShift(note);
      session = await M.api('/session');
    }
    const open = openShift(s);
    if (open) {
      // Remember when the server ends it, to say so after closing time.
      const saved = JSON.parse(sessionStorage.getItem(shiftKey) || 'null');
      if (saved) sessionStorage.setItem(shiftKey, JSON.stringify({ ...saved, closes: open.closes_at }));
    }
    counterA = agencies.get(s.agency); clerk = s.official; desk = s.desk;
    $('counter-name').textContent = counterA.name;
    $('counter-name').removeAttribute('data-t');
    const o = officials.get(clerk);
    $('clerk').textContent = (o ? o.name : clerk) + ' · ' + t('Quầy số') + ' ' + desk.replace(/^q/, '');
    closingTimer(open);
    await loadList();
    newReceipt();
    document.body.dataset.ready = '1';
  }

  document.addEventListener('DOMContentLoaded', () => {
    tick(); setInterval(tick, 15000);
    $('ev').addEventListener('submit', submit);
    // The "/" that jumped here is not part of the search.
    $('search').addEventListener('input', () => { const x = $('search'); if (x.value.startsWith('/')) x.value = x.value.slice(1); renderList(); });
    $('new').addEventListener('click', newReceipt);
    $('print').addEventListener('click', () => window.print());
    document.addEventListener('keydown', keys);
    document.addEventListener('motcua-lang', () => { if (selected) renderSelected(); renderList(); });
    // Signing out ends the shift first (common.js then clears the token).
    $('signout').addEventListener('click', async (ev) => {
      ev.stopImmediatePropagation();
      await endShift();
      sessionStorage.removeItem('motcua.token'); localStorage.removeItem('motcua.token'); location.reload();
    }, true);
    if (!M.hasToken()) { M.signIn(start); return; }
    start();
  });
})();

'use strict';
(() => {
  const { t, el } = M;
  const $ = (id) => document.getElementById(id);
  const code = decodeURIComponent(location.pathname.replace(/^\/d\//, ''));
  let agencies = new Map();
  let procedures = new Map();
  let officials = new Map();
  let data = null;
  const name = (id) => (agencies.get(id) ? agencies.get(id).name : id);

  const CATS = { attitude: 'Thái độ', harassment: 'Gây phiền hà, sách nhiễu', bribery: 'Đòi hỏi tiền, quà', indifference: 'Thờ ơ, chậm trễ', extra_papers: 'Đòi thêm giấy tờ', other: 'Khác' };
  function detail(e) {
    switch (e.type) {
      case 'transferred': return '→ ' + name(e.to) + (e.step ? ' (' + e.step + ')' : '');
      case 'supplement_requested': case 'intake_supplement_requested':
        return (e.items || []).map((i) => i.name || i.code).join('; ') + (e.reason ? ' — ' + e.reason : '');
      case 'apology_issued': return M.fmtTime(e.new_due_at) + (e.reason ? ' — ' + e.reason : '');
      case 'received': return e.slip ? 'Hẹn trả ' + M.fmtTime(e.slip.due_at) : '';
      case 'slip_issued': return 'Hẹn trả ' + M.fmtTime(e.due_at);
      case 'complaint_filed': return (CATS[e.category] || e.category) + (e.text ? ' — ' + e.text : '');
      case 'complaint_resolved': return e.outcome === 'upheld' ? 'Đúng (có vi phạm)' : 'Không có cơ sở';
      default: return e.reason || '';
    }
  }

  const FORMS = {
    received: ['01', (c) => Forms.slip(c, null)], slip_issued: ['01', (c) => Forms.slip(c, null)],
    intake_supplement_requested: ['02', (c, e) => Forms.supplement(c, e)], supplement_requested: ['02', (c, e) => Forms.supplement(c, e)],
    intake_refused: ['03', (c, e) => Forms.refusal(c, e)], rejected: ['03', (c, e) => Forms.refusal(c, e)],
    apology_issued: ['04', (c, e) => Forms.apology(c, e)],
    stop_notice_issued: ['05', (c, e) => Forms.stopNotice(c, e)],
  };
  const ctx = () => ({ d: data.dossier, events: data.events, agencies, procedures, officials, publicURL: (data.dossier.tracking_url || '').replace(/\/tra-cuu\/.*$/, '') });
  function print(form) {
    form.id = 'slip';
    $('print-area').replaceChildren(form);
    $('print-box').hidden = false;
    document.body.dataset.printed = form.dataset.form;
    if (!M.params.has('noprint')) window.print();
  }

  function render() {
    if (!data) return;
    const d = data.dossier;
    $('code').textContent = d.code;
    const p = procedures.get(d.procedure);
    $('procedure').textContent = p ? p.name + ' (' + p.code + ')' : d.procedure;
    $('state').className = 'badge ' + d.clock.state;
    $('state').textContent = M.stateName(d.clock.state) + (d.clock.paused_reason ? ': ' + d.clock.paused_reason : '');
    const rows = [
      ['Người nộp', d.applicant ? d.applicant.name : '—'],
      ['Cơ quan', name(d.agency)], ['Đang giữ', name(d.holder)], ['Trạng thái', M.statusName(d.status)],
      ['Đã tiếp nhận', M.fmtTime(d.received_at)], ['Thời hạn theo luật', M.fmtTime(d.legal_due_at)],
      ['Hẹn trả kết quả', M.fmtTime(d.promised_due_at)], ['Hạn hiện tại', M.fmtTime(d.due_at)], ['Hoàn thành', M.fmtTime(d.finished_at)],
      ['Căn cứ pháp lý', M.lawName(d.regime)],
    ];
    $('facts').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', null, t(k)), el('dd', null, v)]));
    $('events').replaceChildren(...data.events.map((e) => {
      const tr = el('tr');
      const who = officials.get(e.official);
      tr.append(el('td', null, M.fmtTime(e.at)), el('td', null, M.eventName(e.type)), el('td', null, name(e.agency) + (who ? ' · ' + who.name : '')), el('td', null, detail(e)));
      const f = FORMS[e.type];
      const td = el('td');
      if (f) { const b = el('button', 'ghost-d', t('In mẫu') + ' ' + f[0]); b.type = 'button'; b.dataset.form = f[0]; b.dataset.event = e.id; b.addEventListener('click', () => print(f[1](ctx(), e))); td.append(b); }
      tr.append(td);
      return tr;
    }));
    $('violations').replaceChildren(...(data.violations.length ? data.violations.map((v) => {
      const tr = el('tr');
      if (!M.counts(v)) tr.className = 'not-counted';
      tr.append(el('td', null, M.codeName(v.code)), el('td', null, M.severityName(v.severity) + ' · ' + M.vstatusName(v.status) + (v.status === 'withdrawn' && v.withdrawn_at ? ' ' + M.fmtTime(v.withdrawn_at) : '')), el('td', null, name(v.agency)),
        el('td', null, v.head.name + ' — ' + v.head.title), el('td', null, M.fmtTime(v.occurred_at)));
      return tr;
    }) : [el('tr', null, t('Không có'))]));
    document.body.dataset.ready = '1';
  }

  async function start() {
    try {
      const [ag, pr, r] = await Promise.all([M.api('/agencies?at=all'), M.api('/procedures'), M.api('/dossiers/' + encodeURIComponent(code))]);
      const walk = (a) => { agencies.set(a.id, a); (a.children || []).forEach(walk); };
      walk(ag.agencies);
      ag.officials.forEach((o) => officials.set(o.id, o));
      pr.procedures.forEach((p) => procedures.set(p.code, p));
      data = r;
      render();
    } catch (e) {
      if (e.status === 401) { M.signIn(start); return; }
      $('msg').hidden = false; $('msg').textContent = e.text ? e.text() : String(e);
    }
  }
  document.addEventListener('DOMContentLoaded', () => {
    document.addEventListener('motcua-lang', render);
    if (!M.hasToken()) { M.signIn(start); return; }
    start();
  });
})();

// motcua printable forms: Form 01 (slip), 02 (supplement request),
// 03 (refusal), 04 (apology), rendered as DOM (no HTML strings) for A5.
'use strict';

const Forms = (() => {
  const { el } = M;
  const p2 = (n) => String(n).padStart(2, '0');
  const local = (s) => new Date(new Date(s).getTime() + 7 * 3600e3);
  // hm: "08 giờ 15 phút, ngày 11 tháng 03 năm 2026".
  const hm = (s) => { if (!s) return '…'; const x = local(s); return p2(x.getUTCHours()) + ' giờ ' + p2(x.getUTCMinutes()) + ' phút, ngày ' + p2(x.getUTCDate()) + ' tháng ' + p2(x.getUTCMonth() + 1) + ' năm ' + x.getUTCFullYear(); };
  const dateLine = (s) => { const x = local(s); return 'ngày ' + p2(x.getUTCDate()) + ' tháng ' + p2(x.getUTCMonth() + 1) + ' năm ' + x.getUTCFullYear(); };

  // regime of a dossier: the state's, else by its receipt (or creation) date (SPEC.md §10.2).
  function regime(d) {
    if (d.regime) return d.regime;
    const at = d.received_at || d.created_at;
    if (at && at < '2025-07-01') return 'v2018';
    return 'v2025';
  }
  const basis = (d) => (regime(d) === 'v2018' ? 'Thông tư số 01/2018/TT-VPCP' : 'Phụ lục I Thông tư số 03/2025/TT-VPCP');

  function header(ctx, no, title) {
    const a = ctx.agencies.get(ctx.d.agency) || { name: ctx.d.agency };
    const parent = ctx.agencies.get(a.parent);
    const box = el('article', 'form a5');
    box.dataset.form = no;
    const gov = el('div', 'gov');
    const left = el('div'); left.append(el('b', 'up', parent ? parent.name : ''), el('b', 'up', a.name), el('span', 'rule'));
    const right = el('div'); right.append(el('b', 'up', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'), el('b', null, 'Độc lập - Tự do - Hạnh phúc'), el('span', 'rule'));
    gov.append(left, right);
    const meta = el('div', 'meta');
    meta.append(el('span', null, 'Mẫu số ' + no + ' — ' + basis(ctx.d)));
    box.append(gov, meta, el('h3', null, title), el('div', 'no', 'Mã hồ sơ: ' + ctx.d.code));
    return box;
  }

  function sign(left, right, rightName) {
    const s = el('div', 'signs');
    const l = el('div'); l.append(el('b', null, left), el('i', null, '(Ký và ghi rõ họ tên)'), el('div', 'space'));
    const r = el('div'); r.append(el('b', null, right), el('i', null, '(Ký và ghi rõ họ tên)'), el('div', 'space'), el('span', 'signer', rightName || ''));
    s.append(l, r);
    return s;
  }

  const p = (label, value, cls) => { const x = el('p', cls); x.append(document.createTextNode(label + ' '), el('b', null, value || '…')); return x; };

  // slip renders Form 01. extra: per-document {kind, count} typed at the
  // desk (not stored; blank on a reprint).
  function slip(ctx, extra) {
    const { d } = ctx;
    const proc = ctx.procedures.get(d.procedure) || { name: d.procedure, documents: [], lead_time: {} };
    const rcv = (ctx.events || []).find((e) => e.type === 'received') || {};
    const box = header(ctx, '01', 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ');
    const slipNo = (rcv.slip && rcv.slip.number) || (d.slip && d.slip.number) || '';
    box.querySelector('.meta').append(el('span', null, 'Số: ' + (slipNo || '…')));
    const counter = ctx.agencies.get(d.agency) || { name: d.agency };
    box.append(el('p', null, counter.name + ' tiếp nhận hồ sơ của:'));
    box.append(p('Ông/Bà:', d.applicant && d.applicant.name, 'applicant'), p('Số điện thoại:', d.applicant && d.applicant.phone));
    box.append(p('Nội dung yêu cầu giải quyết:', proc.name));
    box.append(el('p', null, '1. Thành phần hồ sơ nộp gồm:'));
    const tbl = el('table', 'docs');
    const hr = el('tr'); ['TT', 'Tên giấy tờ', 'Bản chính/Bản sao', 'Số lượng'].forEach((h) => hr.append(el('th', null, h)));
    tbl.append(hr);
    const docs = rcv.documents || [];
    docs.forEach((x, i) => {
      const doc = proc.documents.find((y) => y.code === x.code);
      const ex = (extra && extra[x.code]) || {};
      const tr = el('tr');
      tr.append(el('td', null, i + 1), el('td', null, doc ? doc.name : (x.name || x.code)), el('td', null, ex.kind || ''), el('td', null, ex.count || ''));
      tbl.append(tr);
    });
    if (!docs.length) { const tr = el('tr'); tr.append(el('td', null, ''), el('td', null, '…'), el('td'), el('td')); tbl.append(tr); }
    box.append(tbl);
    box.append(p('2. Số lượng hồ sơ:', '01 bộ'));
    const lead = proc.instant ? 'Trả ngay trong ngày' : proc.lead_time.value + ' ' + ({ working_days: 'ngày làm việc', working_hours: 'giờ làm việc', days: 'ngày' }[proc.lead_time.unit] || proc.lead_time.unit);
    box.append(p('3. Thời gian giải quyết hồ sơ theo quy định:', lead));
    box.append(p('4. Thời gian nhận hồ sơ:', hm(d.received_at)));
    box.append(p('5. Thời gian trả kết quả giải quyết hồ sơ:', proc.instant ? 'Trả ngay trong ngày' : hm(d.promised_due_at), 'due'));
    box.append(p('6. Đăng ký nhận kết quả tại:', counter.name));
    box.append(p('Vào Sổ theo dõi hồ sơ, số thứ tự:', slipNo));
    const qr = el('div', 'qrbox');
    const img = el('img', 'qr'); img.alt = 'QR tra cứu';
    img.src = '/tra-cuu/' + encodeURIComponent(d.code) + '/qr.svg?k=' + encodeURIComponent(d.tracking_key || '');
    const k = el('div', 'key');
    k.append(el('div', null, 'Tra cứu tình trạng hồ sơ tại:'), el('div', 'url', (ctx.publicURL || '') + '/tra-cuu'), el('div', null, 'Mã tra cứu: '), el('b', 'tkey', d.tracking_key || ''));
    qr.append(img, k);
    box.append(qr);
    const clerk = ctx.officials.get(rcv.official);
    box.append(sign('NGƯỜI NỘP HỒ SƠ', 'NGƯỜI TIẾP NHẬN HỒ SƠ', clerk ? clerk.name : ''));
    return box;
  }

  function itemsList(e, proc) {
    const ol = el('ol');
    (e.items || []).forEach((it) => {
      const doc = proc && proc.documents.find((y) => y.code === it.code);
      ol.append(el('li', null, doc ? doc.name : (it.name || it.code)));
    });
    return ol;
  }

  // supplement renders Form 02 for event e.
  function supplement(ctx, e) {
    const proc = ctx.procedures.get(ctx.d.procedure);
    const box = header(ctx, '02', 'PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ');
    box.append(p('Ông/Bà:', ctx.d.applicant && ctx.d.applicant.name), p('Nội dung yêu cầu giải quyết:', proc ? proc.name : ctx.d.procedure));
    box.append(el('p', null, 'Sau khi xem xét thành phần hồ sơ, đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau (yêu cầu một lần, đầy đủ):'));
    box.append(itemsList(e, proc));
    box.append(p('Lý do:', e.reason));
    box.append(p('Thời điểm:', hm(e.at)));
    box.append(el('p', 'hint', 'Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ ' + ((ctx.agencies.get(e.agency) || {}).name || '') + ' để được hướng dẫn.'));
    const o = ctx.officials.get(e.official);
    box.append(sign('NGƯỜI NỘP HỒ SƠ', 'NGƯỜI HƯỚNG DẪN', o ? o.name : ''));
    return box;
  }

  // refusal renders Form 03 for event e (intake refusal or rejection).
  function refusal(ctx, e) {
    const proc = ctx.procedures.get(ctx.d.procedure);
    const box = header(ctx, '03', 'PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ');
    box.append(p('Ông/Bà:', ctx.d.applicant && ctx.d.applicant.name), p('Nội dung yêu cầu giải quyết:', proc ? proc.name : ctx.d.procedure));
    box.append(el('p', null, 'Qua xem xét, cơ quan, đơn vị từ chối tiếp nhận, giải quyết hồ sơ này với lý do:'));
    box.append(el('p', 'reason', e.reason || '…'));
    box.append(p('Thời điểm:', hm(e.at)));
    box.append(el('p', null, 'Xin thông báo để Ông/Bà được biết và thực hiện.'));
    const o = ctx.officials.get(e.official);
    box.append(sign('NGƯỜI NỘP HỒ SƠ', 'NGƯỜI TIẾP NHẬN HỒ SƠ', o ? o.name : ''));
    return box;
  }

  // apology renders Form 04 for event e, signed by the head of its agency.
  function apology(ctx, e) {
    const v25 = regime(ctx.d) !== 'v2018';
    const title = v25 ? 'PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT' : 'PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ';
    const box = header(ctx, '04', title);
    const proc = ctx.procedures.get(ctx.d.procedure);
    box.append(p('Kính gửi Ông/Bà:', ctx.d.applicant && ctx.d.applicant.name));
    box.append(p('Ngày nhận hồ sơ:', hm(ctx.d.received_at)), p('Nội dung yêu cầu giải quyết:', proc ? proc.name : ctx.d.procedure));
    box.append(p('Thời gian hẹn trả kết quả:', hm(ctx.d.promised_due_at)));
    box.append(p('Lý do chậm trễ:', e.reason));
    box.append(el('p', null, 'Cơ quan, đơn vị thành thật xin lỗi Ông/Bà vì sự chậm trễ này và hẹn lại thời gian trả kết quả:'));
    box.append(p('Thời gian trả kết quả mới:', hm(e.new_due_at), 'due'));
    const a = ctx.agencies.get(e.agency) || { head: {} };
    box.append(sign('', (a.head.title || 'THỦ TRƯỞNG CƠ QUAN').toUpperCase(), a.head.name));
    box.querySelector('.signs > div:first-child').replaceChildren(el('span', null, dateLine(e.at)));
    return box;
  }

  // stopNotice renders Form 05 (Circular 03/2025, from v2025) for event e:
  // the stop notice sent after the applicant's request (Decree 118/2025
  // Art. 21), signed by the head of its agency.
  function stopNotice(ctx, e) {
    const box = header(ctx, '05', 'THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ');
    const proc = ctx.procedures.get(ctx.d.procedure);
    const req = (ctx.events || []).find((x) => x.type === 'stop_requested');
    box.append(p('Kính gửi Ông/Bà:', ctx.d.applicant && ctx.d.applicant.name));
    box.append(p('Ngày nhận hồ sơ:', hm(ctx.d.received_at)), p('Nội dung yêu cầu giải quyết:', proc ? proc.name : ctx.d.procedure));
    box.append(p('Ngày Ông/Bà đề nghị dừng giải quyết:', req ? hm(req.at) : '…'));
    if (req && req.reason) box.append(p('Lý do đề nghị:', req.reason));
    box.append(el('p', null, 'Theo đề nghị của Ông/Bà, cơ quan, đơn vị thông báo dừng giải quyết hồ sơ nêu trên kể từ:'));
    box.append(p('Thời điểm dừng:', hm(e.at), 'due'));
    box.append(el('p', null, 'Hồ sơ đã nộp được trả lại theo đề nghị của Ông/Bà (nếu có).'));
    const a = ctx.agencies.get(e.agency) || { head: {} };
    const head = a.head || {};
    box.append(sign('', (head.title || 'THỦ TRƯỞNG CƠ QUAN').toUpperCase(), head.name));
    box.querySelector('.signs > div:first-child').replaceChildren(el('span', null, dateLine(e.at)));
    return box;
  }

  return { slip, supplement, refusal, apology, stopNotice, hm };
})();

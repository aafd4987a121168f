// motcua pages: shared helpers. Text always goes through textContent.
'use strict';

const M = (() => {
  const TZ = 'Asia/Ho_Chi_Minh';
  const meta = document.querySelector('meta[name="motcua-now"]');
  // Offset of the server clock, so that events are stamped with its time.
  const skew = meta ? Date.parse(meta.content) - Date.now() : 0;

  const dict = {
    vi: {},
    en: {
      'Bảng theo dõi một cửa': 'One-stop monitoring board',
      'Đăng nhập': 'Sign in', 'Mã truy cập': 'Access token', 'Lưu': 'Save', 'Đăng xuất': 'Sign out',
      'Trong hạn': 'On track', 'Sắp đến hạn': 'Warning', 'Đến hạn hôm nay': 'Due today', 'Quá hạn': 'Overdue',
      'Tạm dừng': 'Paused', 'Chờ tiếp nhận': 'Intake', 'Xong đúng hạn': 'Done on time', 'Xong trễ hạn': 'Done late', 'Đã kết thúc': 'Closed',
      'Hồ sơ quá hạn lâu nhất': 'Oldest overdue dossiers', 'Vi phạm mới': 'New violations', 'Cảnh báo': 'Alerts',
      'Hồ sơ tạm dừng': 'Paused dossiers', 'Đơn vị': 'Units', 'Đúng hạn': 'On time', 'Đã tiếp nhận': 'Received',
      'Vi phạm': 'Violations', 'Đang giữ': 'Held by', 'Trực tuyến': 'Live', 'Mất kết nối': 'Disconnected',
      'Đang kết nối…': 'Connecting…', 'Không có': 'None', 'quá': 'late by', 'ngày': 'd', 'giờ': 'h',
      'Quầy tiếp nhận': 'Reception desk', 'Ghi nhận': 'Record', 'Loại sự kiện': 'Event type', 'Mã hồ sơ': 'Dossier code',
      'Cơ quan': 'Agency', 'Cán bộ': 'Official', 'Thủ tục': 'Procedure', 'Kênh': 'Channel', 'Người nộp': 'Applicant',
      'Điện thoại': 'Phone', 'Thời điểm': 'Time', 'Chuyển đến': 'Transfer to', 'Bước': 'Step', 'Lý do': 'Reason',
      'Giấy tờ cần bổ sung': 'Items to supplement', 'Hẹn trả mới': 'New due time', 'Số phiếu': 'Slip number',
      'Hẹn trả': 'Due time', 'Quầy': 'Desk', 'Mã khiếu nại': 'Complaint id', 'Loại khiếu nại': 'Category',
      'Cán bộ bị khiếu nại': 'Subject official', 'Nội dung': 'Text', 'Kết quả': 'Outcome', 'In phiếu': 'Print slip',
      'Đã ghi': 'Recorded', 'Sự kiện vừa ghi': 'Recently recorded', 'Diễn biến hồ sơ': 'Dossier timeline',
      'Thời hạn theo luật': 'Legal due', 'Hẹn trả kết quả': 'Promised', 'Hạn hiện tại': 'Effective due', 'Hoàn thành': 'Finished', 'Căn cứ pháp lý': 'Legal basis',
      'Trạng thái': 'Status', 'Không tìm thấy hồ sơ': 'Dossier not found', 'Giấy tờ nộp': 'Documents handed in',
      'Trực tiếp': 'Direct', 'Trực tuyến (qua mạng)': 'Online', 'Bưu chính': 'Postal', 'Tự động': 'Automatic',
      'Người đứng đầu': 'Head', 'tổng': 'total', 'trực tiếp': 'direct', 'đang quá hạn': 'open overdue',
      'Hôm nay tại quầy': 'Today at this counter', 'Tìm mã hồ sơ, tên, điện thoại': 'Search code, name, phone',
      'Tiếp nhận mới': 'New receipt', 'Tìm thủ tục (gõ không dấu được)': 'Find procedure (accents optional)',
      'Người tiếp nhận': 'Received by', 'Quầy số': 'Desk', 'Bắt đầu ca': 'Start shift', 'Kết thúc ca': 'End shift',
      'Cán bộ trực quầy': 'Clerk at the desk', 'Bộ phận một cửa': 'One-stop counter', 'Chọn': 'Choose',
      'Vào ca': 'Sign in to the desk', 'Ca trực trước đã kết thúc.': 'Your last shift has ended.',
      'Ca trực trước đã kết thúc lúc': 'Your last shift ended at', '(hết giờ làm việc).': '(closing time).', 'Sẽ ghi vi phạm': 'This entry will record a breach', 'Hủy': 'Cancel',
      'Chọn việc cần ghi': 'Choose what to record', 'Không có hồ sơ': 'No dossiers', 'In': 'Print',
      'Lý do công dân đề nghị dừng': 'Why the applicant asks to stop',
      'Ghi xong sẽ in Thông báo dừng giải quyết hồ sơ (Mẫu 05) để thủ trưởng ký.': 'Recording prints the stop notice (Form 05) for the head to sign.',
      'Giấy tờ khác': 'Other paper', 'Bản chính': 'Original', 'Bản sao': 'Copy', 'Số lượng': 'Count',
      'Hẹn trả mới (dd/mm/yyyy hh:mm)': 'New due (dd/mm/yyyy hh:mm)', 'Thời điểm (để trống = bây giờ)': 'Time (empty = now)',
      'Mã hồ sơ (để trống = cấp tự động)': 'Dossier code (empty = issued by the server)',
      'Hôm nay': 'Today', 'Tháng này': 'This month', 'Năm nay': 'This year', 'Kỳ': 'Period',
      'Chú giải': 'Legend', 'Tốt': 'Good', 'Cần chú ý': 'Watch', 'Xấu': 'Poor', 'Trang': 'Page',
      'Số liệu lúc': 'Figures as of', 'Đang mở': 'Open', 'Vi phạm trong kỳ': 'Violations in period',
      'Tỷ lệ đúng hạn': 'On-time rate', 'Đã rút lại': 'Withdrawn', 'Mức độ': 'Severity',
      'Kết quả thực hiện': 'Outcome', 'In mẫu': 'Print form', 'Đã nhận': 'Received', 'Đang xử lý': 'Processing',
      'Báo cáo, xếp hạng người đứng đầu': "Heads' scorecards and ranking", 'Kỳ báo cáo': 'Period', 'Tháng': 'Month',
      'Quý': 'Quarter', 'Năm': 'Year', 'Tùy chọn': 'Custom', 'Từ ngày': 'From', 'Đến ngày': 'To', 'Xem': 'Show',
      'Cấp': 'Level', 'Tất cả các cấp': 'All levels', 'Cơ quan, đơn vị': 'Agency', 'Tiếp nhận': 'Received',
      'Đã giải quyết': 'Finished', 'Tỷ lệ đúng hạn (QĐ 766)': 'On-time rate (766)', 'Đang quá hạn': 'Open overdue',
      'Vi phạm cao/TB/thấp': 'Breaches high/med/low', 'Điểm': 'Score', 'Xếp loại': 'Band', 'Thứ hạng': 'Rank',
      'Diễn biến 12 tháng': '12-month trend', 'Tải bảng xếp hạng': 'Download scorecards', 'Tải sổ theo dõi hồ sơ': 'Download register',
      'Tải danh sách vi phạm': 'Download breaches', 'Tỷ lệ đúng hạn': 'On-time rate', 'Đang tải…': 'Loading…',
      'Hoàn thành xuất sắc nhiệm vụ': 'Excellent', 'Hoàn thành tốt nhiệm vụ': 'Good', 'Hoàn thành nhiệm vụ': 'Completed',
      'Không hoàn thành nhiệm vụ': 'Not completed', 'Thành phố': 'City', 'Sở, ban, ngành': 'Department', 'Quận, huyện': 'District',
      'Phòng, ban chuyên môn': 'Division', 'Xã, phường': 'Commune', 'Bộ phận một cửa': 'Counter',
      'Cách tính điểm': 'How the score is computed', 'Nhấn vào tên đơn vị để xem diễn biến.': 'Click a unit to see its trend.',
    },
  };
  let lang = localStorage.getItem('motcua.lang') || 'vi';
  const t = (s) => (lang === 'vi' ? s : (dict.en[s] || s));

  const codes = {
    overdue: ['Quá hạn giải quyết', 'Overdue'],
    late_return: ['Trả kết quả trễ hạn', 'Late return'],
    missing_apology: ['Không có phiếu xin lỗi', 'Missing apology'],
    repeated_reschedule: ['Hẹn lại nhiều lần', 'Repeated reschedule'],
    late_after_reschedule: ['Trễ sau khi hẹn lại', 'Late after reschedule'],
    missing_slip: ['Không cấp giấy tiếp nhận', 'Missing slip'],
    slip_beyond_legal_limit: ['Hẹn trả vượt thời hạn luật', 'Slip beyond legal limit'],
    repeated_supplement: ['Yêu cầu bổ sung nhiều lần', 'Repeated supplement'],
    inconsistent_supplement: ['Hướng dẫn bổ sung không thống nhất', 'Inconsistent supplement'],
    extra_document: ['Yêu cầu giấy tờ ngoài quy định', 'Extra document'],
    late_supplement_request: ['Yêu cầu bổ sung muộn', 'Late supplement request'],
    missing_reason: ['Không nêu lý do', 'Missing reason'],
    step_overrun: ['Vượt thời gian bước xử lý', 'Step overrun'],
    responsibility_bounce: ['Đùn đẩy trách nhiệm', 'Responsibility bounce'],
    late_transfer: ['Chuyển hồ sơ muộn', 'Late transfer'],
    desk_unstaffed: ['Quầy không có người trực', 'Desk unstaffed'],
    complaint: ['Khiếu nại, phản ánh', 'Complaint'],
    backdated_entry: ['Nhập liệu lùi ngày', 'Backdated entry'],
    database_document_requested: ['Yêu cầu giấy tờ đã có trong CSDL quốc gia', 'Asked for a paper the national databases hold'],
    dossier_code_format: ['Mã hồ sơ sai định dạng', 'Dossier code format'],
  };
  const codeName = (c) => (codes[c] ? codes[c][lang === 'vi' ? 0 : 1] : c);

  const states = {
    on_track: 'Trong hạn', warning: 'Sắp đến hạn', due_today: 'Đến hạn hôm nay', overdue: 'Quá hạn',
    paused: 'Tạm dừng', intake: 'Chờ tiếp nhận', done_on_time: 'Xong đúng hạn', done_late: 'Xong trễ hạn', closed: 'Đã kết thúc',
  };
  const stateName = (s) => t(states[s] || s);

  const eventTypes = {
    submitted: ['Nộp trực tuyến/bưu chính', 'Submitted online/postal'],
    intake_supplement_requested: ['Hướng dẫn bổ sung (Mẫu 02)', 'Intake supplement (Form 02)'],
    intake_refused: ['Từ chối tiếp nhận (Mẫu 03)', 'Intake refused (Form 03)'],
    received: ['Tiếp nhận hồ sơ (Mẫu 01)', 'Received (Form 01)'],
    slip_issued: ['Cấp giấy tiếp nhận', 'Slip issued'],
    transferred: ['Chuyển hồ sơ (phiếu kiểm soát)', 'Transferred (control slip)'],
    supplement_requested: ['Yêu cầu bổ sung', 'Supplement requested'],
    supplement_received: ['Nhận hồ sơ bổ sung', 'Supplement received'],
    apology_issued: ['Phiếu xin lỗi, hẹn lại (Mẫu 04)', 'Apology (Form 04)'],
    result_ready: ['Có kết quả', 'Result ready'],
    returned: ['Trả kết quả', 'Returned'],
    rejected: ['Từ chối giải quyết', 'Rejected'],
    withdrawn: ['Rút hồ sơ', 'Withdrawn'],
    complaint_filed: ['Khiếu nại, phản ánh', 'Complaint filed'],
    complaint_resolved: ['Giải quyết khiếu nại', 'Complaint resolved'],
    stop_requested: ['Đề nghị dừng giải quyết', 'Stop requested'],
    stop_notice_issued: ['Thông báo dừng giải quyết (Mẫu 05)', 'Stop notice (Form 05)'],
    shift_started: ['Bắt đầu ca trực', 'Shift started'],
    shift_ended: ['Kết thúc ca trực', 'Shift ended'],
  };
  const statuses = {
    intake: ['Chờ tiếp nhận', 'Awaiting receipt'], intake_supplement: ['Chờ bổ sung trước tiếp nhận', 'Awaiting supplement (intake)'],
    refused: ['Từ chối tiếp nhận', 'Intake refused'], processing: ['Đang giải quyết', 'Processing'],
    paused: ['Tạm dừng chờ bổ sung', 'Paused for supplement'], result_ready: ['Đã có kết quả', 'Result ready'],
    returned: ['Đã trả kết quả', 'Returned'], rejected: ['Từ chối giải quyết', 'Rejected'], withdrawn: ['Đã rút hồ sơ', 'Withdrawn'],
    stopped: ['Đã dừng giải quyết', 'Stopped'],
  };
  const statusName = (s) => (statuses[s] ? statuses[s][lang === 'vi' ? 0 : 1] : s);
  // The decree each rule version cites (counter/regime.go, SPEC.md §10.2).
  const regimes = {
    v2018: 'Nghị định 61/2018/NĐ-CP, sửa đổi, bổ sung bởi Nghị định 107/2021/NĐ-CP',
    v2025: 'Nghị định 118/2025/NĐ-CP',
    v2026a: 'Nghị định 118/2025/NĐ-CP, sửa đổi, bổ sung bởi Nghị định 309/2026/NĐ-CP',
  };
  const lawName = (r) => regimes[r] || r || '—';
  const severities = { high: ['Nghiêm trọng', 'High'], medium: ['Trung bình', 'Medium'], low: ['Nhẹ', 'Low'] };
  const severityName = (s) => (severities[s] ? severities[s][lang === 'vi' ? 0 : 1] : s);
  // Violation statuses; "withdrawn": the completed history no longer
  // supports it (SPEC.md §10.1), so it counts nowhere.
  const vstatuses = {
    open: ['Đang mở', 'Open'], confirmed: ['Đã xác nhận', 'Confirmed'], provisional: ['Tạm ghi nhận', 'Provisional'],
    dismissed: ['Đã bác bỏ', 'Dismissed'], resolved: ['Đã khắc phục', 'Resolved'], withdrawn: ['Đã rút lại', 'Withdrawn'],
  };
  const vstatusName = (s) => (vstatuses[s] ? vstatuses[s][lang === 'vi' ? 0 : 1] : s);
  const counts = (v) => v && v.status !== 'dismissed' && v.status !== 'withdrawn';
  // Field names of API errors, as the forms label them.
  const fields = {
    at: ['Thời điểm', 'Time'], dossier: ['Mã hồ sơ', 'Dossier code'], procedure: ['Thủ tục', 'Procedure'],
    agency: ['Cơ quan', 'Agency'], official: ['Cán bộ', 'Official'], channel: ['Kênh', 'Channel'], reason: ['Lý do', 'Reason'],
    new_due_at: ['Hẹn trả mới', 'New due time'], due_at: ['Hẹn trả', 'Due time'], to: ['Chuyển đến', 'Transfer to'],
    items: ['Giấy tờ cần bổ sung', 'Items'], desk: ['Quầy', 'Desk'], complaint: ['Mã khiếu nại', 'Complaint id'],
    'applicant.name': ['Người nộp', 'Applicant'], 'applicant.phone': ['Điện thoại', 'Phone'], number: ['Số phiếu', 'Slip number'],
  };
  const fieldName = (f) => { const k = String(f || '').replace(/^events\[\d+\]\./, '').replace(/\[\d+\].*$/, ''); return fields[k] ? fields[k][lang === 'vi' ? 0 : 1] : f; };
  // fold strips Vietnamese diacritics and case, for searches typed
  // without them ("xac nhan" finds "Xác nhận").
  const fold = (s) => String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
  // parseVN reads "dd/mm/yyyy hh:mm" (or "dd/mm/yyyy", at 17:00) as
  // Asia/Ho_Chi_Minh; null when it is not one.
  function parseVN(s, defH = 17, defM = 0) {
    const m = String(s || '').trim().match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+(\d{1,2})[:h](\d{2}))?$/);
    if (!m) return null;
    const [d, mo, y] = [+m[1], +m[2], +m[3]];
    const h = m[4] !== undefined ? +m[4] : defH; const mi = m[5] !== undefined ? +m[5] : defM;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
    const t = new Date(Date.UTC(y, mo - 1, d, h - 7, mi));
    if (new Date(t.getTime() + 7 * 3600e3).getUTCDate() !== d) return null;
    return t;
  }
  const fmtVN = (s) => {
    if (!s) return '';
    const x = new Date(new Date(s).getTime() + 7 * 3600e3);
    const p = (n) => String(n).padStart(2, '0');
    return p(x.getUTCDate()) + '/' + p(x.getUTCMonth() + 1) + '/' + x.getUTCFullYear() + ' ' + p(x.getUTCHours()) + ':' + p(x.getUTCMinutes());
  };

  const eventName = (e) => (eventTypes[e] ? eventTypes[e][lang === 'vi' ? 0 : 1] : e);

  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-t]').forEach((el) => { el.textContent = t(el.dataset.t); });
    document.querySelectorAll('[data-tp]').forEach((el) => { el.placeholder = t(el.dataset.tp); });
    const b = document.getElementById('lang');
    if (b) b.textContent = lang === 'vi' ? 'English' : 'Tiếng Việt';
  }
  function setLang(l) { lang = l; localStorage.setItem('motcua.lang', l); applyLang(); document.dispatchEvent(new Event('motcua-lang')); }

  // Token: a kiosk URL may carry ?access_token=; else the one saved by the
  // sign-in form.
  const params = new URLSearchParams(location.search);
  // The URL's token is kept for this tab (links to other pages keep it)
  // and taken out of the address bar.
  if (params.get('access_token')) {
    sessionStorage.setItem('motcua.token', params.get('access_token'));
    params.delete('access_token');
    const q = params.toString();
    history.replaceState(null, '', location.pathname + (q ? '?' + q : '') + location.hash);
  }
  let token = sessionStorage.getItem('motcua.token') || localStorage.getItem('motcua.token') || '';

  function signIn(onDone) {
    const dlg = document.getElementById('signin');
    if (!dlg) return;
    dlg.hidden = false;
    const f = dlg.querySelector('form');
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      token = f.elements.token.value.trim();
      if (!token) return;
      localStorage.setItem('motcua.token', token);
      dlg.hidden = true;
      onDone();
    }, { once: true });
    f.elements.token.focus();
  }

  class APIError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || ('HTTP ' + status));
      this.status = status; this.code = e.code; this.field = e.field; this.messageVI = e.message_vi;
    }
    text() { return lang === 'vi' ? (this.messageVI || this.message) : this.message; }
  }

  async function api(path, opts = {}) {
    const headers = Object.assign({ Accept: 'application/json' }, opts.headers || {});
    if (token) headers.Authorization = 'Bearer ' + token;
    let body = opts.body;
    if (body !== undefined && typeof body !== 'string') { body = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
    const r = await fetch('/api/v1' + path, { method: opts.method || 'GET', headers, body });
    let data = null;
    try { data = await r.json(); } catch (_) { data = null; }
    if (!r.ok) {
      const err = new APIError(r.status, data);
      if (r.status === 401) { sessionStorage.removeItem('motcua.token'); localStorage.removeItem('motcua.token'); }
      throw err;
    }
    return data;
  }

  // download fetches an API file with the token in the header (never in
  // the URL) and hands it to the browser as filename.
  async function download(path, filename) {
    const headers = {};
    if (token) headers.Authorization = 'Bearer ' + token;
    const r = await fetch('/api/v1' + path, { headers });
    if (!r.ok) {
      let data = null;
      try { data = await r.json(); } catch (_) { data = null; }
      throw new APIError(r.status, data);
    }
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement('a');
    a.href = url; a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // live opens /ws for agency and calls onMsg with each message; it
  // reconnects with backoff and calls onOpen on every (re)connection.
  function live(agency, onMsg, onOpen, onStatus) {
    let delay = 500;
    function connect() {
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const q = new URLSearchParams({ agency, access_token: token });
      const ws = new WebSocket(proto + '//' + location.host + '/ws?' + q.toString());
      onStatus('connecting');
      ws.onopen = () => { delay = 500; onStatus('open'); onOpen(); };
      ws.onmessage = (ev) => { let m; try { m = JSON.parse(ev.data); } catch (_) { return; } onMsg(m); };
      ws.onclose = () => {
        onStatus('closed');
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }
    connect();
  }

  const now = () => new Date(Date.now() + skew);
  const fmtTime = (s) => {
    if (!s) return '—';
    const d = new Date(s);
    return d.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' });
  };
  const fmtClock = (d) => d.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', weekday: 'long', day: '2-digit', month: '2-digit', year: 'numeric' });
  // isoLocal formats d as RFC 3339 in +07:00.
  function isoLocal(d) {
    const x = new Date(d.getTime() + 7 * 3600e3);
    return x.toISOString().replace(/\.\d{3}Z$/, '+07:00');
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function uid() {
    const b = new Uint8Array(10);
    crypto.getRandomValues(b);
    return 'web-' + Date.now().toString(36) + '-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  document.addEventListener('DOMContentLoaded', () => {
    applyLang();
    const b = document.getElementById('lang');
    if (b) b.addEventListener('click', () => setLang(lang === 'vi' ? 'en' : 'vi'));
    const so = document.getElementById('signout');
    if (so) so.addEventListener('click', () => { sessionStorage.removeItem('motcua.token'); localStorage.removeItem('motcua.token'); location.reload(); });
  });

  return { t, codeName, stateName, eventName, statusName, lawName, severityName, vstatusName, counts, fieldName, fold, parseVN, fmtVN, api, download, live, signIn, now, fmtTime, fmtClock, isoLocal, el, uid, params,
    hasToken: () => !!token, lang: () => lang, APIError };
})();

// microsettle operator dashboard: a static page (no build step) that reads the operator API with a bearer token.
// The token lives in this tab's sessionStorage and goes only into the Authorization header (never a URL, never logged).
// Strict CSP: no inline script or style; DOM built with textContent only; Chart.js from its webjar.
'use strict';

(() => {
  const TOKEN_KEY = 'microsettle.dashboard.token';
  const DECIDED_KEY = 'microsettle.dashboard.decided';
  const REFRESH_MILLIS = 3000;
  const MAX_DECIDED = 20;
  const REVIEW_PAGE = 50;
  const BATCH_PAGE = 20;
  const DISCREPANCY_PAGE = 50;
  const SERIES_HOURS = 24;
  const MAX_ANCHOR_PAGES = 20;

  // What a test (or a curious operator in the console) can read: refreshes done, CSP violations seen.
  const status = { refreshes: 0, lastError: null, cspViolations: [] };
  window.microsettleDashboard = status;
  document.addEventListener('securitypolicyviolation', (e) => {
    status.cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || ''));
  });

  const state = { decimals: 6, charts: {}, timer: null, selectedBatch: null, refreshing: false };
  const $ = (id) => document.getElementById(id);

  // ---- HTTP ----------------------------------------------------------------------------------------------------

  class HttpError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
      this.status = status;
      this.code = problem && problem.code;
    }
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function randomKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  async function api(method, path, body) {
    const headers = { Authorization: 'Bearer ' + token(), Accept: 'application/json' };
    const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Idempotency-Key'] = randomKey();
      init.body = JSON.stringify(body);
    }
    const r = await fetch(path, init);
    const text = await r.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (r.status === 401) {
      signOut('The token was refused (expired or not valid): sign in again.');
    }
    if (!r.ok) throw new HttpError(r.status, data);
    return data;
  }

  // ---- DOM helpers (textContent only) ------------------------------------------------------------------------------

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) tr.appendChild(c instanceof Node ? c : el('td', c));
    return tr;
  }

  function fill(tbody, rows, emptyText, columns) {
    tbody.replaceChildren(...rows);
    if (rows.length === 0) {
      const td = el('td', emptyText, 'muted');
      td.colSpan = columns;
      tbody.appendChild(row([td]));
    }
  }

  function short(s, n) {
    if (!s) return '';
    n = n || 10;
    return s.length <= n + 6 ? s : s.slice(0, n) + '…' + s.slice(-4);
  }

  function when(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return d.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  }

  // A decimal string of base units as token units ("1250000" with 6 decimals: "1.25").
  function units(baseUnits) {
    if (baseUnits === null || baseUnits === undefined) return '—';
    let v = BigInt(baseUnits);
    const neg = v < 0n;
    if (neg) v = -v;
    const scale = 10n ** BigInt(state.decimals);
    const whole = v / scale;
    let frac = (v % scale).toString().padStart(state.decimals, '0').replace(/0+$/, '');
    if (frac.length < 2 && state.decimals >= 2) frac = frac.padEnd(2, '0');
    return (neg ? '-' : '') + whole.toLocaleString('en-US') + (frac ? '.' + frac : '');
  }

  function unitsNumber(baseUnits) {
    return Number(BigInt(baseUnits)) / Math.pow(10, state.decimals);
  }

  function num(text) {
    return el('td', text, 'num');
  }

  function mono(text, title) {
    const td = el('td', text, 'mono');
    if (title) td.title = title;
    return td;
  }

  function statusCell(s) {
    return el('td', s, 'status status-' + s);
  }

  // ---- sign in / out ---------------------------------------------------------------------------------------------------

  function claims(jwt) {
    try {
      const p = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(p.padEnd(p.length + (4 - p.length % 4) % 4, '=')));
    } catch (e) {
      return {};
    }
  }

  async function signIn(t) {
    sessionStorage.setItem(TOKEN_KEY, t);
    try {
      await api('GET', '/v1/admin/settlement');
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      const why = e.status === 403 ? 'this token has neither the operator nor the admin role' : e.message;
      showSignIn('Sign-in refused: ' + why + '.');
      return;
    }
    showApp();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    if (state.timer) clearInterval(state.timer);
    state.timer = null;
    showSignIn(message);
  }

  function showSignIn(message) {
    $('app').hidden = true;
    $('session').hidden = true;
    $('signin').hidden = false;
    $('token').value = '';
    const err = $('signin-error');
    err.textContent = message || '';
    err.hidden = !message;
  }

  function showApp() {
    const c = claims(token());
    $('whoami').textContent = (c.sub || '?') + ' · ' + (Array.isArray(c.groups) ? c.groups.join(', ') : '');
    $('signin').hidden = true;
    $('signin-error').hidden = true;
    $('app').hidden = false;
    $('session').hidden = false;
    refresh();
    if (state.timer) clearInterval(state.timer);
    state.timer = setInterval(refresh, REFRESH_MILLIS);
  }

  // ---- panels ------------------------------------------------------------------------------------------------------------

  async function settlement() {
    const s = await api('GET', '/v1/admin/settlement');
    const st = $('pause-state');
    st.textContent = s.paused ? 'paused' : 'running';
    st.className = s.paused ? 'paused' : 'running';
    st.dataset.paused = String(s.paused);
    const parts = [];
    if (s.changedBy) parts.push('changed by ' + s.changedBy + ' at ' + when(s.changedAt));
    if (s.reason) parts.push('reason: ' + s.reason);
    if (s.chainTx) parts.push('tx ' + short(s.chainTx));
    if (typeof s.escrowPaused === 'boolean') parts.push('escrow contract ' + (s.escrowPaused ? 'paused' : 'not paused'));
    $('pause-detail').textContent = parts.join(' · ');
    $('pause-button').disabled = s.paused;
    $('unpause-button').disabled = !s.paused;
    $('settlers').textContent = 'Settler keys: ' + (s.settlers || []).map((k) => short(k.address) + ' ' + k.status).join(', ');
  }

  async function setPaused(pause) {
    const reason = $('pause-reason').value.trim();
    $('pause-button').disabled = true;
    $('unpause-button').disabled = true;
    try {
      await api('POST', pause ? '/v1/admin/pause' : '/v1/admin/unpause', reason ? { reason } : {});
      $('pause-reason').value = '';
    } catch (e) {
      showError((pause ? 'Pause' : 'Unpause') + ' failed: ' + (e.status === 403 ? 'it needs the admin role' : e.message));
    }
    await refresh();
  }

  async function counts() {
    const c = await api('GET', '/v1/ops/cashout-counts');
    const rows = Object.entries(c.counts).map(([s, n]) => {
      const tr = row([statusCell(s), num(n.toLocaleString('en-US'))]);
      tr.dataset.status = s;
      tr.dataset.count = String(n);
      return tr;
    });
    rows.push(row([el('td', 'total', 'muted'), num(c.total.toLocaleString('en-US'))]));
    fill($('counts-body'), rows, 'no cash-outs', 2);
  }

  function decidedIds() {
    try {
      const v = JSON.parse(sessionStorage.getItem(DECIDED_KEY) || '[]');
      return Array.isArray(v) ? v.slice(0, MAX_DECIDED) : [];
    } catch (e) {
      return [];
    }
  }

  function rememberDecided(id) {
    const ids = [id, ...decidedIds().filter((x) => x !== id)].slice(0, MAX_DECIDED);
    sessionStorage.setItem(DECIDED_KEY, JSON.stringify(ids));
  }

  async function decide(id, approve, buttons) {
    buttons.forEach((b) => { b.disabled = true; });
    const note = $('review-note').value.trim();
    try {
      await api('POST', '/v1/reviews/' + encodeURIComponent(id) + (approve ? '/approve' : '/reject'), note ? { note } : {});
      rememberDecided(id);
      $('review-note').value = '';
    } catch (e) {
      showError((approve ? 'Approve' : 'Reject') + ' of ' + id + ' failed: ' + e.message);
    }
    await refresh();
  }

  async function reviews() {
    const page = await api('GET', '/v1/reviews?limit=' + REVIEW_PAGE);
    $('reviews-count').textContent = page.data.length + (page.nextCursor ? '+' : '') + ' pending';
    const rows = page.data.map((r) => {
      const approve = el('button', 'Approve');
      approve.type = 'button';
      approve.className = 'approve';
      const reject = el('button', 'Reject');
      reject.type = 'button';
      reject.className = 'reject danger';
      approve.addEventListener('click', () => decide(r.cashoutId, true, [approve, reject]));
      reject.addEventListener('click', () => decide(r.cashoutId, false, [approve, reject]));
      const actions = el('td', null, 'actions');
      actions.append(approve, reject);
      const tr = row([mono(short(r.cashoutId, 14), r.cashoutId), el('td', r.integratorId), num(units(r.gross)),
        mono(short(r.destination), r.destination), el('td', (r.reasons || []).join(', ')), el('td', when(r.createdAt)), actions]);
      tr.dataset.cashoutId = r.cashoutId;
      return tr;
    });
    fill($('reviews-body'), rows, 'no cash-outs are held for review', 7);
  }

  async function decided() {
    const ids = decidedIds();
    const results = await Promise.allSettled(ids.map((id) => api('GET', '/v1/reviews/' + encodeURIComponent(id))));
    const rows = [];
    results.forEach((res, i) => {
      if (res.status !== 'fulfilled') return;
      const r = res.value;
      const tr = row([mono(short(r.cashoutId, 14), r.cashoutId), el('td', (r.decision || '').toLowerCase() + ' by ' + (r.decidedBy || '?')),
        statusCell(r.status), num(units(r.net))]);
      tr.dataset.cashoutId = ids[i];
      tr.dataset.status = r.status;
      rows.push(tr);
    });
    fill($('decided-body'), rows, 'nothing decided in this session yet', 4);
  }

  async function batches() {
    const page = await api('GET', '/v1/batches?limit=' + BATCH_PAGE);
    const rows = page.data.map((b) => {
      const tr = row([mono(short(b.id, 14), b.id), statusCell(b.status), el('td', b.integratorId), num(b.payoutCount),
        num(units(b.totalNet)), num(units(b.totalFee)), mono(short(b.txHash), b.txHash), el('td', when(b.createdAt))]);
      tr.className = 'clickable' + (b.id === state.selectedBatch ? ' selected' : '');
      tr.dataset.batchId = b.id;
      tr.dataset.status = b.status;
      tr.addEventListener('click', () => {
        state.selectedBatch = b.id;
        batchDetail().catch((e) => showError('Batch ' + b.id + ': ' + e.message));
        for (const other of $('batches-body').children) other.classList.toggle('selected', other === tr);
      });
      return tr;
    });
    fill($('batches-body'), rows, 'no batches yet', 8);
    if (state.selectedBatch) await batchDetail();
  }

  async function batchDetail() {
    const b = await api('GET', '/v1/batches/' + encodeURIComponent(state.selectedBatch));
    $('batch-detail').hidden = false;
    $('batch-detail-id').textContent = b.id;
    $('batch-detail-summary').textContent = b.status + ' · chain batch ' + b.chainBatchId + ' · payout ids ' + b.payoutIds.join(', ')
      + ' · estimated gas ' + b.estimatedGas + (b.settledBlock ? ' · settled in block ' + b.settledBlock : '');
    const rows = (b.transactions || []).map((t) => {
      const tr = row([mono(short(t.txHash, 14), t.txHash), el('td', t.kind), statusCell(t.status), num(t.nonce),
        num(t.gasUsed === null ? '—' : t.gasUsed), num(t.feePaidWei === null ? '—' : t.feePaidWei), num(t.minedBlock === null ? '—' : t.minedBlock)]);
      tr.dataset.txHash = t.txHash;
      return tr;
    });
    fill($('batch-tx-body'), rows, 'no transactions yet', 7);
  }

  async function escrow() {
    const e = await api('GET', '/v1/ops/escrow');
    state.decimals = e.decimals;
    $('escrow-contract').textContent = 'chain ' + e.chainId + ' · escrow ' + e.escrow + ' · token ' + e.token
      + ' (' + e.decimals + ' decimals)' + (e.truncated ? ' · first 200 integrators' : '');
    const rows = e.data.map((r) => {
      const head = num(units(r.headroom));
      if (r.headroom !== null && BigInt(r.headroom) < 0n) head.classList.add('bad');
      const tr = row([el('td', r.integratorId), mono(short(r.funder), r.funder), num(units(r.funderBalance)), num(units(r.obligations)), head]);
      tr.dataset.integrator = r.integratorId;
      return tr;
    });
    fill($('escrow-body'), rows, 'no integrators', 5);
  }

  async function discrepancies() {
    let page;
    try {
      page = await api('GET', '/v1/audit/discrepancies?state=OPEN&limit=' + DISCREPANCY_PAGE);
    } catch (e) {
      if (e.status !== 403) throw e;
      $('discrepancies-count').textContent = 'needs the operator, auditor or admin role';
      return;
    }
    $('discrepancies-count').textContent = page.data.length + (page.nextCursor ? '+' : '') + ' open';
    const rows = page.data.map((d) => {
      const ack = el('button', 'Acknowledge');
      ack.type = 'button';
      ack.className = 'acknowledge';
      ack.addEventListener('click', () => acknowledge(d.id, ack));
      const actions = el('td', null, 'actions');
      actions.append(ack);
      const tr = row([mono(d.id), el('td', d.kind), mono(d.cashoutId ? short(d.cashoutId, 14) : '', d.cashoutId || ''),
        mono(d.txHash ? short(d.txHash) : '', d.txHash || ''), el('td', d.detail || ''), el('td', when(d.createdAt)), actions]);
      tr.dataset.discrepancyId = d.id;
      return tr;
    });
    fill($('discrepancies-body'), rows, 'no open discrepancies', 7);
  }

  async function acknowledge(id, button) {
    const note = $('discrepancy-note').value.trim();
    if (!note) {
      showError('Acknowledging ' + id + ' needs a note.');
      return;
    }
    button.disabled = true;
    try {
      await api('POST', '/v1/audit/discrepancies/' + encodeURIComponent(id) + '/acknowledge', { note });
      $('discrepancy-note').value = '';
    } catch (e) {
      showError('Acknowledge of ' + id + ' failed: ' + e.message);
    }
    await refresh();
  }

  async function audit() {
    try {
      const v = await api('GET', '/v1/audit/verify');
      const out = $('audit-verify');
      out.textContent = (v.ok ? 'ok' : 'BROKEN') + ' · ' + v.count.toLocaleString('en-US') + ' events';
      out.className = v.ok ? 'ok' : 'bad';
      out.dataset.ok = String(v.ok);
      $('audit-verify-detail').textContent = (v.head ? 'head ' + short(v.head, 14) : '')
        + (v.firstBadSeq ? ' · first bad seq ' + v.firstBadSeq : '') + (v.detail ? ' · ' + v.detail : '');
    } catch (e) {
      if (e.status !== 403) throw e;
      $('audit-verify').textContent = 'needs the auditor or admin role';
    }
    const anchor = $('audit-anchor');
    try {
      // oldest first, paged: the latest is on the last page (followed for at most MAX_ANCHOR_PAGES pages)
      let latest = null;
      let cursor = null;
      for (let i = 0; i < MAX_ANCHOR_PAGES; i++) {
        const a = await api('GET', '/v1/audit/anchors' + (cursor ? '?cursor=' + encodeURIComponent(cursor) : ''));
        const list = Array.isArray(a) ? a : (a && Array.isArray(a.data) ? a.data : []);
        latest = list.reduce((best, x) => (best === null || x.seq > best.seq ? x : best), latest);
        cursor = a && a.nextCursor;
        if (!cursor) break;
      }
      anchor.textContent = latest === null ? 'no anchors'
        : 'seq ' + latest.seq + ' · root ' + short(latest.root, 14) + ' · block ' + latest.blockNumber + ' · tx ' + short(latest.txHash);
      anchor.dataset.state = latest === null ? 'none' : 'anchored';
    } catch (e) {
      if (e.status !== 404 && e.status !== 403) throw e;
      anchor.textContent = e.status === 404 ? 'no anchors' : 'needs the auditor or admin role';
      anchor.dataset.state = 'none';
    }
  }

  function chart(id, type, datasets) {
    if (!window.Chart) throw new Error('the chart library did not load');
    let c = state.charts[id];
    if (!c) {
      c = new window.Chart($(id), {
        type,
        data: { labels: [], datasets },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          plugins: { legend: { display: datasets.length > 1 } },
          scales: { y: { beginAtZero: true }, x: { ticks: { maxTicksLimit: 8 } } },
        },
      });
      state.charts[id] = c;
    }
    return c;
  }

  async function charts() {
    const s = await api('GET', '/v1/ops/settlement-series?hours=' + SERIES_HOURS);
    $('chart-hours').textContent = String(SERIES_HOURS);
    const labels = s.buckets.map((b) => new Date(b.start).toISOString().slice(11, 16));
    const seconds = (ms) => (ms === null ? null : ms / 1000);
    const series = [
      ['chart-volume', 'bar', [{ label: 'gross', backgroundColor: '#2563eb', data: s.buckets.map((b) => unitsNumber(b.settledGross)) }]],
      ['chart-fees', 'bar', [{ label: 'fees', backgroundColor: '#0e9384', data: s.buckets.map((b) => unitsNumber(b.fees)) }]],
      ['chart-latency', 'line', [
        { label: 'p50', borderColor: '#2563eb', backgroundColor: '#2563eb', spanGaps: true, data: s.buckets.map((b) => seconds(b.latencyP50Millis)) },
        { label: 'p95', borderColor: '#b42318', backgroundColor: '#b42318', spanGaps: true, data: s.buckets.map((b) => seconds(b.latencyP95Millis)) },
      ]],
    ];
    for (const [id, type, datasets] of series) {
      const c = chart(id, type, datasets);
      c.data.labels = labels;
      datasets.forEach((d, i) => { c.data.datasets[i].data = d.data; });
      c.update('none');
    }
  }

  // ---- refresh ---------------------------------------------------------------------------------------------------------

  function showError(message) {
    const e = $('error');
    e.textContent = message;
    e.hidden = false;
    status.lastError = message;
  }

  async function refresh() {
    if (!token() || state.refreshing) return;
    state.refreshing = true;
    try {
      const panels = { settlement, counts, reviews, decided, batches, escrow, discrepancies, audit, charts };
      // escrow first: it carries the token's decimals that the amounts use
      const first = await Promise.allSettled([escrow()]);
      const rest = await Promise.allSettled(Object.entries(panels).filter(([n]) => n !== 'escrow').map(([, f]) => f()));
      const names = ['escrow', ...Object.keys(panels).filter((n) => n !== 'escrow')];
      const failed = [...first, ...rest].map((r, i) => (r.status === 'rejected' ? names[i] + ': ' + r.reason.message : null)).filter(Boolean);
      if (!token()) return;
      if (failed.length) {
        showError('Could not load ' + failed.join('; '));
      } else {
        $('error').hidden = true;
        status.lastError = null;
      }
      $('last-refresh').textContent = 'updated ' + new Date().toLocaleTimeString('en-GB');
      status.refreshes += 1;
      document.body.dataset.refreshes = String(status.refreshes);
    } finally {
      state.refreshing = false;
    }
  }

  // ---- wiring --------------------------------------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('signin-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const t = $('token').value.trim();
      if (t) signIn(t);
    });
    $('signout-button').addEventListener('click', () => signOut('Signed out.'));
    $('refresh-button').addEventListener('click', () => refresh());
    $('pause-button').addEventListener('click', () => setPaused(true));
    $('unpause-button').addEventListener('click', () => setPaused(false));
    if (token()) showApp(); else showSignIn();
  });
})();

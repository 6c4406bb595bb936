// vigil's analyst page. Plain JavaScript, no build step. Every string that
// comes from an alert, an event or a rule reaches the document as a text
// node or an attribute value set through the DOM: nothing is ever parsed as
// HTML. The same script runs against the service's API (vigil serve) or
// against the data a report embeds (vigil hunt --html).
'use strict';

(() => {
  // ---- DOM helpers ----------------------------------------------------
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class') e.className = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of kids.flat(Infinity)) {
      if (c == null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  const main = () => document.getElementById('main');
  function show(...nodes) { main().replaceChildren(...nodes); }

  // safeURL allows only http(s) links.
  function safeURL(u) {
    try {
      const url = new URL(String(u), 'https://invalid.example/');
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== 'invalid.example') return url.href;
    } catch (e) { /* not a URL */ }
    return null;
  }

  // ---- documents -------------------------------------------------------
  // get reads a field of a Kibana alert or an ECS event, whether written
  // flat ("kibana.alert.rule.name") or nested ({"process": {"name": ...}}).
  function get(o, path) {
    if (o == null || typeof o !== 'object') return undefined;
    if (Object.prototype.hasOwnProperty.call(o, path)) return o[path];
    const parts = path.split('.');
    for (let i = parts.length - 1; i >= 1; i--) {
      const head = parts.slice(0, i).join('.');
      const sub = o[head];
      if (sub != null && typeof sub === 'object' && !Array.isArray(sub)) {
        const v = get(sub, parts.slice(i).join('.'));
        if (v !== undefined) return v;
      }
    }
    return undefined;
  }
  // flatten lists a document's leaf fields as [path, value], sorted.
  function flatten(o, prefix, out) {
    out = out || [];
    for (const [k, v] of Object.entries(o || {})) {
      const p = prefix ? prefix + '.' + k : k;
      if (v != null && typeof v === 'object' && !Array.isArray(v)) flatten(v, p, out);
      else out.push([p, v]);
    }
    if (!prefix) out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out;
  }
  function fmt(v) {
    if (v == null) return '';
    if (Array.isArray(v)) return v.map(x => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }
  function fmtTime(s) {
    if (!s) return '';
    const d = new Date(s);
    return isNaN(d) ? String(s) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }
  function sevBadge(sev) {
    const s = String(sev || '').toLowerCase();
    return h('span', { class: 'sev sev-' + (['low', 'medium', 'high', 'critical'].includes(s) ? s : 'low') }, s || '?');
  }
  function statusBadge(st) { return h('span', { class: 'status status-' + (st || 'open') }, st || 'open'); }
  // eventOf is the source event an alert copied its fields from: the
  // document without the alert's own fields.
  function eventOf(doc) {
    const ev = {};
    for (const [k, v] of Object.entries(doc)) {
      if (k.startsWith('kibana.') || k.startsWith('vigil.') || k === '_index') continue;
      if (k === 'event' && v && typeof v === 'object') {
        const orig = doc['kibana.alert.original_event'];
        ev.event = orig && typeof orig === 'object' ? orig : v;
        continue;
      }
      ev[k] = v;
    }
    return ev;
  }
  function destination(doc) {
    const ip = get(doc, 'destination.ip'), port = get(doc, 'destination.port');
    return ip == null ? '' : fmt(ip) + (port != null ? ':' + port : '');
  }

  // ---- Markdown, rendered as DOM nodes --------------------------------
  // markdown renders the subset investigation guides use: headings,
  // paragraphs, lists, block quotes, fenced code, `code`, **strong**,
  // *emphasis* and [links](https://...). Raw HTML in the source stays text.
  function markdown(src) {
    const out = h('div', { class: 'guide' });
    const lines = String(src || '').replace(/\r\n?/g, '\n').split('\n');
    let para = [], list = null, i = 0;
    const flush = () => {
      if (para.length) out.append(h('p', {}, inline(para.join(' '))));
      para = [];
    };
    while (i < lines.length) {
      const line = lines[i];
      let m;
      if (/^\s*```/.test(line)) {
        flush(); list = null;
        const code = [];
        for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
        out.append(h('pre', {}, h('code', {}, code.join('\n'))));
        i++;
        continue;
      }
      if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
        flush(); list = null;
        out.append(h('h' + Math.min(m[1].length + 1, 6), {}, inline(m[2])));
      } else if ((m = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line))) {
        flush();
        const ordered = /\d/.test(m[1]);
        if (!list || list.ordered !== ordered) {
          list = { ordered, el: h(ordered ? 'ol' : 'ul') };
          out.append(list.el);
        }
        list.item = h('li', {}, inline(m[2]));
        list.el.append(list.item);
      } else if (list && /^\s{2,}\S/.test(line)) {
        list.item.append(' ', ...inline(line.trim()));
      } else if ((m = /^>\s?(.*)$/.exec(line))) {
        flush(); list = null;
        out.append(h('blockquote', {}, inline(m[1])));
      } else if (/^\s*$/.test(line)) {
        flush(); list = null;
      } else {
        list = null;
        para.push(line.trim());
      }
      i++;
    }
    flush();
    return out;
  }
  const inlineRE = /`([^`]+)`|\*\*([^*]+)\*\*|__([^_]+)__|\[([^\]]+)\]\(([^)\s]+)\)|\*([^*\s][^*]*)\*|\b_([^_\s][^_]*)_\b/g;
  function inline(text) {
    const nodes = [];
    let last = 0, m;
    inlineRE.lastIndex = 0;
    while ((m = inlineRE.exec(text))) {
      if (m.index > last) nodes.push(text.slice(last, m.index));
      if (m[1] != null) nodes.push(h('code', {}, m[1]));
      else if (m[2] != null || m[3] != null) nodes.push(h('strong', {}, m[2] ?? m[3]));
      else if (m[4] != null) {
        const url = safeURL(m[5]);
        nodes.push(url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, m[4]) : m[4]);
      } else nodes.push(h('em', {}, m[6] ?? m[7]));
      last = inlineRE.lastIndex;
    }
    if (last < text.length) nodes.push(text.slice(last));
    return nodes;
  }

  // ---- data sources ------------------------------------------------------
  const dataEl = document.getElementById('vigil-data');
  const REPORT = dataEl ? JSON.parse(dataEl.textContent) : null;

  async function api(path, opts) {
    const resp = await fetch(path, Object.assign({ headers: { Accept: 'application/json' }, credentials: 'same-origin' }, opts || {}));
    const body = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(body.error || resp.status + ' ' + resp.statusText);
    return body;
  }
  function qs(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v != null && v !== '') u.set(k, v);
    return u.toString();
  }

  // The report answers the same questions from its embedded alerts.
  const local = REPORT && (() => {
    const sevRank = { low: 1, medium: 2, high: 3, critical: 4 };
    const rows = REPORT.alerts.map(doc => ({
      doc, id: doc['kibana.alert.uuid'], time: doc['kibana.alert.original_time'] || doc['@timestamp'],
      rule: doc['kibana.alert.rule.rule_id'], ruleName: doc['kibana.alert.rule.name'],
      sev: String(doc['kibana.alert.severity'] || '').toLowerCase(), host: fmt(get(doc, 'host.name')),
      user: fmt(get(doc, 'user.name')), status: doc['kibana.alert.workflow_status'] || 'open',
      text: JSON.stringify(doc).toLowerCase(),
    }));
    rows.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? 1 : -1));
    const byID = new Map(rows.map(r => [r.id, r]));
    function select(p) {
      const list = v => (v ? String(v).toLowerCase().split(',') : null);
      const st = list(p.status), sv = list(p.severity), from = p.from ? new Date(p.from) : null, to = p.to ? new Date(p.to) : null;
      const text = p.q ? String(p.q).toLowerCase() : null;
      return rows.filter(r => (!st || st.includes(r.status)) && (!sv || sv.includes(r.sev)) &&
        (!p.rule_id || r.rule === p.rule_id) && (!p.host || r.host === p.host) && (!p.user || r.user === p.user) &&
        (!from || new Date(r.time) >= from) && (!to || new Date(r.time) < to) && (!text || r.text.includes(text)));
    }
    void sevRank;
    return {
      alerts(p) {
        const all = select(p), size = Number(p.size) || 50, start = Number(p.after) || 0;
        const page = all.slice(start, start + size);
        return { total: all.length, alerts: page.map(r => r.doc), next: start + size < all.length ? String(start + size) : '' };
      },
      groups(p, by) {
        const key = { rule: 'rule', host: 'host' }[by];
        const m = new Map();
        for (const r of select(p)) {
          const g = m.get(r[key]) || { key: r[key], name: by === 'rule' ? r.ruleName : r[key], count: 0 };
          g.count++;
          m.set(r[key], g);
        }
        return { by, groups: [...m.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1)) };
      },
      alert(id) {
        const r = byID.get(id);
        if (!r) throw new Error('alert not found');
        return r.doc;
      },
      context(id) {
        const r = byID.get(id), t = new Date(r.time).getTime();
        const near = rows.filter(x => x.host === r.host && Math.abs(new Date(x.time).getTime() - t) <= 3600e3);
        return { ancestry: [], timeline: { alerts: near.slice(0, 200).map(x => summary(x.doc)), events: [] },
          note: 'A report holds alerts only: no retained events.' };
      },
    };
  })();
  function summary(doc) {
    return { id: doc['kibana.alert.uuid'], time: doc['kibana.alert.original_time'] || doc['@timestamp'],
      rule: doc['kibana.alert.rule.name'], severity: doc['kibana.alert.severity'], reason: doc['kibana.alert.reason'] };
  }
  const source = {
    alerts: p => (local ? Promise.resolve(local.alerts(p)) : api('/api/alerts?' + qs(p))),
    groups: (p, by) => (local ? Promise.resolve(local.groups(p, by)) : api('/api/alerts/_groups?' + qs(Object.assign({}, p, { by, size: '', after: '' })))),
    alert: id => (local ? Promise.resolve().then(() => local.alert(id)) : api('/api/alerts/' + encodeURIComponent(id))),
    context: id => (local ? Promise.resolve(local.context(id)) : api('/api/alerts/' + encodeURIComponent(id) + '/context')),
    rules: () => (local ? Promise.resolve({ rules: REPORT.rules }) : api('/api/rules')),
    coverage: () => (local ? Promise.resolve(REPORT.coverage) : api('/api/coverage')),
    patch: (id, status, reason) => api('/api/alerts/' + encodeURIComponent(id), {
      method: 'PATCH', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(reason ? { status, reason } : { status }),
    }),
  };
  const canEdit = !local;

  // ---- routing -------------------------------------------------------------
  let poll = null;
  function route() {
    if (poll) { clearInterval(poll); poll = null; }
    const hash = location.hash || '#/alerts';
    const [path, query] = hash.slice(1).split('?');
    const params = Object.fromEntries(new URLSearchParams(query || ''));
    for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', hash.startsWith(a.getAttribute('href')));
    const fail = e => show(h('p', { class: 'err' }, 'Error: ' + e.message));
    if (path.startsWith('/alert/')) return Promise.resolve().then(() => alertView(decodeURIComponent(path.slice(7)))).catch(fail);
    if (path === '/coverage') return coverageView().catch(fail);
    if (path === '/rules') return rulesView().catch(fail);
    return alertsView(params).catch(fail);
  }
  window.addEventListener('hashchange', route);

  // ---- alerts list ---------------------------------------------------------
  const filterKeys = ['status', 'severity', 'rule_id', 'host', 'user', 'from', 'to', 'q', 'group'];
  async function alertsView(params) {
    const p = {};
    for (const k of filterKeys) if (params[k]) p[k] = params[k];
    if (!('status' in params)) p.status = 'open,acknowledged';
    const cursors = [''];
    const field = (label, el) => h('label', {}, label, el);
    const inp = (name, attrs) => h('input', Object.assign({ id: 'f-' + name, value: p[name] || '' }, attrs || {}));
    const sel = (name, opts) => {
      const s = h('select', { id: 'f-' + name }, opts.map(([v, t]) => h('option', { value: v }, t)));
      s.value = p[name] || '';
      return s;
    };
    const status = sel('status', [['open,acknowledged', 'open + acknowledged'], ['open', 'open'], ['acknowledged', 'acknowledged'], ['closed', 'closed'], ['', 'any']]);
    status.value = p.status == null ? '' : p.status;
    const toLocal = s => (s ? new Date(s).toISOString().slice(0, 16) : '');
    const form = h('form', { class: 'filters panel', id: 'filters', onsubmit: e => { e.preventDefault(); apply(); } },
      field('Status', status),
      field('Severity', sel('severity', [['', 'any'], ['low', 'low'], ['medium', 'medium'], ['high', 'high'], ['critical', 'critical'], ['high,critical', 'high + critical']])),
      field('Rule id', inp('rule_id', { size: 14 })),
      field('Host', inp('host', { size: 12 })),
      field('User', inp('user', { size: 10 })),
      field('From (UTC)', h('input', { id: 'f-from', type: 'datetime-local', value: toLocal(p.from) })),
      field('To (UTC)', h('input', { id: 'f-to', type: 'datetime-local', value: toLocal(p.to) })),
      field('Text', inp('q', { size: 16, placeholder: 'reason, rule, host, any field' })),
      field('Group by', sel('group', [['', 'none'], ['rule', 'rule'], ['host', 'host']])),
      h('button', { class: 'primary', type: 'submit', id: 'apply' }, 'Apply'));
    function apply() {
      const q = {};
      for (const k of filterKeys) {
        let v = document.getElementById('f-' + k).value.trim();
        if ((k === 'from' || k === 'to') && v) v = new Date(v + 'Z').toISOString();
        q[k] = v;
      }
      if (q.status === '') q.status = 'any';
      location.hash = '#/alerts?' + qs(q);
    }
    if (p.status === 'any') { p.status = ''; status.value = ''; }
    const groupsEl = h('div', { class: 'groups', id: 'groups' });
    const total = h('span', { id: 'total' });
    const live = h('span', { class: 'muted', id: 'live' });
    const tbody = h('tbody');
    const all = h('input', { type: 'checkbox', title: 'select all', onchange: e => { for (const c of tbody.querySelectorAll('input[type=checkbox]')) c.checked = e.target.checked; } });
    const table = h('table', { id: 'alerts' }, h('thead', {}, h('tr', {}, h('th', {}, all),
      ['@timestamp', 'Rule', 'Severity', 'Risk', 'Reason', 'host.name', 'user.name', 'process.name', 'destination', 'Status'].map(c => h('th', {}, c)))), tbody);
    const reason = h('select', { id: 'bulk-reason' }, ['false_positive', 'duplicate', 'true_positive', 'benign_positive', 'other'].map(r => h('option', { value: r }, r)));
    const bulk = canEdit ? h('div', { class: 'bar', id: 'bulk' }, 'Selected:',
      h('button', { id: 'bulk-ack', onclick: () => bulkSet('acknowledged') }, 'Acknowledge'),
      h('button', { id: 'bulk-close', onclick: () => bulkSet('closed', reason.value) }, 'Close'), reason,
      h('button', { id: 'bulk-open', onclick: () => bulkSet('open') }, 'Reopen')) : null;
    const prev = h('button', { id: 'prev', onclick: () => { cursors.pop(); cursors.pop(); load(); } }, '‹ Previous');
    const next = h('button', { id: 'next', onclick: () => load() }, 'Next ›');
    show(form, p.group ? h('div', { class: 'panel' }, h('h3', {}, 'Grouped by ' + p.group), groupsEl) : '',
      h('div', { class: 'bar' }, total, live), bulk || '', table, h('div', { class: 'bar' }, prev, next));

    async function bulkSet(st, why) {
      const ids = [...tbody.querySelectorAll('input[type=checkbox]:checked')].map(c => c.value);
      for (const id of ids) await source.patch(id, st, st === 'closed' ? why : '');
      cursors.pop();
      await load();
    }
    let shownTotal = -1, pageNo = 0;
    async function load() {
      const after = cursors[cursors.length - 1];
      const t0 = performance.now();
      const res = await source.alerts(Object.assign({}, p, { group: '', size: 50, after }));
      pageNo = cursors.length;
      cursors.push(res.next || null);
      shownTotal = res.total;
      render(res);
      // For the browser test: the list's own time, and the time since
      // navigation started when the first page of rows was shown.
      window.vigilRenderMs = performance.now() - t0;
      if (window.vigilFirstRowsMs == null) window.vigilFirstRowsMs = performance.now();
    }
    function render(res) {
      const start = (pageNo - 1) * 50;
      total.textContent = res.total === 0 ? 'No alerts' : `${start + 1}–${start + res.alerts.length} of ${res.total} alerts`;
      tbody.replaceChildren(...res.alerts.map(doc => {
        const id = doc['kibana.alert.uuid'];
        const bb = doc['kibana.alert.building_block_type'];
        return h('tr', { 'data-id': id, onclick: e => { if (e.target.tagName !== 'INPUT') location.hash = '#/alert/' + encodeURIComponent(id); } },
          h('td', {}, canEdit ? h('input', { type: 'checkbox', value: id }) : ''),
          h('td', { class: 'time' }, fmtTime(doc['kibana.alert.original_time'] || doc['@timestamp'])),
          h('td', { class: 'rule' }, doc['kibana.alert.rule.name'], bb ? h('span', { class: 'muted' }, ' (building block)') : ''),
          h('td', { class: 'severity' }, sevBadge(doc['kibana.alert.severity'])),
          h('td', {}, fmt(doc['kibana.alert.risk_score'])),
          h('td', { class: 'reason' }, fmt(doc['kibana.alert.reason'])),
          h('td', { class: 'host' }, fmt(get(doc, 'host.name'))),
          h('td', { class: 'user' }, fmt(get(doc, 'user.name'))),
          h('td', {}, fmt(get(doc, 'process.name'))),
          h('td', {}, destination(doc)),
          h('td', {}, statusBadge(doc['kibana.alert.workflow_status'])));
      }));
      prev.disabled = pageNo <= 1;
      next.disabled = !res.next;
      if (bulk) bulk.hidden = res.alerts.length === 0;
      all.checked = false;
    }
    async function loadGroups() {
      if (!p.group) return;
      const g = await source.groups(Object.assign({}, p, { group: '' }), p.group);
      groupsEl.replaceChildren(...g.groups.map(x => h('button', { 'data-key': x.key, onclick: () => {
        const q = Object.assign({}, p, { group: '' });
        q[p.group === 'rule' ? 'rule_id' : 'host'] = x.key;
        if (q.status === '') q.status = 'any';
        location.hash = '#/alerts?' + qs(q);
      } }, x.name || x.key || '(none)', h('span', { class: 'count' }, x.count))));
    }
    await Promise.all([load(), loadGroups()]);
    // Live update: new alerts appear on the first page without a reload.
    if (!local) {
      poll = setInterval(async () => {
        if (pageNo !== 1) return;
        try {
          const res = await source.alerts(Object.assign({}, p, { group: '', size: 50, after: '' }));
          if (res.total !== shownTotal) {
            const added = res.total - shownTotal;
            shownTotal = res.total;
            const checked = new Set([...tbody.querySelectorAll('input:checked')].map(c => c.value));
            render(res);
            for (const c of tbody.querySelectorAll('input[type=checkbox]')) c.checked = checked.has(c.value);
            cursors.length = 1; cursors.push(res.next || null);
            live.textContent = (added > 0 ? added + ' new, ' : '') + 'updated ' + new Date().toLocaleTimeString();
            loadGroups();
          }
        } catch (e) { live.textContent = 'live update failed: ' + e.message; }
      }, 3000);
    }
  }

  // ---- alert detail ----------------------------------------------------------
  function fieldTable(doc, highlight, id) {
    return h('table', { class: 'fields', id }, h('tbody', {}, flatten(doc).map(([k, v]) =>
      h('tr', { class: highlight.has(k) ? 'hl' : null, 'data-field': k }, h('td', {}, k), h('td', {}, fmt(v))))));
  }
  function attackLinks(threat) {
    const items = [];
    for (const t of threat || []) {
      const tac = t.tactic || {};
      const tacURL = /^TA\d{4}$/.test(tac.id || '') ? 'https://attack.mitre.org/tactics/' + tac.id + '/' : null;
      const techs = (t.technique || []).map(te => {
        const ok = /^T\d{4}$/.test(te.id || '');
        const subs = (te.subtechnique || []).map(s => {
          const m = /^T(\d{4})\.(\d{3})$/.exec(s.id || '');
          return h('li', {}, m ? h('a', { href: 'https://attack.mitre.org/techniques/T' + m[1] + '/' + m[2] + '/', target: '_blank', rel: 'noopener noreferrer' }, s.id) : s.id, ' ', s.name);
        });
        return h('li', {}, ok ? h('a', { href: 'https://attack.mitre.org/techniques/' + te.id + '/', target: '_blank', rel: 'noopener noreferrer' }, te.id) : te.id, ' ', te.name, subs.length ? h('ul', {}, subs) : '');
      });
      items.push(h('li', {}, tacURL ? h('a', { href: tacURL, target: '_blank', rel: 'noopener noreferrer' }, tac.id) : tac.id, ' ', tac.name, h('ul', {}, techs)));
    }
    return items.length ? h('ul', { id: 'attack' }, items) : h('p', { class: 'muted' }, 'No ATT&CK mapping.');
  }
  async function alertView(id) {
    const doc = await source.alert(id);
    const ctxP = source.context(id).catch(e => ({ error: e.message }));
    const params = doc['kibana.alert.rule.parameters'] || {};
    const invFields = new Set(((params.investigation_fields || {}).field_names) || []);
    const stages = doc['vigil.group.events'];
    const hist = doc['vigil.workflow_history'] || [];
    const status = doc['kibana.alert.workflow_status'] || 'open';
    const reason = h('select', { id: 'close-reason' }, ['false_positive', 'duplicate', 'true_positive', 'benign_positive', 'other'].map(r => h('option', { value: r }, r)));
    async function set(st, why) {
      await source.patch(id, st, why);
      await alertView(id);
    }
    const workflow = canEdit ? h('div', { class: 'bar', id: 'workflow' },
      h('button', { id: 'ack', disabled: status === 'acknowledged', onclick: () => set('acknowledged') }, 'Acknowledge'),
      h('button', { id: 'close', disabled: status === 'closed', onclick: () => set('closed', reason.value) }, 'Close'), reason,
      h('button', { id: 'reopen', disabled: status === 'open', onclick: () => set('open') }, 'Reopen')) : '';
    const invRows = [...invFields].map(f => h('tr', { class: 'hl' }, h('td', {}, f), h('td', {}, fmt(get(doc, f)))));
    const events = stages && stages.length
      ? stages.map((ev, i) => h('div', { class: 'stage', 'data-stage': i + 1 }, h('h3', {}, `Stage ${i + 1} of ${stages.length}: `, fmt(get(ev, 'event.category')), ' ', fmt(get(ev, 'process.name')), ' @ ', fmtTime(ev['@timestamp'])), fieldTable(ev, invFields)))
      : [h('div', { class: 'stage', 'data-stage': 1 }, fieldTable(eventOf(doc), invFields))];
    // A sequence's alert holds the fields its stages share; the first
    // stage's event names the process and its parent.
    const first = stages && stages.length ? stages[0] : doc;
    const parentRows = flatten(get(first, 'process.parent') || {}).map(([k, v]) => h('tr', { 'data-parent': k }, h('td', {}, 'process.parent.' + k), h('td', {}, fmt(v))));
    const ancestry = h('div', { id: 'ancestry' }, parentRows.length ? h('table', { class: 'fields' }, h('tbody', {}, parentRows)) : h('p', { class: 'muted' }, 'The event names no parent process.'));
    const timeline = h('div', { id: 'timeline' }, h('p', { class: 'muted' }, 'Loading…'));
    show(
      h('div', { class: 'panel', id: 'detail' },
        h('p', {}, h('a', { href: '#/alerts' }, '‹ Alerts')),
        h('h2', { id: 'rule-name' }, doc['kibana.alert.rule.name']),
        h('div', { class: 'bar' }, sevBadge(doc['kibana.alert.severity']), h('span', {}, 'risk ' + fmt(doc['kibana.alert.risk_score'])), statusBadge(status),
          doc['kibana.alert.workflow_reason'] ? h('span', { id: 'status-reason' }, 'reason: ' + doc['kibana.alert.workflow_reason']) : '',
          h('span', {}, fmtTime(doc['kibana.alert.original_time'])), h('span', {}, 'host ' + fmt(get(doc, 'host.name'))), h('span', {}, 'user ' + fmt(get(doc, 'user.name') ?? get(first, 'user.name')))),
        h('p', { id: 'reason' }, fmt(doc['kibana.alert.reason'])),
        workflow,
        hist.length ? h('ul', { id: 'history' }, hist.map(c => h('li', {}, c.status, c.reason ? ' (' + c.reason + ')' : '', ' by ', c.user, ' at ', fmtTime(c.at)))) : ''),
      h('div', { class: 'grid2' },
        h('div', {},
          h('div', { class: 'panel' }, h('h3', {}, 'Description'), h('p', { id: 'description' }, fmt(doc['kibana.alert.rule.description']))),
          h('div', { class: 'panel' }, h('h3', {}, 'MITRE ATT&CK'), attackLinks(doc['kibana.alert.rule.threat'])),
          invRows.length ? h('div', { class: 'panel' }, h('h3', {}, 'Investigation fields'), h('table', { class: 'fields', id: 'investigation-fields' }, h('tbody', {}, invRows))) : '',
          h('div', { class: 'panel', id: 'guide' }, h('h3', {}, 'Investigation guide'),
            doc['kibana.alert.rule.note'] ? markdown(doc['kibana.alert.rule.note']) : h('p', { class: 'muted' }, 'The rule has no investigation guide.'))),
        h('div', {},
          h('div', { class: 'panel', id: 'events' }, h('h3', {}, stages ? 'Events of the sequence, in order' : 'Event'), events),
          h('div', { class: 'panel' }, h('h3', {}, 'Process ancestry'), ancestry),
          h('div', { class: 'panel' }, h('h3', {}, 'Host timeline (±1 h)'), timeline))));
    const ctx = await ctxP;
    if (ctx.error) { timeline.replaceChildren(h('p', { class: 'err' }, ctx.error)); return; }
    for (const level of ctx.ancestry || []) {
      ancestry.append(h('div', { class: 'generation', 'data-depth': level.depth },
        h('h4', {}, level.depth === 0 ? 'This process' : level.depth === 1 ? 'Parent' : 'Ancestor ' + level.depth, ' — entity ', level.entity_id),
        level.events.length ? level.events.map(ev => h('p', { class: 'ancestor-event' }, fmtTime(ev['@timestamp']), ' ', fmt(get(ev, 'event.action') || get(ev, 'event.category')), ' ', fmt(get(ev, 'process.name')), ' ', fmt(get(ev, 'process.command_line'))))
          : h('p', { class: 'muted' }, 'No retained event of this process.')));
    }
    const items = [];
    for (const a of ctx.timeline.alerts || []) items.push({ t: a.time, el: h('li', { class: a.id === id ? 'this' : null }, h('span', { class: 'kind' }, 'alert'), fmtTime(a.time), ' ', sevBadge(a.severity), ' ', h('a', { href: '#/alert/' + encodeURIComponent(a.id) }, a.rule)) });
    for (const ev of ctx.timeline.events || []) items.push({ t: ev['@timestamp'], el: h('li', {}, h('span', { class: 'kind' }, 'event'), fmtTime(ev['@timestamp']), ' ', fmt(get(ev, 'event.action') || get(ev, 'event.category')), ' ', fmt(get(ev, 'process.name')), ' ', fmt(get(ev, 'process.command_line') || get(ev, 'destination.ip'))) });
    items.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    timeline.replaceChildren(ctx.note ? h('p', { class: 'muted' }, ctx.note) : '', items.length ? h('ul', { class: 'timeline' }, items.map(x => x.el)) : h('p', { class: 'muted' }, 'Nothing else on this host in the window.'));
  }

  // ---- coverage --------------------------------------------------------------
  async function coverageView() {
    const cov = await source.coverage();
    let by = 'rules';
    const matrix = h('div', { class: 'matrix', id: 'matrix' });
    function draw() {
      const hi = Math.max(1, ...cov.cells.map(c => c[by]));
      matrix.replaceChildren(...cov.tactics.map(t => h('div', { class: 'col' }, h('h4', {}, t.name),
        cov.cells.filter(c => c.tactic === t.short).map(c => {
          const x = c[by] / hi, rgb = by === 'rules' ? [54, 162, 239] : [231, 102, 76];
          const bg = c[by] ? `rgba(${rgb.join(',')},${(0.15 + 0.85 * x).toFixed(2)})` : '#fff';
          const cell = h('div', { class: 'cell', title: c.rule_names.join('\n'), 'data-technique': c.technique_id },
            h('strong', {}, c.technique_id), ' ', c.technique_name, h('br'), `${c.rules} rules · ${c.alerts} alerts`);
          cell.style.background = bg;
          return cell;
        }))));
    }
    const pick = h('select', { id: 'cov-by', onchange: e => { by = e.target.value; draw(); } }, h('option', { value: 'rules' }, 'loaded rules'), h('option', { value: 'alerts' }, 'alerts raised'));
    const nav = local
      ? h('button', { id: 'navigator', onclick: () => download('vigil-coverage-layer.json', JSON.stringify(REPORT.navigator, null, 2)) }, 'ATT&CK Navigator layer')
      : h('span', {}, 'ATT&CK Navigator layer: ', h('a', { href: '/api/coverage/navigator', id: 'navigator', download: 'vigil-rules-layer.json' }, 'rules'), ' · ',
        h('a', { href: '/api/coverage/navigator?of=alerts', download: 'vigil-alerts-layer.json' }, 'alerts'));
    show(h('div', { class: 'panel' }, h('h2', {}, 'ATT&CK coverage'),
      h('div', { class: 'bar' }, 'Heat of:', pick, nav,
        h('span', { class: 'muted' }, `${cov.cells.length} tactic × technique cells; ${cov.unmapped_rules} rules and ${cov.unmapped_alerts} alerts without a mapping`))), matrix);
    draw();
  }
  function download(name, text) {
    const a = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/json' })), download: name });
    document.body.append(a);
    a.click();
    a.remove();
  }

  // ---- rules -------------------------------------------------------------------
  async function rulesView() {
    const res = await source.rules();
    const rules = res.rules || [];
    const count = st => rules.filter(r => r.state === st).length;
    const cols = [['name', 'Rule'], ['type', 'Type'], ['severity', 'Severity'], ['risk_score', 'Risk'], ['state', 'State'],
      ['events_offered', 'Offered'], ['matched', 'Matched'], ['alerts', 'Alerts'], ['suppressed', 'Suppressed'], ['state_overflow', 'Overflow'], ['eval_time_ms', 'Eval ms'], ['last_alert', 'Last alert']];
    const present = cols.filter(([k]) => k === 'name' || rules.some(r => r[k] != null));
    const filter = h('select', { id: 'rule-state', onchange: () => draw() }, h('option', { value: '' }, 'all'), ['ok', 'unsupported', 'error'].map(s => h('option', { value: s }, s)));
    const tbody = h('tbody');
    function draw() {
      tbody.replaceChildren(...rules.filter(r => !filter.value || r.state === filter.value).map(r =>
        h('tr', { 'data-rule': r.rule_id, class: r.state !== 'ok' ? 'hl' : null }, present.map(([k]) =>
          h('td', {}, k === 'severity' ? sevBadge(r.severity) : k === 'last_alert' ? fmtTime(r[k]) : k === 'eval_time_ms' ? Number(r[k]).toFixed(1) : k === 'state' ? [r.state, r.reason ? h('div', { class: 'muted' }, r.reason) : '', r.error ? h('div', { class: 'err' }, r.error) : ''] : fmt(r[k]))))));
    }
    show(h('div', { class: 'panel' }, h('h2', {}, 'Rules'),
      h('div', { class: 'bar' }, `${rules.length} rules: ${count('ok')} running, ${count('unsupported')} unsupported, ${count('error')} failed. Show:`, filter)),
    h('table', { id: 'rules' }, h('thead', {}, h('tr', {}, present.map(([, t]) => h('th', {}, t)))), tbody));
    draw();
  }

  // ---- start ----------------------------------------------------------------------
  document.getElementById('mode').textContent = local
    ? `report: ${REPORT.title || 'hunt'}, ${REPORT.alerts.length} alerts${REPORT.omitted ? ` (${REPORT.omitted} left out)` : ''}, written ${fmtTime(REPORT.generated)}`
    : 'live: vigil serve';
  route();
})();

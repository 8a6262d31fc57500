// The Borealis web console: a client of the RDS Query API on the port that serves it.
// Every action is a form POST to `/` as the AWS CLI sends it; answers are RDS XML, read
// with DOMParser. With API keys configured on the server, each request is signed with
// SigV4 (WebCrypto HMAC-SHA256) with the key and secret the user types in; they stay in
// this page's memory only.
'use strict';

const VERSION = '2014-10-31';
const REGION = 'us-east-1';
const SERVICE = 'rds';
// Instances and events (cheap to list) are read every POLL_MS. DescribeDBClusters also
// counts space, which after any write means a checkpoint and a walk of the volume's pages,
// so clusters are read every CLUSTERS_MS, and at once when the events show a change or
// after an action of this page.
const POLL_MS = 2000;
const CLUSTERS_MS = 30000;
const AUTH_CODES = new Set([
  'MissingAuthenticationToken', 'SignatureDoesNotMatch', 'InvalidClientTokenId',
  'IncompleteSignature', 'RequestExpired',
]);

const state = {
  creds: null,          // {key, secret} when the user signed in
  needAuth: false,      // the API refused an unsigned request
  authError: '',
  clusters: [],
  instances: [],
  events: [],
  backtracks: {},       // cluster id -> list, for the cluster page
  loaded: false,
  lastRender: '',
  busy: false,          // a dialog action is running
  picked: {},           // cluster id -> the time picked on its page's history slider
  skewMs: 0,            // the server's clock minus this browser's, when they differ by > 1 min
  clustersAt: 0,        // when the clusters were last read (Date.now())
  eventsKey: '',        // the events seen then (count and newest), to notice changes
  wantClusters: true,   // read the clusters on the next refresh
};

// ---------- SigV4 ----------

const enc = new TextEncoder();

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256hex(s) {
  return hex(await crypto.subtle.digest('SHA-256', enc.encode(s)));
}

async function hmac(key, s) {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(s)));
}

// SigV4's URI encoding: unreserved characters stay, everything else is %XX.
function uriEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// Signs a POST of `body` to `/` on this host: the headers to add. The signed headers are
// host (what the browser sends: location.host) and x-amz-date; the payload hash is the
// body's, as the server recomputes it from the bytes that arrive.
async function sigv4Headers(body, creds) {
  const amzDate = new Date(Date.now() + state.skewMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const day = amzDate.slice(0, 8);
  const canonical = [
    'POST', '/', '',
    'host:' + location.host, 'x-amz-date:' + amzDate, '',
    'host;x-amz-date', await sha256hex(body),
  ].join('\n');
  const scope = `${day}/${REGION}/${SERVICE}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, await sha256hex(canonical)].join('\n');
  let k = await hmac(enc.encode('AWS4' + creds.secret), day);
  k = await hmac(k, REGION);
  k = await hmac(k, SERVICE);
  k = await hmac(k, 'aws4_request');
  const signature = hex(await hmac(k, toSign));
  return {
    'X-Amz-Date': amzDate,
    Authorization: `AWS4-HMAC-SHA256 Credential=${creds.key}/${scope}, SignedHeaders=host;x-amz-date, Signature=${signature}`,
  };
}

// ---------- the API ----------

class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
  toString() {
    return `${this.code}: ${this.message}`;
  }
}

function child(el, tag) {
  if (!el) return null;
  for (const c of el.children) if (c.tagName === tag) return c;
  return null;
}
function text(el, tag) {
  const c = child(el, tag);
  return c ? c.textContent : '';
}
function num(el, tag) {
  const t = text(el, tag);
  return t === '' ? 0 : Number(t);
}
function kids(el, tag) {
  return el ? Array.from(el.children).filter((c) => c.tagName === tag) : [];
}

// Calls `action` with `params` ({name: value}; empty values are left out); resolves to the
// `<ActionResult>` element, rejects with an ApiError carrying the API's code and message.
async function api(action, params = {}, creds = state.creds, retried = false) {
  const pairs = [['Action', action], ['Version', VERSION]];
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') pairs.push([k, String(v)]);
  }
  const body = pairs.map(([k, v]) => uriEncode(k) + '=' + uriEncode(v)).join('&');
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' };
  if (creds) Object.assign(headers, await sigv4Headers(body, creds));
  let res;
  try {
    res = await fetch('/', { method: 'POST', headers, body, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw new ApiError('NetworkError', `The API did not answer (${e.message}). Is the server running?`, 0);
  }
  const xml = await res.text();
  // Sign with the server's clock when this browser's is far off (SigV4 allows 15 minutes).
  const serverMs = Date.parse(res.headers.get('Date') || '');
  if (!Number.isNaN(serverMs)) {
    const skew = serverMs - Date.now();
    state.skewMs = Math.abs(skew) > 60000 ? skew : 0;
  }
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) {
    throw new ApiError(`HTTP${res.status}`, xml.slice(0, 300) || res.statusText, res.status);
  }
  const err = doc.getElementsByTagName('Error')[0];
  if (err || !res.ok) {
    // Dated by a clock the server finds too far off: once more, by the server's clock.
    if (text(err, 'Code') === 'RequestExpired' && creds && !retried && state.skewMs) {
      return api(action, params, creds, true);
    }
    throw new ApiError(text(err, 'Code') || `HTTP${res.status}`, text(err, 'Message') || res.statusText, res.status);
  }
  const result = doc.getElementsByTagName(action + 'Result')[0];
  if (!result) throw new ApiError('BadResponse', `The answer to ${action} has no ${action}Result.`, res.status);
  return result;
}

// Every `item` element of a describe call's `list`, following its Markers page by page.
async function apiAll(action, params, list, item) {
  const items = [];
  let marker = '';
  do {
    const r = await api(action, { ...params, Marker: marker });
    items.push(...kids(child(r, list), item));
    marker = text(r, 'Marker');
  } while (marker);
  return items;
}

function parseCluster(el) {
  return {
    id: text(el, 'DBClusterIdentifier'),
    status: text(el, 'Status'),
    engine: text(el, 'Engine'),
    engineVersion: text(el, 'EngineVersion'),
    address: text(el, 'Endpoint'),
    readerAddress: text(el, 'ReaderEndpoint'),
    port: num(el, 'Port'),
    master: text(el, 'MasterUsername'),
    database: text(el, 'DatabaseName'),
    members: kids(child(el, 'DBClusterMembers'), 'DBClusterMember').map((m) => ({
      id: text(m, 'DBInstanceIdentifier'),
      writer: text(m, 'IsClusterWriter') === 'true',
    })),
    cloneGroup: text(el, 'CloneGroupId'),
    created: text(el, 'ClusterCreateTime'),
    source: text(el, 'BorealisSourceCluster'),
    sourceBinlog: text(el, 'BorealisSourceBinlogFile')
      ? `${text(el, 'BorealisSourceBinlogFile')}:${text(el, 'BorealisSourceBinlogPosition')}` : '',
    backtrackWindow: num(el, 'BacktrackWindow'),
    earliestBacktrack: text(el, 'EarliestBacktrackTime'),
    earliestRestorable: text(el, 'EarliestRestorableTime'),
    latestRestorable: text(el, 'LatestRestorableTime'),
    exclusive: num(el, 'BorealisExclusiveBytes'),
    shared: num(el, 'BorealisSharedBytes'),
    history: num(el, 'BorealisHistoryBytes'),
    historyCommits: num(el, 'BacktrackConsumedChangeRecords'),
    resourceId: text(el, 'DbClusterResourceId'),
  };
}

function parseInstance(el) {
  const ep = child(el, 'Endpoint');
  return {
    id: text(el, 'DBInstanceIdentifier'),
    cluster: text(el, 'DBClusterIdentifier'),
    status: text(el, 'DBInstanceStatus'),
    cls: text(el, 'DBInstanceClass'),
    address: text(ep, 'Address'),
    port: num(ep, 'Port'),
    role: text(el, 'BorealisRole'),
    created: text(el, 'InstanceCreateTime'),
  };
}

function parseEvent(el) {
  return {
    source: text(el, 'SourceIdentifier'),
    type: text(el, 'SourceType'),
    message: text(el, 'Message'),
    category: text(child(el, 'EventCategories'), 'EventCategory'),
    date: text(el, 'Date'),
  };
}

function parseBacktrack(el) {
  return {
    id: text(el, 'BacktrackIdentifier'),
    to: text(el, 'BacktrackTo'),
    from: text(el, 'BacktrackedFrom'),
    created: text(el, 'BacktrackRequestCreationTime'),
    status: text(el, 'Status'),
  };
}

// ---------- polling ----------

let pollTimer = null;
let inflight = false;
let again = false;

// Reads clusters, instances and events (and the open cluster's backtracks), redraws, and
// schedules the next poll. One read at a time: a call while one runs asks for another.
async function refresh() {
  if (inflight) {
    again = true;
    return;
  }
  inflight = true;
  clearTimeout(pollTimer);
  try {
    const [i, e] = await Promise.all([
      apiAll('DescribeDBInstances', {}, 'DBInstances', 'DBInstance'),
      apiAll('DescribeEvents', { Duration: 1440 }, 'Events', 'Event'),
    ]);
    state.instances = i.map(parseInstance);
    state.events = e.map(parseEvent).reverse();
    const eventsKey = `${state.events.length} ${state.events[0]?.date || ''}`;
    if (state.wantClusters || eventsKey !== state.eventsKey || Date.now() - state.clustersAt >= CLUSTERS_MS) {
      state.wantClusters = false;
      const c = await apiAll('DescribeDBClusters', {}, 'DBClusters', 'DBCluster');
      state.clusters = c.map(parseCluster);
      state.clustersAt = Date.now();
      state.eventsKey = eventsKey;
    }
    const page = route();
    if (page.cluster && state.clusters.some((x) => x.id === page.cluster)) {
      const b = await apiAll('DescribeDBClusterBacktracks', { DBClusterIdentifier: page.cluster }, 'DBClusterBacktracks', 'DBClusterBacktrack');
      state.backtracks[page.cluster] = b.map(parseBacktrack);
    }
    state.loaded = true;
    state.needAuth = false;
    live(`live · updated ${new Date().toLocaleTimeString()}`, false);
    banner('');
  } catch (err) {
    state.wantClusters = true;
    if (err instanceof ApiError && AUTH_CODES.has(err.code)) {
      state.needAuth = true;
      state.authError = state.creds ? err.toString() : '';
      state.creds = null;
      live('sign-in needed', true);
    } else {
      live('not updated', true);
      banner(`The console could not read the clusters: ${err}`);
    }
  } finally {
    inflight = false;
  }
  try {
    render();
  } catch (e) {
    banner(`The console failed to draw the page: ${e}`);
  }
  if (again) {
    again = false;
    refresh();
    return;
  }
  pollTimer = setTimeout(refresh, POLL_MS);
}

function live(msg, bad) {
  const el = document.getElementById('live');
  el.textContent = msg;
  el.classList.toggle('err', bad);
}

function banner(msg) {
  const el = document.getElementById('banner');
  el.textContent = msg;
  el.hidden = !msg;
}

// ---------- small DOM helpers ----------

// h('tag', {attr: v, onclick: fn, dataset...}, ...children): an element; strings become
// text nodes (never HTML).
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

function bytes(n) {
  if (!n) return '0 B';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i && n < 10 ? 1 : 0)} ${u[i]}`;
}

function duration(secs) {
  if (!secs) return 'off';
  if (secs % 3600 === 0) return `${secs / 3600} h`;
  if (secs % 60 === 0) return `${secs / 60} min`;
  return `${secs} s`;
}

// ISO 8601 UTC as the API writes it, to the second for display.
function shortTime(iso) {
  return iso ? iso.replace(/\.\d+Z$/, 'Z').replace('T', ' ') : '';
}

function parseIso(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z$/.exec(s.trim());
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(ms) ? null : ms + (m[7] ? Number(m[7]) * 1000 : 0);
}

function isoMs(ms) {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

// ---------- routing ----------

function route() {
  const m = /^#\/cluster\/([^/]+)$/.exec(location.hash);
  return m ? { cluster: decodeURIComponent(m[1]) } : {};
}

window.addEventListener('hashchange', () => { state.lastRender = ''; state.wantClusters = true; refresh(); });

// ---------- rendering ----------

function render() {
  const page = route();
  const signout = document.getElementById('signout');
  signout.hidden = !state.creds;
  // Re-render only when what is shown changed, so a click is not lost to a redraw.
  const key = JSON.stringify([location.hash, state.needAuth, state.authError, state.loaded, state.clusters,
    state.instances, state.events.slice(0, 30), state.backtracks[page.cluster]]);
  if (key === state.lastRender) return;
  state.lastRender = key;
  const main = document.getElementById('main');
  if (state.needAuth) {
    main.replaceChildren(loginView());
  } else if (!state.loaded) {
    main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  } else if (page.cluster) {
    main.replaceChildren(clusterPage(page.cluster));
  } else {
    main.replaceChildren(clustersView(), eventsView(state.events.slice(0, 30), 'Recent events'));
  }
}

function loginView() {
  const key = h('input', { type: 'text', id: 'login-key', 'data-test': 'login-key', autocomplete: 'username', required: true });
  const secret = h('input', { type: 'password', id: 'login-secret', 'data-test': 'login-secret', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'error', 'data-test': 'login-error' }, state.authError);
  const form = h('form', {
    class: 'grid',
    onsubmit: async (ev) => {
      ev.preventDefault();
      const creds = { key: key.value.trim(), secret: secret.value };
      try {
        await api('DescribeDBInstances', {}, creds);
      } catch (e) {
        err.textContent = e.toString();
        return;
      }
      state.creds = creds;
      state.needAuth = false;
      state.authError = '';
      state.lastRender = '';
      refresh();
    },
  },
  h('label', { for: 'login-key' }, 'Access key'), key,
  h('label', { for: 'login-secret' }, 'Secret key'), secret,
  h('div', { class: 'full buttons' }, h('button', { class: 'primary', type: 'submit', 'data-test': 'login-submit' }, 'Sign in')));
  return h('section', { class: 'card login' },
    h('h2', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'This server checks API signatures. Enter the access key and secret it was started with (--api-access-key, --api-secret-key); every request is signed with them in this page (SigV4), as the AWS CLI signs.'),
    form, err);
}

// Clusters in clone-tree order: each cluster followed by the clusters made from it.
function treeOrder(clusters) {
  const ids = new Set(clusters.map((c) => c.id));
  const byParent = new Map();
  for (const c of clusters) {
    const p = c.source && ids.has(c.source) ? c.source : '';
    if (!byParent.has(p)) byParent.set(p, []);
    byParent.get(p).push(c);
  }
  const out = [];
  const walk = (parent, prefix) => {
    const list = (byParent.get(parent) || []).sort((a, b) => a.created.localeCompare(b.created));
    list.forEach((c, i) => {
      const last = i === list.length - 1;
      out.push({ c, branch: parent ? prefix + (last ? '└─ ' : '├─ ') : '' });
      walk(c.id, parent ? prefix + (last ? '   ' : '│  ') : '');
    });
  };
  walk('', '');
  return out;
}

function origin(c) {
  if (!c.source) return '';
  const src = state.clusters.find((x) => x.id === c.source);
  const cow = src && src.cloneGroup === c.cloneGroup;
  return `${cow ? 'clone' : 'restored copy'} of ${c.source} · ${shortTime(c.created)}`;
}

function endpoints(c) {
  const inst = state.instances.filter((i) => i.cluster === c.id);
  const writer = inst.find((i) => i.role === 'writer');
  const readers = inst.filter((i) => i.role !== 'writer');
  return { inst, writer, readers };
}

function spaceBar(c, max) {
  const w = (n) => `${max ? (100 * n) / max : 0}%`;
  const bar = h('div', { class: 'space', title: `exclusive ${bytes(c.exclusive)}, shared ${bytes(c.shared)}, history ${bytes(c.history)}` },
    h('div', { class: 'excl' }), h('div', { class: 'shared' }), h('div', { class: 'hist' }));
  bar.children[0].style.width = w(c.exclusive);
  bar.children[1].style.width = w(c.shared);
  bar.children[2].style.width = w(c.history);
  return h('div', { 'data-test': 'space' }, bar,
    h('span', { class: 'muted' }, `${bytes(c.exclusive)} own · ${bytes(c.shared)} shared` +
      (c.history ? ` · ${bytes(c.history)} history` : '')));
}

function clustersView() {
  const max = Math.max(1, ...state.clusters.map((c) => c.exclusive + c.shared + c.history));
  const rows = treeOrder(state.clusters).map(({ c, branch }) => {
    const { inst, writer, readers } = endpoints(c);
    return h('tr', { 'data-test': 'cluster-row', 'data-cluster-id': c.id },
      h('td', {},
        h('span', { class: 'tree' }, branch),
        h('a', { href: `#/cluster/${encodeURIComponent(c.id)}`, 'data-test': 'cluster-link' }, c.id),
        c.source ? h('div', { class: 'muted origin', 'data-test': 'cluster-origin' }, origin(c)) : null),
      h('td', {}, h('span', { class: `status ${c.status}`, 'data-test': 'cluster-status' }, c.status)),
      h('td', {}, c.engine, h('div', { class: 'muted' }, c.engineVersion)),
      h('td', { class: 'mono', 'data-test': 'writer-endpoint' }, writer ? `${writer.address}:${writer.port}` : h('span', { class: 'muted' }, 'no instance')),
      h('td', { class: 'mono', 'data-test': 'reader-endpoints' }, readers.length ? readers.map((r) => h('div', {}, `${r.address}:${r.port}`)) : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'num', 'data-test': 'instance-count' }, String(inst.length)),
      h('td', {}, spaceBar(c, max)),
      h('td', { 'data-test': 'backtrack-window' }, duration(c.backtrackWindow),
        c.backtrackWindow ? h('div', { class: 'muted' }, `from ${shortTime(c.earliestBacktrack)}`) : null),
      h('td', { class: 'actions' },
        h('button', { 'data-test': 'action-clone', onclick: () => cloneDialog(c) }, 'Clone'),
        h('button', { 'data-test': 'action-backtrack', onclick: () => backtrackDialog(c), disabled: !c.backtrackWindow, title: c.backtrackWindow ? '' : 'Backtracking is off for this cluster (backtrack window 0)' }, 'Backtrack'),
        h('button', { 'data-test': 'action-restore', onclick: () => restoreDialog(c) }, 'Restore'),
        h('button', { 'data-test': 'action-delete', class: 'danger', onclick: () => deleteDialog(c) }, 'Delete')));
  });
  return h('section', { class: 'card' },
    h('div', { class: 'bar' },
      h('h1', { class: 'grow' }, `Clusters (${state.clusters.length})`),
      h('button', { class: 'primary', 'data-test': 'action-create-cluster', onclick: () => createClusterDialog() }, 'Create cluster')),
    h('table', { 'data-test': 'clusters' },
      h('thead', {}, h('tr', {}, ['Cluster', 'Status', 'Engine', 'Writer endpoint', 'Reader endpoints', 'Instances', 'Space', 'Backtrack window', 'Actions'].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows)),
    h('p', { class: 'legend muted' },
      h('span', { class: 'excl' }, 'pages only this cluster holds'),
      h('span', { class: 'shared' }, 'pages shared with other clusters (clones, restores)'),
      h('span', { class: 'hist' }, 'history kept for backtrack and point-in-time restore')));
}

function eventsView(events, title) {
  return h('section', { class: 'card' },
    h('h2', {}, title),
    events.length
      ? h('table', { 'data-test': 'events' },
        h('thead', {}, h('tr', {}, ['Time (UTC)', 'Source', 'Category', 'Message'].map((t) => h('th', {}, t)))),
        h('tbody', {}, events.map((e) => h('tr', { 'data-test': 'event-row' },
          h('td', { class: 'mono' }, shortTime(e.date)),
          h('td', {}, e.source, h('div', { class: 'muted' }, e.type)),
          h('td', {}, e.category),
          h('td', {}, e.message)))))
      : h('p', { class: 'muted' }, 'No events in the past 24 hours.'));
}

function clusterPage(id) {
  const c = state.clusters.find((x) => x.id === id);
  if (!c) {
    return h('section', { class: 'card' }, h('p', {}, `There is no cluster ${id}. `, h('a', { href: '#/' }, 'All clusters')));
  }
  const { inst } = endpoints(c);
  const details = [
    ['Status', h('span', { class: `status ${c.status}` }, c.status)],
    ['Engine', `${c.engine} ${c.engineVersion}`],
    ['Master user', c.master],
    ['Database', c.database || '—'],
    ['Endpoint', `${c.address}${c.port ? ':' + c.port : ''}`],
    ['Reader endpoint', c.readerAddress || '—'],
    ['Created', shortTime(c.created)],
    ['Clone group', c.cloneGroup],
    ['Made from', c.source ? origin(c) : '—'],
    ['Source binlog coordinate', c.sourceBinlog || '—'],
    ['Restorable', `${shortTime(c.earliestRestorable)} … ${shortTime(c.latestRestorable)}`],
    ['Backtrack window', c.backtrackWindow ? `${duration(c.backtrackWindow)} (earliest ${shortTime(c.earliestBacktrack)})` : 'off'],
    ['History', `${c.historyCommits} commits retained, ${bytes(c.history)}`],
    ['Space', `${bytes(c.exclusive)} own, ${bytes(c.shared)} shared`],
  ];
  const writer = inst.some((i) => i.role === 'writer');
  return h('div', {},
    h('p', {}, h('a', { href: '#/', 'data-test': 'back' }, '‹ All clusters')),
    h('section', { class: 'card', 'data-test': 'cluster-page', 'data-cluster-id': c.id },
      h('div', { class: 'bar' },
        h('h1', { class: 'grow' }, c.id),
        h('button', { 'data-test': 'action-clone', onclick: () => cloneDialog(c) }, 'Clone'),
        h('button', { 'data-test': 'action-backtrack', onclick: () => backtrackDialog(c), disabled: !c.backtrackWindow }, 'Backtrack'),
        h('button', { 'data-test': 'action-restore', onclick: () => restoreDialog(c) }, 'Restore'),
        h('button', { 'data-test': 'action-delete', class: 'danger', onclick: () => deleteDialog(c) }, 'Delete')),
      h('dl', { class: 'details' }, details.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
    timelineCard(c),
    h('section', { class: 'card' },
      h('div', { class: 'bar' },
        h('h2', { class: 'grow' }, `Instances (${inst.length})`),
        h('button', { 'data-test': 'action-add-instance', onclick: () => instanceDialog(c, !writer) }, writer ? 'Add reader' : 'Add writer')),
      inst.length
        ? h('table', { 'data-test': 'instances' },
          h('thead', {}, h('tr', {}, ['Instance', 'Role', 'Status', 'Endpoint', 'Class', 'Created', ''].map((t) => h('th', {}, t)))),
          h('tbody', {}, inst.map((i) => h('tr', { 'data-test': 'instance-row', 'data-instance-id': i.id },
            h('td', {}, i.id),
            h('td', {}, i.role),
            h('td', {}, h('span', { class: `status ${i.status}` }, i.status)),
            h('td', { class: 'mono' }, `${i.address}:${i.port}`),
            h('td', {}, i.cls),
            h('td', { class: 'mono' }, shortTime(i.created)),
            h('td', { class: 'actions' }, h('button', { class: 'danger', 'data-test': 'action-delete-instance', onclick: () => deleteInstanceDialog(i) }, 'Delete'))))))
        : h('p', { class: 'muted' }, 'No instances: add a writer to connect to this cluster.')),
    backtracksCard(c),
    eventsView(state.events.filter((e) => e.source === c.id || inst.some((i) => i.id === e.source)), 'Events (past 24 hours)'));
}

// A slider over the retained history, kept in step with an ISO 8601 UTC text field.
function timePicker(fromIso, toIso, initialIso, testName) {
  // Whole milliseconds and step "any": the slider picks, the text (to the microsecond) is
  // what is sent.
  const from = Math.floor(parseIso(fromIso) ?? Date.now());
  const to = Math.max(from, Math.ceil(parseIso(toIso) ?? Date.now()));
  const input = h('input', { type: 'text', 'data-test': testName, value: initialIso || toIso || isoMs(to), spellcheck: 'false', placeholder: '2026-11-22T10:42:00Z' });
  const range = h('input', { type: 'range', min: String(from), max: String(to), step: 'any', 'data-test': `${testName}-slider` });
  range.value = String(parseIso(input.value) ?? to);
  range.addEventListener('input', () => { input.value = isoMs(Number(range.value)); });
  input.addEventListener('input', () => {
    const t = parseIso(input.value);
    if (t !== null) range.value = String(t);
  });
  const el = h('div', { class: 'timeline' }, range,
    h('div', { class: 'ends muted' }, h('span', {}, shortTime(isoMs(from))), h('span', {}, shortTime(isoMs(to)))), input);
  return { el, input };
}

function timelineCard(c) {
  const from = c.backtrackWindow ? c.earliestBacktrack : c.earliestRestorable;
  // The picked time survives the redraws that live updates make.
  const picker = timePicker(c.earliestRestorable, c.latestRestorable, state.picked[c.id] || '', 'timeline-time');
  picker.input.addEventListener('input', () => { state.picked[c.id] = picker.input.value; });
  picker.el.querySelector('input[type=range]').addEventListener('input', () => { state.picked[c.id] = picker.input.value; });
  return h('section', { class: 'card' },
    h('h2', {}, 'History'),
    h('p', { class: 'muted' }, `Retained: ${shortTime(c.earliestRestorable)} to the last commit at ${shortTime(c.latestRestorable)} · ${c.historyCommits} commits · ${bytes(c.history)}. ` +
      (c.backtrackWindow ? `Backtrack reaches back to ${shortTime(from)}.` : 'Backtracking is off (backtrack window 0).')),
    picker.el,
    h('div', { class: 'buttons' },
      h('button', { 'data-test': 'timeline-backtrack', disabled: !c.backtrackWindow, onclick: () => backtrackDialog(c, picker.input.value) }, 'Backtrack to here'),
      h('button', { 'data-test': 'timeline-restore', onclick: () => restoreDialog(c, picker.input.value) }, 'Restore to a new cluster from here'),
      h('button', { 'data-test': 'timeline-clone', onclick: () => cloneDialog(c) }, 'Clone now')));
}

function backtracksCard(c) {
  const list = state.backtracks[c.id] || [];
  return h('section', { class: 'card' },
    h('h2', {}, 'Backtracks'),
    list.length
      ? h('table', { 'data-test': 'backtracks' },
        h('thead', {}, h('tr', {}, ['Requested', 'Backtracked to', 'From', 'Status', 'Identifier'].map((t) => h('th', {}, t)))),
        h('tbody', {}, list.map((b) => h('tr', { 'data-test': 'backtrack-row' },
          h('td', { class: 'mono' }, shortTime(b.created)),
          h('td', { class: 'mono' }, b.to),
          h('td', { class: 'mono' }, b.from),
          h('td', {}, h('span', { class: `status ${b.status}` }, b.status)),
          h('td', { class: 'mono muted' }, b.id)))))
      : h('p', { class: 'muted' }, 'No backtracks.'));
}

// ---------- dialogs ----------

// Opens the dialog with `title`, `fields` ([label, input] pairs or elements) and a submit
// button; `run(progress)` does the work, calling progress(msg) for each step; its
// resolved string is shown as the outcome. Errors show the API's code and message.
function dialog(title, intro, fields, submitLabel, submitTest, run, danger) {
  const dlg = document.getElementById('dlg');
  const steps = h('ul', { class: 'progress', 'data-test': 'dialog-progress' });
  const error = h('p', { class: 'error', 'data-test': 'dialog-error' });
  const done = h('p', { class: 'done', 'data-test': 'dialog-done' });
  const submit = h('button', { type: 'submit', class: danger ? 'danger' : 'primary', 'data-test': submitTest }, submitLabel);
  const close = h('button', { type: 'button', 'data-test': 'dialog-close', onclick: () => { if (!state.busy) dlg.close(); } }, 'Cancel');
  const form = h('form', {
    class: 'grid',
    onsubmit: async (ev) => {
      ev.preventDefault();
      if (state.busy) return;
      state.busy = true;
      submit.disabled = true;
      close.disabled = true;
      error.textContent = '';
      done.textContent = '';
      steps.replaceChildren();
      const progress = (msg) => steps.append(h('li', {}, msg));
      try {
        const outcome = await run(progress);
        done.textContent = outcome;
        close.textContent = 'Close';
        submit.hidden = true;
      } catch (e) {
        error.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : String(e.message || e);
        submit.disabled = false;
      } finally {
        state.busy = false;
        close.disabled = false;
        state.wantClusters = true;
        refresh();
      }
    },
  },
  fields.map((f) => (Array.isArray(f) ? [h('label', {}, f[0]), f[1]] : h('div', { class: 'full' }, f))),
  h('div', { class: 'full buttons' }, close, submit));
  dlg.replaceChildren(h('h2', {}, title), intro ? h('p', { class: 'muted' }, intro) : null, form, steps, error, done);
  if (!dlg.open) dlg.showModal();
  const first = form.querySelector('input[type=text]');
  if (first) first.focus();
}

function field(test, attrs = {}) {
  return h('input', { type: 'text', 'data-test': test, spellcheck: 'false', ...attrs });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Creates the writer instance of `cluster` and waits (up to a minute) until it is
// available; its endpoint.
async function addInstance(cluster, id, progress) {
  progress(`Creating instance ${id}…`);
  const r = parseInstance(child(await api('CreateDBInstance', {
    DBInstanceIdentifier: id, DBClusterIdentifier: cluster,
  }), 'DBInstance'));
  progress(`Instance ${id} is ${r.status} on port ${r.port}; waiting until it is available…`);
  for (let i = 0; i < 600; i++) {
    const d = parseInstance(child(child(await api('DescribeDBInstances', { DBInstanceIdentifier: id }), 'DBInstances'), 'DBInstance'));
    if (d.status === 'available') return `${d.address}:${d.port}`;
    if (d.status !== 'creating') throw new Error(`Instance ${id} is ${d.status}: see the events.`);
    await sleep(100);
  }
  throw new Error(`Instance ${id} was not available after a minute; it may still start: see the events.`);
}

function hours(input) {
  const v = input.value.trim();
  if (v === '') return 0;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new Error(`The backtrack window must be a number of hours, not '${v}'.`);
  return Math.round(Number(v) * 3600);
}

function cloneDialog(c) {
  const name = field('clone-name', { placeholder: `${c.id}-clone`, required: true });
  const port = field('clone-port', { placeholder: 'any free port', inputmode: 'numeric' });
  const bw = field('clone-backtrack-hours', { placeholder: '0 (off)', inputmode: 'decimal' });
  const withInstance = h('input', { type: 'checkbox', 'data-test': 'clone-instance', checked: true });
  dialog(`Create clone of ${c.id}`,
    'A copy-on-write clone: it shares every page with its source until either side writes, so it is made in moments whatever the size.',
    [['Identifier', name], ['Port', port], ['Backtrack window (hours)', bw],
      h('label', {}, withInstance, ' Create a writer instance (an endpoint to connect to)')],
    'Create clone', 'clone-submit',
    async (progress) => {
      const id = name.value.trim();
      progress(`Cloning ${c.id} as ${id}…`);
      const r = parseCluster(child(await api('RestoreDBClusterToPointInTime', {
        DBClusterIdentifier: id, SourceDBClusterIdentifier: c.id, RestoreType: 'copy-on-write',
        UseLatestRestorableTime: 'true', Port: port.value.trim(), BacktrackWindow: hours(bw) || '',
      }), 'DBCluster'));
      progress(`Clone ${r.id} is ${r.status}.`);
      if (!withInstance.checked) return `Clone ${r.id} created (no instance yet).`;
      const ep = await addInstance(r.id, `${r.id}-instance-1`, progress);
      return `Clone ${r.id} is available at ${ep}.`;
    });
}

// The cluster as it is now (its restorable and backtrack times move with every commit);
// as last read if that fails.
async function fresh(c) {
  try {
    const r = await api('DescribeDBClusters', { DBClusterIdentifier: c.id });
    const el = child(child(r, 'DBClusters'), 'DBCluster');
    return el ? parseCluster(el) : c;
  } catch {
    return c;
  }
}

async function backtrackDialog(last, at) {
  const c = await fresh(last);
  const picker = timePicker(c.earliestBacktrack || c.earliestRestorable, c.latestRestorable, at || '', 'backtrack-time');
  dialog(`Backtrack ${c.id}`,
    `Rewinds the cluster in place to a moment of its history (ISO 8601 UTC). Possible from ${shortTime(c.earliestBacktrack)} to now; open connections see the rewound data.`,
    [h('div', {}, picker.el)],
    'Backtrack', 'backtrack-submit',
    async (progress) => {
      const to = picker.input.value.trim();
      progress(`Backtracking ${c.id} to ${to}…`);
      const r = await api('BacktrackDBCluster', { DBClusterIdentifier: c.id, BacktrackTo: to });
      const b = parseBacktrack(r);
      return `Backtrack ${b.status.toLowerCase()}: ${c.id} is back at ${b.to} (it was at ${b.from}).`;
    });
}

async function restoreDialog(last, at) {
  const c = await fresh(last);
  const name = field('restore-name', { placeholder: `${c.id}-restored`, required: true });
  const picker = timePicker(c.earliestRestorable, c.latestRestorable, at || '', 'restore-time');
  const latest = h('input', { type: 'checkbox', 'data-test': 'restore-latest', checked: !at });
  const type = h('select', { 'data-test': 'restore-type' },
    h('option', { value: 'full-copy' }, 'full copy (a new clone group)'),
    h('option', { value: 'copy-on-write' }, 'copy-on-write (shares pages with the source)'));
  const port = field('restore-port', { placeholder: 'any free port', inputmode: 'numeric' });
  const bw = field('restore-backtrack-hours', { placeholder: '0 (off)', inputmode: 'decimal' });
  const withInstance = h('input', { type: 'checkbox', 'data-test': 'restore-instance', checked: true });
  dialog(`Restore ${c.id} to a point in time`,
    'Creates a new cluster with the data as it was at the chosen moment; the source is untouched.',
    [['New identifier', name], ['Restore type', type],
      h('label', {}, latest, ' Latest restorable time'), ['Restore to (UTC)', picker.el],
      ['Port', port], ['Backtrack window (hours)', bw],
      h('label', {}, withInstance, ' Create a writer instance')],
    'Restore', 'restore-submit',
    async (progress) => {
      const id = name.value.trim();
      const when = latest.checked ? 'the latest restorable time' : picker.input.value.trim();
      progress(`Restoring ${c.id} as of ${when} to ${id}…`);
      const r = parseCluster(child(await api('RestoreDBClusterToPointInTime', {
        DBClusterIdentifier: id, SourceDBClusterIdentifier: c.id, RestoreType: type.value,
        UseLatestRestorableTime: latest.checked ? 'true' : '', RestoreToTime: latest.checked ? '' : picker.input.value.trim(),
        Port: port.value.trim(), BacktrackWindow: hours(bw) || '',
      }), 'DBCluster'));
      progress(`Cluster ${r.id} is ${r.status}.`);
      if (!withInstance.checked) return `Cluster ${r.id} restored (no instance yet).`;
      const ep = await addInstance(r.id, `${r.id}-instance-1`, progress);
      return `Cluster ${r.id} is available at ${ep}.`;
    });
}

function deleteDialog(c) {
  const { inst } = endpoints(c);
  const confirm = field('delete-confirm', { placeholder: c.id, required: true });
  const finalSnapshot = field('delete-final-snapshot', { placeholder: 'empty: no final snapshot' });
  dialog(`Delete ${c.id}`,
    `Deletes ${inst.length ? `its ${inst.length} instance(s) (${inst.map((i) => i.id).join(', ')}), then ` : ''}the cluster and its history. Clones made from it keep their data. Name a final snapshot to keep the data as it is now. Type the cluster's identifier to confirm.`,
    [['Final snapshot', finalSnapshot], ['Identifier', confirm]],
    'Delete', 'delete-submit',
    async (progress) => {
      if (confirm.value.trim() !== c.id) throw new Error(`Type ${c.id} to confirm.`);
      for (const i of inst) {
        progress(`Deleting instance ${i.id}…`);
        await api('DeleteDBInstance', { DBInstanceIdentifier: i.id });
      }
      progress(`Deleting cluster ${c.id}…`);
      const snap = finalSnapshot.value.trim();
      await api('DeleteDBCluster', snap
        ? { DBClusterIdentifier: c.id, FinalDBSnapshotIdentifier: snap }
        : { DBClusterIdentifier: c.id, SkipFinalSnapshot: 'true' });
      if (route().cluster === c.id) location.hash = '#/';
      return `Cluster ${c.id} deleted.`;
    }, true);
}

function instanceDialog(c, writer) {
  const existing = state.instances.filter((i) => i.cluster === c.id).length;
  const name = field('instance-name', { value: `${c.id}-instance-${existing + 1}`, required: true });
  const port = field('instance-port', { placeholder: 'any free port', inputmode: 'numeric' });
  dialog(`Add ${writer ? 'writer' : 'reader'} to ${c.id}`,
    writer ? 'The first instance of a cluster is its writer.' : 'A reader serves the same data and refuses writes.',
    [['Identifier', name], ['Port', port]],
    'Add instance', 'instance-submit',
    async (progress) => {
      const id = name.value.trim();
      progress(`Creating instance ${id}…`);
      const r = parseInstance(child(await api('CreateDBInstance', {
        DBInstanceIdentifier: id, DBClusterIdentifier: c.id, Port: port.value.trim(),
      }), 'DBInstance'));
      return `Instance ${r.id} is ${r.status} on port ${r.port}.`;
    });
}

function deleteInstanceDialog(i) {
  dialog(`Delete instance ${i.id}`,
    `Stops the endpoint ${i.address}:${i.port} and closes its connections.${i.role === 'writer' ? ' The oldest reader, if any, becomes the writer.' : ''}`,
    [], 'Delete', 'delete-instance-submit',
    async (progress) => {
      progress(`Deleting ${i.id}…`);
      await api('DeleteDBInstance', { DBInstanceIdentifier: i.id });
      return `Instance ${i.id} deleted.`;
    }, true);
}

function createClusterDialog() {
  const name = field('create-name', { required: true, placeholder: 'my-cluster' });
  const user = field('create-user', { value: 'admin', required: true });
  const pw = h('input', { type: 'password', 'data-test': 'create-password', required: true, autocomplete: 'new-password' });
  const db = field('create-database', { placeholder: 'none' });
  const port = field('create-port', { placeholder: 'any free port', inputmode: 'numeric' });
  const bw = field('create-backtrack-hours', { placeholder: '0 (off)', inputmode: 'decimal' });
  const withInstance = h('input', { type: 'checkbox', 'data-test': 'create-instance', checked: true });
  dialog('Create cluster', 'An empty cluster on this server\'s volume.',
    [['Identifier', name], ['Master username', user], ['Master password', pw], ['Initial database', db],
      ['Port', port], ['Backtrack window (hours)', bw], h('label', {}, withInstance, ' Create a writer instance')],
    'Create cluster', 'create-submit',
    async (progress) => {
      const id = name.value.trim();
      progress(`Creating cluster ${id}…`);
      const r = parseCluster(child(await api('CreateDBCluster', {
        DBClusterIdentifier: id, Engine: 'aurora-mysql', MasterUsername: user.value.trim(), MasterUserPassword: pw.value,
        DatabaseName: db.value.trim(), Port: port.value.trim(), BacktrackWindow: hours(bw) || '',
      }), 'DBCluster'));
      progress(`Cluster ${r.id} is ${r.status}.`);
      if (!withInstance.checked) return `Cluster ${r.id} created (no instance yet).`;
      const ep = await addInstance(r.id, `${r.id}-instance-1`, progress);
      return `Cluster ${r.id} is available at ${ep}.`;
    });
}

// ---------- start ----------

document.getElementById('signout').addEventListener('click', () => {
  state.creds = null;
  state.needAuth = true;
  state.authError = '';
  state.lastRender = '';
  render();
});
document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
refresh();

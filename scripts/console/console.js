/**
 * The operator console (GET /console): plain DOM, no library. Bundled by esbuild into the one
 * page scripts/build-console-page.ts builds; it talks only to the hub that served it (same
 * origin, `x-api-key` from this tab's session storage) and writes text only as text (never
 * markup built from answers). Views: the facilities with health badges; per facility its
 * pollers, subscriptions (replay, enable), dead letters, refused requests, recent orders, a
 * record's revision history, 30 days of consumption as an SVG chart, stock, and a lot trace
 * (forward: where a lot went; backward: what went into it).
 */

const KEY = 'mixticket.console.key';
const SVG = 'http://www.w3.org/2000/svg';
const main = document.getElementById('main');
const status = document.getElementById('status');

/** An element with attributes (`class`, `data-*`, `on*` handlers) and children (text or nodes). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const key = () => sessionStorage.getItem(KEY);
const say = (text, error = false) => {
  status.textContent = text;
  status.className = error ? 'error' : '';
};

/** GET or POST on this hub with the key; a problem answer becomes an error naming its detail. */
async function api(path, init = {}) {
  const res = await fetch(path, {
    ...init,
    headers: { 'x-api-key': key() ?? '', ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${res.status} ${body?.title ?? ''}: ${body?.detail ?? res.statusText}`);
  return body;
}

const when = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–');
const badge = (state) => h('span', { class: `badge ${state}`, 'data-state': state }, state);
const table = (head, rows, rowAttrs = () => ({})) =>
  h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length === 0 ? h('tr', {}, h('td', { colspan: head.length, class: 'none' }, 'none')) : null,
      rows.map((r, i) =>
        h(
          'tr',
          rowAttrs(i),
          r.map((c) => h('td', {}, c)),
        ),
      ),
    ),
  );
const section = (id, title, ...content) => h('section', { id }, h('h2', {}, title), ...content);
const enc = encodeURIComponent;

/** The key form: the key goes to this tab's session storage only. */
function keyForm() {
  const input = h('input', { type: 'password', id: 'key', autocomplete: 'off', placeholder: 'mtk_…', 'aria-label': 'API key' });
  const form = h(
    'form',
    {
      id: 'key-form',
      onsubmit: (e) => {
        e.preventDefault();
        sessionStorage.setItem(KEY, input.value.trim());
        route();
      },
    },
    h('label', { for: 'key' }, 'API key (operator or erp)'),
    input,
    h('button', { type: 'submit' }, 'Open'),
  );
  main.replaceChildren(h('p', {}, 'The key stays in this tab (session storage) and is sent only to this hub.'), form);
}

/** The worst of a facility's signs: red for a silent poller or a dead letter, amber for a lagging or refused one. */
function healthOf(f) {
  if (f.pollers.silent > 0 || f.subscriptions.failedDeliveries > 0) return 'silent';
  if (f.pollers.behind > 0 || f.subscriptions.disabled > 0 || f.refusedLast24h > 0) return 'behind';
  return 'live';
}

async function facilities() {
  say('Loading facilities…');
  const { facilities: list } = await api('/facilities');
  main.replaceChildren(
    section(
      'facilities',
      'Facilities',
      table(
        [
          'facility',
          'health',
          'pollers live / behind / silent',
          'open orders',
          'last order change',
          'last record',
          'subscriptions',
          'refused 24 h',
        ],
        list.map((f) => [
          h('a', { href: `#/facility/${enc(f.facilityId)}` }, f.facilityId),
          badge(healthOf(f)),
          `${f.pollers.live} / ${f.pollers.behind} / ${f.pollers.silent}`,
          String(f.openOrders),
          when(f.lastOrderChangeAt),
          when(f.lastRecordAt),
          `${f.subscriptions.active} active, ${f.subscriptions.disabled} disabled, ${f.subscriptions.failedDeliveries} dead letters`,
          String(f.refusedLast24h),
        ]),
        (i) => ({ 'data-facility': list[i].facilityId }),
      ),
    ),
  );
  say(`${list.length} facilities`);
}

/** Replays a subscription from its oldest dead letter's changes, or enables it. */
async function act(f, sub, action, dead) {
  const base = `/facility/${enc(f)}/subscriptions/${enc(sub.subscriptionId)}`;
  try {
    if (action === 'enable') await api(`${base}/enable`, { method: 'POST', body: '{}' });
    else {
      const since = dead.map((d) => d.changesSince ?? d.createdAt).sort()[0] ?? new Date(Date.now() - 86_400_000).toISOString();
      await api(`${base}/replay`, { method: 'POST', body: JSON.stringify({ since }) });
    }
    say(`${action} of ${sub.subscriptionId} accepted`);
  } catch (e) {
    say(e.message, true);
  }
}

function pollersView(f, view, dead) {
  return [
    section(
      'pollers',
      'Pollers',
      table(
        ['key', 'kind', 'state', 'last poll', 'served up to', 'backlog', 'lag (s)'],
        view.pollers.map((p) => [
          p.keyName || p.keyId,
          p.kind,
          badge(p.state),
          when(p.lastPollAt),
          when(p.servedUpTo),
          `${p.backlog}${p.backlogCapped ? '+' : ''}`,
          String(p.lagSeconds),
        ]),
        (i) => ({ 'data-key': view.pollers[i].keyId, 'data-kind': view.pollers[i].kind }),
      ),
    ),
    section(
      'subscriptions',
      'Subscriptions',
      table(
        ['subscription', 'key', 'kind', 'state', 'dead letters', 'lag (s)', 'last delivery', ''],
        view.subscriptions.map((s) => {
          const mine = dead.filter((d) => d.subscriptionId === s.subscriptionId);
          return [
            s.subscriptionId,
            s.keyName || s.keyId,
            s.kind,
            badge(s.state),
            String(s.failedDeliveries),
            String(s.lagSeconds),
            when(s.lastDeliveryAt),
            h(
              'span',
              {},
              h('button', { class: 'replay', onclick: () => act(f, s, 'replay', mine) }, 'Replay'),
              s.status === 'disabled' ? h('button', { class: 'enable', onclick: () => act(f, s, 'enable', mine) }, 'Enable') : null,
            ),
          ];
        }),
        (i) => ({ 'data-subscription': view.subscriptions[i].subscriptionId }),
      ),
      h('h3', {}, 'Dead letters'),
      table(
        ['created', 'subscription', 'documents', 'attempts', 'last error'],
        dead.map((d) => [
          when(d.createdAt),
          d.subscriptionId,
          String(d.documents),
          String(d.attempts.length),
          d.attempts.at(-1)?.error ?? String(d.attempts.at(-1)?.status ?? '–'),
        ]),
        (i) => ({ 'data-delivery': dead[i].deliveryId }),
      ),
    ),
  ];
}

function activityView(events) {
  return section(
    'activity',
    'Refused requests',
    table(
      ['at', 'status', 'request', 'key', 'problem'],
      events.map((e) => [
        when(e.at),
        String(e.status),
        `${e.method} ${e.route}`,
        e.keyName || e.keyId || 'no key',
        h(
          'span',
          {},
          h('strong', {}, e.problem.title),
          ` ${e.problem.detail}`,
          e.problem.errors
            ? h(
                'ul',
                {},
                e.problem.errors.map((x) => h('li', {}, `${x.path}: ${x.message}`)),
              )
            : null,
        ),
      ]),
      (i) => ({ 'data-request': events[i].requestId }),
    ),
  );
}

/** Consumption of the last 30 days, per day, as bars (the unit with the most dispensed; others listed). */
function consumptionChart(rows) {
  const byUom = new Map();
  for (const r of rows) {
    const days = byUom.get(r.quantity.uom) ?? new Map();
    days.set(r.day, (days.get(r.day) ?? 0) + Number(r.quantity.value));
    byUom.set(r.quantity.uom, days);
  }
  const [uom, days] = [...byUom.entries()].sort((a, b) => b[1].size - a[1].size)[0] ?? ['', new Map()];
  const dates = Array.from({ length: 30 }, (_, i) => new Date(Date.now() - (29 - i) * 86_400_000).toISOString().slice(0, 10));
  const max = Math.max(1, ...dates.map((d) => days.get(d) ?? 0));
  const chart = svg('svg', { viewBox: '0 0 600 160', role: 'img', 'aria-label': `consumption per day in ${uom || 'no unit'}` });
  dates.forEach((d, i) => {
    const v = days.get(d) ?? 0;
    const height = Math.round((v / max) * 130);
    const bar = svg('rect', { x: i * 20 + 2, y: 140 - height, width: 16, height, class: 'bar', 'data-day': d, 'data-value': v });
    bar.append(svg('title', {}, `${d}: ${v} ${uom}`));
    chart.append(bar);
  });
  chart.append(svg('text', { x: 2, y: 156, class: 'axis' }, dates[0]), svg('text', { x: 598, y: 156, class: 'axis end' }, dates.at(-1)));
  const others = [...byUom.keys()].filter((u) => u !== uom);
  return [chart, others.length ? h('p', {}, `Also dispensed in: ${others.join(', ')}`) : null];
}

function recordLookup(f) {
  const out = h('div', { id: 'record-history' });
  const input = h('input', { id: 'record-number', placeholder: 'work record number', 'aria-label': 'work record number' });
  const form = h(
    'form',
    {
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const r = await api(`/facility/${enc(f)}/dispensingWorkRecords/${enc(input.value.trim())}`);
          out.replaceChildren(
            h('p', {}, `Revision ${r.revision}, ${r.status}${r.orderMatched ? '' : ', no matching order'}`),
            table(
              ['revision', 'at', 'outcome', 'key', 'reason'],
              r.history.map((x) => [String(x.revision), when(x.at), x.outcome, x.keyId ?? '–', x.reason ?? '']),
            ),
          );
        } catch (err) {
          out.replaceChildren(h('p', { class: 'error' }, err.message));
        }
      },
    },
    input,
    h('button', { type: 'submit' }, 'Show history'),
  );
  return section('records', "A record's revision history", form, out);
}

const ident = (i) => (i ? `${i.number}${i.name ? ` (${i.name})` : ''}` : '–');
const amount = (q) => (q ? `${q.value} ${q.uom}` : '–');
const lotName = (l) => (l ? l.number : '–');
const partiesOf = (row) => row.parties.map((p) => `${p.partyType}: ${p.name ?? p.identifier[0]?.number ?? '–'}`).join('; ');

/** One table of trace rows (affected, possible, voided): each row names its record, for the test and the eye. */
function traceRows(id, title, rows) {
  return h(
    'div',
    { id },
    h('h3', {}, `${title} (${rows.length})`),
    table(
      ['record', 'revision', 'order', 'dispensed', 'component', 'quantity', 'via', 'made lots', 'parties'],
      rows.map((r) => [
        r.workRecord.number,
        String(r.revision),
        ident(r.workOrder),
        when(r.dispensedAt),
        ident(r.component),
        amount(r.quantity),
        r.via.map(lotName).join(' → ') || 'direct',
        r.destinationLots.map(lotName).join(', ') || '–',
        partiesOf(r),
      ]),
      (i) => ({ 'data-record': rows[i].workRecord.number }),
    ),
  );
}

const receiptsView = (receipts) =>
  h(
    'div',
    { id: 'trace-receipts' },
    h('h3', {}, `Receipts (${receipts.length})`),
    table(
      ['receipt', 'received', 'component', 'quantity', 'purchase order', 'supplier'],
      receipts.map((r) => [
        r.receiptId,
        when(r.receivedAt),
        ident(r.component),
        amount(r.quantity),
        r.purchaseOrder ? `${r.purchaseOrder.number} line ${r.purchaseOrder.line}` : '–',
        r.supplier?.name ?? '–',
      ]),
    ),
  );

/** The ingredients of a backward trace, one level of blends below each. */
const ingredientRows = (ingredients, depth = 0) =>
  ingredients.flatMap((i) => [
    [
      `${'· '.repeat(depth)}${ident(i.product)}`,
      lotName(i.lot),
      amount(i.quantity),
      i.receipts.map((r) => r.supplier?.name ?? r.receiptId).join(', ') || '–',
    ],
    ...ingredientRows(i.from, depth + 1),
  ]);

function lotTrace(f) {
  const out = h('div', { id: 'trace-result' });
  const input = h('input', { id: 'trace-lot', placeholder: 'lot number', 'aria-label': 'lot number' });
  const direction = h(
    'select',
    { id: 'trace-direction', 'aria-label': 'direction' },
    h('option', { value: 'forward' }, 'where it went'),
    h('option', { value: 'backward' }, 'what went into it'),
  );
  const form = h(
    'form',
    {
      id: 'trace-form',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const t = await api(`/facility/${enc(f)}/trace?lot=${enc(input.value.trim())}&direction=${direction.value}`);
          const warnings = [
            ...(t.truncated ? [h('p', { class: 'error' }, 'The walk stopped at its bounds: the trace is incomplete.')] : []),
            ...(t.cycles ?? []).map((c) => h('p', { class: 'error' }, `Loop in the lot data: ${c.lots.map(lotName).join(' → ')}`)),
          ];
          out.replaceChildren(
            ...warnings,
            receiptsView(t.receipts ?? []),
            ...(t.direction === 'backward'
              ? [h('h3', {}, 'Ingredients'), table(['product', 'lot', 'quantity', 'received from'], ingredientRows(t.ingredients ?? []))]
              : [
                  traceRows('trace-affected', 'Affected', t.affected ?? []),
                  traceRows('trace-possible', 'Possible (named no lot)', t.possible ?? []),
                  traceRows('trace-voided', 'Voided', t.voided ?? []),
                ]),
          );
        } catch (err) {
          out.replaceChildren(h('p', { class: 'error' }, err.message));
        }
      },
    },
    input,
    direction,
    h('button', { type: 'submit' }, 'Trace'),
  );
  return section('lot-trace', 'Lot trace', form, out);
}

async function facility(f) {
  say(`Loading ${f}…`);
  const day = (ms) => new Date(ms).toISOString().slice(0, 10);
  const settled = (p) =>
    p.then(
      (v) => ({ ok: v }),
      (e) => ({ error: e.message }),
    );
  const [view, dead, activity, orders, consumption, stock] = await Promise.all([
    api(`/facility/${enc(f)}/pollers`),
    settled(api(`/facility/${enc(f)}/deliveries?status=failed&limit=100`)),
    settled(api(`/facility/${enc(f)}/activity?limit=50`)),
    settled(api(`/facility/${enc(f)}/workOrderSummaries?limit=20`)),
    settled(
      api(`/facility/${enc(f)}/consumption?from=${day(Date.now() - 29 * 86_400_000)}&to=${day(Date.now() + 86_400_000)}&groupBy=day`),
    ),
    settled(api(`/facility/${enc(f)}/stock`)),
  ]);
  const or = (r, render) => (r.error ? h('p', { class: 'error' }, r.error) : render(r.ok));
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← all facilities')),
    h('h1', { id: 'facility-name' }, f),
    ...pollersView(f, view, dead.ok?.deliveries ?? []),
    or(activity, (a) => activityView(a.events)),
    section(
      'orders',
      'Recent orders',
      or(orders, (o) =>
        table(
          ['order', 'agency', 'status', 'revision', 'modified', 'records'],
          o.workOrderSummaries.map((s) => [
            s.workOrderNumber,
            s.agency,
            s.status,
            String(s.revision),
            when(s.modifiedAt),
            String(s.records),
          ]),
        ),
      ),
    ),
    recordLookup(f),
    section(
      'consumption',
      'Consumption, last 30 days',
      or(consumption, (c) => consumptionChart(c.rows)),
    ),
    section(
      'stock',
      'Stock',
      or(stock, (s) =>
        table(
          ['component', 'location', 'quantity', 'kg', 'last movement'],
          s.stock.map((r) => [
            r.component.number,
            r.location ?? '–',
            `${r.quantity.value} ${r.quantity.uom}`,
            r.kilograms === undefined ? '–' : String(r.kilograms),
            when(r.lastMovementAt),
          ]),
          (i) => (Number(s.stock[i].quantity.value) < 0 ? { class: 'negative', 'data-negative': true } : {}),
        ),
      ),
    ),
    lotTrace(f),
  );
  say(`${f}: ${view.pollers.length} pollers, ${view.subscriptions.length} subscriptions`);
}

async function route() {
  if (!key()) return keyForm();
  const m = /^#\/facility\/(.+)$/.exec(location.hash);
  try {
    if (m) await facility(decodeURIComponent(m[1]));
    else await facilities();
  } catch (e) {
    say(e.message, true);
    if (/^401/.test(e.message)) {
      sessionStorage.removeItem(KEY);
      keyForm();
    }
  }
}

document.getElementById('forget').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  route();
});
document.getElementById('refresh').addEventListener('click', () => route());
window.addEventListener('hashchange', route);
route();

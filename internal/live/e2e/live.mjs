// Scenarios of lifecircle's GraphQL subscriptions run with the real npm
// clients (graphql-ws over the ws package, graphql-sse in distinct
// connections mode) against real server processes started by
// internal/live/e2e_test.go, which passes them in LIVE (JSON): the servers'
// base URLs and tokens. `node live.mjs <scenario>` exits 0 when the
// scenario holds and non-zero with the reason otherwise.
import assert from 'node:assert/strict';
import { createClient as createWS } from 'graphql-ws';
import { createClient as createSSE } from 'graphql-sse';
import WebSocket from 'ws';
import { execFileSync } from 'node:child_process';

const cfg = JSON.parse(process.env.LIVE || '{}');
const TIMEOUT = 30000;
const log = (...a) => console.error(...a);

// post sends a GraphQL document over HTTP (for writes and set-up).
async function post(base, token, query, variables = {}) {
  const res = await fetch(base + '/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.errors) throw new Error(`${query}: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

// subscription collects what one subscription delivers: events in order,
// and its error or completion, with waits that fail after TIMEOUT.
class Subscription {
  constructor() {
    this.events = [];
    this.error = undefined;
    this.done = false;
    this.waiters = [];
  }
  sink() {
    const wake = () => { for (const w of this.waiters.splice(0)) w(); };
    return {
      next: (v) => { this.events.push(v); wake(); },
      error: (e) => { this.error = e; wake(); },
      complete: () => { this.done = true; wake(); },
    };
  }
  async until(cond, what) {
    const deadline = Date.now() + TIMEOUT;
    while (!cond()) {
      if (this.error !== undefined) throw new Error(`${what}: the subscription failed: ${show(this.error)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: nothing after ${TIMEOUT} ms; received ${JSON.stringify(this.events)}`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }
  // take waits for n events in all and returns them.
  async take(n, what) {
    await this.until(() => this.events.length >= n, what);
    return this.events.slice(0, n);
  }
}

function show(e) {
  if (Array.isArray(e)) return JSON.stringify(e);
  if (e && e.code !== undefined && e.reason !== undefined) return `close ${e.code} ${e.reason}`;
  return e && e.message ? e.message : JSON.stringify(e);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function wsClient(url, connectionParams) {
  const closes = [];
  const client = createWS({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    on: { closed: (e) => closes.push({ code: e.code, reason: e.reason, at: new Date().toISOString() }), connected: () => log(`${new Date().toISOString()} graphql-ws connected to ${url}`) },
  });
  client.closes = closes;
  return client;
}

function sseClient(url, token) {
  return createSSE({
    url,
    singleConnection: false,
    retryAttempts: 0,
    headers: token ? { Authorization: 'Bearer ' + token } : {},
  });
}

function subscribe(client, query, variables) {
  const s = new Subscription();
  s.dispose = client.subscribe({ query, variables }, s.sink());
  return s;
}

const FACILITY_SUB = `subscription($after: Cursor, $categories: [String!]) {
  facilityChanged(categories: $categories, after: $after) { cursor op id facility { name } } }`;

let seq = 0;
const unique = (prefix) => `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}`;

async function createFacility(base, token, name) {
  const { viewer } = await post(base, token, '{ viewer { community { id } } }');
  const d = await post(base, token, `mutation($c: ID!, $n: String!) {
    createFacility(input: {name: $n, category: "pharmacy", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`,
  { c: viewer.community.id, n: name });
  return d.createFacility.id;
}

const facility = (r) => {
  assert.equal(r.errors, undefined, `an event with errors: ${JSON.stringify(r)}`);
  return r.data.facilityChanged;
};

// people creates, through server base, a volunteer team of the staff
// token's community, a resident and a volunteer of the team, and mints
// their tokens with the binary (cfg.bin on cfg.db).
async function people(base) {
  const { viewer } = await post(base, cfg.staff, '{ viewer { community { id } } }');
  const c = viewer.community.id;
  const team = (await post(base, cfg.admin, `mutation($c: ID!, $n: String!) {
    createOrganization(input: {kind: VOLUNTEER_TEAM, name: $n, regionID: $c}) { id } }`, { c, n: unique('直播测试志愿服务队') })).createOrganization.id;
  const phone = '+86 100 0000 0' + String(100 + (seq++ % 900));
  const person = async (name, roles, teamIDs) => (await post(base, cfg.staff, `mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }`,
    { i: { name, phone, roles, communityID: c, ...(teamIDs ? { teamIDs } : {}) } })).createPerson.id;
  const resident = await person(unique('求助居民'), ['resident']);
  const volunteer = await person(unique('队员'), ['volunteer'], [team]);
  const mint = (role, id) => execFileSync(cfg.bin, ['token', '-role', role, '-person', id, '-name', 'live e2e ' + role,
    '-database-url=' + cfg.db, '-log-level', 'warn'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  return { team, phone, resident: mint('resident', resident), volunteer: mint('volunteer', volunteer),
    title: unique('送餐上门'), address: unique('某小区 3 号楼 2 单元 ') };
}

async function submit(base, token, title, address) {
  const w = await post(base, token, `mutation($t: String!, $a: String) {
    submitRequest(input: {kind: SERVICE_NEED, title: $t, address: $a}) { request { id } } }`, { t: title, a: address });
  return w.submitRequest.request.id;
}

// The time a subscription needs to join its server's hub after the client
// sent it: the protocols have no acknowledgement of a subscribe.
const JOIN = 1500;

const scenarios = {
  // 1. A facility created through server A reaches public subscribers of
  // server B, one with graphql-ws and one with graphql-sse.
  async twoServers() {
    const [a, b] = cfg.servers;
    const ws = wsClient(b + '/open/graphql');
    const sse = sseClient(b + '/open/graphql');
    try {
      const viaWS = subscribe(ws, FACILITY_SUB, { categories: ['pharmacy'] });
      const viaSSE = subscribe(sse, FACILITY_SUB, { categories: ['pharmacy'] });
      await sleep(JOIN);
      const name = unique('两服务器药店');
      const id = await createFacility(a, cfg.staff, name);
      for (const [s, how] of [[viaWS, 'graphql-ws'], [viaSSE, 'graphql-sse']]) {
        await s.until(() => s.events.some((r) => facility(r).id === id), `${how} subscriber of server B`);
        const e = s.events.map(facility).find((f) => f.id === id);
        assert.equal(e.op, 'create', `${how}: ${JSON.stringify(e)}`);
        assert.equal(e.facility?.name, name, `${how}: ${JSON.stringify(e)}`);
        assert.ok(e.cursor, `${how}: no cursor`);
        log(`${how}: server B delivered ${JSON.stringify(e)}`);
      }
    } finally {
      await ws.dispose();
      sse.dispose();
    }
  },

  // 2. A client that disconnects and reconnects with the last cursor it
  // saw receives what was written meanwhile, in order, without duplicates,
  // then live events; with graphql-ws and with graphql-sse, reconnecting
  // to the other server.
  async reconnect() {
    const [a, b] = cfg.servers;
    for (const how of ['graphql-ws', 'graphql-sse']) {
      const open = (base) => how === 'graphql-ws' ? wsClient(base + '/open/graphql') : sseClient(base + '/open/graphql');
      const close = async (c) => { await c.dispose(); };
      const prefix = unique(`重连${how}药店`);
      let c = open(a);
      let s = subscribe(c, FACILITY_SUB, { categories: ['pharmacy'] });
      await sleep(JOIN);
      const first = await createFacility(a, cfg.staff, prefix + '1');
      await s.until(() => s.events.some((r) => facility(r).id === first), `${how}: the first event`);
      const last = s.events.map(facility).find((f) => f.id === first);
      s.dispose();
      await close(c);
      const missed = [];
      for (let i = 2; i <= 4; i++) missed.push(await createFacility(a, cfg.staff, prefix + i));
      c = open(b);
      s = subscribe(c, FACILITY_SUB, { categories: ['pharmacy'], after: last.cursor });
      try {
        await s.until(() => missed.every((id) => s.events.some((r) => facility(r).id === id)), `${how}: the replay after ${last.cursor}`);
        await sleep(JOIN);
        const live = await createFacility(a, cfg.staff, prefix + '5');
        await s.until(() => s.events.some((r) => facility(r).id === live), `${how}: the live event after the replay`);
        await sleep(500); // a duplicate would come now
        const got = s.events.map(facility);
        const ours = got.filter((f) => f.facility?.name?.startsWith(prefix));
        assert.deepEqual(ours.map((f) => f.facility.name), [2, 3, 4, 5].map((i) => prefix + i),
          `${how}: after reconnecting, want the three missed creations in order then the live one, once each; got ${JSON.stringify(got)}`);
        assert.ok(!got.some((f) => f.id === first), `${how}: the event of the cursor itself was replayed`);
        const cursors = got.map((f) => f.cursor);
        assert.equal(new Set(cursors).size, cursors.length, `${how}: a cursor delivered twice: ${cursors}`);
        log(`${how}: replayed ${ours.length - 1} missed events then 1 live, in order`);
      } finally {
        s.dispose();
        await close(c);
      }
    }
  },

  // 3. A volunteer of the team a request is dispatched to, subscribed to
  // requestDispatched with graphql-ws (token in connection_init), receives
  // the dispatch without the request's address or the requester's phone;
  // once they claim it, the same volunteer reads the address.
  async dispatch() {
    const [a, b] = cfg.servers;
    const w = await people(a);
    const ws = wsClient(b + '/graphql', { Authorization: 'Bearer ' + w.volunteer });
    try {
      const s = subscribe(ws, `subscription { requestDispatched { cursor action request { id title address requester { phone } } } }`);
      await sleep(JOIN);
      const id = await submit(a, w.resident, w.title, w.address);
      await post(a, cfg.staff, 'mutation($id: ID!, $o: ID!) { dispatchRequest(id: $id, organizationID: $o) { id } }', { id, o: w.team });
      await s.until(() => s.events.some((r) => r.data?.requestDispatched?.request?.id === id), 'the volunteer\'s dispatch');
      const raw = JSON.stringify(s.events);
      log(`the volunteer received ${raw}`);
      const e = s.events.find((r) => r.data?.requestDispatched?.request?.id === id).data.requestDispatched;
      assert.equal(e.action, 'DISPATCH');
      assert.equal(e.request.title, w.title);
      assert.ok(!raw.includes(w.address) && !raw.includes(w.phone),
        `a volunteer who has not claimed the request received its address or the requester's phone: ${raw}`);
      await post(a, w.volunteer, 'mutation($id: ID!) { claimRequest(id: $id) { id } }', { id });
      const claimed = await post(b, w.volunteer, 'query($id: ID!) { node(id: $id) { ... on ServiceRequest { address } } }', { id });
      assert.equal(claimed.node?.address, w.address, `after claiming, the volunteer reads ${JSON.stringify(claimed)}`);
      s.dispose();
    } finally {
      await ws.dispose();
    }
  },

  // 4. A resident subscribed to requestUpdated(id:) of their request with
  // graphql-sse (Authorization header) on server B receives each step
  // taken through server A, in order, each before the next step is taken
  // and showing the request's status after it: dispatched, claimed,
  // resolved, confirmed.
  async statusChanges() {
    const [a, b] = cfg.servers;
    const w = await people(a);
    const id = await submit(a, w.resident, w.title, w.address);
    const sse = sseClient(b + '/graphql', w.resident);
    try {
      const s = subscribe(sse, `subscription($id: ID!) { requestUpdated(id: $id) { cursor action request { id status address } } }`, { id });
      await sleep(JOIN);
      // Without after: steps from now on. The submit was committed before
      // the subscription started, but server B may not have read it from
      // the log yet; then it comes first (observed): not counted here.
      const steps = () => s.events.map((r) => {
        assert.equal(r.errors, undefined, JSON.stringify(r));
        return r.data.requestUpdated;
      }).filter((e) => e.action !== 'SUBMIT');
      const want = [
        ['DISPATCH', 'DISPATCHED', () => post(a, cfg.staff, 'mutation($id: ID!, $o: ID!) { dispatchRequest(id: $id, organizationID: $o) { id } }', { id, o: w.team })],
        ['CLAIM', 'CLAIMED', () => post(a, w.volunteer, 'mutation($id: ID!) { claimRequest(id: $id) { id } }', { id })],
        ['RESOLVE', 'RESOLVED', () => post(a, w.volunteer, 'mutation($id: ID!) { resolveRequest(id: $id, note: "送到了") { id } }', { id })],
        ['CONFIRM', 'CONFIRMED', () => post(a, w.resident, 'mutation($id: ID!) { confirmRequest(id: $id, satisfaction: 5) { id } }', { id })],
      ];
      for (const [i, [action, status, step]] of want.entries()) {
        await step();
        await s.until(() => steps().length > i, `the resident's ${action}`);
        const e = steps()[i];
        assert.deepEqual([e.action, e.request.status, e.request.id, e.request.address], [action, status, id, w.address],
          `step ${i + 1}: ${JSON.stringify(e)}`);
      }
      await sleep(500); // a duplicate would come now
      log(`the resident received ${JSON.stringify(s.events.map((r) => r.data.requestUpdated))}`);
      assert.deepEqual(steps().map((e) => e.action), want.map(([action]) => action));
      assert.equal(new Set(s.events.map((r) => r.data.requestUpdated.cursor)).size, s.events.length, 'a cursor delivered twice');
    } finally {
      sse.dispose();
    }
  },

  // 5. The organiser of an activity (staff of its community), subscribed
  // to registrationChanged(activity:) with graphql-ws (token in
  // connection_init) on server B, receives a resident's registration and
  // its cancellation made through server A, in that order, once each; a
  // resident (graphql-ws) and a volunteer (graphql-sse), who do not
  // organise it, are refused with FORBIDDEN.
  async registrations() {
    const [a, b] = cfg.servers;
    const w = await people(a);
    const { viewer } = await post(a, cfg.staff, '{ viewer { community { id } } }');
    const day = 24 * 3600 * 1000;
    const act = (await post(a, cfg.staff, `mutation($i: CreateActivityInput!) { createActivity(input: $i) { id } }`, {
      i: { title: unique('直播报名测试活动'), category: 'OTHER', communityID: viewer.community.id,
        startsAt: new Date(Date.now() + 2 * day).toISOString(), endsAt: new Date(Date.now() + 2 * day + 7200000).toISOString() },
    })).createActivity.id;
    const SUB = `subscription($a: ID!) { registrationChanged(activity: $a) { cursor status registration { id status activityID } } }`;
    // Refusals: through the error callback (GraphQL errors) or a next
    // carrying errors, then nothing else; extensions.code FORBIDDEN.
    const refused = async (client, how) => {
      const s = subscribe(client, SUB, { a: act });
      await s.until(() => s.error !== undefined || s.done || s.events.length > 0, `${how}: the refusal`);
      const errs = Array.isArray(s.error) ? s.error : s.events[0]?.errors;
      assert.equal(errs?.[0]?.extensions?.code, 'FORBIDDEN', `${how}: error=${show(s.error)} events=${JSON.stringify(s.events)}`);
      assert.ok(!s.events.some((r) => r.data?.registrationChanged), `${how}: received ${JSON.stringify(s.events)}`);
      log(`${how}: refused: ${s.error ? 'error callback' : 'a next with errors'}: ${JSON.stringify(errs)}`);
      s.dispose();
    };
    const residentWS = wsClient(b + '/graphql', { Authorization: 'Bearer ' + w.resident });
    try {
      await refused(residentWS, 'graphql-ws, a resident');
    } finally {
      await residentWS.dispose();
    }
    const volunteerSSE = sseClient(b + '/graphql', w.volunteer);
    try {
      await refused(volunteerSSE, 'graphql-sse, a volunteer');
    } finally {
      volunteerSSE.dispose();
    }

    const ws = wsClient(b + '/graphql', { Authorization: 'Bearer ' + cfg.staff });
    try {
      const s = subscribe(ws, SUB, { a: act });
      await sleep(JOIN);
      const reg = (await post(a, w.resident, 'mutation($a: ID!) { registerForActivity(activityID: $a) { id } }', { a: act })).registerForActivity.id;
      const changes = () => s.events.map((r) => {
        assert.equal(r.errors, undefined, JSON.stringify(r));
        return r.data.registrationChanged;
      });
      await s.until(() => changes().length >= 1, 'the organiser\'s registration');
      await post(a, w.resident, 'mutation($id: ID!) { cancelRegistration(id: $id) { id } }', { id: reg });
      await s.until(() => changes().length >= 2, 'the organiser\'s cancellation');
      await sleep(500); // a duplicate would come now
      const got = changes();
      log(`the organiser received ${JSON.stringify(got)}`);
      assert.deepEqual(got.map((e) => [e.status, e.registration.id, e.registration.activityID]),
        [['REGISTERED', reg, act], ['CANCELLED', reg, act]], `want the registration then its cancellation, once each: ${JSON.stringify(got)}`);
      assert.equal(got[1].registration.status, 'CANCELLED', JSON.stringify(got[1]));
      assert.ok(Number(got[0].cursor) < Number(got[1].cursor), `cursors out of order: ${got.map((e) => e.cursor)}`);
      assert.equal(s.error, undefined);
      s.dispose();
    } finally {
      await ws.dispose();
    }
  },

  // 6. A malformed subscription document: an error with extensions.code
  // through graphql-ws's error callback, the graphql-ws connection staying
  // usable afterwards (gqlgen sends complete after error); through
  // graphql-sse's next callback, then complete (see below).
  async malformed() {
    const [a] = cfg.servers;
    const ws = wsClient(a + '/open/graphql');
    try {
      // A valid subscription holds the connection open (graphql-ws itself
      // closes an idle connection with 1000 once no subscription is left).
      const good = subscribe(ws, FACILITY_SUB, { categories: ['pharmacy'] });
      await sleep(JOIN);
      const bad = subscribe(ws, 'subscription { facilityChanged(nope: 1) { op } }');
      await bad.until(() => bad.error !== undefined || bad.done, 'graphql-ws: the malformed subscription');
      assert.ok(Array.isArray(bad.error), `graphql-ws: want the error callback with GraphQL errors; got error=${show(bad.error)} complete=${bad.done}`);
      assert.equal(bad.error[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', `graphql-ws: ${JSON.stringify(bad.error)}`);
      log(`graphql-ws: error callback with ${JSON.stringify(bad.error)}`);
      const badCursor = subscribe(ws, 'subscription { facilityChanged(after: "bm90IGEgY3Vyc29y") { op } }');
      await badCursor.until(() => badCursor.error !== undefined || badCursor.done || badCursor.events.length > 0, 'graphql-ws: a bad cursor');
      const errs = badCursor.error ?? badCursor.events[0]?.errors;
      assert.equal(errs?.[0]?.extensions?.code, 'BAD_USER_INPUT', `graphql-ws: a bad cursor gave ${JSON.stringify(badCursor)}`);
      log(`graphql-ws: a bad cursor: ${badCursor.error ? 'error callback' : 'a next with errors'}: ${JSON.stringify(errs)}`);
      // Whatever the server sends after the error (gqlgen: complete), the
      // connection stays open and its valid subscription goes on.
      const id = await createFacility(a, cfg.staff, unique('错误后药店'));
      await good.until(() => good.events.some((r) => facility(r).id === id), 'graphql-ws: the valid subscription after the errors on the same connection');
      await sleep(500);
      assert.equal(good.error, undefined);
      assert.deepEqual(ws.closes, [], `graphql-ws: the connection closed: ${JSON.stringify(ws.closes)}`);
      good.dispose();
    } finally {
      await ws.dispose();
    }
    // graphql-sse: the GraphQL over SSE protocol (PROTOCOL.md, distinct
    // connections mode) has validation errors reported "through an
    // accepted SSE connection by emitting next events that contain the
    // errors", not by a 4xx, which the client would take for a network
    // error. So the client's next callback receives {errors}, then
    // complete; its error callback is for network and protocol failures.
    const sse = sseClient(a + '/open/graphql');
    try {
      for (const [doc, code] of [['subscription { facilityChanged(nope: 1) { op } }', 'GRAPHQL_VALIDATION_FAILED'],
        ['subscription { facilityChanged(after: "bm90IGEgY3Vyc29y") { op } }', 'BAD_USER_INPUT']]) {
        const bad = subscribe(sse, doc);
        await bad.until(() => bad.error !== undefined || bad.done, `graphql-sse: ${code}`);
        const what = `graphql-sse, ${code}: error=${show(bad.error)} events=${JSON.stringify(bad.events)} complete=${bad.done}`;
        log(what);
        assert.equal(bad.error, undefined, what);
        assert.equal(bad.events.length, 1, what);
        assert.equal(bad.events[0].data ?? null, null, what);
        assert.equal(bad.events[0].errors?.[0]?.extensions?.code, code, what);
      }
    } finally {
      sse.dispose();
    }
  },
};

const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`unknown scenario ${name}; one of ${Object.keys(scenarios)}`);
  process.exit(2);
}
try {
  await scenarios[name]();
  process.exit(0);
} catch (e) {
  console.error(e.stack || e);
  process.exit(1);
}

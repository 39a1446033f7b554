// Live updates: one GraphQL subscription to facilityChanged over
// GraphQL-over-SSE (the graphql-sse protocol's distinct-connections mode:
// a POST with Accept: text/event-stream, events "next" and "complete"),
// read with fetch and a stream reader — a few dozen lines instead of a
// client library in every district page's bundle. Never with credentials.
// A dropped stream is resumed after the last cursor seen, with backoff.
// A stalled one (nothing received, not even the server's keep-alive
// comment, for the idle timeout: three keep-alive intervals of the
// server's default 15 s) is dropped by a watchdog and resumed the same way.

export const FACILITY_FIELDS = 'id name names { lang value } category categoryInfo { group labels { lang value } } lat lng status address phone services tags openNow';

const QUERY = `subscription($bbox: BoundingBoxInput, $categories: [String!], $services: [String!], $tags: [String!], $after: Cursor) {
  facilityChanged(bbox: $bbox, categories: $categories, services: $services, tags: $tags, after: $after) { cursor op id facility { ${FACILITY_FIELDS} } }
}`;

const MIN_DELAY = 1000;
const MAX_DELAY = 60000;
export const DEFAULT_IDLE = 45000;

// subscribe calls onEvent with each FacilityChange after the cursor
// `after` and onState with "connecting", "live" or "waiting" until stop()
// is called. idle (ms) is the watchdog's timeout.
export function subscribe(endpoint, { bbox, categories, services, tags, idle, after: from }, onEvent, onState) {
  const idleMs = idle > 0 ? idle : DEFAULT_IDLE;
  // From the position the widget's data was read at (widget.json's
  // cursor): a change made between that read and this stream, or while
  // the stream is down, is replayed rather than lost.
  let after = from || null;
  let stopped = false;
  let delay = MIN_DELAY;
  let ctl = null;
  let timer = null;

  async function run() {
    if (stopped) return;
    const mine = new AbortController();
    ctl = mine;
    let watchdog = null;
    // Armed from the request on, re-armed by every chunk: a response that
    // never comes, or a stream gone silent, is aborted.
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => mine.abort(), idleMs);
    };
    onState('connecting');
    arm();
    try {
      const list = (l) => (l && l.length ? l : null);
      const variables = { bbox, categories: list(categories), services: list(services), tags: list(tags), after };
      const res = await fetch(endpoint, {
        method: 'POST',
        credentials: 'omit',
        mode: 'cors',
        cache: 'no-store',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify({ query: QUERY, variables }),
        signal: ctl.signal,
      });
      if (!res.ok || !res.body || !/^text\/event-stream/.test(res.headers.get('Content-Type') || '')) throw new Error(`HTTP ${res.status}`);
      onState('live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      let ended = false;
      while (!ended) {
        const { value, done } = await reader.read();
        if (done) break;
        arm();
        buf += value.replace(/\r\n?/g, '\n');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (event === 'complete') {
            ended = true;
            break;
          }
          if (event !== 'next' || !data.length) continue;
          const msg = JSON.parse(data.join('\n'));
          if (msg.errors && msg.errors.length && !msg.data) throw new Error(msg.errors[0].message);
          const change = msg.data && msg.data.facilityChanged;
          if (!change) continue;
          after = change.cursor;
          delay = MIN_DELAY; // a working stream resets the backoff
          onEvent(change);
        }
      }
      reader.cancel().catch(() => {});
    } catch (e) {
      if (stopped) return;
    } finally {
      clearTimeout(watchdog);
    }
    if (stopped) return;
    // Dropped, ended or refused: resume after the last cursor, later.
    onState('waiting');
    const wait = delay + Math.random() * delay * 0.5;
    delay = Math.min(delay * 2, MAX_DELAY);
    timer = setTimeout(run, wait);
  }

  run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      if (ctl) ctl.abort();
    },
  };
}

// graphql-transport-ws conformance of /graphql/ws against a running `chorus serve --demo`.
//
// Usage: USER_TOKEN=… PBX_TOKEN=… [WS_INIT_TIMEOUT_SECONDS=2] node ws.mjs http://127.0.0.1:8080
//
// 1. A real round trip with the graphql-ws client: demo-user subscribes to voicemailReceived
//    (token in connection_init), the PBX (demo-automation, scope voicemail:write) delivers a
//    voicemail to demo-user's number over the ingest route, and the `next` payload must name it.
// 2. Raw `ws` probes of the protocol's close codes (4400, 4401, 4403, 4406, 4408, 4409, 4429),
//    each with a reason that fits a close frame (≤ 123 bytes: else Node's ws sees 1006).
//    The 4408 probe waits for the server's init timeout: start the server with a short one
//    (CHORUS_WS_INIT_TIMEOUT_SECONDS) and pass the same value here.
// Prints one line per check and a summary; exits 1 if any check failed.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = (process.argv[2] ?? '').replace(/\/$/, '');
const userToken = process.env.USER_TOKEN;
const pbxToken = process.env.PBX_TOKEN;
const initTimeout = Number(process.env.WS_INIT_TIMEOUT_SECONDS ?? 10);
if (!base || !userToken || !pbxToken) {
  console.error('usage: USER_TOKEN=… PBX_TOKEN=… node ws.mjs http://HOST:PORT');
  process.exit(2);
}
const wsUrl = `${base.replace(/^http/, 'ws')}/graphql/ws`;
const PROTOCOL = 'graphql-transport-ws';

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    console.log(`ok   ${name}${detail ? ` (${detail})` : ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.message ?? JSON.stringify(e)}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function graphql(query, token) {
  const r = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const body = await r.json();
  if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** A one-second 8 kHz 16-bit PCM WAV: a 440 Hz tone. */
function wav(seconds = 1, rate = 8000) {
  const samples = Math.round(seconds * rate);
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  }
  return buf;
}

/** Opens a raw socket, sends `frames` in order, and resolves with the close code and reason. */
function closedWith(frames, { protocol = PROTOCOL, wait = 5000 } = {}) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = protocol ? new WebSocket(wsUrl, protocol) : new WebSocket(wsUrl);
      ws.on('open', () => {
        for (const frame of frames) ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
      });
      ws.on('error', (e) => resolve({ error: e }));
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    }),
    wait,
    'close',
  );
}

async function expectClose(frames, expected, options) {
  const { code, reason, error } = await closedWith(frames, options);
  assert(!error, `socket error: ${error?.message}`);
  assert(code === expected, `closed with ${code} "${reason}", expected ${expected}`);
  const bytes = Buffer.byteLength(reason);
  assert(bytes <= 123, `close reason of ${bytes} bytes`);
  return `${code} "${reason.length > 60 ? `${reason.slice(0, 57)}...` : reason}"`;
}

const init = { type: 'connection_init', payload: { authorization: `Bearer ${userToken}` } };
const subscribe = (id) => ({
  id,
  type: 'subscribe',
  payload: { query: 'subscription { voicemailReceived { pbxMessageId } }' },
});

// 1. The round trip.
await check('subscription round trip: voicemailReceived after a PBX delivery', async () => {
  const me = await graphql('{ me { username lines { number extension } } }', userToken);
  assert(me.me.lines.length > 0, 'demo-user has no line');
  const number = me.me.lines[0].number;
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${userToken}` },
  });
  try {
    await withTimeout(new Promise((resolve) => client.on('connected', resolve)), 5000, 'connection_ack');
    const events = client.iterate({
      query: 'subscription { voicemailReceived { id pbxMessageId durationMs callerNumber } }',
    });
    const first = events.next();
    // The server registers the subscription as soon as it reads `subscribe`; give it a moment.
    await new Promise((r) => setTimeout(r, 500));
    const pbxMessageId = `conformance-${Date.now()}`;
    const url = new URL(`${base}/v1/mailboxes/${encodeURIComponent(number)}/voicemails`);
    url.searchParams.set('pbxMessageId', pbxMessageId);
    url.searchParams.set('caller', '+44 20 7946 0958');
    const ingest = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav', authorization: `Bearer ${pbxToken}` },
      body: wav(1),
    });
    assert(ingest.status === 201, `ingest answered ${ingest.status}: ${await ingest.text()}`);
    const { value, done } = await withTimeout(first, 10000, 'next');
    assert(!done, 'the subscription completed without an event');
    const vm = value?.data?.voicemailReceived;
    assert(vm?.pbxMessageId === pbxMessageId, `next payload ${JSON.stringify(value)}`);
    assert(vm.durationMs === 1000, `durationMs ${vm.durationMs}`);
    await events.return?.();
    return `${number}: next ${JSON.stringify(vm)}`;
  } finally {
    await client.dispose();
  }
});

await check('a query over the socket is an error message (queries go over HTTP)', async () => {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${userToken}` },
  });
  try {
    const outcome = await withTimeout(
      new Promise((resolve) => {
        client.subscribe(
          { query: '{ me { username } }' },
          { next: (v) => resolve({ next: v }), error: (e) => resolve({ error: e }), complete: () => {} },
        );
      }),
      5000,
      'answer',
    );
    const code = Array.isArray(outcome.error) ? outcome.error[0]?.extensions?.code : undefined;
    assert(code === 'BAD_REQUEST', `got ${JSON.stringify(outcome)}`);
    return code;
  } finally {
    await client.dispose();
  }
});

// 2. The close codes.
await check('4400 on a message that is not JSON', () => expectClose(['not json'], 4400));
await check('4400 on an unknown message type, reason truncated to fit', () =>
  expectClose([{ type: 'x'.repeat(500) }], 4400),
);
await check('4400 on a subscribe without id', () =>
  expectClose([init, { type: 'subscribe', payload: { query: '{ __typename }' } }], 4400),
);
await check('4401 on subscribe before connection_ack', () => expectClose([subscribe('1')], 4401));
await check('4403 on a bad token in connection_init', () =>
  expectClose([{ type: 'connection_init', payload: { authorization: 'Bearer not-a-token' } }], 4403),
);
await check('4403 on connection_init without a token', () =>
  expectClose([{ type: 'connection_init' }], 4403),
);
await check('4406 without the graphql-transport-ws subprotocol', () =>
  expectClose([], 4406, { protocol: null }),
);
await check('the legacy graphql-ws subprotocol is not served', async () => {
  // Not selected by the server: the client fails the handshake (or sees 4406).
  const { code, error } = await closedWith([], { protocol: 'graphql-ws' });
  assert(error || code === 4406, `connected and closed with ${code}`);
  return error ? `handshake refused: ${error.message}` : `${code}`;
});
await check(`4408 without connection_init within ${initTimeout} s`, async () => {
  const started = Date.now();
  const detail = await expectClose([], 4408, { wait: (initTimeout + 5) * 1000 });
  const waited = (Date.now() - started) / 1000;
  assert(waited >= initTimeout - 0.5, `closed after ${waited} s`);
  return `${detail} after ${waited.toFixed(1)} s`;
});
await check('4409 on a second subscribe with a running id', () =>
  expectClose([init, subscribe('a'), subscribe('a')], 4409),
);
await check('4409 reason fits a close frame with a 300-character id', () =>
  expectClose([init, subscribe('i'.repeat(300)), subscribe('i'.repeat(300))], 4409),
);
await check('4429 on a second connection_init', () => expectClose([init, init], 4429));

console.log(`graphql-ws: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

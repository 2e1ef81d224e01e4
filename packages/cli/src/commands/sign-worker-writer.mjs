// Writer thread of `kyso sign --batch` (plain JavaScript: it starts in milliseconds, no tsx).
//
// The signing threads hand their outputs here instead of writing them: a file write is four steps
// that wait for the kernel (create, fsync, close, rename — creating and renaming also wait for
// ext4's journal while other files are being fsync'ed), and each asynchronous step needs a turn
// of the event loop of a thread that is busy signing, so writes done there held every signature up.
// This thread's loop is idle and turns at once; the steps run on libuv's thread pool.
//
// Each output is written atomically, as before: a temporary file in the same folder, written and
// fsync'ed, then renamed over the target; on failure nothing is left. One result per file goes to
// the main thread when the file is on disk: `{ result: { file, status, out | error, ms } }`.
//
// Messages: `{ name, out, bytes, started }` (started: epoch ms, performance.timeOrigin + now) from
// the main thread or a signing thread's port; `{ port }` adds a signing thread's port; `{ close:
// true }` says no more will come (the thread ends when the writes under way are done).
import { close, fsync, open, rename, rm, write as writeFd } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const now = () => performance.timeOrigin + performance.now();
const ports = [];
// The callback API: a write is five requests to the thread pool, and promise-based FileHandles cost
// about twice the JavaScript time per file.
const call = (fn, ...args) => new Promise((resolve, reject) => fn(...args, (e, v) => (e ? reject(e) : resolve(v))));

async function write(m) {
  const tmp = join(dirname(m.out), `.${basename(m.out)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd;
  try {
    fd = await call(open, tmp, 'wx', 0o666);
    let off = 0;
    while (off < m.bytes.length) off += await call(writeFd, fd, m.bytes, off, m.bytes.length - off, null);
    await call(fsync, fd);
    const done = fd;
    fd = undefined;
    await call(close, done);
    await call(rename, tmp, m.out);
    return { file: m.name, status: 'signed', out: m.out, ms: Math.round(now() - m.started) };
  } catch (e) {
    if (fd !== undefined) await call(close, fd).catch(() => {});
    await call(rm, tmp, { force: true }).catch(() => {});
    return { file: m.name, status: 'error', error: `cannot write ${m.out}: ${e?.code ?? e?.message}`, ms: Math.round(now() - m.started) };
  }
}

let pending = 0;
let closing = false;

function onMessage(m) {
  if (m.port) {
    ports.push(m.port);
    m.port.on('message', onMessage);
    return;
  }
  if (m.close) {
    closing = true;
    for (const p of ports) p.close();
    if (pending === 0) parentPort.close();
    return;
  }
  pending++;
  void write(m).then((result) => {
    parentPort.postMessage({ result });
    if (--pending === 0 && closing) parentPort.close();
  });
}

parentPort.on('message', onMessage);

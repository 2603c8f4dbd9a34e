/**
 * Evaluated once in every sandbox context, before any script code. It receives the three host
 * references, keeps them in its closure (nothing on globalThis names them) and returns the
 * functions that run one invocation: each builds a frozen `ctx` whose methods send JSON text to
 * the host and parse the JSON text that comes back, so only copies cross. The intrinsics it
 * uses are captured here, before a script could replace them.
 *
 * `[run, quick, settle, wait]`: `run` is the asynchronous entry (called on an isolate thread).
 * `quick` is called synchronously by the thread that holds the sandbox (ScriptSandbox's quick
 * path): it answers 'u' (undefined), 'd' + JSON text, or 'p' when the handler returned a promise,
 * kept by token. The microtasks run as the call returns, so `settle` (synchronous, right after)
 * finds a handler that awaited nothing outside the isolate done, and `wait` (asynchronous)
 * returns the promise of one that awaits the host.
 */
export const BOOTSTRAP_SOURCE = `(function (call, log, clock) {
  'use strict';
  // A script waits for the host or for time, never on shared memory: Atomics.wait (over a
  // SharedArrayBuffer, or a WebAssembly memory made shared) blocks the thread without using CPU,
  // past the CPU watchdog. Scripts have no use for any of the three.
  for (const name of ['Atomics', 'SharedArrayBuffer', 'WebAssembly']) delete globalThis[name];
  const parse = JSON.parse, stringify = JSON.stringify, freeze = Object.freeze;
  const ErrorCtor = Error, DateCtor = Date, StringCtor = String;
  const toError = (e) => {
    const error = new ErrorCtor(e.message);
    error.name = e.name;
    if (e.limit !== undefined) error.limit = e.limit;
    if (e.status !== undefined) error.status = e.status;
    if (e.errors !== undefined) error.errors = e.errors;
    return error;
  };
  const host = async (token, op, args) => {
    const text = await call.apply(undefined, [token, op, stringify(args)], { arguments: { copy: true }, result: { promise: true, copy: true } });
    const reply = parse(text);
    if (reply.error) throw toError(reply.error);
    return reply.value;
  };
  const show = (value) => {
    if (typeof value === 'string') return value;
    if (value instanceof ErrorCtor) return StringCtor(value.stack || value.message);
    try { return stringify(value) ?? StringCtor(value); } catch { return StringCtor(value); }
  };
  const makeCtx = (token, metaText) => {
    const meta = parse(metaText);
    const logAt = (level) => (...values) => {
      let text = '';
      for (let i = 0; i < values.length; i++) text += (i ? ' ' : '') + show(values[i]);
      log.applySync(undefined, [token, level, text], { arguments: { copy: true } });
    };
    const ctx = freeze({
      records: freeze({
        query: (object, query) => host(token, 'records.query', [object, query ?? {}]),
        get: (object, id) => host(token, 'records.get', [object, id]),
        create: (object, values) => host(token, 'records.create', [object, values]),
        update: (object, id, values) => host(token, 'records.update', [object, id, values]),
        delete: async (object, id) => { await host(token, 'records.delete', [object, id]); },
      }),
      log: freeze({ info: logAt('info'), warn: logAt('warn'), error: logAt('error') }),
      config: freeze({ get: (name) => host(token, 'config.get', [name]) }),
      http: freeze({ fetch: (url, request) => host(token, 'http.fetch', [url, request ?? {}]) }),
      now: () => new DateCtor(clock.applySync(undefined, [token])),
      timeZone: meta.timeZone,
      user: freeze(meta.user),
    });
    return ctx;
  };
  const needHandler = (handler) => {
    if (typeof handler !== 'function') throw new TypeError('a script exports its handler as its default export');
  };
  const run = async function run(token, inputText, metaText, handler) {
    needHandler(handler);
    const output = await handler(makeCtx(token, metaText), parse(inputText));
    return output === undefined ? undefined : stringify(output);
  };
  const PromiseCtor = Promise, MapCtor = Map;
  const pending = new MapCtor();
  const mapGet = MapCtor.prototype.get, mapSet = MapCtor.prototype.set, mapDelete = MapCtor.prototype.delete;
  const resolveWith = PromiseCtor.resolve, thenOf = PromiseCtor.prototype.then;
  const quick = function quick(token, inputText, metaText, handler) {
    needHandler(handler);
    const output = handler(makeCtx(token, metaText), parse(inputText));
    if (output !== null && (typeof output === 'object' || typeof output === 'function') && typeof output.then === 'function') {
      const slot = { done: false, failed: false, text: undefined, error: undefined, promise: undefined };
      slot.promise = thenOf.call(
        resolveWith.call(PromiseCtor, output),
        (value) => { slot.done = true; slot.text = value === undefined ? undefined : stringify(value); return slot.text; },
        (error) => { slot.done = true; slot.failed = true; slot.error = error; throw error; },
      );
      // Handled here; whoever settles the invocation sees the failure.
      thenOf.call(slot.promise, undefined, () => undefined);
      mapSet.call(pending, token, slot);
      return 'p';
    }
    return output === undefined ? 'u' : 'd' + stringify(output);
  };
  const settle = function settle(token) {
    const slot = mapGet.call(pending, token);
    if (!slot) throw new TypeError('no invocation is waiting');
    if (!slot.done) return 'p';
    mapDelete.call(pending, token);
    if (slot.failed) throw slot.error;
    return slot.text === undefined ? 'u' : 'd' + slot.text;
  };
  const wait = function wait(token) {
    const slot = mapGet.call(pending, token);
    if (!slot) throw new TypeError('no invocation is waiting');
    mapDelete.call(pending, token);
    return slot.promise;
  };
  return [run, quick, settle, wait];
})`;

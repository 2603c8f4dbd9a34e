/**
 * Evaluated once in every sandbox context, before any script code. It receives the three host
 * references, keeps them in its closure (nothing on globalThis names them) and returns the
 * function that runs one invocation: it builds a frozen `ctx` whose methods send JSON text to
 * the host and parse the JSON text that comes back, so only copies cross. The intrinsics it
 * uses are captured here, before a script could replace them.
 */
export const BOOTSTRAP_SOURCE = `(function (call, log, clock) {
  'use strict';
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
  return async function run(token, inputText, metaText, handler) {
    if (typeof handler !== 'function') throw new TypeError('a script exports its handler as its default export');
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
    const output = await handler(ctx, parse(inputText));
    return output === undefined ? undefined : stringify(output);
  };
})`;

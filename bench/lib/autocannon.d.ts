// Just the part of autocannon's API the load generator uses (the package ships no types).
declare module 'autocannon' {
  interface Result {
    requests: { total: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  interface Instance {
    on(event: 'response', handler: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void): void;
    on(event: 'done', handler: (result: Result) => void): void;
    on(event: 'error', handler: (error: Error) => void): void;
  }
  function autocannon(options: Record<string, unknown>): Instance;
  namespace autocannon {
    export type { Result, Instance };
  }
  export default autocannon;
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SDK_VERSION, definePlugin } from './index.ts';

describe('plugin SDK', () => {
  it('reports the version of the @protean/plugin-sdk package', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });

  it('definePlugin returns the manifest it was given, keeping its literal types', () => {
    const manifest = { id: 'com.example.reminders', version: '1.0.0', publisher: 'Example Ltd', permissions: { objects: ['task'], outboundHosts: ['api.example.com'] } };
    const plugin = definePlugin(manifest);
    expect(plugin).toBe(manifest);
    const inline = definePlugin({ id: 'com.example.reminders', version: '1.0.0', publisher: 'Example Ltd', permissions: { events: ['task.created'] } });
    const id: 'com.example.reminders' = inline.id;
    const events: readonly ['task.created'] = inline.permissions.events;
    expect([id, events]).toEqual(['com.example.reminders', ['task.created']]);
  });
});

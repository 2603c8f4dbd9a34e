import { readFileSync } from 'node:fs';

let text: string | undefined;

/** The SDK's declarations as text: what scripts are type-checked against and what the studio's editor completes from. */
export function sdkTypes(): string {
  text ??= readFileSync(new URL('../sdk/protean-sdk.d.ts', import.meta.url), 'utf8');
  return text;
}

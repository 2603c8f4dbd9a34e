import { objectLabel, resolveObject, snapshotResolver, type FieldDef, type Locale, type NounParam, type ObjectDef, type Snapshot, type TextResolver } from '@protean/metadata';
import { Type } from '@sinclair/typebox';
import { serverMessages, type ServerMessageKey } from './server-messages.ts';

/** The request's locale as a metadata locale: zh-CN when the user reads Chinese, else English. */
export const localeOf = (locale: string | undefined): Locale => (locale === 'zh-CN' ? 'zh-CN' : 'en');

/** A language the product speaks, as request bodies name it. */
export const LocaleSchema = Type.Union([Type.Literal('en'), Type.Literal('zh-CN')]);

type Param = string | number | NounParam;

/**
 * The words of one tenant revision in one locale (ADR 0004): object and field labels resolved
 * through the glossary, and the server's messages filled with them. Built once per
 * (tenant, revision, locale) and memoised on the TenantModel, so a term rename reaches every
 * message with the next revision.
 */
export class Words {
  readonly locale: Locale;
  readonly #snapshot: Snapshot;
  readonly #resolver: TextResolver;
  readonly #nouns = new Map<string, NounParam>();
  readonly #objects = new Map<string, ObjectDef>();

  constructor(snapshot: Snapshot, locale: Locale) {
    this.#snapshot = snapshot;
    this.locale = locale;
    this.#resolver = snapshotResolver(snapshot, locale);
  }

  /** An object's name as a noun: its term's forms, or its own labels when it has no term. */
  noun(object: ObjectDef): NounParam {
    let noun = this.#nouns.get(object.id);
    if (noun) return noun;
    noun = (object.term ? this.#resolver.noun(object.term) : undefined) ?? {
      singular: objectLabel(this.#snapshot, object, this.locale, 'singular'),
      plural: objectLabel(this.#snapshot, object, this.locale, 'plural'),
      ...(this.locale === 'zh-CN' ? { a: objectLabel(this.#snapshot, object, this.locale, 'singular') } : {}),
    };
    this.#nouns.set(object.id, noun);
    return noun;
  }

  /** Display label of an object ("Patient", "Patients"). */
  object(object: ObjectDef, form: 'singular' | 'plural' = 'singular'): string {
    return objectLabel(this.#snapshot, object, this.locale, form);
  }

  field(field: FieldDef): string {
    const labels = field.labels;
    return this.#resolver.text(this.locale === 'zh-CN' ? (labels['zh-CN'] ?? labels.en) : labels.en);
  }

  /** The object with every label resolved: what record validators and schemas are compiled from. */
  resolved(object: ObjectDef): ObjectDef {
    let resolved = this.#objects.get(object.id);
    if (!resolved) this.#objects.set(object.id, (resolved = resolveObject(this.#snapshot, object, this.locale)));
    return resolved;
  }

  text(template: string, params?: Record<string, Param>): string {
    return this.#resolver.text(template, params);
  }

  say(key: ServerMessageKey, params: Record<string, Param> = {}): string {
    return this.#resolver.text(serverMessages[key][this.locale], params);
  }
}

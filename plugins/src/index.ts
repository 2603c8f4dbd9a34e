/** Version of the plugin SDK contract a plugin is built against. */
export const SDK_VERSION = '0.1.0';

/** What a plugin asks the tenant admin to consent to at install time. */
export interface PluginPermissions {
  /** Object API names the plugin reads or writes. */
  objects?: readonly string[];
  /** Field references as `object.field`. */
  fields?: readonly string[];
  /** Record events the plugin subscribes to, e.g. `customer.created`. */
  events?: readonly string[];
  /** Hosts the plugin may call through `ctx.http`. */
  outboundHosts?: readonly string[];
}

export interface PluginManifest {
  /** Reverse-DNS style id, also the namespace of the metadata the plugin contributes. */
  id: string;
  /** Semantic version of the plugin. */
  version: string;
  publisher: string;
  permissions: PluginPermissions;
}

/** Identity helper: gives a plugin's manifest literal its type without widening it. */
export function definePlugin<const M extends PluginManifest>(manifest: M): M {
  return manifest;
}

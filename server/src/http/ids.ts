/** A record, user or key id as the platform makes them (a UUID in its text form). Checked before a value reaches a `uuid` column. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

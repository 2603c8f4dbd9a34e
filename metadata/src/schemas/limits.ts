/**
 * Every size a tenant controls is bounded here, so no metadata document and no record value
 * of an allowed size costs the server more than a few milliseconds (ADR 0009). The JSON
 * Schemas of the kinds use these numbers; the studio validates with the same schemas.
 */
export const metadataLimits = {
  objectsPerTenant: 200,
  fieldsPerObject: 500,
  layoutsPerTenant: 500,
  fieldsPerLayoutSection: 200,
  aliasesPerName: 20,
  picklistValues: 1000,
  /** Selections in one multi-picklist value of a record; each at most once. */
  multiPicklistSelections: 100,
  /** Autonumber counters are bigint but formatted from JS numbers: leave 8e15 numbers above the start exact. */
  autonumberStart: 1e15,
  /**
   * Characters of a text value that is indexed (a unique field, or the field naming records): a
   * b-tree entry holds at most 2,704 bytes, and 500 characters are at most 2,000 in UTF-8.
   */
  indexedTextLength: 500,
  /** A numeric option's magnitude (min, max, default): float8 holds it with room to spare. */
  numberMagnitude: 1e15,
} as const;

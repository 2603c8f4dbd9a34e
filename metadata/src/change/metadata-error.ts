/** Something that depends on a field or object and would break if it were deleted. */
export type Dependent = {
  kind: 'object' | 'field' | 'layout' | 'index' | 'picklistValue' | 'layoutSection' | 'formula' | 'rollupFilter' | 'defaultValue' | 'validationRule' | 'layoutRule' | 'rollup' | 'dependentPicklist';
  id: string;
  label: string;
};

/** One problem in a change request or snapshot; `path` is a JSON pointer into what was sent. */
export type MetadataError = {
  path: string;
  code: string;
  message: string;
  dependents?: Dependent[];
  /** Where in an expression the problem is (invalid_expression). */
  position?: { start: number; end: number; line: number; column: number };
};

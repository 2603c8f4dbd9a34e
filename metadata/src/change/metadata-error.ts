/** Something that depends on a field or object and would break if it were deleted. */
export type Dependent = {
  kind: 'object' | 'field' | 'layout' | 'index' | 'picklistValue' | 'layoutSection';
  id: string;
  label: string;
};

/** One problem in a change request or snapshot; `path` is a JSON pointer into what was sent. */
export type MetadataError = {
  path: string;
  code: string;
  message: string;
  dependents?: Dependent[];
};

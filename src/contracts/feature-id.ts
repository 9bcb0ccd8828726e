/** Feature ids become branch and folder names, so they are restricted to this shape. */
export const FEATURE_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

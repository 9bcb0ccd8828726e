/** The longest feature id: it becomes a branch, a folder and part of longer paths (NAME_MAX is 255). */
export const MAX_FEATURE_ID_LENGTH = 100;

/**
 * Feature ids become branch and folder names, so they are restricted to this shape: lowercase
 * letters, digits and dashes, at most `MAX_FEATURE_ID_LENGTH` characters.
 */
export const FEATURE_ID_PATTERN = /^(?=.{1,100}$)[a-z0-9][a-z0-9-]*$/;

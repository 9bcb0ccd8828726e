import type { RegisterCommand } from './commands.js';

/** `baton decompose`: placeholder. */
export const registerDecompose: RegisterCommand = () => {};

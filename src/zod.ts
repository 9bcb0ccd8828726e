/**
 * The one zod every schema is built with: its small functional API (`zod/mini`), which loads and
 * builds schemas in about half the time of the classic chained API (a command that loads the project
 * built its schemas on every start), with zod's English messages, which `zod/mini` does not set up by
 * itself. Every schema module imports `z` from here, never from the package.
 */

import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

z.config(en());

export { z };

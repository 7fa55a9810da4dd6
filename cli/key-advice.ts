/** Where the local stack keeps its admin key, and how to get a credential: for messages of refused calls. */
import { join } from 'node:path';

/** Where `npm start` keeps the local stack's admin key, relative to the checkout. */
export const LOCAL_ADMIN_KEY_FILE = join('.baton', 'secrets', 'baton-admin-key');

/** How to get a credential, for messages of refused calls. */
export const HOW_TO_GET_A_KEY =
  'set BATON_TOKEN to an API key (an admin makes one with `baton keys create --name <you> --roles trigger`; ' +
  `the local stack's admin key is in ${LOCAL_ADMIN_KEY_FILE})`;

/** What a function people call directly (predict) takes, for messages of its refusals. */
export const HOW_TO_GET_A_VIEWER_KEY =
  'it takes an API key with role viewer (or better) that an admin issued, not the bootstrap admin key ' +
  `(${LOCAL_ADMIN_KEY_FILE} is for the trigger API only): make one with \`baton keys create --name <you> --roles viewer\` and set BATON_TOKEN to it`;

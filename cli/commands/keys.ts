import { ROLES, type Role } from '../../functions/baton/auth/roles.ts';
import type { Command } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { formatTime, table } from '../format.ts';
import { createKey, listKeys, revokeKey } from '../api/keys-client.ts';

const ROLE_HELP = `  viewer    read runs, schedules, models, pipelines and reports
  trigger   start runs, cancel the runs it started, create schedules and manage its own (and read)
  approver  approve or reject promotions (and read)
  admin     everything: promote, cancel any run, manage any schedule, manage keys`;

export const keysCreateCommand: Command = {
  name: 'keys create',
  synopsis: 'baton keys create --name <name> --roles <role,...> [--json]',
  summary: 'make an API key (admin): printed once, stored only hashed',
  details: [
    'POST /keys. The key is printed once: keep it in a secret store and hand it over as BATON_TOKEN. Baton keeps',
    'only its hash; approvals and promotions made with it record its name. Roles:',
    ROLE_HELP,
    '',
    'Options:',
    '  --name <name>      who or what uses the key (a person, "ci-bot")',
    '  --roles <roles>    comma-separated roles',
    '  --json             print the answer as the API gives it',
  ].join('\n'),
  options: { name: { type: 'string' }, roles: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [],
  async run(ctx, { values }) {
    const name = typeof values.name === 'string' ? values.name.trim() : '';
    if (!name) throw new UsageError('--name is required: say who uses the key, e.g. --name ci-bot', 'keys create');
    const roles = (typeof values.roles === 'string' ? values.roles : '')
      .split(',')
      .map((role) => role.trim())
      .filter(Boolean);
    if (roles.length === 0)
      throw new UsageError(`--roles is required: one or more of ${ROLES.join(', ')}, comma-separated`, 'keys create');
    const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
    if (unknown.length > 0)
      throw new UsageError(
        `--roles: unknown role ${unknown.map((role) => `"${role}"`).join(', ')}; the roles are ${ROLES.join(', ')}`,
        'keys create',
      );
    const created = await createKey(ctx.api, name, roles as Role[]);
    if (values.json === true) {
      ctx.out(JSON.stringify(created, null, 2));
    } else {
      ctx.out(created.key);
      ctx.err(
        `key ${created.id} for "${created.name}" (${created.roles.join(', ')}): shown this once, keep it secret; revoke it with: baton keys revoke ${created.id}`,
      );
    }
    return EXIT.ok;
  },
};

export const keysListCommand: Command = {
  name: 'keys list',
  synopsis: 'baton keys list [--json]',
  summary: 'every API key issued, revoked ones included (admin); never the keys themselves',
  details: 'GET /keys.\n\nOptions:\n  --json   print the answer as the API gives it',
  options: { json: { type: 'boolean' } },
  positionals: [],
  async run(ctx, { values }) {
    const keys = await listKeys(ctx.api);
    if (values.json === true) {
      ctx.out(JSON.stringify(keys, null, 2));
      return EXIT.ok;
    }
    ctx.out(
      keys.length === 0
        ? 'no API keys yet: make one with `baton keys create --name <name> --roles <roles>`'
        : table(
            ['ID', 'NAME', 'ROLES', 'CREATED', 'BY', 'REVOKED'],
            keys.map((key) => [
              key.id,
              key.name,
              key.roles.join(','),
              formatTime(key.createdAt, ctx.timeZone),
              key.createdBy,
              key.revokedAt ? formatTime(key.revokedAt, ctx.timeZone) : '',
            ]),
          ).join('\n'),
    );
    return EXIT.ok;
  },
};

export const keysRevokeCommand: Command = {
  name: 'keys revoke',
  synopsis: 'baton keys revoke <id>',
  summary: 'revoke an API key (admin): refused everywhere within seconds',
  details:
    'POST /keys/{id}/revoke. The key stops working at once on the replica that took the call and within 5 s on the others.',
  options: {},
  positionals: ['id'],
  async run(ctx, { positionals }) {
    const revoked = await revokeKey(ctx.api, positionals[0]!);
    ctx.out(`revoked key ${revoked.id} ("${revoked.name}")`);
    return EXIT.ok;
  },
};

/** The PostgreSQL test server: a real cluster that password-authenticates its role and leaves nothing behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePostgres, startPostgres } from './postgres.ts';

/** Runs `psql` over TCP as a client would, with the password in the environment only. */
async function clientQuery(
  bin: string,
  port: number,
  password: string,
  sql: string,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    join(bin, 'psql'),
    ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', 'baton', '-d', 'baton', '-c', sql],
    {
      env: { PATH: process.env.PATH, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, out: out.trim() };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("a started server takes the role's password over TCP, loads tables, and stop() leaves no process or folder", async () => {
  const bin = await ensurePostgres();
  const server = await startPostgres();
  try {
    assert.deepEqual(await server.query("SELECT 1, 'a b'; SELECT current_user"), [['1', 'a b'], ['postgres']]);
    assert.equal(
      (await clientQuery(bin, server.port, 'any', 'SELECT 1')).code,
      2,
      'no password yet: the role cannot log in',
    );

    await server.setPassword("it's-Secret-9");
    assert.deepEqual(await clientQuery(bin, server.port, "it's-Secret-9", 'SELECT current_user'), {
      code: 0,
      out: 'baton',
    });
    const wrong = await clientQuery(bin, server.port, 'wrong', 'SELECT 1');
    assert.equal(wrong.code, 2);
    assert.match(wrong.out, /password authentication failed/);

    assert.equal(await server.loadCsv('pets', 'name text, legs int', 'name,legs\ncat,4\n"bird, small",2\n'), 2);
    assert.deepEqual(
      await clientQuery(bin, server.port, "it's-Secret-9", "SELECT string_agg(name, '|' ORDER BY legs) FROM pets"),
      { code: 0, out: 'bird, small|cat' },
    );
    await assert.rejects(server.query('SELECT * FROM nope'), /relation "nope" does not exist/);
    assert.deepEqual(server.env, {
      PGHOST: '127.0.0.1',
      PGPORT: String(server.port),
      PGDATABASE: 'baton',
      PGUSER: 'baton',
    });
  } finally {
    await server.stop();
  }
  assert.equal(alive(server.pid), false, 'the server process is gone');
  await assert.rejects(access(server.dir), 'its folder is gone');
  await server.stop(); // twice is fine
});

test('an error of a statement holding the password shows *** instead', async () => {
  const server = await startPostgres({ password: 'first-Secret-1' });
  try {
    // PostgreSQL quotes the bad value back in its error: the helper must scrub it.
    await assert.rejects(
      server.query("SELECT 'first-Secret-1'::int"),
      (error: Error) =>
        /invalid input syntax for type integer: "\*\*\*"/.test(error.message) &&
        !error.message.includes('first-Secret-1'),
    );
  } finally {
    await server.stop();
  }
});

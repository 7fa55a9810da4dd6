/**
 * Baton's Helm chart, checked offline with the real helm and kubeconform: lint and render with several value
 * sets, the rendered objects validated against the kept schemas (which must refuse a broken one), and the
 * Functions compared with stack.yml, the source they are derived from.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, isPair, isScalar, parseDocument, type Pair } from 'yaml';
import { loadStackFiles, type FunctionSpec } from '../local/stack-file.ts';
import { repoRoot } from '../local/stack-config.ts';
import { searchAttributeRegistrations } from '../../workflows/search-attributes.ts';
import { ensureKubernetesTools } from '../tools/k8s-tools.ts';
import { chartData, chartDataText, committedChartData, stackFile } from './chart-data.ts';
import { chartChecker, chartDir, parseManifests, testValuesDir, toYamlText, type Manifest } from './chart-check.ts';

/** The value sets every check runs with: file names in test-values/ ([] = the chart's defaults). */
const valueSets: Record<string, string[]> = {
  defaults: [],
  'Temporal Cloud with an API key': ['temporal-cloud-api-key.yaml'],
  'Temporal cluster with mTLS': ['mtls.yaml'],
  'existing secrets': ['existing-secrets.yaml'],
};

interface FunctionObject extends Manifest {
  spec: {
    name: string;
    image: string;
    environment: Record<string, string>;
    labels?: Record<string, string>;
    secrets?: string[];
    [k: string]: unknown;
  };
}

let checker: Awaited<ReturnType<typeof chartChecker>>;
let stack: FunctionSpec[];

before(async () => {
  const t0 = performance.now();
  const tools = await ensureKubernetesTools({ progress: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(`[chart.test] helm and kubeconform ready (${((performance.now() - t0) / 1000).toFixed(1)}s)\n`);
  checker = await chartChecker(tools);
  stack = (await loadStackFiles([stackFile])).functions;
});
after(() => checker?.close());

async function render(
  valueFiles: string[] = [],
  set: string[] = [],
  chart?: string,
): Promise<{ text: string; objects: Manifest[] }> {
  const out = await checker.template(valueFiles, set, chart);
  assert.equal(out.code, 0, `helm template ${valueFiles.join(' ')} ${set.join(' ')} failed:\n${out.stderr}`);
  return { text: out.stdout, objects: parseManifests(out.stdout) };
}
const functionsOf = (objects: Manifest[]) => objects.filter((o): o is FunctionObject => o.kind === 'Function');
const byName = (objects: Manifest[], kind: string) =>
  new Map(objects.filter((o) => o.kind === kind).map((o) => [o.metadata.name, o]));

test('files/functions.json is what `npm run gen:chart` makes from stack.yml now', async () => {
  assert.equal(
    await committedChartData(),
    chartDataText(await chartData()),
    'the chart data is stale: run `npm run gen:chart`',
  );
});

describe('every value set', () => {
  for (const [name, files] of Object.entries(valueSets)) {
    test(`${name}: helm lint --strict passes`, async () => {
      const out = await checker.lint(files);
      assert.equal(out.code, 0, `${out.stdout}\n${out.stderr}`);
    });

    test(`${name}: helm template renders objects that kubeconform accepts against the kept schemas`, async () => {
      const { text, objects } = await render(files);
      assert.ok(objects.some((o) => o.kind === 'Function'));
      const out = await checker.kubeconform(text);
      assert.equal(out.code, 0, `kubeconform refused the rendered chart:\n${out.stdout}\n${out.stderr}`);
      assert.match(
        out.stdout,
        new RegExp(`${objects.length} resources found.*Valid: ${objects.length}, Invalid: 0, Errors: 0`, 's'),
      );
    });
  }
});

describe('the kept schemas refuse broken objects', () => {
  const broken: [string, (o: Manifest) => boolean, (o: Manifest) => void, RegExp][] = [
    [
      'a Function with a field the CRD does not have',
      (o) => o.kind === 'Function',
      (o) => {
        o.spec!.replicas = 2;
      },
      /replicas/,
    ],
    [
      'a Function whose environment value is a number',
      (o) => o.kind === 'Function',
      (o) => {
        (o.spec!.environment as Record<string, unknown>).BATON_SCALER_TARGET = 20;
      },
      /BATON_SCALER_TARGET/,
    ],
    [
      'a Function without an image',
      (o) => o.kind === 'Function',
      (o) => {
        delete o.spec!.image;
      },
      /image/,
    ],
    [
      'a Job with a misspelt container field',
      (o) => o.kind === 'Job',
      (o) => {
        (o.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec
          .containers[0]!.comand = ['x'];
      },
      /comand/,
    ],
    [
      'a NetworkPolicy with a misspelt rule',
      (o) => o.kind === 'NetworkPolicy',
      (o) => {
        (o.spec!.ingress as Record<string, unknown>[])[0]!.form = [];
      },
      /form/,
    ],
    [
      'a Secret with a field Secrets do not have',
      (o) => o.kind === 'Secret',
      (o) => {
        o.values = {};
      },
      /values/,
    ],
  ];
  for (const [what, pick, breakIt, names] of broken) {
    test(what, async () => {
      const { objects } = await render(['mtls.yaml']);
      const target = objects.find(pick);
      assert.ok(target, 'the value set renders such an object');
      assert.equal((await checker.kubeconform(toYamlText([target]))).code, 0, 'unbroken, it passes');
      breakIt(target);
      const out = await checker.kubeconform(toYamlText([target]));
      assert.notEqual(out.code, 0, `kubeconform accepted ${what}`);
      assert.match(out.stdout, names);
    });
  }
});

describe('Functions derived from stack.yml', () => {
  test('one Function per stack.yml function, with its image, environment (environment_file included), secrets and labels', async () => {
    const { objects } = await render();
    const functions = functionsOf(objects);
    assert.deepEqual(functions.map((f) => f.spec.name).sort(), stack.map((f) => f.name).sort());
    for (const fn of stack) {
      const rendered = functions.find((f) => f.spec.name === fn.name)!;
      assert.equal(rendered.metadata.name, fn.name);
      assert.equal(rendered.metadata.namespace, 'openfaas-fn');
      assert.equal(rendered.spec.image, fn.image, `${fn.name}: image`);
      const expectedEnv = fn.name === 'baton' ? { ...fn.environment, TEMPORAL_TLS: 'false' } : fn.environment;
      assert.deepEqual(rendered.spec.environment, expectedEnv, `${fn.name}: environment`);
      assert.deepEqual(rendered.spec.secrets ?? [], fn.secrets, `${fn.name}: secrets`);
      assert.deepEqual(rendered.spec.labels ?? {}, fn.labels, `${fn.name}: labels`);
      assert.equal(rendered.spec.readOnlyRootFilesystem, true, `${fn.name}: read-only root filesystem by default`);
    }
    // environment_file really is in there: fetch-csv takes S3 settings only from deploy/env/artifacts.yml.
    assert.equal(functions.find((f) => f.spec.name === 'fetch-csv')!.spec.environment.S3_REGION, 'us-east-1');
  });

  test('limits, requests, constraints and a read-only root filesystem in stack.yml reach the Function; values win over them', async (t) => {
    // A copy of the chart whose data comes from a stack file that sets them (Baton's own stack.yml sets none).
    const dir = await mkdtemp(join(tmpdir(), 'baton-chart-copy-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await cp(chartDir, join(dir, 'baton'), { recursive: true });
    await writeFile(
      join(dir, 'stack.yml'),
      [
        'functions:',
        "  baton: {lang: baton-node-service, handler: ., image: baton/baton:1, secrets: [s3-access-key-baton, s3-secret-key-baton], annotations: {com.baton.storage: 'read:models/'}}",
        '  train:',
        '    lang: baton-python',
        '    handler: .',
        '    image: baton/train:1',
        '    limits: {memory: 2Gi, cpu: 2}',
        '    requests: {memory: 1Gi}',
        '    constraints: ["disktype=ssd"]',
        '    readonly_root_filesystem: false',
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'baton/files/functions.json'), chartDataText(await chartData(join(dir, 'stack.yml'))));
    const chart = join(dir, 'baton');
    const spec = async (set: string[]) =>
      functionsOf((await render([], set, chart)).objects).find((f) => f.spec.name === 'train')!.spec;

    const fromStack = await spec(['functionDefaults.limits.memory=512Mi', 'functionDefaults.requests.cpu=100m']);
    assert.deepEqual(fromStack.limits, { memory: '2Gi', cpu: '2' }, 'stack.yml over the chart defaults');
    assert.deepEqual(fromStack.requests, { memory: '1Gi', cpu: '100m' }, 'merged with the chart defaults');
    assert.deepEqual(fromStack.constraints, ['disktype=ssd']);
    assert.equal(fromStack.readOnlyRootFilesystem, false, 'stack.yml over the default true');
    const baton = functionsOf((await render([], [], chart)).objects).find((f) => f.spec.name === 'baton')!.spec;
    assert.equal(baton.readOnlyRootFilesystem, true);

    const fromValues = await spec([
      'functions.train.limits.memory=8Gi',
      'functions.train.constraints={gpu=true}',
      'functions.train.readOnlyRootFilesystem=true',
    ]);
    assert.deepEqual(fromValues.limits, { memory: '8Gi', cpu: '2' });
    assert.deepEqual(fromValues.constraints, ['gpu=true']);
    assert.equal(fromValues.readOnlyRootFilesystem, true);
  });

  test('registry and tag come from values; one function can name its own image', async () => {
    const functions = functionsOf(
      (
        await render(
          [],
          [
            'image.registry=ghcr.io/acme/baton/',
            'image.tag=1.2.3',
            'functions.train.image=registry.example/train@sha256:abc',
          ],
        )
      ).objects,
    );
    const image = (name: string) => functions.find((f) => f.spec.name === name)!.spec.image;
    assert.equal(image('baton'), 'ghcr.io/acme/baton/baton:1.2.3');
    assert.equal(image('fetch-csv'), 'ghcr.io/acme/baton/fetch-csv:1.2.3');
    assert.equal(image('train'), 'registry.example/train@sha256:abc');
  });

  test('every setting marked "local override" in stack.yml is overridable in values', async () => {
    // Shared settings (in deploy/env/*.yml or on the orchestrator) have a value of their own; a setting of one
    // step function is overridden through functions.<name>.environment.
    const named: Record<string, string> = {
      TEMPORAL_ADDRESS: 'temporal.address',
      TEMPORAL_UI_URL: 'temporal.uiUrl',
      S3_ENDPOINT: 's3.endpoint',
      BATON_GATEWAY_URL: 'gateway.url',
    };
    const marked = await localOverrides();
    assert.ok(marked.length >= 5, `found the marked settings: ${marked.map((m) => m.key).join(', ')}`);
    for (const { key, file, functionName } of marked) {
      const value = key.endsWith('_ADDRESS')
        ? 'override.example:7233'
        : `https://override.example/${key.toLowerCase()}`;
      const path = named[key] ?? (functionName ? `functions.${functionName}.environment.${key}` : undefined);
      assert.ok(path, `${file}: ${key} is marked "local override" but the chart has no value for it`);
      const functions = functionsOf((await render([], [`${path}=${value}`])).objects);
      const having = stack.filter((f) => key in f.environment).map((f) => f.name);
      assert.ok(having.length > 0);
      for (const name of having) {
        assert.equal(
          functions.find((f) => f.spec.name === name)!.spec.environment[key],
          value,
          `${name}: ${key} from ${path}`,
        );
      }
    }
  });

  test('settings that cannot work are refused, naming the value to fix', async () => {
    const refused: [string[], RegExp][] = [
      [['temporal.apiKey.enabled=true'], /temporal\.apiKey\.enabled needs temporal\.tls\.enabled=true/],
      [['temporal.tls.clientCertificate=true'], /temporal\.tls\.clientCertificate needs temporal\.tls\.enabled=true/],
      [['functions.trian.environment.X=1'], /functions\.trian: stack\.yml has no function "trian"/],
      [
        ['secrets.s3-access-key-predict.value=a', 'secrets.s3-access-key-predict.existingSecret=b'],
        /secrets\.s3-access-key-predict: set value or existingSecret, not both/,
      ],
      [['temporal.adress=x'], /temporal.*adress/],
      [['s3.endpoint=https://AKIA:secret@s3.example.com'], /\/s3\/endpoint/],
      [['temporal.address=https://temporal.example.com'], /\/temporal\/address/],
    ];
    for (const [set, message] of refused) {
      const out = await checker.template([], set);
      assert.notEqual(out.code, 0, `accepted ${set.join(' ')}`);
      assert.match(out.stderr, message);
    }
  });
});

describe('secrets', () => {
  test('each function gets its stack.yml secrets, and Temporal credentials go to the Temporal clients only', async () => {
    const { objects } = await render(
      ['temporal-cloud-api-key.yaml'],
      ['temporal.tls.clientCertificate=true', 'temporal.tls.serverCa=true'],
    );
    const temporalSecrets = [
      'temporal-tls-client-cert',
      'temporal-tls-client-key',
      'temporal-tls-server-ca-cert',
      'temporal-api-key',
    ];
    for (const fn of functionsOf(objects)) {
      const declared = stack.find((f) => f.name === fn.spec.name)!.secrets;
      const expected = fn.spec.name === 'baton' ? [...declared, ...temporalSecrets] : declared;
      assert.deepEqual(fn.spec.secrets, expected, fn.spec.name);
    }
    const env = functionsOf(objects).find((f) => f.spec.name === 'baton')!.spec.environment;
    assert.equal(env.TEMPORAL_TLS, 'true');
    assert.equal(env.TEMPORAL_TLS_CLIENT_CERT_PATH, '/var/openfaas/secrets/temporal-tls-client-cert');
    assert.equal(env.TEMPORAL_TLS_CLIENT_KEY_PATH, '/var/openfaas/secrets/temporal-tls-client-key');
    assert.equal(env.TEMPORAL_TLS_SERVER_CA_CERT_PATH, '/var/openfaas/secrets/temporal-tls-server-ca-cert');
    assert.equal(env.TEMPORAL_ADDRESS, 'baton-prod.a1b2c.tmprl.cloud:7233');
    assert.equal(env.TEMPORAL_NAMESPACE, 'baton-prod.a1b2c');
    assert.ok(
      !Object.values(env).some((v) => v.includes('example-api-key')),
      'the API key is never in the environment',
    );
    const report = functionsOf(objects).find((f) => f.spec.name === 'report')!.spec.environment;
    assert.equal(report.TEMPORAL_TLS, undefined, 'report reads TEMPORAL_UI_URL only: no Temporal client settings');
  });

  test('the chart creates a Secret only for a given value that a deployed function reads, in the functions namespace', async () => {
    const secrets = byName((await render(['temporal-cloud-api-key.yaml'])).objects, 'Secret');
    const read = new Set(stack.flatMap((f) => f.secrets).concat('temporal-api-key'));
    // The values give most secrets, not those of a function added since (`baton new step`): those must exist already.
    const values = parseDocument(await readFile(join(testValuesDir, 'temporal-cloud-api-key.yaml'), 'utf8')).toJS() as {
      secrets: Record<string, unknown>;
    };
    assert.deepEqual(
      [...secrets.keys()].sort(),
      Object.keys(values.secrets)
        .filter((name) => read.has(name))
        .sort(),
    );
    assert.ok(secrets.has('s3-access-key-train') && secrets.has('temporal-api-key'));
    const apiKey = secrets.get('temporal-api-key')!;
    assert.equal(apiKey.metadata.namespace, 'openfaas-fn');
    assert.deepEqual(Object.keys(apiKey.data!), ['temporal-api-key'], 'the key is the file name the function reads');
    assert.equal(Buffer.from(apiKey.data!['temporal-api-key']!, 'base64').toString(), 'example-api-key');

    assert.equal(byName((await render()).objects, 'Secret').size, 0, 'no values: the secrets must exist already');
  });

  test('existing secrets are referred to by their own names, and a left-out function takes its secret with it', async () => {
    const { objects } = await render(['existing-secrets.yaml']);
    assert.equal(byName(objects, 'Secret').size, 0, 'postgres-password has a value, but no deployed function reads it');
    const functions = functionsOf(objects);
    assert.ok(!functions.some((f) => f.spec.name === 'ingest-postgres'));
    const secretsOf = (name: string) => functions.find((f) => f.spec.name === name)!.spec.secrets;
    assert.deepEqual(secretsOf('baton'), [
      'baton-s3-baton',
      'baton-callback',
      'baton-codec',
      'gateway-basic-auth',
      'baton-signing',
      'baton-admin-key',
      'temporal-client-tls',
    ]);
    assert.deepEqual(secretsOf('fetch-csv'), ['baton-s3-fetch-csv', 'fetch-csv', 'baton-step-key-fetch-csv']);
    assert.deepEqual(secretsOf('train'), ['baton-s3-train', 'train-step-key']);
  });
});

test('the install notes name each secret the chart did not create, as Secret and key', async () => {
  const notes = await checker.notes();
  for (const name of new Set(stack.flatMap((f) => f.secrets)))
    assert.match(notes, new RegExp(`Secret ${name} with key ${name}\\n`));
  const shared = await checker.notes(['existing-secrets.yaml']);
  assert.match(shared, /Secret baton-s3-train with key s3-access-key-train\n/);
  assert.match(shared, /Secret baton-s3-train with key s3-secret-key-train\n/);
  assert.doesNotMatch(shared, /postgres-password/);
});

test('without Function resources (OpenFaaS CE deploys with faas-cli) the secrets, NetworkPolicy and Job still cover every function', async () => {
  const { objects } = await render(
    ['temporal-cloud-api-key.yaml'],
    ['createFunctions=false', 'searchAttributes.enabled=true'],
  );
  assert.equal(functionsOf(objects).length, 0);
  assert.ok(byName(objects, 'Secret').has('fetch-csv-token'));
  const policy = objects.find((o) => o.kind === 'NetworkPolicy')!;
  const selected = (policy.spec as { podSelector: { matchExpressions: { values: string[] }[] } }).podSelector
    .matchExpressions[0]!.values;
  assert.deepEqual(selected.sort(), stack.map((f) => f.name).sort());
  assert.ok(objects.some((o) => o.kind === 'Job'));
});

describe('network policy', () => {
  test("only the gateway and queue-worker pods of the OpenFaaS namespace reach Baton's functions; egress open by default", async () => {
    const { objects } = await render();
    const policy = objects.find((o) => o.kind === 'NetworkPolicy')!;
    assert.equal(policy.metadata.namespace, 'openfaas-fn');
    const spec = policy.spec as {
      podSelector: { matchExpressions: { key: string; values: string[] }[] };
      policyTypes: string[];
      ingress: { from: unknown[]; ports: unknown[] }[];
    };
    assert.deepEqual(spec.podSelector.matchExpressions[0]!.values.sort(), stack.map((f) => f.name).sort());
    assert.equal(spec.podSelector.matchExpressions[0]!.key, 'faas_function');
    assert.deepEqual(spec.policyTypes, ['Ingress']);
    assert.deepEqual(spec.ingress, [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openfaas' } },
            podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['gateway', 'queue-worker'] }] },
          },
        ],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  test('egress is restricted only when values say so, and DNS stays allowed', async () => {
    const policy = (await render(['mtls.yaml'])).objects.find((o) => o.kind === 'NetworkPolicy')!;
    const spec = policy.spec as { policyTypes: string[]; egress: { ports?: { port: number }[]; to?: unknown[] }[] };
    assert.deepEqual(spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(
      spec.egress[0]!.ports!.map((p) => p.port),
      [53, 53],
    );
    assert.equal(spec.egress[1]!.to!.length, 3);
  });
});

describe('search attribute registration', () => {
  test('a post-install/upgrade hook Job registers every search attribute the workflows use', async () => {
    const job = (await render()).objects.find((o) => o.kind === 'Job')!;
    assert.equal(job.metadata.annotations!['helm.sh/hook'], 'post-install,post-upgrade');
    const container = (
      job.spec as {
        template: {
          spec: { containers: { image: string; command: string[]; env: { name: string; value?: string }[] }[] };
        };
      }
    ).template.spec.containers[0]!;
    assert.equal(container.image, 'temporalio/admin-tools:1.29');
    const pairs: string[] = [];
    for (let i = 0; i < container.command.length; i++) {
      if (container.command[i] === '--name') pairs.push(`${container.command[i + 1]}=${container.command[i + 3]}`);
    }
    assert.deepEqual(container.command.slice(0, 4), ['temporal', 'operator', 'search-attribute', 'create']);
    assert.deepEqual(pairs, searchAttributeRegistrations());
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    assert.equal(env.TEMPORAL_ADDRESS, 'temporal-frontend.temporal:7233');
    assert.equal(env.TEMPORAL_NAMESPACE, 'default');
  });

  test('with mTLS the Job reads the same certificate files as the orchestrator; with an API key, the key from its secret', async () => {
    const pod = jobPod((await render(['mtls.yaml'])).objects);
    const env = Object.fromEntries(pod.containers[0]!.env.map((e) => [e.name, e.value]));
    assert.equal(env.TEMPORAL_TLS, 'true');
    assert.equal(env.TEMPORAL_TLS_SERVER_NAME, 'temporal-frontend.temporal.svc');
    assert.equal(env.TEMPORAL_TLS_CLIENT_CERT_PATH, '/var/openfaas/secrets/temporal-tls-client-cert');
    assert.equal(env.TEMPORAL_NAMESPACE, 'baton');
    const sources = pod.volumes.find((v) => v.name === 'temporal-tls')!.projected!.sources;
    assert.deepEqual(
      sources.map((s) => s.secret.items[0]!.path),
      ['temporal-tls-client-cert', 'temporal-tls-client-key', 'temporal-tls-server-ca-cert'],
    );
    const mount = pod.containers[0]!.volumeMounts.find((m) => m.name === 'temporal-tls')!;
    assert.equal(mount.mountPath, '/var/openfaas/secrets');

    const cloud = jobPod((await render(['temporal-cloud-api-key.yaml'], ['searchAttributes.enabled=true'])).objects);
    const apiKey = cloud.containers[0]!.env.find((e) => e.name === 'TEMPORAL_API_KEY')!;
    assert.deepEqual(apiKey.valueFrom, { secretKeyRef: { name: 'temporal-api-key', key: 'temporal-api-key' } });
    assert.equal(apiKey.value, undefined, 'the key itself is not in the Job');
  });

  test('the command is a value, and the Job can be turned off (Temporal Cloud)', async () => {
    const job = (
      await render(
        [],
        ['searchAttributes.image=baton/baton:latest', 'searchAttributes.command={node,register-search-attributes.js}'],
      )
    ).objects.find((o) => o.kind === 'Job')!;
    const container = (job.spec as { template: { spec: { containers: { image: string; command: string[] }[] } } })
      .template.spec.containers[0]!;
    assert.deepEqual(container.command, ['node', 'register-search-attributes.js']);
    assert.equal(container.image, 'baton/baton:latest');
    assert.ok(!(await render(['temporal-cloud-api-key.yaml'])).objects.some((o) => o.kind === 'Job'));
    const tcld = (await checker.notes(['temporal-cloud-api-key.yaml']))
      .split('\n')
      .find((l) => l.includes('tcld namespace search-attributes add'));
    assert.ok(tcld, 'without the Job, the notes say how to register them on Temporal Cloud');
    assert.match(tcld, /--namespace baton-prod\.a1b2c /);
    assert.deepEqual(
      [...tcld.matchAll(/--search-attribute "([^"]+)"/g)].map((m) => m[1]),
      searchAttributeRegistrations(),
    );
  });
});

interface JobPod {
  containers: {
    env: { name: string; value?: string; valueFrom?: unknown }[];
    volumeMounts: { name: string; mountPath: string }[];
  }[];
  volumes: {
    name: string;
    projected?: { sources: { secret: { name: string; items: { key: string; path: string }[] } }[] };
  }[];
}

function jobPod(objects: Manifest[]): JobPod {
  const job = objects.find((o) => o.kind === 'Job');
  assert.ok(job, 'a Job is rendered');
  return (job.spec as { template: { spec: JobPod } }).template.spec;
}

/** The settings stack.yml and its environment files mark with the comment "local override". */
async function localOverrides(): Promise<{ key: string; file: string; functionName?: string }[]> {
  const found: { key: string; file: string; functionName?: string }[] = [];
  const marked = (pair: Pair) => isScalar(pair.value) && /local override/.test(pair.value.comment ?? '');
  const stackDoc = parseDocument(await readFile(stackFile, 'utf8'));
  const functions = stackDoc.get('functions');
  const envFiles = new Set<string>();
  if (isMap(functions)) {
    for (const fn of functions.items) {
      const name = String((fn.key as { value: unknown }).value);
      const spec = fn.value;
      if (!isMap(spec)) continue;
      for (const file of (spec.toJSON() as { environment_file?: string[] }).environment_file ?? []) envFiles.add(file);
      const env = spec.get('environment');
      if (!isMap(env)) continue;
      for (const pair of env.items)
        if (isPair(pair) && marked(pair))
          found.push({ key: String((pair.key as { value: unknown }).value), file: 'stack.yml', functionName: name });
    }
  }
  for (const file of envFiles) {
    const env = parseDocument(await readFile(join(repoRoot, file), 'utf8')).get('environment');
    if (!isMap(env)) continue;
    for (const pair of env.items)
      if (isPair(pair) && marked(pair)) found.push({ key: String((pair.key as { value: unknown }).value), file });
  }
  return found;
}

/**
 * What people see, in a real (headless) Chromium on the real stack: a run in the Temporal UI with one activity per
 * step and its encrypted input decoded through Baton's codec server, and a run's HTML report with its training
 * curve drawn. Screenshots go to test-artifacts/ (gitignored).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { triggerRun, waitForRun } from '../../cli/api/run-client.ts';
import { launchBrowser, screenshot, type BrowserSession } from '../support/browser.ts';
import { artifactStoreOf, callReportFunction, reportInputOf, runRecord } from '../support/run-report.ts';
import { bearer, startTestStack, stopTestStack, type TestStack } from '../support/test-stack.ts';

let session: BrowserSession | undefined;
let stack: TestStack | undefined;

before(async () => {
  session = await launchBrowser(); // first: a machine without Chromium fails here, at once and saying why
  stack = await startTestStack();
});
after(async () => {
  await session?.close();
  await stopTestStack(stack);
});

/** A page that fails the test on any console error or uncaught exception (a CSP violation is one). */
async function watchedPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await session!.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, problems };
}

async function finishedRun(pipeline: string, input: unknown): Promise<{ runId: string; steps: string[] }> {
  const run = await triggerRun(stack!, { pipeline, input });
  const view = await waitForRun(stack!, run.runId, { timeoutMs: 180_000 });
  assert.equal(view.status, 'completed', JSON.stringify(view.error ?? view.steps));
  // The steps it ran: a skipped one (another source's, a promotion the rules refused) has no activity.
  return { runId: run.runId, steps: view.steps.filter((step) => step.status === 'completed').map((step) => step.name) };
}

test('the Temporal UI shows a train-classifier run by its id, with one activity per step and its input decoded', async () => {
  // Payloads are encrypted in Temporal: the UI shows this input (and the step summaries) only through the codec server.
  const canary = `canary-${randomBytes(6).toString('hex')}`;
  const { runId, steps } = await finishedRun('train-classifier', { modelName: canary });
  const { page } = await watchedPage();
  const codecCalls: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${stack!.gatewayUrl}/function/baton/codec/`))
      codecCalls.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });
  try {
    await page.goto(`${stack!.temporalUiUrl}/namespaces/default/workflows/${encodeURIComponent(runId)}`);
    const heading = page.getByTestId('workflow-id-heading');
    await heading.waitFor({ timeout: 30_000 });
    assert.match(await heading.innerText(), new RegExp(runId));
    await page.getByRole('heading', { name: 'Event History' }).waitFor();

    // The timeline names each activity "<type> • <summary>", and run-step's summary is "<step> → function <fn>".
    const expected = steps;
    const pattern = /^invokeFunction • (\S+) → function (\S+)$/;
    const activityLabels = async () =>
      (await page.locator('svg text').allTextContents())
        .map((text) => text.trim())
        .filter((text) => pattern.test(text));
    const deadline = Date.now() + 30_000;
    while ((await activityLabels()).length < expected.length && Date.now() < deadline) await page.waitForTimeout(250);
    const labels = await activityLabels();
    const named = labels.map((label) => pattern.exec(label)!.slice(1));
    assert.deepEqual(
      named.map(([step]) => step).sort(),
      [...expected].sort(),
      `one activity per step in the timeline: ${JSON.stringify(labels)}`,
    );
    assert.ok(
      named.every(([step, fn]) => step === fn),
      'each step calls its function of the same name',
    );
    // The event table lists each step's "Activity Task Scheduled" with its summary too.
    for (const step of expected)
      await page.getByText(`${step} → function ${step}`, { exact: true }).first().waitFor({ timeout: 10_000 });
    // The run's input and result (both hold the canary), decrypted for the browser by the orchestrator's codec server.
    await page.getByText(canary).first().waitFor({ timeout: 30_000 });
    assert.ok(
      codecCalls.includes('POST /function/baton/codec/decode'),
      `the UI called the codec server: ${JSON.stringify(codecCalls)}`,
    );
  } finally {
    await screenshot(page, `temporal-ui-${runId}`);
    await page.context().close();
  }
});

test("a resumable run's report draws its training curve and confusion matrix in the browser", async (t) => {
  const epochs = 4;
  const { runId, steps } = await finishedRun('train-classifier-resumable', { epochs, modelName: 'browser-test' });
  const { page, problems } = await watchedPage();
  try {
    if (steps.includes('report')) {
      // The report route wants a viewer credential, like every route of the trigger API.
      await page.setExtraHTTPHeaders(bearer(stack!));
      const response = await page.goto(`${stack!.gatewayUrl}/function/baton/runs/${encodeURIComponent(runId)}/report`);
      assert.equal(response?.status(), 200);
    } else {
      // Until the pipelines call the report step, render this run's report with the function itself.
      t.diagnostic(
        'train-classifier-resumable has no report step yet: rendering the report by calling the report function directly',
      );
      const ref = await callReportFunction(
        stack!,
        `${runId}-direct`,
        'train-classifier-resumable',
        reportInputOf('train-classifier-resumable', runId, await runRecord(stack!, runId)),
      );
      await page.setContent((await artifactStoreOf(stack!).getBytes(ref)).toString('utf8'));
    }
    assert.match(await page.title(), new RegExp(runId));
    await page.locator('h1').getByText(runId).waitFor();

    for (const series of ['loss', 'accuracy']) {
      const line = page.locator(`svg.line-chart path.line[data-series="${series}"]`);
      const d = (await line.getAttribute('d')) ?? '';
      assert.equal(d.match(/[ML]/g)?.length, epochs, `${series}: one point per epoch`);
      const drawn = await line.evaluate((path) => ({
        length: (path as SVGPathElement).getTotalLength(),
        box: (path as SVGPathElement).getBoundingClientRect(),
      }));
      assert.ok(
        drawn.length > 50 && drawn.box.width > 100,
        `${series}: the line is drawn on screen: ${JSON.stringify(drawn)}`,
      );
      assert.equal(await page.locator(`svg.line-chart circle.point[data-series="${series}"]`).count(), epochs);
    }
    const cells = page.locator('svg.confusion-matrix g.cell');
    assert.equal(await cells.count(), 4, 'breast_cancer: 2 classes, 4 cells');
    const box = await page.locator('svg.confusion-matrix').boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, 'the confusion matrix is visible');
    assert.deepEqual(problems, [], 'no console error, no CSP violation');
  } finally {
    await screenshot(page, `report-${runId}`);
    await page.context().close();
  }
});

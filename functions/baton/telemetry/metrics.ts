/**
 * Baton's own Prometheus metrics, per orchestrator replica (Prometheus sums the replicas): runs and steps as the
 * worker sees them close (workflows/run-metrics.ts through a sink), promotions, the scaler's decisions. Labels are
 * pipeline, step and function names from the catalog and the gateway, never run ids or anything a caller chooses,
 * so the series stay few. Served with the Temporal worker's own metrics by the trigger API's `GET /metrics`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Outcome } from '../../../workflows/run-metrics.ts';

/** Where a promotion came from: a run's promote step, or an admin's `POST /models/.../promote`. */
export type PromotionSource = 'run' | 'api';

/** Step durations run from seconds (a check) to hours (training). */
const STEP_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 10800];

export class BatonMetrics {
  readonly registry = new Registry();
  private readonly started: Counter<'pipeline'>;
  private readonly closed: Record<Outcome, Counter<'pipeline'>>;
  private readonly steps: Histogram<'pipeline' | 'step' | 'outcome'>;
  private readonly promotions: Counter<'pipeline' | 'source'>;
  private readonly decisions: Counter<'function' | 'direction'>;
  private readonly desired: Gauge<'function'>;

  constructor() {
    const registers = [this.registry];
    const runs = (name: string, help: string) =>
      new Counter({ name: `baton_runs_${name}_total`, help, labelNames: ['pipeline'], registers });
    this.started = runs('started', 'Runs started, per pipeline.');
    this.closed = {
      completed: runs('completed', 'Runs that completed, per pipeline.'),
      failed: runs('failed', 'Runs that failed, per pipeline.'),
      cancelled: runs('cancelled', 'Runs that were cancelled, per pipeline.'),
    };
    this.steps = new Histogram({
      name: 'baton_step_duration_seconds',
      help: "A step's call from scheduling to result (retries included), per pipeline, step and outcome.",
      labelNames: ['pipeline', 'step', 'outcome'],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.promotions = new Counter({
      name: 'baton_promotions_total',
      help: 'Model versions promoted to production, by a run (pipeline) or through the API (pipeline "").',
      labelNames: ['pipeline', 'source'],
      registers,
    });
    this.decisions = new Counter({
      name: 'baton_scaler_decisions_total',
      help: "The scaler's decisions per function: up, down or none (replicas unchanged).",
      labelNames: ['function', 'direction'],
      registers,
    });
    this.desired = new Gauge({
      name: 'baton_scaler_desired_replicas',
      help: "The replicas the scaler's last decision asked for, per function.",
      labelNames: ['function'],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  runStarted(pipeline: string): void {
    this.started.inc({ pipeline });
  }

  runClosed(pipeline: string, outcome: Outcome): void {
    this.closed[outcome].inc({ pipeline });
  }

  stepClosed(pipeline: string, step: string, outcome: Outcome, seconds: number): void {
    this.steps.observe({ pipeline, step, outcome }, seconds);
  }

  promoted(source: PromotionSource, pipeline = ''): void {
    this.promotions.inc({ pipeline, source });
  }

  scalerDecision(fn: string, from: number, to: number): void {
    this.decisions.inc({ function: fn, direction: to > from ? 'up' : to < from ? 'down' : 'none' });
    this.desired.set({ function: fn }, to);
  }

  /** Baton's metrics in the text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

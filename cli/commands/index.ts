/** Every command of `baton`, in the order the help lists them. */
import type { Command } from '../context.ts';
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from './keys.ts';
import { modelsCommand } from './models.ts';
import { newPipelineCommand, newStepCommand } from './new.ts';
import { modelsMonitorCommand } from './models-monitor.ts';
import { modelsPolicyCommand } from './models-policy.ts';
import { modelsPromoteCommand } from './models-promote.ts';
import { pipelinesCommand } from './pipelines.ts';
import { predictCommand } from './predict.ts';
import { runCommand } from './run.ts';
import { runsApprovalCommand } from './runs-approval.ts';
import { runsApproveCommand, runsRejectCommand } from './runs-approve.ts';
import { runsCancelCommand } from './runs-cancel.ts';
import { runsCompareCommand } from './runs-compare.ts';
import { runsListCommand } from './runs-list.ts';
import { runsShowCommand } from './runs-show.ts';
import { schedulesCreateCommand } from './schedules-create.ts';
import {
  schedulesDeleteCommand,
  schedulesListCommand,
  schedulesPauseCommand,
  schedulesShowCommand,
  schedulesTriggerCommand,
  schedulesUnpauseCommand,
} from './schedules.ts';
import { watchesCreateCommand, watchesDeleteCommand, watchesListCommand, watchesShowCommand } from './watches.ts';

export const commands: readonly Command[] = [
  runCommand,
  runsListCommand,
  runsShowCommand,
  runsCompareCommand,
  runsCancelCommand,
  runsApprovalCommand,
  runsApproveCommand,
  runsRejectCommand,
  pipelinesCommand,
  schedulesCreateCommand,
  schedulesListCommand,
  schedulesShowCommand,
  schedulesPauseCommand,
  schedulesUnpauseCommand,
  schedulesTriggerCommand,
  schedulesDeleteCommand,
  watchesCreateCommand,
  watchesListCommand,
  watchesShowCommand,
  watchesDeleteCommand,
  modelsCommand,
  modelsPromoteCommand,
  modelsPolicyCommand,
  modelsMonitorCommand,
  predictCommand,
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
  newStepCommand,
  newPipelineCommand,
];

/** Words that take a sub-command (`runs list`). */
export const commandGroups = ['runs', 'schedules', 'watches', 'models', 'keys', 'new'];

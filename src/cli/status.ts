/**
 * `sentinel-pool status`: one look at a master group's health, as its sentinels and its master
 * report it. Observe (status-gather), analyze (status-checks, pure), print (status-render).
 */
import { type CommandSpec, parseArgs, parseInteger } from './args.js';
import { type Io, painterFor, writeJson, writeLine } from './output.js';
import { analyzeStatus, LAG_WARNING_BYTES, nothingToReport } from './status-checks.js';
import { askSentinel, probeMaster } from './status-gather.js';
import { renderStatus } from './status-render.js';
import { masterAddressOf, referenceView } from './status-report.js';
import { targetCommandOptions, targetFrom } from './target.js';

const OPTIONS = {
  ...targetCommandOptions(
    {
      type: 'string',
      placeholder: 'name',
      required: true,
      description: 'The master group name, as in "sentinel monitor <name> …"',
    },
    'Print one JSON object instead of text',
  ),
  'write-lease-ms': {
    type: 'string',
    placeholder: 'ms',
    description:
      "The application's writeLeaseMs: warn when it plus two sentinel round trips is not comfortably below down-after-milliseconds",
  },
} as const;

export const STATUS_SPEC = {
  name: 'status',
  summary: 'Check the health of a master group: master, replicas, sentinels, quorum, risky settings',
  details: [
    'Asks every sentinel named in --sentinels (SENTINEL MASTER/REPLICAS/SENTINELS/CKQUORUM) and the master they name (ROLE, CONFIG GET). Warns about min-replicas-to-write 0, fewer than 3 sentinels, a quorum that is not a majority, sentinels that disagree about the master, and replicas that are down or lag more than ' +
      `${LAG_WARNING_BYTES} bytes.`,
    "With --write-lease-ms (the application's writeLeaseMs), also warns when the lease plus two sentinel round trips is not comfortably below down-after-milliseconds.",
    'Exit code: 0 healthy, 1 warnings, 2 unreachable or bad arguments.',
  ],
  options: OPTIONS,
  examples: [
    'status --sentinels 127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381 --name mymaster',
    'status --sentinels sentinel-1:26379 --name mymaster --tls --json',
  ],
} satisfies CommandSpec;

/** Runs `status`; resolves with the exit code. */
export async function runStatus(args: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs(args, STATUS_SPEC);
  const target = targetFrom(STATUS_SPEC.name, values, values.name, io.env);
  const name = values.name!;
  const views = await Promise.all(target.sentinels.map((s) => askSentinel(s, name, target)));
  const reference = referenceView(views);
  const masterAddress = reference && masterAddressOf(reference);
  const probe =
    reference?.master && masterAddress
      ? await probeMaster({ host: reference.master.ip ?? '', port: Number(reference.master.port) }, target)
      : undefined;
  const lease = values['write-lease-ms'];
  const report = analyzeStatus(
    name,
    views,
    probe,
    lease === undefined ? undefined : parseInteger(STATUS_SPEC.name, 'write-lease-ms', lease, 30, 600_000),
  );
  if (values.json) writeJson(io.stdout, report);
  else for (const line of renderStatus(report, painterFor(io.stdout, io.env))) writeLine(io.stdout, line);
  if (report.exitCode === 2 && !values.json)
    writeLine(io.stderr, `${io.program} status: ${nothingToReport(name, views)}`);
  return report.exitCode;
}

/**
 * The client process of a fixed-rate run (`paced()` in load.ts forks it): receives one
 * `PacedJob`, runs it, answers its measurement or its error, and exits.
 */
import { type PacedJob, type PacedResult, runPaced } from './load';

process.once('message', (job: PacedJob) => {
  const answer = (result: PacedResult) => process.send!(result, () => process.exit(0));
  runPaced(job).then(
    (measurement) => answer({ measurement }),
    (err: unknown) => answer({ error: err instanceof Error ? err.message : String(err) }),
  );
});

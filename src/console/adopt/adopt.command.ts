import { createInterface } from 'node:readline/promises';
import { ConfigService } from '@nestjs/config';
import { Command, CommandRunner, Option } from 'nest-commander';
import type { Environment } from '../../config/environment';
import { Adoption, type AdoptionReport } from './adoption';

export interface AdoptOptions {
  dryRun?: boolean;
  yes?: boolean;
}

/**
 * `npm run adopt -- [--dry-run] [--yes]`: takes over the database DATABASE_URL names when the
 * Flask Mega-Tutorial made it (see Adoption). Prints what it found and its plan; asks on a
 * terminal unless `--yes`; `--dry-run` stops after the plan. Exit codes: 0 adopted, already
 * adopted or planned; 1 refused or failed, with nothing changed.
 */
@Command({
  name: 'adopt',
  description: "Take over a database made by the Flask Mega-Tutorial's database chapter",
  options: { isDefault: true },
})
export class AdoptCommand extends CommandRunner {
  constructor(private readonly config: ConfigService<Environment, true>) {
    super();
  }

  async run(_args: string[], { dryRun = false, yes = false }: AdoptOptions): Promise<void> {
    const adoption = new Adoption(this.config.get('DATABASE_URL', { infer: true }));
    const report = await adoption.inspect();
    console.log(`Database: ${report.target}`);
    if (report.state === 'adopted') {
      console.log("Already adopted: it has this project's migration history. Nothing to do.");
      return;
    }
    if (report.state === 'refused') {
      refuse(report);
      return;
    }
    printPlan(report);
    if (dryRun) {
      console.log('Dry run: nothing was changed.');
      return;
    }
    if (!yes && !(await confirm())) {
      return;
    }
    const result = await adoption.execute(report);
    if (result.backup) {
      console.log(`Copied the database first, to ${result.backup}`);
    }
    console.log(
      `Adopted: ${report.users} user(s) and ${report.posts} post(s) are now this project's.` +
        (result.applied.length > 0 ? ` Then applied ${result.applied.join(', ')}.` : ''),
    );
  }

  @Option({ flags: '--dry-run', description: 'print the plan and change nothing' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '-y, --yes', description: 'do not ask before taking over' })
  parseYes(): boolean {
    return true;
  }
}

function printPlan(report: AdoptionReport): void {
  console.log(
    `Found the tutorial's schema: ${report.users} user(s), ${report.posts} post(s)` +
      (report.alembicRevision ? `, Alembic revision ${report.alembicRevision}.` : '.'),
  );
  if (report.leftAlone.length > 0) {
    console.log(
      `Not from the tutorial's database chapter, left alone: ${report.leftAlone.join(', ')}.`,
    );
  }
  console.log('Plan:');
  report.steps.forEach((step, i) => console.log(`  ${i + 1}. ${step}`));
}

function refuse(report: AdoptionReport): void {
  console.error('Cannot adopt this database:');
  for (const problem of report.problems) {
    console.error(`  - ${problem}`);
  }
  console.error('Nothing was changed.');
  process.exitCode = 1;
}

/** Asks on a terminal; without one, `--yes` is the only way to go ahead. */
async function confirm(): Promise<boolean> {
  if (!process.stdin.isTTY) {
    console.error(
      'Not on a terminal to ask: pass --yes to take the database over. Nothing was changed.',
    );
    process.exitCode = 1;
    return false;
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question('Take this database over? [y/N] ');
  prompt.close();
  if (!/^y(es)?$/i.test(answer.trim())) {
    console.log('Nothing was changed.');
    return false;
  }
  return true;
}

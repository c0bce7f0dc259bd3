import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { EntityManager } from '@mikro-orm/sql';
import { Command, CommandRunner, Option } from 'nest-commander';
import { AuthService } from '../../auth/auth.service';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../users/dto/create-user.dto';
import { User } from '../../users/entities/user.entity';
import { PasswordHasher } from '../../users/password-hasher';

export interface SetPasswordOptions {
  generate?: boolean;
}

/**
 * `npm run set-password -- <username or email> [--generate]`: an administrator sets or resets a
 * user's password (account recovery), and every session of the user ends. The password is
 * typed twice on a terminal (not echoed), read as one line from standard input in a pipe, or
 * generated and printed once with `--generate`.
 */
@Command({
  name: 'set-password',
  arguments: '<login>',
  description: "Set or reset a user's password (by username or email) and end their sessions",
  options: { isDefault: true },
})
export class SetPasswordCommand extends CommandRunner {
  constructor(
    private readonly em: EntityManager,
    private readonly hasher: PasswordHasher,
    private readonly auth: AuthService,
  ) {
    super();
  }

  async run([login]: string[], { generate = false }: SetPasswordOptions): Promise<void> {
    const where = login.includes('@') ? { email: login.toLowerCase() } : { username: login };
    if (!(await this.em.fork().findOne(User, where))) {
      throw new Error(`No user ${JSON.stringify(login)}: give a username or an email address.`);
    }
    const password = generate ? randomBytes(18).toString('base64url') : await readPassword();
    const length = [...password].length;
    if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
      throw new Error(
        `A password has ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters; nothing changed.`,
      );
    }
    const passwordHash = await this.hasher.hash(password);
    // One transaction: the new hash and the end of every session commit together.
    const user = await this.em.fork().transactional(async (em) => {
      const found = await em.findOneOrFail(User, where);
      found.passwordHash = passwordHash;
      await this.auth.endSessions(found.id);
      return found;
    });
    console.log(
      generate
        ? `New password for ${user.username} (shown once): ${password}`
        : `Password set for ${user.username}.`,
    );
    console.log('Every session of the user has ended.');
  }

  @Option({ flags: '--generate', description: 'generate a random password and print it once' })
  parseGenerate(): boolean {
    return true;
  }
}

/** Typed twice on a terminal without echo, or one line from a pipe. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      lines.close();
      return line;
    }
    throw new Error('No password on standard input; nothing changed.');
  }
  const first = await ask('New password: ');
  const second = await ask('Again: ');
  if (first !== second) {
    throw new Error('The two passwords differ; nothing changed.');
  }
  return first;
}

/** Asks on the terminal without echoing what is typed: the echo goes to a muted stream. */
async function ask(question: string): Promise<string> {
  process.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const prompt = createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    return await prompt.question('');
  } finally {
    prompt.close();
    process.stderr.write('\n');
  }
}
